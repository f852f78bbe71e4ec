//! `leadmart-server`: the central API every Leadmart desktop app syncs with.
//!
//! [`app`] builds the router from a ready [`AppState`]; [`serve`] runs it on a listener. Tests use
//! both directly on a random loopback port; the binary in `main.rs` adds configuration and a CLI.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod credits;
pub mod db;
pub mod demo;
pub mod error;
pub mod events;
pub mod idempotency;
pub mod intake;
pub mod inventory;
pub mod ledger;
pub mod marketplace;
pub mod my_leads;
pub mod notification_settings;
pub mod openapi;
pub mod partners;
pub mod preferences;
pub mod purchases;
pub mod refunds;
pub mod router;
pub mod sync;
pub mod uploads;

use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use db::Db;

/// Everything a request handler may need, built once at start-up.
#[derive(Clone)]
pub struct AppState {
    pub db: Arc<Db>,
    pub market: Arc<MarketConfig>,
    /// How credits are paid for. Not configured unless chosen: credit purchases are refused.
    pub payments: credits::provider::Payments,
    /// This process's event reader, which feeds the `GET /v1/events` streams.
    pub events: Arc<events::Events>,
    /// Intake's validator for `market.intake`, built on first use.
    pub intake_validator: Arc<std::sync::OnceLock<leadmart_shared::intake::IntakeValidator>>,
    /// Each agent's time zone as last seen, for purchases to pick the day before they read.
    pub zone_hints: Arc<preferences::ZoneHints>,
    /// How uploaded leads' emails are verified. Not configured unless chosen: they stay pending.
    pub verification: uploads::verify::EmailVerification,
    /// How partners are paid. Not configured unless chosen: payout requests are refused.
    pub payouts: partners::payout::Payouts,
}

impl AppState {
    /// State over `db` with the marketplace's default rules and no payment provider (fail
    /// closed: credit purchases answer `payments_not_configured` until one is chosen).
    pub fn new(db: Db) -> Self {
        let db = Arc::new(db);
        Self {
            events: events::Events::new(Arc::clone(&db), events::EventsConfig::default()),
            db,
            market: Arc::new(MarketConfig::default()),
            payments: credits::provider::Payments::NotConfigured,
            intake_validator: Arc::default(),
            zone_hints: Arc::default(),
            verification: uploads::verify::EmailVerification::NotConfigured,
            payouts: partners::payout::Payouts::NotConfigured,
        }
    }

    /// The same state with its event streams configured by `config`.
    pub fn with_events(mut self, config: events::EventsConfig) -> Self {
        self.events = events::Events::new(Arc::clone(&self.db), config);
        self
    }

    pub fn with_payments(mut self, payments: credits::provider::Payments) -> Self {
        self.payments = payments;
        self
    }

    pub fn with_verification(mut self, verification: uploads::verify::EmailVerification) -> Self {
        self.verification = verification;
        self
    }

    pub fn with_payouts(mut self, payouts: partners::payout::Payouts) -> Self {
        self.payouts = payouts;
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
    /// The zone of agents who chose none (their "day" for the daily limit).
    pub agent_time: leadmart_shared::local_time::TimeZoneConfig,
    /// When a pending automatic payment stops blocking the next auto-recharge.
    pub auto_recharge: leadmart_shared::money::AutoRechargeConfig,
    /// How many failed sign-ins an account or an address may make before a pause.
    pub sign_in: auth::throttle::SignInLimits,
    /// The balance below which an agent is warned (`credits.low`).
    pub low_credit: leadmart_shared::notifications::LowCreditMark,
    /// Who hears of a newly listed lead.
    pub routing: router::RoutingConfig,
    /// How a lead arriving one at a time is validated, scored and listed (uploaded rows too).
    pub intake: leadmart_shared::intake::IntakeRules,
    /// Partner uploads: B2B scoring, the leads listed before review, the chunk size.
    pub uploads: leadmart_shared::upload::UploadRules,
    /// The web form's defences against bots.
    pub form_guard: leadmart_shared::intake::FormGuard,
    /// What web-form tokens are signed with.
    pub intake_secret: intake::FormSecret,
}

/// Every route with its OpenAPI description, versioned under `/v1`: the router and the
/// document of [`openapi::document`] are the two halves of this one value.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base())
        .nest(
            "/v1",
            OpenApiRouter::new()
                .merge(auth::routes())
                .merge(preferences::routes())
                .merge(credits::routes())
                .merge(marketplace::routes())
                .merge(purchases::routes())
                .merge(my_leads::routes())
                .merge(refunds::routes())
                .merge(admin::routes())
                .merge(audit::routes())
                .merge(inventory::routes())
                .merge(events::routes())
                .merge(intake::routes())
                .merge(router::routes())
                .merge(notification_settings::routes())
                .merge(uploads::routes())
                .merge(partners::routes())
                .merge(sync::routes())
                .routes(routes!(openapi::openapi_json)),
        )
        .routes(routes!(healthz))
}

/// Liveness probe.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "meta",
    responses((status = 200, description = "The server is up", body = String, content_type = "text/plain"))
)]
async fn healthz() -> &'static str {
    "ok"
}

/// The whole HTTP API.
pub fn app(state: AppState) -> Router {
    let (router, _document) = api().split_for_parts();
    router
        // Even the router's own refusals answer in the API's error shape.
        .fallback(error::no_such_route)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves the API on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let pruning = tokio::spawn(Arc::clone(&state.events).prune_forever());
    // With the peer address, so sign-in can be throttled per address.
    let served = axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    pruning.abort();
    served
}
