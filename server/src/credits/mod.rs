//! Credits: packages, balance, the wallet's statement, monthly spending, buying credits through
//! a [`provider::PaymentProvider`] (only when the server was given one: [`provider::Payments`]),
//! Stripe's settlement webhook, and auto-recharge below a threshold, run after a purchase. The
//! SQL and the settling transaction are in [`store`].

pub mod provider;
pub mod store;
pub mod stripe_signature;
pub mod stripe_webhook;

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Datelike, Months, TimeZone, Utc};
use leadmart_shared::account::Role;
use leadmart_shared::ledger::LedgerReason;
use leadmart_shared::money::{AutoRecharge, Credits, Money};
use leadmart_shared::wire::{
    ApiErrorBody, AutoRechargeDto, CreditBalance, CreditPackageDto, CreditPurchaseRequest,
    CreditPurchaseResult, LedgerLine, LedgerPage, MonthlySpend, PaymentStatus,
};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::AppState;
use crate::auth::AuthUser;
use crate::db::enum_from_column;
use crate::error::{ApiError, JsonBody, QueryParams};
use crate::idempotency::{self, OpenClaim};
use crate::ledger;
use crate::my_leads::json_response;
use provider::{CheckoutOutcome, CheckoutRequest, PaymentProvider};
use store::{NewPayment, PaymentRow, Unpaid};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(packages))
        .routes(routes!(balance))
        .routes(routes!(purchase))
        .routes(routes!(stripe_webhook::webhook))
        .routes(routes!(transactions))
        .routes(routes!(spending))
        .routes(routes!(get_auto_recharge, put_auto_recharge))
}

pub async fn balance_dto(state: &AppState, user: i64) -> Result<CreditBalance, ApiError> {
    let credits = ledger::wallet_credits(&state.db, user).await?;
    Ok(CreditBalance::new(credits, &state.market.credit_value))
}

/// Credit packages with their bulk discount.
#[utoipa::path(
    get,
    path = "/credits/packages",
    tag = "credits",
    responses((status = 200, description = "Every package", body = Vec<CreditPackageDto>))
)]
async fn packages(State(state): State<AppState>) -> Json<Vec<CreditPackageDto>> {
    let value = &state.market.credit_value;
    Json(
        state
            .market
            .packages
            .0
            .iter()
            .map(|p| CreditPackageDto::new(p, value))
            .collect(),
    )
}

/// The wallet's balance.
#[utoipa::path(
    get,
    path = "/credits/balance",
    tag = "credits",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The balance and its worth", body = CreditBalance),
        (status = "4XX", description = "error codes: unauthorized", body = ApiErrorBody),
    )
)]
async fn balance(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<CreditBalance>, ApiError> {
    Ok(Json(balance_dto(&state, user.id).await?))
}

/// `POST /v1/credits/purchase`. With an `Idempotency-Key`, a retry of the same request answers
/// for the same payment and never charges again; the key with another body is refused (422).
#[utoipa::path(
    post,
    path = "/credits/purchase",
    tag = "credits",
    request_body = CreditPurchaseRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Same key and same body replay the stored answer")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The payment as it stands", body = CreditPurchaseResult),
        (status = "4XX", description = "error codes: unauthorized, forbidden, validation, idempotency_key_reused", body = ApiErrorBody),
        (status = "5XX", description = "error codes: payments_not_configured, payment_provider_unavailable", body = ApiErrorBody),
    )
)]
async fn purchase(
    State(state): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    user.require(Role::Agent)?;
    let provider = state.payments.provider()?;
    let request: CreditPurchaseRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::validation(format!("not a credit purchase request: {e}")))?;
    let package = state
        .market
        .packages
        .find(&request.package_code)
        .cloned()
        .ok_or_else(|| {
            ApiError::validation(format!("unknown credit package {:?}", request.package_code))
        })?;
    let key = idempotency::key_header(&headers)?;
    let now = Utc::now();
    let mut tx = state.db.begin_write().await?;
    let resumed = match &key {
        Some(key) => {
            let hash = idempotency::request_hash("credit purchase", &body);
            match idempotency::claim_open(&mut tx, user.id, key, &hash, now).await? {
                OpenClaim::Replay(stored) => return Ok(json_response(StatusCode::OK, stored)),
                OpenClaim::Unanswered => Some(store::payment_for_key(&mut tx, user.id, key).await?),
                OpenClaim::Fresh => None,
            }
        }
        None => None,
    };
    let payment_id = match resumed {
        Some(id) => id,
        None => {
            let new = NewPayment {
                user: user.id,
                package: &package,
                currency: state.market.credit_value.currency,
                provider: provider.name(),
                auto: false,
                idempotency_key: key.as_deref(),
            };
            store::insert_payment(&mut tx, &new, now).await?
        }
    };
    tx.commit().await?;
    match pay(&state, provider, user.id, payment_id).await {
        Ok(answer) => {
            let json = serde_json::to_string(&answer).map_err(ApiError::corrupt)?;
            if let Some(key) = &key {
                idempotency::store_late(&state.db, user.id, key, &json).await?;
            }
            Ok(json_response(StatusCode::OK, json))
        }
        Err(err) => {
            if let Some(key) = &key {
                store::release_key(&state.db, user.id, key).await?;
            }
            Err(err)
        }
    }
}

