//! A real in-process server on SQLite with the demo data, and app-core pieces pointed at it.

use std::sync::{Arc, Mutex};

use leadmart_app::api::ApiClient;
use leadmart_app::cache::Cache;
use leadmart_app::contact::LinkOpener;
use leadmart_app::secrets::{TokenStore, use_kernel_keyring};
use leadmart_app::session::SessionManager;
use leadmart_server::auth::tokens::TokenConfig;
use leadmart_server::credits::provider::Payments;
use leadmart_server::{AppState, Db, MarketConfig, demo};
use tokio::net::TcpListener;

pub struct Server {
    pub url: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Stops the server and waits until its port is closed.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.expect("server stops");
    }
}

/// The demo server with the default token lifetimes.
pub async fn start_server(dir: &std::path::Path) -> Server {
    start_server_with(dir, TokenConfig::default()).await
}

/// The demo server, its access tokens living only `tokens.access_ttl`.
pub async fn start_server_with(dir: &std::path::Path, tokens: TokenConfig) -> Server {
    let db = Db::connect(&format!("sqlite://{}", dir.join("server.db").display()))
        .await
        .expect("server database");
    db.migrate().await.expect("server migrations");
    demo::seed_demo(&db, chrono::Utc::now())
        .await
        .expect("demo data");
    let mut state = AppState::new(db).with_payments(Payments::Dev);
    state.market = Arc::new(MarketConfig {
        tokens,
        ..MarketConfig::default()
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("free port");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        leadmart_server::serve(listener, state, async {
            let _ = stopped.await;
        })
        .await
        .expect("server runs");
    });
    Server { url, stop, task }
}

/// A session for `url` whose tokens go to the kernel keyring (each test has its own server URL,
/// so its own keychain entry).
pub fn session_for(url: &str, cache: &Cache) -> SessionManager {
    use_kernel_keyring();
    SessionManager::new(
        ApiClient::new(url).expect("client"),
        TokenStore::for_api(url),
        cache.clone(),
    )
}

/// A cache file in `dir` and a session on `server`, signed in as the demo agent.
pub async fn signed_in_agent(dir: &std::path::Path, server: &Server) -> (Cache, SessionManager) {
    let cache = Cache::open(&dir.join("app").join("cache.db"))
        .await
        .expect("cache opens");
    let session = session_for(&server.url, &cache);
    session
        .sign_in(
            demo::DEMO_AGENT_EMAIL.to_owned(),
            demo::DEMO_PASSWORD.to_owned(),
        )
        .await
        .expect("the demo agent signs in");
    (cache, session)
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
