//! The marketplace: browse listed leads (every filter of seed 000's filter bar and seed 001
//! §6.1, three sorts, cursor paging) and preview one (counts a view). Contact details are masked:
//! rows become the shared [`Lead`](leadmart_shared::lead::Lead) and leave only as its
//! `preview`, whose wire types have no contact fields at all.
//!
//! Pages come from SQL in the page's order through indexes ([`store`]); the price order is
//! exact in SQL because each lead stores its shared `PriceBands`. The few filters SQL cannot
//! express portably (budget overlap, category attributes, freshness, the agent's own
//! preferences) run in Rust over the priced preview, reading further keyset batches until the
//! page is full, so a browse reads about a page of rows, not every open lead.

pub mod record;
pub mod store;

use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Duration, Utc};
use leadmart_shared::agent::{AgentProfile, LeadTraits};
use leadmart_shared::lead::{BudgetRange, Category, LeadPreview, Urgency};
use leadmart_shared::money::{Credits, Money};
use leadmart_shared::normalize::fold;
use leadmart_shared::wire::{ApiErrorBody, LeadCard, LeadPage, LeadPreviewDto};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::AppState;
use crate::auth::AuthUser;
use crate::error::{ApiError, QueryParams};
use record::LeadRecord;
use store::{Bind, Conditions};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_leads))
        .routes(routes!(preview_lead))
}

/// Query string of `GET /v1/marketplace/leads`. Every filter is optional; lists are
/// comma-separated.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page size, 1–100 (default 20).
    pub limit: Option<u32>,
    /// Opaque cursor from the previous page's `nextCursor` (same filters and sort).
    pub cursor: Option<String>,
    /// `newest` (default), `score` (highest first) or `price` (lowest first).
    pub sort: Option<String>,
    pub country: Option<String>,
    pub region: Option<String>,
    pub city: Option<String>,
    pub area: Option<String>,
    /// A category (`real-estate/buy`) or a whole group (`real-estate`).
    pub category: Option<String>,
    /// Leads whose budget range overlaps `budgetMin..budgetMax` (in the lead's currency).
    pub budget_min: Option<Decimal>,
    pub budget_max: Option<Decimal>,
    /// Category attributes, `key:value|value,key:value` (e.g. `property_type:2BHK|3BHK`).
    pub attributes: Option<String>,
    /// Timelines, e.g. `immediate,this_week`.
    pub urgency: Option<String>,
    pub min_score: Option<u8>,
    /// `exclusive` or `shared`.
    pub exclusivity: Option<String>,
    pub has_phone: Option<bool>,
    pub verified_email: Option<bool>,
    /// Listed within this many hours.
    pub max_age_hours: Option<u32>,
    /// Freshness score (5–100) at least this.
    pub min_freshness: Option<u8>,
    /// Price in credits at most this.
    pub max_price: Option<Decimal>,
    /// Only leads the signed-in agent serves and whose preferences admit them.
    pub matching: Option<bool>,
}

const DEFAULT_PAGE: u32 = 20;
const MAX_PAGE: u32 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Newest,
    Score,
    Price,
}

impl Sort {
    fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        match raw.unwrap_or("newest") {
            "newest" => Ok(Sort::Newest),
            "score" => Ok(Sort::Score),
            "price" => Ok(Sort::Price),
            other => Err(ApiError::BadRequest(format!(
                "sort must be newest, score or price, got {other:?}"
            ))),
        }
    }
}

/// A position in one sort order: the key of the last lead shown and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortKey {
    /// Listing time (descending).
    Newest(DateTime<Utc>, i64),
    /// Score (descending).
    Score(i64, i64),
    /// Current price in hundredths of a credit (ascending).
    Price(i64, i64),
}

impl SortKey {
    fn of(sort: Sort, preview: &LeadPreview) -> Result<Self, ApiError> {
        let id = preview.id.get();
        Ok(match sort {
            Sort::Newest => SortKey::Newest(preview.listed_at.unwrap_or_default(), id),
            Sort::Score => SortKey::Score(i64::from(preview.score.score().value()), id),
            Sort::Price => SortKey::Price(
                preview
                    .price
                    .hundredths()
                    .ok_or_else(|| ApiError::corrupt("price out of range"))?,
                id,
            ),
        })
    }

