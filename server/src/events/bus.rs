//! How one server process learns that another committed events: the small interface behind
//! which LISTEN/NOTIFY sits, so a durable stream (NATS JetStream) can replace it on a
//! distributed PostgreSQL-compatible engine that lacks LISTEN/NOTIFY.
//!
//! A bus carries wake-ups, never events: every process reads the rows themselves (so a lost
//! signal costs latency, not an event), and catches up by reading after it (re)connects.

use std::sync::Weak;
use std::time::Duration;

use futures_util::future::BoxFuture;
use sqlx::postgres::{PgListener, PgPool};
use tokio::sync::Notify;

pub trait EventBus: Send + Sync + 'static {
    /// Tells the other processes, after a transaction that raised events committed, that
    /// there are new rows. Best effort and not awaited: a lost announcement (this process
    /// stopping right after its commit) costs the others latency, up to their safety poll.
    fn announce(&self);

    /// Runs for as long as `wake` lives: wakes it whenever another process may have committed
    /// events, and once after every (re)connection, since announcements made while it was
    /// disconnected are lost.
    fn watch(&self, wake: Weak<Notify>) -> BoxFuture<'static, ()>;
}

/// One process (SQLite): the process's own commits wake its reader; there is nobody else.
pub struct InProcess;

impl EventBus for InProcess {
    fn announce(&self) {}

    fn watch(&self, _wake: Weak<Notify>) -> BoxFuture<'static, ()> {
        Box::pin(async {})
    }
}

/// The PostgreSQL channel the announcements go to.
pub const CHANNEL: &str = "leadmart_events";

/// Several processes on one PostgreSQL: `NOTIFY` after the commits that raised events,
/// carrying nothing (payloads are lost while a listener is away; the rows are the truth).
///
/// Not inside the raising transaction: PostgreSQL commits every transaction that notified
/// under one database-wide lock held through its log flush, so a `NOTIFY` in each purchase
/// made purchases commit one at a time, one flush each (the purchase benchmark waited on that
/// lock more than on anything else). One announcer per process sends them instead, each in a
/// transaction of its own that does not wait for the flush (a lost notification costs
/// latency, never an event), and the commits made while one is under way share the next.
pub struct PgNotify {
    pool: PgPool,
    /// Holds at most one announcement waiting: the rest coalesce into it.
    pending: std::sync::OnceLock<tokio::sync::mpsc::Sender<()>>,
}

impl PgNotify {
    /// Listens on a connection of `pool`'s, held for as long as it listens, and announces
    /// through the pool.
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            pending: std::sync::OnceLock::new(),
        }
    }
}

/// Sends one `NOTIFY` per announcement it receives, until the bus is dropped.
async fn announcer(pool: PgPool, mut pending: tokio::sync::mpsc::Receiver<()>) {
    while pending.recv().await.is_some() {
        if let Err(e) = notify(&pool).await {
            tracing::warn!(error = %e, "could not announce new events to the other processes");
        }
    }
}

/// One `NOTIFY`, in a transaction that commits without waiting for the log.
async fn notify(pool: &PgPool) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET LOCAL synchronous_commit TO OFF")
        .execute(&mut *tx)
        .await?;
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(CHANNEL)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

impl EventBus for PgNotify {
    fn announce(&self) {
        let pending = self.pending.get_or_init(|| {
            // Spawned on first use, from a handler, inside the server's runtime.
            let (send, receive) = tokio::sync::mpsc::channel(1);
            tokio::spawn(announcer(self.pool.clone(), receive));
            send
        });
        // Full: an announcement is already waiting, and will cover this commit too.
        let _ = pending.try_send(());
    }

    fn watch(&self, wake: Weak<Notify>) -> BoxFuture<'static, ()> {
        let pool = self.pool.clone();
        Box::pin(async move {
            let mut backoff = Duration::from_millis(50);
            loop {
                if wake.strong_count() == 0 {
                    return;
                }
                match listen(&pool, &wake).await {
                    Ok(Ended::ReaderGone) => return,
                    Ok(Ended::ConnectionLost) => {
                        tracing::warn!("event listener lost its connection; reconnecting");
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "event listener failed; reconnecting");
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(5));
                        continue;
                    }
                }
                backoff = Duration::from_millis(50);
            }
        })
    }
}

enum Ended {
    ReaderGone,
    ConnectionLost,
}

/// Listens on a connection of its own until it fails or the reader is gone. A lost connection
/// is replaced by a new listener (here, not by `PgListener`'s own reconnection), so that the
/// catch-up read is triggered only once the new `LISTEN` is in place: whatever commits after
/// it is announced, whatever committed before it is read. A backend terminated by the server
/// arrives as an error rather than a closed socket, and is handled the same way.
async fn listen(pool: &PgPool, wake: &Weak<Notify>) -> Result<Ended, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    loop {
        // First pass: listening (again), so read what may have been missed meanwhile.
        let Some(notify) = wake.upgrade() else {
            return Ok(Ended::ReaderGone);
        };
        notify.notify_one();
        drop(notify);
        if listener.try_recv().await?.is_none() {
            return Ok(Ended::ConnectionLost);
        }
    }
}
