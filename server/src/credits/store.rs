//! Credits' SQL: payments (recorded pending, found by idempotency key, marked by what the
//! provider said, settled into the wallet once), the auto-recharge rule and its in-flight
//! payments, and the wallet's ledger lines for the statement and the spending chart.

use chrono::{DateTime, Utc};
use leadmart_shared::ids::UserId;
use leadmart_shared::ledger::{Account, credit_purchase};
use leadmart_shared::money::{AutoRecharge, CreditPackage, Credits, CurrencyCode};

use crate::db::{Db, DbDecimal, Tx};
use crate::error::ApiError;
use crate::ledger::{self, account_key};
use crate::{AppState, events, idempotency, with_pool, with_tx};

fn user_id(id: i64) -> Result<UserId, ApiError> {
    UserId::new(id).map_err(ApiError::corrupt)
}

/// The wallet's running balance locked inside a purchase or refund transaction.
pub async fn locked_wallet(tx: &mut Tx, user: i64) -> Result<Credits, ApiError> {
    let raw = ledger::locked_balance(tx, Account::BuyerWallet(user_id(user)?)).await?;
    Credits::new(raw).map_err(ApiError::corrupt)
}

/// The payment a committed idempotency key started.
pub async fn payment_for_key(tx: &mut Tx, user: i64, key: &str) -> Result<i64, ApiError> {
    let id: Option<i64> = with_tx!(tx, conn => {
        sqlx::query_scalar("SELECT id FROM payments WHERE user_id = $1 AND idempotency_key = $2")
            .bind(user)
            .bind(key)
            .fetch_optional(conn)
            .await?
    });
    id.ok_or_else(|| ApiError::corrupt("an unanswered idempotency key without its payment"))
}

/// Frees an idempotency key whose payment failed: the key and the payment it named part, so
/// the key can start a new payment.
pub async fn release_key(db: &Db, user: i64, key: &str) -> Result<(), ApiError> {
    let mut tx = db.begin_write().await?;
    idempotency::release(&mut tx, user, key).await?;
    with_tx!(&mut tx, conn => {
        sqlx::query(
            "UPDATE payments SET idempotency_key = NULL \
             WHERE user_id = $1 AND idempotency_key = $2",
        )
        .bind(user)
        .bind(key)
        .execute(conn)
        .await?;
    });
    tx.commit().await?;
    Ok(())
}

pub struct NewPayment<'a> {
    pub user: i64,
    pub package: &'a CreditPackage,
    pub currency: CurrencyCode,
    pub provider: &'static str,
    pub auto: bool,
    pub idempotency_key: Option<&'a str>,
}

/// Records a pending payment; returns its id.
pub async fn insert_payment(
    tx: &mut Tx,
    new: &NewPayment<'_>,
    now: DateTime<Utc>,
) -> Result<i64, ApiError> {
    let id: i64 = with_tx!(tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO payments (user_id, package_code, credits, amount, currency, provider, \
             status, auto, created_at, idempotency_key) \
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9) RETURNING id",
        )
        .bind(new.user)
        .bind(&new.package.code)
        .bind(DbDecimal(new.package.credits.amount()))
        .bind(DbDecimal(new.package.price.amount()))
        .bind(new.currency.to_string())
        .bind(new.provider)
        .bind(new.auto)
        .bind(now)
        .bind(new.idempotency_key)
        .fetch_one(conn)
        .await?
    });
    Ok(id)
}

#[derive(sqlx::FromRow)]
pub struct PaymentRow {
    pub status: String,
    pub checkout_url: Option<String>,
    pub credits: DbDecimal,
    pub amount: DbDecimal,
}

pub async fn load_payment(db: &Db, payment_id: i64) -> Result<PaymentRow, ApiError> {
    let row = with_pool!(db, pool => {
        sqlx::query_as(
            "SELECT status, checkout_url, credits, amount FROM payments WHERE id = $1",
        )
        .bind(payment_id)
        .fetch_one(pool)
        .await?
    });
    Ok(row)
}

/// The address the provider's checkout is made out to.
pub async fn user_email(db: &Db, user: i64) -> Result<String, ApiError> {
    let email = with_pool!(db, pool => {
        sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
            .bind(user)
            .fetch_one(pool)
            .await?
    });
    Ok(email)
}

