//! The app's local SQLite caches (`migrations/local`): WAL, busy timeout, foreign keys, migrations
//! applied when a file is opened, with a backup of the previous file taken first.
//!
//! **One user's data per file.** A [`CacheFolder`] (the app data folder) holds one cache file
//! per user id (`users/<id>/cache.db`) and one for the signed-out visitor (`cache.db`: the public
//! marketplace page only, never personal data — [`Cache`] refuses it there). Only the
//! [`crate::session::SessionManager`] opens a user's file, when that user's session starts, and
//! closes it when the session ends (sign-out, a refresh token the server rejects, another user
//! signing in): a closed [`Cache`] answers every read and write with [`CacheError::SignedOut`],
//! so a handle kept by an operation that outlived its session cannot read or write the file. The
//! files stay on disk (a user's unsynced offline edits must survive their sign-out); no other
//! user's session ever opens them.
//!
//! A user's file is encrypted with SQLCipher, its key in the keychain ([`encryption`]); the
//! signed-out file holds nothing personal and stays plain.
//!
//! Ownership of each table is written next to it in the migrations: server-owned tables are
//! replaced by sync; device-owned ones (the outbox, later) are never overwritten by the server.

mod alerts;
mod encryption;
mod outbox;
mod search;
mod statement;
mod templates;
mod uploads;

pub use alerts::LeadAlert;
pub use encryption::{CacheReset, ResetReason};
pub use outbox::{OutboxEntry, SyncProblem};
pub use search::{BriefcaseQuery, SEARCH_LIMIT, SearchHit, TextRun};
pub use uploads::{MappingProfile, NewUpload, UploadRecord, header_set};

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use leadmart_shared::wire::{LeadCard, MeDto, PurchasedLead};
use sqlx::sqlite::{SqliteJournalMode, SqlitePool, SqlitePoolOptions};

const UPSERT_STATE: &str = "INSERT INTO sync_state (key, value) VALUES ($1, $2) \
     ON CONFLICT (key) DO UPDATE SET value = excluded.value";

/// `sync_state` key of the [`CacheReset`] not yet dismissed.
const CACHE_RESET: &str = "cache_reset";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/local");

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("could not create the data folder {path}: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not move the cache file {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the cache key: {0}")]
    Keychain(#[from] crate::secrets::SecretsError),
    #[error("local database: {0}")]
    Database(sqlx::Error),
    #[error("local database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("a cached record could not be read: {0}")]
    Corrupt(#[from] serde_json::Error),
    /// Personal data was asked of the signed-out cache, or of a user's cache after their
    /// session ended.
    #[error("no session owns this data")]
    SignedOut,
    #[error("{0:?} cannot name a cache file")]
    BadUserId(String),
}

/// A transaction that takes the write lock at its start (`BEGIN IMMEDIATE`): a deferred one
/// that read first fails at once (`SQLITE_BUSY`, no waiting) when another connection wrote
/// meanwhile — the background sync and an edit, say.
pub(crate) async fn write_tx(
    pool: &SqlitePool,
) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, CacheError> {
    Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
}

/// Maps a closed pool to [`CacheError::SignedOut`]: the session that owned the file has ended.
impl From<sqlx::Error> for CacheError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::PoolClosed => CacheError::SignedOut,
            other => CacheError::Database(other),
        }
    }
}

/// Whose data a cache file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// Nobody signed in: the public marketplace page only.
    SignedOut,
    /// The user with this id (`MeDto::id`).
    User(String),
}

/// One cache file, open. Cheap to clone (a pool handle); every clone closes together.
#[derive(Debug, Clone)]
pub struct Cache {
    pool: SqlitePool,
    owner: Owner,
}

/// The app data folder: where each owner's cache file lives.
#[derive(Debug, Clone)]
pub struct CacheFolder {
    root: PathBuf,
    encrypted: bool,
}

impl CacheFolder {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            encrypted: true,
        }
    }

    /// A folder whose user caches are plain SQLite: only for the benchmark that measures what
    /// encryption costs. The app never builds one.
    pub fn unencrypted(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            encrypted: false,
        }
    }

    /// Where `owner`'s cache file is. User ids are the server's numeric ids; anything that is
    /// not a plain token could step out of the folder and is refused.
    pub fn path_of(&self, owner: &Owner) -> Result<PathBuf, CacheError> {
        match owner {
            Owner::SignedOut => Ok(self.root.join("cache.db")),
            Owner::User(id) => {
                let plain = !id.is_empty()
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                if !plain {
                    return Err(CacheError::BadUserId(id.clone()));
                }
                Ok(self.root.join("users").join(id).join("cache.db"))
            }
        }
    }

    /// Opens (creating if needed) `owner`'s cache file, a user's with its key from the keychain.
    /// Only the session manager calls this for a user, as that user's session starts.
    pub async fn open(&self, owner: Owner) -> Result<Cache, CacheError> {
        let path = self.path_of(&owner)?;
        if owner == Owner::SignedOut || !self.encrypted {
            return Cache::open(&path, owner, None).await;
        }
        let (key, reset) = encryption::unlock(&path, Utc::now()).await?;
        let cache = Cache::open(&path, owner, Some(&key)).await?;
        if let Some(reset) = reset {
            cache
                .set_state(CACHE_RESET, &serde_json::to_string(&reset)?)
                .await?;
        }
        Ok(cache)
    }
}

