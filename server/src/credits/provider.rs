//! Where money for credits comes from, chosen at start-up and never by default
//! ([`Payments`]): [`DevProvider`] settles at once so the demo and the tests run without
//! accounts; [`StripeCheckout`] creates a Stripe Checkout session and leaves the payment pending
//! until Stripe's signed webhook reports it paid (see [`super::stripe_webhook`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::http::StatusCode;
use leadmart_shared::money::{CurrencyCode, Money};

use super::stripe_webhook::StripeWebhookConfig;
use crate::error::ApiError;

/// The server's payment configuration. Fails closed: without an explicit choice credit
/// purchases and auto-recharge are refused with `payments_not_configured`.
#[derive(Clone, Default)]
pub enum Payments {
    #[default]
    NotConfigured,
    /// Credits settle at once and no money moves (demo, tests, development).
    Dev,
    Stripe {
        checkout: Arc<StripeCheckout>,
        webhook: Arc<StripeWebhookConfig>,
    },
}

impl Payments {
    /// Who charges for credits, or the refusal a server without payments gives.
    pub fn provider(&self) -> Result<&dyn PaymentProvider, ApiError> {
        match self {
            Payments::NotConfigured => Err(ApiError::coded(
                StatusCode::SERVICE_UNAVAILABLE,
                crate::error::ApiErrorCode::PaymentsNotConfigured,
                "This marketplace cannot sell credits yet: no payment provider is configured.",
            )),
            Payments::Dev => Ok(&DevProvider),
            Payments::Stripe { checkout, .. } => Ok(checkout.as_ref()),
        }
    }
}

/// What to charge for.
#[derive(Debug, Clone)]
pub struct CheckoutRequest {
    /// Our payment id, echoed back by the provider.
    pub payment_id: i64,
    pub user_email: String,
    pub description: String,
    pub amount: Money,
    pub currency: CurrencyCode,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckoutOutcome {
    /// Paid now.
    Settled { provider_ref: String },
    /// The buyer pays at `checkout_url`; credits arrive when the provider confirms.
    Pending {
        provider_ref: String,
        checkout_url: String,
    },
}

pub type ProviderFuture<'a> =
    Pin<Box<dyn Future<Output = Result<CheckoutOutcome, String>> + Send + 'a>>;

pub trait PaymentProvider: Send + Sync {
    fn name(&self) -> &'static str;
    fn checkout<'a>(&'a self, request: &'a CheckoutRequest) -> ProviderFuture<'a>;
}

/// Settles every payment immediately (development, demos, tests).
pub struct DevProvider;

impl PaymentProvider for DevProvider {
    fn name(&self) -> &'static str {
        "dev"
    }

    fn checkout<'a>(&'a self, request: &'a CheckoutRequest) -> ProviderFuture<'a> {
        Box::pin(async move {
            Ok(CheckoutOutcome::Settled {
                provider_ref: format!("dev-{}", request.payment_id),
            })
        })
    }
}

/// Stripe Checkout (`POST /v1/checkout/sessions`), selected by `--payments stripe`.
pub struct StripeCheckout {
    pub secret_key: String,
    pub api_base: String,
    pub success_url: String,
    pub cancel_url: String,
    pub client: reqwest::Client,
}

impl StripeCheckout {
    pub fn new(secret_key: String, success_url: String, cancel_url: String) -> Self {
        Self {
            secret_key,
            api_base: "https://api.stripe.com".to_owned(),
            success_url,
            cancel_url,
            client: reqwest::Client::new(),
        }
    }
}

#[derive(serde::Deserialize)]
struct StripeSession {
    id: String,
    url: Option<String>,
}

/// Stripe amounts are integers in the currency's minor unit (paise for INR).
pub fn minor_units(amount: Money) -> Result<i64, String> {
    let mut minor = amount.amount() * rust_decimal::Decimal::ONE_HUNDRED;
    minor.rescale(0);
    i64::try_from(minor).map_err(|e| format!("amount {amount} does not fit: {e}"))
}

impl PaymentProvider for StripeCheckout {
    fn name(&self) -> &'static str {
        "stripe"
    }

    fn checkout<'a>(&'a self, request: &'a CheckoutRequest) -> ProviderFuture<'a> {
        Box::pin(async move {
            let payment_id = request.payment_id.to_string();
            let idempotency_key = format!("leadmart-payment-{payment_id}");
            let form = [
                ("mode", "payment".to_owned()),
                ("success_url", self.success_url.clone()),
                ("cancel_url", self.cancel_url.clone()),
                ("client_reference_id", payment_id.clone()),
                ("customer_email", request.user_email.clone()),
                ("metadata[payment_id]", payment_id),
                ("line_items[0][quantity]", "1".to_owned()),
                (
                    "line_items[0][price_data][currency]",
                    request.currency.as_str().to_ascii_lowercase(),
                ),
                (
                    "line_items[0][price_data][unit_amount]",
                    minor_units(request.amount)?.to_string(),
                ),
                (
                    "line_items[0][price_data][product_data][name]",
                    request.description.clone(),
                ),
            ];
            let response = self
                .client
                .post(format!("{}/v1/checkout/sessions", self.api_base))
                .bearer_auth(&self.secret_key)
                // A retried purchase resumes the same payment: Stripe answers a repeated key
                // with the same session, so the buyer never gets two checkouts for one payment.
                .header("Idempotency-Key", idempotency_key)
                .form(&form)
                .send()
                .await
                .map_err(|e| format!("Stripe unreachable: {e}"))?;
            let status = response.status();
            if !status.is_success() {
                let body = response.text().await.unwrap_or_default();
                return Err(format!("Stripe answered {status}: {body}"));
            }
            let session: StripeSession = response
                .json()
                .await
                .map_err(|e| format!("Stripe answer unreadable: {e}"))?;
            let checkout_url = session
                .url
                .ok_or_else(|| "Stripe returned a session without a URL".to_owned())?;
            Ok(CheckoutOutcome::Pending {
                provider_ref: session.id,
                checkout_url,
            })
        })
    }
}
