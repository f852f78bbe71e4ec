//! Partners' SQL: the holdback's release (held commissions past their `payable_at` move to
//! payable through the ledger), payouts, the numbers behind the dashboard and the partner score,
//! and admins' review and suspension (which move the partner's leads on or off the marketplace).

use chrono::{DateTime, Utc};
use leadmart_shared::commission::CommissionBonus;
use leadmart_shared::ids::PartnerId;
use leadmart_shared::ledger::commission_release;
use leadmart_shared::money::Money;
use leadmart_shared::upload::PartnerStats;
use leadmart_shared::wire::CommissionDto;
use leadmart_shared::wire::partner::PayoutDto;
use rust_decimal::Decimal;

use crate::db::{Db, DbDecimal, Tx};
use crate::error::ApiError;
use crate::{ledger, with_pool, with_tx};

/// Moves partner `partner_id`'s held commissions whose holdback ended by `now` to payable,
/// each through the ledger (`commission_release`). Returns how many it released.
pub async fn release_due(
    tx: &mut Tx,
    partner_id: i64,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT id, purchase_id, amount FROM commissions WHERE partner_id = $1 \
         AND status = 'held' AND payable_at <= $2 ORDER BY id{}",
        tx.for_update()
    ));
    let due: Vec<(i64, i64, DbDecimal)> = with_tx!(tx, conn => {
        sqlx::query_as(sql).bind(partner_id).bind(now).fetch_all(conn).await?
    });
    let partner = PartnerId::new(partner_id).map_err(ApiError::corrupt)?;
    for (id, purchase_id, DbDecimal(amount)) in &due {
        let amount = Money::new(*amount).map_err(ApiError::corrupt)?;
        let reference = format!("purchase:{purchase_id}");
        ledger::post(tx, &commission_release(partner, amount, &reference), now).await?;
        with_tx!(tx, conn => {
            sqlx::query("UPDATE commissions SET status = 'payable' WHERE id = $1")
                .bind(id)
                .execute(conn)
                .await?;
        });
    }
    Ok(due.len())
}

/// Held commission of sales still inside the buyers' refund window (bought after
/// `refundable_since`), and when the next held commission becomes payable.
pub async fn held_outlook(
    db: &Db,
    partner_id: i64,
    refundable_since: DateTime<Utc>,
) -> Result<(Decimal, Option<DateTime<Utc>>), ApiError> {
    let pending: Vec<DbDecimal> = with_pool!(db, pool => {
        sqlx::query_scalar(
            "SELECT c.amount FROM commissions c JOIN purchases p ON p.id = c.purchase_id \
             WHERE c.partner_id = $1 AND c.status = 'held' AND p.purchased_at > $2",
        )
        .bind(partner_id)
        .bind(refundable_since)
        .fetch_all(pool)
        .await?
    });
    let next: Option<DateTime<Utc>> = with_pool!(db, pool => {
        sqlx::query_scalar(
            "SELECT MIN(payable_at) FROM commissions WHERE partner_id = $1 AND status = 'held'",
        )
        .bind(partner_id)
        .fetch_one(pool)
        .await?
    });
    Ok((pending.into_iter().map(|a| a.0).sum(), next))
}

#[derive(sqlx::FromRow)]
struct CommissionRow {
    lead_id: i64,
    purchased_at: DateTime<Utc>,
    sale_value: DbDecimal,
    rate: DbDecimal,
    amount: DbDecimal,
    bonuses: String,
    status: String,
    payable_at: DateTime<Utc>,
}