/// The last marketplace page the app saw, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedFeed {
    pub leads: Vec<LeadCard>,
    pub synced_at: Option<DateTime<Utc>>,
}

impl Cache {
    /// Opens (creating if needed) the cache at `path`, with `key` when it is encrypted, and
    /// brings its schema up to date.
    async fn open(
        path: &Path,
        owner: Owner,
        key: Option<&crate::secrets::Sensitive<String>>,
    ) -> Result<Self, CacheError> {
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(|source| CacheError::Folder {
                path: folder.to_owned(),
                source,
            })?;
        }
        let existed = path.exists();
        let options = encryption::options(path, key)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        // Kept alive to the end of the process, so a pool is only ever closed by `close` (the
        // session ending), never by its last handle going: SQLCipher frees its state when the
        // process exits, and a keyed connection still closing on sqlx's worker thread then (a
        // handle dropped just before exit) crashes the process.
        std::mem::forget(pool.clone());
        let cache = Self { pool, owner };
        // The signed-out file holds only the public page: nothing to lose, and a copy of a
        // shared file from before one-user-per-file would keep its last user's customers.
        if existed && cache.owner != Owner::SignedOut {
            cache.backup_before_migrating(path).await?;
        }
        MIGRATOR.run(&cache.pool).await?;
        Ok(cache)
    }

    pub fn owner(&self) -> &Owner {
        &self.owner
    }

    /// Ends access to this file through every clone of this handle (the session ended); waits
    /// for queries in flight.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The pool, for personal data: only a user's own cache holds any.
    fn personal(&self) -> Result<&SqlitePool, CacheError> {
        match self.owner {
            Owner::User(_) => Ok(&self.pool),
            Owner::SignedOut => Err(CacheError::SignedOut),
        }
    }

    /// Copies the database aside (`cache.db.bak-vN`) when migrations newer than its schema are
    /// about to run, so a bad migration never costs a user their offline edits. A copy of the
    /// file after a checkpoint: its pages stay encrypted with the same key.
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
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await?;
            std::fs::copy(path, &backup).map_err(|source| CacheError::File {
                path: backup.clone(),
                source,
            })?;
        }
        Ok(())
    }

    /// Replaces the cached marketplace page with `leads`, seen at `synced_at`.
    pub async fn replace_marketplace(
        &self,
        leads: &[LeadCard],
        synced_at: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        let mut tx = write_tx(&self.pool).await?;
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
        self.personal()?;
        self.set_state("signed_in_user", &serde_json::to_string(user)?)
            .await
    }

    pub async fn signed_in_user(&self) -> Result<Option<MeDto>, CacheError> {
        self.personal()?;
        match self.state("signed_in_user").await? {
            Some(json) => Ok(Some(serde_json::from_str(&json)?)),
            None => Ok(None),
        }
    }

    /// Saves purchased leads as the server just described them (its answer wins).
    pub async fn save_purchased(&self, leads: &[PurchasedLead]) -> Result<(), CacheError> {
        let mut tx = write_tx(self.personal()?).await?;
        for lead in leads {
            outbox::save_lead(&mut tx, lead).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every cached purchased lead, newest purchase first, and when the list was last synced.
    pub async fn purchased(
        &self,
    ) -> Result<(Vec<PurchasedLead>, Option<DateTime<Utc>>), CacheError> {
        let bodies: Vec<String> = sqlx::query_scalar(
            "SELECT body FROM purchased_leads ORDER BY purchased_at DESC, lead_id DESC",
        )
        .fetch_all(self.personal()?)
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
                .fetch_optional(self.personal()?)
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
                .fetch_optional(self.personal()?)
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
        .execute(self.personal()?)
        .await?;
        Ok(key)
    }

    /// The server answered the purchase of `lead_id` (bought or refused): its key is spent.
    pub async fn finish_purchase_attempt(&self, lead_id: &str) -> Result<(), CacheError> {
        sqlx::query("DELETE FROM purchase_attempts WHERE lead_id = $1")
            .bind(lead_id)
            .execute(self.personal()?)
            .await?;
        Ok(())
    }

    /// The cache file this one replaced because it could not be unlocked, until the agent has
    /// read that it was.
    pub async fn cache_reset(&self) -> Result<Option<CacheReset>, CacheError> {
        self.personal()?;
        match self.state(CACHE_RESET).await? {
            Some(json) => Ok(Some(serde_json::from_str(&json)?)),
            None => Ok(None),
        }
    }

    pub async fn dismiss_cache_reset(&self) -> Result<(), CacheError> {
        sqlx::query("DELETE FROM sync_state WHERE key = $1")
            .bind(CACHE_RESET)
            .execute(self.personal()?)
            .await?;
        Ok(())
    }

    /// The id of the last live event this user's app handled (`Last-Event-ID` on reconnecting,
    /// also after a restart): device-owned, the server never writes it.
    pub async fn last_event_id(&self) -> Result<Option<i64>, CacheError> {
        self.personal()?;
        Ok(self
            .state("events_last_id")
            .await?
            .and_then(|text| text.parse().ok()))
    }

    pub async fn set_last_event_id(&self, id: i64) -> Result<(), CacheError> {
        self.personal()?;
        self.set_state("events_last_id", &id.to_string()).await
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
