//! Partner commission (seed 001 §8): base rate, bonuses, cap, the 14-day holdback, and when a
//! payable balance is paid out.
//!
//! The rate is computed at the sale and stored with it; later changes to a partner's standing do
//! not rewrite past commissions.

use crate::money::{Money, Rate};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use specta::Type;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommissionConfig {
    pub base_rate: Rate,
    pub fresh_sale_bonus: Rate,
    /// A sale within this many days of upload earns the fresh-sale bonus.
    pub fresh_sale_within_days: i64,
    pub verification_bonus: Rate,
    pub verification_pass_rate_at_least: Rate,
    pub volume_bonus: Rate,
    pub volume_uploads_at_least: u64,
    pub cap: Rate,
    pub holdback_days: i64,
    /// Payouts happen when the payable balance reaches this (in the marketplace currency).
    pub minimum_payout: Money,
}

impl Default for CommissionConfig {
    fn default() -> Self {
        let pct = |p| Rate::percent(p).unwrap_or(Rate::ZERO);
        Self {
            base_rate: pct(30),
            fresh_sale_bonus: pct(10),
            fresh_sale_within_days: 7,
            verification_bonus: pct(5),
            verification_pass_rate_at_least: pct(95),
            volume_bonus: pct(5),
            volume_uploads_at_least: 10_000,
            cap: pct(50),
            holdback_days: 14,
            minimum_payout: Money::whole(50),
        }
    }
}

/// What commission depends on about a partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerStanding {
    /// A negotiated base rate; `None` uses the configured one.
    pub base_rate: Option<Rate>,
    pub verification_pass_rate: Rate,
    pub total_uploaded: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CommissionBonus {
    FreshSale,
    HighVerification,
    Volume,
}

/// A commission accrued on one sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commission {
    pub rate: Rate,
    pub amount: Money,
    pub bonuses: Vec<CommissionBonus>,
    /// Held back until then; payable after.
    pub payable_at: DateTime<Utc>,
}

pub fn commission_rate(
    uploaded_at: DateTime<Utc>,
    sold_at: DateTime<Utc>,
    partner: &PartnerStanding,
    config: &CommissionConfig,
) -> (Rate, Vec<CommissionBonus>) {
    let mut rate = partner.base_rate.unwrap_or(config.base_rate);
    let mut bonuses = Vec::new();
    if sold_at - uploaded_at <= Duration::days(config.fresh_sale_within_days) {
        rate = rate.saturating_add(config.fresh_sale_bonus);
        bonuses.push(CommissionBonus::FreshSale);
    }
    if partner.verification_pass_rate >= config.verification_pass_rate_at_least {
        rate = rate.saturating_add(config.verification_bonus);
        bonuses.push(CommissionBonus::HighVerification);
    }
    if partner.total_uploaded >= config.volume_uploads_at_least {
        rate = rate.saturating_add(config.volume_bonus);
        bonuses.push(CommissionBonus::Volume);
    }
    (rate.min(config.cap), bonuses)
}

/// The commission on a sale of `sale_value` (the price in money), rounded half-up to cents.
pub fn commission(
    sale_value: Money,
    uploaded_at: DateTime<Utc>,
    sold_at: DateTime<Utc>,
    partner: &PartnerStanding,
    config: &CommissionConfig,
) -> Commission {
    let (rate, bonuses) = commission_rate(uploaded_at, sold_at, partner, config);
    Commission {
        rate,
        amount: sale_value.times(rate.value()),
        bonuses,
        payable_at: sold_at + Duration::days(config.holdback_days),
    }
}

/// Where a commission is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CommissionStatus {
    Held,
    Payable,
    Paid,
    Reversed,
}

impl Commission {
    /// Held until the holdback ends, then payable. Paid and reversed are recorded facts, not
    /// derived from time: pass them through.
    pub fn status_at(&self, recorded: CommissionStatus, now: DateTime<Utc>) -> CommissionStatus {
        match recorded {
            CommissionStatus::Held | CommissionStatus::Payable if now >= self.payable_at => {
                CommissionStatus::Payable
            }
            CommissionStatus::Held | CommissionStatus::Payable => CommissionStatus::Held,
            other => other,
        }
    }
}

