//! Credits: packages, balance, the wallet's statement, monthly spending, buying credits through
//! a [`provider::PaymentProvider`] (only when the server was given one: [`provider::Payments`]),
//! Stripe's settlement webhook, and auto-recharge below a threshold, run after a purchase.

pub mod provider;
pub mod stripe_signature;
pub mod stripe_webhook;

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Datelike, Months, TimeZone, Utc};
use leadmart_shared::account::Role;
use leadmart_shared::ids::UserId;
use leadmart_shared::ledger::{Account, LedgerReason, credit_purchase};
use leadmart_shared::money::{AutoRecharge, CreditPackage, Credits, Money};
use leadmart_shared::wire::{
    AutoRechargeDto, CreditBalance, CreditPackageDto, CreditPurchaseRequest, CreditPurchaseResult,
    LedgerLine, LedgerPage, MonthlySpend, PaymentStatus,
};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::db::{DbDecimal, Tx, enum_from_column};
use crate::error::{ApiError, JsonBody, QueryParams};
use crate::idempotency::{self, OpenClaim};
use crate::ledger::{self, account_key};
use crate::my_leads::json_response;
use crate::{AppState, with_pool, with_tx};
use provider::{CheckoutOutcome, CheckoutRequest, PaymentProvider};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/credits/packages", get(packages))
        .route("/credits/balance", get(balance))
        .route("/credits/purchase", post(purchase))
        .route("/payments/stripe/webhook", post(stripe_webhook::webhook))
        .route("/credits/transactions", get(transactions))
        .route("/credits/spending", get(spending))
        .route(
            "/credits/auto-recharge",
            get(get_auto_recharge).put(put_auto_recharge),
        )
}

fn user_id(id: i64) -> Result<UserId, ApiError> {
    UserId::new(id).map_err(ApiError::corrupt)
}

pub async fn balance_dto(state: &AppState, user: i64) -> Result<CreditBalance, ApiError> {
    let credits = ledger::wallet_credits(&state.db, user).await?;
    Ok(CreditBalance::new(credits, &state.market.credit_value))
}

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

async fn balance(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<CreditBalance>, ApiError> {
    Ok(Json(balance_dto(&state, user.id).await?))
}

/// `POST /v1/credits/purchase`. With an `Idempotency-Key`, a retry of the same request answers
/// for the same payment and never charges again; the key with another body is refused (422).
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
                OpenClaim::Unanswered => Some(payment_for_key(&mut tx, user.id, key).await?),
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
                provider: provider.name(),
                auto: false,
                idempotency_key: key.as_deref(),
            };
            insert_payment(&mut tx, &state, &new, now).await?
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
                // The key and the payment it named part, so the key can start a new payment.
                let mut tx = state.db.begin_write().await?;
                idempotency::release(&mut tx, user.id, key).await?;
                with_tx!(&mut tx, conn => {
                    sqlx::query(
                        "UPDATE payments SET idempotency_key = NULL \
                         WHERE user_id = $1 AND idempotency_key = $2",
                    )
                    .bind(user.id)
                    .bind(key)
                    .execute(conn)
                    .await?;
                });
                tx.commit().await?;
            }
            Err(err)
        }
    }
}

/// The payment a committed idempotency key started.
async fn payment_for_key(tx: &mut Tx, user: i64, key: &str) -> Result<i64, ApiError> {
    let id: Option<i64> = with_tx!(tx, conn => {
        sqlx::query_scalar("SELECT id FROM payments WHERE user_id = $1 AND idempotency_key = $2")
            .bind(user)
            .bind(key)
            .fetch_optional(conn)
            .await?
    });
    id.ok_or_else(|| ApiError::corrupt("an unanswered idempotency key without its payment"))
}

struct NewPayment<'a> {
    user: i64,
    package: &'a CreditPackage,
    provider: &'static str,
    auto: bool,
    idempotency_key: Option<&'a str>,
}

/// Records a pending payment; returns its id.
async fn insert_payment(
    tx: &mut Tx,
    state: &AppState,
    new: &NewPayment<'_>,
    now: DateTime<Utc>,
) -> Result<i64, ApiError> {
    let id: i64 = with_tx!(tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO payments (user_id, package_code, credits, amount, currency, provider, \
             status, auto, created_at, idempotency_key) \
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9) RETURNING id",
        )
        .bind(new.user)
        .bind(&new.package.code)
        .bind(DbDecimal(new.package.credits.amount()))
        .bind(DbDecimal(new.package.price.amount()))
        .bind(state.market.credit_value.currency.to_string())
        .bind(new.provider)
        .bind(new.auto)
        .bind(now)
        .bind(new.idempotency_key)
        .fetch_one(conn)
        .await?
    });
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct PaymentRow {
    status: String,
    checkout_url: Option<String>,
    credits: DbDecimal,
    amount: DbDecimal,
}

