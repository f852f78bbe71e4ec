//! My Leads: the leads a buyer bought, with full contact details, and their work on them —
//! pipeline stage changes (shared pipeline rules, time-stamped, won carries the deal value),
//! notes and a contact log. Every change carries a client mutation id and replays by it, so the
//! app's offline outbox can resend safely.
//!
//! `{id}` in these paths is the lead's id (a buyer buys a lead at most once). The SQL is in
//! [`store`]; [`view`] assembles what the buyer sees from its rows.

pub mod store;
pub mod view;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use leadmart_shared::account::Role;
use leadmart_shared::money::Money;
use leadmart_shared::pipeline::PipelineStage;
use leadmart_shared::wire::sync::LeadChange;
use leadmart_shared::wire::{
    ApiErrorBody, MyLeadsPage, NewContactLog, NewNote, PurchasedLead, StageUpdate,
};
use serde::Deserialize;

use crate::AppState;
use crate::auth::AuthUser;
use crate::db::Tx;
use crate::error::{ApiError, QueryParams};
use crate::idempotency::{self, Claim};
use crate::marketplace::parse_id;
use crate::sync::{self, store::Changed};
use store::PurchaseRow;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(detail, change_stage))
        .routes(routes!(add_note))
        .routes(routes!(log_contact))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only leads in this pipeline stage (`new`, `contacted`, …).
    stage: Option<PipelineStage>,
    /// Page size, 1–200 (default 50).
    limit: Option<u32>,
    /// The previous page's `nextCursor`.
    cursor: Option<String>,
}

/// The buyer's purchased leads, newest purchase first.
#[utoipa::path(
    get,
    path = "/my/leads",
    tag = "my-leads",
    params(ListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of purchased leads", body = MyLeadsPage),
        (status = "4XX", description = "error codes: unauthorized, forbidden, bad_request", body = ApiErrorBody),
    )
)]
async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Json<MyLeadsPage>, ApiError> {
    user.require(Role::Agent)?;
    let limit = query.limit.unwrap_or(50).clamp(1, 200);
    let before = match query.cursor.as_deref() {
        None | Some("") => i64::MAX,
        Some(c) => c
            .parse()
            .map_err(|_| ApiError::BadRequest(format!("cursor {c:?} is not valid")))?,
    };
    let mut tx = state.db.begin_read().await?;
    let mut rows =
        store::purchases_page(&mut tx, user.id, before, query.stage, i64::from(limit) + 1).await?;
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.id.to_string())
    } else {
        None
    };
    let now = Utc::now();
    let leads = store::purchased_leads(&mut tx, &rows, &state.market, now).await?;
    tx.commit().await?;
    Ok(Json(MyLeadsPage { leads, next_cursor }))
}

/// One purchased lead with its full contact.
#[utoipa::path(
    get,
    path = "/my/leads/{id}",
    tag = "my-leads",
    params(("id" = String, Path, pattern = r"^[0-9]+$", description = "The lead's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The purchased lead", body = PurchasedLead),
        (status = "4XX", description = "error codes: unauthorized, forbidden, not_found", body = ApiErrorBody),
    )
)]
async fn detail(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<PurchasedLead>, ApiError> {
    user.require(Role::Agent)?;
    let lead_id = parse_id(&id, "purchased lead")?;
    let mut tx = state.db.begin_read().await?;
    let purchase = store::find_purchase(&mut tx, user.id, lead_id)
        .await?
        .ok_or_else(|| ApiError::not_found("purchased lead"))?;
    let dto = store::purchased_lead(&mut tx, &purchase, &state.market, Utc::now()).await?;
    tx.commit().await?;
    Ok(Json(dto))
}

/// A change through the REST endpoints: replayed by its client mutation id, answered with the
/// lead as it is now (that answer is stored for replays).
async fn mutate(
    state: &AppState,
    user: &AuthUser,
    lead_id: i64,
    mutation_id: &str,
    action: &str,
    body: &[u8],
    change: &LeadChange,
) -> Result<Response, ApiError> {
    user.require(Role::Agent)?;
    let key = format!("mutation:{mutation_id}");
    let hash = idempotency::request_hash(&format!("{action} {lead_id}"), body);
    let now = Utc::now();
    let mut tx = state.db.begin_write().await?;
    if let Claim::Replay(stored) = idempotency::claim(&mut tx, user.id, &key, &hash, now).await? {
        return Ok(json_response(StatusCode::OK, stored));
    }
    let purchase = store::find_purchase(&mut tx, user.id, lead_id)
        .await?
        .ok_or_else(|| ApiError::not_found("purchased lead"))?;
    apply(&mut tx, &purchase, change, now).await?;
    let purchase = store::find_purchase(&mut tx, user.id, lead_id)
        .await?
        .ok_or_else(|| ApiError::not_found("purchased lead"))?;
    let dto = store::purchased_lead(&mut tx, &purchase, &state.market, now).await?;
    let json = serde_json::to_string(&dto).map_err(ApiError::corrupt)?;
    idempotency::store(&mut tx, user.id, &key, &json).await?;
    tx.commit().await?;
    Ok(json_response(StatusCode::OK, json))
}

const MAX_NOTE_CHARS: usize = 5_000;

/// Applies one change to the buyer's `purchase` inside `tx`, and logs it for sync: the one path
/// of the REST endpoints and of the devices' outboxes ([`crate::sync`]). A time in the future
/// is taken as now, one before the purchase as the purchase's (clocks differ); a stage change
/// dated before the lead's current stage was set loses to that later change (`stale_change`).
pub async fn apply(
    tx: &mut Tx,
    purchase: &PurchaseRow,
    change: &LeadChange,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let dated = |at: DateTime<Utc>| at.min(now).max(purchase.purchased_at);
    match change {
        LeadChange::Stage {
            stage,
            deal_value,
            at,
        } => {
            let deal_value = deal_value
                .map(Money::new)
                .transpose()
                .map_err(|e| ApiError::validation(format!("dealValue: {e}")))?;
            let mut pipeline = store::pipeline(tx, purchase).await?;
            let from = pipeline.stage();
            let at = dated(*at);
            pipeline.move_to(*stage, at, deal_value)?;
            store::record_stage_change(tx, purchase.id, from, *stage, at, deal_value).await?;
        }
        LeadChange::Note { body, at } => {
            let text = body.trim();
            if text.is_empty() || text.chars().count() > MAX_NOTE_CHARS {
                return Err(ApiError::validation(format!(
                    "a note has 1 to {MAX_NOTE_CHARS} characters"
                )));
            }
            store::add_note(tx, purchase.id, text, dated(*at)).await?;
        }
        LeadChange::Contact {
            channel,
            at,
            note,
            outcome,
        } => {
            let note = note.as_deref().map(str::trim);
            store::log_contact(tx, purchase.id, *channel, dated(*at), note, *outcome).await?;
        }
        LeadChange::ContactOutcome {
            attempt_at,
            outcome,
            at: _,
        } => {
            // Dated as the attempt was, so a mark sent with its attempt finds it.
            if !store::mark_contact(tx, purchase.id, dated(*attempt_at), *outcome).await? {
                return Err(ApiError::not_found("contact attempt"));
            }
        }
    }
    store::touch(tx, purchase.id, now).await?;
    sync::store::record(tx, purchase.buyer_id, &Changed::Lead(purchase.lead_id)).await
}

pub fn json_response(status: StatusCode, json: String) -> Response {
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json,
    )
        .into_response()
}