/// Whether a refund reverses the commission: only while it is still held back. Once payable
/// or paid, the marketplace absorbs the refund (seed 001 decision 7: the holdback exists to
/// protect against exactly this).
pub fn refund_reverses(status: CommissionStatus) -> bool {
    status == CommissionStatus::Held
}

/// Whether a partner's payable balance is due for a payout.
pub fn payout_due(payable_balance: Money, config: &CommissionConfig) -> bool {
    !payable_balance.is_zero() && payable_balance >= config.minimum_payout
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 28, 9, 0, 0).single().unwrap()
    }

    fn partner(pass: u32, uploaded: u64) -> PartnerStanding {
        PartnerStanding {
            base_rate: None,
            verification_pass_rate: Rate::percent(pass).unwrap(),
            total_uploaded: uploaded,
        }
    }

    #[test]
    fn seed_001_commission_examples() {
        let cfg = CommissionConfig::default();
        let sale = Money::whole(400);
        // Base only: sold after 7 days, 90% pass rate, 500 uploads → 30% of ₹400 = ₹120.
        let c = commission(
            sale,
            t0(),
            t0() + Duration::days(8),
            &partner(90, 500),
            &cfg,
        );
        assert_eq!(
            (c.rate, c.amount, c.bonuses.len()),
            (Rate::percent(30).unwrap(), Money::whole(120), 0)
        );
        // Fresh sale: within 7 days → 40% = ₹160.
        let c = commission(
            sale,
            t0(),
            t0() + Duration::days(7),
            &partner(90, 500),
            &cfg,
        );
        assert_eq!(
            (c.rate, c.amount),
            (Rate::percent(40).unwrap(), Money::whole(160))
        );
        assert_eq!(c.bonuses, [CommissionBonus::FreshSale]);
        // Fresh + 95% pass rate → 45%.
        let c = commission(
            sale,
            t0(),
            t0() + Duration::days(1),
            &partner(95, 500),
            &cfg,
        );
        assert_eq!(c.rate, Rate::percent(45).unwrap());
        // All three bonuses → 50%, exactly the cap.
        let c = commission(
            sale,
            t0(),
            t0() + Duration::days(1),
            &partner(99, 10_000),
            &cfg,
        );
        assert_eq!(
            (c.rate, c.amount),
            (Rate::percent(50).unwrap(), Money::whole(200))
        );
        // A negotiated 40% base plus all bonuses would be 60%: capped at 50%.
        let rich = PartnerStanding {
            base_rate: Some(Rate::percent(40).unwrap()),
            ..partner(99, 20_000)
        };
        assert_eq!(
            commission(sale, t0(), t0(), &rich, &cfg).rate,
            Rate::percent(50).unwrap()
        );
    }

    #[test]
    fn holdback_is_14_days() {
        let cfg = CommissionConfig::default();
        let c = commission(Money::whole(300), t0(), t0(), &partner(0, 0), &cfg);
        assert_eq!(
            c.status_at(
                CommissionStatus::Held,
                t0() + Duration::days(14) - Duration::seconds(1)
            ),
            CommissionStatus::Held
        );
        assert_eq!(
            c.status_at(CommissionStatus::Held, t0() + Duration::days(14)),
            CommissionStatus::Payable
        );
        assert_eq!(
            c.status_at(CommissionStatus::Reversed, t0() + Duration::days(30)),
            CommissionStatus::Reversed
        );
        assert!(refund_reverses(CommissionStatus::Held));
        assert!(!refund_reverses(CommissionStatus::Paid));
    }

    #[test]
    fn payouts_start_at_the_minimum() {
        let cfg = CommissionConfig::default();
        assert!(!payout_due("49.99".parse().unwrap(), &cfg));
        assert!(payout_due(Money::whole(50), &cfg));
    }
}