/// A checkout the buyer still has to complete at `checkout_url`.
pub async fn record_checkout(
    db: &Db,
    payment_id: i64,
    provider_ref: &str,
    checkout_url: &str,
) -> Result<(), ApiError> {
    with_pool!(db, pool => {
        sqlx::query(
            "UPDATE payments SET provider_ref = $1, checkout_url = $2 \
             WHERE id = $3 AND status = 'pending'",
        )
        .bind(provider_ref)
        .bind(checkout_url)
        .bind(payment_id)
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// How a pending payment ends unpaid.
#[derive(Debug, Clone, Copy)]
pub enum Unpaid {
    /// The provider refused the charge.
    Failed,
    /// The provider's checkout expired (or its payment failed later).
    Expired,
}

/// Closes a still-pending payment as `unpaid`; a settled one is left alone.
pub async fn close_unpaid(db: &Db, payment_id: i64, unpaid: Unpaid) -> Result<(), ApiError> {
    let sql = match unpaid {
        Unpaid::Failed => {
            "UPDATE payments SET status = 'failed' WHERE id = $1 AND status = 'pending'"
        }
        Unpaid::Expired => {
            "UPDATE payments SET status = 'expired' WHERE id = $1 AND status = 'pending'"
        }
    };
    with_pool!(db, pool => {
        sqlx::query(sql).bind(payment_id).execute(pool).await?;
    });
    Ok(())
}

/// Marks a pending payment paid and puts its credits in the wallet, once: a second call for
/// the same payment (a provider repeating its notification, a resumed retry) changes nothing.
/// An automatic payment that expired while the buyer was still paying is settled too: the
/// money arrived, so the credits are theirs. The buyer's streams hear `credits.changed`.
pub async fn settle(state: &AppState, payment_id: i64, provider_ref: &str) -> Result<(), ApiError> {
    let db = &state.db;
    let now = Utc::now();
    let mut tx = db.begin_write().await?;
    let row: Option<(i64, DbDecimal, bool)> = with_tx!(&mut tx, conn => {
        sqlx::query_as(
            "UPDATE payments SET status = 'settled', provider_ref = $1, settled_at = $2 \
             WHERE id = $3 AND status IN ('pending', 'expired') RETURNING user_id, credits, auto",
        )
        .bind(provider_ref)
        .bind(now)
        .bind(payment_id)
        .fetch_optional(conn)
        .await?
    });
    if let Some((user, DbDecimal(credits), auto)) = row {
        let credits = Credits::new(credits).map_err(ApiError::corrupt)?;
        let transfer = credit_purchase(
            user_id(user)?,
            credits,
            &format!("payment:{payment_id}"),
            auto,
        );
        ledger::post(&mut tx, &transfer, now).await?;
        let balance = locked_wallet(&mut tx, user).await?;
        events::raise::credits_bought(&mut tx, user, balance, now).await?;
    }
    tx.commit().await?;
    state.events.committed();
    Ok(())
}

/// The amount and currency of payment `payment_id` when it was made through Stripe.
pub async fn stripe_payment(
    db: &Db,
    payment_id: i64,
) -> Result<Option<(DbDecimal, String)>, ApiError> {
    let row = with_pool!(db, pool => {
        sqlx::query_as(
            "SELECT amount, currency FROM payments WHERE id = $1 AND provider = 'stripe'",
        )
        .bind(payment_id)
        .fetch_optional(pool)
        .await?
    });
    Ok(row)
}

pub async fn load_auto_recharge(db: &Db, user: i64) -> Result<Option<AutoRecharge>, ApiError> {
    let row: Option<(bool, DbDecimal, String)> = with_pool!(db, pool => {
        sqlx::query_as("SELECT enabled, below, package_code FROM auto_recharge WHERE user_id = $1")
            .bind(user)
            .fetch_optional(pool)
            .await?
    });
    row.map(|(enabled, below, package_code)| auto_recharge_of(enabled, below, package_code))
        .transpose()
}

/// The columns of an `auto_recharge` row as the rule (also read by the purchase's one read).
pub fn auto_recharge_of(
    enabled: bool,
    below: DbDecimal,
    package_code: String,
) -> Result<AutoRecharge, ApiError> {
    Ok(AutoRecharge {
        enabled,
        below: Credits::new(below.0).map_err(ApiError::corrupt)?,
        package_code,
    })
}

pub async fn save_auto_recharge(db: &Db, user: i64, rule: &AutoRecharge) -> Result<(), ApiError> {
    with_pool!(db, pool => {
        sqlx::query(
            "INSERT INTO auto_recharge (user_id, enabled, below, package_code) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id) DO UPDATE SET enabled = excluded.enabled, below = excluded.below, \
             package_code = excluded.package_code",
        )
        .bind(user)
        .bind(rule.enabled)
        .bind(DbDecimal(rule.below.amount()))
        .bind(&rule.package_code)
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// Marks the buyer's automatic payments pending since before `expired_before` expired, then
/// counts those still pending (in flight).
pub async fn auto_payments_in_flight(
    tx: &mut Tx,
    user: i64,
    expired_before: DateTime<Utc>,
) -> Result<i64, ApiError> {
    let in_flight = with_tx!(tx, conn => {
        sqlx::query(
            "UPDATE payments SET status = 'expired' \
             WHERE user_id = $1 AND auto AND status = 'pending' AND created_at < $2",
        )
        .bind(user)
        .bind(expired_before)
        .execute(&mut *conn)
        .await?;
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM payments WHERE user_id = $1 AND auto AND status = 'pending'",
        )
        .bind(user)
        .fetch_one(conn)
        .await?
    });
    Ok(in_flight)
}

#[derive(sqlx::FromRow)]
pub struct StatementRow {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub reason: String,
    pub reference: String,
    pub delta: DbDecimal,
    pub balance_after: Option<DbDecimal>,
}

/// Up to `limit` of the wallet's entries with an id below `before_id` made since `since`,
/// newest first.
pub async fn wallet_entries(
    db: &Db,
    user: i64,
    before_id: i64,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<StatementRow>, ApiError> {
    let key = account_key(Account::BuyerWallet(user_id(user)?));
    let rows = with_pool!(db, pool => {
        sqlx::query_as(
            "SELECT e.id, t.created_at, t.reason, t.reference, e.delta, e.balance_after \
             FROM ledger_entries e JOIN ledger_transfers t ON t.id = e.transfer_id \
             JOIN ledger_accounts a ON a.id = e.account_id \
             WHERE a.account = $1 AND e.id < $2 AND t.created_at >= $3 \
             ORDER BY e.id DESC LIMIT $4",
        )
        .bind(&key)
        .bind(before_id)
        .bind(since)
        .bind(limit)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

/// Up to `limit` of the wallet's entries with an id above `after_id`, oldest first (sync: a
/// wallet's entries are written under its row lock, so their ids commit in order).
/// How many of `user`'s wallet entries come after `after_id`.
pub async fn wallet_entries_count_after(
    tx: &mut Tx,
    user: i64,
    after_id: i64,
) -> Result<i64, ApiError> {
    let key = account_key(Account::BuyerWallet(user_id(user)?));
    let count = with_tx!(tx, conn => {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id \
             WHERE a.account = $1 AND e.id > $2",
        )
        .bind(&key)
        .bind(after_id)
        .fetch_one(conn)
        .await?
    });
    Ok(count)
}

pub async fn wallet_entries_after(
    tx: &mut Tx,
    user: i64,
    after_id: i64,
    limit: i64,
) -> Result<Vec<StatementRow>, ApiError> {
    let key = account_key(Account::BuyerWallet(user_id(user)?));
    let rows = with_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT e.id, t.created_at, t.reason, t.reference, e.delta, e.balance_after \
             FROM ledger_entries e JOIN ledger_transfers t ON t.id = e.transfer_id \
             JOIN ledger_accounts a ON a.id = e.account_id \
             WHERE a.account = $1 AND e.id > $2 ORDER BY e.id LIMIT $3",
        )
        .bind(&key)
        .bind(after_id)
        .bind(limit)
        .fetch_all(conn)
        .await?
    });
    Ok(rows)
}
