//! [`ApiErrorCode`]: every stable code the central API answers in `{ "error": { "code" } }`.
//!
//! One list for both ends: the server builds its errors from it, the app parses the server's
//! code into it, and tauri-specta exports it to TypeScript as a union of string literals, so a
//! misspelt code is a compile error on every side. A code the app does not know yet (a newer
//! server) reads as [`ApiErrorCode::Unknown`] instead of failing the whole answer.

use crate::pipeline::TransitionError;
use crate::purchase::PurchaseDenied;
use crate::refund::RefundDenied;
use serde::{Deserialize, Serialize};
use specta::Type;

/// Generates the enum, its spelling and its parser from one table, so the wire spelling, the
/// serde spelling and `ALL` cannot disagree (a test checks serde against `as_str`).
macro_rules! api_error_codes {
    ($($(#[$doc:meta])* $variant:ident => $code:literal,)+) => {
        /// A stable, machine-readable API error code (`snake_case` on the wire).
        ///
        /// Deserialising never fails: an unknown spelling is [`ApiErrorCode::Unknown`] (written
        /// by hand rather than `#[serde(other)]`, which would widen the exported TypeScript type
        /// to `string` and let a misspelt code through).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Type)]
        #[serde(rename_all = "snake_case")]
        pub enum ApiErrorCode {
            $($(#[$doc])* $variant,)+
            /// A code this build does not know (sent by a newer server).
            Unknown,
        }

        impl ApiErrorCode {
            /// Every known code (not [`ApiErrorCode::Unknown`]).
            pub const ALL: &'static [ApiErrorCode] = &[$(ApiErrorCode::$variant,)+];

            /// The wire spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ApiErrorCode::$variant => $code,)+
                    ApiErrorCode::Unknown => "unknown",
                }
            }

            /// The code for a wire spelling; [`ApiErrorCode::Unknown`] for anything else.
            pub fn parse(code: &str) -> Self {
                match code {
                    $($code => ApiErrorCode::$variant,)+
                    _ => ApiErrorCode::Unknown,
                }
            }
        }
    };
}

api_error_codes! {
    // ---- Any request
    /// A malformed request (bad query parameter, unparsable cursor).
    BadRequest => "bad_request",
    /// Input that parsed but breaks a rule (an invalid email, an unknown package, a bad body).
    Validation => "validation",
    /// No token, or a token that is unknown or expired.
    Unauthorized => "unauthorized",
    Forbidden => "forbidden",
    NotFound => "not_found",
    /// A route called with a method it does not serve.
    MethodNotAllowed => "method_not_allowed",
    /// Too many attempts; retry after the `Retry-After` header.
    RateLimited => "rate_limited",
    /// An `Idempotency-Key` sent again with a different body.
    IdempotencyKeyReused => "idempotency_key_reused",
    /// A failure on the server's side (logged there).
    Internal => "internal",
    // ---- Accounts
    EmailTaken => "email_taken",
    InvalidCredentials => "invalid_credentials",
    // ---- Purchases (`PurchaseDenied`)
    NotAnAgent => "not_an_agent",
    AgentNotVerified => "agent_not_verified",
    AgentInactive => "agent_inactive",
    LeadNotListed => "lead_not_listed",
    LeadExpired => "lead_expired",
    LeadSoldOut => "lead_sold_out",
    AlreadyPurchased => "already_purchased",
    CategoryNotServed => "category_not_served",
    OutsideServiceArea => "outside_service_area",
    PerLeadMaxExceeded => "per_lead_max_exceeded",
    DailyLimitReached => "daily_limit_reached",
    InsufficientCredits => "insufficient_credits",
    // ---- Pipeline
    IllegalTransition => "illegal_transition",
    DealValueRequired => "deal_value_required",
    DealValueNotAllowed => "deal_value_not_allowed",
    /// A device's change older than a later change of the same thing made elsewhere: the
    /// later one stands.
    StaleChange => "stale_change",
    // ---- Refunds (`RefundDenied`)
    RefundWindowClosed => "refund_window_closed",
    RefundAlreadyRequested => "refund_already_requested",
    RefundNoteRequired => "refund_note_required",
    RefundAlreadyDecided => "refund_already_decided",
    // ---- Payments
    /// The server runs without a payment provider; credit purchases are refused.
    PaymentsNotConfigured => "payments_not_configured",
    /// The payment provider could not be reached; nothing was charged.
    PaymentProviderUnavailable => "payment_provider_unavailable",
    /// A payment webhook whose signature does not verify.
    WebhookSignatureInvalid => "webhook_signature_invalid",
    // ---- Partner uploads and payouts
    /// The upload was completed or cancelled: it takes no more chunks.
    UploadClosed => "upload_closed",
    /// A chunk number sent again with different rows (the first rows are kept).
    ChunkConflict => "chunk_conflict",
    /// An admin suspended the partner: no uploads, no payouts until unsuspended.
    PartnerSuspended => "partner_suspended",
    /// The payable balance is below the minimum payout.
    PayoutBelowMinimum => "payout_below_minimum",
    /// The server runs without a payout provider; payouts are refused.
    PayoutsNotConfigured => "payouts_not_configured",
}

impl<'de> Deserialize<'de> for ApiErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(Self::parse(&code))
    }
}

