//! A real in-process server on SQLite with the demo data, and app-core pieces pointed at it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use leadmart_app::api::{ApiClient, Method};
use leadmart_app::cache::{Cache, CacheFolder};
use leadmart_app::contact::LinkOpener;
use leadmart_app::secrets::{TokenStore, use_kernel_keyring};
use leadmart_app::session::SessionManager;
use leadmart_server::auth::tokens::TokenConfig;
use leadmart_server::credits::provider::Payments;
use leadmart_server::partners::payout::Payouts;
use leadmart_server::{AppState, Db, MarketConfig, demo};
use leadmart_shared::wire::{IntakeAccepted, SignInRequest};
use tokio::net::TcpListener;

pub struct Server {
    pub url: String,
    /// The server's database, to set up what the API cannot (a second agent).
    pub db: Db,
    /// What the server was asked, counted by a layer in front of the router.
    pub counts: Arc<Counts>,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Stops the server and waits until its port is closed.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.expect("server stops");
    }

    /// Stops the server, keeping its database, for [`Server::start_again`].
    pub async fn stop_keeping(self) -> StoppedServer {
        let url = self.url.clone();
        let db = self.db.clone();
        self.stop().await;
        StoppedServer { url, db }
    }
}

/// A stopped server's address and database.
pub struct StoppedServer {
    pub url: String,
    pub db: Db,
}

impl StoppedServer {
    /// Starts the server again on the same address and database (no new demo data).
    pub async fn start_again(self) -> Server {
        let address = self.url.trim_start_matches("http://").to_owned();
        serve(self.db, TokenConfig::default(), &address).await
    }
}

/// The demo server with the default token lifetimes.
pub async fn start_server(dir: &std::path::Path) -> Server {
    start_server_with(dir, TokenConfig::default()).await
}

/// The demo server, its access tokens living only `tokens.access_ttl`.
pub async fn start_server_with(dir: &std::path::Path, tokens: TokenConfig) -> Server {
    start(dir, tokens, 0).await
}

/// The demo server with `generated` generated leads of the demo partner, listed by the demo's
/// past upload (so the partner has an upload history and leads to sell).
pub async fn start_server_with_partner_leads(dir: &std::path::Path, generated: usize) -> Server {
    start(dir, TokenConfig::default(), generated).await
}

async fn start(dir: &std::path::Path, tokens: TokenConfig, generated: usize) -> Server {
    let db = Db::connect(&format!("sqlite://{}", dir.join("server.db").display()))
        .await
        .expect("server database");
    db.migrate().await.expect("server migrations");
    demo::seed_demo_with(&db, chrono::Utc::now(), generated)
        .await
        .expect("demo data");
    serve(db, tokens, "127.0.0.1:0").await
}

async fn serve(db: Db, tokens: TokenConfig, address: &str) -> Server {
    // Credits and partner payouts settle at once, no money moves (as in `cargo xtask run`).
    let mut state = AppState::new(db.clone())
        .with_payments(Payments::Dev)
        .with_payouts(Payouts::Dev);
    state.market = Arc::new(MarketConfig {
        tokens,
        ..MarketConfig::default()
    });
    let listener = TcpListener::bind(address).await.expect("free port");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let counts = Arc::new(Counts::default());
    let counted = counts.clone();
    let app = leadmart_server::app(state).layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let counts = counted.clone();
            async move {
                let refresh = request.uri().path() == "/v1/auth/refresh";
                let response = next.run(request).await;
                if refresh && response.status().is_success() {
                    counts.refreshes.fetch_add(1, Ordering::SeqCst);
                }
                if response.status() == 401 {
                    counts.unauthorized.fetch_add(1, Ordering::SeqCst);
                }
                response
            }
        },
    ));
    let task = tokio::spawn(async move {
        // As `leadmart_server::serve` does, with the counting layer in front.
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        })
        .await
        .expect("server runs");
    });
    Server {
        url,
        db,
        counts,
        stop,
        task,
    }
}

/// Requests a test server answered, by kind.
#[derive(Debug, Default)]
pub struct Counts {
    /// Refresh tokens traded for a new session.
    pub refreshes: AtomicUsize,
    /// Answers `401` (an expired or revoked token).
    pub unauthorized: AtomicUsize,
}

impl Counts {
    pub fn refreshes(&self) -> usize {
        self.refreshes.load(Ordering::SeqCst)
    }
    pub fn unauthorized(&self) -> usize {
        self.unauthorized.load(Ordering::SeqCst)
    }
}

/// The app data folder of a test app in `dir` (every session in a test shares it, as every
/// user of one computer account shares one app data folder).
pub fn app_folder(dir: &Path) -> PathBuf {
    dir.join("app")
}

/// A session for `url` over the app data folder in `dir` (what a started app builds), its tokens
/// in the kernel keyring (each test has its own server URL, so its own keychain entry).
pub async fn session_for(url: &str, dir: &Path) -> SessionManager {
    use_kernel_keyring();
    SessionManager::open(
        ApiClient::new(url).expect("client"),
        TokenStore::for_api(url),
        CacheFolder::new(app_folder(dir)),
    )
    .await
    .expect("the session manager opens its caches")
}

/// A session on `server` over the app data folder in `dir`, signed in as the demo agent, and the
/// agent's own cache.
pub async fn signed_in_agent(dir: &Path, server: &Server) -> (Cache, SessionManager) {
    let session = session_for(&server.url, dir).await;
    session
        .sign_in(
            demo::DEMO_AGENT_EMAIL.to_owned(),
            demo::DEMO_PASSWORD.to_owned(),
        )
        .await
        .expect("the demo agent signs in");
    let cache = session.cache().await.expect("the agent's cache");
    (cache, session)
}

