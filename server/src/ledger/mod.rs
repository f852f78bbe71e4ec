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

use crate::db::{Batch, Binder, Db, DbDecimal, Tx, enum_to_column};
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

/// Posts `transfer` inside `tx`.
pub async fn post<A: Copy + Into<Decimal>>(
    tx: &mut Tx,
    transfer: &Transfer<A>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let mut batch = tx.batch();
    post_into(tx, &mut batch, transfer, now).await?;
    batch.run(tx).await?;
    Ok(())
}

/// Posts `transfer` inside `tx` with its writes queued in `batch`, which the caller runs before
/// it commits or reads any of the accounts: the reads a balance move needs happen now, the
/// transfer row, the moves and the entries are queued.
pub async fn post_into<A: Copy + Into<Decimal>>(
    tx: &mut Tx,
    batch: &mut Batch,
    transfer: &Transfer<A>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let amount: Decimal = transfer.amount.into();
    batch.push(|b| {
        format!(
            "INSERT INTO ledger_transfers (reason, reference, amount, created_at) \
             VALUES ({}, {}, {}, {})",
            b.bind(enum_to_column(&transfer.reason)),
            b.bind(transfer.reference.as_str()),
            b.bind(DbDecimal(amount)),
            b.bind(now)
        )
    });
    let mut rows = Vec::new();
    for entry in transfer.entries() {
        rows.push((
            entry_account(tx, batch, entry.account, entry.delta).await?,
            entry.delta,
        ));
    }
    // An entry is settled exactly when it moved its account's balance. Its transfer is the row
    // inserted above: no statement between inserts another.
    let transfer_id = batch.just_inserted_id("ledger_transfers");
    batch.push(|b| {
        let values = rows
            .iter()
            .map(|((account, balance_after), delta)| {
                let account = match account {
                    AccountRef::Id(id) => b.bind(*id),
                    AccountRef::Key(key) => {
                        format!(
                            "(SELECT id FROM ledger_accounts WHERE account = {})",
                            b.bind(key.as_str())
                        )
                    }
                };
                format!(
                    "({transfer_id}, {account}, {}, {}, {}, {})",
                    b.bind(DbDecimal(*delta)),
                    b.bind(balance_after.map(DbDecimal)),
                    b.bind(balance_after.is_some()),
                    b.bind(now)
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "INSERT INTO ledger_entries \
             (transfer_id, account_id, delta, balance_after, settled, created_at) VALUES {values}"
        )
    });
    Ok(())
}

/// How an entry names its account: by id when this transaction already read it, else by key
/// (the account exists once the batch's earlier statements ran).
enum AccountRef {
    Id(i64),
    Key(String),
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

/// The account of an entry of `delta`, and its balance after the entry where the entry moves
/// it (see the module's notes; none for an accrued entry). An accrued entry's account is only
/// opened if missing (queued); a move locks and reads the account once per transaction and
/// queues the new balance.
async fn entry_account(
    tx: &mut Tx,
    batch: &mut Batch,
    account: Account,
    delta: Decimal,
) -> Result<(AccountRef, Option<Decimal>), ApiError> {
    let key = account_key(account);
    let checked_debit = delta < Decimal::ZERO && account.must_stay_non_negative();
    if !(moves_in_place(account) || checked_debit) {
        if !tx.account_known(&key) {
            batch.push(|b| open_account(b, &key, account));
            tx.ledger_opened.push(key.clone());
        }
        return Ok((AccountRef::Key(key), None));
    }
    let (account_id, balance) = match tx.ledger_locks.get(&key) {
        Some(&locked) => locked,
        None => lock_account(tx, account, &key).await?,
    };
    let after = next_balance(account, balance, delta)?;
    batch.push(|b| {
        format!(
            "UPDATE ledger_accounts SET balance = {} WHERE id = {}",
            b.bind(DbDecimal(after)),
            b.bind(account_id)
        )
    });
    tx.ledger_locks.insert(key, (account_id, after));
    Ok((AccountRef::Id(account_id), Some(after)))
}

/// Opens `account` with a zero balance unless it exists.
fn open_account(b: &mut Binder<'_>, key: &str, account: Account) -> String {
    format!(
        "INSERT INTO ledger_accounts (account, unit, non_negative, balance) \
         VALUES ({}, {}, {}, {}) ON CONFLICT (account) DO NOTHING",
        b.bind(key),
        b.bind(unit(account)),
        b.bind(account.must_stay_non_negative()),
        b.bind(DbDecimal(Decimal::new(0, 2)))
    )
}

/// Locks `account` (opening it if missing) for the rest of `tx` and reads its balance, with the
/// entries accrued into it settled for an accrued account: `(id, balance)`, remembered in the
/// transaction.
async fn lock_account(
    tx: &mut Tx,
    account: Account,
    key: &str,
) -> Result<(i64, Decimal), ApiError> {
    let lock = tx.for_update();
    let found = match select_account(tx, key, lock).await? {
        Some(found) => found,
        None => {
            let mut open = tx.batch();
            open.push(|b| open_account(b, key, account));
            open.run(tx).await?;
            select_account(tx, key, lock)
                .await?
                .ok_or_else(|| ApiError::corrupt(format!("ledger account {key} vanished")))?
        }
    };
    let (account_id, DbDecimal(balance)) = found;
    let balance = if moves_in_place(account) {
        balance
    } else {
        settle(tx, account_id, balance).await?
    };
    tx.ledger_locks
        .insert(key.to_owned(), (account_id, balance));
    Ok((account_id, balance))
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

/// The balance of a wallet (an account moved in place), locked for the rest of `tx` (zero
/// when it has no entries yet). A later entry of this transaction moves it without reading it
/// again.
pub async fn locked_balance(tx: &mut Tx, account: Account) -> Result<Decimal, ApiError> {
    let key = account_key(account);
    if let Some(&(_, balance)) = tx.ledger_locks.get(&key) {
        return Ok(balance);
    }
    let lock = tx.for_update();
    let Some((account_id, DbDecimal(balance))) = select_account(tx, &key, lock).await? else {
        return Ok(Decimal::ZERO);
    };
    if moves_in_place(account) {
        tx.ledger_locks.insert(key, (account_id, balance));
    }
    Ok(balance)
}

/// The balance of an accrued account (a partner's payable), locked for the rest of `tx` with
/// the entries accrued into it settled: what a debit of it may take.
pub async fn locked_accrued_balance(tx: &mut Tx, account: Account) -> Result<Decimal, ApiError> {
    let key = account_key(account);
    if let Some(&(_, balance)) = tx.ledger_locks.get(&key) {
        return Ok(balance);
    }
    Ok(lock_account(tx, account, &key).await?.1)
}

/// Records a wallet's balance that `tx` read itself, in a transaction that excludes other
/// writers from its start ([`Tx::locks_rows`] false), as if [`locked_balance`] had read it.
pub fn hold_read_in_place(tx: &mut Tx, account: Account, id: i64, balance: Decimal) {
    debug_assert!(!tx.locks_rows() && moves_in_place(account));
    tx.ledger_locks.insert(account_key(account), (id, balance));
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

#[cfg(test)]
mod tests {
    use super::*;
    use leadmart_shared::ids::UserId;
    use leadmart_shared::ledger::credit_purchase;

    /// An account a rolled-back transaction opened is not taken as existing afterwards (its
    /// entries would name no account); one a committed transaction opened is, and is not opened
    /// again.
    #[tokio::test]
    async fn only_committed_accounts_are_known_to_exist() {
        let dir = tempfile::tempdir().expect("dir");
        let db = Db::connect(&format!("sqlite://{}", dir.path().join("l.db").display()))
            .await
            .expect("db");
        db.migrate().await.expect("migrate");
        let buyer = UserId::new(7).expect("id");
        let ten = Credits::new(Decimal::TEN).expect("credits");
        let issued = account_key(Account::CreditsIssued);

        let mut rolled_back = db.begin_write().await.expect("begin");
        post(
            &mut rolled_back,
            &credit_purchase(buyer, ten, "payment:1", false),
            Utc::now(),
        )
        .await
        .expect("post");
        drop(rolled_back);
        let mut tx = db.begin_write().await.expect("begin");
        assert!(
            !tx.account_known(&issued),
            "a rolled-back opening is not known"
        );

        post(
            &mut tx,
            &credit_purchase(buyer, ten, "payment:2", false),
            Utc::now(),
        )
        .await
        .expect("post after a rollback opens the account again");
        tx.commit().await.expect("commit");
        let mut tx = db.begin_write().await.expect("begin");
        assert!(tx.account_known(&issued), "a committed opening is known");
        post(
            &mut tx,
            &credit_purchase(buyer, ten, "payment:3", false),
            Utc::now(),
        )
        .await
        .expect("post");
        assert!(
            tx.ledger_opened.is_empty(),
            "a known account is not opened again"
        );
        tx.commit().await.expect("commit");

        assert_eq!(
            balance(&db, Account::BuyerWallet(buyer))
                .await
                .expect("wallet"),
            Decimal::from(20)
        );
        assert_eq!(
            balance(&db, Account::CreditsIssued).await.expect("issued"),
            Decimal::from(-20)
        );
        db.close().await;
    }
}
