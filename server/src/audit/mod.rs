//! The audit log of sensitive admin actions: [`record`] writes an entry inside the action's own
//! transaction (see `migrations/server/*/0011_audit_log.sql`: append-only, enforced by the
//! database); `GET /v1/admin/audit` reads it, newest first. Admins only.

pub mod store;

use axum::Json;
use axum::extract::State;
use leadmart_shared::account::Role;
use leadmart_shared::wire::{ApiErrorBody, AuditEntryDto};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use leadmart_shared::wire::AuditAction;

use crate::AppState;
use crate::auth::AuthUser;
use crate::db::Tx;
use crate::error::{ApiError, QueryParams};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(audit_log))
}

/// Writes `action` by `actor` on `subject` (e.g. `refund 12`) with `detail` into `tx`: it
/// commits with the action or not at all.
pub async fn record(
    tx: &mut Tx,
    actor: i64,
    action: AuditAction,
    subject: &str,
    detail: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    store::insert(tx, actor, action, subject, detail, now).await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// At most this many entries (default 100, at most 500).
    limit: Option<u32>,
}

/// The audit log, newest first.
#[utoipa::path(
    get,
    path = "/admin/audit",
    tag = "admin",
    params(AuditQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The latest entries, newest first", body = Vec<AuditEntryDto>),
        (status = "4XX", description = "error codes: unauthorized, forbidden, bad_request", body = ApiErrorBody),
    )
)]
async fn audit_log(
    State(state): State<AppState>,
    admin: AuthUser,
    QueryParams(query): QueryParams<AuditQuery>,
) -> Result<Json<Vec<AuditEntryDto>>, ApiError> {
    admin.require(Role::Admin)?;
    let limit = i64::from(query.limit.unwrap_or(100).clamp(1, 500));
    let mut tx = state.db.begin_read().await?;
    let entries = store::latest(&mut tx, limit).await?;
    tx.commit().await?;
    Ok(Json(entries))
}
