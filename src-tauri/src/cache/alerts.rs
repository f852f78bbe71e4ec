//! The cache's speed-to-lead log (`migrations/local/0005_lead_alerts.sql`): when each matched
//! lead's alert arrived, was shown and was opened.

use chrono::{DateTime, Utc};

use super::{Cache, CacheError};

/// One matched lead's alert times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadAlert {
    pub lead_id: String,
    pub event_id: i64,
    pub arrived_at: DateTime<Utc>,
    pub shown_at: Option<DateTime<Utc>>,
    pub opened_at: Option<DateTime<Utc>>,
}

/// A `lead_alerts` row as stored: lead, event, arrived, shown, opened.
type AlertRow = (String, i64, String, Option<String>, Option<String>);

fn time(text: Option<String>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// A row as a [`LeadAlert`]; `None` for an arrival time that does not parse.
fn alert((lead_id, event_id, arrived, shown, opened): AlertRow) -> Option<LeadAlert> {
    Some(LeadAlert {
        lead_id,
        event_id,
        arrived_at: time(Some(arrived))?,
        shown_at: time(shown),
        opened_at: time(opened),
    })
}

impl Cache {
    /// The `lead.matched` of `lead_id` arrived (the first arrival is kept).
    pub async fn alert_arrived(
        &self,
        lead_id: &str,
        event_id: i64,
        at: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        sqlx::query(
            "INSERT INTO lead_alerts (lead_id, event_id, arrived_at) VALUES ($1, $2, $3) \
             ON CONFLICT (lead_id) DO NOTHING",
        )
        .bind(lead_id)
        .bind(event_id)
        .bind(at.to_rfc3339())
        .execute(self.personal()?)
        .await?;
        Ok(())
    }

    /// Its notification was shown (the first time: a snoozed one shows again).
    pub async fn alert_shown(&self, lead_id: &str, at: DateTime<Utc>) -> Result<(), CacheError> {
        self.stamp(
            "UPDATE lead_alerts SET shown_at = $1 WHERE lead_id = $2 AND shown_at IS NULL",
            lead_id,
            at,
        )
        .await
    }

    /// The agent opened it from its notification (the first time).
    pub async fn alert_opened(&self, lead_id: &str, at: DateTime<Utc>) -> Result<(), CacheError> {
        self.stamp(
            "UPDATE lead_alerts SET opened_at = $1 WHERE lead_id = $2 AND opened_at IS NULL",
            lead_id,
            at,
        )
        .await
    }

    async fn stamp(
        &self,
        update: &'static str,
        lead_id: &str,
        at: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        sqlx::query(update)
            .bind(at.to_rfc3339())
            .bind(lead_id)
            .execute(self.personal()?)
            .await?;
        Ok(())
    }

    pub async fn lead_alert(&self, lead_id: &str) -> Result<Option<LeadAlert>, CacheError> {
        let row: Option<AlertRow> = sqlx::query_as(
            "SELECT lead_id, event_id, arrived_at, shown_at, opened_at FROM lead_alerts \
             WHERE lead_id = $1",
        )
        .bind(lead_id)
        .fetch_optional(self.personal()?)
        .await?;
        Ok(row.and_then(alert))
    }

    /// Every matched lead's alert times, oldest arrival first (the speed-to-lead log).
    pub async fn lead_alerts(&self) -> Result<Vec<LeadAlert>, CacheError> {
        let rows: Vec<AlertRow> = sqlx::query_as(
            "SELECT lead_id, event_id, arrived_at, shown_at, opened_at FROM lead_alerts \
             ORDER BY arrived_at",
        )
        .fetch_all(self.personal()?)
        .await?;
        Ok(rows.into_iter().filter_map(alert).collect())
    }

    /// Notes that the agent was reminded of `lead_id`'s closing refund window; `false` when
    /// they already were (`migrations/local/0010_refund_reminders.sql`).
    pub async fn refund_reminded(
        &self,
        lead_id: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, CacheError> {
        let written = sqlx::query(
            "INSERT INTO refund_reminders (lead_id, reminded_at) VALUES ($1, $2) \
             ON CONFLICT (lead_id) DO NOTHING",
        )
        .bind(lead_id)
        .bind(at.to_rfc3339())
        .execute(self.personal()?)
        .await?;
        Ok(written.rows_affected() == 1)
    }
}
