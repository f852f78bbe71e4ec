//! Storage: one SQLite file by default, PostgreSQL when `DATABASE_URL=postgres://…`.
//!
//! Queries are written once and run on either engine through [`with_pool!`], which expands the
//! same block for each pool type; the SQL must therefore be portable (`$1` placeholders work on
//! both). Migrations are split per engine because column types differ (TEXT vs NUMERIC money,
//! TEXT vs TIMESTAMPTZ time).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// The database: a connection pool on one of the two supported engines.
#[derive(Debug, Clone)]
pub struct Db {
    pub pools: Pools,
    /// Keys of ledger accounts known to exist: committed, and accounts are never deleted.
    /// Entries of accrued accounts name them by key, so a purchase need not open them again.
    known_accounts: Arc<std::sync::RwLock<HashSet<String>>>,
}

#[derive(Debug, Clone)]
pub enum Pools {
    Sqlite {
        /// Reads, and single-statement writes (which sync the file themselves: `FULL`).
        pool: SqlitePool,
        /// The one connection every write transaction runs on. SQLite admits one writer at a
        /// time anyway; writers that queue for this connection wake as soon as the previous one
        /// commits, whereas writers left to queue inside SQLite sleep in its busy handler in
        /// steps of up to 100 ms (the purchase benchmark's p95 before: 114 ms). Its commits do
        /// not sync the file (`synchronous = NORMAL`): [`WalSync`] does, once for all the
        /// commits that waited for it, before any of them answers.
        writer: SqlitePool,
        wal: Arc<WalSync>,
    },
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the concrete pool of whichever engine `$db` is.
#[macro_export]
macro_rules! with_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match &($db).pools {
            $crate::db::Pools::Sqlite { pool: $pool, .. } => $body,
            $crate::db::Pools::Postgres($pool) => $body,
        }
    };
}

impl Db {
    /// Connects to `url` (`sqlite://path.db` or `postgres://…`); a SQLite file is created if missing.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        Ok(Db {
            pools: Pools::connect(url).await?,
            known_accounts: Arc::default(),
        })
    }
}

impl Pools {
    async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Ok(Pools::Postgres(pool))
        } else {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            let wal = Arc::new(WalSync::of(options.get_filename()));
            // A local file has no connection to lose: no ping before each use, which on SQLite
            // is one more round trip to the connection's thread.
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .test_before_acquire(false)
                .connect_with(options.clone())
                .await?;
            let writer = SqlitePoolOptions::new()
                .max_connections(1)
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options.synchronous(SqliteSynchronous::Normal))
                .await?;
            Ok(Pools::Sqlite { pool, writer, wal })
        }
    }
}

impl Db {
    /// Applies the engine's embedded migrations that have not run yet.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match &self.pools {
            Pools::Sqlite { pool, .. } => {
                sqlx::migrate!("../migrations/server/sqlite")
                    .run(pool)
                    .await
            }
            Pools::Postgres(pool) => {
                sqlx::migrate!("../migrations/server/postgres")
                    .run(pool)
                    .await
            }
        }
    }

    pub fn engine(&self) -> &'static str {
        match self.pools {
            Pools::Sqlite { .. } => "sqlite",
            Pools::Postgres(_) => "postgres",
        }
    }

    pub async fn close(&self) {
        if let Pools::Sqlite { writer, .. } = &self.pools {
            writer.close().await;
        }
        with_pool!(self, pool => pool.close().await)
    }
}

/// Group commit for the SQLite writer: its transactions commit without syncing the file, take a
/// ticket, and wait here until one `fdatasync` of the write-ahead log covers their ticket. The
/// data a commit wrote is in the log file once `COMMIT` returns, so a sync started after that
/// makes it durable, and one sync covers every commit that returned before it started: while
/// one sync runs, the commits behind it queue for the next. Durable as `synchronous = FULL`
/// (a sync of the log after each commit), at one sync per batch instead of one per commit.
#[derive(Debug)]
pub struct WalSync {
    log: PathBuf,
    /// Tickets handed out: commits that returned.
    committed: AtomicU64,
    /// The highest ticket a finished sync covers.
    synced: tokio::sync::Mutex<u64>,
    /// Syncs run so far.
    syncs: AtomicU64,
}

