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
    /// The statement that inserts events (an `INSERT` without `RETURNING`), as run inside the
    /// transaction that raises them, made to also announce them to the other processes when
    /// that transaction commits (and not if it rolls back).
    fn announcing(&self, insert: String) -> String;

    /// Runs for as long as `wake` lives: wakes it whenever another process may have committed
    /// events, and once after every (re)connection, since announcements made while it was
    /// disconnected are lost.
    fn watch(&self, wake: Weak<Notify>) -> BoxFuture<'static, ()>;
}

/// One process (SQLite): the process's own commits wake its reader; there is nobody else.
pub struct InProcess;

impl EventBus for InProcess {
    fn announcing(&self, insert: String) -> String {
        insert
    }

    fn watch(&self, _wake: Weak<Notify>) -> BoxFuture<'static, ()> {
        Box::pin(async {})
    }
}

/// The PostgreSQL channel the announcements go to.
pub const CHANNEL: &str = "leadmart_events";

/// Several processes on one PostgreSQL: `NOTIFY` on commit carrying only the highest new id
/// (payloads are small and lost while a listener is away; the rows are the truth).
pub struct PgNotify {
    pool: PgPool,
}

impl PgNotify {
    /// Listens on a connection of `pool`'s, held for as long as it listens.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

impl EventBus for PgNotify {
    fn announcing(&self, insert: String) -> String {
        // One statement: the insert and its announcement travel in one round trip.
        format!(
            "WITH raised AS ({insert} RETURNING id) \
             SELECT pg_notify('{CHANNEL}', CAST(MAX(id) AS TEXT)) FROM raised"
        )
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
