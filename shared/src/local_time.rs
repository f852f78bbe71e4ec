//! An agent's own clock: the IANA time zone they work in, and where their local day begins, so
//! that "daily" rules (the daily spending limit, and later "this month" and quiet hours) count
//! the agent's day rather than UTC's.
//!
//! Pure: `now` and the zone come in as arguments; the zone database is `chrono-tz`'s, compiled in.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};

pub use chrono_tz::Tz;

/// The marketplace's time zone: every agent's calendar until they choose their own.
pub const MARKETPLACE_TIME_ZONE: Tz = Tz::Asia__Kolkata;

/// The marketplace's zone, used for agents who have not chosen one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZoneConfig {
    pub default_zone: Tz,
}

impl Default for TimeZoneConfig {
    fn default() -> Self {
        Self {
            default_zone: MARKETPLACE_TIME_ZONE,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an IANA time zone name (for example \"Asia/Kolkata\" or \"Europe/London\")")]
pub struct UnknownTimeZone(pub String);

/// The zone named `name` exactly as the IANA database spells it (`Asia/Kolkata`, `UTC`).
pub fn parse_time_zone(name: &str) -> Result<Tz, UnknownTimeZone> {
    name.parse::<Tz>()
        .map_err(|_| UnknownTimeZone(name.to_owned()))
}

/// The instant at which the local day that contains `now` began in `zone`.
///
/// Usually local midnight. Where a daylight-saving change skips midnight (clocks jump from
/// 23:59:59 to 01:00, as in Santiago or, until 2019, São Paulo) the day begins at the jump;
/// where midnight happens twice, at its first occurrence.
pub fn day_start(now: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
    let date = now.with_timezone(&zone).date_naive();
    match zone.from_local_datetime(&date.and_time(NaiveTime::MIN)) {
        LocalResult::Single(start) => start.with_timezone(&Utc),
        LocalResult::Ambiguous(earliest, _) => earliest.with_timezone(&Utc),
        LocalResult::None => first_instant_of(date, zone, now),
    }
}

/// The first whole second whose local date in `zone` is `date`, searched between a day before
/// `now` and `now` itself (zone changes happen on whole seconds).
fn first_instant_of(date: NaiveDate, zone: Tz, now: DateTime<Utc>) -> DateTime<Utc> {
    let local_date =
        |secs: i64| DateTime::from_timestamp(secs, 0).map(|t| t.with_timezone(&zone).date_naive());
    // `lo` is before the day (no zone is ahead of UTC by more than a day), `hi` inside it.
    let mut lo = now.timestamp() - 2 * 86_400;
    let mut hi = now.timestamp();
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if local_date(mid).is_some_and(|d| d >= date) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    DateTime::from_timestamp(hi, 0).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .expect("a valid RFC 3339 instant")
    }

    #[test]
    fn kolkata_days_begin_at_18_30_utc() {
        let zone = Tz::Asia__Kolkata;
        // 23:59 local on 1 March is 18:29 UTC: still 1 March's day, which began at 18:30 UTC
        // on 28 February.
        assert_eq!(
            day_start(utc("2026-03-01T18:29:00Z"), zone),
            utc("2026-02-28T18:30:00Z")
        );
        // 00:01 local on 2 March is 18:31 UTC on 1 March: a new day, begun a minute ago.
        assert_eq!(
            day_start(utc("2026-03-01T18:31:00Z"), zone),
            utc("2026-03-01T18:30:00Z")
        );
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_begins_at_the_jump() {
        // São Paulo, 4 November 2018: clocks went from 23:59:59 (−03) to 01:00 (−02), at 03:00 UTC.
        let start = day_start(utc("2018-11-04T15:00:00Z"), Tz::America__Sao_Paulo);
        assert_eq!(start, utc("2018-11-04T03:00:00Z"));
    }

    #[test]
    fn a_midnight_that_happens_twice_starts_the_day_at_its_first_occurrence() {
        // Havana, 5 November 2023: at 01:00 (−04) clocks went back to 00:00 (−05), so that
        // day's midnight happened at 04:00 UTC and again at 05:00 UTC.
        let start = day_start(utc("2023-11-05T12:00:00Z"), Tz::America__Havana);
        assert_eq!(start, utc("2023-11-05T04:00:00Z"));
    }

    #[test]
    fn names_are_the_iana_spellings() {
        assert_eq!(parse_time_zone("Asia/Kolkata"), Ok(Tz::Asia__Kolkata));
        assert_eq!(parse_time_zone("UTC"), Ok(Tz::UTC));
        assert!(parse_time_zone("Mars/Olympus_Mons").is_err());
        assert!(parse_time_zone("").is_err());
        assert!(parse_time_zone("+05:30").is_err(), "offsets are not zones");
    }
}
