//! Refunds (seed 000 quality guarantee): a window after purchase, a reason, an admin decision,
//! and what an approved refund does to the buyer's credits and the partner's commission.

use crate::commission::{CommissionStatus, refund_reverses};
use crate::money::Credits;
use crate::pipeline::{ContactChannel, ContactOutcome, PipelineStage};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use specta::Type;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundConfig {
    pub window_days: i64,
    /// The shortest note accepted with reason `other`.
    pub other_note_min_chars: usize,
}

impl Default for RefundConfig {
    fn default() -> Self {
        Self {
            window_days: 7,
            other_note_min_chars: 10,
        }
    }
}

/// Why a buyer asks for a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RefundReason {
    WrongNumber,
    Fake,
    Duplicate,
    NotInterestedInService,
    OutsideArea,
    Other,
}

impl RefundReason {
    pub const ALL: &'static [RefundReason] = &[
        Self::WrongNumber,
        Self::Fake,
        Self::Duplicate,
        Self::NotInterestedInService,
        Self::OutsideArea,
        Self::Other,
    ];

    /// The label a buyer picks from.
    pub fn label(self) -> &'static str {
        match self {
            Self::WrongNumber => "Wrong or disconnected number",
            Self::Fake => "Fake or spam request",
            Self::Duplicate => "Duplicate of a lead I already have",
            Self::NotInterestedInService => "Customer not interested in the service",
            Self::OutsideArea => "Outside my service area",
            Self::Other => "Other",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum RefundDenied {
    #[error("the refund window closed at {deadline}")]
    RefundWindowClosed { deadline: DateTime<Utc> },
    #[error("a refund was already requested for this purchase")]
    RefundAlreadyRequested,
    #[error("please describe the problem (at least {min_chars} characters)")]
    RefundNoteRequired { min_chars: usize },
}

impl RefundDenied {
    /// The API error code (one list for server and app: [`crate::error_code::ApiErrorCode`]).
    pub fn code(&self) -> &'static str {
        crate::error_code::ApiErrorCode::from(self).as_str()
    }
}

/// The last moment a refund can be requested.
pub fn refund_deadline(purchased_at: DateTime<Utc>, config: &RefundConfig) -> DateTime<Utc> {
    purchased_at + Duration::days(config.window_days)
}

pub fn check_refund_request(
    purchased_at: DateTime<Utc>,
    now: DateTime<Utc>,
    already_requested: bool,
    reason: RefundReason,
    note: &str,
    config: &RefundConfig,
) -> Result<(), RefundDenied> {
    if already_requested {
        return Err(RefundDenied::RefundAlreadyRequested);
    }
    let deadline = refund_deadline(purchased_at, config);
    if now > deadline {
        return Err(RefundDenied::RefundWindowClosed { deadline });
    }
    if reason == RefundReason::Other && note.trim().chars().count() < config.other_note_min_chars {
        return Err(RefundDenied::RefundNoteRequired {
            min_chars: config.other_note_min_chars,
        });
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RefundStatus {
    Requested,
    Approved,
    Denied,
}

impl RefundStatus {
    /// Whether the buyer still holds the lead's contact details: an approved refund gives the
    /// lead back, so its contact is no longer theirs (some lead sellers require it erased).
    pub fn buyer_keeps_contact(self) -> bool {
        self != RefundStatus::Approved
    }
}

/// What a decision does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundEffects {
    /// Credited back to the buyer's wallet.
    pub credit_buyer: Credits,
    /// Reverse the partner's commission on this sale.
    pub reverse_commission: bool,
}

pub fn refund_effects(
    approved: bool,
    price_paid: Credits,
    commission: Option<CommissionStatus>,
) -> RefundEffects {
    if !approved {
        return RefundEffects {
            credit_buyer: Credits::ZERO,
            reverse_commission: false,
        };
    }
    RefundEffects {
        credit_buyer: price_paid,
        reverse_commission: commission.is_some_and(refund_reverses),
    }
}

/// How long before the window closes the guardian warns about a lead never reached.
pub const REMIND_BEFORE: Duration = Duration::hours(24);

/// The refund guardian's view of one bought lead: how long the window stays open, what the
/// agent did to reach the customer, and the request it would send — the evidence written out,
/// so the agent does not have to remember it and the admin who decides reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RefundGuard {
    pub deadline: DateTime<Utc>,
    pub window_open: bool,
    /// Whole hours until the deadline (0 once it passed).
    pub hours_left: u32,
    pub attempts: u32,
    /// The customer was reached (the lead got to a meeting, a quote or a deal, or an attempt
    /// is marked reached): a refund is unlikely to be fair, and the guardian does not nudge.
    pub reached: bool,
    /// The window closes within [`REMIND_BEFORE`], no refund was asked and the customer was
    /// never reached: tell the agent now.
    pub remind: bool,
    /// The reason to preselect.
    pub suggested_reason: RefundReason,
    /// The note to prefill: the wrong-number and bounced markers counted, then each attempt with
    /// its channel, time (in the agent's zone), outcome and note.
    pub evidence: String,
}