/// The partner's latest commissions, newest first; never the buyer.
pub async fn commissions(
    db: &Db,
    partner_id: i64,
    limit: i64,
) -> Result<Vec<CommissionDto>, ApiError> {
    let rows: Vec<CommissionRow> = with_pool!(db, pool => {
        sqlx::query_as(
            "SELECT p.lead_id, p.purchased_at, c.sale_value, c.rate, c.amount, c.bonuses, \
             c.status, c.payable_at FROM commissions c JOIN purchases p ON p.id = c.purchase_id \
             WHERE c.partner_id = $1 ORDER BY c.id DESC LIMIT $2",
        )
        .bind(partner_id)
        .bind(limit)
        .fetch_all(pool)
        .await?
    });
    rows.into_iter()
        .map(|r| {
            let bonuses: Vec<CommissionBonus> =
                serde_json::from_str(&r.bonuses).map_err(ApiError::corrupt)?;
            Ok(CommissionDto {
                lead_id: r.lead_id.to_string(),
                sold_at: r.purchased_at,
                sale_value: r.sale_value.0,
                rate: r.rate.0,
                amount: r.amount.0,
                bonuses,
                status: crate::db::enum_from_column(&r.status)?,
                payable_at: r.payable_at,
            })
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct PayoutRow {
    id: i64,
    amount: DbDecimal,
    currency: String,
    provider: String,
    provider_ref: Option<String>,
    requested_at: DateTime<Utc>,
}

impl From<PayoutRow> for PayoutDto {
    fn from(r: PayoutRow) -> Self {
        PayoutDto {
            id: r.id.to_string(),
            amount: r.amount.0,
            currency: r.currency,
            provider: r.provider,
            provider_ref: r.provider_ref,
            requested_at: r.requested_at,
        }
    }
}

pub async fn payouts(db: &Db, partner_id: i64) -> Result<Vec<PayoutDto>, ApiError> {
    let rows: Vec<PayoutRow> = with_pool!(db, pool => {
        sqlx::query_as(
            "SELECT id, amount, currency, provider, provider_ref, requested_at FROM payouts \
             WHERE partner_id = $1 ORDER BY id DESC",
        )
        .bind(partner_id)
        .fetch_all(pool)
        .await?
    });
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Records a payout of `amount` about to be sent; its id.
pub async fn insert_payout(
    tx: &mut Tx,
    partner_id: i64,
    amount: Decimal,
    currency: &str,
    provider: &str,
    now: DateTime<Utc>,
) -> Result<i64, ApiError> {
    Ok(with_tx!(tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO payouts (partner_id, amount, currency, provider, requested_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(partner_id)
        .bind(DbDecimal(amount))
        .bind(currency)
        .bind(provider)
        .bind(now)
        .fetch_one(conn)
        .await?
    }))
}

/// The provider's reference of payout `id`, and the payable commissions it paid.
pub async fn settle_payout(
    tx: &mut Tx,
    id: i64,
    partner_id: i64,
    provider_ref: &str,
) -> Result<(), ApiError> {
    with_tx!(tx, conn => {
        sqlx::query("UPDATE payouts SET provider_ref = $1 WHERE id = $2")
            .bind(provider_ref)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "UPDATE commissions SET status = 'paid' WHERE partner_id = $1 AND status = 'payable'",
        )
        .bind(partner_id)
        .execute(&mut *conn)
        .await?;
    });
    Ok(())
}

/// What the dashboard and the score are made of, for one partner.
#[derive(Debug, Clone)]
pub struct PartnerFigures {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub approved: bool,
    pub suspended: bool,
    /// Leads stored (listed, drafts, withdrawn).
    pub leads: u64,
    pub awaiting_review: u64,
    pub stats: PartnerStats,
    pub revenue: Decimal,
}

#[derive(sqlx::FromRow)]
struct FiguresRow {
    id: i64,
    name: String,
    email: String,
    approved: Option<bool>,
    suspended: Option<bool>,
    rows_sent: Option<i64>,
    duplicates: Option<i64>,
    verified: Option<i64>,
    verified_passed: Option<i64>,
    leads: i64,
    drafts: i64,
    sold: i64,
}

const FIGURES: &str = "SELECT u.id, u.name, u.email, pp.approved, pp.suspended, pp.rows_sent, \
    pp.duplicates, pp.verified, pp.verified_passed, \
    (SELECT COUNT(*) FROM leads l WHERE l.partner_id = u.id) AS leads, \
    (SELECT COUNT(*) FROM leads l WHERE l.partner_id = u.id AND l.status = 'draft') AS drafts, \
    (SELECT COUNT(*) FROM leads l WHERE l.partner_id = u.id AND l.purchases > 0) AS sold \
    FROM users u LEFT JOIN partner_profiles pp ON pp.user_id = u.id WHERE u.role = 'partner'";

async fn figures_of(db: &Db, rows: Vec<FiguresRow>) -> Result<Vec<PartnerFigures>, ApiError> {
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let amounts: Vec<DbDecimal> = with_pool!(db, pool => {
            sqlx::query_scalar(
                "SELECT amount FROM commissions WHERE partner_id = $1 AND status <> 'reversed'",
            )
            .bind(r.id)
            .fetch_all(pool)
            .await?
        });
        let leads = n(r.leads);
        let drafts = n(r.drafts);
        out.push(PartnerFigures {
            id: r.id,
            name: r.name,
            email: r.email,
            approved: r.approved.unwrap_or(false),
            suspended: r.suspended.unwrap_or(false),
            leads,
            awaiting_review: drafts,
            stats: PartnerStats {
                rows_sent: n(r.rows_sent.unwrap_or(0)),
                duplicates: n(r.duplicates.unwrap_or(0)),
                verified: n(r.verified.unwrap_or(0)),
                verified_passed: n(r.verified_passed.unwrap_or(0)),
                listed: leads - drafts.min(leads),
                sold: n(r.sold),
            },
            revenue: amounts.into_iter().map(|a| a.0).sum(),
        });
    }
    Ok(out)
}

/// The figures of partner `id`; `None` when no partner has that id.
pub async fn figures(db: &Db, id: i64) -> Result<Option<PartnerFigures>, ApiError> {
    let sql = sqlx::AssertSqlSafe(format!("{FIGURES} AND u.id = $1"));
    let rows: Vec<FiguresRow> = with_pool!(db, pool => {
        sqlx::query_as(sql).bind(id).fetch_all(pool).await?
    });
    Ok(figures_of(db, rows).await?.pop())
}

/// Every partner's figures, by id.
pub async fn all_figures(db: &Db) -> Result<Vec<PartnerFigures>, ApiError> {
    let sql = sqlx::AssertSqlSafe(format!("{FIGURES} ORDER BY u.id"));
    let rows: Vec<FiguresRow> = with_pool!(db, pool => {
        sqlx::query_as(sql).fetch_all(pool).await?
    });
    figures_of(db, rows).await
}

pub async fn is_suspended(db: &Db, partner_id: i64) -> Result<bool, ApiError> {
    let suspended: Option<bool> = with_pool!(db, pool => {
        sqlx::query_scalar("SELECT suspended FROM partner_profiles WHERE user_id = $1")
            .bind(partner_id)
            .fetch_optional(pool)
            .await?
    });
    Ok(suspended.unwrap_or(false))
}

/// Sets the partner's review and suspension flags (creating the profile if missing).
pub async fn set_flags(
    tx: &mut Tx,
    partner_id: i64,
    approved: Option<bool>,
    suspended: Option<bool>,
) -> Result<(), ApiError> {
    with_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO partner_profiles (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING",
        )
        .bind(partner_id)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "UPDATE partner_profiles SET approved = COALESCE($1, approved), \
             suspended = COALESCE($2, suspended) WHERE user_id = $3",
        )
        .bind(approved)
        .bind(suspended)
        .bind(partner_id)
        .execute(&mut *conn)
        .await?;
    });
    Ok(())
}

/// Moves the partner's leads held for `from` (`review`, or listed ones for `None`) to
/// `status`, held for `to`; the ids moved.
pub async fn move_leads(
    tx: &mut Tx,
    partner_id: i64,
    from_status: &str,
    from: Option<&str>,
    status: &str,
    to: Option<&str>,
) -> Result<Vec<i64>, ApiError> {
    Ok(with_tx!(tx, conn => {
        sqlx::query_scalar(
            "UPDATE leads SET status = $1, held_for = $2 WHERE partner_id = $3 AND status = $4 \
             AND held_for IS NOT DISTINCT FROM $5 RETURNING id",
        )
        .bind(status)
        .bind(to)
        .bind(partner_id)
        .bind(from_status)
        .bind(from)
        .fetch_all(conn)
        .await?
    }))
}
