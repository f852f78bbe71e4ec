use chrono::{DateTime, Duration, TimeZone, Utc};
use leadmart_shared::freshness::{Freshness, FreshnessConfig};
use leadmart_shared::lead::{Exclusivity, VerificationStatus};
use leadmart_shared::money::Credits;
use leadmart_shared::pricing::{
    BAND_ALWAYS, PriceBands, PriceInput, PricingConfig, band_never, price,
};
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

/// The price bands of a lead with these facts, captured at `created`.
fn bands_of(
    input: &PriceInput,
    created: DateTime<Utc>,
    pricing: &PricingConfig,
    freshness: &FreshnessConfig,
) -> PriceBands {
    PriceBands::of(input, created, pricing, freshness)
}

fn price_at(
    input: &PriceInput,
    created: DateTime<Utc>,
    now: DateTime<Utc>,
    pricing: &PricingConfig,
    freshness: &FreshnessConfig,
) -> Credits {
    let aged = PriceInput {
        freshness: Freshness::between(created, now, freshness),
        ..*input
    };
    price(&aged, pricing)
}

#[test]
fn bands_change_where_design_says() {
    // DESIGN.md: freshness falls below 80 at day 30 − ln 4 / 0.15 ≈ 20.76 and below 30 at
    // day 30 + ln(7/3) / 0.15 ≈ 35.65.
    let created = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap();
    let bands = bands_of(
        &input(
            92,
            0.0,
            Exclusivity::Exclusive,
            true,
            VerificationStatus::Valid,
        ),
        created,
        &PricingConfig::default(),
        &FreshnessConfig::default(),
    );
    let mid_days = (bands.mid_from - created).num_seconds() as f64 / 86_400.0;
    let stale_days = (bands.stale_from - created).num_seconds() as f64 / 86_400.0;
    assert!(
        (mid_days - 20.758).abs() < 0.001,
        "mid band from day {mid_days}"
    );
    assert!(
        (stale_days - 35.649).abs() < 0.001,
        "stale band from day {stale_days}"
    );
    assert_eq!(
        bands.fresh.amount(),
        dec!(17.63),
        "3 × 2.5 × 1.5 × 1.5 + 0.75"
    );
    assert_eq!(
        bands.mid.amount(),
        dec!(12.00),
        "3 × 2.5 × 1 × 1.5 + 0.75 = 12.00"
    );
    assert_eq!(
        bands.stale.amount(),
        dec!(6.38),
        "3 × 2.5 × 0.5 × 1.5 + 0.75 = 6.375 → 6.38"
    );
    let second = Duration::seconds(1);
    assert_eq!(
        bands.at(bands.mid_from - second),
        bands.fresh,
        "the second before the change"
    );
    assert_eq!(
        bands.at(bands.mid_from),
        bands.mid,
        "the change is inclusive"
    );
}

#[test]
fn a_band_never_reached_or_always_in_is_marked_so() {
    let created = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap();
    // A floor above the stale threshold: never stale. A fresh threshold above the maximum:
    // never fresh, so the mid band applies from the start (and at skewed negative ages).
    let pricing = PricingConfig {
        fresh_at_least: 101.0,
        stale_below: 4.0,
        ..PricingConfig::default()
    };
    let lead = input(
        50,
        0.0,
        Exclusivity::Shared,
        false,
        VerificationStatus::Pending,
    );
    let bands = bands_of(&lead, created, &pricing, &FreshnessConfig::default());
    assert_eq!(bands.mid_from, BAND_ALWAYS);
    assert_eq!(bands.stale_from, band_never());
    let before_capture = created - Duration::days(2);
    assert_eq!(
        bands.at(before_capture),
        price_at(
            &lead,
            created,
            before_capture,
            &pricing,
            &FreshnessConfig::default()
        )
    );
}

fn seconds_around_changes() -> impl Strategy<Value = i64> {
    // Ages near the two default change times (±2 minutes), negative ages (clock skew), anything.
    prop_oneof![
        (1_793_400i64..1_793_640),
        (3_079_950i64..3_080_190),
        (-200_000i64..0),
        (0i64..10_000_000),
    ]
}

proptest! {
    #[test]
    fn bands_price_exactly_as_the_formula_at_every_instant(
        score in 0u8..=100, ex in exclusivity(), phone: bool, email in email_status(),
        created_s in 1_600_000_000i64..1_900_000_000, created_ns in 0u32..1_000_000_000,
        age in seconds_around_changes(), extra_ns in 0u32..1_000_000_000,
        steepness in 0.05f64..0.5, midpoint in 5.0f64..60.0,
        fresh_at_least in 50.0f64..99.0, stale_below in 6.0f64..49.0,
    ) {
        let created = DateTime::<Utc>::from_timestamp(created_s, created_ns).unwrap();
        let now = created + Duration::seconds(age) + Duration::nanoseconds(i64::from(extra_ns));
        let freshness = FreshnessConfig { steepness, midpoint_days: midpoint, ..FreshnessConfig::default() };
        let pricing = PricingConfig { fresh_at_least, stale_below, ..PricingConfig::default() };
        let lead = input(score, 0.0, ex, phone, email);
        let bands = bands_of(&lead, created, &pricing, &freshness);
        prop_assert_eq!(bands.at(now), price_at(&lead, created, now, &pricing, &freshness),
            "the stored step function must equal the formula at {} (age {}s)", now, age);
        prop_assert!(bands.mid_from <= bands.stale_from, "bands come in order");
    }
}