impl WalSync {
    fn of(database: &std::path::Path) -> Self {
        let mut log = database.as_os_str().to_owned();
        log.push("-wal");
        WalSync {
            log: PathBuf::from(log),
            committed: AtomicU64::new(0),
            synced: tokio::sync::Mutex::new(0),
            syncs: AtomicU64::new(0),
        }
    }

    /// Called once a commit returned: its place in the order of commits.
    fn ticket(&self) -> u64 {
        self.committed.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Returns once a sync of the log started after commit `ticket` returned has finished.
    async fn durable(&self, ticket: u64) -> Result<(), sqlx::Error> {
        let mut synced = self.synced.lock().await;
        if *synced >= ticket {
            return Ok(());
        }
        let covers = self.committed.load(Ordering::SeqCst);
        let log = self.log.clone();
        tokio::task::spawn_blocking(move || std::fs::File::open(log)?.sync_data())
            .await
            .map_err(|e| sqlx::Error::Io(std::io::Error::other(e)))??;
        self.syncs.fetch_add(1, Ordering::Relaxed);
        *synced = covers;
        Ok(())
    }
}

/// The current time as both engines store it (to the microsecond), so a row answered from
/// what was written equals the row read back.
pub fn now() -> DateTime<Utc> {
    use chrono::SubsecRound;
    Utc::now().trunc_subsecs(6)
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

/// A transaction on either engine. Purchases and every other balance change run in one, so the
/// rule checks and the effects see the same rows.
pub struct Tx {
    pub conn: TxConn,
    /// Ledger accounts this transaction locked, by key: their id and their balance as this
    /// transaction has moved it (moves may still wait in a [`Batch`]). Owned by `crate::ledger`;
    /// it lets a purchase move the wallet it already locked and read without reading it again.
    pub(crate) ledger_locks: HashMap<String, (i64, Decimal)>,
    /// Ledger accounts this transaction wrote entries of by key: known to exist once it commits.
    pub(crate) ledger_opened: Vec<String>,
    known_accounts: Arc<std::sync::RwLock<HashSet<String>>>,
}

pub enum TxConn {
    /// On the writer connection of [`Pools::Sqlite`] with its [`WalSync`] for a write transaction,
    /// on a reader without one for a read one.
    Sqlite(
        sqlx::Transaction<'static, sqlx::Sqlite>,
        Option<Arc<WalSync>>,
    ),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs `$body` with `$conn` bound to the concrete connection of the transaction `$tx`
/// (a `&mut Tx`); like [`with_pool!`], the body is written once and must be portable SQL.
#[macro_export]
macro_rules! with_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match &mut ($tx).conn {
            $crate::db::TxConn::Sqlite(tx, _) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::db::TxConn::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

impl Db {
    fn tx(&self, conn: TxConn) -> Tx {
        Tx {
            conn,
            ledger_locks: HashMap::new(),
            ledger_opened: Vec::new(),
            known_accounts: Arc::clone(&self.known_accounts),
        }
    }
}

impl Db {
    /// Begins a transaction that may write. On SQLite it first queues for this process's
    /// writer connection, then takes SQLite's write lock up front (`BEGIN IMMEDIATE`: a deferred
    /// transaction that read first and then tried to write would fail with `SQLITE_BUSY`
    /// instead of waiting; another process's writer is still waited for by the busy timeout).
    /// On PostgreSQL, rows are locked where they are read (see [`Tx::for_update`]).
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        let conn = match &self.pools {
            Pools::Sqlite { writer, wal, .. } => TxConn::Sqlite(
                writer.begin_with("BEGIN IMMEDIATE").await?,
                Some(Arc::clone(wal)),
            ),
            Pools::Postgres(pool) => TxConn::Postgres(pool.begin().await?),
        };
        Ok(self.tx(conn))
    }
}

impl Tx {
    /// The row-lock suffix of a `SELECT` that a later write depends on: `FOR UPDATE` on
    /// PostgreSQL; nothing on SQLite, whose `BEGIN IMMEDIATE` already excludes other writers.
    pub fn for_update(&self) -> &'static str {
        match self.conn {
            TxConn::Sqlite(..) => "",
            TxConn::Postgres(_) => " FOR UPDATE",
        }
    }

    /// An expression for a fresh id of `table` (a constant name with an `id` key), so a
    /// statement can name a row before it is inserted: on PostgreSQL the next value of the
    /// table's id sequence; on SQLite one past the highest id, which no other writer can take
    /// before this write transaction ends — valid until this transaction inserts into `table`.
    pub fn fresh_id(&self, table: &'static str) -> String {
        match self.conn {
            TxConn::Sqlite(..) => format!("(SELECT COALESCE(MAX(id), 0) + 1 FROM {table})"),
            TxConn::Postgres(_) => format!("nextval(pg_get_serial_sequence('{table}', 'id'))"),
        }
    }

    /// Whether rows are locked one at a time as statements read them (PostgreSQL), so that what
    /// a statement read besides the rows it locked may be older than its locks. On SQLite a
    /// write transaction excludes every other writer from `BEGIN` on.
    pub fn locks_rows(&self) -> bool {
        matches!(self.conn, TxConn::Postgres(_))
    }

    /// Whether the ledger account `key` is known to exist (committed earlier).
    pub(crate) fn account_known(&self, key: &str) -> bool {
        self.known_accounts
            .read()
            .is_ok_and(|known| known.contains(key))
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let (opened, known) = (self.ledger_opened, self.known_accounts);
        let publish = move || {
            if !opened.is_empty()
                && let Ok(mut known) = known.write()
            {
                known.extend(opened);
            }
        };
        match self.conn {
            // The writer connection goes back (to the next writer) when the commit returns;
            // the answer waits for the log to be on disk.
            TxConn::Sqlite(tx, wal) => {
                tx.commit().await?;
                publish();
                match wal {
                    Some(wal) => wal.durable(wal.ticket()).await,
                    None => Ok(()),
                }
            }
            TxConn::Postgres(tx) => {
                tx.commit().await?;
                publish();
                Ok(())
            }
        }
    }

    /// An empty [`Batch`] for this transaction's engine.
    pub fn batch(&self) -> Batch {
        Batch {
            one_string: matches!(self.conn, TxConn::Sqlite(..)),
            statements: Vec::new(),
        }
    }
}

/// A value bound into a [`Batch`] statement; each is encoded as a direct bind of the same Rust
/// type would be, so batched and direct statements store the same text and types.
#[derive(Debug, Clone)]
pub enum Param {
    Int(i64),
    Bool(bool),
    Text(String),
    Decimal(Option<DbDecimal>),
    Time(DateTime<Utc>),
}

impl From<i64> for Param {
    fn from(v: i64) -> Self {
        Param::Int(v)
    }
}
impl From<bool> for Param {
    fn from(v: bool) -> Self {
        Param::Bool(v)
    }
}
impl From<String> for Param {
    fn from(v: String) -> Self {
        Param::Text(v)
    }
}
impl From<&str> for Param {
    fn from(v: &str) -> Self {
        Param::Text(v.to_owned())
    }
}
impl From<DbDecimal> for Param {
    fn from(v: DbDecimal) -> Self {
        Param::Decimal(Some(v))
    }
}
impl From<Option<DbDecimal>> for Param {
    fn from(v: Option<DbDecimal>) -> Self {
        Param::Decimal(v)
    }
}
impl From<DateTime<Utc>> for Param {
    fn from(v: DateTime<Utc>) -> Self {
        Param::Time(v)
    }
}

/// Writes queued to run together, in order, inside one transaction, where nothing between them
/// needs their results. On SQLite they go to the writer as one multi-statement string — one
/// round trip to its connection thread instead of one per statement, and every round trip is
/// time the one writer is held (the purchase benchmark's limit). SQLite binds each statement of
/// the string from one numbered list, so placeholders count on across statements. PostgreSQL
/// prepares one statement at a time: there each runs on its own, numbered from `$1`.
pub struct Batch {
    one_string: bool,
    statements: Vec<(String, Vec<Param>)>,
}

/// Hands out the placeholders of one batched statement.
pub struct Binder<'a> {
    params: &'a mut Vec<Param>,
    first: usize,
}

impl Binder<'_> {
    /// Binds `value` and returns its placeholder (`$n`) to write into the statement.
    pub fn bind(&mut self, value: impl Into<Param>) -> String {
        self.params.push(value.into());
        format!("${}", self.first + self.params.len())
    }
}

