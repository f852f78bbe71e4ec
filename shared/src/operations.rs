//! The operator's figures (the admin console's overview): listings and sales per day in the
//! marketplace's time zone, and the period's financials — gross lead sales at the credit value,
//! approved refunds, partner commissions, net, the commission now payable, and credit packages
//! sold. The server reads the rows; every sum and difference is made here, in exact decimals.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::commission::CommissionStatus;
use crate::money::{CreditValue, Credits, Money};

/// What the period's rows say.
#[derive(Debug, Clone, Default)]
pub struct OperatorRows {
    /// When each lead listed in the period was listed.
    pub listed: Vec<DateTime<Utc>>,
    /// Each purchase in the period: when, and its price.
    pub sales: Vec<(DateTime<Utc>, Credits)>,
    /// The credits of each refund approved in the period.
    pub refunds: Vec<Credits>,
    /// The commission accrued on each partner sale in the period (not reversed).
    pub commissions: Vec<Money>,
    /// Every commission not paid out yet, whenever accrued: amount, recorded status and when its
    /// holdback ends.
    pub outstanding: Vec<(Money, CommissionStatus, DateTime<Utc>)>,
    /// What each credit package settled in the period was paid.
    pub packages: Vec<Money>,
}

/// One day of the trend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DayFigures {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub day: NaiveDate,
    pub listed: u32,
    pub sold: u32,
}

/// The period's money, in the marketplace's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Financials {
    pub currency: String,
    /// Lead sales at the credit value.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub gross: rust_decimal::Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub refunds: rust_decimal::Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub commissions: rust_decimal::Decimal,
    /// `gross − refunds − commissions`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub net: rust_decimal::Decimal,
    /// Commission past its holdback and not paid out yet (any period).
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub pending_payouts: rust_decimal::Decimal,
    pub packages_sold: u32,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub package_revenue: rust_decimal::Decimal,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn total(items: impl IntoIterator<Item = Money>) -> Money {
    items
        .into_iter()
        .fold(Money::ZERO, |sum, m| sum.checked_add(m).unwrap_or(sum))
}

/// Listings and sales on each of the `days` days up to and including `now`'s, oldest first, days
/// counted in `zone`.
pub fn trend(rows: &OperatorRows, now: DateTime<Utc>, days: u32, zone: Tz) -> Vec<DayFigures> {
    let today = now.with_timezone(&zone).date_naive();
    let day_of = |at: &DateTime<Utc>| at.with_timezone(&zone).date_naive();
    (0..days)
        .rev()
        .map(|back| {
            let day = today - Duration::days(i64::from(back));
            DayFigures {
                day,
                listed: count(rows.listed.iter().filter(|at| day_of(at) == day).count()),
                sold: count(
                    rows.sales
                        .iter()
                        .filter(|(at, _)| day_of(at) == day)
                        .count(),
                ),
            }
        })
        .collect()
}

