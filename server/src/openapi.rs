//! `GET /v1/openapi.json`: the API described from one table of endpoints — method, path,
//! summary, request and response DTOs (the camelCase types of `leadmart_shared::wire`) and the
//! error codes each can answer. The DTOs appear as named components described by reference to
//! `shared/src/wire.rs`, which stays their single definition (money and 64-bit ids are strings).

use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::path::OperationBuilder;
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::{
    ComponentsBuilder, Content, HttpMethod, InfoBuilder, ObjectBuilder, OpenApi, OpenApiBuilder,
    PathItem, PathsBuilder, Ref, ResponseBuilder,
};

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/openapi.json", get(|| async { Json(document()) }))
}

/// One endpoint: method, path under `/v1`, summary, request DTO, response DTO, error codes.
type Endpoint = (
    HttpMethod,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static [&'static str],
);

const AUTH: &[&str] = &["unauthorized"];
const PURCHASE_ERRORS: &[&str] = &[
    "unauthorized",
    "not_found",
    "not_an_agent",
    "agent_not_verified",
    "agent_inactive",
    "lead_not_listed",
    "lead_expired",
    "lead_sold_out",
    "already_purchased",
    "category_not_served",
    "outside_service_area",
    "per_lead_max_exceeded",
    "daily_limit_reached",
    "insufficient_credits",
    "idempotency_key_reused",
    "validation",
];
const MUTATION_ERRORS: &[&str] = &[
    "unauthorized",
    "forbidden",
    "not_found",
    "validation",
    "idempotency_key_reused",
];

const ENDPOINTS: &[Endpoint] = &[
    (
        HttpMethod::Post,
        "/auth/signup",
        "Sign up as an agent or partner",
        Some("SignUpRequest"),
        "AuthSession",
        &["validation", "email_taken", "forbidden"],
    ),
    (
        HttpMethod::Post,
        "/auth/signin",
        "Sign in (argon2id)",
        Some("SignInRequest"),
        "AuthSession",
        &["invalid_credentials", "forbidden", "rate_limited"],
    ),
    (
        HttpMethod::Post,
        "/auth/refresh",
        "Rotate the refresh token",
        Some("RefreshRequest"),
        "AuthSession",
        AUTH,
    ),
    (
        HttpMethod::Post,
        "/auth/signout",
        "End the session (refresh token in the body, or the bearer's)",
        Some("RefreshRequest"),
        "(204 No Content)",
        AUTH,
    ),
    (
        HttpMethod::Get,
        "/me",
        "Who the token belongs to",
        None,
        "MeDto",
        AUTH,
    ),
    (
        HttpMethod::Get,
        "/me/preferences",
        "The agent's preferences and budget controls",
        None,
        "AgentPreferencesDto",
        &["unauthorized", "forbidden"],
    ),
    (
        HttpMethod::Put,
        "/me/preferences",
        "Replace the agent's preferences",
        Some("AgentPreferencesDto"),
        "AgentPreferencesDto",
        &["unauthorized", "forbidden", "validation"],
    ),
    (
        HttpMethod::Get,
        "/credits/packages",
        "Credit packages with their bulk discount",
        None,
        "CreditPackageDto[]",
        &[],
    ),
    (
        HttpMethod::Get,
        "/credits/balance",
        "The wallet's balance",
        None,
        "CreditBalance",
        AUTH,
    ),
    (
        HttpMethod::Post,
        "/credits/purchase",
        "Buy a package through the payment provider (optional Idempotency-Key header; 503 payments_not_configured when the server has no provider)",
        Some("CreditPurchaseRequest"),
        "CreditPurchaseResult",
        &[
            "unauthorized",
            "forbidden",
            "validation",
            "idempotency_key_reused",
            "payments_not_configured",
            "payment_provider_unavailable",
        ],
    ),
    (
        HttpMethod::Post,
        "/payments/stripe/webhook",
        "Stripe's event notifications (Stripe-Signature header): a paid Checkout session settles its payment once",
        None,
        "(200 OK)",
        &["webhook_signature_invalid", "validation", "not_found"],
    ),
    (
        HttpMethod::Get,
        "/credits/transactions",
        "The wallet's statement, newest first (?limit, ?cursor)",
        None,
        "LedgerPage",
        AUTH,
    ),
    (
        HttpMethod::Get,
        "/credits/spending",
        "Monthly spending (?months=1..24, default 6)",
        None,
        "MonthlySpend[]",
        AUTH,
    ),
    (
        HttpMethod::Get,
        "/credits/auto-recharge",
        "The auto-recharge setting",
        None,
        "AutoRechargeDto",
        &["unauthorized", "forbidden"],
    ),
    (
        HttpMethod::Put,
        "/credits/auto-recharge",
        "Set auto-recharge (recharges at once when already below)",
        Some("AutoRechargeDto"),
        "AutoRechargeDto",
        &[
            "unauthorized",
            "forbidden",
            "validation",
            "payments_not_configured",
            "payment_provider_unavailable",
        ],
    ),
    (
        HttpMethod::Get,
        "/marketplace/leads",
        "Browse listed leads, masked. Query: limit, cursor, sort=newest|score|price, country, region, city, area, category, budgetMin, budgetMax, attributes=key:v1|v2,…, urgency=a,b, minScore, exclusivity, hasPhone, verifiedEmail, maxAgeHours, minFreshness, maxPrice, matching=true (signed-in agent's preferences)",
        None,
        "LeadPage",
        &["bad_request", "unauthorized"],
    ),
    (
        HttpMethod::Get,
        "/marketplace/leads/{id}",
        "Preview a lead (counts a view): score breakdown, price, views, N of M claimed; contact masked",
        None,
        "LeadPreviewDto",
        &["not_found"],
    ),
    (
        HttpMethod::Post,
        "/marketplace/leads/{id}/purchase",
        "Buy a lead (header Idempotency-Key: same key + same request replays the stored answer)",
        None,
        "PurchaseResponse",
        PURCHASE_ERRORS,
    ),
    (
        HttpMethod::Get,
        "/my/leads",
        "The buyer's purchased leads (?stage, ?limit, ?cursor)",
        None,
        "MyLeadsPage",
        &["unauthorized", "forbidden", "bad_request"],
    ),
    (
        HttpMethod::Get,
        "/my/leads/{id}",
        "One purchased lead (by lead id) with full contact",
        None,
        "PurchasedLead",
        &["unauthorized", "forbidden", "not_found"],
    ),
    (
        HttpMethod::Patch,
        "/my/leads/{id}",
        "Move the lead along the pipeline (replayable by clientMutationId)",
        Some("StageUpdate"),
        "PurchasedLead",
        &[
            "unauthorized",
            "forbidden",
            "not_found",
            "validation",
            "idempotency_key_reused",
            "illegal_transition",
            "deal_value_required",
            "deal_value_not_allowed",
        ],
    ),
    (
        HttpMethod::Post,
        "/my/leads/{id}/notes",
        "Add a note (replayable by clientMutationId)",
        Some("NewNote"),
        "PurchasedLead",
        MUTATION_ERRORS,
    ),
    (
        HttpMethod::Post,
        "/my/leads/{id}/contacts",
        "Log a call, email, WhatsApp or SMS (replayable by clientMutationId)",
        Some("NewContactLog"),
        "PurchasedLead",
        MUTATION_ERRORS,
    ),
    (
        HttpMethod::Post,
        "/my/leads/{id}/refund",
        "Ask for a refund within the window",
        Some("RefundRequest"),
        "RefundDto",
        &[
            "unauthorized",
            "forbidden",
            "not_found",
            "validation",
            "refund_window_closed",
            "refund_already_requested",
            "refund_note_required",
        ],
    ),
    (
        HttpMethod::Get,
        "/admin/refunds",
        "The refund queue (?status=requested|approved|denied)",
        None,
        "RefundDto[]",
        &["unauthorized", "forbidden"],
    ),
    (
        HttpMethod::Post,
        "/admin/refunds/{id}/decision",
        "Approve or deny a refund (credits back through the ledger, held commission reversed)",
        Some("RefundDecision"),
        "RefundDto",
        &[
            "unauthorized",
            "forbidden",
            "not_found",
            "refund_already_decided",
        ],
    ),
    (
        HttpMethod::Post,
        "/admin/agents/{id}/verify",
        "Mark an agent verified",
        None,
        "MeDto",
        &["unauthorized", "forbidden", "not_found"],
    ),
];

fn schema_ref(name: &str) -> Content {
    Content::new(Some(Ref::from_schema_name(name.trim_end_matches("[]"))))
}

/// The whole document, built from [`ENDPOINTS`].
pub fn document() -> OpenApi {
    let mut paths = PathsBuilder::new();
    let mut components = ComponentsBuilder::new().schema(
        "ApiErrorBody",
        ObjectBuilder::new().description(Some(
            "{ \"error\": { \"code\": string, \"message\": string } }",
        )),
    );
    for (method, path, summary, request, response, errors) in ENDPOINTS {
        let mut operation = OperationBuilder::new()
            .summary(Some(*summary))
            .tag(path.split('/').nth(1).unwrap_or("api"))
            .response(
                "2XX",
                ResponseBuilder::new()
                    .description(format!("`{response}`"))
                    .content("application/json", schema_ref(response)),
            );
        if !errors.is_empty() {
            operation = operation.response(
                "4XX",
                ResponseBuilder::new()
                    .description(format!("error codes: {}", errors.join(", ")))
                    .content("application/json", schema_ref("ApiErrorBody")),
            );
        }
        if let Some(request) = request {
            operation = operation.request_body(Some(
                RequestBodyBuilder::new()
                    .content("application/json", schema_ref(request))
                    .build(),
            ));
            components = components.schema(*request, wire_schema(request));
        }
        if response.chars().next().is_some_and(char::is_alphabetic) {
            let name = response.trim_end_matches("[]");
            components = components.schema(name, wire_schema(name));
        }
        paths = paths.path(
            format!("/v1{path}"),
            PathItem::new(method.clone(), operation),
        );
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Leadmart central API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Errors are { error: { code, message } }. Authenticate with \
                     `Authorization: Bearer <accessToken>`. Money and 64-bit ids are strings.",
                )),
        )
        .paths(paths)
        .components(Some(components.build()))
        .build()
}

fn wire_schema(name: &str) -> ObjectBuilder {
    ObjectBuilder::new().description(Some(format!(
        "`leadmart_shared::wire::{name}` (camelCase JSON; see shared/src/wire.rs)"
    )))
}
