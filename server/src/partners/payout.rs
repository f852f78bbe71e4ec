//! Where partner payouts go, chosen at start-up and never by default ([`Payouts`]): the
//! [`DevPayouts`] provider records a payout at once and moves no money (demo, tests,
//! development). Without a choice, payout requests are refused (`payouts_not_configured`).

use std::future::Future;
use std::pin::Pin;

use axum::http::StatusCode;
use leadmart_shared::money::{CurrencyCode, Money};

use crate::error::{ApiError, ApiErrorCode};

#[derive(Clone, Copy, Default)]
pub enum Payouts {
    #[default]
    NotConfigured,
    Dev,
}

impl Payouts {
    /// Who pays partners, or the refusal a server without payouts gives.
    pub fn provider(&self) -> Result<&dyn PayoutProvider, ApiError> {
        match self {
            Payouts::NotConfigured => Err(ApiError::coded(
                StatusCode::SERVICE_UNAVAILABLE,
                ApiErrorCode::PayoutsNotConfigured,
                "This marketplace cannot pay partners yet: no payout provider is configured.",
            )),
            Payouts::Dev => Ok(&DevPayouts),
        }
    }
}

/// A payout to send.
#[derive(Debug, Clone)]
pub struct PayoutRequest {
    /// Our payout id, echoed back by the provider.
    pub payout_id: i64,
    pub partner_id: i64,
    pub amount: Money,
    pub currency: CurrencyCode,
}

pub type PayoutFuture<'a> = Pin<Box<dyn Future<Output = Result<String, String>> + Send + 'a>>;

pub trait PayoutProvider: Send + Sync {
    fn name(&self) -> &'static str;
    /// Sends the payout; the provider's reference for it, or why it failed.
    fn send<'a>(&'a self, request: &'a PayoutRequest) -> PayoutFuture<'a>;
}

/// Pays at once and moves no money.
pub struct DevPayouts;

impl PayoutProvider for DevPayouts {
    fn name(&self) -> &'static str {
        "dev"
    }

    fn send<'a>(&'a self, request: &'a PayoutRequest) -> PayoutFuture<'a> {
        Box::pin(async move { Ok(format!("dev-payout-{}", request.payout_id)) })
    }
}