impl std::fmt::Display for ApiErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&TransitionError> for ApiErrorCode {
    fn from(err: &TransitionError) -> Self {
        match err {
            TransitionError::Illegal { .. } => Self::IllegalTransition,
            TransitionError::DealValueRequired => Self::DealValueRequired,
            TransitionError::DealValueNotAllowed => Self::DealValueNotAllowed,
            TransitionError::OutOfOrder => Self::StaleChange,
        }
    }
}

impl From<&PurchaseDenied> for ApiErrorCode {
    fn from(denied: &PurchaseDenied) -> Self {
        use PurchaseDenied as D;
        match denied {
            D::NotAnAgent => Self::NotAnAgent,
            D::AgentNotVerified => Self::AgentNotVerified,
            D::AgentInactive => Self::AgentInactive,
            D::LeadNotListed => Self::LeadNotListed,
            D::LeadExpired => Self::LeadExpired,
            D::LeadSoldOut => Self::LeadSoldOut,
            D::AlreadyPurchased => Self::AlreadyPurchased,
            D::CategoryNotServed => Self::CategoryNotServed,
            D::OutsideServiceArea => Self::OutsideServiceArea,
            D::PerLeadMaxExceeded { .. } => Self::PerLeadMaxExceeded,
            D::DailyLimitReached { .. } => Self::DailyLimitReached,
            D::InsufficientCredits { .. } => Self::InsufficientCredits,
        }
    }
}

impl From<&RefundDenied> for ApiErrorCode {
    fn from(denied: &RefundDenied) -> Self {
        match denied {
            RefundDenied::RefundWindowClosed { .. } => Self::RefundWindowClosed,
            RefundDenied::RefundAlreadyRequested => Self::RefundAlreadyRequested,
            RefundDenied::RefundNoteRequired { .. } => Self::RefundNoteRequired,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn serde_spells_every_code_as_as_str_does() {
        for &code in ApiErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(
                json,
                format!("\"{}\"", code.as_str()),
                "the wire spelling (serde) and the server's spelling (as_str) must be one"
            );
            assert_eq!(
                serde_json::from_str::<ApiErrorCode>(&json).unwrap(),
                code,
                "a code reads back as itself"
            );
            assert_eq!(ApiErrorCode::parse(code.as_str()), code);
        }
    }

    #[test]
    fn an_unknown_code_reads_as_unknown_instead_of_failing() {
        assert_eq!(
            serde_json::from_str::<ApiErrorCode>("\"quota_exceeded\"").unwrap(),
            ApiErrorCode::Unknown,
            "a newer server's code must not break an older app"
        );
        assert_eq!(
            ApiErrorCode::parse("Insufficient_Credits"),
            ApiErrorCode::Unknown
        );
        assert!(!ApiErrorCode::ALL.contains(&ApiErrorCode::Unknown));
    }

    #[test]
    fn codes_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for code in ApiErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "{code} is listed twice");
        }
    }
}
