//! The agent's edited message templates (`migrations/local/0009_message_templates.sql`).

use chrono::{DateTime, Utc};
use leadmart_shared::messages::{TemplateKind, TemplateText};

use super::{Cache, CacheError};

impl Cache {
    /// The templates the agent rewrote, by kind (a stored kind this build does not know is
    /// skipped: a newer version wrote it).
    pub async fn edited_templates(&self) -> Result<Vec<(TemplateKind, TemplateText)>, CacheError> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT kind, subject, body FROM message_templates ORDER BY kind")
                .fetch_all(self.personal()?)
                .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(kind, subject, body)| {
                TemplateKind::parse(&kind).map(|kind| (kind, TemplateText { subject, body }))
            })
            .collect())
    }

    pub async fn save_template(
        &self,
        kind: TemplateKind,
        text: &TemplateText,
        now: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        sqlx::query(
            "INSERT INTO message_templates (kind, subject, body, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (kind) DO UPDATE SET subject = excluded.subject, body = excluded.body, \
             updated_at = excluded.updated_at",
        )
        .bind(kind.as_str())
        .bind(&text.subject)
        .bind(&text.body)
        .bind(now.to_rfc3339())
        .execute(self.personal()?)
        .await?;
        Ok(())
    }

    /// Back to the stock words.
    pub async fn reset_template(&self, kind: TemplateKind) -> Result<(), CacheError> {
        sqlx::query("DELETE FROM message_templates WHERE kind = $1")
            .bind(kind.as_str())
            .execute(self.personal()?)
            .await?;
        Ok(())
    }
}
