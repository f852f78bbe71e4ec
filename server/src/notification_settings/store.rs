//! Notification settings' SQL: one JSON document (the shared `NotificationSettings`) per agent.

use leadmart_shared::notifications::NotificationSettings;

use crate::db::{self, Db};
use crate::error::ApiError;
use crate::with_pool;

/// The agent's settings (the defaults until they save some).
pub async fn load(db: &Db, user: i64) -> Result<NotificationSettings, ApiError> {
    let body: Option<String> = with_pool!(db, pool => {
        sqlx::query_scalar("SELECT body FROM notification_settings WHERE user_id = $1")
            .bind(user)
            .fetch_optional(pool)
            .await?
    });
    body.map(|b| serde_json::from_str(&b).map_err(ApiError::corrupt))
        .transpose()
        .map(Option::unwrap_or_default)
}

pub async fn save(db: &Db, user: i64, settings: &NotificationSettings) -> Result<(), ApiError> {
    let body = serde_json::to_string(settings).map_err(ApiError::corrupt)?;
    with_pool!(db, pool => {
        sqlx::query(
            "INSERT INTO notification_settings (user_id, body, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        )
        .bind(user)
        .bind(body)
        .bind(db::now())
        .execute(pool)
        .await?;
    });
    Ok(())
}
