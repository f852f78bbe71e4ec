//! Uploads' SQL: upload jobs and their chunks, rejected rows, the inventory's dedupe keys, and
//! the leads a chunk lists — inserted many rows per statement (a fixed number per statement,
//! so each engine prepares the statement once and reuses it).

use chrono::{DateTime, Utc};
use leadmart_shared::dedupe::{DedupeKey, DedupeKeys};
use leadmart_shared::lead::Lead;
use leadmart_shared::wire::partner::{UploadColumn, UploadCounts, UploadDto, UploadStatus};
use rust_decimal::Decimal;

use crate::db::{Db, DbDecimal, Tx, TxConn, enum_from_column, enum_to_column};
use crate::error::ApiError;
use crate::{with_pool, with_tx};

/// An upload job as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredUpload {
    pub id: i64,
    pub partner_id: i64,
    pub file_name: String,
    pub category: Option<String>,
    pub columns: String,
    pub row_count: i64,
    pub content_hash: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

const UPLOAD_COLUMNS: &str = "id, partner_id, file_name, category, columns, row_count, \
    content_hash, status, created_at, completed_at";

impl StoredUpload {
    pub fn columns(&self) -> Result<Vec<UploadColumn>, ApiError> {
        serde_json::from_str(&self.columns).map_err(ApiError::corrupt)
    }

    pub fn status(&self) -> Result<UploadStatus, ApiError> {
        enum_from_column(&self.status)
    }
}

pub struct NewUploadRow<'a> {
    pub partner_id: i64,
    pub file_name: &'a str,
    pub category: Option<&'a str>,
    pub columns: &'a [UploadColumn],
    pub row_count: u32,
    pub content_hash: &'a str,
}

pub async fn insert_upload(
    db: &Db,
    new: &NewUploadRow<'_>,
    now: DateTime<Utc>,
) -> Result<StoredUpload, ApiError> {
    let columns = serde_json::to_string(new.columns).map_err(ApiError::corrupt)?;
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO uploads (partner_id, file_name, category, columns, row_count, content_hash, \
         status, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'open', $7) RETURNING {UPLOAD_COLUMNS}"
    ));
    Ok(with_pool!(db, pool => {
        sqlx::query_as(sql)
            .bind(new.partner_id)
            .bind(new.file_name)
            .bind(new.category)
            .bind(columns)
            .bind(i64::from(new.row_count))
            .bind(new.content_hash)
            .bind(now)
            .fetch_one(pool)
            .await?
    }))
}

/// The partner's open upload of the file with `content_hash`, if any (the same file sent
/// again resumes it).
pub async fn open_upload_of_file(
    db: &Db,
    partner_id: i64,
    content_hash: &str,
) -> Result<Option<StoredUpload>, ApiError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE partner_id = $1 AND content_hash = $2 \
         AND status = 'open' ORDER BY id DESC LIMIT 1"
    ));
    Ok(with_pool!(db, pool => {
        sqlx::query_as(sql).bind(partner_id).bind(content_hash).fetch_optional(pool).await?
    }))
}

/// Upload `id` if `partner_id` owns it (another partner's upload is as absent as a missing one).
pub async fn owned_upload(
    db: &Db,
    id: i64,
    partner_id: i64,
) -> Result<Option<StoredUpload>, ApiError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id = $1 AND partner_id = $2"
    ));
    Ok(with_pool!(db, pool => {
        sqlx::query_as(sql).bind(id).bind(partner_id).fetch_optional(pool).await?
    }))
}

/// The partner's uploads, newest first.
pub async fn uploads_of(
    db: &Db,
    partner_id: i64,
    limit: i64,
) -> Result<Vec<StoredUpload>, ApiError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE partner_id = $1 ORDER BY id DESC LIMIT $2"
    ));
    Ok(with_pool!(db, pool => {
        sqlx::query_as(sql).bind(partner_id).bind(limit).fetch_all(pool).await?
    }))
}

/// Closes open upload `id` as `status` (`completed` or `cancelled`); false when it was not open.
pub async fn close_upload(
    db: &Db,
    id: i64,
    status: UploadStatus,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let done = with_pool!(db, pool => {
        sqlx::query(
            "UPDATE uploads SET status = $1, completed_at = $2 WHERE id = $3 AND status = 'open'",
        )
        .bind(enum_to_column(&status))
        .bind(now)
        .bind(id)
        .execute(pool)
        .await?
        .rows_affected()
    });
    Ok(done == 1)
}

