//! Price of a lead, in credits.
//!
//! `base × quality_mult × freshness_mult × exclusivity_mult + add-ons`, then the catch-all
//! discount, rounded half-up to 0.01 (DESIGN.md). All in `Decimal`; the one float input,
//! freshness, only selects a tier.

use crate::freshness::Freshness;
use crate::lead::{Exclusivity, VerificationStatus};
use crate::money::{Credits, Rate};
use crate::scoring::Score;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Every number of the price formula.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PricingConfig {
    pub base: Credits,
    /// `(minimum score, multiplier)`, highest threshold first; below all of them: ×1.
    pub quality_tiers: Vec<(Score, Decimal)>,
    /// Freshness at or above this: `fresh_multiplier`.
    pub fresh_at_least: f64,
    pub fresh_multiplier: Decimal,
    /// Freshness below this: `stale_multiplier`.
    pub stale_below: f64,
    pub stale_multiplier: Decimal,
    pub exclusive_multiplier: Decimal,
    pub verified_phone_addon: Credits,
    pub verified_email_addon: Credits,
    pub catch_all_discount: Rate,
}

impl Default for PricingConfig {
    fn default() -> Self {
        let score = |v: u8| Score::new(v).unwrap_or(Score::clamped(i64::from(v)));
        Self {
            base: Credits::whole(3),
            quality_tiers: vec![
                (score(67), Decimal::new(25, 1)),
                (score(34), Decimal::new(15, 1)),
            ],
            fresh_at_least: 80.0,
            fresh_multiplier: Decimal::new(15, 1),
            stale_below: 30.0,
            stale_multiplier: Decimal::new(5, 1),
            exclusive_multiplier: Decimal::new(15, 1),
            verified_phone_addon: Credits::new(Decimal::new(50, 2)).unwrap_or(Credits::ZERO),
            verified_email_addon: Credits::new(Decimal::new(25, 2)).unwrap_or(Credits::ZERO),
            catch_all_discount: Rate::percent(15).unwrap_or(Rate::ZERO),
        }
    }
}

/// What the price depends on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriceInput {
    pub score: Score,
    pub freshness: Freshness,
    pub exclusivity: Exclusivity,
    pub phone_verified: bool,
    pub email_status: VerificationStatus,
}

/// The price and how it was reached (shown in the preview modal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceBreakdown {
    pub base: Credits,
    pub quality_multiplier: Decimal,
    pub freshness_multiplier: Decimal,
    pub exclusivity_multiplier: Decimal,
    pub addons: Credits,
    pub catch_all_discount: Option<Rate>,
    pub total: Credits,
}

impl PricingConfig {
    pub fn quality_multiplier(&self, score: Score) -> Decimal {
        self.quality_tiers
            .iter()
            .find(|(min, _)| score >= *min)
            .map(|(_, m)| *m)
            .unwrap_or(Decimal::ONE)
    }

    pub fn freshness_multiplier(&self, freshness: Freshness) -> Decimal {
        let f = freshness.value();
        if f >= self.fresh_at_least {
            self.fresh_multiplier
        } else if f < self.stale_below {
            self.stale_multiplier
        } else {
            Decimal::ONE
        }
    }

    pub fn exclusivity_multiplier(&self, exclusivity: Exclusivity) -> Decimal {
        match exclusivity {
            Exclusivity::Exclusive => self.exclusive_multiplier,
            Exclusivity::Shared => Decimal::ONE,
        }
    }
}

