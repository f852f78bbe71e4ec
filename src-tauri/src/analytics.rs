//! The Analytics page: [`leadmart_shared::performance::report`] over the briefcase, synced first
//! when the API answers and read from the cache when it does not, so it works offline.

use chrono::{DateTime, Utc};
use leadmart_shared::performance::{self, AlertTimes, DateRange, PerformanceReport};
use serde::Serialize;
use specta::Type;

use crate::billing;
use crate::cache::Cache;
use crate::error::AppError;
use crate::marketplace::Connection;
use crate::my_leads;
use crate::session::SessionManager;

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AnalyticsView {
    pub report: PerformanceReport,
    pub connection: Connection,
}

/// The agent's performance on the leads bought in `range` (edits still waiting to sync count).
pub async fn view(
    session: &SessionManager,
    cache: &Cache,
    range: &DateRange,
    now: DateTime<Utc>,
) -> Result<AnalyticsView, AppError> {
    let mine = my_leads::list(session, cache, now).await?;
    let value = billing::known_value(session, cache, mine.connection).await;
    let alerts: Vec<AlertTimes> = cache
        .lead_alerts()
        .await?
        .into_iter()
        .map(|alert| AlertTimes {
            lead_id: alert.lead_id,
            arrived_at: alert.arrived_at,
            opened_at: alert.opened_at,
        })
        .collect();
    Ok(AnalyticsView {
        report: performance::report(&mine.leads, &alerts, range, value.as_ref()),
        connection: mine.connection,
    })
}
