//! Money fails closed: no provider → credit purchases refused; credit purchases replay by
//! `Idempotency-Key`; Stripe settles through a signed webhook exactly once; auto-recharge runs
//! after the purchase and is not blocked forever by a pending automatic payment.
//!
//! Stripe itself is a paid third party out of reach here: a tiny local axum server stands in
//! for its `POST /v1/checkout/sessions`, and the tests sign webhook payloads with the test
//! secret exactly as Stripe does.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Form, State};
use axum::http::HeaderMap;
use chrono::Utc;
use futures::future::join_all;
use leadmart_server::credits::provider::{Payments, StripeCheckout};
use leadmart_server::credits::stripe_signature;
use leadmart_server::credits::stripe_webhook::StripeWebhookConfig;
use leadmart_server::{AppState, credits, with_pool};
use leadmart_shared::wire::{CreditPurchaseResult, PaymentStatus, PurchaseResponse};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::harness::{Engine, TestApp, User, assert_error, eventually, spawn_app, spawn_app_with};
use crate::on_both_engines;

const WEBHOOK_SECRET: &str = "whsec_leadmart_test";

async fn buy_credits(
    app: &TestApp,
    user: &User,
    body: &Value,
    key: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/v1/credits/purchase"))
        .bearer_auth(&user.token)
        .json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.expect("request reaches the server")
}

async fn count(app: &TestApp, sql: &'static str, user: i64) -> i64 {
    with_pool!(&app.db, pool => {
        sqlx::query_scalar(sql).bind(user).fetch_one(pool).await.expect("count query")
    })
}

/// The wallet's statement lines with `reason`.
async fn lines_with_reason(app: &TestApp, user: &User, reason: &str) -> usize {
    let page = app
        .get_json("/v1/credits/transactions?limit=200", &user.token)
        .await;
    page["lines"].as_array().map_or(0, |lines| {
        lines.iter().filter(|l| l["reason"] == reason).count()
    })
}

on_both_engines!(a_server_without_payments_refuses_to_sell_credits);
async fn a_server_without_payments_refuses_to_sell_credits(engine: Engine) {
    // `AppState::new` as is: nobody chose a provider.
    let app = spawn_app_with(engine, 0, |state| state).await;
    let agent = app.agent(0, json!({})).await;
    assert_error(
        buy_credits(&app, &agent, &json!({"packageCode": "pack-10"}), None).await,
        503,
        "payments_not_configured",
        "without a payment configuration the server sells no credits",
    )
    .await;
    assert_error(
        app.put(
            "/v1/credits/auto-recharge",
            &agent.token,
            &json!({"enabled": true, "below": "5", "packageCode": "pack-10"}),
        )
        .await,
        503,
        "payments_not_configured",
        "an auto-recharge that could never pay is refused",
    )
    .await;
    assert_eq!(
        app.balance(&agent).await,
        Decimal::ZERO,
        "nothing was credited"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM payments WHERE user_id = $1",
            agent.id
        )
        .await,
        0,
        "no payment was even recorded"
    );
    app.finish().await;
}

on_both_engines!(a_credit_purchase_key_replays_and_refuses_reuse);
async fn a_credit_purchase_key_replays_and_refuses_reuse(engine: Engine) {
    let app = spawn_app(engine).await;
    let agent = app.agent(0, json!({})).await;
    let body = json!({"packageCode": "pack-10"});
    let first = buy_credits(&app, &agent, &body, Some("topup-1")).await;
    assert_eq!(first.status(), 200);
    let first = first.text().await.expect("body");
    let again = buy_credits(&app, &agent, &body, Some("topup-1")).await;
    assert_eq!(again.status(), 200);
    assert_eq!(
        again.text().await.expect("body"),
        first,
        "a retry gets the first answer"
    );
    assert_eq!(app.balance(&agent).await, Decimal::from(10), "charged once");
    assert_error(
        buy_credits(
            &app,
            &agent,
            &json!({"packageCode": "pack-50"}),
            Some("topup-1"),
        )
        .await,
        422,
        "idempotency_key_reused",
        "the same key for another package is refused",
    )
    .await;
    assert_eq!(
        app.balance(&agent).await,
        Decimal::from(10),
        "the refusal bought nothing"
    );
    assert_eq!(
        lines_with_reason(&app, &agent, "credit_purchase").await,
        1,
        "one ledger credit for one key"
    );
    // Without a key every request is a new purchase, as before.
    assert_eq!(buy_credits(&app, &agent, &body, None).await.status(), 200);
    assert_eq!(app.balance(&agent).await, Decimal::from(20));
    assert_eq!(app.ledger_sum().await, Decimal::ZERO, "double entry holds");
    app.finish().await;
}

