//! Intake's SQL: the listed lead's row, intake API keys (hashed), and web-form submissions per
//! address for the rate limit.

use chrono::{DateTime, Utc};
use leadmart_shared::intake::IntakeLead;
use leadmart_shared::lead::LeadSource;
use leadmart_shared::wire::IntakeKeyDto;

use crate::db::{Db, DbDecimal, Tx};
use crate::error::ApiError;
use crate::{with_pool, with_tx};

/// Inserts `lead` as listed from `source`, from `now` to `expires_at`; returns its id.
pub async fn insert_lead(
    tx: &mut Tx,
    lead: &IntakeLead,
    source: LeadSource,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<i64, ApiError> {
    let signals = serde_json::to_string(lead.score.signals()).map_err(ApiError::corrupt)?;
    let attributes = serde_json::to_string(&lead.attributes).map_err(ApiError::corrupt)?;
    let (currency, min, max) = match &lead.budget {
        Some(b) => (b.currency().to_string(), b.min().amount(), b.max().amount()),
        None => return Err(ApiError::corrupt("an intake lead without a budget")),
    };
    let contact = &lead.contact;
    let location = &lead.location;
    let id: i64 = with_tx!(tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO leads (category, title, description, country, region, city, area, \
             postal_code, currency, budget_min, budget_max, urgency, score, exclusivity, \
             max_buyers, contact_name, contact_email, contact_phone, contact_address, \
             phone_verified, verification, source, status, created_at, \
             listed_at, expires_at, attributes, score_signals) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18, $19, FALSE, 'pending', $20, 'listed', $21, $21, $22, $23, $24) RETURNING id",
        )
        .bind(lead.category.as_str())
        .bind(&lead.title)
        .bind(&lead.description)
        .bind(location.country())
        .bind(location.region())
        .bind(location.city())
        .bind(location.area().unwrap_or_default())
        .bind(location.postal_code().unwrap_or_default())
        .bind(currency)
        .bind(DbDecimal(min))
        .bind(DbDecimal(max))
        .bind(lead.urgency.as_str())
        .bind(i32::from(lead.score.score().value()))
        .bind(lead.exclusivity().as_str())
        .bind(i64::from(lead.cap.max_buyers()))
        .bind(contact.name.as_str())
        .bind(contact.email.as_ref().map(|e| e.as_str().to_owned()))
        .bind(contact.phone.as_ref().map(|p| p.as_str().to_owned()))
        .bind(contact.address.clone())
        .bind(source.as_str())
        .bind(now)
        .bind(expires_at)
        .bind(attributes)
        .bind(signals)
        .fetch_one(conn)
        .await?
    });
    Ok(id)
}

/// Counts `address`'s submissions since `since` (and finds the oldest), then records this one (refused ones count
/// too: a flood is a flood), and forgets those older than `since`.
pub async fn count_and_record_submission(
    db: &Db,
    address: &str,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(i64, Option<DateTime<Utc>>), ApiError> {
    let mut tx = db.begin_write().await?;
    let counted: (i64, Option<DateTime<Utc>>) = with_tx!(&mut tx, conn => {
        sqlx::query("DELETE FROM intake_submissions WHERE submitted_at < $1")
            .bind(since)
            .execute(&mut *conn)
            .await?;
        let counted = sqlx::query_as(
            "SELECT COUNT(*), MIN(submitted_at) FROM intake_submissions \
             WHERE address = $1 AND submitted_at >= $2",
        )
        .bind(address)
        .bind(since)
        .fetch_one(&mut *conn)
        .await?;
        sqlx::query("INSERT INTO intake_submissions (address, submitted_at) VALUES ($1, $2)")
            .bind(address)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        counted
    });
    tx.commit().await?;
    Ok(counted)
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    id: i64,
    name: String,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<KeyRow> for IntakeKeyDto {
    fn from(r: KeyRow) -> Self {
        IntakeKeyDto {
            id: r.id.to_string(),
            name: r.name,
            created_at: r.created_at,
            revoked_at: r.revoked_at,
        }
    }
}

pub async fn insert_key(
    db: &Db,
    name: &str,
    key_hash: &str,
    admin: i64,
    now: DateTime<Utc>,
) -> Result<IntakeKeyDto, ApiError> {
    let row: KeyRow = with_pool!(db, pool => {
        sqlx::query_as(
            "INSERT INTO intake_keys (name, key_hash, created_by, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id, name, created_at, revoked_at",
        )
        .bind(name)
        .bind(key_hash)
        .bind(admin)
        .bind(now)
        .fetch_one(pool)
        .await?
    });
    Ok(row.into())
}

pub async fn keys(db: &Db) -> Result<Vec<IntakeKeyDto>, ApiError> {
    let rows: Vec<KeyRow> = with_pool!(db, pool => {
        sqlx::query_as("SELECT id, name, created_at, revoked_at FROM intake_keys ORDER BY id")
            .fetch_all(pool)
            .await?
    });
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Revokes key `id` (once: a revoked key keeps its first revocation time); `None` without it.
pub async fn revoke_key(
    db: &Db,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Option<IntakeKeyDto>, ApiError> {
    let row: Option<KeyRow> = with_pool!(db, pool => {
        sqlx::query_as(
            "UPDATE intake_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 \
             RETURNING id, name, created_at, revoked_at",
        )
        .bind(now)
        .bind(id)
        .fetch_optional(pool)
        .await?
    });
    Ok(row.map(Into::into))
}

/// Whether a key with this hash exists and is not revoked.
pub async fn key_is_live(db: &Db, key_hash: &str) -> Result<bool, ApiError> {
    let found: Option<i64> = with_pool!(db, pool => {
        sqlx::query_scalar("SELECT id FROM intake_keys WHERE key_hash = $1 AND revoked_at IS NULL")
            .bind(key_hash)
            .fetch_optional(pool)
            .await?
    });
    Ok(found.is_some())
}
