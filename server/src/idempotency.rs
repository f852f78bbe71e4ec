//! Replayable writes: lead and credit purchases (`Idempotency-Key` header) and My Leads changes
//! (client mutation ids) store their first answer; the same key with the same request gets that answer
//! again and changes nothing; the same key with a different request is refused.
//!
//! The key row is inserted inside the write transaction, before the effect. On PostgreSQL a
//! concurrent retry's insert waits on the first one's row lock and then finds its committed
//! answer; on SQLite write transactions already run one after the other, so a lead purchase
//! there looks its key up in the read it makes anyway ([`lookup_columns`]) and inserts it with
//! its answer among its writes ([`insert_answered_into`]): no round trip of its own while it
//! holds the one writer. A failed request rolls back its key with everything else, so it can
//! be retried.
//!
//! Credit purchases call the payment provider between two transactions, so their answer is
//! stored after the effect ([`claim_open`], [`store_late`]): the key commits with the pending
//! payment it names, a retry that finds no answer yet resumes that payment (never a new one),
//! and a provider failure [`release`]s the key.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::db::{Batch, Db, Tx};
use crate::error::ApiError;
use crate::{with_pool, with_tx};

pub enum Claim {
    /// First use of the key: do the work, then [`store`] the answer.
    Fresh,
    /// The stored answer of the first use.
    Replay(String),
}

/// A claim for work whose answer is stored after its transaction (credit purchases, which
/// call the payment provider between two transactions).
pub enum OpenClaim {
    Fresh,
    Replay(String),
    /// The first use committed its effect but has no answer yet: it is still running, or it
    /// stopped before answering. The caller resumes that same effect instead of repeating it.
    Unanswered,
}

/// The `Idempotency-Key` header, if the request has one.
pub fn key_header(headers: &axum::http::HeaderMap) -> Result<Option<String>, ApiError> {
    headers
        .get("idempotency-key")
        .map(|v| {
            v.to_str()
                .map(str::to_owned)
                .map_err(|_| ApiError::validation("the Idempotency-Key header must be text"))
        })
        .transpose()
}

/// Fingerprint of a request: what it does (`method path`) and its body.
pub fn request_hash(action: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(action.as_bytes());
    hasher.update([0u8]);
    hasher.update(body);
    hex::encode(hasher.finalize())
}

pub async fn claim(
    tx: &mut Tx,
    user_id: i64,
    key: &str,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<Claim, ApiError> {
    match claim_open(tx, user_id, key, hash, now).await? {
        OpenClaim::Fresh => Ok(Claim::Fresh),
        OpenClaim::Replay(answer) => Ok(Claim::Replay(answer)),
        OpenClaim::Unanswered => Err(unanswered()),
    }
}

fn unanswered() -> ApiError {
    ApiError::corrupt("an idempotency key was committed without its answer")
}

fn validate(key: &str) -> Result<(), ApiError> {
    if key.is_empty() || key.len() > 200 {
        return Err(ApiError::validation(
            "an idempotency key has 1 to 200 characters",
        ));
    }
    Ok(())
}

/// Like [`claim`], for work that stores its answer after its own transaction.
pub async fn claim_open(
    tx: &mut Tx,
    user_id: i64,
    key: &str,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<OpenClaim, ApiError> {
    validate(key)?;
    let inserted = with_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, key) DO NOTHING",
        )
        .bind(user_id)
        .bind(key)
        .bind(hash)
        .bind(now)
        .execute(conn)
        .await?
        .rows_affected()
    });
    if inserted == 1 {
        return Ok(OpenClaim::Fresh);
    }
    let (stored_hash, response): (String, Option<String>) = with_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT request_hash, response FROM idempotency_keys WHERE user_id = $1 AND key = $2",
        )
        .bind(user_id)
        .bind(key)
        .fetch_one(conn)
        .await?
    });
    stored_claim(&stored_hash, response, hash)
}

