use leadmart_shared::freshness::{Freshness, FreshnessConfig};
use leadmart_shared::lead::{Exclusivity, VerificationStatus};
use leadmart_shared::money::Credits;
use leadmart_shared::pricing::{PriceInput, PricingConfig, price};
use leadmart_shared::scoring::Score;
use proptest::prelude::*;
use rust_decimal_macros::dec;

fn exclusivity() -> impl Strategy<Value = Exclusivity> {
    prop_oneof![Just(Exclusivity::Exclusive), Just(Exclusivity::Shared)]
}

fn email_status() -> impl Strategy<Value = VerificationStatus> {
    proptest::sample::select(VerificationStatus::ALL.to_vec())
}

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

proptest! {
    #[test]
    fn price_is_monotone_in_score(a in 0u8..=100, b in 0u8..=100, days in 0.0f64..120.0, ex in exclusivity(), phone: bool, email in email_status()) {
        let (lo, hi) = (a.min(b), a.max(b));
        let cfg = PricingConfig::default();
        prop_assert!(price(&input(lo, days, ex, phone, email), &cfg) <= price(&input(hi, days, ex, phone, email), &cfg),
            "a higher score never costs less");
    }

    #[test]
    fn price_is_monotone_in_freshness(score in 0u8..=100, d1 in 0.0f64..120.0, d2 in 0.0f64..120.0, ex in exclusivity(), phone: bool, email in email_status()) {
        // Older means less fresh: the older lead must not cost more.
        let (young, old) = (d1.min(d2), d1.max(d2));
        let cfg = PricingConfig::default();
        prop_assert!(price(&input(score, old, ex, phone, email), &cfg) <= price(&input(score, young, ex, phone, email), &cfg));
    }

    #[test]
    fn price_is_positive_and_bounded(score in 0u8..=100, days in 0.0f64..1000.0, ex in exclusivity(), phone: bool, email in email_status()) {
        let p = price(&input(score, days, ex, phone, email), &PricingConfig::default());
        // Cheapest: 3 × 1 × 0.5 × 1 × 0.85 = 1.275 → 1.28. Dearest: 3 × 2.5 × 1.5 × 1.5 + 0.75 = 17.625 → 17.63.
        prop_assert!(p >= Credits::new(dec!(1.28)).unwrap(), "{p} below the floor");
        prop_assert!(p <= Credits::new(dec!(17.63)).unwrap(), "{p} above the ceiling");
        prop_assert_eq!(p.amount().scale(), 2, "two decimals");
    }
}
