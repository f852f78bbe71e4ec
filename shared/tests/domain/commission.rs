use chrono::{Duration, TimeZone, Utc};
use leadmart_shared::commission::{CommissionConfig, PartnerStanding, commission};
use leadmart_shared::money::{Money, Rate};
use proptest::prelude::*;
use rust_decimal::Decimal;

proptest! {
    #[test]
    fn rate_stays_within_base_and_cap(base in 0u32..=50, pass in 0u32..=100, uploaded in 0u64..50_000, hours in 0i64..24 * 90, cents in 0i64..10_000_000) {
        let cfg = CommissionConfig::default();
        let partner = PartnerStanding {
            base_rate: Some(Rate::percent(base).unwrap()),
            verification_pass_rate: Rate::percent(pass).unwrap(),
            total_uploaded: uploaded,
        };
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap();
        let sale = Money::new(Decimal::new(cents, 2)).unwrap();
        let c = commission(sale, t0, t0 + Duration::hours(hours), &partner, &cfg);
        prop_assert!(c.rate >= Rate::percent(base).unwrap(), "bonuses never lower the rate");
        prop_assert!(c.rate <= Rate::percent(50).unwrap(), "capped at 50%");
        prop_assert!(c.amount <= sale.times(Decimal::new(5, 1)), "never more than half the sale");
        prop_assert_eq!(c.payable_at, t0 + Duration::hours(hours) + Duration::days(14));
    }
}
