//! Opaque session tokens. The client holds random 256-bit tokens; the database holds only
//! their SHA-256, so a leaked database cannot be replayed as sessions.
//!
//! A session has one access token (short-lived, sent on every request) and one refresh token
//! (long-lived, sent only to `/v1/auth/refresh`). Refreshing rotates both: the old refresh token
//! stops working the moment it is used. The hashes are stored by [`super::store`].

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::store::{self, TokenRow};
use crate::db::Db;
use crate::error::ApiError;

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

pub fn random_hex(bytes: usize) -> String {
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
    let access_row = TokenRow {
        hash: &token_hash(&access),
        expires_at: access_expires_at,
    };
    let refresh_row = TokenRow {
        hash: &token_hash(&refresh),
        expires_at: now + config.refresh_ttl,
    };
    store::insert_token_pair(db, &session, user_id, access_row, refresh_row).await?;
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
    let found = store::take_refresh(db, &token_hash(refresh)).await?;
    let Some((user_id, session, expires_at)) = found else {
        return Ok(None);
    };
    end_session(db, &session).await?;
    Ok((expires_at > now).then_some((user_id, session)))
}

/// Signs a session out: every token of it stops working.
pub async fn end_session(db: &Db, session_id: &str) -> Result<(), ApiError> {
    store::delete_session(db, session_id).await
}

/// Signs out the session a refresh token belongs to (unknown tokens are ignored).
pub async fn end_session_of_refresh(db: &Db, refresh: &str) -> Result<(), ApiError> {
    store::delete_session_of_refresh(db, &token_hash(refresh)).await
}
