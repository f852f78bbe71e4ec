//! Replayable writes: purchases (`Idempotency-Key` header) and My Leads changes (client
//! mutation ids) store their first answer; the same key with the same request gets that answer
//! again and changes nothing; the same key with a different request is refused.
//!
//! The key row is inserted inside the write transaction, before the effect. On PostgreSQL a
//! concurrent retry's insert waits on the first one's row lock and then finds its committed
//! answer; on SQLite `BEGIN IMMEDIATE` already runs them one after the other. A failed request
//! rolls back its key with everything else, so it can be retried.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::db::Tx;
use crate::error::ApiError;
use crate::with_tx;

pub enum Claim {
    /// First use of the key: do the work, then [`store`] the answer.
    Fresh,
    /// The stored answer of the first use.
    Replay(String),
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
    if key.is_empty() || key.len() > 200 {
        return Err(ApiError::validation(
            "an idempotency key has 1 to 200 characters",
        ));
    }
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
        return Ok(Claim::Fresh);
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
    if stored_hash != hash {
        return Err(ApiError::coded(
            StatusCode::UNPROCESSABLE_ENTITY,
            crate::error::ApiErrorCode::IdempotencyKeyReused,
            "this idempotency key was already used for a different request",
        ));
    }
    response
        .map(Claim::Replay)
        .ok_or_else(|| ApiError::corrupt("an idempotency key was committed without its answer"))
}

pub async fn store(tx: &mut Tx, user_id: i64, key: &str, response: &str) -> Result<(), ApiError> {
    with_tx!(tx, conn => {
        sqlx::query("UPDATE idempotency_keys SET response = $1 WHERE user_id = $2 AND key = $3")
            .bind(response)
            .bind(user_id)
            .bind(key)
            .execute(conn)
            .await?;
    });
    Ok(())
}
