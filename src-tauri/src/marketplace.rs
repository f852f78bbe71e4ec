//! The marketplace feed as the app shows it: live from the API when it answers (and saved to the
//! cache), otherwise the last saved page with an offline notice and the time it was saved.

use chrono::{DateTime, Utc};
use leadmart_shared::wire::LeadCard;
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
