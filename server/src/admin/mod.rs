//! The operator's side: the refund queue and decisions (stored by [`crate::refunds::store`]),
//! and verifying agents ([`store`]). Every handler requires the admin role itself.

pub mod store;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use leadmart_shared::account::Role;
use leadmart_shared::refund::RefundStatus;
use leadmart_shared::wire::{MeDto, RefundDecision, RefundDto};
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::auth::store::load_me;
use crate::error::{ApiError, JsonBody, QueryParams};
use crate::refunds::{decide, parse_refund_id};
use crate::{AppState, refunds};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/refunds", get(refund_queue))
        .route("/admin/refunds/{id}/decision", post(refund_decision))
        .route("/admin/agents/{id}/verify", post(verify_agent))
}

#[derive(Debug, Deserialize)]
struct QueueQuery {
    /// `requested` (default), `approved` or `denied`.
    status: Option<RefundStatus>,
}

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
async fn verify_agent(
    State(state): State<AppState>,
    admin: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<MeDto>, ApiError> {
    admin.require(Role::Admin)?;
    let id = crate::marketplace::parse_id(&id, "agent")?;
    if !store::verify_agent(&state.db, id).await? {
        return Err(ApiError::coded(
            StatusCode::NOT_FOUND,
            crate::error::ApiErrorCode::NotFound,
            "agent not found",
        ));
    }
    Ok(Json(load_me(&state.db, id).await?))
}
