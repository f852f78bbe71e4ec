//! The double-entry ledger on disk: every shared [`Transfer`] becomes one `ledger_transfers` row
//! and two `ledger_entries` rows whose deltas sum to zero.
//!
//! Accounts that hold someone's money (buyer wallets, partner balances) keep a running balance
//! row, locked and updated in the same transaction as their entries, and refused below zero by
//! the shared debit rule (with a CHECK constraint behind it). Marketplace-side accounts
//! (revenue, credits issued, expenses) keep no running balance: they are sums of their entries,
//! so concurrent purchases do not queue on one marketplace-wide row.

use chrono::{DateTime, Utc};
use leadmart_shared::ledger::{Account, LedgerError, Transfer, debit};
use leadmart_shared::money::{Credits, Money};
use rust_decimal::Decimal;

use crate::db::{Db, DbDecimal, Tx, enum_to_column};
use crate::error::ApiError;
use crate::{with_pool, with_tx};

/// The account's stable key in `ledger_accounts.account`, e.g. `buyer_wallet:7`.
pub fn account_key(account: Account) -> String {
    match account {
        Account::BuyerWallet(user) => format!("buyer_wallet:{user}"),
        Account::CreditsIssued => "credits_issued".to_owned(),
        Account::MarketplaceRevenue => "marketplace_revenue".to_owned(),
        Account::MarketplaceExpense => "marketplace_expense".to_owned(),
        Account::PartnerHeld(partner) => format!("partner_held:{partner}"),
        Account::PartnerPayable(partner) => format!("partner_payable:{partner}"),
        Account::PayoutsSent => "payouts_sent".to_owned(),
        Account::CommissionExpense => "commission_expense".to_owned(),
    }
}

/// Credits and money never share an account: a transfer moves one unit.
fn unit(account: Account) -> &'static str {
    match account {
        Account::BuyerWallet(_)
        | Account::CreditsIssued
        | Account::MarketplaceRevenue
        | Account::MarketplaceExpense => "credits",
        Account::PartnerHeld(_)
        | Account::PartnerPayable(_)
        | Account::PayoutsSent
        | Account::CommissionExpense => "money",
    }
}

/// The balance after applying `delta`, refusing to go below zero where the account must not.
fn next_balance(account: Account, balance: Decimal, delta: Decimal) -> Result<Decimal, ApiError> {
    if delta >= Decimal::ZERO || !account.must_stay_non_negative() {
        return Ok(balance + delta);
    }
    let refused = |e: LedgerError| {
        ApiError::coded(
            axum::http::StatusCode::PAYMENT_REQUIRED,
            crate::error::ApiErrorCode::InsufficientCredits,
            e.to_string(),
        )
    };
    // The shared debit rule decides; its amount types are non-negative by construction.
    match unit(account) {
        "credits" => {
            let have = Credits::new(balance).map_err(ApiError::corrupt)?;
            let take = Credits::new(-delta).map_err(ApiError::corrupt)?;
            debit(have, take).map(Credits::amount).map_err(refused)
        }
        _ => {
            let have = Money::new(balance).map_err(ApiError::corrupt)?;
            let take = Money::new(-delta).map_err(ApiError::corrupt)?;
            have.checked_sub(take).map(Money::amount).ok_or_else(|| {
                refused(LedgerError::InsufficientBalance {
                    balance,
                    amount: -delta,
                })
            })
        }
    }
}

/// Posts `transfer` inside `tx`. Returns the transfer's id.
pub async fn post<A: Copy + Into<Decimal>>(
    tx: &mut Tx,
    transfer: &Transfer<A>,
    now: DateTime<Utc>,
) -> Result<i64, ApiError> {
    let amount: Decimal = transfer.amount.into();
    let transfer_id: i64 = with_tx!(tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO ledger_transfers (reason, reference, amount, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(enum_to_column(&transfer.reason))
        .bind(&transfer.reference)
        .bind(DbDecimal(amount))
        .bind(now)
        .fetch_one(conn)
        .await?
    });
    let mut rows = Vec::new();
    for entry in transfer.entries() {
        let (account_id, balance_after) = move_balance(tx, entry.account, entry.delta).await?;
        rows.push((account_id, entry.delta, balance_after));
    }
    // Both entries in one statement: a purchase posts two transfers, and each round trip is
    // time the buyer's wallet (and on SQLite the writer) stays locked.
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO ledger_entries (transfer_id, account_id, delta, balance_after, created_at) \
         VALUES {}",
        (0..rows.len())
            .map(|i| {
                let n = i * 4;
                format!("($1, ${}, ${}, ${}, ${})", n + 2, n + 3, n + 4, n + 5)
            })
            .collect::<Vec<_>>()
            .join(", ")
    ));
    with_tx!(tx, conn => {
        let mut query = sqlx::query(sql).bind(transfer_id);
        for (account_id, delta, balance_after) in &rows {
            query = query
                .bind(*account_id)
                .bind(DbDecimal(*delta))
                .bind(*balance_after)
                .bind(now);
        }
        query.execute(conn).await?;
    });
    Ok(transfer_id)
}