pub fn price_breakdown(input: &PriceInput, config: &PricingConfig) -> PriceBreakdown {
    let quality = config.quality_multiplier(input.score);
    let freshness = config.freshness_multiplier(input.freshness);
    let exclusivity = config.exclusivity_multiplier(input.exclusivity);
    let mut addons = Decimal::ZERO;
    if input.phone_verified {
        addons += config.verified_phone_addon.amount();
    }
    if input.email_status == VerificationStatus::Valid {
        addons += config.verified_email_addon.amount();
    }
    let before_discount = config.base.amount() * quality * freshness * exclusivity + addons;
    let catch_all = input.email_status == VerificationStatus::CatchAll;
    let total = if catch_all {
        before_discount * (Decimal::ONE - config.catch_all_discount.value())
    } else {
        before_discount
    };
    PriceBreakdown {
        base: config.base,
        quality_multiplier: quality,
        freshness_multiplier: freshness,
        exclusivity_multiplier: exclusivity,
        addons: Credits::rounded(addons),
        catch_all_discount: catch_all.then_some(config.catch_all_discount),
        // Rounded once, at the end, half-up: intermediate rounding would drift.
        total: Credits::rounded(total),
    }
}

/// The price in credits.
pub fn price(input: &PriceInput, config: &PricingConfig) -> Credits {
    price_breakdown(input, config).total
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::freshness::FreshnessConfig;
    use rust_decimal_macros::dec;

    fn input(
        score: u8,
        days: f64,
        exclusivity: Exclusivity,
        phone: bool,
        email: VerificationStatus,
    ) -> PriceInput {
        PriceInput {
            score: Score::new(score).unwrap(),
            freshness: Freshness::at_age_days(days, &FreshnessConfig::default()),
            exclusivity,
            phone_verified: phone,
            email_status: email,
        }
    }

    #[test]
    fn design_formula_examples() {
        let cfg = PricingConfig::default();
        // Seed 000's 92-point lead, fresh, exclusive, both verified: 3 × 2.5 × 1.5 × 1.5 + 0.75.
        let top = input(
            92,
            0.0,
            Exclusivity::Exclusive,
            true,
            VerificationStatus::Valid,
        );
        assert_eq!(
            price(&top, &cfg).amount(),
            dec!(17.63),
            "16.875 + 0.75 = 17.625 rounds half-up"
        );
        // Middling score, mid-life, shared, nothing verified: 3 × 1.5 = 4.50.
        let mid = input(
            50,
            30.0,
            Exclusivity::Shared,
            false,
            VerificationStatus::Pending,
        );
        assert_eq!(price(&mid, &cfg).amount(), dec!(4.50));
        // Same but catch-all: 4.50 × 0.85 = 3.825 → 3.83 (half-up, not banker's 3.82).
        let catch_all = input(
            50,
            30.0,
            Exclusivity::Shared,
            false,
            VerificationStatus::CatchAll,
        );
        assert_eq!(price(&catch_all, &cfg).amount(), dec!(3.83));
        // Low score, stale: 3 × 1 × 0.5 + 0.50 phone = 2.00.
        let stale = input(
            20,
            60.0,
            Exclusivity::Shared,
            true,
            VerificationStatus::Invalid,
        );
        assert_eq!(price(&stale, &cfg).amount(), dec!(2.00));
    }

    #[test]
    fn tier_boundaries() {
        let cfg = PricingConfig::default();
        let s = |v| Score::new(v).unwrap();
        assert_eq!(cfg.quality_multiplier(s(67)), dec!(2.5));
        assert_eq!(cfg.quality_multiplier(s(66)), dec!(1.5));
        assert_eq!(cfg.quality_multiplier(s(34)), dec!(1.5));
        assert_eq!(cfg.quality_multiplier(s(33)), dec!(1));
        let f = |d| Freshness::at_age_days(d, &FreshnessConfig::default());
        assert_eq!(
            cfg.freshness_multiplier(f(20.0)),
            dec!(1.5),
            "freshness 81.8 ≥ 80"
        );
        assert_eq!(
            cfg.freshness_multiplier(f(21.0)),
            dec!(1),
            "freshness 79.4 < 80"
        );
        assert_eq!(
            cfg.freshness_multiplier(f(35.0)),
            dec!(1),
            "freshness 32 ≥ 30"
        );
        assert_eq!(
            cfg.freshness_multiplier(f(36.0)),
            dec!(0.5),
            "freshness 28.9 < 30"
        );
    }
}
