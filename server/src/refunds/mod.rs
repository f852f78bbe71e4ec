//! Refunds (seed 000 quality guarantee): a buyer asks within the window with a reason
//! (`POST /v1/my/leads/{id}/refund`); an admin approves or denies ([`decide`], routed under
//! `/v1/admin`). An approval credits the buyer back through the ledger and reverses the
//! partner's commission while it is still held back — both decided by the shared rules.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use leadmart_shared::account::Role;
use leadmart_shared::commission::{Commission, CommissionStatus};
use leadmart_shared::ids::{PartnerId, UserId};
use leadmart_shared::ledger::{commission_reversal, refund};
use leadmart_shared::money::{Credits, Money, Rate};
use leadmart_shared::refund::{check_refund_request, refund_effects};
use leadmart_shared::wire::{RefundDecision, RefundDto, RefundRequest};

use crate::auth::AuthUser;
use crate::db::{DbDecimal, enum_from_column, enum_to_column};
use crate::error::{ApiError, JsonBody};
use crate::marketplace::parse_id;
use crate::my_leads::view;
use crate::{AppState, ledger, with_tx};

pub fn routes() -> Router<AppState> {
    Router::new().route("/my/leads/{id}/refund", post(request_refund))
}

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
    let purchase = view::find_purchase(&mut tx, user.id, lead_id)
        .await?
        .ok_or_else(|| ApiError::not_found("purchased lead"))?;
    if !body.purchase_id.is_empty() && body.purchase_id != purchase.id.to_string() {
        return Err(ApiError::validation(
            "purchaseId does not match the purchase of this lead",
        ));
    }
    let already: i64 = with_tx!(&mut tx, conn => {
        sqlx::query_scalar("SELECT COUNT(*) FROM refunds WHERE purchase_id = $1")
            .bind(purchase.id)
            .fetch_one(conn)
            .await?
    });
    check_refund_request(
        purchase.purchased_at,
        now,
        already > 0,
        body.reason,
        &body.note,
        &state.market.refunds,
    )?;
    let refund_id: i64 = with_tx!(&mut tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO refunds (purchase_id, buyer_id, lead_id, reason, note, status, credits, \
             requested_at) VALUES ($1, $2, $3, $4, $5, 'requested', $6, $7) RETURNING id",
        )
        .bind(purchase.id)
        .bind(user.id)
        .bind(lead_id)
        .bind(enum_to_column(&body.reason))
        .bind(body.note.trim())
        .bind(purchase.price)
        .bind(now)
        .fetch_one(conn)
        .await?
    });
    let dto = view::refund_by_id(&mut tx, refund_id)
        .await?
        .ok_or_else(|| ApiError::corrupt("a refund vanished inside its transaction"))?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(dto)))
}

#[derive(sqlx::FromRow)]
struct HeldCommission {
    partner_id: i64,
    rate: DbDecimal,
    amount: DbDecimal,
    status: String,
    payable_at: DateTime<Utc>,
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
    let lock = tx.for_update();
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT purchase_id, buyer_id, status, credits FROM refunds WHERE id = $1{lock}"
    ));
    let (purchase_id, buyer, status, DbDecimal(credits)): (i64, i64, String, DbDecimal) =
        with_tx!(&mut tx, conn => {
            sqlx::query_as(sql).bind(refund_id).fetch_optional(conn).await?
        })
        .ok_or_else(|| ApiError::not_found("refund"))?;
    if status != "requested" {
        return Err(ApiError::coded(
            StatusCode::CONFLICT,
            crate::error::ApiErrorCode::RefundAlreadyDecided,
            format!("this refund was already {status}"),
        ));
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT partner_id, rate, amount, status, payable_at FROM commissions \
         WHERE purchase_id = $1{lock}"
    ));
    let held: Option<HeldCommission> = with_tx!(&mut tx, conn => {
        sqlx::query_as(sql).bind(purchase_id).fetch_optional(conn).await?
    });
    let commission = held
        .as_ref()
        .map(|h| {
            let recorded: CommissionStatus = enum_from_column(&h.status)?;
            let accrued = Commission {
                rate: Rate::new(h.rate.0).map_err(ApiError::corrupt)?,
                amount: Money::new(h.amount.0).map_err(ApiError::corrupt)?,
                bonuses: Vec::new(),
                payable_at: h.payable_at,
            };
            Ok::<_, ApiError>(accrued.status_at(recorded, now))
        })
        .transpose()?;
    let price = Credits::new(credits).map_err(ApiError::corrupt)?;
    let effects = refund_effects(decision.approve, price, commission);
    let reference = format!("refund:{refund_id}");
    if !effects.credit_buyer.is_zero() {
        let buyer = UserId::new(buyer).map_err(ApiError::corrupt)?;
        ledger::post(
            &mut tx,
            &refund(buyer, effects.credit_buyer, &reference),
            now,
        )
        .await?;
    }
    if effects.reverse_commission
        && let Some(h) = &held
    {
        let partner = PartnerId::new(h.partner_id).map_err(ApiError::corrupt)?;
        let amount = Money::new(h.amount.0).map_err(ApiError::corrupt)?;
        ledger::post(
            &mut tx,
            &commission_reversal(partner, amount, &reference),
            now,
        )
        .await?;
        with_tx!(&mut tx, conn => {
            sqlx::query("UPDATE commissions SET status = 'reversed' WHERE purchase_id = $1")
                .bind(purchase_id)
                .execute(conn)
                .await?;
        });
    }
    let new_status = if decision.approve {
        "approved"
    } else {
        "denied"
    };
    with_tx!(&mut tx, conn => {
        sqlx::query(
            "UPDATE refunds SET status = $1, decided_at = $2, decided_by = $3, decision_note = $4 \
             WHERE id = $5",
        )
        .bind(new_status)
        .bind(now)
        .bind(admin.id)
        .bind(decision.note.as_deref().map(str::trim))
        .bind(refund_id)
        .execute(conn)
        .await?;
    });
    let dto = view::refund_by_id(&mut tx, refund_id)
        .await?
        .ok_or_else(|| ApiError::corrupt("a refund vanished inside its transaction"))?;
    tx.commit().await?;
    Ok(dto)
}

/// Parses a refund id from a path.
pub fn parse_refund_id(raw: &str) -> Result<i64, ApiError> {
    parse_id(raw, "refund")
}