    fn cursor(&self) -> String {
        match self {
            // Nanoseconds: the stored time round-trips exactly, so no lead is skipped or shown
            // twice at a page boundary.
            SortKey::Newest(t, id) => {
                format!("n{}_{id}", t.timestamp_nanos_opt().unwrap_or_default())
            }
            SortKey::Score(s, id) => format!("s{s}_{id}"),
            SortKey::Price(p, id) => format!("p{p}_{id}"),
        }
    }

    fn parse(sort: Sort, cursor: &str) -> Option<Self> {
        let (key, id) = cursor.get(1..)?.split_once('_')?;
        let id: i64 = id.parse().ok()?;
        match (sort, cursor.as_bytes().first()?) {
            (Sort::Newest, b'n') => Some(SortKey::Newest(
                DateTime::from_timestamp_nanos(key.parse().ok()?),
                id,
            )),
            (Sort::Score, b's') => Some(SortKey::Score(key.parse().ok()?, id)),
            (Sort::Price, b'p') => Some(SortKey::Price(key.parse().ok()?, id)),
            _ => None,
        }
    }
}

/// The filters SQL applies (everything but those of [`PreviewFilter`]).
fn sql_filters(query: &ListQuery, now: DateTime<Utc>) -> Result<Conditions, ApiError> {
    let mut conditions = Conditions::at(now);
    for (column, value) in [
        ("country", &query.country),
        ("region", &query.region),
        ("city", &query.city),
        ("area", &query.area),
    ] {
        if let Some(value) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            conditions.and(
                &format!("LOWER({column}) = LOWER(?)"),
                [Bind::Text(value.trim().to_owned())],
            );
        }
    }
    if let Some(raw) = query.category.as_deref().filter(|c| !c.is_empty()) {
        let category =
            Category::parse(raw).map_err(|e| ApiError::BadRequest(format!("category: {e}")))?;
        if category.as_str().contains('/') {
            conditions.and("category = ?", [Bind::Text(category.as_str().to_owned())]);
        } else {
            // A group covers its sub-categories (shared `Category::covers`, re-checked in Rust).
            conditions.and(
                "category LIKE ?",
                [Bind::Text(format!("{}/%", category.as_str()))],
            );
        }
    }
    if let Some(min) = query.min_score {
        conditions.and("score >= ?", [Bind::Int(i64::from(min))]);
    }
    if let Some(ex) = query.exclusivity.as_deref().filter(|e| !e.is_empty()) {
        let exclusivity = leadmart_shared::lead::Exclusivity::parse(ex)
            .map_err(|e| ApiError::BadRequest(format!("exclusivity: {e}")))?;
        conditions.and(
            "exclusivity = ?",
            [Bind::Text(exclusivity.as_str().to_owned())],
        );
    }
    if query.has_phone == Some(true) {
        conditions.and_fixed("contact_phone IS NOT NULL");
    }
    if query.verified_email == Some(true) {
        conditions.and_fixed("verification = 'valid'");
    }
    if let Some(hours) = query.max_age_hours {
        conditions.and(
            "listed_at >= ?",
            [Bind::Time(now - Duration::hours(i64::from(hours)))],
        );
    }
    let urgencies = parse_urgencies(query.urgency.as_deref().unwrap_or(""))?;
    if !urgencies.is_empty() {
        let marks = vec!["?"; urgencies.len()].join(", ");
        conditions.and(
            &format!("urgency IN ({marks})"),
            urgencies.iter().map(|u| Bind::Text(u.as_str().to_owned())),
        );
    }
    Ok(conditions)
}

