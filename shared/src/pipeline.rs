//! A bought lead's pipeline (seed 000 "My Leads", seed 002 steps 6–8):
//! `new → contacted → meeting → quoted → won | lost`, each change time-stamped; won carries the
//! deal value so ROI can be computed; plus the contact log channels.
//!
//! Stages only move forward. Skipping ahead is allowed (a customer who books a meeting on the
//! first call was contacted too); moving back, or leaving `won`/`lost`, is not.

use crate::money::Money;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use specta::Type;
use thiserror::Error;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Type,
)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PipelineStage {
    New,
    Contacted,
    Meeting,
    Quoted,
    Won,
    Lost,
}

impl PipelineStage {
    pub const ALL: &'static [PipelineStage] = &[
        Self::New,
        Self::Contacted,
        Self::Meeting,
        Self::Quoted,
        Self::Won,
        Self::Lost,
    ];

    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Won | Self::Lost)
    }

    /// Position along the funnel; won and lost are both the end.
    fn rank(self) -> u8 {
        match self {
            Self::New => 0,
            Self::Contacted => 1,
            Self::Meeting => 2,
            Self::Quoted => 3,
            Self::Won | Self::Lost => 4,
        }
    }

    /// Whether `self → to` is a legal move.
    pub fn can_move_to(self, to: PipelineStage) -> bool {
        !self.is_terminal() && to.rank() > self.rank()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransitionError {
    #[error("a lead cannot move from {from:?} to {to:?}")]
    Illegal {
        from: PipelineStage,
        to: PipelineStage,
    },
    #[error("a won lead needs its deal value")]
    DealValueRequired,
    #[error("only a won lead has a deal value")]
    DealValueNotAllowed,
    #[error("the lead's stage was changed later than this change was made")]
    OutOfOrder,
}

/// One recorded change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageChange {
    pub from: PipelineStage,
    pub to: PipelineStage,
    pub at: DateTime<Utc>,
}

/// A purchased lead's position and history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pipeline {
    stage: PipelineStage,
    since: DateTime<Utc>,
    deal_value: Option<Money>,
    history: Vec<StageChange>,
}

impl Pipeline {
    /// A lead enters the pipeline as `new` when it is bought.
    pub fn start(purchased_at: DateTime<Utc>) -> Self {
        Self {
            stage: PipelineStage::New,
            since: purchased_at,
            deal_value: None,
            history: Vec::new(),
        }
    }

    pub fn stage(&self) -> PipelineStage {
        self.stage
    }
    pub fn deal_value(&self) -> Option<Money> {
        self.deal_value
    }
    pub fn history(&self) -> &[StageChange] {
        &self.history
    }

    pub fn move_to(
        &mut self,
        to: PipelineStage,
        at: DateTime<Utc>,
        deal_value: Option<Money>,
    ) -> Result<(), TransitionError> {
        // First: a change dated before the current stage was set was overtaken by a later
        // one (made on another device); that it would also be illegal now is beside the point.
        if at < self.since {
            return Err(TransitionError::OutOfOrder);
        }
        if !self.stage.can_move_to(to) {
            return Err(TransitionError::Illegal {
                from: self.stage,
                to,
            });
        }
        match (to, deal_value) {
            (PipelineStage::Won, None) => return Err(TransitionError::DealValueRequired),
            (PipelineStage::Won, Some(_)) | (_, None) => {}
            (_, Some(_)) => return Err(TransitionError::DealValueNotAllowed),
        }
        self.history.push(StageChange {
            from: self.stage,
            to,
            at,
        });
        self.stage = to;
        self.since = at;
        self.deal_value = deal_value;
        Ok(())
    }
}

/// How an agent reached the customer (seed 000: Call, Email, WhatsApp; plus SMS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ContactChannel {
    Call,
    Email,
    WhatsApp,
    Sms,
}

