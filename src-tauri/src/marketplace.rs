//! The marketplace feed as the app shows it: live from the API when it answers (and saved to the
//! cache), otherwise the last saved page with an offline notice and the time it was saved.

use chrono::{DateTime, Utc};
use leadmart_shared::wire::{LeadCard, LeadPage, LeadPreviewDto};
use rust_decimal::Decimal;
use serde::Serialize;
use specta::Type;

use crate::cache::Cache;
use crate::error::AppError;
use crate::session::SessionManager;

/// How many leads the feed asks for and keeps offline.
pub const FEED_PAGE_SIZE: u32 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Connection {
    Online,
    Offline,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MarketplaceFeed {
    pub leads: Vec<LeadCard>,
    pub connection: Connection,
    /// When the shown leads were fetched from the API; `None` if never.
    pub last_synced_at: Option<DateTime<Utc>>,
}

/// Fetches the feed, falling back to the cache when the API is unreachable.
pub async fn load_feed(
    session: &SessionManager,
    cache: &Cache,
    now: DateTime<Utc>,
) -> Result<MarketplaceFeed, AppError> {
    let api = session.api();
    let fetched = session
        .call(|token| async move {
            api.marketplace_leads(token.as_deref(), FEED_PAGE_SIZE)
                .await
        })
        .await;
    match fetched {
        Ok(page) => {
            cache.replace_marketplace(&page.leads, now).await?;
            Ok(MarketplaceFeed {
                leads: page.leads,
                connection: Connection::Online,
                last_synced_at: Some(now),
            })
        }
        Err(AppError::Offline { .. }) => {
            tracing::info!("API unreachable; showing the cached feed");
            let cached = cache.marketplace().await?;
            Ok(MarketplaceFeed {
                leads: cached.leads,
                connection: Connection::Offline,
                last_synced_at: cached.synced_at,
            })
        }
        Err(other) => Err(other),
    }
}

/// The Available Leads filter bar (seed 000) and sort, as the UI sends it. Every field is
/// optional; empty lists and `None` mean "any".
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize, Type)]
#[serde(rename_all = "camelCase", default)]
pub struct BrowseFilters {
    pub city: Option<String>,
    pub area: Option<String>,
    /// A category (`real-estate/buy`) or a whole group (`real-estate`).
    pub category: Option<String>,
    pub budget_min: Option<Decimal>,
    pub budget_max: Option<Decimal>,
    /// Wanted `property_type` values, e.g. `2BHK`, `3BHK`.
    pub property_types: Vec<String>,
    /// Timelines: `immediate`, `this_week`, `within_month`, `within_3_months`, `flexible`.
    pub urgencies: Vec<String>,
    pub min_score: Option<u8>,
    /// `exclusive` or `shared`.
    pub exclusivity: Option<String>,
    pub has_phone: bool,
    pub verified_email: bool,
    /// Listed within this many hours (freshness).
    pub max_age_hours: Option<u32>,
    pub sort: SortOrder,
    /// Only leads the agent's preferences admit.
    pub matching: bool,
    /// The previous page's `nextCursor`.
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    #[default]
    Newest,
    HighestScore,
    LowestPrice,
}