/// What a stored chunk answered.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChunkRow {
    pub n: i64,
    pub body_hash: String,
    pub rows: i64,
    pub accepted: i64,
    pub rejected: i64,
    pub duplicates: i64,
    pub listed: i64,
    pub awaiting_review: i64,
}

impl ChunkRow {
    pub fn counts(&self) -> UploadCounts {
        let n = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
        UploadCounts {
            rows: n(self.rows),
            accepted: n(self.accepted),
            rejected: n(self.rejected),
            duplicates: n(self.duplicates),
            listed: n(self.listed),
            awaiting_review: n(self.awaiting_review),
        }
    }
}

const CHUNK_COLUMNS: &str =
    "n, body_hash, rows, accepted, rejected, duplicates, listed, awaiting_review";

pub async fn chunk(db: &Db, upload_id: i64, n: i64) -> Result<Option<ChunkRow>, ApiError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {CHUNK_COLUMNS} FROM upload_chunks WHERE upload_id = $1 AND n = $2"
    ));
    Ok(with_pool!(db, pool => {
        sqlx::query_as(sql).bind(upload_id).bind(n).fetch_optional(pool).await?
    }))
}

pub async fn chunks(db: &Db, upload_id: i64) -> Result<Vec<ChunkRow>, ApiError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {CHUNK_COLUMNS} FROM upload_chunks WHERE upload_id = $1 ORDER BY n"
    ));
    Ok(with_pool!(db, pool => {
        sqlx::query_as(sql).bind(upload_id).fetch_all(pool).await?
    }))
}

/// Claims chunk `n` of upload `upload_id` inside `tx`, or reports that it is already stored
/// (false): the claim is what makes a chunk sent twice, even at once, stored once.
pub async fn claim_chunk(
    tx: &mut Tx,
    upload_id: i64,
    n: i64,
    body_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let claimed = with_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO upload_chunks (upload_id, n, body_hash, rows, accepted, rejected, \
             duplicates, listed, awaiting_review, received_at) \
             VALUES ($1, $2, $3, 0, 0, 0, 0, 0, 0, $4) ON CONFLICT (upload_id, n) DO NOTHING",
        )
        .bind(upload_id)
        .bind(n)
        .bind(body_hash)
        .bind(now)
        .execute(conn)
        .await?
        .rows_affected()
    });
    Ok(claimed == 1)
}

pub async fn record_chunk_counts(
    tx: &mut Tx,
    upload_id: i64,
    n: i64,
    counts: &UploadCounts,
) -> Result<(), ApiError> {
    with_tx!(tx, conn => {
        sqlx::query(
            "UPDATE upload_chunks SET rows = $1, accepted = $2, rejected = $3, duplicates = $4, \
             listed = $5, awaiting_review = $6 WHERE upload_id = $7 AND n = $8",
        )
        .bind(i64::from(counts.rows))
        .bind(i64::from(counts.accepted))
        .bind(i64::from(counts.rejected))
        .bind(i64::from(counts.duplicates))
        .bind(i64::from(counts.listed))
        .bind(i64::from(counts.awaiting_review))
        .bind(upload_id)
        .bind(n)
        .execute(conn)
        .await?;
    });
    Ok(())
}

/// Whether upload `id` is still open, read under a lock on PostgreSQL (a completion or cancel
/// waits for the chunk, and a chunk after them sees them).
pub async fn is_open_locked(tx: &mut Tx, id: i64) -> Result<bool, ApiError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT status FROM uploads WHERE id = $1{}",
        tx.for_update()
    ));
    let status: Option<String> = with_tx!(tx, conn => {
        sqlx::query_scalar(sql).bind(id).fetch_optional(conn).await?
    });
    Ok(status.as_deref() == Some("open"))
}

/// A key as `lead_keys` holds it: the first 128 bits, hex.
pub fn key_hex(key: &DedupeKey) -> String {
    hex::encode(key.stored())
}

