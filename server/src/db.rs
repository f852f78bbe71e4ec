//! Storage: one SQLite file by default, PostgreSQL when `DATABASE_URL=postgres://…`.
//!
//! Queries are written once and run on either engine through [`with_pool!`], which expands the
//! same block for each pool type; the SQL must therefore be portable (`$1` placeholders work on
//! both). Migrations are split per engine because column types differ (TEXT vs NUMERIC money,
//! TEXT vs TIMESTAMPTZ time).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use rust_decimal::Decimal;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

/// A connection pool on one of the two supported engines.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite {
        pool: SqlitePool,
        /// Held by every write transaction for its whole life: SQLite admits one writer at a
        /// time anyway, and writers that queue here wake as soon as the previous one commits,
        /// whereas writers left to queue inside SQLite sleep in its busy handler in steps of up
        /// to 100 ms (the purchase benchmark's p95 before this lock: 114 ms).
        writer: Arc<tokio::sync::Mutex<()>>,
    },
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the concrete pool of whichever engine `$db` is.
#[macro_export]
macro_rules! with_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite { pool: $pool, .. } => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

impl Db {
    /// Connects to `url` (`sqlite://path.db` or `postgres://…`); a SQLite file is created if missing.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Ok(Db::Postgres(pool))
        } else {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(options)
                .await?;
            Ok(Db::Sqlite {
                pool,
                writer: Arc::new(tokio::sync::Mutex::new(())),
            })
        }
    }

    /// Applies the engine's embedded migrations that have not run yet.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Db::Sqlite { pool, .. } => {
                sqlx::migrate!("../migrations/server/sqlite")
                    .run(pool)
                    .await
            }
            Db::Postgres(pool) => {
                sqlx::migrate!("../migrations/server/postgres")
                    .run(pool)
                    .await
            }
        }
    }

    pub fn engine(&self) -> &'static str {
        match self {
            Db::Sqlite { .. } => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await)
    }
}

/// A money amount as a column: TEXT on SQLite (which has no exact decimal type, and whose REAL
/// would round), NUMERIC on PostgreSQL. Lets one query body bind and read money on both engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbDecimal(pub Decimal);

mod decimal_column {
    use super::DbDecimal;
    use rust_decimal::Decimal;
    use sqlx::encode::IsNull;
    use sqlx::error::BoxDynError;
    use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
    use sqlx::sqlite::{SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
    use sqlx::{Decode, Encode, Postgres, Sqlite, Type};
    use std::str::FromStr;

    impl Type<Sqlite> for DbDecimal {
        fn type_info() -> SqliteTypeInfo {
            <String as Type<Sqlite>>::type_info()
        }
    }
    impl Encode<'_, Sqlite> for DbDecimal {
        fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
            <String as Encode<Sqlite>>::encode(self.0.to_string(), buf)
        }
    }
    impl<'r> Decode<'r, Sqlite> for DbDecimal {
        fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
            let text = <&str as Decode<Sqlite>>::decode(value)?;
            Ok(DbDecimal(Decimal::from_str(text)?))
        }
    }

    impl Type<Postgres> for DbDecimal {
        fn type_info() -> PgTypeInfo {
            <Decimal as Type<Postgres>>::type_info()
        }
    }
    impl Encode<'_, Postgres> for DbDecimal {
        fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
            <Decimal as Encode<Postgres>>::encode_by_ref(&self.0, buf)
        }
    }
    impl<'r> Decode<'r, Postgres> for DbDecimal {
        fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
            Ok(DbDecimal(<Decimal as Decode<Postgres>>::decode(value)?))
        }
    }
}

/// A write transaction on either engine. Purchases and every other balance change run in one,
/// so the rule checks and the effects see the same rows.
pub enum Tx {
    /// With the writer lock of [`Db::Sqlite`] for a write transaction (released on commit or
    /// drop, after the transaction ends), none for a read one.
    Sqlite(
        sqlx::Transaction<'static, sqlx::Sqlite>,
        Option<tokio::sync::OwnedMutexGuard<()>>,
    ),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs `$body` with `$conn` bound to the concrete connection of the transaction `$tx`
/// (a `&mut Tx`); like [`with_pool!`], the body is written once and must be portable SQL.
#[macro_export]
macro_rules! with_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(tx, _) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::db::Tx::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

impl Db {
    /// Begins a transaction that may write. On SQLite it first queues on this process's
    /// writer lock, then takes SQLite's write lock up front (`BEGIN IMMEDIATE`: a deferred
    /// transaction that read first and then tried to write would fail with `SQLITE_BUSY`
    /// instead of waiting; another process's writer is still waited for by the busy timeout).
    /// On PostgreSQL, rows are locked where they are read (see [`Tx::for_update`]).
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite { pool, writer } => {
                let turn = Arc::clone(writer).lock_owned().await;
                Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?, Some(turn))
            }
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }
}

impl Tx {
    /// The row-lock suffix of a `SELECT` that a later write depends on: `FOR UPDATE` on
    /// PostgreSQL; nothing on SQLite, whose `BEGIN IMMEDIATE` already excludes other writers.
    pub fn for_update(&self) -> &'static str {
        match self {
            Tx::Sqlite(..) => "",
            Tx::Postgres(_) => " FOR UPDATE",
        }
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            // The writer lock (the guard) is released after the commit returns.
            Tx::Sqlite(tx, _turn) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }
}

impl Db {
    /// A read-only transaction: one consistent snapshot for a view assembled from several
    /// queries, with the same [`Tx`] type the write paths use so loaders serve both.
    pub async fn begin_read(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite { pool, .. } => Tx::Sqlite(pool.begin().await?, None),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }
}

/// Shared enums (`PipelineStage`, `RefundReason`, `LedgerReason`, …) are stored as TEXT under
/// their serde (snake_case) name, so the wire and the database spell them the same way.
pub fn enum_to_column<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub fn enum_from_column<T: serde::de::DeserializeOwned>(
    text: &str,
) -> Result<T, crate::error::ApiError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(crate::error::ApiError::corrupt)
}