/// `key:v1|v2,key2:v3` → wanted values per attribute, folded for comparison.
fn parse_attributes(raw: &str) -> Result<Vec<(String, Vec<String>)>, ApiError> {
    raw.split(',')
        .filter(|part| !part.trim().is_empty())
        .map(|part| {
            let (key, values) = part.split_once(':').ok_or_else(|| {
                ApiError::BadRequest(format!("attributes: {part:?} is not key:value"))
            })?;
            Ok((key.trim().to_owned(), values.split('|').map(fold).collect()))
        })
        .collect()
}

fn parse_urgencies(raw: &str) -> Result<Vec<Urgency>, ApiError> {
    raw.split(',')
        .filter(|u| !u.trim().is_empty())
        .map(|u| Urgency::parse(u).map_err(|e| ApiError::BadRequest(format!("urgency: {e}"))))
        .collect()
}

/// The Rust-side filters, over the priced preview.
struct PreviewFilter {
    category: Option<Category>,
    budget: Option<(Decimal, Decimal)>,
    attributes: Vec<(String, Vec<String>)>,
    min_freshness: Option<u8>,
    agent: Option<AgentProfile>,
}

impl PreviewFilter {
    /// Whether this filter may refuse leads SQL admitted (then a page may need more rows).
    fn is_selective(&self) -> bool {
        self.budget.is_some()
            || !self.attributes.is_empty()
            || self.min_freshness.is_some()
            || self.agent.is_some()
    }

    fn admits(&self, p: &LeadPreview) -> bool {
        if self
            .category
            .as_ref()
            .is_some_and(|c| !c.covers(&p.category))
        {
            return false;
        }
        if let (Some((min, max)), Some(lead_budget)) = (self.budget, &p.budget) {
            let wanted = Money::new(min)
                .ok()
                .zip(Money::new(max).ok())
                .and_then(|(lo, hi)| BudgetRange::new(lead_budget.currency(), lo, hi).ok());
            if !wanted.is_some_and(|w| w.overlaps(lead_budget)) {
                return false;
            }
        }
        let attributes_ok = self.attributes.iter().all(|(key, wanted)| {
            p.attributes
                .get(key)
                .is_some_and(|have| wanted.contains(&fold(have)))
        });
        if !attributes_ok {
            return false;
        }
        if self
            .min_freshness
            .is_some_and(|m| p.freshness.rounded() < m)
        {
            return false;
        }
        if let Some(agent) = &self.agent {
            let traits = LeadTraits {
                score: p.score.score(),
                budget: p.budget.as_ref(),
                exclusivity: p.cap.exclusivity(),
                urgency: p.urgency,
                price: p.price,
            };
            if !(agent.serves_category(&p.category)
                && agent.serves_location(&p.location)
                && agent.preferences.admits(&traits))
            {
                return false;
            }
        }
        true
    }
}