impl BrowseFilters {
    /// The query string of `GET /v1/marketplace/leads` for these filters.
    pub fn to_query(&self, limit: u32) -> Vec<(&'static str, String)> {
        let mut query = vec![("limit", limit.to_string())];
        let text = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        for (key, value) in [
            ("city", text(&self.city)),
            ("area", text(&self.area)),
            ("category", text(&self.category)),
            ("exclusivity", text(&self.exclusivity)),
            ("cursor", text(&self.cursor)),
        ] {
            if let Some(value) = value {
                query.push((key, value));
            }
        }
        if let Some(min) = self.budget_min {
            query.push(("budgetMin", min.to_string()));
        }
        if let Some(max) = self.budget_max {
            query.push(("budgetMax", max.to_string()));
        }
        if !self.property_types.is_empty() {
            query.push((
                "attributes",
                format!("property_type:{}", self.property_types.join("|")),
            ));
        }
        if !self.urgencies.is_empty() {
            query.push(("urgency", self.urgencies.join(",")));
        }
        if let Some(score) = self.min_score {
            query.push(("minScore", score.to_string()));
        }
        if self.has_phone {
            query.push(("hasPhone", "true".to_owned()));
        }
        if self.verified_email {
            query.push(("verifiedEmail", "true".to_owned()));
        }
        if let Some(hours) = self.max_age_hours {
            query.push(("maxAgeHours", hours.to_string()));
        }
        if self.matching {
            query.push(("matching", "true".to_owned()));
        }
        let sort = match self.sort {
            SortOrder::Newest => "newest",
            SortOrder::HighestScore => "score",
            SortOrder::LowestPrice => "price",
        };
        query.push(("sort", sort.to_owned()));
        query
    }

    /// No filter narrows the list (the sort may differ).
    fn is_unfiltered(&self) -> bool {
        let plain = BrowseFilters {
            sort: self.sort,
            ..BrowseFilters::default()
        };
        *self == plain
    }
}

/// One page of Available Leads.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BrowsePage {
    pub leads: Vec<LeadCard>,
    pub next_cursor: Option<String>,
    pub connection: Connection,
    pub last_synced_at: Option<DateTime<Utc>>,
    /// Offline with filters set: the saved page is shown unfiltered.
    pub filters_ignored: bool,
}

/// How many leads one Available Leads page holds.
pub const BROWSE_PAGE_SIZE: u32 = 24;

/// Browses the marketplace with filters. Offline, the first page falls back to the saved feed
/// (unfiltered, and says so); buying from it still needs the network.
pub async fn browse(
    session: &SessionManager,
    cache: &Cache,
    filters: &BrowseFilters,
) -> Result<BrowsePage, AppError> {
    let api = session.api();
    let query = filters.to_query(BROWSE_PAGE_SIZE);
    let fetched = session
        .call(|token| {
            let query = &query;
            async move {
                api.send(
                    crate::api::Method::GET,
                    "v1/marketplace/leads",
                    token.as_deref(),
                    query,
                    None::<&()>,
                )
                .await
            }
        })
        .await;
    match fetched {
        Ok(LeadPage { leads, next_cursor }) => Ok(BrowsePage {
            leads,
            next_cursor,
            connection: Connection::Online,
            last_synced_at: Some(Utc::now()),
            filters_ignored: false,
        }),
        Err(AppError::Offline { .. }) if filters.cursor.is_none() => {
            let cached = cache.marketplace().await?;
            Ok(BrowsePage {
                leads: cached.leads,
                next_cursor: None,
                connection: Connection::Offline,
                last_synced_at: cached.synced_at,
                filters_ignored: !filters.is_unfiltered(),
            })
        }
        Err(other) => Err(other),
    }
}

/// The preview modal's data; counts a view on the server. Needs the network.
pub async fn preview(session: &SessionManager, lead_id: &str) -> Result<LeadPreviewDto, AppError> {
    let api = session.api();
    let path = format!("v1/marketplace/leads/{}", path_segment(lead_id)?);
    session
        .call(|token| {
            let path = &path;
            async move {
                api.send(
                    crate::api::Method::GET,
                    path,
                    token.as_deref(),
                    &[],
                    None::<&()>,
                )
                .await
            }
        })
        .await
}

/// A lead id from the UI, checked before it goes into a URL path.
pub fn path_segment(lead_id: &str) -> Result<&str, AppError> {
    if !lead_id.is_empty()
        && lead_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Ok(lead_id)
    } else {
        Err(AppError::Invalid {
            message: format!("{lead_id:?} is not a lead id."),
        })
    }
}
