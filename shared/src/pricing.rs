//! Price of a lead, in credits.
//!
//! `base × quality_mult × freshness_mult × exclusivity_mult + add-ons`, then the catch-all
//! discount, rounded half-up to 0.01 (DESIGN.md). All in `Decimal`; the one float input,
//! freshness, only selects a tier.

use chrono::{DateTime, Duration, Utc};

use crate::freshness::{Freshness, FreshnessConfig};
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
        self.band_multiplier(self.band(freshness))
    }

    /// Which of the three freshness bands a score falls in: the only way freshness enters a
    /// price.
    pub fn band(&self, freshness: Freshness) -> FreshnessBand {
        let f = freshness.value();
        if f >= self.fresh_at_least {
            FreshnessBand::Fresh
        } else if f < self.stale_below {
            FreshnessBand::Stale
        } else {
            FreshnessBand::Mid
        }
    }

    pub fn band_multiplier(&self, band: FreshnessBand) -> Decimal {
        match band {
            FreshnessBand::Fresh => self.fresh_multiplier,
            FreshnessBand::Mid => Decimal::ONE,
            FreshnessBand::Stale => self.stale_multiplier,
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
    breakdown_in_band(input, config, config.band(input.freshness))
}

/// The price as if the lead's freshness fell in `band` (its `input.freshness` is not read).
fn breakdown_in_band(
    input: &PriceInput,
    config: &PricingConfig,
    band: FreshnessBand,
) -> PriceBreakdown {
    let quality = config.quality_multiplier(input.score);
    let freshness = config.band_multiplier(band);
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

/// The freshness bands, in the order a lead passes through them as it ages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FreshnessBand {
    Fresh,
    Mid,
    Stale,
}

/// A lead's price as the step function of time it is: freshness only selects a band, and
/// freshness falls monotonically with age, so the price takes at most three values and changes
/// at most twice (DESIGN.md "Price bands"). Stored with the lead so SQL can filter, sort and page
/// by the current price without pricing every open lead.
///
/// `at(now)` equals [`price`] with the freshness of `now`, for every `now` (the change times are
/// found on the same whole-second freshness function that pricing uses, not from a formula that
/// could round differently).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceBands {
    pub fresh: Credits,
    pub mid: Credits,
    pub stale: Credits,
    /// From this instant on (inclusive) the lead is priced at least as `mid`.
    pub mid_from: DateTime<Utc>,
    /// From this instant on (inclusive) the lead is priced as `stale`.
    pub stale_from: DateTime<Utc>,
}

/// Stands for "always" in [`PriceBands`]: a band the lead is in from age 0 (and so also at the
/// negative ages of clock skew, which count as age 0).
pub const BAND_ALWAYS: DateTime<Utc> = DateTime::<Utc>::UNIX_EPOCH;

/// Stands for "never" in [`PriceBands`]: a band the lead does not reach within
/// [`BAND_SEARCH_LIMIT`] (e.g. a freshness floor above the stale threshold).
pub fn band_never() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(253_402_300_799, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// How far ahead band changes are searched: a century of age.
pub const BAND_SEARCH_LIMIT: Duration = Duration::days(36_525);

impl PriceBands {
    /// The bands of a lead captured at `created_at` with the price-relevant facts of `input`
    /// (its `freshness` is ignored: every band is priced).
    pub fn of(
        input: &PriceInput,
        created_at: DateTime<Utc>,
        pricing: &PricingConfig,
        freshness: &FreshnessConfig,
    ) -> Self {
        let priced = |band: FreshnessBand| breakdown_in_band(input, pricing, band).total;
        let change = |band: FreshnessBand| match first_second_in(band, pricing, freshness) {
            Some(0) => BAND_ALWAYS,
            Some(seconds) => created_at + Duration::seconds(seconds),
            None => band_never(),
        };
        Self {
            fresh: priced(FreshnessBand::Fresh),
            mid: priced(FreshnessBand::Mid),
            stale: priced(FreshnessBand::Stale),
            mid_from: change(FreshnessBand::Mid),
            stale_from: change(FreshnessBand::Stale),
        }
    }

    /// The price at `now`.
    pub fn at(&self, now: DateTime<Utc>) -> Credits {
        if now >= self.stale_from {
            self.stale
        } else if now >= self.mid_from {
            self.mid
        } else {
            self.fresh
        }
    }
}

/// The first whole-second age at which a lead's freshness is in `band` or a later one, or
/// `None` within [`BAND_SEARCH_LIMIT`]. Binary search: freshness never rises with age, so "in
/// `band` or later" is false up to some age and true from it on.
fn first_second_in(
    band: FreshnessBand,
    pricing: &PricingConfig,
    freshness: &FreshnessConfig,
) -> Option<i64> {
    let reached =
        |seconds: i64| pricing.band(Freshness::at_age_seconds(seconds, freshness)) >= band;
    let (mut low, mut high) = (0_i64, BAND_SEARCH_LIMIT.num_seconds());
    if !reached(high) {
        return None;
    }
    // Invariant: `reached(high)`, and every age below `low` is not reached.
    while low < high {
        let middle = low + (high - low) / 2;
        if reached(middle) {
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    Some(low)
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
