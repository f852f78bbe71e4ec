//! Delta sync of an agent's briefcase and the replay of devices' outboxes.
//!
//! `GET /v1/sync?cursor=` answers the current state of everything of the agent's that changed
//! after the cursor: purchased leads (whole, with contact, notes, contact log, pipeline history
//! and refund), tombstones of leads no longer theirs, preferences, and new statement lines.
//! `POST /v1/sync/mutations` applies a device's outbox in order, each edit once by its
//! `(install_id, seq)`. The SQL is in [`store`]; why the cursor never skips a commit is there too.

pub mod store;

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use chrono::Utc;
use leadmart_shared::account::Role;
use leadmart_shared::error_code::ApiErrorCode;
use leadmart_shared::wire::ApiErrorBody;
use leadmart_shared::wire::sync::{
    DeviceMutation, MutationBatch, MutationOutcome, MutationResult, MutationResults, SyncChange,
    SyncPage,
};
use serde::Deserialize;
use store::{Changed, Seen};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::AuthUser;
use crate::error::{ApiError, JsonBody, QueryParams};
use crate::marketplace::parse_id;
use crate::{credits, my_leads, preferences};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(changes))
        .routes(routes!(mutations))
}

/// Changes per page by default, and at most.
const DEFAULT_PAGE: u32 = 200;
const MAX_PAGE: u32 = 500;
/// Mutations per batch at most.
const MAX_BATCH: usize = 100;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SyncQuery {
    /// The previous page's `cursor`; absent or empty for everything.
    cursor: Option<String>,
    /// Changes per page, 1–500 (default 200).
    limit: Option<u32>,
}

/// Where a device is: the last change number and the last statement entry it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Cursor {
    change: i64,
    ledger: i64,
}

impl Cursor {
    fn parse(text: Option<&str>) -> Result<Self, ApiError> {
        let text = match text {
            None | Some("") => return Ok(Self::default()),
            Some(text) => text,
        };
        let bad = || ApiError::BadRequest(format!("cursor {text:?} is not valid"));
        let (change, ledger) = text.split_once('.').ok_or_else(bad)?;
        let change: i64 = change.parse().map_err(|_| bad())?;
        let ledger: i64 = ledger.parse().map_err(|_| bad())?;
        if change < 0 || ledger < 0 {
            return Err(bad());
        }
        Ok(Self { change, ledger })
    }

    fn text(self) -> String {
        format!("{}.{}", self.change, self.ledger)
    }
}

/// Everything of the agent's that changed after `cursor`, in pages.
#[utoipa::path(
    get,
    path = "/sync",
    tag = "sync",
    params(SyncQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changes after the cursor, and the next cursor", body = SyncPage),
        (status = "4XX", description = "error codes: unauthorized, forbidden, bad_request", body = ApiErrorBody),
    )
)]
async fn changes(
    State(state): State<AppState>,
    user: AuthUser,
    QueryParams(query): QueryParams<SyncQuery>,
) -> Result<Json<SyncPage>, ApiError> {
    user.require(Role::Agent)?;
    let mut cursor = Cursor::parse(query.cursor.as_deref())?;
    let limit = i64::from(query.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE));
    let now = Utc::now();
    let mut tx = state.db.begin_read().await?;

    let mut rows = store::changes_after(&mut tx, user.id, cursor.change, limit + 1).await?;
    let more_changes = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    if let Some((seq, _, _)) = rows.last() {
        cursor.change = *seq;
    }
    // Each thing once, where it last changed in this page.
    let mut last_at: HashMap<Changed, usize> = HashMap::new();
    for (position, (_, kind, key)) in rows.iter().enumerate() {
        last_at.insert(store::changed_of(kind, key)?, position);
    }
    let mut order: Vec<(usize, Changed)> = last_at.into_iter().map(|(c, p)| (p, c)).collect();
    order.sort_by_key(|(position, _)| *position);

    let lead_ids: Vec<i64> = order
        .iter()
        .filter_map(|(_, c)| match c {
            Changed::Lead(id) => Some(*id),
            Changed::Preferences => None,
        })
        .collect();
    let purchases = my_leads::store::purchases_of_leads(&mut tx, user.id, &lead_ids).await?;
    let mut leads: HashMap<i64, _> =
        my_leads::store::purchased_leads(&mut tx, &purchases, &state.market, now)
            .await?
            .into_iter()
            .zip(purchases.iter().map(|p| p.lead_id))
            .map(|(lead, id)| (id, lead))
            .collect();
    let mut changes = Vec::with_capacity(order.len());
    for (_, changed) in order {
        changes.push(match changed {
            Changed::Lead(id) => match leads.remove(&id) {
                Some(lead) => SyncChange::Lead {
                    lead: Box::new(lead),
                },
                None => SyncChange::LeadRemoved {
                    lead_id: id.to_string(),
                },
            },
            Changed::Preferences => SyncChange::Preferences {
                preferences: Box::new(preferences::answered(&state, user.id).await?),
            },
        });
    }

    let mut entries =
        credits::store::wallet_entries_after(&mut tx, user.id, cursor.ledger, limit + 1).await?;
    let more_lines = entries.len() as i64 > limit;
    entries.truncate(limit as usize);
    if let Some(last) = entries.last() {
        cursor.ledger = last.id;
    }
    for entry in entries {
        changes.push(SyncChange::Ledger {
            line: credits::ledger_line(entry)?,
        });
    }
    let remaining = if more_changes || more_lines {
        store::changes_count_after(&mut tx, user.id, cursor.change).await?
            + credits::store::wallet_entries_count_after(&mut tx, user.id, cursor.ledger).await?
    } else {
        0
    };
    tx.commit().await?;
    Ok(Json(SyncPage {
        changes,
        cursor: cursor.text(),
        has_more: more_changes || more_lines,
        remaining: u64::try_from(remaining).unwrap_or_default(),
    }))
}

