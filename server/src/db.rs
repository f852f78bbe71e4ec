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
use sqlx::ConnectOptions;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
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
        /// The one connection every write transaction runs on (see [`Writer`]). SQLite admits
        /// one writer at a time anyway; writers that queue for this connection wake as soon as
        /// the previous one is done, whereas writers left to queue inside SQLite sleep in its
        /// busy handler in steps of up to 100 ms (the purchase benchmark's p95 before: 114 ms).
        /// Its commits do not sync the file (`synchronous = NORMAL`): [`WalSync`] does, once
        /// for all the commits that waited for it, before any of them answers.
        writer: Arc<tokio::sync::Mutex<Writer>>,
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
            // A connection is pinged before use only after it sat idle a while (a server
            // restart or a dropped link shows there), not on every acquire: a ping is a round
            // trip, and a purchase acquires twice (its caller's lookup, its transaction).
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .test_before_acquire(false)
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for > Duration::from_secs(5) {
                            sqlx::Connection::ping(conn).await?;
                        }
                        Ok(true)
                    })
                })
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
            let writer = options
                .synchronous(SqliteSynchronous::Normal)
                .connect()
                .await?;
            Ok(Pools::Sqlite {
                pool,
                writer: Arc::new(tokio::sync::Mutex::new(Writer {
                    conn: Some(writer),
                    group: None,
                    pending: None,
                })),
                wal,
            })
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
        if let Pools::Sqlite { writer, .. } = &self.pools
            && let Some(conn) = writer.lock().await.conn.take()
        {
            let _ = sqlx::Connection::close(conn).await;
        }
        with_pool!(self, pool => pool.close().await)
    }
}

/// Group sync for the SQLite writer: its group transactions (see [`Writer`]) commit without
/// syncing the file, take a ticket per member, and wait here until one `fdatasync` of the
/// write-ahead log covers their ticket. The
/// data a commit wrote is in the log file once `COMMIT` returns, so a sync started after that
/// makes it durable, and one sync covers every commit that returned before it started: while
/// one sync runs, the commits behind it queue for the next. Durable as `synchronous = FULL`
/// (a sync of the log after each commit), at one sync per batch instead of one per commit.
#[derive(Debug)]
pub struct WalSync {
    log: PathBuf,
    /// Tickets handed out: write transactions whose commit returned.
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

    /// Called once a commit of `transactions` write transactions returned: the place of the
    /// last of them in the order of commits.
    fn tickets(&self, transactions: u64) -> u64 {
        self.committed.fetch_add(transactions, Ordering::SeqCst) + transactions
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

/// The SQLite writer connection, and the group transaction open on it.
///
/// Group commit: write transactions that queue for the writer while one runs share one SQLite
/// transaction. Each runs as the savepoint `member` inside it and, instead of committing, hands
/// the writer to the next in the queue; a committer task commits the group once the writers
/// that queued before it are through, and every member answers after that commit (and the
/// log's sync). A `BEGIN` and a `COMMIT` per write were two of the round trips to the
/// connection's thread that every purchase held the one writer for (five in all); a member
/// pays none of them: its savepoint is opened, and the previous member's released or rolled
/// back, in the one round trip that starts it. A member that fails is rolled back to its
/// savepoint, so it takes nothing of the others with it; the group fails as a whole only if its
/// `COMMIT` does (or SQLite ended the transaction itself), and then every member reports that.
#[derive(Debug)]
pub struct Writer {
    /// `None` once [`Db::close`] closed it.
    conn: Option<SqliteConnection>,
    /// The group transaction open on the connection, if any.
    group: Option<Arc<Group>>,
    /// How the last member's savepoint ends, still to run: it runs at the start of the next
    /// statement sent to the writer (the next member's start, or the group's `COMMIT`), in the
    /// same round trip. A savepoint ended only by a later statement costs no round trip of its
    /// own, and it is always ended before anything else runs on the connection.
    pending: Option<SavepointEnd>,
}

/// How a member's savepoint ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SavepointEnd {
    /// The member committed: its writes stay in the group.
    Release,
    /// The member ended without committing (an error, or its future was dropped).
    RollBack,
}

/// One group transaction: its members wait for [`Group::outcome`].
#[derive(Debug)]
struct Group {
    /// `None` until the committer decided: the commit (and the log's sync) or its error.
    outcome: tokio::sync::watch::Sender<Option<Result<(), String>>>,
    /// Members that committed into the group (their count is their share of the sync tickets).
    members: AtomicU64,
}

impl Group {
    fn new() -> Arc<Self> {
        Arc::new(Group {
            outcome: tokio::sync::watch::Sender::new(None),
            members: AtomicU64::new(0),
        })
    }