on_both_engines!(concurrent_credit_purchase_retries_with_one_key_charge_once);
async fn concurrent_credit_purchase_retries_with_one_key_charge_once(engine: Engine) {
    let app = spawn_app(engine).await;
    let agent = app.agent(0, json!({})).await;
    let body = json!({"packageCode": "pack-50"});
    let answers =
        join_all((0..12).map(|_| buy_credits(&app, &agent, &body, Some("same-key")))).await;
    let mut payment_ids = Vec::new();
    for answer in answers {
        assert_eq!(answer.status(), 200, "every retry is answered");
        let result: CreditPurchaseResult = answer.json().await.expect("CreditPurchaseResult");
        assert_eq!(
            result.status,
            PaymentStatus::Settled,
            "each retry reports the settled payment"
        );
        payment_ids.push(result.payment_id);
    }
    payment_ids.dedup();
    assert_eq!(
        payment_ids.len(),
        1,
        "all retries answer for one payment: {payment_ids:?}"
    );
    assert_eq!(app.balance(&agent).await, Decimal::from(50), "charged once");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM payments WHERE user_id = $1",
            agent.id
        )
        .await,
        1,
        "one payment recorded"
    );
    assert_eq!(lines_with_reason(&app, &agent, "credit_purchase").await, 1);
    app.finish().await;
}

/// A stand-in for Stripe's Checkout API: answers `POST /v1/checkout/sessions` with a session
/// named after our payment id, after taking a permit from `gate` (so a test can hold it).
struct StripeStub {
    base_url: String,
    gate: Arc<Semaphore>,
    /// How many of the next checkout calls answer 500.
    failures: Arc<std::sync::atomic::AtomicUsize>,
    calls: Arc<std::sync::atomic::AtomicUsize>,
    keys: Arc<std::sync::Mutex<Vec<String>>>,
}

#[derive(Clone)]
struct StubState {
    gate: Arc<Semaphore>,
    failures: Arc<std::sync::atomic::AtomicUsize>,
    calls: Arc<std::sync::atomic::AtomicUsize>,
    keys: Arc<std::sync::Mutex<Vec<String>>>,
}