/// Applies a device's outbox, in order: each mutation once by `(installId, seq)`. A refused
/// mutation is answered `rejected` (and again so when replayed); the others still run.
#[utoipa::path(
    post,
    path = "/sync/mutations",
    tag = "sync",
    request_body = MutationBatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One outcome per mutation, in order", body = MutationResults),
        (status = "4XX", description = "error codes: unauthorized, forbidden, validation", body = ApiErrorBody),
    )
)]
async fn mutations(
    State(state): State<AppState>,
    user: AuthUser,
    JsonBody(batch): JsonBody<MutationBatch>,
) -> Result<Json<MutationResults>, ApiError> {
    user.require(Role::Agent)?;
    let install = batch.install_id.as_str();
    let plain = (1..=64).contains(&install.len())
        && install
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !plain {
        return Err(ApiError::validation(
            "installId has 1 to 64 letters, digits, '-' or '_'",
        ));
    }
    if batch.mutations.len() > MAX_BATCH {
        return Err(ApiError::validation(format!(
            "at most {MAX_BATCH} mutations per batch"
        )));
    }
    if batch.mutations.iter().any(|m| m.seq == 0) {
        return Err(ApiError::validation("a mutation's seq starts at 1"));
    }
    let mut results = Vec::with_capacity(batch.mutations.len());
    for mutation in &batch.mutations {
        let outcome = apply_once(&state, &user, install, mutation).await?;
        results.push(MutationResult {
            seq: mutation.seq,
            outcome,
        });
    }
    Ok(Json(MutationResults { results }))
}

/// The stable refusal inside `err` (a 4xx with its code); `None` for a failure of ours, which
/// the device should retry.
fn refusal(err: &ApiError) -> Option<(ApiErrorCode, String)> {
    match err {
        ApiError::Coded {
            status,
            code,
            message,
        } if status.is_client_error() => Some((*code, message.clone())),
        ApiError::BadRequest(message) => Some((ApiErrorCode::BadRequest, message.clone())),
        _ => None,
    }
}

async fn apply_once(
    state: &AppState,
    user: &AuthUser,
    install: &str,
    mutation: &DeviceMutation,
) -> Result<MutationOutcome, ApiError> {
    let seq = i64::from(mutation.seq);
    let now = Utc::now();
    let mut tx = state.db.begin_write().await?;
    match store::seen(&mut tx, user.id, install, seq).await? {
        Seen::Applied => return Ok(MutationOutcome::Duplicate),
        Seen::Rejected(code, message) => {
            return Ok(MutationOutcome::Rejected {
                code: ApiErrorCode::parse(&code),
                message,
            });
        }
        Seen::New => {}
    }
    let attempt = async {
        let lead_id = parse_id(&mutation.lead_id, "purchased lead")?;
        let purchase = my_leads::store::find_purchase(&mut tx, user.id, lead_id)
            .await?
            .ok_or_else(|| ApiError::not_found("purchased lead"))?;
        my_leads::apply(&mut tx, &purchase, &mutation.change, now).await
    };
    match attempt.await {
        Ok(()) => {
            store::mark_applied(&mut tx, user.id, install, seq).await?;
            tx.commit().await?;
            Ok(MutationOutcome::Applied)
        }
        Err(err) => {
            let Some((code, message)) = refusal(&err) else {
                return Err(err);
            };
            // The refused effect rolls back; the refusal is stored on its own.
            drop(tx);
            let mut tx = state.db.begin_write().await?;
            if let Seen::New = store::seen(&mut tx, user.id, install, seq).await? {
                store::mark_rejected(&mut tx, user.id, install, seq, code.as_str(), &message)
                    .await?;
            }
            tx.commit().await?;
            Ok(MutationOutcome::Rejected { code, message })
        }
    }
}
