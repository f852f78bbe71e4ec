//! `spawn_app`: a fresh database on the chosen engine, migrated and seeded, behind a real server
//! bound to `127.0.0.1:0`.

use reqwest::Method;
use serde_json::Value;
use std::sync::atomic::{AtomicU32, Ordering};

use leadmart_server::auth::{NewUser, create_user};
use leadmart_server::credits::provider::Payments;
use leadmart_server::db::{DbDecimal, Pools};
use leadmart_server::{AppState, Db, demo, with_pool};
use leadmart_shared::account::Role;
use leadmart_shared::money::Credits;
use leadmart_shared::wire::AuthSession;
use rust_decimal::Decimal;
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
    /// The database's URL, for another server process on the same database.
    pub db_url: String,
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

/// The test server with the `dev` payment and payout providers and the local email
/// verification, each chosen explicitly as a deployment would.
pub async fn spawn_app(engine: Engine) -> TestApp {
    spawn_app_with(engine, 0, dev_providers).await
}

pub fn dev_providers(state: AppState) -> AppState {
    state
        .with_payments(Payments::Dev)
        .with_payouts(leadmart_server::partners::payout::Payouts::Dev)
        .with_verification(leadmart_server::uploads::verify::EmailVerification::local())
}

/// [`spawn_app`] with `generated` deterministic generated leads besides the demo ones.
pub async fn spawn_app_seeded(engine: Engine, generated: usize) -> TestApp {
    spawn_app_with(engine, generated, |state| {
        state.with_payments(Payments::Dev)
    })
    .await
}

/// [`spawn_app_seeded`] with the demo agent's months of history too (`seed-demo --history`).
/// Every other harness seeds without it: tests count the demo agent's leads and credits.
pub async fn spawn_app_with_history(engine: Engine, generated: usize) -> TestApp {
    let options = demo::DemoOptions {
        generated,
        history: true,
    };
    spawn(engine, options, |state| state.with_payments(Payments::Dev)).await
}

/// The test server with `generated` generated demo leads and its state as `configure` makes it
/// from [`AppState::new`] (no payment provider unless `configure` chooses one).
pub async fn spawn_app_with(
    engine: Engine,
    generated: usize,
    configure: impl FnOnce(AppState) -> AppState,
) -> TestApp {
    let options = demo::DemoOptions {
        generated,
        history: false,
    };
    spawn(engine, options, configure).await
}

async fn spawn(
    engine: Engine,
    seed: demo::DemoOptions,
    configure: impl FnOnce(AppState) -> AppState,
) -> TestApp {
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
            let Pools::Postgres(pool) = &admin.pools else {
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
    demo::seed(&db, chrono::Utc::now(), seed)
        .await
        .expect("demo data inserts");

    let state = configure(AppState::new(db.clone()));
    let (base_url, tx, server) = serve_on_loopback(state).await;
    TestApp {
        base_url,
        db_url: url,
        db,
        client: reqwest::Client::new(),
        shutdown: Some(tx),
        server,
        cleanup,
    }
}

/// Serves `state` on a free loopback port until the sender is used or dropped.
async fn serve_on_loopback(
    state: AppState,
) -> (String, oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a free port");
    let addr = listener.local_addr().expect("bound address");
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        leadmart_server::serve(listener, state, async {
            let _ = rx.await;
        })
        .await
        .expect("server runs until shutdown");
    });
    (format!("http://{addr}"), tx, server)
}

/// Another server process on a test app's database: its own pools, its own event reader.
pub struct OtherProcess {
    pub base_url: String,
    pub db: Db,
    shutdown: Option<oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<()>,
}

impl OtherProcess {
    pub async fn finish(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.server).await;
        self.db.close().await;
    }
}

impl TestApp {
    /// A second server on this app's database, as `configure` makes its state.
    pub async fn other_process(
        &self,
        configure: impl FnOnce(AppState) -> AppState,
    ) -> OtherProcess {
        let db = Db::connect(&self.db_url)
            .await
            .expect("a second process connects to the same database");
        let state = configure(AppState::new(db.clone()).with_payments(Payments::Dev));
        let (base_url, tx, server) = serve_on_loopback(state).await;
        OtherProcess {
            base_url,
            db,
            shutdown: Some(tx),
            server,
        }
    }

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
            && let Ok(Db {
                pools: Pools::Postgres(pool),
                ..
            }) = Db::connect(&postgres_admin_url()).await
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

/// A signed-in user of a test app.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub token: String,
    /// To sign in again (the password is [`TEST_PASSWORD`]).
    pub email: String,
}

/// What a test agent serves unless it says otherwise: every demo market.
pub fn default_preferences() -> serde_json::Value {
    serde_json::json!({
        "categories": ["real-estate", "home-services", "insurance"],
        "serviceAreas": [
            {"country": "IN", "region": "Maharashtra", "city": "Mumbai", "area": null},
            {"country": "IN", "region": "Maharashtra", "city": "Pune", "area": null},
            {"country": "ZA", "region": "Western Cape", "city": "Cape Town", "area": null}
        ],
        "minScore": null, "budgetMin": null, "budgetMax": null, "exclusivity": null,
        "maxPrice": null, "urgencies": [], "dailyLimit": null, "perLeadMax": null,
        "autoBuyScoreAbove": null, "autoBuyMaxPrice": null
    })
}

static EMAILS: AtomicU32 = AtomicU32::new(0);