/// A session on `server` over the app data folder in `dir`, signed in as the demo partner.
pub async fn signed_in_partner(dir: &Path, server: &Server) -> SessionManager {
    let session = session_for(&server.url, dir).await;
    session
        .sign_in(
            demo::DEMO_PARTNER_EMAIL.to_owned(),
            demo::DEMO_PASSWORD.to_owned(),
        )
        .await
        .expect("the demo partner signs in");
    session
}

/// The id of the seed 000 lead: the exclusive 3BHK in Andheri West.
pub async fn andheri_lead(session: &SessionManager, cache: &Cache) -> String {
    let filters = leadmart_app::marketplace::BrowseFilters {
        area: Some("Andheri West".to_owned()),
        ..Default::default()
    };
    let page = leadmart_app::marketplace::browse(session, cache, &filters)
        .await
        .expect("browse");
    page.leads
        .iter()
        .find(|card| card.title == "3BHK Apartment")
        .map(|card| card.id.clone())
        .expect("the Andheri West 3BHK is listed")
}

/// The demo agent signed in on `server` (app data folder in `dir`), having bought the Andheri
/// West 3BHK: their cache, session and the purchase as the server described it.
pub async fn agent_with_andheri(
    dir: &Path,
    server: &Server,
) -> (Cache, SessionManager, leadmart_shared::wire::PurchasedLead) {
    let (cache, session) = signed_in_agent(dir, server).await;
    let lead_id = andheri_lead(&session, &cache).await;
    let bought = leadmart_app::purchases::purchase(&session, &cache, &lead_id, chrono::Utc::now())
        .await
        .expect("bought");
    (cache, session, bought.purchase)
}

/// Records the links the app asked the OS to open.
#[derive(Default)]
pub struct RecordingOpener {
    pub opened: Mutex<Vec<String>>,
}

impl LinkOpener for RecordingOpener {
    fn open(&self, url: &str) -> Result<(), String> {
        self.opened
            .lock()
            .map_err(|_| "poisoned".to_owned())?
            .push(url.to_owned());
        Ok(())
    }
}

/// The demo admin: lists leads through `POST /v1/admin/leads` (intake routes them) and decides
/// refunds.
pub struct Admin {
    api: ApiClient,
}

impl Admin {
    pub fn of(server: &Server) -> Self {
        Self {
            api: ApiClient::new(&server.url).expect("client"),
        }
    }

    /// A fresh token for each listing: some tests' tokens live a second.
    async fn token(&self) -> String {
        self.api
            .sign_in(&SignInRequest {
                email: demo::DEMO_ADMIN_EMAIL.to_owned(),
                password: demo::DEMO_PASSWORD.to_owned(),
            })
            .await
            .expect("the demo admin signs in")
            .access_token
    }

    /// Lists plumbing lead number `n` in Woodstock, Cape Town, which the demo agent serves
    /// (contacts differ per `n`, so no lead is a duplicate of another). Answers its id.
    pub async fn list_plumbing_lead(&self, n: u32) -> String {
        let lead = demo::woodstock_plumbing_lead(n);
        let accepted: IntakeAccepted = self
            .api
            .send(
                Method::POST,
                "v1/admin/leads",
                Some(&self.token().await),
                &[],
                Some(&lead),
            )
            .await
            .expect("the admin lists the lead");
        accepted.lead_id
    }

    /// Approves (or denies) refund `refund_id`.
    pub async fn decide_refund(&self, refund_id: &str, approve: bool) {
        let decision = leadmart_shared::wire::RefundDecision {
            approve,
            note: None,
        };
        let _: leadmart_shared::wire::RefundDto = self
            .api
            .send(
                Method::POST,
                &format!("v1/admin/refunds/{refund_id}/decision"),
                Some(&self.token().await),
                &[],
                Some(&decision),
            )
            .await
            .expect("the admin decides the refund");
    }
}

/// Asserts that `cache` holds exactly the server's view of the agent's purchased leads (stage,
/// history, notes, contact log, contact, refund); answers the server's view.
pub async fn assert_cache_equals_server(
    session: &SessionManager,
    cache: &Cache,
) -> leadmart_shared::wire::MyLeadsPage {
    let on_server: leadmart_shared::wire::MyLeadsPage = session
        .request(
            Method::GET,
            "v1/my/leads",
            &[("limit", "200".to_owned())],
            None::<&()>,
        )
        .await
        .expect("the server's view");
    let (cached, _) = cache.purchased().await.expect("the cache's view");
    let comparable = |leads: &[leadmart_shared::wire::PurchasedLead]| {
        leads
            .iter()
            .map(|l| {
                serde_json::to_string(&(
                    &l.lead.card.id,
                    l.stage,
                    &l.stage_history,
                    &l.notes,
                    &l.contact_log,
                    &l.contact,
                    &l.refund,
                ))
                .expect("json")
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        comparable(&cached),
        comparable(&on_server.leads),
        "the cache equals the server"
    );
    on_server
}

/// Lead `lead_id` of `leads`, which must hold it.
pub fn lead_of<'a>(
    leads: &'a [leadmart_shared::wire::PurchasedLead],
    lead_id: &str,
) -> &'a leadmart_shared::wire::PurchasedLead {
    leads
        .iter()
        .find(|l| l.lead.card.id == lead_id)
        .unwrap_or_else(|| panic!("lead {lead_id} is there"))
}
