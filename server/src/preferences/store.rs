//! Preferences' SQL: an agent's preferences are one JSON document per agent
//! (`agent_preferences.body`), read alone, with the agent's flags from `users` (inside a
//! purchase), or only for its time zone, and saved whole.

use chrono::Utc;
use leadmart_shared::wire::AgentPreferencesDto;

use super::{AgentFlags, empty};
use crate::db::{Db, Tx};
use crate::error::ApiError;
use crate::{with_pool, with_tx};

fn parse_stored(body: Option<String>) -> Result<AgentPreferencesDto, ApiError> {
    body.map(|b| serde_json::from_str(&b).map_err(ApiError::corrupt))
        .transpose()
        .map(|p| p.unwrap_or_else(empty))
}

/// The agent's preferences ([`empty`] until they save some).
pub async fn load(db: &Db, user: i64) -> Result<AgentPreferencesDto, ApiError> {
    let body: Option<String> = with_pool!(db, pool => {
        sqlx::query_scalar("SELECT body FROM agent_preferences WHERE user_id = $1")
            .bind(user)
            .fetch_optional(pool)
            .await?
    });
    parse_stored(body)
}

/// Who the agent is to the rules and what they prefer, read inside a purchase transaction.
pub async fn flags_and_preferences_in(
    tx: &mut Tx,
    user: i64,
) -> Result<(AgentFlags, AgentPreferencesDto), ApiError> {
    let (role, verified, active, body): (String, bool, bool, Option<String>) = with_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT u.role, u.verified, u.active, p.body FROM users u \
             LEFT JOIN agent_preferences p ON p.user_id = u.id WHERE u.id = $1",
        )
        .bind(user)
        .fetch_one(conn)
        .await?
    });
    let flags = AgentFlags {
        id: user,
        role: role.parse().map_err(ApiError::corrupt)?,
        verified,
        active,
    };
    Ok((flags, parse_stored(body)?))
}

pub async fn save(db: &Db, user: i64, prefs: &AgentPreferencesDto) -> Result<(), ApiError> {
    let body = serde_json::to_string(prefs).map_err(ApiError::corrupt)?;
    with_pool!(db, pool => {
        sqlx::query(
            "INSERT INTO agent_preferences (user_id, body, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        )
        .bind(user)
        .bind(body)
        .bind(Utc::now())
        .execute(pool)
        .await?;
    });
    Ok(())
}
