//! The demo seed's SQL: whether the marketplace has leads, demo users, the partner's profile,
//! granted credits and the demo leads themselves.

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
        sqlx::query(
            "INSERT INTO partner_profiles (user_id, verification_pass_rate, total_uploaded) \
             VALUES ($1, $2, $3)",
        )
        .bind(partner)
        .bind(DbDecimal(verification_pass_rate))
        .bind(total_uploaded)
        .execute(pool)
        .await?;
    });
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

pub(super) async fn insert_lead(
    tx: &mut Tx,
    lead: &SeedLead,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
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
    with_tx!(tx, pool => {
        sqlx::query(
            "INSERT INTO leads (category, title, description, country, region, city, area, \
             postal_code, currency, budget_min, budget_max, urgency, score, exclusivity, \
             max_buyers, contact_name, contact_email, contact_phone, contact_address, \
             phone_verified, verification, source, status, created_at, \
             listed_at, expires_at, partner_id, attributes, score_signals) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18, $19, $20, $21, $22, 'listed', $23, $23, $24, $25, $26, $27)",
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
        .execute(pool)
        .await?;
    });
    Ok(())
}
