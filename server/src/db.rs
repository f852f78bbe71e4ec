//! Storage: one SQLite file by default, PostgreSQL when `DATABASE_URL=postgres://…`.
//!
//! Queries are written once and run on either engine through [`with_pool!`], which expands the
//! same block for each pool type; the SQL must therefore be portable (`$1` placeholders work on
//! both). Migrations are split per engine because column types differ (TEXT vs NUMERIC money,
//! TEXT vs TIMESTAMPTZ time).

use std::str::FromStr;
use std::time::Duration;

use rust_decimal::Decimal;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

/// A connection pool on one of the two supported engines.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the concrete pool of whichever engine `$db` is.
#[macro_export]
macro_rules! with_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
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
            Ok(Db::Sqlite(pool))
        }
    }

    /// Applies the engine's embedded migrations that have not run yet.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Db::Sqlite(pool) => {
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
            Db::Sqlite(_) => "sqlite",
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