impl Batch {
    /// Queues the statement `write` returns, binding through the [`Binder`] it is given.
    pub fn push(&mut self, write: impl FnOnce(&mut Binder<'_>) -> String) {
        let first = if self.one_string {
            self.statements.iter().map(|(_, p)| p.len()).sum()
        } else {
            0
        };
        let mut params = Vec::new();
        let sql = write(&mut Binder {
            params: &mut params,
            first,
        });
        self.statements.push((sql, params));
    }

    /// An expression for the id of the row the batch's last insert into `table` (a constant
    /// name, with an `id` key) wrote, for statements after it that refer to it — valid until
    /// the batch inserts into `table` again. On SQLite the batch runs on the one writer, inside
    /// its write lock, and an `INTEGER PRIMARY KEY` row is given the highest id; on PostgreSQL
    /// `currval` answers the value this session last drew from the table's id sequence.
    pub fn just_inserted_id(&self, table: &'static str) -> String {
        if self.one_string {
            format!("(SELECT MAX(id) FROM {table})")
        } else {
            format!("currval(pg_get_serial_sequence('{table}', 'id'))")
        }
    }

    /// Runs the queued statements in `tx`, in order; the first error stops them (and the
    /// transaction is then rolled back by its owner).
    pub async fn run(self, tx: &mut Tx) -> Result<(), sqlx::Error> {
        if self.statements.is_empty() {
            return Ok(());
        }
        match &mut tx.conn {
            TxConn::Sqlite(conn, _) => {
                let sql = self
                    .statements
                    .iter()
                    .map(|(sql, _)| sql.as_str())
                    .collect::<Vec<_>>()
                    .join(";\n");
                let params = self.statements.into_iter().flat_map(|(_, p)| p);
                bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), params)
                    .execute(&mut **conn)
                    .await?;
            }
            TxConn::Postgres(conn) => {
                for (sql, params) in self.statements {
                    bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), params)
                        .execute(&mut **conn)
                        .await?;
                }
            }
        }
        Ok(())
    }
}

