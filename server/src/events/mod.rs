//! Live events: `GET /v1/events`, a Server-Sent Events stream per user.
//!
//! Events are rows of the `events` table, raised in the same transaction as the change they
//! report ([`store`]). Each process runs one reader ([`Events`]): woken by its own commits and
//! by the [`bus::EventBus`] (LISTEN/NOTIFY across processes on PostgreSQL, in-process on
//! SQLite), it reads the new rows once, moves its [`cursor::Cursor`] only past ids that can no
//! longer be joined by a lower one, and hands each row to the streams of its user. A stream
//! first replays from the table what its client missed (`Last-Event-ID`, or `?lastEventId=`
//! for clients that cannot set headers), then follows the reader; it sends every id once, in
//! order, and keep-alive comments while quiet. A stream that falls behind the reader's buffer
//! replays the gap from the table instead of losing it.

pub mod bus;
pub mod cursor;
pub mod raise;
pub mod store;

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use leadmart_shared::wire::ApiErrorBody;
use serde::Deserialize;
use tokio::sync::{Notify, OnceCell, broadcast};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::AuthUser;
use crate::db::{Db, Pools};
use crate::error::{ApiError, QueryParams};
use bus::EventBus;
use cursor::Cursor;
use store::StoredEvent;

/// How the streams behave; defaults for a deployment, shortened by tests.
#[derive(Debug, Clone)]
pub struct EventsConfig {
    /// A comment line this often on a quiet stream, so proxies keep it open and clients notice
    /// a dead one.
    pub keep_alive: Duration,
    /// The reader reads even without a wake-up this often: a safety net for a lost signal
    /// (another process that stopped between its commit and its announcement; the bus's
    /// catch-up after a reconnection covers the listener's own outages).
    pub safety_poll: Duration,
    /// How soon the reader looks again while it waits for a hole in the ids to settle.
    pub hole_recheck: Duration,
    /// Events one stream may fall behind the reader before it replays from the table.
    pub stream_buffer: usize,
    /// How long a client waits before reconnecting (the stream's `retry:`).
    pub client_retry: Duration,
    /// Events older than this are deleted: a client away longer replays only what is left
    /// (the app reloads its pages on every reconnect anyway; an event is a nudge, not a record).
    pub keep_for: Duration,
    /// How often the server looks for events past `keep_for`.
    pub prune_every: Duration,
}

impl Default for EventsConfig {
    fn default() -> Self {
        Self {
            keep_alive: Duration::from_secs(15),
            safety_poll: Duration::from_secs(5),
            hole_recheck: Duration::from_millis(10),
            stream_buffer: 256,
            client_retry: Duration::from_secs(3),
            keep_for: Duration::from_secs(30 * 24 * 3600),
            prune_every: Duration::from_secs(3600),
        }
    }
}

/// Rows one read of the reader takes at most.
const READ_BATCH: i64 = 500;

/// The process's event reader and the streams it feeds.
pub struct Events {
    db: Arc<Db>,
    bus: Arc<dyn EventBus>,
    config: EventsConfig,
    wake: Arc<Notify>,
    streams: Mutex<Streams>,
    started: OnceCell<()>,
}

/// The reader's position and the live streams, under one lock: a stream that subscribes learns
/// the position at the same moment, so what it does not get live it finds in the table.
struct Streams {
    /// Every event at or below this was handed out (or never will exist).
    delivered: i64,
    by_user: HashMap<i64, broadcast::Sender<Arc<StoredEvent>>>,
}

impl Events {
    /// The reader for `db`, with the bus its engine calls for.
    pub fn new(db: Arc<Db>, config: EventsConfig) -> Arc<Self> {
        let bus: Arc<dyn EventBus> = match &db.pools {
            Pools::Sqlite { .. } => Arc::new(bus::InProcess),
            Pools::Postgres(pool) => Arc::new(bus::PgNotify::new(pool.clone())),
        };
        Arc::new(Self {
            db,
            bus,
            config,
            wake: Arc::new(Notify::new()),
            streams: Mutex::new(Streams {
                delivered: 0,
                by_user: HashMap::new(),
            }),
            started: OnceCell::new(),
        })
    }

    /// Called after a transaction that raised events commits: this process's reader reads now,
    /// and the other processes are told.
    pub fn committed(&self) {
        self.wake.notify_one();
        self.bus.announce();
    }