async fn load_payment(state: &AppState, payment_id: i64) -> Result<PaymentRow, ApiError> {
    let row = with_pool!(state.db.as_ref(), pool => {
        sqlx::query_as(
            "SELECT status, checkout_url, credits, amount FROM payments WHERE id = $1",
        )
        .bind(payment_id)
        .fetch_one(pool)
        .await?
    });
    Ok(row)
}

/// Charges a recorded payment through the provider unless that already happened (a resumed
/// retry), settles it when the provider did, and answers with the payment as it now stands.
async fn pay(
    state: &AppState,
    provider: &dyn PaymentProvider,
    user: i64,
    payment_id: i64,
) -> Result<CreditPurchaseResult, ApiError> {
    let payment = load_payment(state, payment_id).await?;
    if payment.status == "pending" && payment.checkout_url.is_none() {
        checkout(state, provider, user, payment_id, &payment).await?;
    }
    let payment = load_payment(state, payment_id).await?;
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
    let email: String = with_pool!(state.db.as_ref(), pool => {
        sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
            .bind(user)
            .fetch_one(pool)
            .await?
    });
    let request = CheckoutRequest {
        payment_id,
        user_email: email,
        description: format!("{} Leadmart credits", payment.credits.0),
        amount: Money::new(payment.amount.0).map_err(ApiError::corrupt)?,
        currency: state.market.credit_value.currency,
    };
    match provider.checkout(&request).await {
        Ok(CheckoutOutcome::Settled { provider_ref }) => {
            settle(state, payment_id, &provider_ref).await
        }
        Ok(CheckoutOutcome::Pending {
            provider_ref,
            checkout_url,
        }) => {
            with_pool!(state.db.as_ref(), pool => {
                sqlx::query(
                    "UPDATE payments SET provider_ref = $1, checkout_url = $2 \
                     WHERE id = $3 AND status = 'pending'",
                )
                .bind(&provider_ref)
                .bind(&checkout_url)
                .bind(payment_id)
                .execute(pool)
                .await?;
            });
            Ok(())
        }
        Err(reason) => {
            with_pool!(state.db.as_ref(), pool => {
                sqlx::query(
                    "UPDATE payments SET status = 'failed' WHERE id = $1 AND status = 'pending'",
                )
                .bind(payment_id)
                .execute(pool)
                .await?;
            });
            Err(ApiError::Upstream(reason))
        }
    }
}