/// Charges a recorded payment through the provider unless that already happened (a resumed
/// retry), settles it when the provider did, and answers with the payment as it now stands.
async fn pay(
    state: &AppState,
    provider: &dyn PaymentProvider,
    user: i64,
    payment_id: i64,
) -> Result<CreditPurchaseResult, ApiError> {
    let payment = store::load_payment(&state.db, payment_id).await?;
    if payment.status == "pending" && payment.checkout_url.is_none() {
        checkout(state, provider, user, payment_id, &payment).await?;
    }
    let payment = store::load_payment(&state.db, payment_id).await?;
    let status = match payment.status.as_str() {
        "settled" => PaymentStatus::Settled,
        "pending" => PaymentStatus::Pending,
        // An expired payment was never paid: to the buyer it failed.
        "failed" | "expired" => PaymentStatus::Failed,
        other => return Err(ApiError::corrupt(format!("payment status {other:?}"))),
    };
    Ok(CreditPurchaseResult {
        payment_id: payment_id.to_string(),
        status,
        checkout_url: payment.checkout_url,
        credits: payment.credits.0,
        price: payment.amount.0,
        balance: balance_dto(state, user).await?,
    })
}

async fn checkout(
    state: &AppState,
    provider: &dyn PaymentProvider,
    user: i64,
    payment_id: i64,
    payment: &PaymentRow,
) -> Result<(), ApiError> {
    let email = store::user_email(&state.db, user).await?;
    let request = CheckoutRequest {
        payment_id,
        user_email: email,
        description: format!("{} Leadmart credits", payment.credits.0),
        amount: Money::new(payment.amount.0).map_err(ApiError::corrupt)?,
        currency: state.market.credit_value.currency,
    };
    match provider.checkout(&request).await {
        Ok(CheckoutOutcome::Settled { provider_ref }) => {
            store::settle(state, payment_id, &provider_ref).await
        }
        Ok(CheckoutOutcome::Pending {
            provider_ref,
            checkout_url,
        }) => {
            store::record_checkout(&state.db, payment_id, &provider_ref, &checkout_url).await?;
            Ok(())
        }
        Err(reason) => {
            store::close_unpaid(&state.db, payment_id, Unpaid::Failed).await?;
            Err(ApiError::Upstream(reason))
        }
    }
}

/// Runs [`auto_recharge_if_due`] after a lead purchase, in its own task: the purchase has
/// answered already. Success shows as the wallet's `auto_recharge` ledger line; a failure is
/// logged (the next purchase below the threshold tries again).
pub fn spawn_auto_recharge(state: AppState, user: i64) {
    tokio::spawn(async move {
        if let Err(err) = auto_recharge_if_due(&state, user, Utc::now()).await {
            tracing::warn!(error = %err, user, "auto-recharge after a purchase failed");
        }
    });
}