    /// Starts the reader (once, on the first stream): it listens first, then finds where the
    /// table stands, and waits until every id up to there is final — so a stream's replay up to
    /// the reader's position reads only final rows.
    async fn ready(self: &Arc<Self>) -> Result<(), ApiError> {
        self.started
            .get_or_try_init(|| async {
                tokio::spawn(self.bus.watch(Arc::downgrade(&self.wake)));
                let start = store::start(&self.db).await?;
                while !start.settled_by(store::horizon(&self.db).await?) {
                    tokio::time::sleep(self.config.hole_recheck).await;
                }
                self.lock().delivered = start.top;
                tokio::spawn(read_loop(
                    Arc::downgrade(self),
                    Arc::clone(&self.wake),
                    Cursor::after(start.top),
                ));
                Ok::<(), ApiError>(())
            })
            .await?;
        Ok(())
    }

    /// Deletes the events older than `keep_for`, every `prune_every`, for as long as the
    /// server runs (the caller aborts the task at shutdown).
    pub async fn prune_forever(self: Arc<Self>) {
        let mut every = tokio::time::interval(self.config.prune_every);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let Ok(keep_for) = chrono::TimeDelta::from_std(self.config.keep_for) else {
                return;
            };
            match store::prune(&self.db, chrono::Utc::now() - keep_for).await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, "pruned old events"),
                Err(e) => tracing::warn!(error = %e, "could not prune old events; will retry"),
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Streams> {
        // A panic while holding this lock leaves nothing half-done worth refusing over.
        self.streams.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A live feed of `user`'s events and the reader's position at the moment it began.
    async fn subscribe(
        self: &Arc<Self>,
        user: i64,
    ) -> Result<(broadcast::Receiver<Arc<StoredEvent>>, i64), ApiError> {
        self.ready().await?;
        let mut streams = self.lock();
        let capacity = self.config.stream_buffer;
        let receiver = streams
            .by_user
            .entry(user)
            .or_insert_with(|| broadcast::channel(capacity).0)
            .subscribe();
        Ok((receiver, streams.delivered))
    }

    fn position(&self) -> i64 {
        self.lock().delivered
    }

    /// Hands `events` (in id order, final) to their users' streams and moves the position.
    fn deliver(&self, events: Vec<StoredEvent>, up_to: i64) {
        let mut streams = self.lock();
        for event in events {
            if let Some(sender) = streams.by_user.get(&event.user_id) {
                // An error means nobody listens any more: the entry goes below.
                let _ = sender.send(Arc::new(event));
            }
        }
        streams.by_user.retain(|_, s| s.receiver_count() > 0);
        streams.delivered = streams.delivered.max(up_to);
    }
}

/// The reader: read what is new whenever woken (or after a while), deliver what is final.
/// Ends when the [`Events`] it reads for is gone.
async fn read_loop(events: Weak<Events>, wake: Arc<Notify>, mut cursor: Cursor) {
    let mut failures = 0u32;
    loop {
        let pause = {
            let Some(events) = events.upgrade() else {
                return;
            };
            if failures > 0 {
                Duration::from_millis(50 * u64::from(failures.min(40)))
            } else if cursor.waiting() {
                events.config.hole_recheck
            } else {
                events.config.safety_poll
            }
        };
        let _ = tokio::time::timeout(pause, wake.notified()).await;
        let Some(events) = events.upgrade() else {
            return;
        };
        loop {
            match store::read_after(&events.db, cursor.last(), READ_BATCH).await {
                Ok((rows, horizon)) => {
                    failures = 0;
                    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
                    let full = rows.len() as i64 == READ_BATCH;
                    let ready = cursor.advance(&ids, horizon);
                    let mut rows = rows;
                    rows.truncate(ready);
                    events.deliver(rows, cursor.last());
                    // A full page that was all delivered: there may be more right behind it.
                    if !(full && ready == ids.len()) {
                        break;
                    }
                }
                Err(e) => {
                    failures += 1;
                    tracing::warn!(error = %e, "could not read new events; retrying");
                    break;
                }
            }
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct EventsQuery {
    /// The id of the last event the client has, for clients that cannot set the
    /// `Last-Event-ID` header (the header wins when both are sent).
    #[param(pattern = r"^[0-9]+$")]
    last_event_id: Option<String>,
}

fn parse_last_id(raw: &str) -> Result<i64, ApiError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id >= 0)
        .ok_or_else(|| ApiError::BadRequest("Last-Event-ID must be an event id".to_owned()))
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(stream))
}

/// The caller's live events as Server-Sent Events: each message's `event:` is its kind
/// (`lead.matched`, `lead.purchased`, `lead.sold_out`, `refund.decided`, `credits.low`,
/// `credits.changed`), its `data:` an `EventPayload` as JSON, its `id:` what to send back as
/// `Last-Event-ID` on reconnecting to get exactly what was missed. Without one, the stream
/// starts with the events raised after it opens.
#[utoipa::path(
    get,
    path = "/events",
    tag = "events",
    params(
        EventsQuery,
        ("Last-Event-ID" = Option<String>, Header, pattern = r"^[0-9]+$", description = "The id of the last event the client has"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "An endless text/event-stream of EventPayload messages, with keep-alive comments", body = String, content_type = "text/event-stream"),
        (status = "4XX", description = "error codes: unauthorized, bad_request", body = ApiErrorBody),
    )
)]
async fn stream(
    State(state): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
    QueryParams(query): QueryParams<EventsQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let header = headers
        .get("last-event-id")
        .map(|v| {
            v.to_str()
                .map_err(|_| ApiError::BadRequest("Last-Event-ID must be an event id".to_owned()))
        })
        .transpose()?;
    let last = match header.or(query.last_event_id.as_deref()) {
        Some(raw) => Some(parse_last_id(raw)?),
        None => None,
    };
    let (live, position) = state.events.subscribe(user.id).await?;
    let feed = Feed {
        events: Arc::clone(&state.events),
        user: user.id,
        sent: last.unwrap_or(position),
        replay_to: last.map(|_| position),
        queue: VecDeque::new(),
        live,
    };
    let keep_alive = KeepAlive::new().interval(state.events.config.keep_alive);
    // A first comment at once: the answer's head goes out with it (rather than with the first
    // event or keep-alive), so the client knows the stream is open.
    let opened = Event::default()
        .comment("connected")
        .retry(state.events.config.client_retry);
    // A stream is only as good as the token it was opened with: it ends when the token
    // expires, and the client reconnects with a renewed one and its last id (nothing is lost).
    let left = (user.expires_at - chrono::Utc::now())
        .to_std()
        .unwrap_or_default();
    let expired = tokio::time::sleep(left);
    let messages = futures_util::stream::once(async move { Ok(opened) })
        .chain(futures_util::stream::unfold(feed, Feed::next))
        .take_until(expired);
    Ok(Sse::new(messages).keep_alive(keep_alive))
}

