//! The operator's side: the refund queue and decisions (stored by [`crate::refunds::store`]),
//! and verifying agents ([`store`]); each decision is in the audit log ([`crate::audit`]).
//! Every handler requires the admin role itself.

pub mod store;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use leadmart_shared::account::Role;
use leadmart_shared::refund::RefundStatus;
use leadmart_shared::wire::{ApiErrorBody, MeDto, RefundDecision, RefundDto};
use serde::Deserialize;

use crate::audit::AuditAction;
use crate::auth::AuthUser;
use crate::auth::store::load_me;
use crate::error::{ApiError, JsonBody, QueryParams};
use crate::refunds::{decide, parse_refund_id};
use crate::{AppState, refunds};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(refund_queue))
        .routes(routes!(refund_decision))
        .routes(routes!(verify_agent))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct QueueQuery {
    /// `requested` (default), `approved` or `denied`.
    status: Option<RefundStatus>,
}

/// The refund queue.
#[utoipa::path(
    get,
    path = "/admin/refunds",
    tag = "admin",
    params(QueueQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The refunds in that status", body = Vec<RefundDto>),
        (status = "4XX", description = "error codes: unauthorized, forbidden, bad_request", body = ApiErrorBody),
    )
)]
async fn refund_queue(
    State(state): State<AppState>,
    admin: AuthUser,
    QueryParams(query): QueryParams<QueueQuery>,
) -> Result<Json<Vec<RefundDto>>, ApiError> {
    admin.require(Role::Admin)?;
    let status = query.status.unwrap_or(RefundStatus::Requested);
    let mut tx = state.db.begin_read().await?;
    let queue = refunds::store::refunds_in(&mut tx, status).await?;
    tx.commit().await?;
    Ok(Json(queue))
}

/// Approves or denies a refund (credits back through the ledger, held commission reversed).
#[utoipa::path(
    post,
    path = "/admin/refunds/{id}/decision",
    tag = "admin",
    params(("id" = String, Path, pattern = r"^[0-9]+$", description = "The refund's id")),
    request_body = RefundDecision,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The decided refund", body = RefundDto),
        (status = "4XX", description = "error codes: unauthorized, forbidden, not_found, validation, refund_already_decided", body = ApiErrorBody),
    )
)]
async fn refund_decision(
    State(state): State<AppState>,
    admin: AuthUser,
    Path(id): Path<String>,
    JsonBody(decision): JsonBody<RefundDecision>,
) -> Result<Json<RefundDto>, ApiError> {
    admin.require(Role::Admin)?;
    let id = parse_refund_id(&id)?;
    Ok(Json(decide(&state, &admin, id, &decision).await?))
}

/// Marks an agent verified (seed 002: only verified agents buy).
#[utoipa::path(
    post,
    path = "/admin/agents/{id}/verify",
    tag = "admin",
    params(("id" = String, Path, pattern = r"^[0-9]+$", description = "The agent's user id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The verified agent", body = MeDto),
        (status = "4XX", description = "error codes: unauthorized, forbidden, not_found", body = ApiErrorBody),
    )
)]
async fn verify_agent(
    State(state): State<AppState>,
    admin: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<MeDto>, ApiError> {
    admin.require(Role::Admin)?;
    let id = crate::marketplace::parse_id(&id, "agent")?;
    let mut tx = state.db.begin_write().await?;
    if !store::verify_agent(&mut tx, id).await? {
        return Err(ApiError::coded(
            StatusCode::NOT_FOUND,
            crate::error::ApiErrorCode::NotFound,
            "agent not found",
        ));
    }
    let subject = format!("agent {id}");
    let now = crate::db::now();
    crate::audit::record(
        &mut tx,
        admin.id,
        AuditAction::AgentVerified,
        &subject,
        "",
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(load_me(&state.db, id).await?))
}