/// Seed 000's auto-recharge, run after a purchase lowered the balance: when the shared rule
/// says it is due, buy the chosen package through the provider. At most one automatic payment
/// is in flight per buyer, so concurrent purchases do not recharge twice; one pending longer
/// than the configured expiry is marked `expired` and no longer blocks.
pub async fn auto_recharge_if_due(
    state: &AppState,
    user: i64,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let Some(rule) = store::load_auto_recharge(&state.db, user).await? else {
        return Ok(());
    };
    let mut tx = state.db.begin_write().await?;
    let wallet = store::locked_wallet(&mut tx, user).await?;
    let Some(package) = rule.due(wallet, &state.market.packages).cloned() else {
        return Ok(());
    };
    let provider = state.payments.provider()?;
    let expired_before = state.market.auto_recharge.expired_before(now);
    let in_flight = store::auto_payments_in_flight(&mut tx, user, expired_before).await?;
    if in_flight > 0 {
        tx.commit().await?;
        return Ok(());
    }
    let new = NewPayment {
        user,
        package: &package,
        currency: state.market.credit_value.currency,
        provider: provider.name(),
        auto: true,
        idempotency_key: None,
    };
    let payment_id = store::insert_payment(&mut tx, &new, now).await?;
    tx.commit().await?;
    pay(state, provider, user, payment_id).await?;
    Ok(())
}

