//! Accounts' SQL: users (created, read as `MeDto`, found by email for a password check),
//! session tokens (stored only as their hashes: issued in pairs, consumed, deleted by session,
//! looked up for a bearer), and failed sign-ins (counted, cleared, purged with dead tokens).

use chrono::{DateTime, Utc};
use leadmart_shared::account::Role;
use leadmart_shared::wire::MeDto;

use crate::db::Db;
use crate::error::ApiError;
use crate::with_pool;

/// A user row to insert: the email already parsed and lower-cased, the password hashed.
pub struct UserRow<'a> {
    pub email: &'a str,
    pub password_hash: String,
    pub name: &'a str,
    pub role: Role,
    pub verified: bool,
}

/// Inserts a user; `None` when the email is taken.
pub async fn insert_user(
    db: &Db,
    user: UserRow<'_>,
    now: DateTime<Utc>,
) -> Result<Option<i64>, ApiError> {
    let inserted = with_pool!(db, pool => {
        sqlx::query_scalar(
            "INSERT INTO users (email, password_hash, name, role, verified, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (email) DO NOTHING RETURNING id",
        )
        .bind(user.email)
        .bind(user.password_hash)
        .bind(user.name)
        .bind(user.role.as_str())
        .bind(user.verified)
        .bind(now)
        .fetch_optional(pool)
        .await?
    });
    Ok(inserted)
}

pub async fn load_me(db: &Db, user_id: i64) -> Result<MeDto, ApiError> {
    let row: Option<(i64, String, String, String, bool)> = with_pool!(db, pool => {
        sqlx::query_as("SELECT id, email, name, role, verified FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await?
    });
    let (id, email, name, role, verified) = row.ok_or_else(|| ApiError::not_found("user"))?;
    Ok(MeDto {
        id: id.to_string(),
        email,
        name,
        role: role.parse().map_err(ApiError::corrupt)?,
        verified,
    })
}

/// `(id, password hash, active)` of the account with this (lower-cased) email.
pub async fn password_of(db: &Db, email: &str) -> Result<Option<(i64, String, bool)>, ApiError> {
    let row = with_pool!(db, pool => {
        sqlx::query_as("SELECT id, password_hash, active FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(pool)
            .await?
    });
    Ok(row)
}

/// One token of a pair, by its hash.
pub struct TokenRow<'a> {
    pub hash: &'a str,
    pub expires_at: DateTime<Utc>,
}

/// Stores an access and a refresh token of `session`.
pub async fn insert_token_pair(
    db: &Db,
    session: &str,
    user_id: i64,
    access: TokenRow<'_>,
    refresh: TokenRow<'_>,
) -> Result<(), ApiError> {
    with_pool!(db, pool => {
        sqlx::query(
            "INSERT INTO auth_tokens (token_hash, session_id, user_id, kind, expires_at) \
             VALUES ($1, $2, $3, 'access', $4), ($5, $2, $3, 'refresh', $6)",
        )
        .bind(access.hash)
        .bind(session)
        .bind(user_id)
        .bind(access.expires_at)
        .bind(refresh.hash)
        .bind(refresh.expires_at)
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// Deletes the refresh token with this hash; `(user_id, session_id, expires_at)` when there was one.
pub async fn take_refresh(
    db: &Db,
    hash: &str,
) -> Result<Option<(i64, String, DateTime<Utc>)>, ApiError> {
    let found = with_pool!(db, pool => {
        sqlx::query_as(
            "DELETE FROM auth_tokens WHERE token_hash = $1 AND kind = 'refresh' \
             RETURNING user_id, session_id, expires_at",
        )
        .bind(hash)
        .fetch_optional(pool)
        .await?
    });
    Ok(found)
}

/// Deletes every token of a session.
pub async fn delete_session(db: &Db, session_id: &str) -> Result<(), ApiError> {
    with_pool!(db, pool => {
        sqlx::query("DELETE FROM auth_tokens WHERE session_id = $1")
            .bind(session_id)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// Deletes every token of the session the refresh token with this hash belongs to.
pub async fn delete_session_of_refresh(db: &Db, hash: &str) -> Result<(), ApiError> {
    with_pool!(db, pool => {
        sqlx::query(
            "DELETE FROM auth_tokens WHERE session_id IN \
             (SELECT session_id FROM auth_tokens WHERE token_hash = $1 AND kind = 'refresh')",
        )
        .bind(hash)
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// The holder of a live access token, by its hash.
#[derive(sqlx::FromRow)]
pub struct Bearer {
    pub id: i64,
    pub role: String,
    pub verified: bool,
    pub active: bool,
    pub session_id: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn bearer_of(
    db: &Db,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Bearer>, ApiError> {
    let bearer = with_pool!(db, pool => {
        sqlx::query_as(
            "SELECT u.id, u.role, u.verified, u.active, t.session_id, t.expires_at \
             FROM auth_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.kind = 'access' AND t.expires_at > $2",
        )
        .bind(hash)
        .bind(now)
        .fetch_optional(pool)
        .await?
    });
    Ok(bearer)
}

/// What failed sign-ins are counted by.
#[derive(Debug, Clone, Copy)]
pub enum Counted {
    Account,
    Address,
}

/// The time of the `offset`-th newest failure (from 0) of `key` after `since`.
pub async fn failure_at(
    db: &Db,
    counted: Counted,
    key: &str,
    since: DateTime<Utc>,
    offset: i64,
) -> Result<Option<DateTime<Utc>>, ApiError> {
    let sql = match counted {
        Counted::Account => {
            "SELECT failed_at FROM sign_in_failures WHERE account = $1 AND failed_at > $2 \
             ORDER BY failed_at DESC LIMIT 1 OFFSET $3"
        }
        Counted::Address => {
            "SELECT failed_at FROM sign_in_failures WHERE address = $1 AND failed_at > $2 \
             ORDER BY failed_at DESC LIMIT 1 OFFSET $3"
        }
    };
    Ok(with_pool!(db, pool => {
        sqlx::query_scalar(sql)
            .bind(key)
            .bind(since)
            .bind(offset)
            .fetch_optional(pool)
            .await?
    }))
}

pub async fn insert_failure(
    db: &Db,
    account: &str,
    address: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    with_pool!(db, pool => {
        sqlx::query("INSERT INTO sign_in_failures (account, address, failed_at) VALUES ($1, $2, $3)")
            .bind(account)
            .bind(address)
            .bind(now)
            .execute(pool)
            .await?;
    });
    Ok(())
}

pub async fn delete_account_failures(db: &Db, account: &str) -> Result<(), ApiError> {
    with_pool!(db, pool => {
        sqlx::query("DELETE FROM sign_in_failures WHERE account = $1")
            .bind(account)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// Deletes tokens expired at `now` and failures from before `failures_before`.
pub async fn purge(
    db: &Db,
    now: DateTime<Utc>,
    failures_before: DateTime<Utc>,
) -> Result<(), ApiError> {
    with_pool!(db, pool => {
        sqlx::query("DELETE FROM auth_tokens WHERE expires_at <= $1")
            .bind(now)
            .execute(pool)
            .await?;
        sqlx::query("DELETE FROM sign_in_failures WHERE failed_at <= $1")
            .bind(failures_before)
            .execute(pool)
            .await?;
    });
    Ok(())
}
