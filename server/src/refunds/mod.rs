//! Refunds (seed 000 quality guarantee): a buyer asks within the window with a reason
//! (`POST /v1/my/leads/{id}/refund`); an admin approves or denies ([`decide`], routed under
//! `/v1/admin`). An approval credits the buyer back through the ledger and reverses the
//! partner's commission while it is still held back — both decided by the shared rules, and
//! written by [`store`].

pub mod store;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use leadmart_shared::account::Role;
use leadmart_shared::refund::{check_refund_request, refund_effects};
use leadmart_shared::wire::{ApiErrorBody, RefundDecision, RefundDto, RefundRequest};

use crate::AppState;
use crate::audit::AuditAction;
use crate::auth::AuthUser;
use crate::error::{ApiError, JsonBody};
use crate::marketplace::parse_id;
use crate::my_leads;
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
    let already = store::has_refund(&mut tx, purchase.id).await?;
    check_refund_request(
        purchase.purchased_at,
        now,
        already,
        body.reason,
        &body.note,
        &state.market.refunds,
    )?;
    let new = NewRefund {
        purchase_id: purchase.id,
        buyer: user.id,
        lead_id,
        reason: body.reason,
        note: body.note.trim(),
        credits: purchase.price,
    };
    let refund_id = store::insert_request(&mut tx, &new, now).await?;
    let lead_changed = crate::sync::store::Changed::Lead(lead_id);
    crate::sync::store::record(&mut tx, user.id, &lead_changed).await?;
    let dto = store::written_refund(&mut tx, refund_id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(dto)))
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
    let pending = store::refund_for_decision(&mut tx, refund_id).await?;
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
    store::record_decision(
        &mut tx,
        &pending,
        &effects,
        decision.approve,
        admin.id,
        note,
        now,
    )
    .await?;
    let dto = store::written_refund(&mut tx, refund_id).await?;
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
    crate::audit::record(&mut tx, admin.id, action, &subject, &detail, now).await?;
    let lead_id = parse_id(&dto.lead_id, "lead")?;
    let lead_changed = crate::sync::store::Changed::Lead(lead_id);
    crate::sync::store::record(&mut tx, pending.buyer, &lead_changed).await?;
    let balance_after = if effects.credit_buyer.is_zero() {
        None
    } else {
        Some(crate::credits::store::locked_wallet(&mut tx, pending.buyer).await?)
    };
    crate::events::raise::refund_decided(&mut tx, pending.buyer, &dto, balance_after, now).await?;
    tx.commit().await?;
    state.events.committed();
    Ok(dto)
}

/// Parses a refund id from a path.
pub fn parse_refund_id(raw: &str) -> Result<i64, ApiError> {
    parse_id(raw, "refund")
}
