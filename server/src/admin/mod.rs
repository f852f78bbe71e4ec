//! The operator's side: the refund queue and decisions (stored by [`crate::refunds::store`]),
//! and verifying agents ([`store`]); each decision is in the audit log ([`crate::audit`]).
//! Every handler requires the admin role itself.

pub mod store;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use leadmart_shared::account::Role;
use leadmart_shared::operations;
use leadmart_shared::refund::RefundStatus;
use leadmart_shared::wire::{
    AdminOverviewDto, AdminRefundDto, ApiErrorBody, MeDto, PurchasedLead, RefundDecision, RefundDto,
};
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
        .routes(routes!(overview))
}

/// Days of the overview's trend.
const TREND_DAYS: u32 = 14;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct OverviewQuery {
    /// The period of the financials and activity, in days up to now (default 30, 1 to 366).
    days: Option<u32>,
}

/// The operator's overview: people, the listing and sales trend, and the period's financials
/// (computed by `leadmart_shared::operations`).
#[utoipa::path(
    get,
    path = "/admin/overview",
    tag = "admin",
    params(OverviewQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The overview", body = AdminOverviewDto),
        (status = "4XX", description = "error codes: unauthorized, forbidden, bad_request", body = ApiErrorBody),
    )
)]
async fn overview(
    State(state): State<AppState>,
    admin: AuthUser,
    QueryParams(query): QueryParams<OverviewQuery>,
) -> Result<Json<AdminOverviewDto>, ApiError> {
    admin.require(Role::Admin)?;
    let days = query.days.unwrap_or(30).clamp(1, 366);
    let now = crate::db::now();
    let since = now - chrono::Duration::days(i64::from(days.max(TREND_DAYS)));
    let period_start = now - chrono::Duration::days(i64::from(days));
    let mut tx = state.db.begin_read().await?;
    let rows = store::operator_rows(&mut tx, since).await?;
    // The trend covers 14 days whatever the period: a shorter period reads its own rows.
    let in_period = if days >= TREND_DAYS {
        None
    } else {
        Some(store::operator_rows(&mut tx, period_start).await?)
    };
    let (agents, active_agents, partners, active_partners) =
        store::people(&mut tx, period_start).await?;
    tx.commit().await?;
    let zone = state.market.agent_time.default_zone;
    let trend = operations::trend(&rows, now, TREND_DAYS, zone);
    let in_period = in_period.unwrap_or(rows);
    let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(Json(AdminOverviewDto {
        days,
        agents: count(agents),
        active_agents: count(active_agents),
        partners: count(partners),
        active_partners: count(active_partners),
        trend,
        financials: operations::financials(&in_period, &state.market.credit_value, now),
    }))
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
        (status = 200, description = "The refunds in that status, each with its buyer and the lead as they have it (the evidence)", body = Vec<AdminRefundDto>),
        (status = "4XX", description = "error codes: unauthorized, forbidden, bad_request", body = ApiErrorBody),
    )
)]
async fn refund_queue(
    State(state): State<AppState>,
    admin: AuthUser,
    QueryParams(query): QueryParams<QueueQuery>,
) -> Result<Json<Vec<AdminRefundDto>>, ApiError> {
    admin.require(Role::Admin)?;
    let status = query.status.unwrap_or(RefundStatus::Requested);
    let now = crate::db::now();
    let mut tx = state.db.begin_read().await?;
    let queue = refunds::store::refunds_in(&mut tx, status).await?;
    let purchase_ids = queue
        .iter()
        .map(|r| crate::marketplace::parse_id(&r.purchase_id, "purchase"))
        .collect::<Result<Vec<i64>, ApiError>>()?;
    let purchases = crate::my_leads::store::purchases_by_id(&mut tx, &purchase_ids).await?;
    let buyers: Vec<i64> = purchases.iter().map(|p| p.buyer_id).collect();
    let names = store::user_names(&mut tx, &buyers).await?;
    let leads =
        crate::my_leads::store::purchased_leads(&mut tx, &purchases, &state.market, now).await?;
    tx.commit().await?;
    let mut by_purchase: std::collections::HashMap<String, (i64, PurchasedLead)> = purchases
        .iter()
        .zip(leads)
        .map(|(p, lead)| (p.id.to_string(), (p.buyer_id, lead)))
        .collect();
    queue
        .into_iter()
        .map(|refund| {
            let (buyer, lead) = by_purchase
                .remove(&refund.purchase_id)
                .ok_or_else(|| ApiError::corrupt("a refund without its purchase"))?;
            Ok(AdminRefundDto {
                buyer: names.get(&buyer).cloned().unwrap_or_default(),
                refund,
                lead,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()
        .map(Json)
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