/// Who holds a key of the inventory.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyOwner {
    pub key_hash: String,
    pub kind: String,
    pub lead_id: i64,
    pub partner_id: Option<i64>,
    pub upload_id: Option<i64>,
    pub line: Option<i64>,
}

/// Keys one lookup asks for (a bound value each; SQLite takes up to 32,766).
const KEYS_PER_LOOKUP: usize = 5_000;

/// The owners of those of `keys` the inventory holds.
pub async fn key_owners(tx: &mut Tx, keys: &[String]) -> Result<Vec<KeyOwner>, ApiError> {
    let mut owners = Vec::new();
    for part in keys.chunks(KEYS_PER_LOOKUP) {
        let list = (1..=part.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT key_hash, kind, lead_id, partner_id, upload_id, line FROM lead_keys \
             WHERE key_hash IN ({list})"
        ));
        let found: Vec<KeyOwner> = with_tx!(tx, conn => {
            let mut query = sqlx::query_as(sql);
            for key in part {
                query = query.bind(key);
            }
            query.fetch_all(conn).await?
        });
        owners.extend(found);
    }
    Ok(owners)
}

/// A key to record: the lead that owns it, and where it came from.
pub struct KeyRecord<'a> {
    pub key: &'a DedupeKey,
    pub lead_id: i64,
    pub partner_id: Option<i64>,
    pub upload_id: Option<i64>,
    pub line: Option<i64>,
}

const KEYS_PER_STATEMENT: usize = 500;

