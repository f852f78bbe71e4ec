//! The operator's side: the refund queue and decisions, and verifying agents. Every handler
//! requires the admin role itself.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use leadmart_shared::account::Role;
use leadmart_shared::refund::RefundStatus;
use leadmart_shared::wire::{MeDto, RefundDecision, RefundDto};
use serde::Deserialize;

use crate::auth::{AuthUser, load_me};
use crate::db::enum_to_column;
use crate::error::{ApiError, JsonBody, QueryParams};
use crate::my_leads::view;
use crate::refunds::{decide, parse_refund_id};
use crate::{AppState, with_pool};

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
    let status = enum_to_column(&query.status.unwrap_or(RefundStatus::Requested));
    let mut tx = state.db.begin_read().await?;
    let refunds = view::refunds_where(&mut tx, "status = $1", &status).await?;
    tx.commit().await?;
    Ok(Json(refunds))
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
    let updated = with_pool!(state.db.as_ref(), pool => {
        sqlx::query("UPDATE users SET verified = TRUE WHERE id = $1 AND role = 'agent'")
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
    });
    if updated == 0 {
        return Err(ApiError::coded(
            StatusCode::NOT_FOUND,
            crate::error::ApiErrorCode::NotFound,
            "agent not found",
        ));
    }
    Ok(Json(load_me(&state.db, id).await?))
}
