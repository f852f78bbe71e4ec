//! `leadmart-server`: the central API every Leadmart desktop app syncs with.
//!
//! [`app`] builds the router from a ready [`AppState`]; [`serve`] runs it on a listener. Tests use
//! both directly on a random loopback port; the binary in `main.rs` adds configuration and a CLI.

pub mod admin;
pub mod auth;
pub mod credits;
pub mod db;
pub mod demo;
pub mod error;
pub mod idempotency;
pub mod ledger;
pub mod marketplace;
pub mod my_leads;
pub mod openapi;
pub mod preferences;
pub mod purchases;
pub mod refunds;

use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

pub use db::Db;

/// Everything a request handler may need, built once at start-up.
#[derive(Clone)]
pub struct AppState {
    pub db: Arc<Db>,
    pub market: Arc<MarketConfig>,
    /// Where credit purchases are paid: the `dev` provider unless Stripe is configured.
    pub payments: Arc<dyn credits::provider::PaymentProvider>,
}

impl AppState {
    /// State over `db` with the marketplace's default rules and the `dev` payment provider.
    pub fn new(db: Db) -> Self {
        Self {
            db: Arc::new(db),
            market: Arc::new(MarketConfig::default()),
            payments: Arc::new(credits::provider::DevProvider),
        }
    }

    pub fn with_payments(mut self, payments: Arc<dyn credits::provider::PaymentProvider>) -> Self {
        self.payments = payments;
        self
    }
}

/// The numbers behind the marketplace's rules: defaults from DESIGN.md, kept in configuration
/// rather than code so an operator can tune them.
#[derive(Debug, Clone, Default)]
pub struct MarketConfig {
    pub pricing: leadmart_shared::pricing::PricingConfig,
    pub freshness: leadmart_shared::freshness::FreshnessConfig,
    pub credit_value: leadmart_shared::money::CreditValue,
    pub packages: leadmart_shared::money::CreditPackages,
    pub commission: leadmart_shared::commission::CommissionConfig,
    pub refunds: leadmart_shared::refund::RefundConfig,
    pub tokens: auth::tokens::TokenConfig,
    pub sign_in: auth::throttle::SignInLimits,
}

/// The whole HTTP API, versioned under `/v1`.
pub fn app(state: AppState) -> Router {
    Router::new()
        .nest(
            "/v1",
            Router::new()
                .merge(auth::routes())
                .merge(preferences::routes())
                .merge(credits::routes())
                .merge(marketplace::routes())
                .merge(purchases::routes())
                .merge(my_leads::routes())
                .merge(refunds::routes())
                .merge(admin::routes())
                .merge(openapi::routes()),
        )
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves the API on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // With the peer address, so sign-in can be throttled per address.
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