impl ContactChannel {
    /// As people write it (`WhatsApp`, `SMS`), in text Rust writes (refund evidence).
    pub fn label(self) -> &'static str {
        match self {
            Self::Call => "Call",
            Self::Email => "Email",
            Self::WhatsApp => "WhatsApp",
            Self::Sms => "SMS",
        }
    }
}

/// What came of a contact attempt, when the agent says: the markers a refund request rests on
/// ("wrong number", "bounced") and the one that makes it moot (the customer answered).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ContactOutcome {
    /// The customer answered or replied.
    Reached,
    NoAnswer,
    /// The number is not the customer's, or is not in service.
    WrongNumber,
    /// The email came back undelivered.
    Bounced,
}

impl ContactOutcome {
    pub const ALL: &'static [ContactOutcome] = &[
        Self::Reached,
        Self::NoAnswer,
        Self::WrongNumber,
        Self::Bounced,
    ];

    /// In words, for the refund evidence.
    pub fn label(self) -> &'static str {
        match self {
            Self::Reached => "reached the customer",
            Self::NoAnswer => "no answer",
            Self::WrongNumber => "wrong number",
            Self::Bounced => "email bounced",
        }
    }

    /// Whether it shows the contact details do not reach the customer.
    pub fn is_dead_end(self) -> bool {
        matches!(self, Self::WrongNumber | Self::Bounced)
    }
}

/// Return on lead spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roi {
    /// `revenue / spend` (DESIGN.md's definition).
    pub multiple: Decimal,
    /// `(revenue − spend) / spend × 100`, the figure seed 000's analytics page shows
    /// (₹3,20,000 revenue on ₹25,000 spend = 1,180%).
    pub net_percent: Decimal,
}

/// `None` when nothing was spent.
pub fn roi(revenue: Money, spend: Money) -> Option<Roi> {
    if spend.is_zero() {
        return None;
    }
    let multiple = revenue.amount() / spend.amount();
    Some(Roi {
        multiple: multiple.round_dp(2),
        net_percent: ((multiple - Decimal::ONE) * Decimal::ONE_HUNDRED).round_dp(2),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use rust_decimal_macros::dec;

    fn t(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).single().unwrap() + Duration::hours(h)
    }

    #[test]
    fn the_funnel_moves_forward_and_won_carries_the_deal() {
        let mut p = Pipeline::start(t(0));
        p.move_to(PipelineStage::Contacted, t(1), None).unwrap();
        p.move_to(PipelineStage::Quoted, t(5), None).unwrap();
        assert_eq!(
            p.move_to(PipelineStage::Won, t(6), None),
            Err(TransitionError::DealValueRequired)
        );
        p.move_to(PipelineStage::Won, t(6), Some(Money::whole(160_000)))
            .unwrap();
        assert_eq!(p.history().len(), 3);
        assert_eq!(p.deal_value(), Some(Money::whole(160_000)));
        assert!(matches!(
            p.move_to(PipelineStage::Lost, t(7), None),
            Err(TransitionError::Illegal { .. })
        ));
    }

    #[test]
    fn no_going_back_or_back_in_time() {
        let mut p = Pipeline::start(t(0));
        p.move_to(PipelineStage::Meeting, t(2), None).unwrap();
        assert!(p.move_to(PipelineStage::Contacted, t(3), None).is_err());
        assert!(
            p.move_to(PipelineStage::Meeting, t(3), None).is_err(),
            "no self-transition"
        );
        assert_eq!(
            p.move_to(PipelineStage::Quoted, t(1), None),
            Err(TransitionError::OutOfOrder)
        );
        assert_eq!(
            p.move_to(PipelineStage::Lost, t(3), Some(Money::whole(1))),
            Err(TransitionError::DealValueNotAllowed)
        );
    }

    #[test]
    fn seed_000_roi() {
        let r = roi(Money::whole(320_000), Money::whole(25_000)).unwrap();
        assert_eq!(r.net_percent, dec!(1180), "seed 000 analytics: ROI 1,180%");
        assert_eq!(r.multiple, dec!(12.8));
        assert_eq!(roi(Money::whole(1), Money::ZERO), None);
    }
}
