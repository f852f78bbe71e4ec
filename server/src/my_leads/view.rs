//! Assembles [`PurchasedLead`]s from the rows [`super::store`] loaded: the lead (still priced
//! and aged by the shared rules), its revealed contact, and the buyer's pipeline (replayed
//! through the shared pipeline rules), notes, contact log and refund. No SQL here.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use leadmart_shared::lead::Lead;
use leadmart_shared::money::Money;
use leadmart_shared::pipeline::{ContactChannel, ContactOutcome, Pipeline, PipelineStage};
use leadmart_shared::refund::refund_deadline;
use leadmart_shared::wire::{
    ContactDto, ContactLogEntry, LeadNote, LeadPreviewDto, PurchasedLead, RefundDto, StageChangeDto,
};

use super::store::PurchaseRow;
use crate::MarketConfig;
use crate::db::enum_from_column;
use crate::error::ApiError;
use crate::refunds::store::RefundRow;

/// `(purchase_id, id, body, created_at)` of a note.
pub type NoteRow = (i64, i64, String, DateTime<Utc>);
/// `(purchase_id, id, channel, at, note)` of a contact-log line.
pub type ContactRow = (
    i64,
    i64,
    String,
    DateTime<Utc>,
    Option<String>,
    Option<String>,
);
/// `(purchase_id, to_stage, at)` of a stage change.
pub type StageRow = (i64, String, DateTime<Utc>);

/// The rows behind a batch of purchases, each list oldest first.
pub struct Related {
    pub leads: HashMap<i64, Lead>,
    pub notes: Vec<NoteRow>,
    pub contacts: Vec<ContactRow>,
    pub changes: Vec<StageRow>,
    pub refunds: Vec<RefundRow>,
}

/// Replays recorded `(to_stage, at)` changes, oldest first, through the shared pipeline rules.
pub fn pipeline_of(
    purchase: &PurchaseRow,
    changes: Vec<(String, DateTime<Utc>)>,
) -> Result<Pipeline, ApiError> {
    let mut pipeline = Pipeline::start(purchase.purchased_at);
    for (to, at) in changes {
        let to: PipelineStage = enum_from_column(&to)?;
        let deal = match to {
            PipelineStage::Won => purchase
                .deal_value
                .map(|d| Money::new(d.0))
                .transpose()
                .map_err(ApiError::corrupt)?,
            _ => None,
        };
        pipeline.move_to(to, at, deal).map_err(ApiError::corrupt)?;
    }
    Ok(pipeline)
}

/// A purchase the moment it is made, from what its transaction read and wrote: nothing has been
/// worked on it yet, so there is nothing more to load.
pub fn just_bought(
    purchase: &PurchaseRow,
    lead: Lead,
    market: &MarketConfig,
    now: DateTime<Utc>,
) -> Result<PurchasedLead, ApiError> {
    let related = Related {
        leads: HashMap::from([(purchase.lead_id, lead)]),
        notes: Vec::new(),
        contacts: Vec::new(),
        changes: Vec::new(),
        refunds: Vec::new(),
    };
    assemble(std::slice::from_ref(purchase), related, market, now)?
        .pop()
        .ok_or_else(|| ApiError::corrupt("a purchase without its lead"))
}

/// One [`PurchasedLead`] per purchase, in the order of `purchases`.
pub fn assemble(
    purchases: &[PurchaseRow],
    related: Related,
    market: &MarketConfig,
    now: DateTime<Utc>,
) -> Result<Vec<PurchasedLead>, ApiError> {
    let Related {
        mut leads,
        notes,
        contacts,
        changes,
        refunds,
    } = related;
    let mut notes_of: HashMap<i64, Vec<LeadNote>> = HashMap::new();
    for (purchase, id, body, created_at) in notes {
        notes_of.entry(purchase).or_default().push(LeadNote {
            id: id.to_string(),
            body,
            created_at,
        });
    }
    let mut contacts_of: HashMap<i64, Vec<ContactLogEntry>> = HashMap::new();
    for (purchase, id, channel, at, note, outcome) in contacts {
        contacts_of
            .entry(purchase)
            .or_default()
            .push(ContactLogEntry {
                id: id.to_string(),
                channel: enum_from_column::<ContactChannel>(&channel)?,
                at,
                note,
                outcome: outcome
                    .as_deref()
                    .map(enum_from_column::<ContactOutcome>)
                    .transpose()?,
            });
    }
    let mut changes_of: HashMap<i64, Vec<(String, DateTime<Utc>)>> = HashMap::new();
    for (purchase, to, at) in changes {
        changes_of.entry(purchase).or_default().push((to, at));
    }
    let mut refund_of: HashMap<i64, RefundDto> = HashMap::new();
    for row in refunds {
        refund_of.insert(row.purchase_id, row.into_dto()?);
    }

    let currency = market.credit_value.currency.to_string();
    purchases
        .iter()
        .map(|purchase| {
            let lead = leads
                .remove(&purchase.lead_id)
                .ok_or_else(|| ApiError::corrupt("a purchase without its lead"))?;
            let pipeline = pipeline_of(
                purchase,
                changes_of.remove(&purchase.id).unwrap_or_default(),
            )?;
            let preview = lead.preview(now, &market.pricing, &market.freshness);
            let refund = refund_of.remove(&purchase.id);
            let keeps_contact = refund
                .as_ref()
                .is_none_or(|refund| refund.status.buyer_keeps_contact());
            Ok(PurchasedLead {
                purchase_id: purchase.id.to_string(),
                lead: LeadPreviewDto::from_preview(&preview, &currency),
                contact: keeps_contact.then(|| ContactDto::from(&lead.contact)),
                price_paid: purchase.price.0,
                purchased_at: purchase.purchased_at,
                refund_deadline: refund_deadline(purchase.purchased_at, &market.refunds),
                stage: pipeline.stage(),
                deal_value: pipeline.deal_value().map(Money::amount),
                notes: notes_of.remove(&purchase.id).unwrap_or_default(),
                contact_log: contacts_of.remove(&purchase.id).unwrap_or_default(),
                updated_at: purchase.updated_at,
                stage_history: pipeline
                    .history()
                    .iter()
                    .map(|c| StageChangeDto {
                        from: c.from,
                        to: c.to,
                        at: c.at,
                    })
                    .collect(),
                refund,
            })
        })
        .collect()
}
