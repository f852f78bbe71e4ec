//! Refunds' SQL: refund rows as [`RefundDto`]s (by id, by a condition, and the columns My Leads
//! reads in its batch), a buyer's request, and an admin's decision — the refund and the
//! purchase's commission locked, then the effects the shared `refund_effects` decided: the
//! buyer's credit and the commission's reversal through the ledger, and the recorded decision.

use chrono::{DateTime, Utc};
use leadmart_shared::commission::{Commission, CommissionStatus};
use leadmart_shared::ids::{PartnerId, UserId};
use leadmart_shared::ledger::{commission_reversal, refund};
use leadmart_shared::money::{Credits, Money, Rate};
use leadmart_shared::refund::{RefundEffects, RefundReason, RefundStatus};
use leadmart_shared::wire::RefundDto;

use crate::db::{DbDecimal, Tx, enum_from_column, enum_to_column};
use crate::error::ApiError;
use crate::{ledger, with_tx};

#[derive(sqlx::FromRow)]
pub struct RefundRow {
    id: i64,
    pub purchase_id: i64,
    lead_id: i64,
    reason: String,
    note: String,
    status: String,
    credits: DbDecimal,
    requested_at: DateTime<Utc>,
    decided_at: Option<DateTime<Utc>>,
    decision_note: Option<String>,
}

pub const REFUND_COLUMNS: &str = "id, purchase_id, lead_id, reason, note, status, credits, \
     requested_at, decided_at, decision_note";

impl RefundRow {
    pub fn into_dto(self) -> Result<RefundDto, ApiError> {
        Ok(RefundDto {
            id: self.id.to_string(),
            purchase_id: self.purchase_id.to_string(),
            lead_id: self.lead_id.to_string(),
            reason: enum_from_column::<RefundReason>(&self.reason)?,
            note: self.note,
            status: enum_from_column::<RefundStatus>(&self.status)?,
            credits: self.credits.0,
            requested_at: self.requested_at,
            decided_at: self.decided_at,
            decision_note: self.decision_note,
        })
    }
}

/// Refunds in `status`, oldest first (the admin queue).
pub async fn refunds_in(tx: &mut Tx, status: RefundStatus) -> Result<Vec<RefundDto>, ApiError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE status = $1 ORDER BY id"
    ));
    let rows: Vec<RefundRow> = with_tx!(tx, conn => {
        sqlx::query_as(sql).bind(enum_to_column(&status)).fetch_all(conn).await?
    });
    rows.into_iter().map(RefundRow::into_dto).collect()
}

/// Refund `id`, which the caller's transaction just wrote.
pub async fn written_refund(tx: &mut Tx, id: i64) -> Result<RefundDto, ApiError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE id = $1"
    ));
    let row: Option<RefundRow> = with_tx!(tx, conn => {
        sqlx::query_as(sql).bind(id).fetch_optional(conn).await?
    });
    row.ok_or_else(|| ApiError::corrupt("a refund vanished inside its transaction"))?
        .into_dto()
}

/// Whether the purchase already has a refund request (decided or not).
pub async fn has_refund(tx: &mut Tx, purchase_id: i64) -> Result<bool, ApiError> {
    let already: i64 = with_tx!(tx, conn => {
        sqlx::query_scalar("SELECT COUNT(*) FROM refunds WHERE purchase_id = $1")
            .bind(purchase_id)
            .fetch_one(conn)
            .await?
    });
    Ok(already > 0)
}

/// A buyer's request, for the price they paid.
pub struct NewRefund<'a> {
    pub purchase_id: i64,
    pub buyer: i64,
    pub lead_id: i64,
    pub reason: RefundReason,
    pub note: &'a str,
    pub credits: DbDecimal,
}

/// Records a requested refund; returns its id.
pub async fn insert_request(
    tx: &mut Tx,
    new: &NewRefund<'_>,
    now: DateTime<Utc>,
) -> Result<i64, ApiError> {
    let id: i64 = with_tx!(tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO refunds (purchase_id, buyer_id, lead_id, reason, note, status, credits, \
             requested_at) VALUES ($1, $2, $3, $4, $5, 'requested', $6, $7) RETURNING id",
        )
        .bind(new.purchase_id)
        .bind(new.buyer)
        .bind(new.lead_id)
        .bind(enum_to_column(&new.reason))
        .bind(new.note)
        .bind(new.credits)
        .bind(now)
        .fetch_one(conn)
        .await?
    });
    Ok(id)
}