    fn decide(&self, outcome: Result<(), sqlx::Error>) {
        self.outcome
            .send_replace(Some(outcome.map_err(|e| e.to_string())));
    }

    /// Waits until the group's committer decided.
    async fn outcome(&self) -> Result<(), sqlx::Error> {
        let mut decided = self.outcome.subscribe();
        let outcome = decided
            .wait_for(Option::is_some)
            .await
            .map_err(|_| group_failed("the group's committer stopped"))?
            .clone();
        match outcome {
            Some(Ok(())) => Ok(()),
            Some(Err(e)) => Err(group_failed(&e)),
            None => unreachable!("waited for a decision"),
        }
    }
}

fn group_failed(why: &str) -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::other(format!(
        "the write transaction's group did not commit: {why}"
    )))
}

/// `BEGIN IMMEDIATE`: SQLite's write lock is taken up front; a deferred transaction that read
/// first and then tried to write would fail with `SQLITE_BUSY` instead of waiting (another
/// process's writer is still waited for by the busy timeout).
const BEGIN_GROUP: &str = "BEGIN IMMEDIATE; SAVEPOINT member";

impl Writer {
    fn conn(&mut self) -> Result<&mut SqliteConnection, sqlx::Error> {
        self.conn.as_mut().ok_or(sqlx::Error::PoolClosed)
    }

    /// Starts a member: joins the open group, or opens one (and spawns its committer).
    async fn start_member(
        this: &mut tokio::sync::OwnedMutexGuard<Writer>,
        wal: &Arc<WalSync>,
    ) -> Result<Arc<Group>, sqlx::Error> {
        // Constant strings, so the connection prepares each once and keeps it.
        let sql = match (&this.group, this.pending) {
            (None, _) => BEGIN_GROUP,
            (Some(_), Some(SavepointEnd::Release)) => "RELEASE member; SAVEPOINT member",
            (Some(_), Some(SavepointEnd::RollBack)) => {
                "ROLLBACK TO member; RELEASE member; SAVEPOINT member"
            }
            (Some(_), None) => "SAVEPOINT member",
        };
        let group = match &this.group {
            Some(group) => Arc::clone(group),
            None => {
                // Recorded before `BEGIN` is sent, so that a `BEGIN` that ran although this
                // future was dropped still has its committer to end it.
                let group = Group::new();
                this.group = Some(Arc::clone(&group));
                // Spawned now, it queues for the writer behind the writers already waiting:
                // they join this group, later ones open the next. A task of its own, so the
                // group commits whatever becomes of the member that opened it.
                tokio::spawn(commit_group(
                    tokio::sync::OwnedMutexGuard::mutex(this).clone(),
                    Arc::clone(&group),
                    Arc::clone(wal),
                ));
                group
            }
        };
        if let Err(e) = sqlx::query(sql).execute(&mut *this.conn()?).await {
            this.end_group_on_error().await;
            return Err(e);
        }
        this.pending = None;
        Ok(group)
    }

    /// After an error that may have ended SQLite's transaction (or left it unusable): rolls it
    /// back and forgets the group, whose committer then fails it.
    async fn end_group_on_error(&mut self) {
        if self.group.take().is_some()
            && let Ok(conn) = self.conn()
        {
            // Fails harmlessly when SQLite already rolled the transaction back.
            let _ = sqlx::query("ROLLBACK").execute(conn).await;
        }
        self.pending = None;
    }
}

