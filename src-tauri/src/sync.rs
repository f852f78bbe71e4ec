//! The sync engine: sends the outbox (in order, with this install's id and each edit's seq),
//! then pulls everything that changed since the last cursor. One run at a time per session
//! manager, so an older page can never land over a newer one. Callers run it when My Leads is
//! opened or refreshed (the live stream refreshes it on reconnect and on every change) and
//! after every edit; [`keep_in_sync`] runs it on start and then on a timer, backing off while
//! the API does not answer. An edit made offline simply waits in the outbox for the next run.
//!
//! [`SyncEngine::status`] says what the engine is doing — syncing (with how many changes came
//! and about how many remain: the first sync's progress bar), offline since when, paused — and
//! when it last finished. The agent can stop a long sync; it stays paused (edits wait in the
//! outbox) until they resume it, and then continues from the last page it applied.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use leadmart_shared::wire::sync::{
    DeviceMutation, MutationBatch, MutationOutcome, MutationResults, SyncPage,
};
use serde::Serialize;
use specta::Type;

use crate::api::Method;
use crate::cache::{Cache, SyncProblem};
use crate::error::AppError;
use crate::session::SessionManager;

/// Mutations per request (the server takes up to 100).
const BATCH: i64 = 100;
/// Changes per page (the server's largest).
const PAGE: &str = "500";
/// How often [`keep_in_sync`] syncs while the API answers.
const EVERY: Duration = Duration::from_secs(60);
/// The first wait after a failed sync; it doubles up to [`BACKOFF_MAX`].
const BACKOFF_FIRST: Duration = Duration::from_secs(2);
const BACKOFF_MAX: Duration = Duration::from_secs(300);

/// What the sync engine is doing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum SyncPhase {
    /// Up to date as of `last_synced_at`, or not run yet.
    Idle,
    /// Receiving changes: `received` so far in this run, about `remaining` after them.
    #[serde(rename_all = "camelCase")]
    Syncing { received: u32, remaining: u32 },
    /// The API did not answer; since this time (the first failure in a row).
    #[serde(rename_all = "camelCase")]
    Offline { since: DateTime<Utc> },
    /// The agent stopped syncing; nothing is sent or received until they resume.
    Paused,
}

/// The engine's phase and when a run last finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    pub phase: SyncPhase,
    pub last_synced_at: Option<DateTime<Utc>>,
    /// Changes the last finished run brought: when not 0, what the window shows is stale.
    pub last_run_received: u32,
}

/// One session manager's sync engine (see the module docs).
#[derive(Debug)]
pub struct SyncEngine {
    one_run: tokio::sync::Mutex<()>,
    status: tokio::sync::watch::Sender<SyncStatus>,
    /// Asked to stop: the run in progress stops after its current page.
    stop: AtomicBool,
    /// Runs are wanted sooner than the timer (an edit, a resume).
    nudge: tokio::sync::Notify,
}

impl Default for SyncEngine {
    fn default() -> Self {
        Self {
            one_run: tokio::sync::Mutex::new(()),
            status: tokio::sync::watch::Sender::new(SyncStatus {
                phase: SyncPhase::Idle,
                last_synced_at: None,
                last_run_received: 0,
            }),
            stop: AtomicBool::new(false),
            nudge: tokio::sync::Notify::new(),
        }
    }
}

impl SyncEngine {
    pub fn status(&self) -> SyncStatus {
        self.status.borrow().clone()
    }

    /// Follows [`SyncEngine::status`]: the desktop shell forwards each change to the window.
    pub fn watch(&self) -> tokio::sync::watch::Receiver<SyncStatus> {
        self.status.subscribe()
    }

    /// Stops the run in progress after its current page and pauses syncing.
    pub fn pause(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.set_phase(SyncPhase::Paused);
    }

    /// Syncs again (from where a stopped run left off).
    pub fn resume(&self) {
        self.stop.store(false, Ordering::SeqCst);
        self.set_phase(SyncPhase::Idle);
        self.nudge.notify_one();
    }

    fn paused(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    fn set_phase(&self, phase: SyncPhase) {
        self.status.send_if_modified(|status| {
            let changed = status.phase != phase;
            status.phase = phase;
            changed
        });
    }

    /// A new session starts from scratch (another user's status is not theirs).
    pub(crate) fn reset(&self) {
        self.stop.store(false, Ordering::SeqCst);
        self.status.send_replace(SyncStatus {
            phase: SyncPhase::Idle,
            last_synced_at: None,
            last_run_received: 0,
        });
    }

    fn finished(&self, outcome: &Result<SyncReport, AppError>, now: DateTime<Utc>) {
        self.status.send_modify(|status| match outcome {
            Ok(report) if report.stopped => status.phase = SyncPhase::Paused,
            Ok(report) => {
                status.phase = SyncPhase::Idle;
                status.last_synced_at = Some(now);
                status.last_run_received = u32::try_from(report.received).unwrap_or(u32::MAX);
            }
            Err(AppError::Offline { .. }) => {
                if !matches!(status.phase, SyncPhase::Offline { .. }) {
                    status.phase = SyncPhase::Offline { since: now };
                }
            }
            // Refused (signed out, an old app): the next run says more; not offline.
            Err(_) => status.phase = SyncPhase::Idle,
        });
    }
}

/// What one run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncReport {
    /// Edits the server took (applied now or before).
    pub sent: usize,
    /// Edits the server refused (kept in the outbox with the reason).
    pub refused: usize,
    /// Sync pages applied.
    pub pages: usize,
    /// Changes received.
    pub received: u64,
    /// The agent paused syncing: this run stopped (or never started).
    pub stopped: bool,
}