fn bind_all<'q, DB: sqlx::Database>(
    mut query: sqlx::query::Query<'q, DB, DB::Arguments>,
    params: impl IntoIterator<Item = Param>,
) -> sqlx::query::Query<'q, DB, DB::Arguments>
where
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<DbDecimal>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    for param in params {
        query = match param {
            Param::Int(v) => query.bind(v),
            Param::Bool(v) => query.bind(v),
            Param::Text(v) => query.bind(v),
            Param::Decimal(v) => query.bind(v),
            Param::Time(v) => query.bind(v),
        };
    }
    query
}

impl Db {
    /// A read-only transaction: one consistent snapshot for a view assembled from several
    /// queries, with the same [`Tx`] type the write paths use so loaders serve both.
    pub async fn begin_read(&self) -> Result<Tx, sqlx::Error> {
        let conn = match &self.pools {
            Pools::Sqlite { pool, .. } => TxConn::Sqlite(pool.begin().await?, None),
            Pools::Postgres(pool) => TxConn::Postgres(pool.begin().await?),
        };
        Ok(self.tx(conn))
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

#[cfg(test)]
mod tests {
    use super::*;

    async fn sqlite_in(dir: &std::path::Path) -> (Db, Arc<WalSync>) {
        let db = Db::connect(&format!("sqlite://{}", dir.join("wal.db").display()))
            .await
            .expect("sqlite");
        let Pools::Sqlite { pool, wal, .. } = &db.pools else {
            unreachable!("a sqlite url")
        };
        sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)")
            .execute(pool)
            .await
            .expect("table");
        let wal = Arc::clone(wal);
        (db, wal)
    }

    async fn insert(db: &Db, v: i64) {
        let mut tx = db.begin_write().await.expect("begin");
        with_tx!(&mut tx, conn => {
            sqlx::query("INSERT INTO t (v) VALUES ($1)").bind(v).execute(conn).await.expect("insert");
        });
        tx.commit().await.expect("commit");
    }

    /// A batch's statements run in order in one string, each bound to its own values although
    /// SQLite numbers the placeholders of the whole string as one list.
    #[tokio::test]
    async fn a_batch_binds_each_statement_its_own_values() {
        let dir = tempfile::tempdir().expect("dir");
        let (db, _) = sqlite_in(dir.path()).await;
        let mut tx = db.begin_write().await.expect("begin");
        let mut batch = tx.batch();
        batch.push(|b| {
            format!(
                "INSERT INTO t (v) VALUES ({}), ({})",
                b.bind(1_i64),
                b.bind(2_i64)
            )
        });
        batch.push(|b| {
            format!(
                "UPDATE t SET v = v * {} WHERE v = {}",
                b.bind(10_i64),
                b.bind(2_i64)
            )
        });
        batch.push(|b| format!("INSERT INTO t (v) SELECT MAX(v) + {} FROM t", b.bind(5_i64)));
        batch.run(&mut tx).await.expect("batch");
        tx.commit().await.expect("commit");
        let Pools::Sqlite { pool, .. } = &db.pools else {
            unreachable!()
        };
        let values: Vec<i64> = sqlx::query_scalar("SELECT v FROM t ORDER BY id")
            .fetch_all(pool)
            .await
            .expect("rows");
        assert_eq!(values, [1, 20, 25], "in order, each with its own values");
        db.close().await;
    }

    /// Commits that returned while a sync was running wait for the next one, and one sync then
    /// covers them all: no commit answers before a sync that started after it, and there is
    /// not one sync per commit.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn commits_waiting_for_a_sync_share_the_next_one() {
        let dir = tempfile::tempdir().expect("dir");
        let (db, wal) = sqlite_in(dir.path()).await;
        insert(&db, 0).await;
        assert_eq!(wal.syncs.load(Ordering::SeqCst), 1, "a lone commit syncs");

        let running_sync = wal.synced.lock().await;
        let writers: Vec<_> = (1..=3)
            .map(|v| {
                let db = db.clone();
                tokio::spawn(async move { insert(&db, v).await })
            })
            .collect();
        while wal.committed.load(Ordering::SeqCst) < 4 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(
            writers.iter().all(|w| !w.is_finished()),
            "committed writers wait for the log to be synced"
        );
        drop(running_sync);
        for writer in writers {
            writer.await.expect("writer");
        }
        assert_eq!(
            wal.syncs.load(Ordering::SeqCst),
            2,
            "the three commits behind the running sync share one"
        );
        assert_eq!(*wal.synced.lock().await, 4, "every commit is covered");

        let Pools::Sqlite { pool, .. } = &db.pools else {
            unreachable!()
        };
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t")
            .fetch_one(pool)
            .await
            .expect("count");
        assert_eq!(rows, 4, "readers see every commit");
        db.close().await;
    }
}
