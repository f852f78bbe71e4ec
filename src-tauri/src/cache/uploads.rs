//! The cache's import tables (`migrations/local/0004_uploads.sql`): the uploads this partner
//! kept, their accepted rows' dedupe keys, and mapping profiles by header set.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use leadmart_shared::csv_rules::LeadField;
use leadmart_shared::dedupe::{EarlierKeys, KeyKind};

use super::{Cache, CacheError};

/// A mapping profile: each header's field (`None`: the column is ignored) and the category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingProfile {
    pub name: String,
    pub mapping: BTreeMap<String, Option<LeadField>>,
    pub category: Option<String>,
}

/// An import to keep: what was checked, and the accepted rows' keys.
#[derive(Debug, Clone)]
pub struct NewUpload<'a> {
    pub file_name: &'a str,
    pub file_path: &'a str,
    pub category: Option<&'a str>,
    /// `(header, field)` per column.
    pub mapping: &'a [(String, Option<LeadField>)],
    pub rows: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub duplicates: u64,
    pub keys: &'a [(KeyKind, [u8; 16])],
    pub created_at: DateTime<Utc>,
}

/// One kept upload, as the uploads list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRecord {
    pub id: i64,
    pub file_name: String,
    pub category: Option<String>,
    pub rows: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub duplicates: u64,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct UploadRow {
    id: i64,
    file_name: String,
    category: Option<String>,
    rows: i64,
    accepted: i64,
    rejected: i64,
    duplicates: i64,
    created_at: String,
}

/// The key a header set is remembered by: its names sorted, so a file with the same columns in
/// another order finds its profile.
pub fn header_set(headers: &[String]) -> String {
    let mut sorted: Vec<&str> = headers.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.join("\u{1f}")
}

/// Keys per `INSERT`: three parameters each, under SQLite's limit of 32,766 per statement.
const KEYS_PER_INSERT: usize = 10_000;

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Cache {
    /// Keeps an import: its record and its accepted rows' keys, in one transaction.
    pub async fn save_upload(&self, upload: &NewUpload<'_>) -> Result<i64, CacheError> {
        let mut tx = super::write_tx(self.personal()?).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO uploads (file_name, file_path, category, mapping, rows, accepted, \
             rejected, duplicates, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING id",
        )
        .bind(upload.file_name)
        .bind(upload.file_path)
        .bind(upload.category)
        .bind(serde_json::to_string(upload.mapping)?)
        .bind(count(upload.rows))
        .bind(count(upload.accepted))
        .bind(count(upload.rejected))
        .bind(count(upload.duplicates))
        .bind(upload.created_at.to_rfc3339())
        .fetch_one(&mut *tx)
        .await?;
        // Many rows per statement: a million-row file has three million keys. Accepted rows
        // never share a key (the check rejects the later one), so a conflict can only be a
        // 128-bit collision: the earlier upload keeps the key.
        for chunk in upload.keys.chunks(KEYS_PER_INSERT) {
            let mut insert =
                sqlx::QueryBuilder::new("INSERT INTO upload_keys (key, kind, upload_id) ");
            insert.push_values(chunk, |mut row, (kind, key)| {
                row.push_bind(key.to_vec())
                    .push_bind(i64::from(kind.to_byte()))
                    .push_bind(id);
            });
            insert.push(" ON CONFLICT (key) DO NOTHING");
            insert.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Every kept upload, newest first.
    pub async fn uploads(&self) -> Result<Vec<UploadRecord>, CacheError> {
        let rows: Vec<UploadRow> = sqlx::query_as(
            "SELECT id, file_name, category, rows, accepted, rejected, duplicates, created_at \
             FROM uploads ORDER BY id DESC",
        )
        .fetch_all(self.personal()?)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| UploadRecord {
                id: row.id,
                file_name: row.file_name,
                category: row.category,
                rows: row.rows.unsigned_abs(),
                accepted: row.accepted.unsigned_abs(),
                rejected: row.rejected.unsigned_abs(),
                duplicates: row.duplicates.unsigned_abs(),
                created_at: DateTime::parse_from_rfc3339(&row.created_at)
                    .map_or_else(|_| Utc::now(), |t| t.with_timezone(&Utc)),
            })
            .collect())
    }

    /// The keys of every kept upload, for a new import to be checked against.
    pub async fn earlier_upload_keys(&self) -> Result<EarlierKeys, CacheError> {
        let rows: Vec<(Vec<u8>, i64)> = sqlx::query_as("SELECT key, kind FROM upload_keys")
            .fetch_all(self.personal()?)
            .await?;
        Ok(EarlierKeys::from_stored(rows.into_iter().filter_map(
            |(key, kind)| {
                let kind = KeyKind::from_byte(u8::try_from(kind).ok()?)?;
                Some((kind, <[u8; 16]>::try_from(key.as_slice()).ok()?))
            },
        )))
    }

    /// Remembers `profile` for files with these headers (replacing the profile of the same name
    /// or the same header set).
    pub async fn save_mapping_profile(
        &self,
        headers: &[String],
        profile: &MappingProfile,
        now: DateTime<Utc>,
    ) -> Result<(), CacheError> {
        let set = header_set(headers);
        let mut tx = super::write_tx(self.personal()?).await?;
        sqlx::query("DELETE FROM import_profiles WHERE header_set = $1 OR name = $2")
            .bind(&set)
            .bind(&profile.name)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO import_profiles (name, header_set, mapping, category, updated_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&profile.name)
        .bind(&set)
        .bind(serde_json::to_string(&profile.mapping)?)
        .bind(&profile.category)
        .bind(now.to_rfc3339())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The profile remembered for exactly this header set.
    pub async fn profile_for_headers(
        &self,
        headers: &[String],
    ) -> Result<Option<MappingProfile>, CacheError> {
        self.profile_where(
            "SELECT name, mapping, category FROM import_profiles WHERE header_set = $1",
            &header_set(headers),
        )
        .await
    }

    pub async fn profile_named(&self, name: &str) -> Result<Option<MappingProfile>, CacheError> {
        self.profile_where(
            "SELECT name, mapping, category FROM import_profiles WHERE name = $1",
            name,
        )
        .await
    }

    async fn profile_where(
        &self,
        select: &'static str,
        value: &str,
    ) -> Result<Option<MappingProfile>, CacheError> {
        let row: Option<(String, String, Option<String>)> = sqlx::query_as(select)
            .bind(value)
            .fetch_optional(self.personal()?)
            .await?;
        row.map(|(name, mapping, category)| {
            Ok(MappingProfile {
                name,
                mapping: serde_json::from_str(&mapping)?,
                category,
            })
        })
        .transpose()
    }
}
