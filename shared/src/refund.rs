//! Refunds (seed 000 quality guarantee): a window after purchase, a reason, an admin decision,
//! and what an approved refund does to the buyer's credits and the partner's commission.

use crate::commission::{CommissionStatus, refund_reverses};
use crate::money::Credits;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use specta::Type;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundConfig {
    pub window_days: i64,
    /// The shortest note accepted with reason `other`.
    pub other_note_min_chars: usize,
}

impl Default for RefundConfig {
    fn default() -> Self {
        Self {
            window_days: 7,
            other_note_min_chars: 10,
        }
    }
}

/// Why a buyer asks for a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RefundReason {
    WrongNumber,
    Fake,
    Duplicate,
    NotInterestedInService,
    OutsideArea,
    Other,
}

impl RefundReason {
    pub const ALL: &'static [RefundReason] = &[
        Self::WrongNumber,
        Self::Fake,
        Self::Duplicate,
        Self::NotInterestedInService,
        Self::OutsideArea,
        Self::Other,
    ];

    /// The label a buyer picks from.
    pub fn label(self) -> &'static str {
        match self {
            Self::WrongNumber => "Wrong or disconnected number",
            Self::Fake => "Fake or spam request",
            Self::Duplicate => "Duplicate of a lead I already have",
            Self::NotInterestedInService => "Customer not interested in the service",
            Self::OutsideArea => "Outside my service area",
            Self::Other => "Other",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum RefundDenied {
    #[error("the refund window closed at {deadline}")]
    RefundWindowClosed { deadline: DateTime<Utc> },
    #[error("a refund was already requested for this purchase")]
    RefundAlreadyRequested,
    #[error("please describe the problem (at least {min_chars} characters)")]
    RefundNoteRequired { min_chars: usize },
}

impl RefundDenied {
    /// The API error code (one list for server and app: [`crate::error_code::ApiErrorCode`]).
    pub fn code(&self) -> &'static str {
        crate::error_code::ApiErrorCode::from(self).as_str()
    }
}

/// The last moment a refund can be requested.
pub fn refund_deadline(purchased_at: DateTime<Utc>, config: &RefundConfig) -> DateTime<Utc> {
    purchased_at + Duration::days(config.window_days)
}

pub fn check_refund_request(
    purchased_at: DateTime<Utc>,
    now: DateTime<Utc>,
    already_requested: bool,
    reason: RefundReason,
    note: &str,
    config: &RefundConfig,
) -> Result<(), RefundDenied> {
    if already_requested {
        return Err(RefundDenied::RefundAlreadyRequested);
    }
    let deadline = refund_deadline(purchased_at, config);
    if now > deadline {
        return Err(RefundDenied::RefundWindowClosed { deadline });
    }
    if reason == RefundReason::Other && note.trim().chars().count() < config.other_note_min_chars {
        return Err(RefundDenied::RefundNoteRequired {
            min_chars: config.other_note_min_chars,
        });
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RefundStatus {
    Requested,
    Approved,
    Denied,
}

impl RefundStatus {
    /// Whether the buyer still holds the lead's contact details: an approved refund gives the
    /// lead back, so its contact is no longer theirs (some lead sellers require it erased).
    pub fn buyer_keeps_contact(self) -> bool {
        self != RefundStatus::Approved
    }
}

/// What a decision does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundEffects {
    /// Credited back to the buyer's wallet.
    pub credit_buyer: Credits,
    /// Reverse the partner's commission on this sale.
    pub reverse_commission: bool,
}

pub fn refund_effects(
    approved: bool,
    price_paid: Credits,
    commission: Option<CommissionStatus>,
) -> RefundEffects {
    if !approved {
        return RefundEffects {
            credit_buyer: Credits::ZERO,
            reverse_commission: false,
        };
    }
    RefundEffects {
        credit_buyer: price_paid,
        reverse_commission: commission.is_some_and(refund_reverses),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn seven_day_window() {
        let cfg = RefundConfig::default();
        let bought = Utc.with_ymd_and_hms(2026, 2, 1, 10, 0, 0).single().unwrap();
        let ok =
            |now| check_refund_request(bought, now, false, RefundReason::WrongNumber, "", &cfg);
        assert_eq!(
            ok(bought + Duration::days(7)),
            Ok(()),
            "the 7th day is still inside"
        );
        assert_eq!(
            ok(bought + Duration::days(7) + Duration::seconds(1)).map_err(|e| e.code()),
            Err("refund_window_closed")
        );
        assert_eq!(
            check_refund_request(bought, bought, true, RefundReason::Fake, "", &cfg)
                .map_err(|e| e.code()),
            Err("refund_already_requested")
        );
        assert_eq!(
            check_refund_request(bought, bought, false, RefundReason::Other, "meh", &cfg)
                .map_err(|e| e.code()),
            Err("refund_note_required")
        );
    }

    #[test]
    fn approval_credits_the_buyer_and_reverses_held_commission_only() {
        let paid = Credits::whole(4);
        assert_eq!(
            refund_effects(true, paid, Some(CommissionStatus::Held)),
            RefundEffects {
                credit_buyer: paid,
                reverse_commission: true
            }
        );
        assert!(!refund_effects(true, paid, Some(CommissionStatus::Paid)).reverse_commission);
        assert!(
            !refund_effects(true, paid, None).reverse_commission,
            "platform leads have no commission"
        );
        assert_eq!(
            refund_effects(false, paid, Some(CommissionStatus::Held)).credit_buyer,
            Credits::ZERO
        );
    }
}
