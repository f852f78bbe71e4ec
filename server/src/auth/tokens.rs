//! Opaque session tokens. The client holds random 256-bit tokens; the database holds only
//! their SHA-256, so a leaked database cannot be replayed as sessions.
//!
//! A session has one access token (short-lived, sent on every request) and one refresh token
//! (long-lived, sent only to `/v1/auth/refresh`). Refreshing rotates both: the old refresh token
//! stops working the moment it is used.

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::Db;
use crate::error::ApiError;
use crate::with_pool;

/// How long tokens live (configuration, with DESIGN.md-style defaults).
#[derive(Debug, Clone)]
pub struct TokenConfig {
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

impl Default for TokenConfig {
    fn default() -> Self {
        Self {
            access_ttl: Duration::minutes(15),
            refresh_ttl: Duration::days(30),
        }
    }
}

/// A freshly issued pair, in clear: returned to the client once and never stored.
pub struct IssuedTokens {
    pub access: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh: String,
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Issues a new access + refresh pair in `session_id` (a new session when `None`).
pub async fn issue(
    db: &Db,
    user_id: i64,
    session_id: Option<String>,
    config: &TokenConfig,
    now: DateTime<Utc>,
) -> Result<IssuedTokens, ApiError> {
    let session = session_id.unwrap_or_else(|| random_hex(16));
    let access = random_hex(32);
    let refresh = random_hex(32);
    let access_expires_at = now + config.access_ttl;
    let refresh_expires_at = now + config.refresh_ttl;
    with_pool!(db, pool => {
        sqlx::query(
            "INSERT INTO auth_tokens (token_hash, session_id, user_id, kind, expires_at) \
             VALUES ($1, $2, $3, 'access', $4), ($5, $2, $3, 'refresh', $6)",
        )
        .bind(token_hash(&access))
        .bind(&session)
        .bind(user_id)
        .bind(access_expires_at)
        .bind(token_hash(&refresh))
        .bind(refresh_expires_at)
        .execute(pool)
        .await?;
    });
    Ok(IssuedTokens {
        access,
        access_expires_at,
        refresh,
    })
}

/// Consumes a refresh token: deletes the whole session it belongs to and returns
/// `(user_id, session_id)` so a new pair can be issued in the same session. `None` when the
/// token is unknown, already used or expired.
pub async fn consume_refresh(
    db: &Db,
    refresh: &str,
    now: DateTime<Utc>,
) -> Result<Option<(i64, String)>, ApiError> {
    let found: Option<(i64, String, DateTime<Utc>)> = with_pool!(db, pool => {
        sqlx::query_as(
            "DELETE FROM auth_tokens WHERE token_hash = $1 AND kind = 'refresh' \
             RETURNING user_id, session_id, expires_at",
        )
        .bind(token_hash(refresh))
        .fetch_optional(pool)
        .await?
    });
    let Some((user_id, session, expires_at)) = found else {
        return Ok(None);
    };
    end_session(db, &session).await?;
    Ok((expires_at > now).then_some((user_id, session)))
}

/// Signs a session out: every token of it stops working.
pub async fn end_session(db: &Db, session_id: &str) -> Result<(), ApiError> {
    with_pool!(db, pool => {
        sqlx::query("DELETE FROM auth_tokens WHERE session_id = $1")
            .bind(session_id)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// Signs out the session a refresh token belongs to (unknown tokens are ignored).
pub async fn end_session_of_refresh(db: &Db, refresh: &str) -> Result<(), ApiError> {
    with_pool!(db, pool => {
        sqlx::query(
            "DELETE FROM auth_tokens WHERE session_id IN \
             (SELECT session_id FROM auth_tokens WHERE token_hash = $1 AND kind = 'refresh')",
        )
        .bind(token_hash(refresh))
        .execute(pool)
        .await?;
    });
    Ok(())
}