/// One stream's state: what it sent last, what it still replays from the table, and its live
/// feed from the reader.
struct Feed {
    events: Arc<Events>,
    user: i64,
    sent: i64,
    /// Replay from the table up to here before (and besides) the live feed.
    replay_to: Option<i64>,
    queue: VecDeque<Arc<StoredEvent>>,
    live: broadcast::Receiver<Arc<StoredEvent>>,
}

impl Feed {
    /// The next message; `None` ends the stream (the client reconnects with its last id).
    async fn next(mut self) -> Option<(Result<Event, Infallible>, Self)> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                if event.id <= self.sent {
                    continue;
                }
                self.sent = event.id;
                let message = Event::default()
                    .id(event.id.to_string())
                    .event(&event.kind)
                    .data(&event.data);
                return Some((Ok(message), self));
            }
            if let Some(up_to) = self.replay_to {
                let page = READ_BATCH;
                match store::for_user(&self.events.db, self.user, self.sent, up_to, page).await {
                    Ok(rows) => {
                        if (rows.len() as i64) < page {
                            self.replay_to = None;
                        }
                        self.queue.extend(rows.into_iter().map(Arc::new));
                        continue;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, user = self.user, "event replay failed; ending the stream");
                        return None;
                    }
                }
            }
            match self.live.recv().await {
                Ok(event) => self.queue.push_back(event),
                // Fell behind the buffer: what it dropped is in the table.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    self.replay_to = Some(self.events.position());
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}
