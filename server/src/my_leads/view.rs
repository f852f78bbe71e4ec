//! Assembles a [`PurchasedLead`]: the lead (still priced and aged by the shared rules), its
//! revealed contact, and the buyer's pipeline, notes, contact log and refund. Reads run on a
//! [`Tx`] so a write path can answer with what it just wrote, before committing.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use leadmart_shared::money::Money;
use leadmart_shared::pipeline::{ContactChannel, Pipeline, PipelineStage};
use leadmart_shared::refund::{RefundReason, RefundStatus, refund_deadline};
use leadmart_shared::wire::{
    ContactDto, ContactLogEntry, LeadNote, LeadPreviewDto, PurchasedLead, RefundDto, StageChangeDto,
};

use crate::db::{DbDecimal, Tx, enum_from_column};
use crate::error::ApiError;
use crate::marketplace::record::{LEAD_COLUMNS, LeadRecord};
use crate::{MarketConfig, with_tx};

/// The buyer's purchase of one lead.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PurchaseRow {
    pub id: i64,
    pub lead_id: i64,
    pub buyer_id: i64,
    pub price: DbDecimal,
    pub purchased_at: DateTime<Utc>,
    pub stage: String,
    pub stage_since: DateTime<Utc>,
    pub deal_value: Option<DbDecimal>,
    pub updated_at: DateTime<Utc>,
}

pub const PURCHASE_COLUMNS: &str =
    "id, lead_id, buyer_id, price, purchased_at, stage, stage_since, deal_value, updated_at";

/// The caller's purchase of `lead_id`; `None` when they did not buy it (which is all another
/// buyer learns: a lead someone else bought is simply not in your leads).
pub async fn find_purchase(
    tx: &mut Tx,
    buyer: i64,
    lead_id: i64,
) -> Result<Option<PurchaseRow>, ApiError> {
    let lock = tx.for_update();
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {PURCHASE_COLUMNS} FROM purchases WHERE buyer_id = $1 AND lead_id = $2{lock}"
    ));
    let row = with_tx!(tx, conn => {
        sqlx::query_as(sql).bind(buyer).bind(lead_id).fetch_optional(conn).await?
    });
    Ok(row)
}

/// The purchase `id`, as just written.
pub async fn purchase_by_id(tx: &mut Tx, id: i64) -> Result<PurchaseRow, ApiError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {PURCHASE_COLUMNS} FROM purchases WHERE id = $1"
    ));
    let row = with_tx!(tx, conn => {
        sqlx::query_as(sql).bind(id).fetch_one(conn).await?
    });
    Ok(row)
}

#[derive(sqlx::FromRow)]
struct RefundRow {
    id: i64,
    purchase_id: i64,
    lead_id: i64,
    reason: String,
    note: String,
    status: String,
    credits: DbDecimal,
    requested_at: DateTime<Utc>,
    decided_at: Option<DateTime<Utc>>,
    decision_note: Option<String>,
}

pub const REFUND_COLUMNS: &str = "id, purchase_id, lead_id, reason, note, status, credits, \
     requested_at, decided_at, decision_note";

fn refund_dto(row: RefundRow) -> Result<RefundDto, ApiError> {
    Ok(RefundDto {
        id: row.id.to_string(),
        purchase_id: row.purchase_id.to_string(),
        lead_id: row.lead_id.to_string(),
        reason: enum_from_column::<RefundReason>(&row.reason)?,
        note: row.note,
        status: enum_from_column::<RefundStatus>(&row.status)?,
        credits: row.credits.0,
        requested_at: row.requested_at,
        decided_at: row.decided_at,
        decision_note: row.decision_note,
    })
}

/// Refunds matching `filter` (a constant SQL condition on `$1`).
pub async fn refunds_where(
    tx: &mut Tx,
    filter: &'static str,
    value: &str,
) -> Result<Vec<RefundDto>, ApiError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE {filter} ORDER BY id"
    ));
    let rows: Vec<RefundRow> = with_tx!(tx, conn => {
        sqlx::query_as(sql).bind(value).fetch_all(conn).await?
    });
    rows.into_iter().map(refund_dto).collect()
}

pub async fn refund_by_id(tx: &mut Tx, id: i64) -> Result<Option<RefundDto>, ApiError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE id = $1"
    ));
    let row: Option<RefundRow> = with_tx!(tx, conn => {
        sqlx::query_as(sql).bind(id).fetch_optional(conn).await?
    });
    row.map(refund_dto).transpose()
}

/// The shared pipeline of a purchase, rebuilt from its recorded changes.
pub async fn pipeline(tx: &mut Tx, purchase: &PurchaseRow) -> Result<Pipeline, ApiError> {
    let rows: Vec<(String, DateTime<Utc>)> = with_tx!(tx, conn => {
        sqlx::query_as("SELECT to_stage, at FROM stage_changes WHERE purchase_id = $1 ORDER BY id")
            .bind(purchase.id)
            .fetch_all(conn)
            .await?
    });
    pipeline_of(purchase, rows)
}