async fn stub_session(
    State(stub): State<StubState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<axum::Json<Value>, axum::http::StatusCode> {
    stub.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let failing = stub.failures.fetch_update(
        std::sync::atomic::Ordering::SeqCst,
        std::sync::atomic::Ordering::SeqCst,
        |n| n.checked_sub(1),
    );
    if failing.is_ok() {
        return Err(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    }
    if let Some(key) = headers.get("idempotency-key").and_then(|k| k.to_str().ok())
        && let Ok(mut keys) = stub.keys.lock()
    {
        keys.push(key.to_owned());
    }
    let _permit = stub.gate.acquire().await.expect("gate open");
    let payment = form
        .get("metadata[payment_id]")
        .cloned()
        .unwrap_or_default();
    Ok(axum::Json(json!({
        "id": format!("cs_test_{payment}"),
        "url": format!("https://checkout.stripe.test/pay/cs_test_{payment}"),
    })))
}

impl StripeStub {
    /// `open`: whether checkout calls answer at once (else they wait for [`Self::release`]).
    async fn start(open: bool) -> Self {
        let gate = Arc::new(Semaphore::new(if open {
            Semaphore::MAX_PERMITS
        } else {
            0
        }));
        let state = StubState {
            gate: gate.clone(),
            failures: Arc::default(),
            calls: Arc::default(),
            keys: Arc::default(),
        };
        let (calls, keys, failures) = (
            state.calls.clone(),
            state.keys.clone(),
            state.failures.clone(),
        );
        let router = axum::Router::new()
            .route("/v1/checkout/sessions", axum::routing::post(stub_session))
            .with_state(state);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("stub port");
        let base_url = format!("http://{}", listener.local_addr().expect("stub address"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self {
            base_url,
            gate,
            failures,
            calls,
            keys,
        }
    }

    fn release(&self) {
        self.gate.add_permits(Semaphore::MAX_PERMITS / 2);
    }

    fn calls(&self) -> usize {
        self.calls.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn payments(&self) -> Payments {
        let mut checkout = StripeCheckout::new(
            "sk_test_leadmart".to_owned(),
            "https://leadmart.test/ok".to_owned(),
            "https://leadmart.test/cancel".to_owned(),
        );
        checkout.api_base = self.base_url.clone();
        Payments::Stripe {
            checkout: Arc::new(checkout),
            webhook: Arc::new(StripeWebhookConfig::new(WEBHOOK_SECRET.to_owned())),
        }
    }
}

/// A `checkout.session.completed` event for our payment, as Stripe sends it.
fn completed_event(payment_id: &str, amount_minor: i64) -> Vec<u8> {
    json!({
        "id": format!("evt_{payment_id}"),
        "object": "event",
        "type": "checkout.session.completed",
        "data": {"object": {
            "id": format!("cs_test_{payment_id}"),
            "object": "checkout.session",
            "client_reference_id": payment_id,
            "metadata": {"payment_id": payment_id},
            "payment_status": "paid",
            "amount_total": amount_minor,
            "currency": "inr"
        }}
    })
    .to_string()
    .into_bytes()
}

async fn send_webhook(app: &TestApp, body: &[u8], signature: Option<String>) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/v1/payments/stripe/webhook"))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(signature) = signature {
        request = request.header("Stripe-Signature", signature);
    }
    request.send().await.expect("webhook reaches the server")
}

fn signed_now(body: &[u8], secret: &str, age_seconds: i64) -> Option<String> {
    Some(stripe_signature::sign(
        body,
        secret,
        Utc::now().timestamp() - age_seconds,
    ))
}

on_both_engines!(stripe_settles_through_the_signed_webhook_exactly_once);
async fn stripe_settles_through_the_signed_webhook_exactly_once(engine: Engine) {
    let stripe = StripeStub::start(true).await;
    let payments = stripe.payments();
    let app = spawn_app_with(engine, 0, move |state| state.with_payments(payments)).await;
    let agent = app.agent(0, json!({})).await;
    let started: CreditPurchaseResult =
        buy_credits(&app, &agent, &json!({"packageCode": "pack-50"}), None)
            .await
            .json()
            .await
            .expect("CreditPurchaseResult");
    assert_eq!(
        started.status,
        PaymentStatus::Pending,
        "Stripe payments wait for the webhook"
    );
    assert_eq!(
        started.checkout_url.as_deref(),
        Some(
            format!(
                "https://checkout.stripe.test/pay/cs_test_{}",
                started.payment_id
            )
            .as_str()
        ),
        "the buyer is sent to the session Stripe created"
    );
    assert_eq!(
        app.balance(&agent).await,
        Decimal::ZERO,
        "nothing is credited before Stripe says paid"
    );
    let stub_keys = stripe.keys.lock().map(|k| k.clone()).unwrap_or_default();
    assert_eq!(
        stub_keys,
        [format!("leadmart-payment-{}", started.payment_id)],
        "the checkout call carries an idempotency key per payment"
    );

    // pack-50 costs ₹4,500 = 450,000 paise.
    let body = completed_event(&started.payment_id, 450_000);
    assert_error(
        send_webhook(&app, &body, signed_now(&body, "whsec_someone_else", 0)).await,
        400,
        "webhook_signature_invalid",
        "a payload signed with another secret is refused",
    )
    .await;
    assert_error(
        send_webhook(&app, &body, signed_now(&body, WEBHOOK_SECRET, 301)).await,
        400,
        "webhook_signature_invalid",
        "a signature older than the tolerance is refused (a replayed capture)",
    )
    .await;
    assert_error(
        send_webhook(&app, &body, None).await,
        400,
        "webhook_signature_invalid",
        "an unsigned request is refused",
    )
    .await;
    let forged = completed_event(&started.payment_id, 1);
    assert_error(
        send_webhook(&app, &forged, signed_now(&body, WEBHOOK_SECRET, 0)).await,
        400,
        "webhook_signature_invalid",
        "a body other than the signed one is refused",
    )
    .await;
    assert_eq!(
        app.balance(&agent).await,
        Decimal::ZERO,
        "refused webhooks credit nothing"
    );

    let signature = signed_now(&body, WEBHOOK_SECRET, 0);
    let delivered = send_webhook(&app, &body, signature.clone()).await;
    assert_eq!(delivered.status(), 200, "a good signature is accepted");
    assert_eq!(
        app.balance(&agent).await,
        Decimal::from(50),
        "the paid session credits the wallet"
    );
    // Stripe delivers at least once: the same event again, and a fresh delivery of it.
    assert_eq!(
        send_webhook(&app, &body, signature).await.status(),
        200,
        "a replay is acknowledged"
    );
    assert_eq!(
        send_webhook(&app, &body, signed_now(&body, WEBHOOK_SECRET, 5))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.balance(&agent).await,
        Decimal::from(50),
        "replays credit nothing more"
    );
    assert_eq!(
        lines_with_reason(&app, &agent, "credit_purchase").await,
        1,
        "one ledger credit"
    );
    assert_eq!(app.ledger_sum().await, Decimal::ZERO);

    // A session whose charge differs from the payment is not credited.
    let other: CreditPurchaseResult =
        buy_credits(&app, &agent, &json!({"packageCode": "pack-10"}), None)
            .await
            .json()
            .await
            .expect("second purchase");
    let wrong = completed_event(&other.payment_id, 1);
    assert_error(
        send_webhook(&app, &wrong, signed_now(&wrong, WEBHOOK_SECRET, 0)).await,
        422,
        "validation",
        "a charged amount other than the package price is refused",
    )
    .await;
    assert_eq!(app.balance(&agent).await, Decimal::from(50));
    app.finish().await;
}

on_both_engines!(a_stale_pending_automatic_payment_expires);
async fn a_stale_pending_automatic_payment_expires(engine: Engine) {
    let app = spawn_app(engine).await;
    let agent = app.agent(3, json!({})).await;
    let created = Utc::now();
    with_pool!(&app.db, pool => {
        sqlx::query(
            "INSERT INTO auto_recharge (user_id, enabled, below, package_code) \
             VALUES ($1, TRUE, '5', 'pack-10')",
        )
        .bind(agent.id)
        .execute(pool)
        .await
        .expect("auto-recharge rule");
    });
    let stale: i64 = with_pool!(&app.db, pool => {
        sqlx::query_scalar(
            "INSERT INTO payments (user_id, package_code, credits, amount, currency, provider, \
             status, auto, created_at) VALUES ($1, 'pack-10', 10, 1000, 'INR', 'stripe', \
             'pending', TRUE, $2) RETURNING id",
        )
        .bind(agent.id)
        .bind(created)
        .fetch_one(pool)
        .await
        .expect("a Stripe checkout the buyer never finished")
    });
    // The same database and rules as the server, called with `now` as an input.
    let state = AppState::new(app.db.clone()).with_payments(Payments::Dev);
    credits::auto_recharge_if_due(&state, agent.id, created + chrono::Duration::minutes(29))
        .await
        .expect("auto-recharge runs");
    assert_eq!(
        app.balance(&agent).await,
        Decimal::from(3),
        "29 minutes on, the pending automatic payment is still in flight: no second recharge"
    );
    credits::auto_recharge_if_due(&state, agent.id, created + chrono::Duration::minutes(31))
        .await
        .expect("auto-recharge runs");
    assert_eq!(
        app.balance(&agent).await,
        Decimal::from(13),
        "31 minutes on it has expired and no longer blocks auto-recharge"
    );
    let status: String = with_pool!(&app.db, pool => {
        sqlx::query_scalar("SELECT status FROM payments WHERE id = $1")
            .bind(stale)
            .fetch_one(pool)
            .await
            .expect("stale payment")
    });
    assert_eq!(status, "expired");
    assert_eq!(lines_with_reason(&app, &agent, "auto_recharge").await, 1);
    app.finish().await;
}

on_both_engines!(the_purchase_answers_before_a_held_recharge_then_the_webhook_credits_it);
async fn the_purchase_answers_before_a_held_recharge_then_the_webhook_credits_it(engine: Engine) {
    // Stripe holds every checkout call until released: a purchase that waited for its
    // recharge would not answer.
    let stripe = StripeStub::start(false).await;
    let payments = stripe.payments();
    let app = spawn_app_with(engine, 0, move |state| state.with_payments(payments)).await;
    let agent = app.agent(15, json!({})).await;
    let rule = json!({"enabled": true, "below": "5", "packageCode": "pack-10"});
    assert_eq!(
        app.put("/v1/credits/auto-recharge", &agent.token, &rule)
            .await
            .status(),
        200
    );
    let powai = app.lead_in("Powai").await;
    let answer = tokio::time::timeout(Duration::from_secs(10), app.buy(&agent, &powai, None))
        .await
        .expect("the purchase answers while the recharge's checkout is still held");
    assert_eq!(answer.status(), 201);
    let bought: PurchaseResponse = answer.json().await.expect("PurchaseResponse");
    assert!(
        bought.balance.credits < Decimal::from(5),
        "the purchase crossed the threshold"
    );
    eventually("the recharge calls Stripe", || async {
        stripe.calls() == 1
    })
    .await;
    stripe.release();
    let checkout_recorded = "SELECT COUNT(*) FROM payments WHERE user_id = $1 AND auto \
                             AND checkout_url IS NOT NULL";
    eventually("the recharge records its checkout", || async {
        count(&app, checkout_recorded, agent.id).await == 1
    })
    .await;
    let payment_id: i64 = with_pool!(&app.db, pool => {
        sqlx::query_scalar("SELECT id FROM payments WHERE user_id = $1 AND auto")
            .bind(agent.id)
            .fetch_one(pool)
            .await
            .expect("the automatic payment")
    });
    let payment_id = payment_id.to_string();
    let body = completed_event(&payment_id, 100_000);
    assert_eq!(
        send_webhook(&app, &body, signed_now(&body, WEBHOOK_SECRET, 0))
            .await
            .status(),
        200
    );
    assert_eq!(
        lines_with_reason(&app, &agent, "auto_recharge").await,
        1,
        "the recharge's ledger line"
    );
    assert_eq!(
        app.balance(&agent).await,
        bought.balance.credits + Decimal::from(10)
    );
    app.finish().await;
}

on_both_engines!(a_provider_failure_frees_the_key_for_a_retry);
async fn a_provider_failure_frees_the_key_for_a_retry(engine: Engine) {
    let stripe = StripeStub::start(true).await;
    stripe
        .failures
        .store(1, std::sync::atomic::Ordering::SeqCst);
    let payments = stripe.payments();
    let app = spawn_app_with(engine, 0, move |state| state.with_payments(payments)).await;
    let agent = app.agent(0, json!({})).await;
    let body = json!({"packageCode": "pack-10"});
    assert_error(
        buy_credits(&app, &agent, &body, Some("retry-me")).await,
        502,
        "payment_provider_unavailable",
        "Stripe answering 500 is the provider's failure",
    )
    .await;
    let retried = buy_credits(&app, &agent, &body, Some("retry-me")).await;
    assert_eq!(
        retried.status(),
        200,
        "the failed attempt did not use up the key"
    );
    let retried: CreditPurchaseResult = retried.json().await.expect("CreditPurchaseResult");
    assert_eq!(retried.status, PaymentStatus::Pending);
    let statuses: Vec<String> = with_pool!(&app.db, pool => {
        sqlx::query_scalar("SELECT status FROM payments WHERE user_id = $1 ORDER BY id")
            .bind(agent.id)
            .fetch_all(pool)
            .await
            .expect("payments")
    });
    assert_eq!(
        statuses,
        ["failed", "pending"],
        "the retry is a new payment; the failed one stays failed"
    );
    app.finish().await;
}