/// The committer of `group`: once the writers queued before it are through, ends the last
/// member's savepoint and commits, syncs the log, and tells the members.
async fn commit_group(
    writer: Arc<tokio::sync::Mutex<Writer>>,
    group: Arc<Group>,
    wal: Arc<WalSync>,
) {
    let mut this = writer.lock_owned().await;
    if !this
        .group
        .as_ref()
        .is_some_and(|open| Arc::ptr_eq(open, &group))
    {
        // An error ended the group before its commit (see `end_group_on_error`).
        group.decide(Err(group_failed("its transaction ended on an error")));
        return;
    }
    let sql = match this.pending {
        Some(SavepointEnd::RollBack) => "ROLLBACK TO member; COMMIT",
        Some(SavepointEnd::Release) | None => "COMMIT",
    };
    let committed = match this.conn() {
        Ok(conn) => sqlx::query(sql).execute(conn).await.map(drop),
        Err(e) => Err(e),
    };
    match committed {
        Ok(()) => {
            this.group = None;
            this.pending = None;
        }
        Err(_) => this.end_group_on_error().await,
    }
    // The next writer may start while the log syncs.
    drop(this);
    let outcome = match committed {
        Ok(()) => {
            let members = group.members.load(Ordering::SeqCst);
            wal.durable(wal.tickets(members)).await
        }
        Err(e) => Err(e),
    };
    group.decide(outcome);
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
    Sqlite(SqliteTx),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

pub enum SqliteTx {
    /// A read transaction, on a reader connection.
    Read(sqlx::Transaction<'static, sqlx::Sqlite>),
    /// A write transaction: a member of the group transaction on the writer (see [`Writer`]).
    Write(WriteTx),
}

impl SqliteTx {
    pub fn conn(&mut self) -> &mut SqliteConnection {
        match self {
            SqliteTx::Read(tx) => tx,
            SqliteTx::Write(member) => member.conn(),
        }
    }
}

/// A write transaction on SQLite: the savepoint `member` of a group transaction, holding the
/// writer until it commits or is dropped.
pub struct WriteTx {
    /// `Some` until the member commits.
    writer: Option<tokio::sync::OwnedMutexGuard<Writer>>,
    group: Arc<Group>,
}

impl WriteTx {
    fn conn(&mut self) -> &mut SqliteConnection {
        self.writer
            .as_mut()
            .and_then(|writer| writer.conn.as_mut())
            // `begin_write` checked it; closing needs the writer, which this holds.
            .expect("a write transaction holds the open writer until it ends")
    }

    /// Commits into the group and waits for the group's commit.
    async fn commit(mut self) -> Result<(), sqlx::Error> {
        if let Some(mut writer) = self.writer.take() {
            writer.pending = Some(SavepointEnd::Release);
            self.group.members.fetch_add(1, Ordering::SeqCst);
        }
        self.group.outcome().await
    }
}

impl Drop for WriteTx {
    /// Ended without committing: the next statement on the writer rolls this member back first.
    fn drop(&mut self) {
        if let Some(writer) = self.writer.as_mut() {
            writer.pending = Some(SavepointEnd::RollBack);
        }
    }
}

/// Runs `$body` with `$conn` bound to the concrete connection of the transaction `$tx`
/// (a `&mut Tx`); like [`with_pool!`], the body is written once and must be portable SQL.
#[macro_export]
macro_rules! with_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match &mut ($tx).conn {
            $crate::db::TxConn::Sqlite(tx) => {
                let $conn = tx.conn();
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
    /// Begins a transaction that may write. On SQLite it queues for this process's writer
    /// connection and runs as a member of a group transaction there (see [`Writer`]); SQLite's
    /// write lock is taken when the group begins. On PostgreSQL, rows are locked where they are
    /// read (see [`Tx::for_update`]).
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        let conn = match &self.pools {
            Pools::Sqlite { writer, wal, .. } => {
                let mut writer = Arc::clone(writer).lock_owned().await;
                let group = Writer::start_member(&mut writer, wal).await?;
                TxConn::Sqlite(SqliteTx::Write(WriteTx {
                    writer: Some(writer),
                    group,
                }))
            }
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
            // The writer goes to the next member at once; the answer waits for the group's
            // commit and for the log to be on disk.
            TxConn::Sqlite(SqliteTx::Write(member)) => member.commit().await?,
            TxConn::Sqlite(SqliteTx::Read(tx)) => tx.commit().await?,
            TxConn::Postgres(tx) => tx.commit().await?,
        }
        publish();
        Ok(())
    }

    /// An empty [`Batch`] for this transaction's engine.
    pub fn batch(&self) -> Batch {
        Batch {
            inline: matches!(self.conn, TxConn::Postgres(_)),
            statements: Vec::new(),
            refused: None,
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
/// needs their results: one round trip to the engine for all of them, and every round trip is
/// time the transaction holds its locks (the purchase benchmark's limit).
///
/// - SQLite: one multi-statement string to the writer's connection thread, bound from one
///   numbered list (SQLite numbers the placeholders of the whole string as one list, so they
///   count on across statements).
/// - PostgreSQL: its extended protocol prepares one statement at a time, and sqlx cannot
///   pipeline them; its simple protocol takes several statements in one message, but no
///   parameters. There each value is written into the statement as a typed literal
///   ([`pg_literal`]), so a batch is one message however many statements it holds.
pub struct Batch {
    inline: bool,
    statements: Vec<(String, Vec<Param>)>,
    /// Why a value could not be written as a literal: the batch refuses to run.
    refused: Option<String>,
}

/// Hands out the placeholders of one batched statement.
pub struct Binder<'a> {
    params: &'a mut Vec<Param>,
    first: usize,
    inline: bool,
    refused: &'a mut Option<String>,
}

impl Binder<'_> {
    /// Binds `value` and returns what to write into the statement for it: its placeholder
    /// (`$n`), or on PostgreSQL the value as a literal.
    pub fn bind(&mut self, value: impl Into<Param>) -> String {
        let value = value.into();
        if self.inline {
            return pg_literal(&value).unwrap_or_else(|why| {
                self.refused.get_or_insert(why);
                "NULL".to_owned()
            });
        }
        self.params.push(value);
        format!("${}", self.first + self.params.len())
    }
}

/// `value` as a PostgreSQL literal of the type a bind of it has (`int8`, `bool`, `text`,
/// `numeric`, `timestamptz`), so a batched statement stores exactly what a bound one would.
/// Text is an escape string (`E'…'`), whose meaning does not depend on the server's
/// `standard_conforming_strings`: only `\` and `'` are special in it, and both are doubled.
/// Text with a NUL character is refused (PostgreSQL's text cannot hold one; a bind fails too).
fn pg_literal(value: &Param) -> Result<String, String> {
    Ok(match value {
        Param::Int(v) => format!("'{v}'::int8"),
        Param::Bool(v) => if *v { "TRUE" } else { "FALSE" }.to_owned(),
        Param::Text(text) => {
            if text.contains('\0') {
                return Err("text with a NUL character".to_owned());
            }
            let escaped = text.replace('\\', "\\\\").replace('\'', "''");
            format!("E'{escaped}'::text")
        }
        // As sqlx binds it: zero without a scale, others with theirs.
        Param::Decimal(Some(DbDecimal(d))) if d.is_zero() => "'0'::numeric".to_owned(),
        Param::Decimal(Some(DbDecimal(d))) => format!("'{d}'::numeric"),
        Param::Decimal(None) => "NULL::numeric".to_owned(),
        Param::Time(t) => format!(
            "'{}'::timestamptz",
            t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        ),
    })
}

impl Batch {
    /// Queues the statement `write` returns, binding through the [`Binder`] it is given.
    pub fn push(&mut self, write: impl FnOnce(&mut Binder<'_>) -> String) {
        let first = if self.inline {
            0
        } else {
            self.statements.iter().map(|(_, p)| p.len()).sum()
        };
        let mut params = Vec::new();
        let sql = write(&mut Binder {
            params: &mut params,
            first,
            inline: self.inline,
            refused: &mut self.refused,
        });
        self.statements.push((sql, params));
    }

    /// An expression for the id of the row the batch's last insert into `table` (a constant
    /// name, with an `id` key) wrote, for statements after it that refer to it — valid until
    /// the batch inserts into `table` again. On SQLite the batch runs on the one writer, inside
    /// its write lock, and an `INTEGER PRIMARY KEY` row is given the highest id; on PostgreSQL
    /// `currval` answers the value this session last drew from the table's id sequence.
    pub fn just_inserted_id(&self, table: &'static str) -> String {
        if self.inline {
            format!("currval(pg_get_serial_sequence('{table}', 'id'))")
        } else {
            format!("(SELECT MAX(id) FROM {table})")
        }
    }

    /// Runs the queued statements in `tx`, in order; the first error stops them (and the
    /// transaction is then rolled back by its owner).
    pub async fn run(self, tx: &mut Tx) -> Result<(), sqlx::Error> {
        if let Some(why) = self.refused {
            return Err(sqlx::Error::Encode(
                format!("a batched value cannot be written: {why}").into(),
            ));
        }
        if self.statements.is_empty() {
            return Ok(());
        }
        let sql = self
            .statements
            .iter()
            .map(|(sql, _)| sql.as_str())
            .collect::<Vec<_>>()
            .join(";\n");
        match &mut tx.conn {
            TxConn::Sqlite(conn) => {
                let params = self.statements.into_iter().flat_map(|(_, p)| p);
                bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), params)
                    .execute(conn.conn())
                    .await?;
            }
            TxConn::Postgres(conn) => {
                // Every value is a literal (see `pg_literal`).
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut **conn)
                    .await?;
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
            Pools::Sqlite { pool, .. } => TxConn::Sqlite(SqliteTx::Read(pool.begin().await?)),
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

    /// Write transactions queued for the writer share one group transaction, and a member that
    /// fails or is dropped takes only its own writes back: the members before and after it in
    /// the group commit, in one `COMMIT`.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_member_of_a_group_rolls_back_alone() {
        let dir = tempfile::tempdir().expect("dir");
        let (db, wal) = sqlite_in(dir.path()).await;
        let Pools::Sqlite { pool, writer, .. } = &db.pools else {
            unreachable!()
        };
        let commits = || wal.committed.load(Ordering::SeqCst);
        // Holding the writer, so that all four queue for it before the first starts.
        let held = writer.lock().await;
        let mut members = Vec::new();
        for (v, outcome) in [(1, "commit"), (2, "error"), (3, "drop"), (4, "commit")] {
            let db = db.clone();
            members.push(tokio::spawn(async move {
                let mut tx = db.begin_write().await.expect("begin");
                with_tx!(&mut tx, conn => {
                    sqlx::query("INSERT INTO t (id, v) VALUES ($1, $1)")
                        .bind(v)
                        .execute(&mut *conn)
                        .await
                        .expect("insert");
                    if outcome == "error" {
                        // Breaks the primary key: this statement fails, the member gives up.
                        let duplicate = sqlx::query("INSERT INTO t (id, v) VALUES (1, 0)")
                            .execute(&mut *conn)
                            .await;
                        assert!(duplicate.is_err(), "id 1 is taken by the first member");
                    }
                });
                match outcome {
                    "commit" => tx.commit().await.map_err(|e| e.to_string()),
                    _ => {
                        drop(tx);
                        Ok(())
                    }
                }
            }));
            // Queued in this order (the writer's queue is first come, first served).
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        drop(held);
        for member in members {
            member
                .await
                .expect("member")
                .expect("a committing member commits");
        }
        let values: Vec<i64> = sqlx::query_scalar("SELECT v FROM t ORDER BY id")
            .fetch_all(pool)
            .await
            .expect("rows");
        assert_eq!(
            values,
            [1, 4],
            "the failed and the dropped member wrote nothing"
        );
        assert_eq!(commits(), 2, "the two committing members");
        assert_eq!(
            wal.syncs.load(Ordering::SeqCst),
            1,
            "the group committed once, with one sync"
        );
        // The writer is usable after the group: a new transaction opens a new group.
        insert(&db, 5).await;
        assert_eq!(commits(), 3);
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

    /// Values that a literal could get wrong: quotes, backslashes (an escape in `E'…'`, and in
    /// plain strings where `standard_conforming_strings` is off), text that looks like SQL or a
    /// placeholder, non-ASCII, the ends of the integer range, a decimal's scale and sign, time
    /// to the microsecond.
    fn awkward_values() -> Vec<[Param; 4]> {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc));
        let texts = [
            "O'Brien",
            r"back\slash\",
            r"\'; DROP TABLE t; --",
            "$1 $2 E'x' '' \\",
            "Zoë 🏠 \r\n\ttab",
            "",
        ];
        let ints = [i64::MIN, -1, 0, i64::MAX, 42, 7];
        let decimals = [
            Some(Decimal::new(-1, 2)),
            Some(Decimal::new(1250, 2)),
            Some(Decimal::new(0, 4)),
            None,
            Some(Decimal::MAX),
            Some(Decimal::new(123_456_789, 6)),
        ];
        let times = [
            "2026-12-02T23:59:59.999999Z",
            "1999-01-01T00:00:00Z",
            "2026-03-29T01:30:00.000001+05:30",
            "2026-12-02T00:00:00Z",
            "2100-02-28T12:00:00.5Z",
            "1970-01-01T00:00:00Z",
        ];
        texts
            .iter()
            .zip(ints)
            .zip(decimals)
            .zip(times)
            .map(|(((text, int), decimal), time)| {
                [
                    Param::Text((*text).to_owned()),
                    Param::Int(int),
                    Param::Decimal(decimal.map(DbDecimal)),
                    Param::Time(at(time).expect("time")),
                ]
            })
            .collect()
    }

    #[test]
    fn a_literal_doubles_quotes_and_backslashes_and_refuses_nul() {
        let text = |t: &str| pg_literal(&Param::Text(t.to_owned()));
        assert_eq!(text(r"a'b\c"), Ok(r"E'a''b\\c'::text".to_owned()));
        assert!(text("a\0b").is_err(), "PostgreSQL text holds no NUL");
        assert_eq!(
            pg_literal(&Param::Int(i64::MIN)),
            Ok("'-9223372036854775808'::int8".to_owned())
        );
    }

    /// On PostgreSQL a batch writes its values as literals: each row it stores reads back
    /// exactly as the same values bound to a prepared statement store (text, type and scale),
    /// and a value it cannot write refuses the batch instead of writing something else.
    #[tokio::test]
    async fn a_postgres_batch_stores_what_a_bound_statement_stores() {
        let url = std::env::var("LEADMART_TEST_PG")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let db = Db::connect(&url).await.expect("PostgreSQL for tests");
        let table = format!("batch_literals_{}", std::process::id());
        let create = format!(
            "CREATE TABLE {table} (id BIGSERIAL PRIMARY KEY, how TEXT NOT NULL, n INT, \
             t TEXT, i BIGINT, d NUMERIC, at TIMESTAMPTZ, b BOOLEAN)"
        );
        let Pools::Postgres(pool) = &db.pools else {
            unreachable!("a postgres:// URL")
        };
        sqlx::raw_sql(sqlx::AssertSqlSafe(create))
            .execute(pool)
            .await
            .expect("table");
        let insert = |how: &str, n: usize, values: &[String]| {
            format!(
                "INSERT INTO {table} (how, n, t, i, d, at, b) VALUES ('{how}', {n}, {})",
                values.join(", ")
            )
        };
        let mut tx = db.begin_write().await.expect("begin");
        let mut batch = tx.batch();
        for (n, row) in awkward_values().into_iter().enumerate() {
            batch.push(|b| {
                let mut values: Vec<String> = row.iter().map(|v| b.bind(v.clone())).collect();
                values.push(b.bind(n % 2 == 0));
                insert("batch", n, &values)
            });
        }
        batch.run(&mut tx).await.expect("batch");
        for (n, row) in awkward_values().into_iter().enumerate() {
            let placeholders: Vec<String> = (1..=5).map(|i| format!("${i}")).collect();
            let mut params = row.to_vec();
            params.push(Param::Bool(n % 2 == 0));
            let sql = insert("bound", n, &placeholders);
            with_tx!(&mut tx, conn => {
                bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), params)
                    .execute(conn)
                    .await
                    .expect("bound insert");
            });
        }
        tx.commit().await.expect("commit");

        let read = |how: &'static str| {
            let sql = format!("SELECT t, i, d::text, at, b FROM {table} WHERE how = $1 ORDER BY n");
            async move {
                sqlx::query_as::<_, (String, i64, Option<String>, DateTime<Utc>, bool)>(
                    sqlx::AssertSqlSafe(sql),
                )
                .bind(how)
                .fetch_all(pool)
                .await
                .expect("rows")
            }
        };
        let (batched, bound) = (read("batch").await, read("bound").await);
        assert_eq!(batched.len(), 6);
        assert_eq!(batched, bound, "the same text, numbers, scale and time");
        assert_eq!(batched[0].0, "O'Brien");
        assert_eq!(
            batched[1].2.as_deref(),
            Some("12.50"),
            "a decimal keeps its scale"
        );

        let mut tx = db.begin_write().await.expect("begin");
        let mut batch = tx.batch();
        batch.push(|b| {
            insert(
                "nul",
                0,
                &[
                    b.bind("a\0b"),
                    b.bind(1_i64),
                    b.bind(None::<DbDecimal>),
                    b.bind(now()),
                    b.bind(true),
                ],
            )
        });
        let refused = batch.run(&mut tx).await;
        assert!(refused.is_err(), "a NUL in text refuses the batch");
        drop(tx);
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP TABLE {table}")))
            .execute(pool)
            .await
            .expect("drop");
        db.close().await;
    }
}