/// Replays recorded `(to_stage, at)` changes, oldest first, through the shared pipeline rules.
fn pipeline_of(
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

/// Everything the buyer sees about a lead they bought.
pub async fn purchased_lead(
    tx: &mut Tx,
    purchase: &PurchaseRow,
    market: &MarketConfig,
    now: DateTime<Utc>,
) -> Result<PurchasedLead, ApiError> {
    purchased_leads(tx, std::slice::from_ref(purchase), market, now)
        .await?
        .pop()
        .ok_or_else(|| ApiError::corrupt("a purchase without its lead"))
}

/// `(purchase_id, id, channel, at, note)` of a contact-log line.
type ContactRow = (i64, i64, String, DateTime<Utc>, Option<String>);

/// `$1, $2, …, $n`.
fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows of `sql` (with one `{ids}` list to fill) for every id in `ids`.
macro_rules! rows_for_ids {
    ($tx:expr, $sql:expr, $ids:expr) => {{
        let sql = sqlx::AssertSqlSafe($sql.replace("{ids}", &placeholders($ids.len())));
        with_tx!($tx, conn => {
            let mut query = sqlx::query_as(sql);
            for id in $ids {
                query = query.bind(*id);
            }
            query.fetch_all(conn).await?
        })
    }};
}

/// [`purchased_lead`] for many purchases in five queries, whatever their number (My Leads
/// pages, sync), in the order of `purchases`.
pub async fn purchased_leads(
    tx: &mut Tx,
    purchases: &[PurchaseRow],
    market: &MarketConfig,
    now: DateTime<Utc>,
) -> Result<Vec<PurchasedLead>, ApiError> {
    if purchases.is_empty() {
        return Ok(Vec::new());
    }
    let purchase_ids: Vec<i64> = purchases.iter().map(|p| p.id).collect();
    let lead_ids: Vec<i64> = purchases.iter().map(|p| p.lead_id).collect();
    let records: Vec<LeadRecord> = rows_for_ids!(
        tx,
        format!("SELECT {LEAD_COLUMNS} FROM leads WHERE id IN ({{ids}})"),
        &lead_ids
    );
    let notes: Vec<(i64, i64, String, DateTime<Utc>)> = rows_for_ids!(
        tx,
        "SELECT purchase_id, id, body, created_at FROM lead_notes \
         WHERE purchase_id IN ({ids}) ORDER BY id",
        &purchase_ids
    );
    let contacts: Vec<ContactRow> = rows_for_ids!(
        tx,
        "SELECT purchase_id, id, channel, at, note FROM contact_log \
         WHERE purchase_id IN ({ids}) ORDER BY id",
        &purchase_ids
    );
    let changes: Vec<(i64, String, DateTime<Utc>)> = rows_for_ids!(
        tx,
        "SELECT purchase_id, to_stage, at FROM stage_changes \
         WHERE purchase_id IN ({ids}) ORDER BY id",
        &purchase_ids
    );
    let refunds: Vec<RefundRow> = rows_for_ids!(
        tx,
        format!("SELECT {REFUND_COLUMNS} FROM refunds WHERE purchase_id IN ({{ids}}) ORDER BY id"),
        &purchase_ids
    );

    let mut leads: HashMap<i64, LeadRecord> = records.into_iter().map(|r| (r.id, r)).collect();
    let mut notes_of: HashMap<i64, Vec<LeadNote>> = HashMap::new();
    for (purchase, id, body, created_at) in notes {
        notes_of.entry(purchase).or_default().push(LeadNote {
            id: id.to_string(),
            body,
            created_at,
        });
    }
    let mut contacts_of: HashMap<i64, Vec<ContactLogEntry>> = HashMap::new();
    for (purchase, id, channel, at, note) in contacts {
        contacts_of
            .entry(purchase)
            .or_default()
            .push(ContactLogEntry {
                id: id.to_string(),
                channel: enum_from_column::<ContactChannel>(&channel)?,
                at,
                note,
            });
    }
    let mut changes_of: HashMap<i64, Vec<(String, DateTime<Utc>)>> = HashMap::new();
    for (purchase, to, at) in changes {
        changes_of.entry(purchase).or_default().push((to, at));
    }
    let mut refund_of: HashMap<i64, RefundDto> = HashMap::new();
    for row in refunds {
        refund_of.insert(row.purchase_id, refund_dto(row)?);
    }

    let currency = market.credit_value.currency.to_string();
    purchases
        .iter()
        .map(|purchase| {
            let lead = leads
                .remove(&purchase.lead_id)
                .ok_or_else(|| ApiError::corrupt("a purchase without its lead"))?
                .into_lead()?;
            let pipeline = pipeline_of(
                purchase,
                changes_of.remove(&purchase.id).unwrap_or_default(),
            )?;
            let preview = lead.preview(now, &market.pricing, &market.freshness);
            Ok(PurchasedLead {
                purchase_id: purchase.id.to_string(),
                lead: LeadPreviewDto::from_preview(&preview, &currency),
                contact: ContactDto::from(&lead.contact),
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
                refund: refund_of.remove(&purchase.id),
            })
        })
        .collect()
}