/// The auto-recharge setting (off at seed 000's example until turned on).
#[utoipa::path(
    get,
    path = "/credits/auto-recharge",
    tag = "credits",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The setting", body = AutoRechargeDto),
        (status = "4XX", description = "error codes: unauthorized, forbidden", body = ApiErrorBody),
    )
)]
async fn get_auto_recharge(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<AutoRechargeDto>, ApiError> {
    user.require(Role::Agent)?;
    let rule = store::load_auto_recharge(&state.db, user.id).await?;
    Ok(Json(match rule {
        Some(rule) => AutoRechargeDto {
            enabled: rule.enabled,
            below: rule.below.amount(),
            package_code: rule.package_code,
        },
        // Seed 000's example, off until the agent turns it on.
        None => AutoRechargeDto {
            enabled: false,
            below: Credits::whole(5).amount(),
            package_code: "pack-50".to_owned(),
        },
    }))
}

/// Sets auto-recharge; recharges at once when the balance is already below.
#[utoipa::path(
    put,
    path = "/credits/auto-recharge",
    tag = "credits",
    request_body = AutoRechargeDto,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The setting as stored", body = AutoRechargeDto),
        (status = "4XX", description = "error codes: unauthorized, forbidden, validation", body = ApiErrorBody),
        (status = "5XX", description = "error codes: payments_not_configured, payment_provider_unavailable", body = ApiErrorBody),
    )
)]
async fn put_auto_recharge(
    State(state): State<AppState>,
    user: AuthUser,
    JsonBody(body): JsonBody<AutoRechargeDto>,
) -> Result<Json<AutoRechargeDto>, ApiError> {
    user.require(Role::Agent)?;
    if body.enabled {
        // Refused up front: a rule that could never pay would fail silently at every purchase.
        state.payments.provider()?;
    }
    let below =
        Credits::new(body.below).map_err(|e| ApiError::validation(format!("below: {e}")))?;
    if state.market.packages.find(&body.package_code).is_none() {
        return Err(ApiError::validation(format!(
            "unknown credit package {:?}",
            body.package_code
        )));
    }
    let rule = AutoRecharge {
        enabled: body.enabled,
        below,
        package_code: body.package_code,
    };
    store::save_auto_recharge(&state.db, user.id, &rule).await?;
    // Turning it on while already below the threshold recharges now, as the agent expects.
    auto_recharge_if_due(&state, user.id, Utc::now()).await?;
    Ok(Json(AutoRechargeDto {
        enabled: rule.enabled,
        below: rule.below.amount(),
        package_code: rule.package_code,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PageQuery {
    /// Page size, 1–200 (default 50).
    limit: Option<u32>,
    cursor: Option<String>,
}

/// What a statement line says, from its reason and reference (`purchase:12`, `payment:3`).
/// A statement line of the buyer's wallet, as the statement and sync send it.
pub fn ledger_line(row: store::StatementRow) -> Result<LedgerLine, ApiError> {
    let reason = enum_from_column::<LedgerReason>(&row.reason)?;
    Ok(LedgerLine {
        id: row.id.to_string(),
        at: row.created_at,
        reason,
        description: describe(reason, &row.reference),
        reference: row.reference,
        credits: row.delta.0,
        balance_after: row.balance_after.map_or(Decimal::ZERO, |b| b.0),
    })
}

fn describe(reason: LedgerReason, reference: &str) -> String {
    let number = reference.rsplit(':').next().unwrap_or(reference);
    match reason {
        LedgerReason::CreditPurchase => format!("Credits bought (payment #{number})"),
        LedgerReason::AutoRecharge => format!("Auto-recharge (payment #{number})"),
        LedgerReason::LeadPurchase => format!("Lead purchase #{number}"),
        LedgerReason::Refund => format!("Refund #{number}"),
        other => format!("{other:?} {reference}"),
    }
}

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 200;

/// The wallet's statement, newest first.
#[utoipa::path(
    get,
    path = "/credits/transactions",
    tag = "credits",
    params(PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the statement", body = LedgerPage),
        (status = "4XX", description = "error codes: unauthorized, bad_request", body = ApiErrorBody),
    )
)]
async fn transactions(
    State(state): State<AppState>,
    user: AuthUser,
    QueryParams(query): QueryParams<PageQuery>,
) -> Result<Json<LedgerPage>, ApiError> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let before = match query.cursor.as_deref() {
        None | Some("") => i64::MAX,
        Some(c) => c
            .parse()
            .map_err(|_| ApiError::BadRequest(format!("cursor {c:?} is not valid")))?,
    };
    let epoch = Utc.timestamp_opt(0, 0).single().unwrap_or_default();
    let mut rows =
        store::wallet_entries(&state.db, user.id, before, epoch, i64::from(limit) + 1).await?;
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.id.to_string())
    } else {
        None
    };
    let lines = rows
        .into_iter()
        .map(ledger_line)
        .collect::<Result<_, ApiError>>()?;
    Ok(Json(LedgerPage { lines, next_cursor }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SpendingQuery {
    /// How many months back, including this one (1–24, default 6).
    months: Option<u32>,
}

/// Monthly spending for the Billing chart, oldest month first, months without activity included.
#[utoipa::path(
    get,
    path = "/credits/spending",
    tag = "credits",
    params(SpendingQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One line per month", body = Vec<MonthlySpend>),
        (status = "4XX", description = "error codes: unauthorized, bad_request", body = ApiErrorBody),
    )
)]
async fn spending(
    State(state): State<AppState>,
    user: AuthUser,
    QueryParams(query): QueryParams<SpendingQuery>,
) -> Result<Json<Vec<MonthlySpend>>, ApiError> {
    let months = query.months.unwrap_or(6).clamp(1, 24);
    let now = Utc::now();
    let this_month = Utc
        .with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0)
        .single()
        .ok_or_else(|| ApiError::corrupt("first of the month"))?;
    let first = this_month
        .checked_sub_months(Months::new(months - 1))
        .ok_or_else(|| ApiError::corrupt("months back"))?;
    let rows = store::wallet_entries(&state.db, user.id, i64::MAX, first, i64::MAX).await?;
    let mut by_month: BTreeMap<String, MonthlySpend> = BTreeMap::new();
    let mut month = first;
    while month <= this_month {
        let key = month.format("%Y-%m").to_string();
        by_month.insert(
            key.clone(),
            MonthlySpend {
                month: key,
                spent_credits: Decimal::ZERO,
                refunded_credits: Decimal::ZERO,
                bought_credits: Decimal::ZERO,
                leads_bought: 0,
            },
        );
        month = month
            .checked_add_months(Months::new(1))
            .ok_or_else(|| ApiError::corrupt("next month"))?;
    }
    for row in rows {
        let Some(entry) = by_month.get_mut(&row.created_at.format("%Y-%m").to_string()) else {
            continue;
        };
        match enum_from_column::<LedgerReason>(&row.reason)? {
            LedgerReason::LeadPurchase => {
                entry.spent_credits -= row.delta.0;
                entry.leads_bought += 1;
            }
            LedgerReason::Refund => entry.refunded_credits += row.delta.0,
            LedgerReason::CreditPurchase | LedgerReason::AutoRecharge => {
                entry.bought_credits += row.delta.0
            }
            _ => {}
        }
    }
    Ok(Json(by_month.into_values().collect()))
}
