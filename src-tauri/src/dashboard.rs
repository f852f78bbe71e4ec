//! The Dashboard: gathers what the app knows (purchased leads, cached so the numbers survive
//! going offline; the latest listings; the credit value) and hands it to
//! `leadmart_shared::analytics::dashboard_stats`, which computes every number.

use chrono::{DateTime, Utc};
use leadmart_shared::analytics::{self, DashboardStats, MARKETPLACE_TIME_ZONE};
use serde::Serialize;
use specta::Type;

use crate::billing;
use crate::cache::Cache;
use crate::error::AppError;
use crate::marketplace::{self, BrowseFilters, Connection};
use crate::my_leads;
use crate::session::SessionManager;

/// The Dashboard's numbers and whether they are live.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DashboardView {
    pub stats: DashboardStats,
    pub connection: Connection,
}

/// The Dashboard: stats from My Leads (cache when offline) and the last 24 hours of listings,
/// in the marketplace's time zone until the agent's own reaches the app.
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
    let value = match mine.connection {
        Connection::Online => billing::value(session).await.unwrap_or(None),
        Connection::Offline => None,
    };
    let stats = analytics::dashboard_stats(
        &mine.leads,
        &listed.leads,
        listed.next_cursor.is_some(),
        value.and_then(|v| v.to_value()).as_ref(),
        MARKETPLACE_TIME_ZONE,
        now,
    );
    Ok(DashboardView {
        stats,
        connection: mine.connection,
    })
}
