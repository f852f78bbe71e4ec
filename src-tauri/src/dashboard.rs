//! The Dashboard: gathers what the app knows (purchased leads, cached so the numbers survive
//! going offline; the latest listings; the credit value) and hands it to
//! `leadmart_shared::analytics::dashboard_stats`, which computes every number.

use chrono::{DateTime, Utc};
use leadmart_shared::analytics::{self, DashboardStats};
use leadmart_shared::local_time::{MARKETPLACE_TIME_ZONE, parse_time_zone};
use leadmart_shared::wire::AgentPreferencesDto;
use serde::Serialize;
use specta::Type;

use crate::billing;
use crate::cache::Cache;
use crate::error::AppError;
use crate::marketplace::{self, BrowseFilters, Connection};
use crate::my_leads;
use crate::preferences;
use crate::session::SessionManager;

/// The Dashboard's numbers and whether they are live.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DashboardView {
    pub stats: DashboardStats,
    pub connection: Connection,
}

/// The agent's own time zone from their preferences (as cached, offline); the marketplace's
/// when they chose none or the preferences cannot be read.
pub(crate) fn time_zone_of(preferences: Option<AgentPreferencesDto>) -> chrono_tz::Tz {
    preferences
        .and_then(|p| p.time_zone)
        .and_then(|name| parse_time_zone(&name).ok())
        .unwrap_or(MARKETPLACE_TIME_ZONE)
}

/// The Dashboard: stats from My Leads (cache when offline) and the last 24 hours of listings,
/// in the agent's time zone; offline, with the preferences and credit value sync cached.
pub async fn stats(
    session: &SessionManager,
    cache: &Cache,
    now: DateTime<Utc>,
) -> Result<DashboardView, AppError> {
    let mine = my_leads::list(session, cache, now).await?;
    let filters = BrowseFilters {
        max_age_hours: Some(24),
        ..BrowseFilters::default()
    };
    let listed = marketplace::browse(session, cache, &filters).await?;
    let value = billing::known_value(session, cache, mine.connection).await;
    let zone = match mine.connection {
        Connection::Online => time_zone_of(preferences::get(session, cache).await.ok()),
        Connection::Offline => time_zone_of(cache.cached_preferences().await.unwrap_or(None)),
    };
    let stats = analytics::dashboard_stats(
        &mine.leads,
        &listed.leads,
        listed.next_cursor.is_some(),
        value.as_ref(),
        zone,
        now,
    );
    Ok(DashboardView {
        stats,
        connection: mine.connection,
    })
}
