//! What Billing and Settings read when the API does not answer: the statement lines and the
//! preferences sync brought (server-owned, see `0007_outbox.sql`), and the last credit value the
//! marketplace stated, to give the balance its worth.

use leadmart_shared::wire::{AgentPreferencesDto, CreditValueDto, LedgerLine, LedgerPage};
use rust_decimal::Decimal;

use super::{Cache, CacheError};

/// A cursor into the cached statement (the server's cursors are opaque and never start so).
const OFFLINE_CURSOR: &str = "cached:";

impl Cache {
    /// Up to `limit` cached statement lines, newest first, after `cursor` (one this gave).
    pub async fn ledger_page(
        &self,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<LedgerPage, CacheError> {
        let before = cursor
            .and_then(|c| c.strip_prefix(OFFLINE_CURSOR))
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or(i64::MAX);
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, body FROM ledger_lines WHERE id < $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(before)
        .bind(i64::from(limit) + 1)
        .fetch_all(self.personal()?)
        .await?;
        let more = rows.len() > limit as usize;
        let lines = rows
            .iter()
            .take(limit as usize)
            .map(|(_, body)| serde_json::from_str::<LedgerLine>(body))
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = more
            .then(|| {
                rows.get(limit as usize - 1)
                    .map(|(id, _)| format!("{OFFLINE_CURSOR}{id}"))
            })
            .flatten();
        Ok(LedgerPage { lines, next_cursor })
    }

    /// The balance after the newest cached statement line.
    pub async fn cached_balance(&self) -> Result<Option<Decimal>, CacheError> {
        Ok(self
            .ledger_page(None, 1)
            .await?
            .lines
            .first()
            .map(|line| line.balance_after))
    }

    /// The preferences as sync last brought them.
    pub async fn cached_preferences(&self) -> Result<Option<AgentPreferencesDto>, CacheError> {
        self.personal()?;
        match self.state("preferences").await? {
            Some(json) => Ok(Some(serde_json::from_str(&json)?)),
            None => Ok(None),
        }
    }

    pub async fn remember_credit_value(&self, value: &CreditValueDto) -> Result<(), CacheError> {
        self.personal()?;
        self.set_state("credit_value", &serde_json::to_string(value)?)
            .await
    }

    pub async fn credit_value(&self) -> Result<Option<CreditValueDto>, CacheError> {
        self.personal()?;
        match self.state("credit_value").await? {
            Some(json) => Ok(Some(serde_json::from_str(&json)?)),
            None => Ok(None),
        }
    }
}
