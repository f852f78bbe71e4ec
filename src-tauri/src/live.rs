//! The live events stream: keeps `GET /v1/events` (Server-Sent Events) open while the app runs
//! and a user is signed in, and hands each event, in id order and once, to a [`LiveSink`].
//!
//! - Resumes with `Last-Event-ID`: the id of the last event handled is kept in the user's own
//!   cache, so a reconnection — or a restart — gets exactly what was missed.
//! - Reconnects with exponential backoff (and jitter) when the API is unreachable or failing;
//!   at once when the server ended a healthy stream (it does when the token the stream was
//!   opened with expires, and on restarts).
//! - Renews the session through [`SessionManager::call_signed_in`] (its single-flight
//!   renewal): an expired token answers the reconnection `401`, the renewed token opens it.
//!   No session lock is held while the stream is open: the token is taken, the lock dropped.
//! - Stops when the session ends (sign-out, a rejected refresh token) and starts over for the
//!   next user ([`SessionManager::watch_user`]).
//!
//! No tauri type in here: tests drive [`follow`] against a real server with a channel sink.

use std::time::Duration;

use chrono::{DateTime, Utc};
use eventsource_stream::Eventsource as _;
use futures_util::StreamExt as _;
use leadmart_shared::wire::events::EventPayload;

use crate::api::ApiError;
use crate::cache::{Cache, Owner};
use crate::error::AppError;
use crate::session::SessionManager;

/// One event of the stream.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveEvent {
    pub id: i64,
    pub payload: EventPayload,
    /// When the connection that carried it opened, on the server's clock (its `Date`): an event
    /// about something older was missed while offline and is being caught up.
    pub connected_at: DateTime<Utc>,
}

/// Where the stream's events go. Called on the stream's task: return quickly.
pub trait LiveSink: Send + Sync {
    fn event(&self, event: &LiveEvent);
}

/// How long to wait before the next connection attempt.
#[derive(Debug)]
struct Backoff {
    failures: u32,
}

const BACKOFF_FIRST: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// A stream that stayed open this long was healthy: its end is not a failure.
const HEALTHY: Duration = Duration::from_secs(1);

impl Backoff {
    fn new() -> Self {
        Self { failures: 0 }
    }

    fn reset(&mut self) {
        self.failures = 0;
    }

    /// 0.5 s, 1 s, 2 s … up to 30 s, each less up to a quarter at random, so many apps that lost
    /// the same server do not all come back in the same instant.
    fn next_delay(&mut self) -> Duration {
        let doubled = BACKOFF_FIRST.saturating_mul(1 << self.failures.min(10));
        self.failures = self.failures.saturating_add(1);
        let delay = doubled.min(BACKOFF_MAX);
        let quarter = delay.as_millis() / 4;
        let jitter = uuid::Uuid::new_v4().as_u128() % quarter.max(1);
        delay.saturating_sub(Duration::from_millis(
            u64::try_from(jitter).unwrap_or_default(),
        ))
    }
}

/// Follows the signed-in user's events for as long as the returned future is polled (the app:
/// its lifetime). Restores the session from the keychain first.
pub async fn follow(session: &SessionManager, sink: &dyn LiveSink) {
    let mut user = session.watch_user();
    // The UI asks too; whoever asks first restores the session from the keychain.
    if let Err(err) = session.current_user().await {
        tracing::info!(error = %err, "no session restored for live events yet");
    }
    loop {
        let who = user.borrow_and_update().clone();
        match who {
            None => {}
            Some(user_id) => {
                tokio::select! {
                    () = follow_user(session, &user_id, sink) => {}
                    changed = user.changed() => if changed.is_err() { return; } else { continue; },
                }
            }
        }
        if user.changed().await.is_err() {
            return;
        }
    }
}