/// The claim a key already stored for a request hashed `stored_hash` gives a request hashed
/// `hash`.
fn stored_claim(
    stored_hash: &str,
    response: Option<String>,
    hash: &str,
) -> Result<OpenClaim, ApiError> {
    if stored_hash != hash {
        return Err(ApiError::coded(
            StatusCode::UNPROCESSABLE_ENTITY,
            crate::error::ApiErrorCode::IdempotencyKeyReused,
            "this idempotency key was already used for a different request",
        ));
    }
    Ok(response.map_or(OpenClaim::Unanswered, OpenClaim::Replay))
}

/// Columns `idempotency_hash` and `idempotency_response` for a `SELECT` list: the stored request
/// hash and answer of key `key` of user `user` (placeholders or expressions), NULL when the key
/// is unused. Only for a transaction that excludes other writers from its start
/// ([`Tx::locks_rows`] false): nobody can insert the key between this read and the
/// transaction's [`insert_answered_into`].
pub fn lookup_columns(user: &str, key: &str) -> String {
    let row = format!("FROM idempotency_keys WHERE user_id = {user} AND key = {key}");
    format!(
        "(SELECT request_hash {row}) AS idempotency_hash, \
         (SELECT response {row}) AS idempotency_response"
    )
}

/// The claim that what [`lookup_columns`] read gives a request hashed `hash`: `Fresh` when the
/// key is unused (then record it with [`insert_answered_into`]).
pub fn looked_up_claim(
    key: &str,
    stored_hash: Option<String>,
    response: Option<String>,
    hash: &str,
) -> Result<Claim, ApiError> {
    validate(key)?;
    let Some(stored_hash) = stored_hash else {
        return Ok(Claim::Fresh);
    };
    match stored_claim(&stored_hash, response, hash)? {
        OpenClaim::Fresh => Ok(Claim::Fresh),
        OpenClaim::Replay(answer) => Ok(Claim::Replay(answer)),
        OpenClaim::Unanswered => Err(unanswered()),
    }
}

/// Records a key that [`looked_up_claim`] found fresh, with the answer, queued with the other
/// writes of `batch`.
pub fn insert_answered_into(
    batch: &mut Batch,
    user_id: i64,
    key: &str,
    hash: &str,
    response: &str,
    now: DateTime<Utc>,
) {
    batch.push(|b| {
        format!(
            "INSERT INTO idempotency_keys (user_id, key, request_hash, response, created_at) \
             VALUES ({}, {}, {}, {}, {})",
            b.bind(user_id),
            b.bind(key),
            b.bind(hash),
            b.bind(response),
            b.bind(now)
        )
    });
}

/// Stores the answer of an [`OpenClaim`]'s work, unless one is stored already (a concurrent
/// retry that finished first keeps its answer).
pub async fn store_late(db: &Db, user_id: i64, key: &str, response: &str) -> Result<(), ApiError> {
    with_pool!(db, pool => {
        sqlx::query(
            "UPDATE idempotency_keys SET response = $1 \
             WHERE user_id = $2 AND key = $3 AND response IS NULL",
        )
        .bind(response)
        .bind(user_id)
        .bind(key)
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// Frees a key whose work failed without an answer, so the same key may be tried again.
pub async fn release(tx: &mut Tx, user_id: i64, key: &str) -> Result<(), ApiError> {
    with_tx!(tx, conn => {
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND response IS NULL",
        )
        .bind(user_id)
        .bind(key)
        .execute(conn)
        .await?;
    });
    Ok(())
}

pub async fn store(tx: &mut Tx, user_id: i64, key: &str, response: &str) -> Result<(), ApiError> {
    let mut batch = tx.batch();
    store_into(&mut batch, user_id, key, response);
    batch.run(tx).await?;
    Ok(())
}

/// [`store`], queued with the other writes of `batch`.
pub fn store_into(batch: &mut Batch, user_id: i64, key: &str, response: &str) {
    batch.push(|b| {
        format!(
            "UPDATE idempotency_keys SET response = {} WHERE user_id = {} AND key = {}",
            b.bind(response),
            b.bind(user_id),
            b.bind(key)
        )
    });
}
