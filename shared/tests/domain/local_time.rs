use chrono::{DateTime, Duration, Timelike, Utc};
use leadmart_shared::local_time::{Tz, day_start};
use proptest::prelude::*;

fn zone() -> impl Strategy<Value = Tz> {
    proptest::sample::select(chrono_tz::TZ_VARIANTS.to_vec())
}

/// Any second from 1970 to 2100.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..4_102_444_800).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// The day start is exactly the first second of `now`'s local date: on or before `now`,
    /// on the same local date, and the second before it belongs to an earlier date.
    #[test]
    fn the_day_starts_at_the_first_second_of_the_local_date(now in instant(), zone in zone()) {
        let start = day_start(now, zone);
        let today = now.with_timezone(&zone).date_naive();
        prop_assert!(start <= now, "{zone}: the day began at {start}, after {now}");
        prop_assert_eq!(start.with_timezone(&zone).date_naive(), today, "{}: {} is on another date", zone, start);
        let before = (start - Duration::seconds(1)).with_timezone(&zone).date_naive();
        prop_assert!(before < today, "{zone}: {start} minus a second is still {today}");
    }

    /// In a zone without daylight saving the day starts at local midnight, and every moment of
    /// the same local day shares that start.
    #[test]
    fn kolkata_days_start_at_midnight(now in instant(), offset in 0i64..86_400) {
        let zone = Tz::Asia__Kolkata;
        let start = day_start(now, zone);
        let local = start.with_timezone(&zone);
        prop_assert_eq!((local.hour(), local.minute(), local.second()), (0, 0, 0));
        let same_day = start + Duration::seconds(offset);
        prop_assert_eq!(day_start(same_day, zone), start);
        prop_assert_eq!(day_start(start + Duration::days(1), zone), start + Duration::days(1));
    }
}

#[test]
fn one_minute_each_side_of_kolkata_midnight() {
    let zone = Tz::Asia__Kolkata;
    // 18:30 UTC is 00:00 in Kolkata (UTC+5:30).
    let midnight = DateTime::parse_from_rfc3339("2026-12-01T18:30:00Z")
        .unwrap()
        .to_utc();
    let at_23_59 = midnight - Duration::minutes(1);
    let at_00_01 = midnight + Duration::minutes(1);
    assert_eq!(
        day_start(at_00_01, zone),
        midnight,
        "00:01 local belongs to the day that began at local midnight"
    );
    assert_eq!(
        day_start(at_23_59, zone),
        midnight - Duration::days(1),
        "23:59 local still belongs to the previous day, although it is the same UTC date"
    );
}