/// Records keys of new leads: a key already held stays with its holder, except that a
/// platform-owned lead (no partner) takes a key over from a partner's lead.
pub async fn insert_keys(tx: &mut Tx, keys: &[KeyRecord<'_>]) -> Result<(), ApiError> {
    // One statement may not claim a key twice (PostgreSQL refuses to update a row twice in
    // one statement): the first record of a key wins, as it would one statement at a time
    // for a platform lead, and always for a partner's.
    let mut seen = std::collections::HashSet::with_capacity(keys.len());
    let keys: Vec<&KeyRecord<'_>> = keys
        .iter()
        .filter(|k| seen.insert(k.key.stored()))
        .collect();
    for part in keys.chunks(KEYS_PER_STATEMENT) {
        with_tx!(tx, conn => {
            let mut query = sqlx::QueryBuilder::new(
                "INSERT INTO lead_keys (key_hash, kind, lead_id, partner_id, upload_id, line) ",
            );
            query.push_values(part, |mut row, k| {
                row.push_bind(key_hex(k.key))
                    .push_bind(k.key.kind.as_str())
                    .push_bind(k.lead_id)
                    .push_bind(k.partner_id)
                    .push_bind(k.upload_id)
                    .push_bind(k.line);
            });
            query.push(
                " ON CONFLICT (key_hash) DO UPDATE SET lead_id = excluded.lead_id, \
                 partner_id = NULL, upload_id = NULL, line = NULL \
                 WHERE excluded.partner_id IS NULL AND lead_keys.partner_id IS NOT NULL",
            );
            query.build().execute(&mut *conn).await?;
        });
    }
    Ok(())
}

/// Partner leads, unsold, that hold one of `keys` (a platform lead with these keys replaces
/// them: they leave the marketplace).
pub async fn partner_leads_holding(tx: &mut Tx, keys: &DedupeKeys) -> Result<Vec<i64>, ApiError> {
    let hexes: Vec<String> = keys.iter().map(key_hex).collect();
    let owners = key_owners(tx, &hexes).await?;
    Ok(owners
        .into_iter()
        .filter(|o| o.partner_id.is_some())
        .map(|o| o.lead_id)
        .collect())
}

/// Records the keys of platform-owned lead `lead_id` (intake, demo): partner leads holding
/// them leave the marketplace unless bought already, and the platform lead takes their keys.
pub async fn key_platform_lead(
    tx: &mut Tx,
    lead_id: i64,
    keys: &DedupeKeys,
) -> Result<(), ApiError> {
    let replaced = partner_leads_holding(tx, keys).await?;
    withdraw_unsold(tx, &replaced).await?;
    let records: Vec<KeyRecord<'_>> = keys
        .iter()
        .map(|key| KeyRecord {
            key,
            lead_id,
            partner_id: None,
            upload_id: None,
            line: None,
        })
        .collect();
    insert_keys(tx, &records).await?;
    with_tx!(tx, conn => {
        sqlx::query("UPDATE leads SET keyed = TRUE WHERE id = $1")
            .bind(lead_id)
            .execute(conn)
            .await?;
    });
    Ok(())
}

#[derive(sqlx::FromRow)]
struct UnkeyedLead {
    id: i64,
    contact_name: String,
    contact_email: Option<String>,
    contact_phone: Option<String>,
    contact_address: Option<String>,
    partner_id: Option<i64>,
}

/// Keys every lead stored without its keys (leads from before the keys existed, the demo's),
/// in batches; partner leads keep their partner. Returns how many it keyed.
pub async fn backfill_keys(db: &Db) -> Result<u64, ApiError> {
    const BATCH: i64 = 2_000;
    let mut keyed = 0;
    loop {
        let mut tx = db.begin_write().await?;
        let rows: Vec<UnkeyedLead> = with_tx!(&mut tx, conn => {
            sqlx::query_as(
                "SELECT id, contact_name, contact_email, contact_phone, contact_address, \
                 partner_id FROM leads WHERE NOT keyed ORDER BY id LIMIT $1",
            )
            .bind(BATCH)
            .fetch_all(conn)
            .await?
        });
        let done = rows.len() < BATCH as usize;
        let mut all_keys = Vec::with_capacity(rows.len());
        for UnkeyedLead {
            id,
            contact_name: name,
            contact_email: email,
            contact_phone: phone,
            contact_address: address,
            partner_id: partner,
        } in &rows
        {
            let contact = leadmart_shared::contact::ContactDetails::new(
                leadmart_shared::contact::PersonName::parse(name).map_err(ApiError::corrupt)?,
                email
                    .as_deref()
                    .map(leadmart_shared::contact::Email::parse)
                    .transpose()
                    .map_err(ApiError::corrupt)?,
                phone
                    .as_deref()
                    .map(leadmart_shared::contact::PhoneE164::from_e164)
                    .transpose()
                    .map_err(ApiError::corrupt)?,
                address.clone(),
            )
            .map_err(ApiError::corrupt)?;
            all_keys.push((*id, *partner, DedupeKeys::of(&contact)));
        }
        let records: Vec<KeyRecord<'_>> = all_keys
            .iter()
            .flat_map(|(id, partner, keys)| {
                keys.iter().map(move |key| KeyRecord {
                    key,
                    lead_id: *id,
                    partner_id: *partner,
                    upload_id: None,
                    line: None,
                })
            })
            .collect();
        insert_keys(&mut tx, &records).await?;
        for UnkeyedLead { id, .. } in &rows {
            with_tx!(&mut tx, conn => {
                sqlx::query("UPDATE leads SET keyed = TRUE WHERE id = $1")
                    .bind(id)
                    .execute(conn)
                    .await?;
            });
        }
        tx.commit().await?;
        keyed += rows.len() as u64;
        if done {
            return Ok(keyed);
        }
    }
}

/// Withdraws partner leads `ids` nobody bought yet.
pub async fn withdraw_unsold(tx: &mut Tx, ids: &[i64]) -> Result<(), ApiError> {
    for id in ids {
        with_tx!(tx, conn => {
            sqlx::query(
                "UPDATE leads SET status = 'withdrawn' WHERE id = $1 AND purchases = 0 \
                 AND status IN ('listed', 'draft')",
            )
            .bind(id)
            .execute(conn)
            .await?;
        });
    }
    Ok(())
}

/// `n` fresh lead ids, reserved for this transaction.
pub async fn fresh_lead_ids(tx: &mut Tx, n: usize) -> Result<Vec<i64>, ApiError> {
    let count = i64::try_from(n).map_err(ApiError::corrupt)?;
    Ok(match &mut tx.conn {
        // The write transaction excludes every other writer until it ends.
        TxConn::Sqlite(sqlite) => {
            let max: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM leads")
                .fetch_one(sqlite.conn())
                .await?;
            (1..=count).map(|i| max + i).collect()
        }
        TxConn::Postgres(pg) => {
            sqlx::query_scalar(
                "SELECT nextval(pg_get_serial_sequence('leads', 'id')) FROM generate_series(1, $1)",
            )
            .bind(count)
            .fetch_all(&mut **pg)
            .await?
        }
    })
}

/// A lead of an upload, ready to insert.
pub struct UploadedLead<'a> {
    pub lead: &'a Lead,
    pub upload_id: i64,
    /// `Some("review")` for a draft waiting for the partner's approval.
    pub held_for: Option<&'static str>,
    pub bands: leadmart_shared::pricing::PriceBands,
}