impl TestApp {
    /// Creates a user directly in the database and signs them in over HTTP.
    pub async fn user(&self, role: Role, verified: bool) -> User {
        let n = EMAILS.fetch_add(1, Ordering::Relaxed);
        let email = format!("{role}{n}@test.leadmart.test");
        let user = NewUser {
            email: &email,
            password: TEST_PASSWORD,
            name: "Test User",
            role,
            verified,
        };
        let id = create_user(&self.db, user, chrono::Utc::now())
            .await
            .expect("create a test user");
        let token = self.sign_in(&email, TEST_PASSWORD).await;
        User { id, token, email }
    }

    /// A verified agent with `credits` and [`default_preferences`] changed by `prefs` (merged).
    pub async fn agent(&self, credits: u32, prefs: serde_json::Value) -> User {
        let user = self.user(Role::Agent, true).await;
        self.set_preferences(&user, prefs).await;
        if credits > 0 {
            demo::grant_credits(
                &self.db,
                user.id,
                Credits::whole(credits),
                chrono::Utc::now(),
            )
            .await
            .expect("grant test credits");
        }
        user
    }

    pub async fn set_preferences(&self, user: &User, changes: serde_json::Value) {
        let mut prefs = default_preferences();
        if let (Some(base), Some(changes)) = (prefs.as_object_mut(), changes.as_object()) {
            for (k, v) in changes {
                base.insert(k.clone(), v.clone());
            }
        }
        let response = self.put("/v1/me/preferences", &user.token, &prefs).await;
        assert_eq!(
            response.status(),
            200,
            "test preferences are valid: {prefs}"
        );
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> String {
        let response = self
            .client
            .post(self.url("/v1/auth/signin"))
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await
            .expect("sign-in request");
        assert_eq!(response.status(), 200, "sign-in of {email} succeeds");
        let session: AuthSession = response.json().await.expect("an AuthSession");
        session.access_token
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request reaches the server")
    }

    /// A GET whose answer must be JSON.
    pub async fn get_json(&self, path: &str, token: &str) -> Value {
        self.get(path, token)
            .await
            .json()
            .await
            .unwrap_or_else(|e| panic!("GET {path} answers JSON: {e}"))
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.send_json(Method::POST, path, token, body).await
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.send_json(Method::PUT, path, token, body).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.send_json(Method::PATCH, path, token, body).await
    }

    async fn send_json(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: &Value,
    ) -> reqwest::Response {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request reaches the server")
    }

    /// Buys a lead, with an idempotency key when given.
    pub async fn buy(&self, user: &User, lead_id: &str, key: Option<&str>) -> reqwest::Response {
        let mut request = self
            .client
            .post(self.url(&format!("/v1/marketplace/leads/{lead_id}/purchase")))
            .bearer_auth(&user.token);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        request.send().await.expect("request reaches the server")
    }

    /// The id of the demo lead in `area`.
    pub async fn lead_in(&self, area: &str) -> String {
        let id: i64 = with_pool!(&self.db, pool => {
            sqlx::query_scalar("SELECT id FROM leads WHERE area = $1")
                .bind(area)
                .fetch_one(pool)
                .await
                .expect("the demo lead exists")
        });
        id.to_string()
    }

    /// Runs one statement against the test database (to set up states the API cannot reach
    /// quickly, such as an expired lead or an old purchase).
    pub async fn exec(&self, sql: &'static str, id: &str) {
        let id: i64 = id.parse().expect("numeric id");
        with_pool!(&self.db, pool => {
            sqlx::query(sql).bind(id).execute(pool).await.expect("setup statement runs");
        });
    }

    /// A wallet's balance as the API reports it.
    pub async fn balance(&self, user: &User) -> Decimal {
        let body: serde_json::Value = self
            .get("/v1/credits/balance", &user.token)
            .await
            .json()
            .await
            .expect("balance json");
        body["credits"]
            .as_str()
            .and_then(|c| c.parse().ok())
            .expect("credits as a decimal string")
    }

    /// Sum of every ledger entry: zero whenever double entry holds.
    pub async fn ledger_sum(&self) -> Decimal {
        let deltas: Vec<DbDecimal> = with_pool!(&self.db, pool => {
            sqlx::query_scalar("SELECT delta FROM ledger_entries")
                .fetch_all(pool)
                .await
                .expect("ledger entries")
        });
        deltas.into_iter().map(|d| d.0).sum()
    }
}

/// Asserts an error answer: its status and `{error:{code}}`.
pub async fn assert_error(response: reqwest::Response, status: u16, code: &str, why: &str) {
    let actual = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    assert_eq!(
        (actual, body["error"]["code"].as_str().unwrap_or("")),
        (status, code),
        "{why}: {body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "every error carries a message: {body}"
    );
}

/// Polls `check` every 25 ms until it holds, failing after 10 s: for effects that happen after
/// the answer (the spawned auto-recharge), without a fixed sleep.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting: {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

pub const TEST_PASSWORD: &str = "correct horse battery";

/// Asserts a `429 rate_limited` whose `Retry-After` is inside the limit's window of
/// `window_secs`.
pub async fn assert_rate_limited(window_secs: u64, response: reqwest::Response, why: &str) {
    let retry_after: u64 = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{why}: a 429 says when to retry: {:?}", response.headers()));
    assert!(
        (1..=window_secs).contains(&retry_after),
        "{why}: Retry-After is the rest of the {window_secs} s window, got {retry_after}"
    );
    assert_error(response, 429, "rate_limited", why).await;
}
