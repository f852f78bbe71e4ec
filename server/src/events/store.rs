//! The events table's SQL: raising events inside the transaction of the change they report
//! (queued into its [`Batch`]), reading what is new for the process's reader with the snapshot
//! it was read at, and a user's events between two ids for a stream's replay.

use chrono::{DateTime, Utc};
use leadmart_shared::wire::events::EventPayload;

use crate::db::{Batch, Binder, Db, Tx, TxConn};
use crate::error::ApiError;
use crate::events::cursor::{Horizon, Start};
use crate::with_pool;

/// One event to raise for one user.
pub struct NewEvent {
    pub user_id: i64,
    pub lead_id: Option<i64>,
    pub payload: EventPayload,
}

/// An event as stored, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub data: String,
}

/// The id expression of an event row. PostgreSQL: the sequence's next value, drawn only after
/// the transaction has a transaction id (`pg_current_xact_id()` assigns one if it has none,
/// and `CASE` evaluates it first) — the reader's horizon (see `cursor`) relies on every
/// transaction holding an id having had its transaction id before the id was drawn. SQLite:
/// the next row id.
fn id_expression(tx: &Tx) -> &'static str {
    match tx.conn {
        TxConn::Sqlite(..) => "NULL",
        TxConn::Postgres(_) => {
            "CASE WHEN pg_current_xact_id() IS NULL THEN NULL \
             ELSE nextval(pg_get_serial_sequence('events', 'id')) END"
        }
    }
}

fn payload_json(payload: &EventPayload) -> Result<String, ApiError> {
    serde_json::to_string(payload).map_err(ApiError::corrupt)
}