const LEADS_PER_STATEMENT: usize = 250;

/// Inserts `leads` (their ids already chosen), many per statement.
pub async fn insert_leads(tx: &mut Tx, leads: &[UploadedLead<'_>]) -> Result<(), ApiError> {
    struct Values {
        id: i64,
        category: String,
        title: String,
        description: String,
        country: String,
        region: String,
        city: String,
        area: String,
        postal_code: String,
        currency: String,
        budget_min: DbDecimal,
        budget_max: DbDecimal,
        urgency: &'static str,
        score: i32,
        exclusivity: &'static str,
        max_buyers: i64,
        name: String,
        email: Option<String>,
        phone: Option<String>,
        address: Option<String>,
        verification: &'static str,
        status: &'static str,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        attributes: String,
        signals: String,
        partner_id: Option<i64>,
        upload_id: i64,
        held_for: Option<&'static str>,
        fresh: i64,
        mid: i64,
        stale: i64,
        mid_from: DateTime<Utc>,
        stale_from: DateTime<Utc>,
    }
    let x100 = |c: leadmart_shared::money::Credits| {
        c.hundredths()
            .ok_or_else(|| ApiError::corrupt(format!("price {c} out of range")))
    };
    let mut values = Vec::with_capacity(leads.len());
    for u in leads {
        let lead = u.lead;
        let budget = lead
            .budget
            .as_ref()
            .ok_or_else(|| ApiError::corrupt("an uploaded lead without a budget"))?;
        let location = &lead.location;
        values.push(Values {
            id: lead.id.get(),
            category: lead.category.as_str().to_owned(),
            title: lead.title.clone(),
            description: lead.description.clone(),
            country: location.country().to_owned(),
            region: location.region().to_owned(),
            city: location.city().to_owned(),
            area: location.area().unwrap_or_default().to_owned(),
            postal_code: location.postal_code().unwrap_or_default().to_owned(),
            currency: budget.currency().to_string(),
            budget_min: DbDecimal(budget.min().amount()),
            budget_max: DbDecimal(budget.max().amount()),
            urgency: lead.urgency.as_str(),
            score: i32::from(lead.score.score().value()),
            exclusivity: lead.cap.exclusivity().as_str(),
            max_buyers: i64::from(lead.cap.max_buyers()),
            name: lead.contact.name.as_str().to_owned(),
            email: lead.contact.email.as_ref().map(|e| e.as_str().to_owned()),
            phone: lead.contact.phone.as_ref().map(|p| p.as_str().to_owned()),
            address: lead.contact.address.clone(),
            verification: lead.verification.as_str(),
            status: lead.status.as_str(),
            created_at: lead.created_at,
            expires_at: lead.expires_at.unwrap_or(lead.created_at),
            attributes: serde_json::to_string(&lead.attributes).map_err(ApiError::corrupt)?,
            signals: serde_json::to_string(lead.score.signals()).map_err(ApiError::corrupt)?,
            partner_id: lead.partner.map(|p| p.get()),
            upload_id: u.upload_id,
            held_for: u.held_for,
            fresh: x100(u.bands.fresh)?,
            mid: x100(u.bands.mid)?,
            stale: x100(u.bands.stale)?,
            mid_from: u.bands.mid_from,
            stale_from: u.bands.stale_from,
        });
    }
    for part in values.chunks(LEADS_PER_STATEMENT) {
        with_tx!(tx, conn => {
            let mut query = sqlx::QueryBuilder::new(
                "INSERT INTO leads (id, category, title, description, country, region, city, \
                 area, postal_code, currency, budget_min, budget_max, urgency, score, \
                 exclusivity, max_buyers, contact_name, contact_email, contact_phone, \
                 contact_address, phone_verified, verification, source, status, created_at, \
                 listed_at, expires_at, attributes, score_signals, partner_id, upload_id, \
                 keyed, held_for, price_fresh_x100, price_mid_x100, price_stale_x100, \
                 mid_price_from, stale_price_from) ",
            );
            query.push_values(part, |mut row, v| {
                row.push_bind(v.id)
                    .push_bind(v.category.as_str())
                    .push_bind(v.title.as_str())
                    .push_bind(v.description.as_str())
                    .push_bind(v.country.as_str())
                    .push_bind(v.region.as_str())
                    .push_bind(v.city.as_str())
                    .push_bind(v.area.as_str())
                    .push_bind(v.postal_code.as_str())
                    .push_bind(v.currency.as_str())
                    .push_bind(v.budget_min)
                    .push_bind(v.budget_max)
                    .push_bind(v.urgency)
                    .push_bind(v.score)
                    .push_bind(v.exclusivity)
                    .push_bind(v.max_buyers)
                    .push_bind(v.name.as_str())
                    .push_bind(v.email.as_deref())
                    .push_bind(v.phone.as_deref())
                    .push_bind(v.address.as_deref())
                    .push_bind(false)
                    .push_bind(v.verification)
                    .push_bind("partner_upload")
                    .push_bind(v.status)
                    .push_bind(v.created_at)
                    .push_bind(v.created_at)
                    .push_bind(v.expires_at)
                    .push_bind(v.attributes.as_str())
                    .push_bind(v.signals.as_str())
                    .push_bind(v.partner_id)
                    .push_bind(v.upload_id)
                    .push_bind(true)
                    .push_bind(v.held_for)
                    .push_bind(v.fresh)
                    .push_bind(v.mid)
                    .push_bind(v.stale)
                    .push_bind(v.mid_from)
                    .push_bind(v.stale_from);
            });
            query.build().execute(&mut *conn).await?;
        });
    }
    Ok(())
}

/// A rejected row to keep for the rejections file.
pub struct Rejection<'a> {
    pub line: i64,
    pub cells: &'a [String],
    pub codes: String,
    pub reasons: String,
}

