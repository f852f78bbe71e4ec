//! `POST /v1/payments/stripe/webhook`: Stripe reports a Checkout session paid (or expired).
//! The request is trusted only after its `Stripe-Signature` checks out against the raw body
//! ([`super::stripe_signature`]); a paid session settles its pending payment through the ledger
//! with [`super::store::settle`], which credits a payment once however often Stripe repeats the event.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{Duration, Utc};
use serde::Deserialize;

use super::provider::{Payments, minor_units};
use super::store::{self, Unpaid};
use super::stripe_signature::{self, DEFAULT_TOLERANCE};
use crate::AppState;
use crate::db::DbDecimal;
use crate::error::ApiError;

/// The webhook endpoint's signing secret (`whsec_…`) and how old a signature may be.
pub struct StripeWebhookConfig {
    pub secret: String,
    pub tolerance: Duration,
}

impl StripeWebhookConfig {
    pub fn new(secret: String) -> Self {
        Self {
            secret,
            tolerance: DEFAULT_TOLERANCE,
        }
    }
}

#[derive(Debug, Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    data: EventData,
}

#[derive(Debug, Deserialize)]
struct EventData {
    object: CheckoutSession,
}

/// The fields of a Checkout session we read; Stripe sends many more.
#[derive(Debug, Deserialize)]
struct CheckoutSession {
    id: String,
    client_reference_id: Option<String>,
    #[serde(default)]
    metadata: std::collections::HashMap<String, String>,
    payment_status: Option<String>,
    amount_total: Option<i64>,
    currency: Option<String>,
}

impl CheckoutSession {
    /// Our payment id, set on the session at checkout (metadata first, the reference id else).
    fn payment_id(&self) -> Option<i64> {
        self.metadata
            .get("payment_id")
            .or(self.client_reference_id.as_ref())
            .and_then(|id| id.parse().ok())
    }
}

fn signature_invalid(reason: impl std::fmt::Display) -> ApiError {
    ApiError::coded(
        StatusCode::BAD_REQUEST,
        crate::error::ApiErrorCode::WebhookSignatureInvalid,
        format!("the Stripe-Signature header does not verify: {reason}"),
    )
}

/// Stripe's event notifications: a paid Checkout session settles its payment once.
#[utoipa::path(
    post,
    path = "/payments/stripe/webhook",
    tag = "credits",
    params(("Stripe-Signature" = String, Header, description = "Stripe's signature of the body")),
    request_body(content = Object, description = "A Stripe event"),
    responses(
        (status = 200, description = "The event was handled (or ignored)"),
        (status = "4XX", description = "error codes: webhook_signature_invalid, validation, not_found", body = leadmart_shared::wire::ApiErrorBody),
    )
)]
pub async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let Payments::Stripe { webhook, .. } = &state.payments else {
        return Err(ApiError::not_found(
            "Stripe webhook (this server does not use Stripe)",
        ));
    };
    let header = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| signature_invalid("missing"))?;
    stripe_signature::verify(
        header,
        &body,
        &webhook.secret,
        Utc::now(),
        webhook.tolerance,
    )
    .map_err(signature_invalid)?;
    let event: Event = serde_json::from_slice(&body)
        .map_err(|e| ApiError::validation(format!("not a Stripe event: {e}")))?;
    let session = event.data.object;
    match event.kind.as_str() {
        // A completed session with a delayed payment method is paid later, in
        // `async_payment_succeeded`.
        "checkout.session.completed" if session.payment_status.as_deref() == Some("paid") => {
            settle_session(&state, &session).await?
        }
        "checkout.session.async_payment_succeeded" => settle_session(&state, &session).await?,
        "checkout.session.expired" | "checkout.session.async_payment_failed" => {
            close_session(&state, &session).await?
        }
        other => tracing::debug!(event = other, "Stripe event ignored"),
    }
    Ok(StatusCode::OK)
}

/// The payment a session pays for, if it is one of ours made through Stripe.
async fn our_payment(
    state: &AppState,
    session: &CheckoutSession,
) -> Result<Option<(i64, DbDecimal, String)>, ApiError> {
    let Some(payment_id) = session.payment_id() else {
        tracing::warn!(session = %session.id, "Stripe session without our payment id ignored");
        return Ok(None);
    };
    let row = store::stripe_payment(&state.db, payment_id).await?;
    let Some((amount, currency)) = row else {
        tracing::warn!(payment_id, session = %session.id, "Stripe session for an unknown payment ignored");
        return Ok(None);
    };
    Ok(Some((payment_id, amount, currency)))
}

async fn settle_session(state: &AppState, session: &CheckoutSession) -> Result<(), ApiError> {
    let Some((payment_id, amount, currency)) = our_payment(state, session).await? else {
        return Ok(());
    };
    // What Stripe charged must be what we asked for; anything else is refused loudly (Stripe
    // shows the failing deliveries) rather than credited.
    let money = leadmart_shared::money::Money::new(amount.0).map_err(ApiError::corrupt)?;
    let expected = minor_units(money).map_err(ApiError::corrupt)?;
    let charged_matches = session.amount_total.is_none_or(|total| total == expected)
        && session
            .currency
            .as_deref()
            .is_none_or(|c| c.eq_ignore_ascii_case(&currency));
    if !charged_matches {
        tracing::error!(payment_id, session = %session.id, ?session.amount_total, ?session.currency,
            "Stripe reports a charge that differs from the payment; not settled");
        return Err(ApiError::validation(
            "the session's amount or currency differs from the payment's",
        ));
    }
    store::settle(state, payment_id, &session.id).await
}

/// A session that will never be paid: its pending payment stops counting as in flight.
async fn close_session(state: &AppState, session: &CheckoutSession) -> Result<(), ApiError> {
    let Some((payment_id, ..)) = our_payment(state, session).await? else {
        return Ok(());
    };
    store::close_unpaid(&state.db, payment_id, Unpaid::Expired).await
}
