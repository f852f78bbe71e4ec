//! The demo seed's SQL: whether the marketplace has leads, demo users, the partner's profile,
//! granted credits and the demo leads themselves; for the history, whether the demo agent has
//! purchases and the removal of the live events it raised (see `history`).

use chrono::{DateTime, Duration, Utc};
use leadmart_shared::money::Credits;
use rust_decimal::Decimal;

use super::SeedLead;
use crate::db::{Db, DbDecimal, Tx};
use crate::error::ApiError;
use crate::{with_pool, with_tx};

pub(super) async fn lead_count(db: &Db) -> Result<i64, ApiError> {
    Ok(with_pool!(db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM leads").fetch_one(pool).await?
    }))
}

pub(super) async fn user_id_by_email(db: &Db, email: &str) -> Result<Option<i64>, ApiError> {
    Ok(with_pool!(db, pool => {
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(pool)
            .await?
    }))
}

pub(super) async fn insert_partner_profile(
    db: &Db,
    partner: i64,
    verification_pass_rate: Decimal,
    total_uploaded: i64,
) -> Result<(), ApiError> {
    with_pool!(db, pool => {
        // The score's counters agree with the pass rate: 12,600 rows sent, 600 duplicates, every
        // accepted lead verified. Approved: past the first leads long ago.
        sqlx::query(
            "INSERT INTO partner_profiles (user_id, verification_pass_rate, total_uploaded, \
             approved, rows_sent, duplicates, verified, verified_passed) \
             VALUES ($1, $2, $3, TRUE, $3 + 600, 600, $3, $4)",
        )
        .bind(partner)
        .bind(DbDecimal(verification_pass_rate))
        .bind(total_uploaded)
        .bind(
            (Decimal::from(total_uploaded) * verification_pass_rate)
                .round()
                .try_into()
                .unwrap_or(0i64),
        )
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// A completed past upload holding the demo partner's leads, with a few rejected rows, so the
/// upload history and its rejections file have something to show. Nothing when the partner
/// has no leads (no generated ones were asked for).
pub(super) async fn insert_past_upload(
    db: &Db,
    partner: i64,
    columns: &str,
    rejected: &[(i64, String, &str, &str)],
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    let mut tx = db.begin_write().await?;
    with_tx!(&mut tx, conn => {
        let leads: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM leads WHERE partner_id = $1")
            .bind(partner)
            .fetch_one(&mut *conn)
            .await?;
        if leads > 0 {
            let rows = leads + i64::try_from(rejected.len()).unwrap_or(0);
            let upload: i64 = sqlx::query_scalar(
                "INSERT INTO uploads (partner_id, file_name, category, columns, row_count, \
                 content_hash, status, created_at, completed_at) \
                 VALUES ($1, 'prime-leads-export.csv', NULL, $2, $3, $4, 'completed', $5, $5) \
                 RETURNING id",
            )
            .bind(partner)
            .bind(columns)
            .bind(rows)
            .bind("0".repeat(64))
            .bind(at)
            .fetch_one(&mut *conn)
            .await?;
            let duplicates = i64::try_from(
                rejected.iter().filter(|r| r.2.starts_with("duplicate")).count(),
            )
            .unwrap_or(0);
            sqlx::query(
                "INSERT INTO upload_chunks (upload_id, n, body_hash, rows, accepted, rejected, \
                 duplicates, listed, awaiting_review, received_at) \
                 VALUES ($1, 0, '', $2, $3, $4, $5, $3, 0, $6)",
            )
            .bind(upload)
            .bind(rows)
            .bind(leads)
            .bind(rows - leads - duplicates)
            .bind(duplicates)
            .bind(at)
            .execute(&mut *conn)
            .await?;
            for (line, cells, code, reason) in rejected {
                sqlx::query(
                    "INSERT INTO upload_rejections (upload_id, chunk, line, cells, codes, reasons) \
                     VALUES ($1, 0, $2, $3, $4, $5)",
                )
                .bind(upload)
                .bind(line)
                .bind(cells)
                .bind(code)
                .bind(reason)
                .execute(&mut *conn)
                .await?;
            }
            sqlx::query("UPDATE leads SET upload_id = $1 WHERE partner_id = $2")
                .bind(upload)
                .bind(partner)
                .execute(&mut *conn)
                .await?;
        }
    });
    tx.commit().await?;
    Ok(())
}

/// A settled `dev` payment of `credits` for nothing; returns its id (the ledger posts follow).
pub(super) async fn insert_granted_payment(
    tx: &mut Tx,
    user: i64,
    credits: Credits,
    now: DateTime<Utc>,
) -> Result<i64, ApiError> {
    Ok(with_tx!(tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO payments (user_id, package_code, credits, amount, currency, provider, \
             provider_ref, status, auto, created_at, settled_at) \
             VALUES ($1, 'grant', $2, $3, 'INR', 'dev', 'grant', 'settled', FALSE, $4, $4) RETURNING id",
        )
        .bind(user)
        .bind(DbDecimal(credits.amount()))
        .bind(DbDecimal(Decimal::ZERO))
        .bind(now)
        .fetch_one(conn)
        .await?
    }))
}

/// Inserts `lead`, listed `lead.listed_hours_ago` before `now`; returns its id.
pub(super) async fn insert_lead(
    tx: &mut Tx,
    lead: &SeedLead,
    now: DateTime<Utc>,
) -> Result<i64, ApiError> {
    let listed_at = now - Duration::hours(lead.listed_hours_ago);
    let expires_at = listed_at + Duration::days(30);
    let (exclusivity, max_buyers) = if lead.exclusive {
        ("exclusive", 1)
    } else {
        ("shared", 3)
    };
    let signals = serde_json::to_string(&lead.signals).map_err(ApiError::corrupt)?;
    let attributes = serde_json::to_string(&lead.attributes).map_err(ApiError::corrupt)?;
    let source = if lead.partner.is_some() {
        "partner_upload"
    } else {
        "admin"
    };
    Ok(with_tx!(tx, pool => {
        sqlx::query_scalar(
            "INSERT INTO leads (category, title, description, country, region, city, area, \
             postal_code, currency, budget_min, budget_max, urgency, score, exclusivity, \
             max_buyers, contact_name, contact_email, contact_phone, contact_address, \
             phone_verified, verification, source, status, created_at, \
             listed_at, expires_at, partner_id, attributes, score_signals) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18, $19, $20, $21, $22, 'listed', $23, $23, $24, $25, $26, $27) RETURNING id",
        )
        .bind(&lead.category)
        .bind(&lead.title)
        .bind(&lead.description)
        .bind(&lead.country)
        .bind(&lead.region)
        .bind(&lead.city)
        .bind(&lead.area)
        .bind(&lead.postal_code)
        .bind(&lead.currency)
        .bind(DbDecimal(Decimal::new(lead.budget_min * 100, 2)))
        .bind(DbDecimal(Decimal::new(lead.budget_max * 100, 2)))
        .bind(lead.urgency.as_str())
        .bind(lead.score)
        .bind(exclusivity)
        .bind(max_buyers)
        .bind(&lead.contact_name)
        .bind(&lead.contact_email)
        .bind(&lead.contact_phone)
        .bind(&lead.contact_address)
        .bind(lead.phone_verified)
        .bind(lead.email_verification)
        .bind(source)
        .bind(listed_at)
        .bind(expires_at)
        .bind(lead.partner)
        .bind(attributes)
        .bind(signals)
        .fetch_one(pool)
        .await?
    }))
}

/// Locks user `user`'s row for the rest of `tx` (PostgreSQL; SQLite's write transaction
/// excludes other writers already): a second seeding of the history waits for the first.
pub(super) async fn lock_user(tx: &mut Tx, user: i64) -> Result<(), ApiError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT id FROM users WHERE id = $1{}",
        tx.for_update()
    ));
    with_tx!(tx, conn => {
        sqlx::query(sql).bind(user).fetch_optional(conn).await?;
    });
    Ok(())
}

/// How many leads `buyer` bought.
pub(super) async fn purchase_count(tx: &mut Tx, buyer: i64) -> Result<i64, ApiError> {
    Ok(with_tx!(tx, conn => {
        sqlx::query_scalar("SELECT COUNT(*) FROM purchases WHERE buyer_id = $1")
            .bind(buyer)
            .fetch_one(conn)
            .await?
    }))
}

/// The highest event id `tx` sees.
pub(super) async fn top_event_id(tx: &mut Tx) -> Result<i64, ApiError> {
    Ok(with_tx!(tx, conn => {
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM events")
            .fetch_one(conn)
            .await?
    }))
}

/// Deletes the events above `after` dated at or before `until`: those the history raised in
/// `tx` (dated in the past), never another transaction's (dated at its own now, later).
pub(super) async fn forget_events(
    tx: &mut Tx,
    after: i64,
    until: DateTime<Utc>,
) -> Result<u64, ApiError> {
    Ok(with_tx!(tx, conn => {
        sqlx::query("DELETE FROM events WHERE id > $1 AND created_at <= $2")
            .bind(after)
            .bind(until)
            .execute(conn)
            .await?
            .rows_affected()
    }))
}
