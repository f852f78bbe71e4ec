//! The change log's SQL and the device installs' applied sequence numbers.
//!
//! **Why the reader never skips a commit.** Each agent has a counter (`users.change_seq`); a
//! change takes the next value with an `UPDATE` of the agent's row, which on PostgreSQL locks
//! that row until the transaction ends. So two transactions that change one agent's data take
//! their numbers one after the other, and the second cannot commit a number before the first
//! has committed (or rolled back, which gives the number back). A reader that has seen number
//! `n` has therefore seen every number below it: "everything after my cursor" is exact, with no
//! gaps to wait out. On SQLite, write transactions run one at a time anyway.
//!
//! Ledger lines need no log rows: a buyer's wallet entries are written while the wallet row is
//! locked (the ledger moves wallets in place), so their ids already commit in order per wallet,
//! and the sync cursor carries the last entry id sent beside the change number.

use crate::db::{Batch, Tx};
use crate::error::ApiError;
use crate::with_tx;

/// What a change-log row names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Changed {
    /// A purchased lead of the agent (its purchase, pipeline, notes, contact log, refund).
    Lead(i64),
    /// The agent's preferences.
    Preferences,
}

impl Changed {
    fn columns(&self) -> (&'static str, String) {
        match self {
            Changed::Lead(id) => ("lead", id.to_string()),
            Changed::Preferences => ("preferences", String::new()),
        }
    }
}

/// Queues, in `batch`, the log row saying `what` of `user` changed. Two statements and no read,
/// so a purchase (which batches its writes) pays no extra round trip.
pub fn record_into(batch: &mut Batch, user: i64, what: &Changed) {
    let (kind, key) = what.columns();
    batch.push(|b| {
        format!(
            "UPDATE users SET change_seq = change_seq + 1 WHERE id = {}",
            b.bind(user)
        )
    });
    batch.push(|b| {
        let user = b.bind(user);
        format!(
            "INSERT INTO change_log (user_id, seq, kind, key) \
             SELECT {user}, change_seq, {}, {} FROM users WHERE id = {user}",
            b.bind(kind),
            b.bind(key.as_str())
        )
    });
}

/// Records, in `tx`, that `what` of `user` changed.
pub async fn record(tx: &mut Tx, user: i64, what: &Changed) -> Result<(), ApiError> {
    let mut batch = tx.batch();
    record_into(&mut batch, user, what);
    batch.run(tx).await?;
    Ok(())
}

/// A change-log row: `(seq, kind, key)`.
pub type ChangeRow = (i64, String, String);

/// Up to `limit` of `user`'s change-log rows after `after`, oldest first.
pub async fn changes_after(
    tx: &mut Tx,
    user: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<ChangeRow>, ApiError> {
    let rows = with_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT seq, kind, key FROM change_log WHERE user_id = $1 AND seq > $2 \
             ORDER BY seq LIMIT $3",
        )
        .bind(user)
        .bind(after)
        .bind(limit)
        .fetch_all(conn)
        .await?
    });
    Ok(rows)
}

/// How many of `user`'s change-log rows come after `after` (for progress: a thing changed
/// twice counts twice).
pub async fn changes_count_after(tx: &mut Tx, user: i64, after: i64) -> Result<i64, ApiError> {
    let count = with_tx!(tx, conn => {
        sqlx::query_scalar("SELECT COUNT(*) FROM change_log WHERE user_id = $1 AND seq > $2")
            .bind(user)
            .bind(after)
            .fetch_one(conn)
            .await?
    });
    Ok(count)
}

/// Parses a change-log row back into what it names.
pub fn changed_of(kind: &str, key: &str) -> Result<Changed, ApiError> {
    match kind {
        "lead" => key
            .parse()
            .map(Changed::Lead)
            .map_err(|_| ApiError::corrupt(format!("change log: lead key {key:?}"))),
        "preferences" => Ok(Changed::Preferences),
        other => Err(ApiError::corrupt(format!("change log: kind {other:?}"))),
    }
}

/// What became of a `seq` this install sent before.
pub enum Seen {
    /// Never seen: apply it.
    New,
    /// Applied before.
    Applied,
    /// Refused before, with this code and message.
    Rejected(String, String),
}

/// Whether `(user, install)` sent `seq` before, locking the install's row for this transaction
/// (so two deliveries of one batch cannot both apply a mutation).
pub async fn seen(tx: &mut Tx, user: i64, install: &str, seq: i64) -> Result<Seen, ApiError> {
    // The row must exist to be locked: a new install's first two deliveries would otherwise
    // both find nothing and both apply. The second insert waits for the first to commit.
    with_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO device_installs (user_id, install_id, last_seq) VALUES ($1, $2, 0) \
             ON CONFLICT (user_id, install_id) DO NOTHING",
        )
        .bind(user)
        .bind(install)
        .execute(conn)
        .await?;
    });
    let lock = tx.for_update();
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT last_seq FROM device_installs WHERE user_id = $1 AND install_id = $2{lock}"
    ));
    let last: i64 = with_tx!(tx, conn => {
        sqlx::query_scalar(sql).bind(user).bind(install).fetch_one(conn).await?
    });
    if seq > last {
        return Ok(Seen::New);
    }
    let rejected: Option<(String, String)> = with_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT code, message FROM rejected_mutations \
             WHERE user_id = $1 AND install_id = $2 AND seq = $3",
        )
        .bind(user)
        .bind(install)
        .bind(seq)
        .fetch_optional(conn)
        .await?
    });
    Ok(match rejected {
        Some((code, message)) => Seen::Rejected(code, message),
        None => Seen::Applied,
    })
}

/// Stores `seq` as the last one `(user, install)` had applied, in the transaction of its effect
/// (after [`seen`], which made the row).
pub async fn mark_applied(tx: &mut Tx, user: i64, install: &str, seq: i64) -> Result<(), ApiError> {
    with_tx!(tx, conn => {
        sqlx::query("UPDATE device_installs SET last_seq = $3 WHERE user_id = $1 AND install_id = $2")
        .bind(user)
        .bind(install)
        .bind(seq)
        .execute(conn)
        .await?;
    });
    Ok(())
}

/// Stores that `seq` was refused, so a replay gets the same answer.
pub async fn mark_rejected(
    tx: &mut Tx,
    user: i64,
    install: &str,
    seq: i64,
    code: &str,
    message: &str,
) -> Result<(), ApiError> {
    mark_applied(tx, user, install, seq).await?;
    with_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO rejected_mutations (user_id, install_id, seq, code, message) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(user)
        .bind(install)
        .bind(seq)
        .bind(code)
        .bind(message)
        .execute(conn)
        .await?;
    });
    Ok(())
}