async fn select_account(
    tx: &mut Tx,
    key: &str,
    lock: &'static str,
) -> Result<Option<(i64, DbDecimal)>, ApiError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT id, balance FROM ledger_accounts WHERE account = $1{lock}"
    ));
    let row = with_tx!(tx, conn => {
        sqlx::query_as(sql).bind(key).fetch_optional(conn).await?
    });
    Ok(row)
}

/// Finds (or opens) the account of an entry and moves its running balance by `delta` where it
/// keeps one: `(account id, balance after)`.
async fn move_balance(
    tx: &mut Tx,
    account: Account,
    delta: Decimal,
) -> Result<(i64, Option<DbDecimal>), ApiError> {
    let key = account_key(account);
    let lock = if account.must_stay_non_negative() {
        tx.for_update()
    } else {
        ""
    };
    // Accounts exist after their first entry: read first, create only when missing (an
    // `INSERT … ON CONFLICT` on every entry is one more round trip per entry, and the
    // benchmark's purchase posts four entries).
    let found = match select_account(tx, &key, lock).await? {
        Some(found) => found,
        None => {
            with_tx!(tx, conn => {
                sqlx::query(
                    "INSERT INTO ledger_accounts (account, unit, non_negative, balance) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (account) DO NOTHING",
                )
                .bind(&key)
                .bind(unit(account))
                .bind(account.must_stay_non_negative())
                .bind(DbDecimal(Decimal::new(0, 2)))
                .execute(conn)
                .await?;
            });
            select_account(tx, &key, lock)
                .await?
                .ok_or_else(|| ApiError::corrupt(format!("ledger account {key} vanished")))?
        }
    };
    let (account_id, DbDecimal(balance)) = found;
    let balance_after = if account.must_stay_non_negative() {
        let after = next_balance(account, balance, delta)?;
        with_tx!(tx, conn => {
            sqlx::query("UPDATE ledger_accounts SET balance = $1 WHERE id = $2")
                .bind(DbDecimal(after))
                .bind(account_id)
                .execute(conn)
                .await?;
        });
        Some(DbDecimal(after))
    } else {
        None
    };
    Ok((account_id, balance_after))
}

/// The running balance of an account that keeps one, locked for the rest of `tx`.
pub async fn locked_balance(tx: &mut Tx, account: Account) -> Result<Decimal, ApiError> {
    let lock = tx.for_update();
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT balance FROM ledger_accounts WHERE account = $1{lock}"
    ));
    let key = account_key(account);
    let found: Option<DbDecimal> = with_tx!(tx, conn => {
        sqlx::query_scalar(sql).bind(&key).fetch_optional(conn).await?
    });
    Ok(found.map_or(Decimal::ZERO, |b| b.0))
}

/// The running balance of an account that keeps one (zero when it has no entries yet).
pub async fn balance(db: &Db, account: Account) -> Result<Decimal, ApiError> {
    let key = account_key(account);
    let found: Option<DbDecimal> = with_pool!(db, pool => {
        sqlx::query_scalar("SELECT balance FROM ledger_accounts WHERE account = $1")
            .bind(&key)
            .fetch_optional(pool)
            .await?
    });
    Ok(found.map_or(Decimal::ZERO, |b| b.0))
}

/// A wallet's balance as credits.
pub async fn wallet_credits(db: &Db, user_id: i64) -> Result<Credits, ApiError> {
    let user = leadmart_shared::ids::UserId::new(user_id).map_err(ApiError::corrupt)?;
    let raw = balance(db, Account::BuyerWallet(user)).await?;
    Credits::new(raw).map_err(ApiError::corrupt)
}
