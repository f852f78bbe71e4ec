//! The marketplace feed as the app shows it: live from the API when it answers (and saved to the
//! cache), otherwise the last saved page with an offline notice and the time it was saved.

use chrono::{DateTime, Utc};
use leadmart_shared::wire::LeadCard;
use serde::Serialize;
use specta::Type;

use crate::api::{ApiClient, ApiError};
use crate::cache::Cache;
use crate::error::AppError;

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
    api: &ApiClient,
    cache: &Cache,
    now: DateTime<Utc>,
) -> Result<MarketplaceFeed, AppError> {
    match api.marketplace_leads(FEED_PAGE_SIZE).await {
        Ok(page) => {
            cache.replace_marketplace(&page.leads, now).await?;
            Ok(MarketplaceFeed {
                leads: page.leads,
                connection: Connection::Online,
                last_synced_at: Some(now),
            })
        }
        Err(ApiError::Unreachable(err)) => {
            tracing::info!(error = %err, "API unreachable; showing the cached feed");
            let cached = cache.marketplace().await?;
            Ok(MarketplaceFeed {
                leads: cached.leads,
                connection: Connection::Offline,
                last_synced_at: cached.synced_at,
            })
        }
        Err(other) => Err(other.into()),
    }
}
