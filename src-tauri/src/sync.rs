//! The sync engine: sends the outbox (in order, with this install's id and each edit's seq),
//! then pulls everything that changed since the last cursor. One run at a time per process, so
//! an older page can never land over a newer one. Callers run it on start, when My Leads is
//! opened or refreshed (the live stream refreshes it on reconnect and on every change), and
//! after every edit; an edit made offline simply waits in the outbox for the next run.

use chrono::{DateTime, Utc};
use leadmart_shared::wire::sync::{
    DeviceMutation, MutationBatch, MutationOutcome, MutationResults, SyncPage,
};

use crate::api::Method;
use crate::cache::{Cache, SyncProblem};
use crate::error::AppError;
use crate::session::SessionManager;

/// Mutations per request (the server takes up to 100).
const BATCH: i64 = 100;
/// Changes per page (the server's largest).
const PAGE: &str = "500";

static ONE_RUN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// What one run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncReport {
    /// Edits the server took (applied now or before).
    pub sent: usize,
    /// Edits the server refused (kept in the outbox with the reason).
    pub refused: usize,
    /// Sync pages applied.
    pub pages: usize,
}

/// Sends the outbox, then pulls. `Offline` when the API does not answer: nothing is lost, the
/// outbox waits.
pub async fn run(
    session: &SessionManager,
    cache: &Cache,
    now: DateTime<Utc>,
) -> Result<SyncReport, AppError> {
    let _one = ONE_RUN.lock().await;
    let mut report = SyncReport::default();
    push(session, cache, &mut report).await?;
    pull(session, cache, now, &mut report).await?;
    Ok(report)
}

async fn push(
    session: &SessionManager,
    cache: &Cache,
    report: &mut SyncReport,
) -> Result<(), AppError> {
    let install_id = cache
        .install_id(|| uuid::Uuid::new_v4().simple().to_string())
        .await?;
    loop {
        let waiting = cache.pending(BATCH).await?;
        if waiting.is_empty() {
            return Ok(());
        }
        let batch = MutationBatch {
            install_id: install_id.clone(),
            mutations: waiting
                .into_iter()
                .map(|entry| DeviceMutation {
                    seq: entry.seq,
                    lead_id: entry.lead_id,
                    change: entry.change,
                })
                .collect(),
        };
        let answer: MutationResults = session
            .request(Method::POST, "v1/sync/mutations", &[], Some(&batch))
            .await?;
        if answer.results.is_empty() {
            return Err(AppError::Incompatible {
                message:
                    "The marketplace answered the sync without results. Please update the app."
                        .to_owned(),
            });
        }
        for result in answer.results {
            match result.outcome {
                MutationOutcome::Applied | MutationOutcome::Duplicate => {
                    cache.settle(result.seq).await?;
                    report.sent += 1;
                }
                MutationOutcome::Rejected { code, message } => {
                    cache
                        .refuse(result.seq, &SyncProblem { code, message })
                        .await?;
                    report.refused += 1;
                }
            }
        }
    }
}

async fn pull(
    session: &SessionManager,
    cache: &Cache,
    now: DateTime<Utc>,
    report: &mut SyncReport,
) -> Result<(), AppError> {
    let mut cursor = cache.sync_cursor().await?;
    loop {
        let query = [("cursor", cursor.clone()), ("limit", PAGE.to_owned())];
        let page: SyncPage = session
            .request(Method::GET, "v1/sync", &query, None::<&()>)
            .await?;
        cache.apply_sync_page(&page, now).await?;
        report.pages += 1;
        if !page.has_more {
            return Ok(());
        }
        cursor = page.cursor;
    }
}
