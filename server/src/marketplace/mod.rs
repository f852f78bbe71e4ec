//! The marketplace feed: listed leads as buyers browse them, contact details masked.
//!
//! Rows are read into [`LeadRow`] (which knows the contact columns exist but never selects them)
//! and turned into the wire type [`LeadCard`], which has no contact fields at all.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use leadmart_shared::freshness::Freshness;
use leadmart_shared::lead::{Exclusivity, VerificationStatus};
use leadmart_shared::pricing::{PriceInput, price};
use leadmart_shared::scoring::Score;
use leadmart_shared::wire::{LeadCard, LeadPage};
use serde::Deserialize;

use crate::db::DbDecimal;
use crate::error::ApiError;
use crate::{AppState, MarketConfig, with_pool};

pub fn routes() -> Router<AppState> {
    Router::new().route("/marketplace/leads", get(list_leads))
}

/// Query string of `GET /v1/marketplace/leads`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// Page size, 1–100 (default 20).
    pub limit: Option<u32>,
    /// Opaque cursor from the previous page's `nextCursor`.
    pub cursor: Option<String>,
}

const DEFAULT_PAGE: u32 = 20;
const MAX_PAGE: u32 = 100;

/// The columns a buyer may see before buying. Contact columns are deliberately absent.
const CARD_COLUMNS: &str = "id, category, title, country, region, city, area, currency, \
     budget_min, budget_max, urgency, score, exclusivity, max_buyers, purchases, views, \
     phone_verified, verification, created_at, listed_at";

#[derive(Debug, sqlx::FromRow)]
struct LeadRow {
    id: i64,
    category: String,
    title: String,
    country: String,
    region: String,
    city: String,
    area: String,
    currency: String,
    budget_min: DbDecimal,
    budget_max: DbDecimal,
    urgency: String,
    score: i32,
    exclusivity: String,
    max_buyers: i32,
    purchases: i32,
    views: i32,
    phone_verified: bool,
    verification: String,
    created_at: DateTime<Utc>,
    listed_at: DateTime<Utc>,
}

impl LeadRow {
    /// The buyer-facing card, priced now from the shared rule (freshness decays with time, so
    /// a price is never stored).
    fn into_card(self, market: &MarketConfig, now: DateTime<Utc>) -> Result<LeadCard, ApiError> {
        let exclusivity = Exclusivity::parse(&self.exclusivity).map_err(ApiError::corrupt)?;
        let email_status =
            VerificationStatus::parse(&self.verification).map_err(ApiError::corrupt)?;
        let score = Score::clamped(i64::from(self.score));
        let price_credits = price(
            &PriceInput {
                score,
                freshness: Freshness::between(self.created_at, now, &market.freshness),
                exclusivity,
                phone_verified: self.phone_verified,
                email_status,
            },
            &market.pricing,
        );
        Ok(LeadCard {
            id: self.id.to_string(),
            category: self.category,
            title: self.title,
            country: self.country,
            region: self.region,
            city: self.city,
            area: self.area,
            currency: self.currency,
            budget_min: self.budget_min.0,
            budget_max: self.budget_max.0,
            urgency: self.urgency,
            score: score.value(),
            price_credits: price_credits.amount(),
            exclusivity: self.exclusivity,
            max_buyers: u32::try_from(self.max_buyers).map_err(ApiError::corrupt)?,
            purchases: u32::try_from(self.purchases).map_err(ApiError::corrupt)?,
            views: u32::try_from(self.views).map_err(ApiError::corrupt)?,
            listed_at: self.listed_at,
        })
    }
}

async fn list_leads(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> Result<Json<LeadPage>, ApiError> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {MAX_PAGE}, got {limit}"
        )));
    }
    let before_id = match query.cursor.as_deref() {
        None | Some("") => i64::MAX,
        Some(cursor) => cursor
            .parse::<i64>()
            .map_err(|_| ApiError::BadRequest(format!("cursor {cursor:?} is not valid")))?,
    };
    let now = Utc::now();
    // Built only from constants; every value is a bound parameter.
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {CARD_COLUMNS} FROM leads \
         WHERE status = 'listed' AND expires_at > $1 AND purchases < max_buyers AND id < $2 \
         ORDER BY id DESC LIMIT $3"
    ));
    // One extra row tells whether another page exists without a second query.
    let fetch = i64::from(limit) + 1;
    let mut rows: Vec<LeadRow> = with_pool!(state.db.as_ref(), pool => {
        sqlx::query_as(sql).bind(now).bind(before_id).bind(fetch).fetch_all(pool).await?
    });
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|row| row.id.to_string())
    } else {
        None
    };
    let leads = rows
        .into_iter()
        .map(|row| row.into_card(&state.market, now))
        .collect::<Result<_, _>>()?;
    Ok(Json(LeadPage { leads, next_cursor }))
}
