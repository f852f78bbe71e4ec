//! When an agent is told what (seed 000 Settings: new-lead alert, lead response, low credit
//! warning, daily summary; quiet hours in the agent's own time zone), when a balance counts
//! as low, and what a native notification of a matching lead says.

use chrono::{DateTime, NaiveTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::local_time::Tz;
use crate::money::{Credits, Money, format_inr_compact, group_en_in};
use crate::refund::RefundStatus;
use crate::wire::events::EventKind;
use crate::wire::{LeadCard, NotificationSettingsDto};

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
    /// The settings a DTO describes (quiet hours as `HH:MM`); the error names the field.
    pub fn from_dto(dto: &NotificationSettingsDto) -> Result<Self, String> {
        let clock = |field: &str, raw: &str| {
            NaiveTime::parse_from_str(raw.trim(), "%H:%M")
                .map_err(|_| format!("{field}: not HH:MM"))
        };
        let quiet_hours = match (&dto.quiet_hours_start, &dto.quiet_hours_end) {
            (Some(start), Some(end)) => Some(QuietHours {
                start: clock("quietHoursStart", start)?,
                end: clock("quietHoursEnd", end)?,
            }),
            (None, None) => None,
            _ => {
                return Err(
                    "quietHours: give both quietHoursStart and quietHoursEnd, or neither".into(),
                );
            }
        };
        Ok(Self {
            new_lead_alert: dto.new_lead_alert,
            lead_response: dto.lead_response,
            low_credit_warning: dto.low_credit_warning,
            daily_summary: dto.daily_summary,
            quiet_hours,
        })
    }

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

/// A native notification's words: the lead's category and area as its title; score, budget
/// and price as its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertText {
    pub title: String,
    pub body: String,
}

