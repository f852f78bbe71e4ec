//! Preferences' SQL: an agent's preferences are one JSON document per agent
//! (`agent_preferences.body`), read alone and saved whole (a purchase reads the body with its
//! lead, in `purchases::store`).

use chrono::Utc;
use leadmart_shared::wire::AgentPreferencesDto;

use super::empty;
use crate::db::Db;
use crate::error::ApiError;
use crate::{with_pool, with_tx};

pub(super) fn parse_stored(body: Option<String>) -> Result<AgentPreferencesDto, ApiError> {
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

/// Saves the agent's preferences and logs the change for sync, in one transaction.
pub async fn save(db: &Db, user: i64, prefs: &AgentPreferencesDto) -> Result<(), ApiError> {
    let body = serde_json::to_string(prefs).map_err(ApiError::corrupt)?;
    let mut tx = db.begin_write().await?;
    with_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO agent_preferences (user_id, body, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        )
        .bind(user)
        .bind(body)
        .bind(Utc::now())
        .execute(conn)
        .await?;
    });
    crate::sync::store::record(&mut tx, user, &crate::sync::store::Changed::Preferences).await?;
    tx.commit().await?;
    Ok(())
}