/// One attempt to reach the customer, as the contact log holds it.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    pub channel: ContactChannel,
    pub at: DateTime<Utc>,
    pub note: Option<&'a str>,
    pub outcome: Option<ContactOutcome>,
}

/// The guardian's view of a lead whose window closes at `deadline` ([`refund_deadline`]), now at
/// `stage`, with `attempts` in the contact log and `refund_asked` when a request exists; times
/// written in `zone`. The customer was reached once the lead got to a meeting, a quote or a deal,
/// or once an attempt is marked [`ContactOutcome::Reached`].
pub fn guard(
    deadline: DateTime<Utc>,
    attempts: &[Attempt<'_>],
    stage: PipelineStage,
    refund_asked: bool,
    now: DateTime<Utc>,
    zone: chrono_tz::Tz,
) -> RefundGuard {
    // Past first contact in the pipeline, or an attempt that got through.
    let reached = matches!(
        stage,
        PipelineStage::Meeting | PipelineStage::Quoted | PipelineStage::Won
    ) || attempts
        .iter()
        .any(|a| a.outcome == Some(ContactOutcome::Reached));
    let left = deadline - now;
    let window_open = left >= Duration::zero();
    let hours_left = u32::try_from(left.num_hours().max(0)).unwrap_or(u32::MAX);
    let count = u32::try_from(attempts.len()).unwrap_or(u32::MAX);
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let mut evidence = if count == 0 {
        "No contact attempts logged yet.".to_owned()
    } else {
        let tried = plural(attempts.len(), "contact attempt", "contact attempts");
        let markers: Vec<String> = [ContactOutcome::WrongNumber, ContactOutcome::Bounced]
            .into_iter()
            .filter_map(|marker| {
                let n = attempts
                    .iter()
                    .filter(|a| a.outcome == Some(marker))
                    .count();
                (n > 0).then(|| match marker {
                    ContactOutcome::Bounced => plural(n, "bounced email", "bounced emails"),
                    _ => plural(n, "wrong number", "wrong numbers"),
                })
            })
            .collect();
        let markers = if markers.is_empty() {
            String::new()
        } else {
            format!(" ({})", markers.join(", "))
        };
        if reached {
            format!("{tried}{markers}:")
        } else {
            format!("{tried} without reaching the customer{markers}:")
        }
    };
    for attempt in attempts {
        let local = attempt.at.with_timezone(&zone);
        evidence.push_str(&format!(
            "\n- {} on {}",
            attempt.channel.label(),
            local.format("%-d %b %Y %H:%M %Z")
        ));
        if let Some(outcome) = attempt.outcome {
            evidence.push_str(&format!(" — {}", outcome.label()));
        }
        // One line per attempt: a message's line breaks become spaces.
        let note = attempt
            .note
            .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|n| !n.is_empty());
        if let Some(note) = note {
            let short: String = note.chars().take(120).collect();
            let more = if short.len() < note.len() { "…" } else { "" };
            evidence.push_str(&format!(": \"{short}{more}\""));
        }
    }
    RefundGuard {
        deadline,
        window_open,
        hours_left,
        attempts: count,
        reached,
        remind: window_open && !reached && !refund_asked && left <= REMIND_BEFORE,
        suggested_reason: RefundReason::WrongNumber,
        evidence,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_guardian_counts_down_writes_the_evidence_and_reminds_on_the_last_day_only() {
        let cfg = RefundConfig::default();
        let bought = Utc.with_ymd_and_hms(2026, 2, 1, 10, 0, 0).single().unwrap();
        let attempts = [
            Attempt {
                channel: ContactChannel::Call,
                at: bought + Duration::minutes(5),
                note: None,
                outcome: None,
            },
            Attempt {
                channel: ContactChannel::WhatsApp,
                at: bought + Duration::hours(30),
                note: Some(" Number not on WhatsApp "),
                outcome: None,
            },
        ];
        let ist = chrono_tz::Tz::Asia__Kolkata;
        let deadline = refund_deadline(bought, &cfg);
        let view = |now, reached: bool, asked| {
            let stage = if reached {
                PipelineStage::Meeting
            } else {
                PipelineStage::Contacted
            };
            guard(deadline, &attempts, stage, asked, now, ist)
        };

        let day_two = view(bought + Duration::days(2), false, false);
        assert_eq!(day_two.deadline, bought + Duration::days(7));
        assert_eq!(
            (day_two.window_open, day_two.hours_left, day_two.attempts),
            (true, 120, 2)
        );
        assert!(!day_two.remind, "five days left: no nudge yet");
        assert_eq!(
            day_two.evidence,
            "2 contact attempts without reaching the customer:\n- Call on 1 Feb 2026 15:35 IST\n- WhatsApp on 2 Feb 2026 21:30 IST: \"Number not on WhatsApp\""
        );

        let last_day = bought + Duration::days(6) + Duration::hours(1);
        assert!(
            view(last_day, false, false).remind,
            "23 h left, never reached"
        );
        assert!(!view(last_day, true, false).remind, "reached: no nudge");
        assert!(
            !view(last_day, false, true).remind,
            "already asked: no nudge"
        );
        let edge = bought + Duration::days(6);
        assert!(view(edge, false, false).remind, "exactly 24 h left");
        assert!(!view(edge - Duration::seconds(1), false, false).remind);

        let closed = view(
            bought + Duration::days(7) + Duration::seconds(1),
            false,
            false,
        );
        assert_eq!(
            (closed.window_open, closed.hours_left, closed.remind),
            (false, 0, false)
        );

        let none = guard(deadline, &[], PipelineStage::New, false, bought, ist);
        assert!(!guard(deadline, &[], PipelineStage::Lost, false, last_day, ist).reached);
        assert_eq!(none.evidence, "No contact attempts logged yet.");
    }

    #[test]
    fn the_evidence_counts_the_dead_ends_and_an_answered_attempt_means_reached() {
        let bought = Utc.with_ymd_and_hms(2026, 2, 1, 10, 0, 0).single().unwrap();
        let deadline = refund_deadline(bought, &RefundConfig::default());
        let attempt = |minutes, channel, outcome| Attempt {
            channel,
            at: bought + Duration::minutes(minutes),
            note: None,
            outcome,
        };
        let dead_ends = [
            attempt(5, ContactChannel::Call, Some(ContactOutcome::WrongNumber)),
            attempt(6, ContactChannel::Email, Some(ContactOutcome::Bounced)),
            attempt(60, ContactChannel::Call, Some(ContactOutcome::WrongNumber)),
            attempt(90, ContactChannel::Sms, None),
        ];
        let utc = chrono_tz::Tz::UTC;
        let later = bought + Duration::days(6) + Duration::hours(2);
        let view = guard(
            deadline,
            &dead_ends,
            PipelineStage::Contacted,
            false,
            later,
            utc,
        );
        assert!(!view.reached && view.remind);
        assert_eq!(
            view.evidence,
            "4 contact attempts without reaching the customer (2 wrong numbers, 1 bounced email):\n\
             - Call on 1 Feb 2026 10:05 UTC — wrong number\n\
             - Email on 1 Feb 2026 10:06 UTC — email bounced\n\
             - Call on 1 Feb 2026 11:00 UTC — wrong number\n\
             - SMS on 1 Feb 2026 11:30 UTC"
        );

        let answered = [
            attempt(5, ContactChannel::Call, Some(ContactOutcome::NoAnswer)),
            attempt(30, ContactChannel::Call, Some(ContactOutcome::Reached)),
        ];
        let view = guard(
            deadline,
            &answered,
            PipelineStage::Contacted,
            false,
            later,
            utc,
        );
        assert!(view.reached, "the customer answered the second call");
        assert!(!view.remind, "reached: no nudge");
        assert!(view.evidence.starts_with("2 contact attempts:\n"));
    }

    #[test]
    fn seven_day_window() {
        let cfg = RefundConfig::default();
        let bought = Utc.with_ymd_and_hms(2026, 2, 1, 10, 0, 0).single().unwrap();
        let ok =
            |now| check_refund_request(bought, now, false, RefundReason::WrongNumber, "", &cfg);
        assert_eq!(
            ok(bought + Duration::days(7)),
            Ok(()),
            "the 7th day is still inside"
        );
        assert_eq!(
            ok(bought + Duration::days(7) + Duration::seconds(1)).map_err(|e| e.code()),
            Err("refund_window_closed")
        );
        assert_eq!(
            check_refund_request(bought, bought, true, RefundReason::Fake, "", &cfg)
                .map_err(|e| e.code()),
            Err("refund_already_requested")
        );
        assert_eq!(
            check_refund_request(bought, bought, false, RefundReason::Other, "meh", &cfg)
                .map_err(|e| e.code()),
            Err("refund_note_required")
        );
    }

    #[test]
    fn approval_credits_the_buyer_and_reverses_held_commission_only() {
        let paid = Credits::whole(4);
        assert_eq!(
            refund_effects(true, paid, Some(CommissionStatus::Held)),
            RefundEffects {
                credit_buyer: paid,
                reverse_commission: true
            }
        );
        assert!(!refund_effects(true, paid, Some(CommissionStatus::Paid)).reverse_commission);
        assert!(
            !refund_effects(true, paid, None).reverse_commission,
            "platform leads have no commission"
        );
        assert_eq!(
            refund_effects(false, paid, Some(CommissionStatus::Held)).credit_buyer,
            Credits::ZERO
        );
    }
}
