//! The double-entry ledger on disk: every shared [`Transfer`] becomes one `ledger_transfers` row
//! and two `ledger_entries` rows whose deltas sum to zero.
//!
//! An account's balance is `ledger_accounts.balance` plus its entries not yet `settled` into it.
//! Two ways to keep it:
//!
//! - **In place** (buyer wallets): each entry locks the account row, moves the balance and is
//!   written settled, refused below zero by the shared debit rule (with a CHECK constraint
//!   behind it). A wallet is spent by its owner's purchases, which must queue on it anyway.
//! - **Accrued** (partner balances, marketplace accounts): an entry is only inserted, unsettled,
//!   with no lock, because these accounts are credited by many buyers' purchases at once — a
//!   row lock held to each commit would queue every sale of a big partner's leads behind one
//!   another (on PostgreSQL it capped the purchase benchmark, where half the leads come from one
//!   partner). A debit of an accrued account that must stay non-negative (a commission reversed,
//!   a payout) locks the row, settles the entries it can see into the balance, then checks and
//!   moves it like a wallet. Entries committed meanwhile stay unsettled and count next time, so
//!   a balance never counts an entry twice or loses one, whatever order ids commit in.

use chrono::{DateTime, Utc};
use leadmart_shared::ledger::{Account, LedgerError, Transfer, debit};
use leadmart_shared::money::{Credits, Money};
use rust_decimal::Decimal;

use crate::db::{Db, DbDecimal, Tx, enum_to_column};
use crate::error::ApiError;
use crate::with_tx;

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

/// Whether entries of `account` move its balance in place (see the module's notes).
fn moves_in_place(account: Account) -> bool {
    matches!(account, Account::BuyerWallet(_))
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
    // An entry is settled exactly when it moved its account's balance.
    // Both entries in one statement: a purchase posts one or two transfers, and each round trip is
    // time the buyer's wallet (and on SQLite the writer) stays locked.
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO ledger_entries \
         (transfer_id, account_id, delta, balance_after, settled, created_at) VALUES {}",
        (0..rows.len())
            .map(|i| {
                let n = i * 5;
                format!(
                    "($1, ${}, ${}, ${}, ${}, ${})",
                    n + 2,
                    n + 3,
                    n + 4,
                    n + 5,
                    n + 6
                )
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
                .bind(balance_after.is_some())
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

/// Finds (or opens) the account of an entry and, where the entry moves it (see the module's
/// notes), locks it and moves its balance by `delta`: `(account id, balance after)`, no balance
/// for an accrued entry.
async fn move_balance(
    tx: &mut Tx,
    account: Account,
    delta: Decimal,
) -> Result<(i64, Option<DbDecimal>), ApiError> {
    let key = account_key(account);
    let checked_debit = delta < Decimal::ZERO && account.must_stay_non_negative();
    let moves = moves_in_place(account) || checked_debit;
    let lock = if moves { tx.for_update() } else { "" };
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
    let balance_after = if moves {
        let balance = if moves_in_place(account) {
            balance
        } else {
            settle(tx, account_id, balance).await?
        };
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

/// Folds the unsettled entries of the (locked) account `account_id` that this transaction can
/// see into `balance`, marks exactly those settled, and returns the new balance (written by
/// the caller with the entry that needed it).
async fn settle(tx: &mut Tx, account_id: i64, balance: Decimal) -> Result<Decimal, ApiError> {
    let accrued = unsettled(tx, account_id).await?;
    let ids: Vec<i64> = accrued.iter().map(|(id, _)| *id).collect();
    // Marked by id, not by a range: on PostgreSQL an entry with a lower id may commit later.
    for chunk in ids.chunks(500) {
        let list = (1..=chunk.len())
            .map(|i| format!("${}", i + 1))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE ledger_entries SET settled = TRUE WHERE account_id = $1 AND id IN ({list})"
        ));
        with_tx!(tx, conn => {
            let mut query = sqlx::query(sql).bind(account_id);
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(conn).await?;
        });
    }
    Ok(balance + accrued.iter().map(|(_, delta)| *delta).sum::<Decimal>())
}

/// `(id, delta)` of the entries of `account_id` not yet settled into its balance.
async fn unsettled(tx: &mut Tx, account_id: i64) -> Result<Vec<(i64, Decimal)>, ApiError> {
    let rows: Vec<(i64, DbDecimal)> = with_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT id, delta FROM ledger_entries WHERE account_id = $1 AND NOT settled",
        )
        .bind(account_id)
        .fetch_all(conn)
        .await?
    });
    Ok(rows.into_iter().map(|(id, d)| (id, d.0)).collect())
}

/// The balance of a wallet (an account moved in place), locked for the rest of `tx`.
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

/// The balance of any account: its settled balance plus its unsettled entries, read in one
/// snapshot (zero when it has no entries yet).
pub async fn balance(db: &Db, account: Account) -> Result<Decimal, ApiError> {
    let key = account_key(account);
    let mut tx = db.begin_read().await?;
    let found: Option<(i64, DbDecimal)> = with_tx!(&mut tx, conn => {
        sqlx::query_as("SELECT id, balance FROM ledger_accounts WHERE account = $1")
            .bind(&key)
            .fetch_optional(conn)
            .await?
    });
    let Some((account_id, DbDecimal(settled))) = found else {
        return Ok(Decimal::ZERO);
    };
    let accrued = unsettled(&mut tx, account_id).await?;
    tx.commit().await?;
    Ok(settled + accrued.iter().map(|(_, delta)| *delta).sum::<Decimal>())
}

/// A wallet's balance as credits.
pub async fn wallet_credits(db: &Db, user_id: i64) -> Result<Credits, ApiError> {
    let user = leadmart_shared::ids::UserId::new(user_id).map_err(ApiError::corrupt)?;
    let raw = balance(db, Account::BuyerWallet(user)).await?;
    Credits::new(raw).map_err(ApiError::corrupt)
}
