//! The outbox (device-owned edits waiting for the server) and the application of sync pages
//! (server-owned state), each in one local transaction. See `migrations/local/0007_outbox.sql`.

use chrono::{DateTime, Utc};
use leadmart_shared::error_code::ApiErrorCode;
use leadmart_shared::wire::PurchasedLead;
use leadmart_shared::wire::sync::{LeadChange, SyncChange, SyncPage};
use serde::Serialize;
use specta::Type;

use super::{Cache, CacheError, UPSERT_STATE};

/// An edit in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    pub seq: u32,
    pub lead_id: String,
    pub change: LeadChange,
    pub created_at: DateTime<Utc>,
    /// `None` while it waits; the server's refusal once it was refused.
    pub problem: Option<SyncProblem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncProblem {
    pub code: ApiErrorCode,
    pub message: String,
}

type OutboxRow = (i64, String, String, String, Option<String>, Option<String>);

impl Cache {
    /// Writes `change` of `lead_id` to the outbox (one statement: one local transaction).
    pub async fn enqueue(
        &self,
        lead_id: &str,
        change: &LeadChange,
        now: DateTime<Utc>,
    ) -> Result<u32, CacheError> {
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO outbox (lead_id, change, created_at) VALUES ($1, $2, $3) RETURNING seq",
        )
        .bind(lead_id)
        .bind(serde_json::to_string(change)?)
        .bind(now.to_rfc3339())
        .fetch_one(self.personal()?)
        .await?;
        Ok(seq_of(seq))
    }

    /// Every outbox entry, oldest first: waiting ones and refused ones.
    pub async fn outbox(&self) -> Result<Vec<OutboxEntry>, CacheError> {
        let rows: Vec<OutboxRow> = sqlx::query_as(
            "SELECT seq, lead_id, change, created_at, error_code, error_message FROM outbox \
             ORDER BY seq",
        )
        .fetch_all(self.personal()?)
        .await?;
        rows.into_iter().map(entry_of).collect()
    }

    /// Up to `limit` entries waiting to be sent, oldest first.
    pub async fn pending(&self, limit: i64) -> Result<Vec<OutboxEntry>, CacheError> {
        let rows: Vec<OutboxRow> = sqlx::query_as(
            "SELECT seq, lead_id, change, created_at, error_code, error_message FROM outbox \
             WHERE status = 'pending' ORDER BY seq LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.personal()?)
        .await?;
        rows.into_iter().map(entry_of).collect()
    }

    /// The server took (or had taken) entry `seq`.
    pub async fn settle(&self, seq: u32) -> Result<(), CacheError> {
        sqlx::query("DELETE FROM outbox WHERE seq = $1")
            .bind(i64::from(seq))
            .execute(self.personal()?)
            .await?;
        Ok(())
    }

    /// The server refused entry `seq`: it stays, with the reason, for the agent to see.
    pub async fn refuse(&self, seq: u32, problem: &SyncProblem) -> Result<(), CacheError> {
        sqlx::query(
            "UPDATE outbox SET status = 'rejected', error_code = $2, error_message = $3 \
             WHERE seq = $1",
        )
        .bind(i64::from(seq))
        .bind(problem.code.as_str())
        .bind(&problem.message)
        .execute(self.personal()?)
        .await?;
        Ok(())
    }

    /// Sends a refused entry again, as a new edit at the end of the outbox (a new seq: the
    /// server answers an old one with its old refusal).
    pub async fn retry(&self, seq: u32) -> Result<(), CacheError> {
        let mut tx = super::write_tx(self.personal()?).await?;
        let moved = sqlx::query(
            "INSERT INTO outbox (lead_id, change, created_at) \
             SELECT lead_id, change, created_at FROM outbox WHERE seq = $1 AND status = 'rejected'",
        )
        .bind(i64::from(seq))
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 1 {
            sqlx::query("DELETE FROM outbox WHERE seq = $1")
                .bind(i64::from(seq))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Drops a refused entry (the agent chose to).
    pub async fn discard(&self, seq: u32) -> Result<(), CacheError> {
        sqlx::query("DELETE FROM outbox WHERE seq = $1 AND status = 'rejected'")
            .bind(i64::from(seq))
            .execute(self.personal()?)
            .await?;
        Ok(())
    }

    /// This user's install id on this computer, made on first use.
    pub async fn install_id(&self, new_id: impl FnOnce() -> String) -> Result<String, CacheError> {
        self.personal()?;
        if let Some(id) = self.state("install_id").await? {
            return Ok(id);
        }
        let id = new_id();
        sqlx::query(
            "INSERT INTO sync_state (key, value) VALUES ('install_id', $1) \
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(&id)
        .execute(self.personal()?)
        .await?;
        Ok(self.state("install_id").await?.unwrap_or(id))
    }

    /// The cursor of the last sync page applied.
    pub async fn sync_cursor(&self) -> Result<String, CacheError> {
        self.personal()?;
        Ok(self.state("sync_cursor").await?.unwrap_or_default())
    }

    /// Applies a sync page and its cursor in one transaction: a crash leaves both or neither.
    pub async fn apply_sync_page(
        &self,
        page: &SyncPage,
        synced_at: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        let mut tx = super::write_tx(self.personal()?).await?;
        for change in &page.changes {
            match change {
                SyncChange::Lead { lead } => save_lead(&mut tx, lead).await?,
                SyncChange::LeadRemoved { lead_id } => {
                    sqlx::query("DELETE FROM purchased_leads WHERE lead_id = $1")
                        .bind(lead_id)
                        .execute(&mut *tx)
                        .await?;
                }
                SyncChange::Ledger { line } => {
                    sqlx::query(
                        "INSERT INTO ledger_lines (id, at, body) VALUES ($1, $2, $3) \
                         ON CONFLICT (id) DO NOTHING",
                    )
                    .bind(line.id.parse::<i64>().unwrap_or_default())
                    .bind(line.at.to_rfc3339())
                    .bind(serde_json::to_string(line)?)
                    .execute(&mut *tx)
                    .await?;
                }
                SyncChange::Preferences { preferences } => {
                    sqlx::query(UPSERT_STATE)
                        .bind("preferences")
                        .bind(serde_json::to_string(preferences)?)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        for (key, value) in [
            ("sync_cursor", page.cursor.clone()),
            ("my_leads_synced_at", synced_at.to_rfc3339()),
        ] {
            sqlx::query(UPSERT_STATE)
                .bind(key)
                .bind(value)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Replaces the cached copy of one purchased lead (the server's answer wins).
pub(super) async fn save_lead(
    tx: &mut sqlx::SqliteConnection,
    lead: &PurchasedLead,
) -> Result<(), CacheError> {
    sqlx::query(
        "INSERT INTO purchased_leads (lead_id, purchase_id, purchased_at, body) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (lead_id) DO UPDATE SET \
         purchase_id = excluded.purchase_id, purchased_at = excluded.purchased_at, \
         body = excluded.body",
    )
    .bind(&lead.lead.card.id)
    .bind(&lead.purchase_id)
    .bind(lead.purchased_at.to_rfc3339())
    .bind(serde_json::to_string(lead)?)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

fn seq_of(seq: i64) -> u32 {
    u32::try_from(seq).unwrap_or(u32::MAX)
}

fn entry_of(row: OutboxRow) -> Result<OutboxEntry, CacheError> {
    let (seq, lead_id, change, created_at, code, message) = row;
    let created_at = DateTime::parse_from_rfc3339(&created_at)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default();
    Ok(OutboxEntry {
        seq: seq_of(seq),
        lead_id,
        change: serde_json::from_str(&change)?,
        created_at,
        problem: code.map(|code| SyncProblem {
            code: ApiErrorCode::parse(&code),
            message: message.unwrap_or_default(),
        }),
    })
}