fn parse_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::validation(format!("body: {e}")))
}

/// Moves the lead along the pipeline (`PATCH`, body `StageUpdate`). The change is dated with
/// the client's `at` (offline changes keep their time), never later than now.
#[utoipa::path(
    patch,
    path = "/my/leads/{id}",
    tag = "my-leads",
    params(("id" = String, Path, pattern = r"^[0-9]+$", description = "The lead's id")),
    request_body = StageUpdate,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The lead as it is now", body = PurchasedLead),
        (status = "4XX", description = "error codes: unauthorized, forbidden, not_found, validation, idempotency_key_reused, illegal_transition, deal_value_required, deal_value_not_allowed", body = ApiErrorBody),
    )
)]
async fn change_stage(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let lead_id = parse_id(&id, "purchased lead")?;
    let update: StageUpdate = parse_body(&body)?;
    let change = LeadChange::Stage {
        stage: update.stage,
        deal_value: update.deal_value,
        at: update.at,
    };
    mutate(
        &state,
        &user,
        lead_id,
        &update.client_mutation_id,
        "stage",
        &body,
        &change,
    )
    .await
}

/// Adds a note (replayable by `clientMutationId`).
#[utoipa::path(
    post,
    path = "/my/leads/{id}/notes",
    tag = "my-leads",
    params(("id" = String, Path, pattern = r"^[0-9]+$", description = "The lead's id")),
    request_body = NewNote,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The lead as it is now", body = PurchasedLead),
        (status = "4XX", description = "error codes: unauthorized, forbidden, not_found, validation, idempotency_key_reused", body = ApiErrorBody),
    )
)]
async fn add_note(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let lead_id = parse_id(&id, "purchased lead")?;
    let note: NewNote = parse_body(&body)?;
    let change = LeadChange::Note {
        body: note.body,
        at: Utc::now(),
    };
    mutate(
        &state,
        &user,
        lead_id,
        &note.client_mutation_id,
        "note",
        &body,
        &change,
    )
    .await
}

/// Logs a call, email, WhatsApp or SMS (replayable by `clientMutationId`).
#[utoipa::path(
    post,
    path = "/my/leads/{id}/contacts",
    tag = "my-leads",
    params(("id" = String, Path, pattern = r"^[0-9]+$", description = "The lead's id")),
    request_body = NewContactLog,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The lead as it is now", body = PurchasedLead),
        (status = "4XX", description = "error codes: unauthorized, forbidden, not_found, validation, idempotency_key_reused", body = ApiErrorBody),
    )
)]
async fn log_contact(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let lead_id = parse_id(&id, "purchased lead")?;
    let entry: NewContactLog = parse_body(&body)?;
    let change = LeadChange::Contact {
        channel: entry.channel,
        at: entry.at,
        note: entry.note,
        outcome: entry.outcome,
    };
    mutate(
        &state,
        &user,
        lead_id,
        &entry.client_mutation_id,
        "contact",
        &body,
        &change,
    )
    .await
}