/// A refund waiting for (or past) its decision, locked with its purchase's commission.
pub struct PendingRefund {
    pub id: i64,
    pub purchase_id: i64,
    pub buyer: i64,
    pub status: String,
    pub credits: Credits,
    pub commission: Option<HeldCommission>,
}

#[derive(sqlx::FromRow)]
pub struct HeldCommission {
    partner_id: i64,
    rate: DbDecimal,
    amount: DbDecimal,
    status: String,
    payable_at: DateTime<Utc>,
}

impl HeldCommission {
    /// The shared commission's status at `now` (held, payable, …), from its recorded status.
    pub fn status_at(&self, now: DateTime<Utc>) -> Result<CommissionStatus, ApiError> {
        let recorded: CommissionStatus = enum_from_column(&self.status)?;
        let accrued = Commission {
            rate: Rate::new(self.rate.0).map_err(ApiError::corrupt)?,
            amount: Money::new(self.amount.0).map_err(ApiError::corrupt)?,
            bonuses: Vec::new(),
            payable_at: self.payable_at,
        };
        Ok(accrued.status_at(recorded, now))
    }
}

/// Refund `id` and its purchase's commission, locked for the decision; `not_found` without it.
pub async fn refund_for_decision(tx: &mut Tx, id: i64) -> Result<PendingRefund, ApiError> {
    let lock = tx.for_update();
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT purchase_id, buyer_id, status, credits FROM refunds WHERE id = $1{lock}"
    ));
    let (purchase_id, buyer, status, DbDecimal(credits)): (i64, i64, String, DbDecimal) =
        with_tx!(tx, conn => {
            sqlx::query_as(sql).bind(id).fetch_optional(conn).await?
        })
        .ok_or_else(|| ApiError::not_found("refund"))?;
    let credits = Credits::new(credits).map_err(ApiError::corrupt)?;
    let commission = if status == "requested" {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT partner_id, rate, amount, status, payable_at FROM commissions \
             WHERE purchase_id = $1{lock}"
        ));
        with_tx!(tx, conn => {
            sqlx::query_as(sql).bind(purchase_id).fetch_optional(conn).await?
        })
    } else {
        // Already decided: the caller refuses it, so its commission is not read.
        None
    };
    Ok(PendingRefund {
        id,
        purchase_id,
        buyer,
        status,
        credits,
        commission,
    })
}

/// Applies a decision on `refund_row`: the `effects` through the ledger, then the refund's new
/// status, by `admin`, with its note.
pub async fn record_decision(
    tx: &mut Tx,
    refund_row: &PendingRefund,
    effects: &RefundEffects,
    approved: bool,
    admin: i64,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let reference = format!("refund:{}", refund_row.id);
    if !effects.credit_buyer.is_zero() {
        let buyer = UserId::new(refund_row.buyer).map_err(ApiError::corrupt)?;
        ledger::post(tx, &refund(buyer, effects.credit_buyer, &reference), now).await?;
    }
    if effects.reverse_commission
        && let Some(h) = &refund_row.commission
    {
        let partner = PartnerId::new(h.partner_id).map_err(ApiError::corrupt)?;
        let amount = Money::new(h.amount.0).map_err(ApiError::corrupt)?;
        ledger::post(tx, &commission_reversal(partner, amount, &reference), now).await?;
        with_tx!(tx, conn => {
            sqlx::query("UPDATE commissions SET status = 'reversed' WHERE purchase_id = $1")
                .bind(refund_row.purchase_id)
                .execute(conn)
                .await?;
        });
    }
    let new_status = if approved { "approved" } else { "denied" };
    with_tx!(tx, conn => {
        sqlx::query(
            "UPDATE refunds SET status = $1, decided_at = $2, decided_by = $3, decision_note = $4 \
             WHERE id = $5",
        )
        .bind(new_status)
        .bind(now)
        .bind(admin)
        .bind(note)
        .bind(refund_row.id)
        .execute(conn)
        .await?;
    });
    Ok(())
}