/// The period's financials at `value` (credits to money), at `now`.
pub fn financials(rows: &OperatorRows, value: &CreditValue, now: DateTime<Utc>) -> Financials {
    let credits = |items: &mut dyn Iterator<Item = Credits>| {
        value.to_money(items.fold(Credits::ZERO, |sum, c| sum.checked_add(c).unwrap_or(sum)))
    };
    let gross = credits(&mut rows.sales.iter().map(|(_, price)| *price));
    let refunds = credits(&mut rows.refunds.iter().copied());
    let commissions = total(rows.commissions.iter().copied());
    let pending = total(
        rows.outstanding
            .iter()
            .filter_map(|(amount, status, payable_at)| {
                let due = match status {
                    CommissionStatus::Held => *payable_at <= now,
                    CommissionStatus::Payable => true,
                    CommissionStatus::Paid | CommissionStatus::Reversed => false,
                };
                due.then_some(*amount)
            }),
    );
    let net = gross.amount() - refunds.amount() - commissions.amount();
    Financials {
        currency: value.currency.to_string(),
        gross: gross.amount(),
        refunds: refunds.amount(),
        commissions: commissions.amount(),
        net,
        pending_payouts: pending.amount(),
        packages_sold: count(rows.packages.len()),
        package_revenue: total(rows.packages.iter().copied()).amount(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::money::CurrencyCode;
    use chrono::TimeZone;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    fn value() -> CreditValue {
        CreditValue {
            per_credit: Money::whole(100),
            currency: CurrencyCode::new("INR").unwrap(),
        }
    }

    #[test]
    fn days_are_the_marketplace_zones_and_money_is_exact() {
        let ist = Tz::Asia__Kolkata;
        // 2 Dec 10:00 IST is 04:30 UTC; 23:59 IST on 1 Dec is 18:29 UTC on 1 Dec.
        let now = Utc.with_ymd_and_hms(2026, 12, 2, 4, 30, 0).unwrap();
        let late_on_the_first = Utc.with_ymd_and_hms(2026, 12, 1, 18, 29, 0).unwrap();
        let early_on_the_second = Utc.with_ymd_and_hms(2026, 12, 1, 18, 31, 0).unwrap();
        let rows = OperatorRows {
            listed: vec![late_on_the_first, early_on_the_second, now],
            sales: vec![
                (
                    early_on_the_second,
                    Credits::new(Decimal::new(450, 2)).unwrap(),
                ),
                (late_on_the_first, Credits::whole(2)),
            ],
            refunds: vec![Credits::whole(2)],
            commissions: vec![Money::new(Decimal::new(1_350, 2)).unwrap()],
            outstanding: vec![
                (
                    Money::whole(10),
                    CommissionStatus::Held,
                    now - Duration::hours(1),
                ),
                (
                    Money::whole(20),
                    CommissionStatus::Held,
                    now + Duration::hours(1),
                ),
                (
                    Money::whole(5),
                    CommissionStatus::Payable,
                    now + Duration::days(9),
                ),
            ],
            packages: vec![Money::whole(4_500), Money::whole(9_000)],
        };
        let days = trend(&rows, now, 3, ist);
        let shown: Vec<(u32, u32, u32)> = days
            .iter()
            .map(|d| (chrono::Datelike::day(&d.day), d.listed, d.sold))
            .collect();
        assert_eq!(shown, [(30, 0, 0), (1, 1, 1), (2, 2, 1)]);

        let money = financials(&rows, &value(), now);
        assert_eq!(money.gross, Decimal::from(650), "6.50 credits at ₹100");
        assert_eq!(money.refunds, Decimal::from(200));
        assert_eq!(money.commissions, Decimal::new(1_350, 2));
        assert_eq!(money.net, Decimal::new(43_650, 2), "650 − 200 − 13.50");
        assert_eq!(
            money.pending_payouts,
            Decimal::from(15),
            "past the holdback, or payable"
        );
        assert_eq!(
            (money.packages_sold, money.package_revenue),
            (2, Decimal::from(13_500))
        );
        assert_eq!(money.currency, "INR");
    }

    proptest! {
        /// Every listing and sale of the period lands on exactly one day of the trend.
        #[test]
        fn the_trend_counts_each_row_once(offsets in proptest::collection::vec(0i64..(14 * 24 * 60), 0..60)) {
            let now = Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap();
            let rows = OperatorRows {
                listed: offsets.iter().map(|m| now - Duration::minutes(*m)).collect(),
                sales: offsets.iter().map(|m| (now - Duration::minutes(*m), Credits::whole(1))).collect(),
                ..OperatorRows::default()
            };
            // 15 days cover 14 × 24 h back from noon in any zone.
            let days = trend(&rows, now, 15, Tz::America__Sao_Paulo);
            let listed: u32 = days.iter().map(|d| d.listed).sum();
            let sold: u32 = days.iter().map(|d| d.sold).sum();
            prop_assert_eq!(listed as usize, offsets.len());
            prop_assert_eq!(sold as usize, offsets.len());
        }

        /// Net is always gross less refunds and commissions, to the hundredth.
        #[test]
        fn net_is_gross_less_refunds_and_commissions(
            sales in proptest::collection::vec(1u32..5_000, 0..20),
            refunds in proptest::collection::vec(1u32..5_000, 0..5),
            commissions in proptest::collection::vec(1i64..100_000, 0..10),
        ) {
            let now = Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap();
            let hundredths = |n: u32| Credits::new(Decimal::new(i64::from(n), 2)).unwrap();
            let rows = OperatorRows {
                sales: sales.iter().map(|n| (now, hundredths(*n))).collect(),
                refunds: refunds.iter().map(|n| hundredths(*n)).collect(),
                commissions: commissions.iter().map(|n| Money::new(Decimal::new(*n, 2)).unwrap()).collect(),
                ..OperatorRows::default()
            };
            let money = financials(&rows, &value(), now);
            let gross: i64 = sales.iter().map(|n| i64::from(*n) * 100).sum();
            let back: i64 = refunds.iter().map(|n| i64::from(*n) * 100).sum();
            let paid: i64 = commissions.iter().sum();
            prop_assert_eq!(money.net, Decimal::new(gross - back - paid, 2));
        }
    }
}
