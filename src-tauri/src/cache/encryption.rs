//! A user's cache file is encrypted at rest with SQLCipher: customers' phone numbers, emails and
//! notes are personal data (OWASP ASVS V14). Each file has its own random 256-bit key in the OS
//! keychain ([`CacheKeyStore`]), passed raw (`x'…'`), so opening a connection derives nothing.
//!
//! Before a file is opened, [`unlock`] makes sure its key opens it:
//! - a file from before encryption (plain SQLite) is encrypted in place, keeping everything in
//!   it, the outbox included;
//! - a file the key cannot open (the keychain lost the key, or holds another one) is moved aside
//!   as `cache.db.unreadable-<time>`, never deleted, and a new file starts: sync brings the
//!   server's copy back, and [`CacheReset`] tells the agent what happened.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use specta::Type;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use super::CacheError;
use crate::secrets::{CacheKeyStore, Sensitive, blocking as keychain, new_cache_key};

/// SQLite's "file is not a database": what a wrong key (or none, on an encrypted file) reads.
const NOT_A_DATABASE: &str = "26";

/// Why a cache file was moved aside and started again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum ResetReason {
    /// The keychain no longer holds the file's key.
    KeyMissing,
    /// The keychain's key does not open the file.
    WrongKey,
}

/// A cache file that could not be unlocked and was replaced by an empty one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CacheReset {
    pub at: DateTime<Utc>,
    pub reason: ResetReason,
    /// Where the unreadable file now is (kept: a restored keychain could still open it).
    pub set_aside_as: String,
}

/// The key for the cache at `path`, once it opens that file; with the reset it took, if any.
pub(super) async fn unlock(
    path: &Path,
    now: DateTime<Utc>,
) -> Result<(Sensitive<String>, Option<CacheReset>), CacheError> {
    let keys = CacheKeyStore::for_file(path);
    let stored = keychain({
        let keys = keys.clone();
        move || keys.load()
    })
    .await?;
    let had_key = stored.is_some();
    let key = match stored {
        Some(key) => key,
        None => {
            // Into the keychain before any file depends on it.
            let key = new_cache_key()?;
            keychain({
                let key = key.clone();
                move || keys.save(&key)
            })
            .await?;
            key
        }
    };
    if !path.exists() || opens(path, Some(&key)).await? {
        return Ok((key, None));
    }
    if opens(path, None).await? {
        encrypt_in_place(path, &key).await?;
        return Ok((key, None));
    }
    let set_aside_as = set_aside(path, now)?;
    tracing::warn!(file = %set_aside_as.display(), "the cache could not be unlocked; moved aside");
    let reset = CacheReset {
        at: now,
        reason: if had_key {
            ResetReason::WrongKey
        } else {
            ResetReason::KeyMissing
        },
        set_aside_as: set_aside_as.display().to_string(),
    };
    Ok((key, Some(reset)))
}

/// Connection options for the file at `path` opened with `key` (or as plain SQLite). Statement
/// logging is off: the first statement holds the key.
pub(super) fn options(
    path: &Path,
    key: Option<&Sensitive<String>>,
) -> Result<SqliteConnectOptions, CacheError> {
    let mut options = SqliteConnectOptions::from_str("sqlite://")?
        .filename(path)
        .log_statements(log::LevelFilter::Off);
    if let Some(key) = key {
        options = options
            .pragma("key", format!("\"x'{}'\"", key.expose()))
            // Sorting and temporary tables stay in memory, never in clear in a temp file.
            .pragma("temp_store", "MEMORY")
            // Erased data (a refunded lead's contact) is overwritten, not left in free pages.
            .pragma("secure_delete", "ON");
    }
    Ok(options)
}

/// Whether `key` (or no key) reads the file at `path`.
async fn opens(path: &Path, key: Option<&Sensitive<String>>) -> Result<bool, CacheError> {
    let attempt = async {
        let mut conn = options(path, key)?.connect().await?;
        let read = sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sqlite_master")
            .fetch_one(&mut conn)
            .await;
        conn.close().await?;
        read.map_err(CacheError::from)
    };
    match attempt.await {
        Ok(_) => Ok(true),
        Err(CacheError::Database(err))
            if err
                .as_database_error()
                .and_then(|db| db.code())
                .is_some_and(|code| code == NOT_A_DATABASE) =>
        {
            Ok(false)
        }
        Err(other) => Err(other),
    }
}

/// Rewrites a plain cache file as an encrypted one with `key` (SQLCipher's `sqlcipher_export`),
/// then puts it in the plain file's place.
async fn encrypt_in_place(path: &Path, key: &Sensitive<String>) -> Result<(), CacheError> {
    let encrypted = sibling(path, ".encrypting");
    remove_if_present(&encrypted)?;
    // Creating: ATTACH makes the new file through this connection's open flags.
    let mut conn = options(path, None)?
        .create_if_missing(true)
        .connect()
        .await?;
    sqlx::query("ATTACH DATABASE $1 AS encrypted KEY $2")
        .bind(encrypted.to_string_lossy().into_owned())
        .bind(format!("x'{}'", key.expose()))
        .execute(&mut conn)
        .await?;
    sqlx::query("SELECT sqlcipher_export('encrypted')")
        .execute(&mut conn)
        .await?;
    sqlx::query("DETACH DATABASE encrypted")
        .execute(&mut conn)
        .await?;
    // Closing the last connection checkpoints the plain file's WAL into it.
    conn.close().await?;
    for stale in [sibling(path, "-wal"), sibling(path, "-shm")] {
        remove_if_present(&stale)?;
    }
    std::fs::rename(&encrypted, path).map_err(|source| io(path, source))?;
    tracing::info!("the cache was encrypted");
    Ok(())
}

/// Moves the file at `path` (and its WAL) aside, named with `now`; returns the new name.
fn set_aside(path: &Path, now: DateTime<Utc>) -> Result<PathBuf, CacheError> {
    let aside = sibling(
        path,
        &format!(".unreadable-{}", now.format("%Y%m%dT%H%M%SZ")),
    );
    std::fs::rename(path, &aside).map_err(|source| io(path, source))?;
    for suffix in ["-wal", "-shm"] {
        let from = sibling(path, suffix);
        if from.exists() {
            let to = sibling(&aside, suffix);
            std::fs::rename(&from, &to).map_err(|source| io(&from, source))?;
        }
    }
    Ok(aside)
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_if_present(path: &Path) -> Result<(), CacheError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(io(path, source)),
    }
}

fn io(path: &Path, source: std::io::Error) -> CacheError {
    CacheError::File {
        path: path.to_owned(),
        source,
    }
}