/// `home-services/plumbing` → `Home services / Plumbing`.
pub(crate) fn category_label(slug: &str) -> String {
    slug.split('/')
        .map(|part| {
            let words = part.replace('-', " ");
            let mut chars = words.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join(" / ")
}

/// A budget range for people: rupees in lakh and crore (`₹90L – ₹1.1Cr`), other currencies by
/// their code (`ZAR 1,500 – 3,000`).
pub(crate) fn budget_label(card: &LeadCard) -> String {
    let plain = |value: Decimal| group_en_in(value.normalize());
    if card.currency == "INR" {
        let rupees = |value: Decimal| {
            Money::new(value).map_or_else(|_| format!("₹{}", plain(value)), format_inr_compact)
        };
        format!("{} – {}", rupees(card.budget_min), rupees(card.budget_max))
    } else {
        format!(
            "{} {} – {}",
            card.currency,
            plain(card.budget_min),
            plain(card.budget_max)
        )
    }
}

/// `4.50 credits`, `1.00 credit`.
pub fn credits_label(credits: Decimal) -> String {
    let shown = credits.round_dp(2);
    let mut text = shown.to_string();
    if !text.contains('.') {
        text.push_str(".00");
    } else if text.rsplit('.').next().is_some_and(|f| f.len() == 1) {
        text.push('0');
    }
    let unit = if shown == Decimal::ONE {
        "credit"
    } else {
        "credits"
    };
    format!("{text} {unit}")
}

impl AlertText {
    /// The notification of a matching lead: `Home services / Plumbing · Woodstock`, then
    /// `Score 82 · Budget ZAR 1,500 – 3,000 · 4.50 credits`. The area, else the city.
    pub fn lead_matched(card: &LeadCard) -> Self {
        let place = card.place();
        Self {
            title: format!("{} · {place}", category_label(&card.category)),
            body: format!(
                "Score {} · Budget {} · {}",
                card.score,
                budget_label(card),
                credits_label(card.price_credits)
            ),
        }
    }

    /// The refund guardian's reminder: `Refund window closes in 20 h`, then who and what, and
    /// that they were never reached.
    pub fn refund_closing(customer: &str, card: &LeadCard, hours_left: u32) -> Self {
        let place = card.place();
        let left = if hours_left == 0 {
            "less than an hour".to_owned()
        } else {
            format!("{hours_left} h")
        };
        Self {
            title: format!("Refund window closes in {left}"),
            body: format!(
                "{customer} · {} in {place}: not reached yet. Ask for a refund before it closes.",
                card.title
            ),
        }
    }

    /// An admin decided the agent's refund request on the lead `what` (its title and place, when
    /// the app has it): approved, with the credits back; or denied.
    pub fn refund_decided(status: RefundStatus, credits: Decimal, what: Option<&str>) -> Self {
        let what = what.map_or_else(|| "your lead".to_owned(), str::to_owned);
        if status == RefundStatus::Approved {
            Self {
                title: "Refund approved".to_owned(),
                body: format!("{} back in your wallet for {what}.", credits_label(credits)),
            }
        } else {
            Self {
                title: "Refund not approved".to_owned(),
                body: format!("The request for {what} was denied. Open the lead to read why."),
            }
        }
    }

    /// The balance went below the low-credit mark: `Low credit balance`, then what is left.
    pub fn credits_low(balance: Decimal) -> Self {
        Self {
            title: "Low credit balance".to_owned(),
            body: format!(
                "{} left. Top up to keep buying leads the moment they are listed.",
                credits_label(balance)
            ),
        }
    }

    /// One notification for `count` matching leads that arrived together (a burst caught up
    /// after an offline spell): `7 new matching leads`.
    pub fn summary(count: usize) -> Self {
        let noun = if count == 1 { "lead" } else { "leads" };
        Self {
            title: format!("{count} new matching {noun}"),
            body: "Open Leadmart to see them.".to_owned(),
        }
    }
}

/// Whether a matched lead was caught up rather than heard live: it was listed before the
/// stream that brought it opened (on the server's clock), i.e. while the app was offline.
/// Caught-up leads that arrive together become one summary instead of a notification each.
pub fn caught_up(listed_at: DateTime<Utc>, stream_opened_at: DateTime<Utc>) -> bool {
    listed_at < stream_opened_at
}

/// How a batch of `count` caught-up matches is told: one by one when there is a single one,
/// else one summary.
pub fn summarises(count: usize) -> bool {
    count > 1
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn card(category: &str, area: &str, currency: &str, min: i64, max: i64) -> LeadCard {
        LeadCard {
            id: "1".into(),
            category: category.into(),
            title: "3BHK Apartment".into(),
            country: "IN".into(),
            region: "Maharashtra".into(),
            city: "Mumbai".into(),
            area: area.into(),
            currency: currency.into(),
            budget_min: Decimal::from(min),
            budget_max: Decimal::from(max),
            urgency: "immediate".into(),
            score: 82,
            price_credits: Decimal::new(45, 1),
            exclusivity: "shared".into(),
            max_buyers: 3,
            purchases: 0,
            views: 0,
            listed_at: utc("2026-06-01T12:00:00Z"),
        }
    }

    #[test]
    fn a_matched_leads_notification_names_category_area_score_budget_and_price() {
        let rupees = AlertText::lead_matched(&card(
            "real-estate/buy",
            "Andheri West",
            "INR",
            9_000_000,
            11_000_000,
        ));
        assert_eq!(rupees.title, "Real estate / Buy · Andheri West");
        assert_eq!(
            rupees.body,
            "Score 82 · Budget ₹90L – ₹1.1Cr · 4.50 credits"
        );
        let rand = AlertText::lead_matched(&card("home-services/plumbing", "", "ZAR", 1500, 3000));
        assert_eq!(
            rand.title, "Home services / Plumbing · Mumbai",
            "no area: the city"
        );
        assert_eq!(
            rand.body,
            "Score 82 · Budget ZAR 1,500 – 3,000 · 4.50 credits"
        );
    }

    #[test]
    fn credits_read_with_two_decimals_and_the_right_noun() {
        assert_eq!(credits_label(Decimal::ONE), "1.00 credit");
        assert_eq!(credits_label(Decimal::new(3, 0)), "3.00 credits");
        assert_eq!(credits_label(Decimal::new(1125, 2)), "11.25 credits");
        assert_eq!(credits_label(Decimal::new(75, 1)), "7.50 credits");
    }

    #[test]
    fn a_burst_reads_as_one_summary_with_the_right_plural() {
        assert_eq!(AlertText::summary(7).title, "7 new matching leads");
        assert_eq!(AlertText::summary(1).title, "1 new matching lead");
        assert!(!summarises(1) && summarises(2));
        let opened = utc("2026-06-01T12:00:00Z");
        assert!(caught_up(utc("2026-06-01T11:59:59Z"), opened));
        assert!(
            !caught_up(opened, opened),
            "listed as the stream opened: live"
        );
    }

    #[test]
    fn settings_read_from_their_dto_and_name_the_bad_field() {
        let mut dto = NotificationSettingsDto {
            new_lead_alert: true,
            lead_response: false,
            low_credit_warning: true,
            daily_summary: false,
            quiet_hours_start: Some("22:00".into()),
            quiet_hours_end: Some("07:30".into()),
            time_zone: None,
        };
        let settings = NotificationSettings::from_dto(&dto).unwrap();
        assert_eq!(
            settings.quiet_hours,
            Some(QuietHours {
                start: t(22, 0),
                end: t(7, 30)
            })
        );
        assert!(!settings.lead_response);
        dto.quiet_hours_end = Some("7pm".into());
        assert_eq!(
            NotificationSettings::from_dto(&dto),
            Err("quietHoursEnd: not HH:MM".to_owned())
        );
        dto.quiet_hours_end = None;
        assert!(
            NotificationSettings::from_dto(&dto)
                .unwrap_err()
                .contains("both")
        );
    }

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

    #[test]
    fn refund_decisions_and_a_low_balance_say_what_happened() {
        let approved = AlertText::refund_decided(
            RefundStatus::Approved,
            Decimal::new(475, 2),
            Some("3BHK Apartment · Andheri West"),
        );
        assert_eq!(approved.title, "Refund approved");
        assert_eq!(
            approved.body,
            "4.75 credits back in your wallet for 3BHK Apartment · Andheri West."
        );
        let denied = AlertText::refund_decided(RefundStatus::Denied, Decimal::ZERO, None);
        assert_eq!(denied.title, "Refund not approved");
        assert!(
            denied
                .body
                .starts_with("The request for your lead was denied.")
        );
        let low = AlertText::credits_low(Decimal::new(85, 1));
        assert_eq!(
            (low.title.as_str(), low.body.as_str()),
            (
                "Low credit balance",
                "8.50 credits left. Top up to keep buying leads the moment they are listed."
            )
        );
    }
}
