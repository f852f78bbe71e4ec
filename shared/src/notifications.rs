//! When an agent is told what (seed 000 Settings: new-lead alert, lead response, low credit
//! warning, daily summary; quiet hours in the agent's own time zone), and when a balance counts
//! as low.

use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::local_time::Tz;
use crate::money::Credits;
use crate::wire::events::EventKind;

/// What an agent wants to be alerted about (seed 000 Settings → Notifications).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationSettings {
    /// A native notification when a matching lead is listed (`lead.matched`).
    pub new_lead_alert: bool,
    /// A notification when something happens on a lead they bought (a refund decided, …).
    pub lead_response: bool,
    pub low_credit_warning: bool,
    /// One summary a day instead of nothing (sent by the app at the end of quiet hours).
    pub daily_summary: bool,
    pub quiet_hours: Option<QuietHours>,
}

impl Default for NotificationSettings {
    /// Everything on but the daily summary, no quiet hours: a new agent hears of every lead.
    fn default() -> Self {
        Self {
            new_lead_alert: true,
            lead_response: true,
            low_credit_warning: true,
            daily_summary: false,
            quiet_hours: None,
        }
    }
}

/// A daily span of local wall-clock time without alerts, `start` inclusive, `end` exclusive;
/// it may wrap past midnight (22:00–07:00). Equal ends mean no quiet time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl QuietHours {
    /// Whether `now` falls inside the quiet span on the agent's own clock (`zone`).
    pub fn contains(&self, now: DateTime<Utc>, zone: Tz) -> bool {
        let local = now.with_timezone(&zone).time();
        if self.start <= self.end {
            self.start <= local && local < self.end
        } else {
            local >= self.start || local < self.end
        }
    }
}

impl NotificationSettings {
    /// Whether an event of `kind` at `now` should become a native alert for an agent in `zone`.
    /// (The stream carries every event regardless: the feed and balances update silently.)
    pub fn alerts(&self, kind: EventKind, now: DateTime<Utc>, zone: Tz) -> bool {
        let wanted = match kind {
            EventKind::LeadMatched => self.new_lead_alert,
            EventKind::RefundDecided => self.lead_response,
            EventKind::CreditsLow => self.low_credit_warning,
            // The agent's own actions, and the feed's upkeep, are never alerts.
            EventKind::LeadPurchased | EventKind::LeadSoldOut | EventKind::CreditsChanged => false,
        };
        wanted && !self.quiet_hours.is_some_and(|q| q.contains(now, zone))
    }
}

/// The balance below which an agent is warned (`credits.low`), once per crossing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LowCreditMark {
    pub below: Credits,
}

impl Default for LowCreditMark {
    /// 10 credits: two or three leads at the default prices.
    fn default() -> Self {
        Self {
            below: Credits::whole(10),
        }
    }
}

impl LowCreditMark {
    /// Whether a change from `before` to `after` takes the balance below the mark: the warning
    /// is raised on the crossing, not again on every purchase while it stays low.
    pub fn crossed(&self, before: Credits, after: Credits) -> bool {
        before >= self.below && after < self.below
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn quiet_hours_are_on_the_agents_own_clock_and_may_wrap() {
        let night = QuietHours {
            start: t(22, 0),
            end: t(7, 0),
        };
        let kolkata = Tz::Asia__Kolkata;
        // 17:00 UTC is 22:30 in Kolkata: quiet there, not in London (17:00).
        assert!(night.contains(utc("2026-06-01T17:00:00Z"), kolkata));
        assert!(!night.contains(utc("2026-06-01T17:00:00Z"), Tz::UTC));
        // 01:29 UTC is 06:59 in Kolkata (quiet), 01:30 is 07:00 (the end is exclusive).
        assert!(night.contains(utc("2026-06-01T01:29:00Z"), kolkata));
        assert!(!night.contains(utc("2026-06-01T01:30:00Z"), kolkata));
        let lunch = QuietHours {
            start: t(12, 0),
            end: t(13, 0),
        };
        assert!(lunch.contains(utc("2026-06-01T12:30:00Z"), Tz::UTC));
        assert!(!lunch.contains(utc("2026-06-01T13:00:00Z"), Tz::UTC));
    }

    #[test]
    fn settings_decide_which_events_alert() {
        let noon = utc("2026-06-01T12:00:00Z");
        let settings = NotificationSettings::default();
        assert!(settings.alerts(EventKind::LeadMatched, noon, Tz::UTC));
        assert!(!settings.alerts(EventKind::CreditsChanged, noon, Tz::UTC));
        let off = NotificationSettings {
            new_lead_alert: false,
            ..settings
        };
        assert!(!off.alerts(EventKind::LeadMatched, noon, Tz::UTC));
        let quiet = NotificationSettings {
            quiet_hours: Some(QuietHours {
                start: t(11, 0),
                end: t(14, 0),
            }),
            ..settings
        };
        assert!(
            !quiet.alerts(EventKind::LeadMatched, noon, Tz::UTC),
            "quiet hours"
        );
    }

    proptest! {
        /// A wrapping span is the complement of the span between its ends swapped; equal ends
        /// are never quiet.
        #[test]
        fn a_wrapping_span_is_the_complement_of_its_inverse(a in 0u32..1440, b in 0u32..1440, at in 0i64..86_400) {
            let (a, b) = (t(a / 60, a % 60), t(b / 60, b % 60));
            let now = DateTime::from_timestamp(1_780_000_000 - (1_780_000_000 % 86_400) + at, 0).unwrap();
            let span = QuietHours { start: a, end: b };
            let inverse = QuietHours { start: b, end: a };
            if a == b {
                prop_assert!(!span.contains(now, Tz::UTC));
            } else {
                prop_assert_ne!(span.contains(now, Tz::UTC), inverse.contains(now, Tz::UTC));
            }
        }
    }

    #[test]
    fn the_low_credit_warning_fires_on_the_crossing_only() {
        let mark = LowCreditMark::default();
        assert!(mark.crossed(Credits::whole(12), Credits::whole(9)));
        assert!(mark.crossed(Credits::whole(10), Credits::whole(9)));
        assert!(
            !mark.crossed(Credits::whole(9), Credits::whole(5)),
            "already low"
        );
        assert!(
            !mark.crossed(Credits::whole(30), Credits::whole(10)),
            "10 is not below 10"
        );
        assert!(
            !mark.crossed(Credits::whole(5), Credits::whole(50)),
            "a top-up"
        );
    }
}
