//! Freshness: how recently a lead was captured, as a score that decays on a sigmoid.
//!
//! `freshness(days) = max · 1 / (1 + e^(k·(days − midpoint)))`, floored; defaults max 100,
//! k 0.15, midpoint 30 days, floor 5 (DESIGN.md; seed 001 decision 6). Always recomputed from
//! timestamps and `now`, never stored, so it cannot go stale.
//!
//! This is the one float computation of the crate. It never touches money directly: pricing only
//! asks which side of a threshold the value falls on ([`Freshness::value`] compared with
//! configured thresholds), so a rounding error of 1e-12 can move a price only for a lead whose
//! age is within nanoseconds of a tier boundary.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Parameters of the decay curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FreshnessConfig {
    pub max: f64,
    pub steepness: f64,
    pub midpoint_days: f64,
    pub floor: f64,
}

impl Default for FreshnessConfig {
    fn default() -> Self {
        Self {
            max: 100.0,
            steepness: 0.15,
            midpoint_days: 30.0,
            floor: 5.0,
        }
    }
}

/// A freshness score in `[floor, max]` (default `[5, 100]`).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct Freshness(f64);

const SECONDS_PER_DAY: f64 = 86_400.0;

impl Freshness {
    /// Freshness of something `days` old. Negative ages (clock skew) count as day 0.
    // The formula is a float formula by specification; the result is a score, not money.
    #[allow(clippy::float_arithmetic)]
    pub fn at_age_days(days: f64, config: &FreshnessConfig) -> Self {
        let days = if days.is_finite() {
            days.max(0.0)
        } else {
            f64::MAX
        };
        let raw = config.max / (1.0 + (config.steepness * (days - config.midpoint_days)).exp());
        Self(raw.max(config.floor).min(config.max))
    }

    /// Freshness of a lead captured at `created_at`, seen at `now`.
    #[allow(clippy::float_arithmetic)]
    pub fn between(
        created_at: DateTime<Utc>,
        now: DateTime<Utc>,
        config: &FreshnessConfig,
    ) -> Self {
        // Whole seconds are plenty: the curve moves by ~1e-6 per second at its steepest.
        Self::at_age_seconds((now - created_at).num_seconds(), config)
    }

    /// Freshness at an age in whole seconds: the one formula behind [`Freshness::between`] and
    /// the price bands' change times, so both always agree.
    #[allow(clippy::float_arithmetic)]
    pub fn at_age_seconds(seconds: i64, config: &FreshnessConfig) -> Self {
        Self::at_age_days(seconds as f64 / SECONDS_PER_DAY, config)
    }

    pub fn value(self) -> f64 {
        self.0
    }

    /// The nearest whole score, for display.
    pub fn rounded(self) -> u8 {
        // In [0, 100] by construction, so the cast cannot truncate meaningfully.
        self.0.round().clamp(0.0, 100.0) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn at(days: f64) -> f64 {
        Freshness::at_age_days(days, &FreshnessConfig::default()).value()
    }

    #[test]
    #[allow(clippy::float_arithmetic)]
    fn design_table_days_0_14_30_45_60() {
        // DESIGN.md: ≈99 at day 0, ≈92 at day 14, 50 at day 30, ≈9.5 at day 45, 5 from day ~50.
        assert!((at(0.0) - 98.90).abs() < 0.01, "day 0 = {}", at(0.0));
        assert!((at(14.0) - 91.68).abs() < 0.01, "day 14 = {}", at(14.0));
        assert!((at(30.0) - 50.0).abs() < 1e-9, "day 30 = {}", at(30.0));
        assert!(
            (at(45.0) - 9.53).abs() < 0.01,
            "day 45 = {} (seed says ~15; the formula wins)",
            at(45.0)
        );
        assert_eq!(at(60.0), 5.0, "floored at 5");
        assert_eq!(
            at(50.0),
            5.0,
            "the raw curve is 4.74 at day 50, below the floor"
        );
        assert!(at(49.0) > 5.0, "day 49 is still above the floor");
    }

    #[test]
    fn freshness_comes_from_timestamps() {
        let created = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("valid date");
        let cfg = FreshnessConfig::default();
        let f = Freshness::between(created, created + Duration::days(30), &cfg);
        assert_eq!(f.rounded(), 50);
        assert_eq!(
            Freshness::between(created, created - Duration::days(3), &cfg).rounded(),
            99,
            "skew counts as day 0"
        );
        assert!(
            Freshness::between(created, created + Duration::days(1), &cfg)
                < Freshness::between(created, created, &cfg)
        );
    }
}
