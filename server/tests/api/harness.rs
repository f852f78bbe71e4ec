//! `spawn_app`: a fresh database on the chosen engine, migrated and seeded, behind a real server
//! bound to `127.0.0.1:0`.

use std::sync::atomic::{AtomicU32, Ordering};

use leadmart_server::{AppState, Db, demo};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

#[derive(Debug, Clone, Copy)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Where the PostgreSQL server for tests lives; `LEADMART_TEST_PG` overrides it.
fn postgres_admin_url() -> String {
    std::env::var("LEADMART_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

pub struct TestApp {
    pub base_url: String,
    pub db: Db,
    pub client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<()>,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteDir(#[allow(dead_code)] tempfile_dir::Dir),
    PostgresDatabase(String),
}

/// A tiny owned temp dir (std only) so the server crate needs no extra dev-dependency.
mod tempfile_dir {
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_name() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("leadmart_t_{}_{n}_{nanos}", std::process::id())
}

pub async fn spawn_app(engine: Engine) -> TestApp {
    let name = unique_name();
    let (url, cleanup) = match engine {
        Engine::Sqlite => {
            let dir = std::env::temp_dir().join(&name);
            std::fs::create_dir_all(&dir).expect("temp dir for the SQLite file");
            let url = format!("sqlite://{}", dir.join("server.db").display());
            (url, Cleanup::SqliteDir(tempfile_dir::Dir(dir)))
        }
        Engine::Postgres => {
            let admin = Db::connect(&postgres_admin_url())
                .await
                .expect("PostgreSQL must be running for the tests (see README)");
            let Db::Postgres(pool) = &admin else {
                unreachable!("a postgres:// URL always yields a PostgreSQL pool")
            };
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(pool)
                .await
                .expect("create a fresh test database");
            admin.close().await;
            let base = postgres_admin_url();
            let url = match base.rfind('/') {
                Some(slash) => format!("{}/{name}", &base[..slash]),
                None => panic!("LEADMART_TEST_PG must end in /DATABASE"),
            };
            (url, Cleanup::PostgresDatabase(name))
        }
    };
    let db = Db::connect(&url)
        .await
        .expect("connect to the test database");
    db.migrate()
        .await
        .expect("migrations apply on a fresh database");
    demo::seed_demo(&db, chrono::Utc::now())
        .await
        .expect("demo data inserts");

    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a free port");
    let addr = listener.local_addr().expect("bound address");
    let (tx, rx) = oneshot::channel::<()>();
    let state = AppState::new(db.clone());
    let server = tokio::spawn(async move {
        leadmart_server::serve(listener, state, async {
            let _ = rx.await;
        })
        .await
        .expect("server runs until shutdown");
    });
    TestApp {
        base_url: format!("http://{addr}"),
        db,
        client: reqwest::Client::new(),
        shutdown: Some(tx),
        server,
        cleanup,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Stops the server and removes its database.
    pub async fn finish(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.server).await;
        self.db.close().await;
        if let Cleanup::PostgresDatabase(name) = &self.cleanup
            && let Ok(Db::Postgres(pool)) = Db::connect(&postgres_admin_url()).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&pool)
            .await;
            pool.close().await;
        }
    }
}

/// Declares one `#[tokio::test]` per engine for an `async fn(Engine)` test body.
#[macro_export]
macro_rules! on_both_engines {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::harness::Engine::Sqlite).await;
            }
            #[tokio::test]
            async fn postgres() {
                super::$name($crate::harness::Engine::Postgres).await;
            }
        }
    };
}