/// Sends the outbox, then pulls. `Offline` when the API does not answer: nothing is lost, the
/// outbox waits.
pub async fn run(
    session: &SessionManager,
    cache: &Cache,
    now: DateTime<Utc>,
) -> Result<SyncReport, AppError> {
    let engine = session.sync();
    let _one = engine.one_run.lock().await;
    if engine.paused() {
        return Ok(SyncReport {
            stopped: true,
            ..SyncReport::default()
        });
    }
    // Offline stays offline (and since when) until the API answers.
    engine.status.send_if_modified(|status| {
        let idle = status.phase == SyncPhase::Idle;
        if idle {
            status.phase = SyncPhase::Syncing {
                received: 0,
                remaining: 0,
            };
        }
        idle
    });
    let mut report = SyncReport::default();
    let outcome = async {
        push(session, cache, &mut report).await?;
        pull(session, engine, cache, now, &mut report).await?;
        Ok(report)
    }
    .await;
    engine.finished(&outcome, now);
    outcome
}

/// Signs out, but first sends what the outbox holds; unless `even_with_unsent`, refuses with
/// [`AppError::UnsentEdits`] while edits are still on this computer only (offline, or refused by
/// the server), so the agent is asked first. Signing out keeps them: they are sent the next time
/// this user signs in here.
pub async fn sign_out(session: &SessionManager, even_with_unsent: bool) -> Result<(), AppError> {
    if !even_with_unsent && let Some(cache) = agent_cache(session).await {
        match run(session, &cache, Utc::now()).await {
            Ok(_) | Err(AppError::Offline { .. }) => {}
            Err(err) => tracing::info!(error = %err, "sync before sign-out failed"),
        }
        let unsent = cache.outbox().await?;
        if !unsent.is_empty() {
            let count = u32::try_from(unsent.len()).unwrap_or(u32::MAX);
            let refused = unsent.iter().filter(|e| e.problem.is_some()).count();
            let what = if count == 1 {
                "1 change you made has".to_owned()
            } else {
                format!("{count} changes you made have")
            };
            let why = if refused == unsent.len() {
                "the marketplace refused it (see the lead's sync problems)"
            } else {
                "the marketplace could not be reached"
            };
            return Err(AppError::UnsentEdits {
                count,
                message: format!(
                    "{what} not reached the marketplace yet: {why}. Signing out keeps {} on this computer, to be sent the next time you sign in here.",
                    if count == 1 { "it" } else { "them" }
                ),
            });
        }
    }
    session.sign_out().await
}

/// Syncs the signed-in agent's briefcase for as long as the returned future is polled (the
/// app: its lifetime): at once, then every [`EVERY`], sooner when nudged; after a failure, again
/// in 2 s, 4 s … up to 5 min.
pub async fn keep_in_sync(session: &SessionManager) {
    let engine = session.sync();
    let mut failures: u32 = 0;
    loop {
        let wait = match agent_cache(session).await {
            Some(cache) => match run(session, &cache, Utc::now()).await {
                Ok(_) => {
                    failures = 0;
                    EVERY
                }
                Err(err) => {
                    tracing::debug!(error = %err, "background sync failed");
                    failures = failures.saturating_add(1);
                    BACKOFF_FIRST
                        .saturating_mul(1 << (failures - 1).min(8))
                        .min(BACKOFF_MAX)
                }
            },
            None => EVERY,
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = engine.nudge.notified() => {}
        }
    }
}

/// The signed-in agent's cache; `None` for partners, admins and visitors (no briefcase).
async fn agent_cache(session: &SessionManager) -> Option<Cache> {
    let user = session.current_user().await.ok().flatten()?;
    if user.role != leadmart_shared::account::Role::Agent {
        return None;
    }
    session.cache().await.ok()
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
    engine: &SyncEngine,
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
        // Each page commits with its cursor: a stopped run resumes after it.
        cache.apply_sync_page(&page, now).await?;
        report.pages += 1;
        report.received += page.changes.len() as u64;
        engine.set_phase(SyncPhase::Syncing {
            received: u32::try_from(report.received).unwrap_or(u32::MAX),
            remaining: u32::try_from(page.remaining).unwrap_or(u32::MAX),
        });
        if !page.has_more {
            return Ok(());
        }
        if engine.paused() {
            report.stopped = true;
            return Ok(());
        }
        cursor = page.cursor;
    }
}