const REJECTIONS_PER_STATEMENT: usize = 500;

pub async fn insert_rejections(
    tx: &mut Tx,
    upload_id: i64,
    chunk: i64,
    rejections: &[Rejection<'_>],
) -> Result<(), ApiError> {
    let cells: Vec<String> = rejections
        .iter()
        .map(|r| serde_json::to_string(r.cells))
        .collect::<Result<_, _>>()
        .map_err(ApiError::corrupt)?;
    let rows: Vec<(&Rejection<'_>, &String)> = rejections.iter().zip(&cells).collect();
    for part in rows.chunks(REJECTIONS_PER_STATEMENT) {
        with_tx!(tx, conn => {
            let mut query = sqlx::QueryBuilder::new(
                "INSERT INTO upload_rejections (upload_id, chunk, line, cells, codes, reasons) ",
            );
            query.push_values(part, |mut row, (r, cells)| {
                row.push_bind(upload_id)
                    .push_bind(chunk)
                    .push_bind(r.line)
                    .push_bind(cells.as_str())
                    .push_bind(r.codes.as_str())
                    .push_bind(r.reasons.as_str());
            });
            query.build().execute(&mut *conn).await?;
        });
    }
    Ok(())
}

/// `(line, cells JSON, reasons)` of upload `upload_id`'s rejected rows, in file order.
pub async fn rejections(db: &Db, upload_id: i64) -> Result<Vec<(i64, String, String)>, ApiError> {
    Ok(with_pool!(db, pool => {
        sqlx::query_as(
            "SELECT line, cells, reasons FROM upload_rejections WHERE upload_id = $1 \
             ORDER BY line, id",
        )
        .bind(upload_id)
        .fetch_all(pool)
        .await?
    }))
}

/// What a partner's next chunk depends on, read under a lock of the partner's profile (one
/// chunk of a partner at a time decides who lists within the first leads).
#[derive(Debug, Clone, Copy)]
pub struct PartnerIntake {
    pub approved: bool,
    pub suspended: bool,
    /// Leads the partner's uploads stored so far (a counter, not a count of rows: it is read
    /// with every chunk).
    pub uploaded: i64,
    pub verified: i64,
    pub verified_passed: i64,
}

pub async fn partner_intake_locked(
    tx: &mut Tx,
    partner_id: i64,
) -> Result<PartnerIntake, ApiError> {
    with_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO partner_profiles (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING",
        )
        .bind(partner_id)
        .execute(conn)
        .await?;
    });
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT approved, suspended, total_uploaded, verified, verified_passed \
         FROM partner_profiles WHERE user_id = $1{}",
        tx.for_update()
    ));
    let row: (bool, bool, i64, i64, i64) = with_tx!(tx, conn => {
        sqlx::query_as(sql).bind(partner_id).fetch_one(conn).await?
    });
    let (approved, suspended, uploaded, verified, verified_passed) = row;
    Ok(PartnerIntake {
        approved,
        suspended,
        uploaded,
        verified,
        verified_passed,
    })
}

