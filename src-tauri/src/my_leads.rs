//! My Leads: the leads this agent bought, with full contact details, their pipeline, notes,
//! contact log and refund requests — the offline briefcase. Reads come from the cache, brought
//! up to date by [`crate::sync`] when the API answers. Edits (stage, note, contact log) are
//! checked with the shared rules, written to the outbox, shown at once over the cached lead
//! (pending), and sent by the sync engine now or whenever the API answers again: an edit made
//! offline is never lost. Refunds need the network.

use chrono::{DateTime, Utc};
use leadmart_shared::money::Money;
use leadmart_shared::pipeline::{ContactChannel, ContactOutcome, Pipeline, PipelineStage};
use leadmart_shared::refund::{self, Attempt, RefundGuard, RefundReason};
use leadmart_shared::wire::sync::LeadChange;
use leadmart_shared::wire::{
    ContactLogEntry, LeadNote, PurchasedLead, RefundDto, RefundRequest, StageChangeDto,
};
use rust_decimal::Decimal;
use serde::Serialize;
use specta::Type;

use crate::api::Method;
use crate::cache::{Cache, CacheReset, OutboxEntry};
use crate::error::AppError;
use crate::marketplace::{Connection, path_segment};
use crate::session::SessionManager;

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MyLeadsView {
    /// Newest purchase first, with edits still in the outbox applied.
    pub leads: Vec<PurchasedLead>,
    pub connection: Connection,
    pub last_synced_at: Option<DateTime<Utc>>,
    /// Edits made on this computer the server has not taken yet: waiting (`problem` empty) or
    /// refused. A note or contact-log entry shown from here has the id `pending-<seq>`.
    pub outbox: Vec<OutboxEntry>,
    /// Set when this computer's copy could not be unlocked and was downloaded again, until
    /// the agent dismisses it.
    pub cache_reset: Option<CacheReset>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MyLeadView {
    pub lead: PurchasedLead,
    pub connection: Connection,
    /// This lead's edits still in the outbox (see [`MyLeadsView::outbox`]).
    pub outbox: Vec<OutboxEntry>,
    /// The refund window's countdown and the evidence a request would carry.
    pub guard: RefundGuard,
}

/// The agent's time zone as last synced (the marketplace's when unknown).
pub async fn agent_zone(cache: &Cache) -> Result<chrono_tz::Tz, AppError> {
    Ok(crate::dashboard::time_zone_of(
        cache.cached_preferences().await?,
    ))
}

/// The refund guardian's view of `lead` at `now`, times written in `zone`.
pub fn guard_of(lead: &PurchasedLead, now: DateTime<Utc>, zone: chrono_tz::Tz) -> RefundGuard {
    let attempts: Vec<Attempt<'_>> = lead
        .contact_log
        .iter()
        .map(|entry| Attempt {
            channel: entry.channel,
            at: entry.at,
            note: entry.note.as_deref(),
            outcome: entry.outcome,
        })
        .collect();
    refund::guard(
        lead.refund_deadline,
        &attempts,
        lead.stage,
        lead.refund.is_some(),
        now,
        zone,
    )
}

/// Syncs when the API answers and says whether it did: `Offline` is not an error here.
async fn try_sync(
    session: &SessionManager,
    cache: &Cache,
    now: DateTime<Utc>,
) -> Result<Connection, AppError> {
    match crate::sync::run(session, cache, now).await {
        Ok(_) => Ok(Connection::Online),
        Err(AppError::Offline { .. }) => Ok(Connection::Offline),
        Err(other) => Err(other),
    }
}

/// Every purchased lead, newest first, synced first when the API answers.
pub async fn list(
    session: &SessionManager,
    cache: &Cache,
    now: DateTime<Utc>,
) -> Result<MyLeadsView, AppError> {
    let connection = try_sync(session, cache, now).await?;
    let (mut leads, last_synced_at) = cache.purchased().await?;
    let outbox = cache.outbox().await?;
    for lead in &mut leads {
        overlay(lead, &outbox);
    }
    Ok(MyLeadsView {
        leads,
        connection,
        last_synced_at,
        outbox,
        cache_reset: cache.cache_reset().await?,
    })
}

/// Every purchased lead on this computer with its waiting edits, without syncing first.
pub(crate) async fn cached(cache: &Cache) -> Result<Vec<PurchasedLead>, AppError> {
    let (mut leads, _) = cache.purchased().await?;
    let outbox = cache.outbox().await?;
    for lead in &mut leads {
        overlay(lead, &outbox);
    }
    Ok(leads)
}

/// Applies the waiting edits of `outbox` to `lead`, as the server will once it has them.
fn overlay(lead: &mut PurchasedLead, outbox: &[OutboxEntry]) {
    let mine = outbox
        .iter()
        .filter(|e| e.problem.is_none() && e.lead_id == lead.lead.card.id);
    for entry in mine {
        let id = format!("pending-{}", entry.seq);
        match &entry.change {
            LeadChange::Stage {
                stage,
                deal_value,
                at,
            } => {
                lead.stage_history.push(StageChangeDto {
                    from: lead.stage,
                    to: *stage,
                    at: *at,
                });
                lead.stage = *stage;
                lead.deal_value = *deal_value;
            }
            LeadChange::Note { body, at } => lead.notes.push(LeadNote {
                id,
                body: body.clone(),
                created_at: *at,
            }),
            LeadChange::Contact {
                channel,
                at,
                note,
                outcome,
            } => {
                lead.contact_log.push(ContactLogEntry {
                    id,
                    channel: *channel,
                    at: *at,
                    note: note.clone(),
                    outcome: *outcome,
                });
            }
            LeadChange::ContactOutcome {
                attempt_at,
                outcome,
                at: _,
            } => {
                // The server's rule: the latest attempt at or before the marked one's time.
                let marked = lead
                    .contact_log
                    .iter_mut()
                    .filter(|entry| entry.at <= *attempt_at)
                    .max_by_key(|entry| entry.at);
                if let Some(entry) = marked {
                    entry.outcome = Some(*outcome);
                }
            }
        }
    }
}

/// One purchased lead: live (and saved) or, offline, as saved; with its waiting edits.
pub async fn detail(
    session: &SessionManager,
    cache: &Cache,
    lead_id: &str,
) -> Result<MyLeadView, AppError> {
    let path = format!("v1/my/leads/{}", path_segment(lead_id)?);
    let (mut lead, connection) = match session
        .request::<PurchasedLead, ()>(Method::GET, &path, &[], None)
        .await
    {
        Ok(lead) => {
            cache.save_purchased(std::slice::from_ref(&lead)).await?;
            (lead, Connection::Online)
        }
        Err(AppError::Offline { .. }) => match cache.purchased_lead(lead_id).await? {
            Some(lead) => (lead, Connection::Offline),
            // `cache` is the signed-in user's own: another user's purchases are never in it.
            None => return Err(AppError::Offline {
                message: "This lead is not saved on this computer for your account. Connect to the marketplace to open it.".to_owned(),
            }),
        },
        Err(other) => return Err(other),
    };
    let outbox: Vec<OutboxEntry> = cache
        .outbox()
        .await?
        .into_iter()
        .filter(|e| e.lead_id == lead_id)
        .collect();
    overlay(&mut lead, &outbox);
    Ok(MyLeadView {
        guard: guard_of(&lead, Utc::now(), agent_zone(cache).await?),
        lead,
        connection,
        outbox,
    })
}

/// The lead as the agent sees it now (cached, with waiting edits).
pub(crate) async fn current(cache: &Cache, lead_id: &str) -> Result<PurchasedLead, AppError> {
    let mut lead = cache.purchased_lead(lead_id).await?.ok_or_else(|| AppError::Invalid {
        message: "This lead is not in your leads on this computer. Open My Leads while online to bring it here.".to_owned(),
    })?;
    overlay(&mut lead, &cache.outbox().await?);
    Ok(lead)
}

/// Writes `change` to the outbox, tries to send it at once, and answers the lead as the agent
/// sees it now (with the edit, sent or still waiting).
async fn edit(
    session: &SessionManager,
    cache: &Cache,
    lead_id: &str,
    change: LeadChange,
    now: DateTime<Utc>,
) -> Result<PurchasedLead, AppError> {
    cache.enqueue(lead_id, &change, now).await?;
    try_sync(session, cache, now).await?;
    current(cache, lead_id).await
}

/// Moves the lead along the pipeline; `won` needs the deal value. The shared pipeline rules
/// decide here too, so an offline edit the server would refuse is refused at once.
pub async fn change_stage(
    session: &SessionManager,
    cache: &Cache,
    lead_id: &str,
    stage: PipelineStage,
    deal_value: Option<Decimal>,
    now: DateTime<Utc>,
) -> Result<PurchasedLead, AppError> {
    let lead = current(cache, lead_id).await?;
    let mut pipeline = Pipeline::start(lead.purchased_at);
    for change in &lead.stage_history {
        let deal = match change.to {
            PipelineStage::Won => lead.deal_value.map(Money::new).transpose().ok().flatten(),
            _ => None,
        };
        // The history is the server's (and this device's own checked edits): replayed as is.
        let _ = pipeline.move_to(change.to, change.at, deal);
    }
    let deal = deal_value
        .map(Money::new)
        .transpose()
        .map_err(|e| AppError::Invalid {
            message: format!("The deal value is not valid: {e}."),
        })?;
    pipeline
        .move_to(stage, now.max(lead.purchased_at), deal)
        .map_err(|err| AppError::Server {
            api_code: (&err).into(),
            message: err.to_string(),
        })?;
    let change = LeadChange::Stage {
        stage,
        deal_value,
        at: now,
    };
    edit(session, cache, lead_id, change, now).await
}

pub async fn add_note(
    session: &SessionManager,
    cache: &Cache,
    lead_id: &str,
    body: String,
    now: DateTime<Utc>,
) -> Result<PurchasedLead, AppError> {
    let body = body.trim().to_owned();
    if body.is_empty() {
        return Err(AppError::Invalid {
            message: "Write something in the note first.".to_owned(),
        });
    }
    current(cache, lead_id).await?;
    edit(
        session,
        cache,
        lead_id,
        LeadChange::Note { body, at: now },
        now,
    )
    .await
}

pub async fn log_contact(
    session: &SessionManager,
    cache: &Cache,
    lead_id: &str,
    channel: ContactChannel,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<PurchasedLead, AppError> {
    current(cache, lead_id).await?;
    let change = LeadChange::Contact {
        channel,
        at: now,
        note,
        outcome: None,
    };
    edit(session, cache, lead_id, change, now).await
}

/// Says what came of the attempt logged at `attempt_at` (offline too, through the outbox).
pub async fn mark_contact(
    session: &SessionManager,
    cache: &Cache,
    lead_id: &str,
    attempt_at: DateTime<Utc>,
    outcome: ContactOutcome,
    now: DateTime<Utc>,
) -> Result<PurchasedLead, AppError> {
    let lead = current(cache, lead_id).await?;
    if !lead.contact_log.iter().any(|entry| entry.at <= attempt_at) {
        return Err(AppError::Invalid {
            message: "That contact attempt is not in this lead's log.".to_owned(),
        });
    }
    let change = LeadChange::ContactOutcome {
        attempt_at,
        outcome,
        at: now,
    };
    edit(session, cache, lead_id, change, now).await
}

/// Sends a refused edit again (at the end of the outbox) and syncs.
pub async fn retry_edit(
    session: &SessionManager,
    cache: &Cache,
    seq: u32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    cache.retry(seq).await?;
    try_sync(session, cache, now).await?;
    Ok(())
}

/// Drops a refused edit.
pub async fn discard_edit(cache: &Cache, seq: u32) -> Result<(), AppError> {
    cache.discard(seq).await?;
    Ok(())
}

fn needs_network(err: AppError) -> AppError {
    match err {
        AppError::Offline { .. } => AppError::Offline {
            message: "A refund request needs a connection to the marketplace; nothing was sent. Try again when you are back online.".to_owned(),
        },
        other => other,
    }
}

/// Asks for a refund (within the window, with a reason); answers the lead with its refund.
pub async fn request_refund(
    session: &SessionManager,
    cache: &Cache,
    lead_id: &str,
    reason: RefundReason,
    note: String,
) -> Result<PurchasedLead, AppError> {
    let path = format!("v1/my/leads/{}/refund", path_segment(lead_id)?);
    let purchase_id = cache
        .purchased_lead(lead_id)
        .await?
        .map(|lead| lead.purchase_id)
        .unwrap_or_default();
    let request = RefundRequest {
        purchase_id,
        reason,
        note,
    };
    let _: RefundDto = session
        .request(Method::POST, &path, &[], Some(&request))
        .await
        .map_err(needs_network)?;
    Ok(detail(session, cache, lead_id).await?.lead)
}