/// Streams `user_id`'s events until their session ends (then waits, never returning early:
/// the caller's watch of the session moves on).
async fn follow_user(session: &SessionManager, user_id: &str, sink: &dyn LiveSink) {
    let cache = match session.cache().await {
        Ok(cache) if *cache.owner() == Owner::User(user_id.to_owned()) => cache,
        // Another session already: the watch says so next.
        _ => return std::future::pending().await,
    };
    let mut last = match cache.last_event_id().await {
        Ok(last) => last,
        Err(err) => {
            tracing::warn!(error = %err, "the last event id is unreadable; starting from now");
            None
        }
    };
    let mut backoff = Backoff::new();
    loop {
        let opened = tokio::time::Instant::now();
        let outcome = stream_once(session, &cache, &mut last, sink).await;
        let healthy = opened.elapsed() >= HEALTHY;
        match outcome {
            Ok(()) if healthy => {
                backoff.reset();
                continue;
            }
            Ok(()) => {}
            Err(AppError::SignedOut { .. }) => return std::future::pending().await,
            Err(err) => {
                if healthy {
                    backoff.reset();
                }
                tracing::info!(error = %err, "live events interrupted; reconnecting");
            }
        }
        tokio::time::sleep(backoff.next_delay()).await;
    }
}

/// One connection: opens it (renewing the session when the token expired), then hands over
/// each new event until the server ends the stream (`Ok`) or it breaks.
async fn stream_once(
    session: &SessionManager,
    cache: &Cache,
    last: &mut Option<i64>,
    sink: &dyn LiveSink,
) -> Result<(), AppError> {
    let resume = *last;
    let api = session.api();
    let response = session
        .call_signed_in(|token| async move { api.open_events(&token, resume).await })
        .await?;
    let connected_at = response
        .headers()
        .get(reqwest::header::DATE)
        .and_then(|date| date.to_str().ok())
        .and_then(|date| DateTime::parse_from_rfc2822(date).ok())
        .map_or_else(Utc::now, |date| date.with_timezone(&Utc));
    tracing::info!(?resume, "live events connected");
    let mut messages = response.bytes_stream().eventsource();
    while let Some(message) = messages.next().await {
        let message = message.map_err(|err| match err {
            eventsource_stream::EventStreamError::Transport(err) => ApiError::Unreachable(err),
            other => ApiError::Protocol(format!("event stream: {other}")),
        })?;
        let Ok(id) = message.id.parse::<i64>() else {
            tracing::warn!(event = %message.event, "an event without an id; skipped");
            continue;
        };
        if last.is_some_and(|last| id <= last) {
            continue;
        }
        // Saved before it is handed over: whatever stops the app next, it is never handled twice.
        *last = Some(id);
        if let Err(err) = cache.set_last_event_id(id).await {
            tracing::warn!(error = %err, "the last event id was not saved");
        }
        match serde_json::from_str::<EventPayload>(&message.data) {
            Ok(payload) => sink.event(&LiveEvent {
                id,
                payload,
                connected_at,
            }),
            // A kind this version does not know (a newer server): passed over, not retried.
            Err(err) => tracing::info!(id, kind = %message.event, error = %err, "event skipped"),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap_and_starts_over_after_a_reset() {
        let mut backoff = Backoff::new();
        let delays: Vec<Duration> = (0..10).map(|_| backoff.next_delay()).collect();
        assert!(
            delays[0] <= BACKOFF_FIRST && delays[0] >= BACKOFF_FIRST * 3 / 4,
            "{delays:?}"
        );
        assert!(
            delays[3] >= Duration::from_secs(3),
            "4 s less a quarter at most: {delays:?}"
        );
        assert!(
            delays.iter().all(|d| *d <= BACKOFF_MAX),
            "never beyond the cap: {delays:?}"
        );
        assert!(delays[9] >= BACKOFF_MAX * 3 / 4, "{delays:?}");
        backoff.reset();
        assert!(backoff.next_delay() <= BACKOFF_FIRST);
    }
}