/// Adds a chunk's numbers to the partner's profile, with the pass rate commission reads.
pub async fn add_to_partner(
    tx: &mut Tx,
    partner_id: i64,
    counts: &UploadCounts,
    verified: i64,
    verified_passed: i64,
    pass_rate: Decimal,
) -> Result<(), ApiError> {
    with_tx!(tx, conn => {
        sqlx::query(
            "UPDATE partner_profiles SET rows_sent = rows_sent + $1, \
             duplicates = duplicates + $2, verified = verified + $3, \
             verified_passed = verified_passed + $4, total_uploaded = total_uploaded + $5, \
             verification_pass_rate = $6 WHERE user_id = $7",
        )
        .bind(i64::from(counts.rows))
        .bind(i64::from(counts.duplicates))
        .bind(verified)
        .bind(verified_passed)
        .bind(i64::from(counts.accepted))
        .bind(DbDecimal(pass_rate))
        .bind(partner_id)
        .execute(conn)
        .await?;
    });
    Ok(())
}

/// Sold leads and commission (not reversed) of upload `upload_id`.
pub async fn upload_sales(db: &Db, upload_id: i64) -> Result<(i64, Decimal), ApiError> {
    let sold: i64 = with_pool!(db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM leads WHERE upload_id = $1 AND purchases > 0")
            .bind(upload_id)
            .fetch_one(pool)
            .await?
    });
    let amounts: Vec<DbDecimal> = with_pool!(db, pool => {
        sqlx::query_scalar(
            "SELECT c.amount FROM commissions c JOIN purchases p ON p.id = c.purchase_id \
             JOIN leads l ON l.id = p.lead_id WHERE l.upload_id = $1 AND c.status <> 'reversed'",
        )
        .bind(upload_id)
        .fetch_all(pool)
        .await?
    });
    Ok((sold, amounts.into_iter().map(|a| a.0).sum()))
}

/// The dto of `upload` with its chunks' totals and its sales.
pub async fn upload_dto(db: &Db, upload: &StoredUpload) -> Result<UploadDto, ApiError> {
    let chunks = chunks(db, upload.id).await?;
    let mut counts = UploadCounts::default();
    for c in &chunks {
        let add = c.counts();
        counts.rows += add.rows;
        counts.accepted += add.accepted;
        counts.rejected += add.rejected;
        counts.duplicates += add.duplicates;
        counts.listed += add.listed;
        counts.awaiting_review += add.awaiting_review;
    }
    let (sold, earned) = upload_sales(db, upload.id).await?;
    Ok(UploadDto {
        id: upload.id.to_string(),
        file_name: upload.file_name.clone(),
        category: upload.category.clone(),
        columns: upload.columns()?,
        row_count: u32::try_from(upload.row_count).map_err(ApiError::corrupt)?,
        content_hash: upload.content_hash.clone(),
        status: upload.status()?,
        acknowledged_chunks: chunks
            .iter()
            .map(|c| u32::try_from(c.n).map_err(ApiError::corrupt))
            .collect::<Result<_, _>>()?,
        counts,
        sold: u32::try_from(sold).map_err(ApiError::corrupt)?,
        earned,
        created_at: upload.created_at,
        completed_at: upload.completed_at,
    })
}
