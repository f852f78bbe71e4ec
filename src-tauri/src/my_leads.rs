//! My Leads: the leads this agent bought, with full contact details, their pipeline, notes,
//! contact log and refund requests. Reads come from the API when it answers (and are saved to the
//! cache) and from the cache when it does not; changes go to the API, and its answer replaces the
//! cached lead.

use chrono::{DateTime, Utc};
use leadmart_shared::pipeline::{ContactChannel, PipelineStage};
use leadmart_shared::refund::RefundReason;
use leadmart_shared::wire::{
    MyLeadsPage, NewContactLog, NewNote, PurchasedLead, RefundDto, RefundRequest, StageUpdate,
};
use rust_decimal::Decimal;
use serde::Serialize;
use specta::Type;

use crate::api::Method;
use crate::cache::Cache;
use crate::error::AppError;
use crate::marketplace::{Connection, path_segment};
use crate::session::SessionManager;

/// The largest page the API serves; My Leads asks for whole pages until the last.
const PAGE: u32 = 200;

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MyLeadsView {
    pub leads: Vec<PurchasedLead>,
    pub connection: Connection,
    pub last_synced_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MyLeadView {
    pub lead: PurchasedLead,
    pub connection: Connection,
}

/// Every purchased lead, newest first: live (and saved) or, offline, as saved.
pub async fn list(
    session: &SessionManager,
    cache: &Cache,
    now: DateTime<Utc>,
) -> Result<MyLeadsView, AppError> {
    match fetch_all(session).await {
        Ok(leads) => {
            cache.replace_purchased(&leads, now).await?;
            Ok(MyLeadsView {
                leads,
                connection: Connection::Online,
                last_synced_at: Some(now),
            })
        }
        Err(AppError::Offline { .. }) => {
            let (leads, last_synced_at) = cache.purchased().await?;
            Ok(MyLeadsView {
                leads,
                connection: Connection::Offline,
                last_synced_at,
            })
        }
        Err(other) => Err(other),
    }
}

async fn fetch_all(session: &SessionManager) -> Result<Vec<PurchasedLead>, AppError> {
    let mut leads = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = vec![("limit", PAGE.to_string())];
        if let Some(cursor) = &cursor {
            query.push(("cursor", cursor.clone()));
        }
        let page: MyLeadsPage = session
            .request(Method::GET, "v1/my/leads", &query, None::<&()>)
            .await?;
        leads.extend(page.leads);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(leads),
        }
    }
}

/// One purchased lead: live (and saved) or, offline, as saved.
pub async fn detail(
    session: &SessionManager,
    cache: &Cache,
    lead_id: &str,
) -> Result<MyLeadView, AppError> {
    let path = format!("v1/my/leads/{}", path_segment(lead_id)?);
    match session
        .request::<PurchasedLead, ()>(Method::GET, &path, &[], None)
        .await
    {
        Ok(lead) => {
            cache.save_purchased(std::slice::from_ref(&lead)).await?;
            Ok(MyLeadView {
                lead,
                connection: Connection::Online,
            })
        }
        Err(AppError::Offline { .. }) => match cache.purchased_lead(lead_id).await? {
            Some(lead) => Ok(MyLeadView {
                lead,
                connection: Connection::Offline,
            }),
            // `cache` is the signed-in user's own: another user's purchases are never in it.
            None => Err(AppError::Offline {
                message: "This lead is not saved on this computer for your account. Connect to the marketplace to open it.".to_owned(),
            }),
        },
        Err(other) => Err(other),
    }
}

fn mutation_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Sends one change of a purchased lead and saves the lead as the server answers it.
async fn change<B: Serialize>(
    session: &SessionManager,
    cache: &Cache,
    method: Method,
    lead_id: &str,
    suffix: &str,
    body: &B,
) -> Result<PurchasedLead, AppError> {
    let path = format!("v1/my/leads/{}{suffix}", path_segment(lead_id)?);
    let lead: PurchasedLead = session
        .request(method, &path, &[], Some(body))
        .await
        .map_err(needs_network)?;
    cache.save_purchased(std::slice::from_ref(&lead)).await?;
    Ok(lead)
}

fn needs_network(err: AppError) -> AppError {
    match err {
        AppError::Offline { .. } => AppError::Offline {
            message: "This change needs a connection to the marketplace; nothing was saved. Try again when you are back online.".to_owned(),
        },
        other => other,
    }
}

/// Moves the lead along the pipeline; `won` needs the deal value.
pub async fn change_stage(
    session: &SessionManager,
    cache: &Cache,
    lead_id: &str,
    stage: PipelineStage,
    deal_value: Option<Decimal>,
    now: DateTime<Utc>,
) -> Result<PurchasedLead, AppError> {
    let update = StageUpdate {
        client_mutation_id: mutation_id(),
        stage,
        deal_value,
        at: now,
    };
    change(session, cache, Method::PATCH, lead_id, "", &update).await
}

pub async fn add_note(
    session: &SessionManager,
    cache: &Cache,
    lead_id: &str,
    body: String,
) -> Result<PurchasedLead, AppError> {
    let note = NewNote {
        client_mutation_id: mutation_id(),
        body,
    };
    change(session, cache, Method::POST, lead_id, "/notes", &note).await
}

pub async fn log_contact(
    session: &SessionManager,
    cache: &Cache,
    lead_id: &str,
    channel: ContactChannel,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<PurchasedLead, AppError> {
    let entry = NewContactLog {
        client_mutation_id: mutation_id(),
        channel,
        at: now,
        note,
    };
    change(session, cache, Method::POST, lead_id, "/contacts", &entry).await
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
