//! Refunds (seed 000 quality guarantee): a buyer asks within the window with a reason
//! (`POST /v1/my/leads/{id}/refund`); an admin approves or denies ([`decide`], routed under
//! `/v1/admin`). An approval credits the buyer back through the ledger and reverses the
//! partner's commission while it is still held back — both decided by the shared rules, and
//! written by [`store`].

pub mod store;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use leadmart_shared::account::Role;
use leadmart_shared::refund::{RefundReason, check_refund_request, refund_effects};
use leadmart_shared::wire::{ApiErrorBody, RefundDecision, RefundDto, RefundRequest};

use crate::audit::AuditAction;
use crate::auth::AuthUser;
use crate::db::Tx;
use crate::error::{ApiError, JsonBody};
use crate::marketplace::parse_id;
use crate::my_leads;
use crate::my_leads::store::PurchaseRow;
use crate::{AppState, MarketConfig};
use store::NewRefund;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(request_refund))
}

/// Asks for a refund of a purchased lead within the window.
#[utoipa::path(
    post,
    path = "/my/leads/{id}/refund",
    tag = "refunds",
    params(("id" = String, Path, pattern = r"^[0-9]+$", description = "The lead's id")),
    request_body = RefundRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The refund request", body = RefundDto),
        (status = "4XX", description = "error codes: unauthorized, forbidden, not_found, validation, refund_window_closed, refund_already_requested, refund_note_required", body = ApiErrorBody),
    )
)]
async fn request_refund(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<RefundRequest>,
) -> Result<(StatusCode, Json<RefundDto>), ApiError> {
    user.require(Role::Agent)?;
    let lead_id = parse_id(&id, "purchased lead")?;
    let now = Utc::now();
    let mut tx = state.db.begin_write().await?;
    let purchase = my_leads::store::find_purchase(&mut tx, user.id, lead_id)
        .await?
        .ok_or_else(|| ApiError::not_found("purchased lead"))?;
    if !body.purchase_id.is_empty() && body.purchase_id != purchase.id.to_string() {
        return Err(ApiError::validation(
            "purchaseId does not match the purchase of this lead",
        ));
    }
    let dto = request(
        &mut tx,
        &state.market,
        &purchase,
        body.reason,
        &body.note,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(dto)))
}

/// The buyer's request for a refund of `purchase` at `now`, inside `tx`: the shared rules
/// (window, one request, a note where the reason needs one), then the request recorded for the
/// price paid and logged for sync. The handler's path, and the demo history's (which asks in
/// the past).
pub async fn request(
    tx: &mut Tx,
    market: &MarketConfig,
    purchase: &PurchaseRow,
    reason: RefundReason,
    note: &str,
    now: DateTime<Utc>,
) -> Result<RefundDto, ApiError> {
    let already = store::has_refund(tx, purchase.id).await?;
    check_refund_request(
        purchase.purchased_at,
        now,
        already,
        reason,
        note,
        &market.refunds,
    )?;
    let new = NewRefund {
        purchase_id: purchase.id,
        buyer: purchase.buyer_id,
        lead_id: purchase.lead_id,
        reason,
        note: note.trim(),
        credits: purchase.price,
    };
    let refund_id = store::insert_request(tx, &new, now).await?;
    let lead_changed = crate::sync::store::Changed::Lead(purchase.lead_id);
    crate::sync::store::record(tx, purchase.buyer_id, &lead_changed).await?;
    store::written_refund(tx, refund_id).await
}

/// An admin's decision on a requested refund. Deciding twice is refused.
pub async fn decide(
    state: &AppState,
    admin: &AuthUser,
    refund_id: i64,
    decision: &RefundDecision,
) -> Result<RefundDto, ApiError> {
    admin.require(Role::Admin)?;
    let now = Utc::now();
    let mut tx = state.db.begin_write().await?;
    let dto = decide_in(&mut tx, admin.id, refund_id, decision, now).await?;
    tx.commit().await?;
    state.events.committed();
    Ok(dto)
}

/// Admin `admin`'s decision on refund `refund_id` at `now`, inside `tx`: the shared
/// `refund_effects` through the ledger (the buyer credited, the commission reversed while held),
/// the audit entry, the sync log and the buyer's events. The caller commits (and announces the
/// events); the demo history decides in the past through it.
pub async fn decide_in(
    tx: &mut Tx,
    admin: i64,
    refund_id: i64,
    decision: &RefundDecision,
    now: DateTime<Utc>,
) -> Result<RefundDto, ApiError> {
    let pending = store::refund_for_decision(tx, refund_id).await?;
    if pending.status != "requested" {
        return Err(ApiError::coded(
            StatusCode::CONFLICT,
            crate::error::ApiErrorCode::RefundAlreadyDecided,
            format!("this refund was already {}", pending.status),
        ));
    }
    let commission = pending
        .commission
        .as_ref()
        .map(|held| held.status_at(now))
        .transpose()?;
    let effects = refund_effects(decision.approve, pending.credits, commission);
    let note = decision.note.as_deref().map(str::trim);
    store::record_decision(tx, &pending, &effects, decision.approve, admin, note, now).await?;
    let dto = store::written_refund(tx, refund_id).await?;
    let (action, verb) = if decision.approve {
        (AuditAction::RefundApproved, "approved")
    } else {
        (AuditAction::RefundDenied, "denied")
    };
    let detail = format!(
        "{verb}: {} credits, reason {}{}",
        dto.credits,
        dto.reason.label(),
        note.filter(|n| !n.is_empty())
            .map(|n| format!(", note \"{n}\""))
            .unwrap_or_default()
    );
    let subject = format!("refund {refund_id} (lead {})", dto.lead_id);
    crate::audit::record(tx, admin, action, &subject, &detail, now).await?;
    let lead_id = parse_id(&dto.lead_id, "lead")?;
    let lead_changed = crate::sync::store::Changed::Lead(lead_id);
    crate::sync::store::record(tx, pending.buyer, &lead_changed).await?;
    let balance_after = if effects.credit_buyer.is_zero() {
        None
    } else {
        Some(crate::credits::store::locked_wallet(tx, pending.buyer).await?)
    };
    crate::events::raise::refund_decided(tx, pending.buyer, &dto, balance_after, now).await?;
    Ok(dto)
}

/// Parses a refund id from a path.
pub fn parse_refund_id(raw: &str) -> Result<i64, ApiError> {
    parse_id(raw, "refund")
}
