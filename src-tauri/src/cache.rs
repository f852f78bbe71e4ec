//! The app's local SQLite cache (`migrations/local`): WAL, busy timeout, foreign keys, migrations
//! applied at start-up with a backup of the previous file taken first.
//!
//! Ownership of each table is written next to it in the migrations: server-owned tables are
//! replaced by sync; device-owned ones (the outbox, later) are never overwritten by the server.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use leadmart_shared::wire::{LeadCard, MeDto, PurchasedLead};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

const UPSERT_STATE: &str = "INSERT INTO sync_state (key, value) VALUES ($1, $2) \
     ON CONFLICT (key) DO UPDATE SET value = excluded.value";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/local");

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("could not create the data folder {path}: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("local database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("local database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("a cached record could not be read: {0}")]
    Corrupt(#[from] serde_json::Error),
}

#[derive(Debug, Clone)]
pub struct Cache {
    pool: SqlitePool,
}

/// The last marketplace page the app saw, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedFeed {
    pub leads: Vec<LeadCard>,
    pub synced_at: Option<DateTime<Utc>>,
}

impl Cache {
    /// Opens (creating if needed) the cache at `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self, CacheError> {
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(|source| CacheError::Folder {
                path: folder.to_owned(),
                source,
            })?;
        }
        let existed = path.exists();
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        let cache = Self { pool };
        if existed {
            cache.backup_before_migrating(path).await?;
        }
        MIGRATOR.run(&cache.pool).await?;
        Ok(cache)
    }

    /// Copies the database aside (`cache.db.bak-vN`) when migrations newer than its schema are
    /// about to run, so a bad migration never costs a user their offline edits.
    async fn backup_before_migrating(&self, path: &Path) -> Result<(), CacheError> {
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.pool)
                .await
                .unwrap_or(None);
        let latest = MIGRATOR.iter().map(|m| m.version).max();
        if let (Some(applied), Some(latest)) = (applied, latest)
            && applied < latest
        {
            let backup = path.with_extension(format!("db.bak-v{applied}"));
            let _ = std::fs::remove_file(&backup);
            sqlx::query("VACUUM INTO $1")
                .bind(backup.to_string_lossy().into_owned())
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Replaces the cached marketplace page with `leads`, seen at `synced_at`.
    pub async fn replace_marketplace(
        &self,
        leads: &[LeadCard],
        synced_at: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM marketplace_leads")
            .execute(&mut *tx)
            .await?;
        for (position, lead) in leads.iter().enumerate() {
            sqlx::query("INSERT INTO marketplace_leads (id, position, card) VALUES ($1, $2, $3)")
                .bind(&lead.id)
                .bind(i64::try_from(position).unwrap_or(i64::MAX))
                .bind(serde_json::to_string(lead)?)
                .execute(&mut *tx)
                .await?;
        }
        // In the same transaction: the page and its timestamp are never out of step.
        sqlx::query(UPSERT_STATE)
            .bind("marketplace_synced_at")
            .bind(synced_at.to_rfc3339())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The cached marketplace page, in the order the server gave it.
    pub async fn marketplace(&self) -> Result<CachedFeed, CacheError> {
        let cards: Vec<String> =
            sqlx::query_scalar("SELECT card FROM marketplace_leads ORDER BY position")
                .fetch_all(&self.pool)
                .await?;
        let leads = cards
            .iter()
            .map(|card| serde_json::from_str(card))
            .collect::<Result<Vec<LeadCard>, _>>()?;
        let synced_at = self.time_state("marketplace_synced_at").await?;
        Ok(CachedFeed { leads, synced_at })
    }

    /// Remembers who signed in (not a secret: no tokens), so an offline restart knows the user.
    pub async fn remember_user(&self, user: &MeDto) -> Result<(), CacheError> {
        self.set_state("signed_in_user", &serde_json::to_string(user)?)
            .await
    }

    pub async fn signed_in_user(&self) -> Result<Option<MeDto>, CacheError> {
        match self.state("signed_in_user").await? {
            Some(json) => Ok(Some(serde_json::from_str(&json)?)),
            None => Ok(None),
        }
    }

    /// Forgets the signed-in user and their purchased leads (on sign-out).
    pub async fn forget_user(&self) -> Result<(), CacheError> {
        let mut tx = self.pool.begin().await?;
        for sql in [
            "DELETE FROM sync_state WHERE key IN ('signed_in_user', 'my_leads_synced_at')",
            "DELETE FROM purchased_leads",
            "DELETE FROM purchase_attempts",
        ] {
            sqlx::query(sql).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Saves purchased leads as the server just described them (its answer wins).
    pub async fn save_purchased(&self, leads: &[PurchasedLead]) -> Result<(), CacheError> {
        let mut tx = self.pool.begin().await?;
        for lead in leads {
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
        }
        tx.commit().await?;
        Ok(())
    }

    /// Replaces every purchased lead with the server's full list, seen at `synced_at`.
    pub async fn replace_purchased(
        &self,
        leads: &[PurchasedLead],
        synced_at: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        sqlx::query("DELETE FROM purchased_leads")
            .execute(&self.pool)
            .await?;
        self.save_purchased(leads).await?;
        self.set_state("my_leads_synced_at", &synced_at.to_rfc3339())
            .await
    }

    /// Every cached purchased lead, newest purchase first, and when the list was last synced.
    pub async fn purchased(
        &self,
    ) -> Result<(Vec<PurchasedLead>, Option<DateTime<Utc>>), CacheError> {
        let bodies: Vec<String> = sqlx::query_scalar(
            "SELECT body FROM purchased_leads ORDER BY purchased_at DESC, lead_id DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        let leads = bodies
            .iter()
            .map(|body| serde_json::from_str(body))
            .collect::<Result<Vec<PurchasedLead>, _>>()?;
        Ok((leads, self.time_state("my_leads_synced_at").await?))
    }

    pub async fn purchased_lead(&self, lead_id: &str) -> Result<Option<PurchasedLead>, CacheError> {
        let body: Option<String> =
            sqlx::query_scalar("SELECT body FROM purchased_leads WHERE lead_id = $1")
                .bind(lead_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
    }

    /// The Idempotency-Key of the unanswered purchase of `lead_id`, or a new one from `new_key`.
    pub async fn purchase_attempt_key(
        &self,
        lead_id: &str,
        new_key: impl FnOnce() -> String,
        now: DateTime<Utc>,
    ) -> Result<String, CacheError> {
        let existing: Option<String> =
            sqlx::query_scalar("SELECT idempotency_key FROM purchase_attempts WHERE lead_id = $1")
                .bind(lead_id)
                .fetch_optional(&self.pool)
                .await?;
        if let Some(key) = existing {
            return Ok(key);
        }
        let key = new_key();
        sqlx::query(
            "INSERT INTO purchase_attempts (lead_id, idempotency_key, started_at) VALUES ($1, $2, $3)",
        )
        .bind(lead_id)
        .bind(&key)
        .bind(now.to_rfc3339())
        .execute(&self.pool)
        .await?;
        Ok(key)
    }

    /// The server answered the purchase of `lead_id` (bought or refused): its key is spent.
    pub async fn finish_purchase_attempt(&self, lead_id: &str) -> Result<(), CacheError> {
        sqlx::query("DELETE FROM purchase_attempts WHERE lead_id = $1")
            .bind(lead_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn time_state(&self, key: &str) -> Result<Option<DateTime<Utc>>, CacheError> {
        Ok(self
            .state(key)
            .await?
            .and_then(|text| DateTime::parse_from_rfc3339(&text).ok())
            .map(|time| time.with_timezone(&Utc)))
    }

    async fn state(&self, key: &str) -> Result<Option<String>, CacheError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM sync_state WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn set_state(&self, key: &str, value: &str) -> Result<(), CacheError> {
        sqlx::query(UPSERT_STATE)
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