/// Browse listed leads, masked; `matching=true` needs a signed-in agent.
#[utoipa::path(
    get,
    path = "/marketplace/leads",
    tag = "marketplace",
    params(ListQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "One page of lead cards", body = LeadPage),
        (status = "4XX", description = "error codes: bad_request, unauthorized, forbidden", body = ApiErrorBody),
    )
)]
async fn list_leads(
    State(state): State<AppState>,
    user: Option<AuthUser>,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Json<LeadPage>, ApiError> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {MAX_PAGE}, got {limit}"
        )));
    }
    let sort = Sort::parse(query.sort.as_deref())?;
    let after = match query.cursor.as_deref() {
        None | Some("") => None,
        Some(cursor) => Some(SortKey::parse(sort, cursor).ok_or_else(|| {
            ApiError::BadRequest(format!("cursor {cursor:?} is not valid for this sort"))
        })?),
    };
    let budget = match (query.budget_min, query.budget_max) {
        (None, None) => None,
        (min, max) => Some((min.unwrap_or(Decimal::ZERO), max.unwrap_or(Decimal::MAX))),
    };
    let agent = match (query.matching, &user) {
        (Some(true), Some(user)) => Some(
            crate::preferences::profile(&state.db, user, state.market.credit_value.currency)
                .await?,
        ),
        (Some(true), None) => return Err(ApiError::unauthorized()),
        _ => None,
    };
    let filter = PreviewFilter {
        category: query
            .category
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(Category::parse)
            .transpose()
            .map_err(|e| ApiError::BadRequest(format!("category: {e}")))?,
        budget,
        attributes: parse_attributes(query.attributes.as_deref().unwrap_or(""))?,
        min_freshness: query.min_freshness,
        agent,
    };
    let max_price = query
        .max_price
        .map(|m| {
            Credits::new(m)
                .ok()
                .and_then(Credits::hundredths)
                .ok_or_else(|| ApiError::BadRequest(format!("maxPrice: {m} is not a price")))
        })
        .transpose()?;
    let now = Utc::now();
    let conditions = sql_filters(&query, now)?;
    let market = &state.market;
    let wanted = limit as usize + 1;
    // Rows SQL admits that the Rust filter may still refuse: read ahead in bigger batches.
    let batch = if filter.is_selective() {
        (limit * 4).max(100)
    } else {
        limit + 1
    };
    let mut page: Vec<(SortKey, LeadPreview)> = Vec::with_capacity(wanted);
    let mut position = after;
    while page.len() < wanted {
        let records = store::open_leads(
            &state.db,
            &conditions,
            sort,
            position.as_ref(),
            max_price,
            batch,
        )
        .await?;
        let exhausted = records.len() < batch as usize;
        for record in records {
            let preview = record
                .into_lead()?
                .preview(now, &market.pricing, &market.freshness);
            let key = SortKey::of(sort, &preview)?;
            position = Some(key.clone());
            if filter.admits(&preview) && page.len() < wanted {
                page.push((key, preview));
            }
        }
        if exhausted {
            break;
        }
    }
    let limit = limit as usize;
    let next_cursor = (page.len() > limit)
        .then(|| page.get(limit - 1).map(|(key, _)| key.cursor()))
        .flatten();
    let currency = market.credit_value.currency.to_string();
    let leads = page
        .iter()
        .take(limit)
        .map(|(_, p)| LeadCard::from_preview(p, &currency))
        .collect();
    Ok(Json(LeadPage { leads, next_cursor }))
}

/// Reads one lead as the shared record.
pub async fn load_lead(
    db: &crate::db::Db,
    id: i64,
) -> Result<Option<leadmart_shared::lead::Lead>, ApiError> {
    store::lead(db, id)
        .await?
        .map(LeadRecord::into_lead)
        .transpose()
}

pub fn parse_id(raw: &str, what: &str) -> Result<i64, ApiError> {
    raw.parse::<leadmart_shared::ids::LeadId>()
        .map(|id| id.get())
        .map_err(|_| ApiError::not_found(what))
}

/// The preview modal: counts a view, then shows the masked lead with its score breakdown,
/// price, freshness, views and "N of M claimed" (`purchases` of `maxBuyers`). Only signed-in
/// callers count, once per caller per lead (`lead_views`): reloading a preview, or scraping the
/// API anonymously, cannot inflate a lead's popularity.
#[utoipa::path(
    get,
    path = "/marketplace/leads/{id}",
    tag = "marketplace",
    params(("id" = String, Path, pattern = r"^[0-9]+$", description = "The lead's id")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The masked preview", body = LeadPreviewDto),
        (status = "4XX", description = "error codes: not_found, unauthorized", body = ApiErrorBody),
    )
)]
async fn preview_lead(
    State(state): State<AppState>,
    user: Option<AuthUser>,
    Path(id): Path<String>,
) -> Result<Json<LeadPreviewDto>, ApiError> {
    let id = parse_id(&id, "lead")?;
    if !store::is_previewable(&state.db, id).await? {
        return Err(ApiError::not_found("lead"));
    }
    if let Some(viewer) = &user {
        store::count_view(&state.db, id, viewer.id).await?;
    }
    let lead = load_lead(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("lead"))?;
    let market = &state.market;
    let preview = lead.preview(Utc::now(), &market.pricing, &market.freshness);
    Ok(Json(LeadPreviewDto::from_preview(
        &preview,
        &market.credit_value.currency.to_string(),
    )))
}