/// Queues the insert of `events` into `batch` (of `tx`); the caller announces them once `tx`
/// commits (`Events::committed`). Nothing is queued for no events.
pub fn raise_into(
    tx: &Tx,
    batch: &mut Batch,
    events: &[NewEvent],
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if events.is_empty() {
        return Ok(());
    }
    let rows = events
        .iter()
        .map(|e| {
            Ok((
                e.user_id,
                e.lead_id,
                e.payload.kind(),
                payload_json(&e.payload)?,
            ))
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let id = id_expression(tx);
    batch.push(|b| {
        let at = b.bind(now);
        let values = rows
            .into_iter()
            .map(|(user, lead, kind, data)| {
                format!(
                    "({id}, {}, {}, {}, {}, {at})",
                    b.bind(user),
                    bind_lead(b, lead),
                    b.bind(kind.as_str()),
                    b.bind(data)
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        format!("INSERT INTO events (id, user_id, lead_id, kind, data, created_at) VALUES {values}")
    });
    Ok(())
}

fn bind_lead(b: &mut Binder<'_>, lead: Option<i64>) -> String {
    match lead {
        Some(id) => b.bind(id),
        None => "NULL".to_owned(),
    }
}

/// Queues `payload` (about lead `lead_id`) for every agent who was matched to the lead or
/// previewed it, but `except` (the buyer, told otherwise): those who may have it on screen.
pub fn raise_for_lead_audience(
    tx: &Tx,
    batch: &mut Batch,
    lead_id: i64,
    except: i64,
    payload: &EventPayload,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let data = payload_json(payload)?;
    let id = id_expression(tx);
    batch.push(|b| {
        let lead = b.bind(lead_id);
        format!(
            "INSERT INTO events (id, user_id, kind, lead_id, data, created_at) \
             SELECT {id}, user_id, {}, {lead}, {}, {} FROM \
             (SELECT user_id FROM lead_matches WHERE lead_id = {lead} \
              UNION SELECT user_id FROM lead_views WHERE lead_id = {lead}) AS audience \
             WHERE user_id <> {}",
            b.bind(payload.kind().as_str()),
            b.bind(data),
            b.bind(now),
            b.bind(except)
        )
    });
    Ok(())
}

/// Inserts `events` in `tx` now (for paths without a batch of their own).
pub async fn raise(tx: &mut Tx, events: &[NewEvent], now: DateTime<Utc>) -> Result<(), ApiError> {
    let mut batch = tx.batch();
    raise_into(tx, &mut batch, events, now)?;
    batch.run(tx).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    user_id: i64,
    kind: String,
    data: String,
}

impl From<Row> for StoredEvent {
    fn from(r: Row) -> Self {
        StoredEvent {
            id: r.id,
            user_id: r.user_id,
            kind: r.kind,
            data: r.data,
        }
    }
}

fn parse_xid(raw: &str) -> Result<u64, ApiError> {
    raw.parse().map_err(ApiError::corrupt)
}

/// Up to `limit` events above `after`, in id order, with the horizon of the snapshot they were
/// read in (PostgreSQL; `None` on SQLite, which commits in id order).
pub async fn read_after(
    db: &Db,
    after: i64,
    limit: i64,
) -> Result<(Vec<StoredEvent>, Option<Horizon>), ApiError> {
    match &db.pools {
        crate::db::Pools::Sqlite { pool, .. } => {
            let rows: Vec<Row> = sqlx::query_as(
                "SELECT id, user_id, kind, data FROM events WHERE id > $1 ORDER BY id LIMIT $2",
            )
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            Ok((rows.into_iter().map(Into::into).collect(), None))
        }
        crate::db::Pools::Postgres(pool) => {
            // One statement, so the rows and the horizon come from the same snapshot.
            let rows: Vec<(i64, i64, String, String, String, String)> = sqlx::query_as(
                "SELECT id, user_id, kind, data, \
                 CAST(pg_snapshot_xmin(pg_current_snapshot()) AS TEXT), \
                 CAST(pg_snapshot_xmax(pg_current_snapshot()) AS TEXT) \
                 FROM events WHERE id > $1 ORDER BY id LIMIT $2",
            )
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            let horizon = match rows.first() {
                Some((.., xmin, xmax)) => Some(Horizon {
                    xmin: parse_xid(xmin)?,
                    xmax: parse_xid(xmax)?,
                }),
                None => None,
            };
            let events = rows
                .into_iter()
                .map(|(id, user_id, kind, data, ..)| StoredEvent {
                    id,
                    user_id,
                    kind,
                    data,
                })
                .collect();
            Ok((events, horizon))
        }
    }
}

/// The highest id now, and (PostgreSQL) when every id up to it is final.
pub async fn start(db: &Db) -> Result<Start, ApiError> {
    match &db.pools {
        crate::db::Pools::Sqlite { pool, .. } => {
            let top: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM events")
                .fetch_one(pool)
                .await?;
            Ok(Start {
                top,
                until_xmin: None,
            })
        }
        crate::db::Pools::Postgres(pool) => {
            let (top, xmax): (i64, String) = sqlx::query_as(
                "SELECT COALESCE(MAX(id), 0), \
                 CAST(pg_snapshot_xmax(pg_current_snapshot()) AS TEXT) FROM events",
            )
            .fetch_one(pool)
            .await?;
            Ok(Start {
                top,
                until_xmin: Some(parse_xid(&xmax)?),
            })
        }
    }
}

/// The current horizon (PostgreSQL), to tell when a [`Start`] has settled.
pub async fn horizon(db: &Db) -> Result<Option<Horizon>, ApiError> {
    let crate::db::Pools::Postgres(pool) = &db.pools else {
        return Ok(None);
    };
    let (xmin, xmax): (String, String) = sqlx::query_as(
        "SELECT CAST(pg_snapshot_xmin(pg_current_snapshot()) AS TEXT), \
         CAST(pg_snapshot_xmax(pg_current_snapshot()) AS TEXT)",
    )
    .fetch_one(pool)
    .await?;
    Ok(Some(Horizon {
        xmin: parse_xid(&xmin)?,
        xmax: parse_xid(&xmax)?,
    }))
}

/// Up to `limit` of `user`'s events with `after < id <= up_to`, in id order.
pub async fn for_user(
    db: &Db,
    user: i64,
    after: i64,
    up_to: i64,
    limit: i64,
) -> Result<Vec<StoredEvent>, ApiError> {
    let rows: Vec<Row> = with_pool!(db, pool => {
        sqlx::query_as(
            "SELECT id, user_id, kind, data FROM events \
             WHERE user_id = $1 AND id > $2 AND id <= $3 ORDER BY id LIMIT $4",
        )
        .bind(user)
        .bind(after)
        .bind(up_to)
        .bind(limit)
        .fetch_all(pool)
        .await?
    });
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Rows one statement of [`prune`] deletes at most, so a prune never holds the table long.
const PRUNE_BATCH: i64 = 10_000;

/// Deletes the events raised before `before`, lowest ids first (ids follow time), and returns
/// how many. Ids are never reused (SQLite `AUTOINCREMENT`, PostgreSQL's sequence), so a
/// client's `Last-Event-ID` keeps its meaning.
pub async fn prune(db: &Db, before: DateTime<Utc>) -> Result<u64, ApiError> {
    let mut total = 0;
    loop {
        let deleted = with_pool!(db, pool => {
            sqlx::query(
                "DELETE FROM events WHERE created_at < $1 \
                 AND id IN (SELECT id FROM events ORDER BY id LIMIT $2)",
            )
            .bind(before)
            .bind(PRUNE_BATCH)
            .execute(pool)
            .await?
            .rows_affected()
        });
        total += deleted;
        if deleted < PRUNE_BATCH as u64 {
            return Ok(total);
        }
    }
}