/// Marks a pending payment paid and puts its credits in the wallet, once: a second call for
/// the same payment (a provider repeating its notification, a resumed retry) changes nothing.
/// An automatic payment that expired while the buyer was still paying is settled too: the
/// money arrived, so the credits are theirs.
pub async fn settle(state: &AppState, payment_id: i64, provider_ref: &str) -> Result<(), ApiError> {
    let now = Utc::now();
    let mut tx = state.db.begin_write().await?;
    let row: Option<(i64, DbDecimal, bool)> = with_tx!(&mut tx, conn => {
        sqlx::query_as(
            "UPDATE payments SET status = 'settled', provider_ref = $1, settled_at = $2 \
             WHERE id = $3 AND status IN ('pending', 'expired') RETURNING user_id, credits, auto",
        )
        .bind(provider_ref)
        .bind(now)
        .bind(payment_id)
        .fetch_optional(conn)
        .await?
    });
    if let Some((user, DbDecimal(credits), auto)) = row {
        let credits = Credits::new(credits).map_err(ApiError::corrupt)?;
        let transfer = credit_purchase(
            user_id(user)?,
            credits,
            &format!("payment:{payment_id}"),
            auto,
        );
        ledger::post(&mut tx, &transfer, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn load_auto_recharge(state: &AppState, user: i64) -> Result<Option<AutoRecharge>, ApiError> {
    let row: Option<(bool, DbDecimal, String)> = with_pool!(state.db.as_ref(), pool => {
        sqlx::query_as("SELECT enabled, below, package_code FROM auto_recharge WHERE user_id = $1")
            .bind(user)
            .fetch_optional(pool)
            .await?
    });
    row.map(|(enabled, below, package_code)| {
        Ok(AutoRecharge {
            enabled,
            below: Credits::new(below.0).map_err(ApiError::corrupt)?,
            package_code,
        })
    })
    .transpose()
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
    let Some(rule) = load_auto_recharge(state, user).await? else {
        return Ok(());
    };
    let mut tx = state.db.begin_write().await?;
    let wallet = ledger::locked_balance(&mut tx, Account::BuyerWallet(user_id(user)?)).await?;
    let wallet = Credits::new(wallet).map_err(ApiError::corrupt)?;
    let Some(package) = rule.due(wallet, &state.market.packages).cloned() else {
        return Ok(());
    };
    let provider = state.payments.provider()?;
    let expired_before = state.market.auto_recharge.expired_before(now);
    let in_flight: i64 = with_tx!(&mut tx, conn => {
        sqlx::query(
            "UPDATE payments SET status = 'expired' \
             WHERE user_id = $1 AND auto AND status = 'pending' AND created_at < $2",
        )
        .bind(user)
        .bind(expired_before)
        .execute(&mut *conn)
        .await?;
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM payments WHERE user_id = $1 AND auto AND status = 'pending'",
        )
        .bind(user)
        .fetch_one(conn)
        .await?
    });
    if in_flight > 0 {
        tx.commit().await?;
        return Ok(());
    }
    let new = NewPayment {
        user,
        package: &package,
        provider: provider.name(),
        auto: true,
        idempotency_key: None,
    };
    let payment_id = insert_payment(&mut tx, state, &new, now).await?;
    tx.commit().await?;
    pay(state, provider, user, payment_id).await?;
    Ok(())
}

async fn get_auto_recharge(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<AutoRechargeDto>, ApiError> {
    user.require(Role::Agent)?;
    let rule = load_auto_recharge(&state, user.id).await?;
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
    with_pool!(state.db.as_ref(), pool => {
        sqlx::query(
            "INSERT INTO auto_recharge (user_id, enabled, below, package_code) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id) DO UPDATE SET enabled = excluded.enabled, below = excluded.below, \
             package_code = excluded.package_code",
        )
        .bind(user.id)
        .bind(body.enabled)
        .bind(DbDecimal(below.amount()))
        .bind(&body.package_code)
        .execute(pool)
        .await?;
    });
    // Turning it on while already below the threshold recharges now, as the agent expects.
    auto_recharge_if_due(&state, user.id, Utc::now()).await?;
    Ok(Json(AutoRechargeDto {
        enabled: body.enabled,
        below: below.amount(),
        package_code: body.package_code,
    }))
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    limit: Option<u32>,
    cursor: Option<String>,
}

#[derive(sqlx::FromRow)]
struct StatementRow {
    id: i64,
    created_at: DateTime<Utc>,
    reason: String,
    reference: String,
    delta: DbDecimal,
    balance_after: Option<DbDecimal>,
}

/// What a statement line says, from its reason and reference (`purchase:12`, `payment:3`).
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

async fn wallet_entries(
    tx_or_pool: &crate::db::Db,
    user: i64,
    before_id: i64,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<StatementRow>, ApiError> {
    let key = account_key(Account::BuyerWallet(user_id(user)?));
    let rows = with_pool!(tx_or_pool, pool => {
        sqlx::query_as(
            "SELECT e.id, t.created_at, t.reason, t.reference, e.delta, e.balance_after \
             FROM ledger_entries e JOIN ledger_transfers t ON t.id = e.transfer_id \
             JOIN ledger_accounts a ON a.id = e.account_id \
             WHERE a.account = $1 AND e.id < $2 AND t.created_at >= $3 \
             ORDER BY e.id DESC LIMIT $4",
        )
        .bind(&key)
        .bind(before_id)
        .bind(since)
        .bind(limit)
        .fetch_all(pool)
        .await?
    });
    Ok(rows)
}

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 200;

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
    let mut rows = wallet_entries(&state.db, user.id, before, epoch, i64::from(limit) + 1).await?;
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.id.to_string())
    } else {
        None
    };
    let lines = rows
        .into_iter()
        .map(|row| {
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
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(Json(LedgerPage { lines, next_cursor }))
}

#[derive(Debug, Deserialize)]
struct SpendingQuery {
    /// How many months back, including this one (1–24, default 6).
    months: Option<u32>,
}

/// Monthly spending for the Billing chart, oldest month first, months without activity included.
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
    let rows = wallet_entries(&state.db, user.id, i64::MAX, first, i64::MAX).await?;
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

/// The wallet's running balance locked inside a purchase or refund transaction.
pub async fn locked_wallet(tx: &mut Tx, user: i64) -> Result<Credits, ApiError> {
    let raw = ledger::locked_balance(tx, Account::BuyerWallet(user_id(user)?)).await?;
    Credits::new(raw).map_err(ApiError::corrupt)
}
