//! Quality score (0–100) with its breakdown: the signals a buyer sees ("Budget verified +25").
//!
//! Two built-in rule sets, each with its points in a config struct:
//! - [`ConsumerRules`] for consumer requests (seed 000: budget verified +25, urgent timeline +20,
//!   location specific +15, pre-approved loan +20, complete form +12 — the seed's lead adds to
//!   92), plus verified phone +5 and verified email +3 so a perfect lead reaches 100;
//! - [`B2bRules`] for B2B contacts (seed 001 §5.1: seniority, company size, non-generic work
//!   email, phone, email domain matches company, completeness).
//!
//! Both clamp the total to 1–100.

use crate::contact::Email;
use crate::lead::Urgency;
use crate::normalize::fold;
use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("a score is 0–100, got {0}")]
pub struct ScoreOutOfRange(pub i64);

/// A quality score, 0–100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Score(u8);

impl Score {
    pub const MIN_COMPUTED: i64 = 1;
    pub const MAX: i64 = 100;

    pub fn new(value: u8) -> Result<Self, ScoreOutOfRange> {
        if i64::from(value) > Self::MAX {
            return Err(ScoreOutOfRange(i64::from(value)));
        }
        Ok(Self(value))
    }

    /// A computed total, clamped to 1–100 as both rule sets require.
    pub fn clamped(total: i64) -> Self {
        // Clamped into 1..=100, so it fits a u8.
        Self(total.clamp(Self::MIN_COMPUTED, Self::MAX) as u8)
    }

    pub fn value(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Score {
    type Error = ScoreOutOfRange;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Score> for u8 {
    fn from(value: Score) -> u8 {
        value.0
    }
}

/// One line of a breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signal {
    pub label: String,
    pub points: i32,
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.points < 0 {
            write!(f, "{} −{}", self.label, self.points.unsigned_abs())
        } else {
            write!(f, "{} +{}", self.label, self.points)
        }
    }
}

/// The signals that fired and the clamped total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreBreakdown {
    signals: Vec<Signal>,
    score: Score,
}

impl ScoreBreakdown {
    pub fn from_signals(signals: Vec<Signal>) -> Self {
        let total: i64 = signals.iter().map(|s| i64::from(s.points)).sum();
        Self {
            score: Score::clamped(total),
            signals,
        }
    }

    pub fn signals(&self) -> &[Signal] {
        &self.signals
    }

    pub fn score(&self) -> Score {
        self.score
    }

    /// Sum of the points before clamping.
    pub fn raw_total(&self) -> i64 {
        self.signals.iter().map(|s| i64::from(s.points)).sum()
    }
}

/// Points of the consumer rule set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerRules {
    pub budget_verified: i32,
    pub urgent_timeline: i32,
    pub location_specific: i32,
    pub pre_approved: i32,
    pub complete_form: i32,
    pub verified_phone: i32,
    pub verified_email: i32,
}

impl Default for ConsumerRules {
    fn default() -> Self {
        Self {
            budget_verified: 25,
            urgent_timeline: 20,
            location_specific: 15,
            pre_approved: 20,
            complete_form: 12,
            verified_phone: 5,
            verified_email: 3,
        }
    }
}

/// What is known about a consumer request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConsumerFacts {
    pub budget_verified: bool,
    pub urgency: Option<Urgency>,
    /// An area/suburb or postal code, not just a city.
    pub location_specific: bool,
    /// Financing pre-approved (real estate) or equivalent.
    pub pre_approved: bool,
    /// Every field of the form filled: see [`form_complete`].
    pub form_complete: bool,
    pub phone_verified: bool,
    pub email_verified: bool,
}

/// A consumer form is complete when it has a description, a budget, an email and a phone.
pub fn form_complete(
    description: &str,
    has_budget: bool,
    has_email: bool,
    has_phone: bool,
) -> bool {
    !description.trim().is_empty() && has_budget && has_email && has_phone
}

/// Whether a `financing` attribute says pre-approved ("Pre-approved", "pre_approved", …).
pub fn is_pre_approved(financing: &str) -> bool {
    matches!(
        fold(financing).as_str(),
        "pre approved" | "preapproved" | "approved"
    )
}

pub fn score_consumer(facts: &ConsumerFacts, rules: &ConsumerRules) -> ScoreBreakdown {
    let mut signals = Vec::with_capacity(7);
    let mut add = |fired: bool, label: &str, points: i32| {
        if fired {
            signals.push(Signal {
                label: label.to_owned(),
                points,
            });
        }
    };
    add(
        facts.budget_verified,
        "Budget verified",
        rules.budget_verified,
    );
    add(
        facts.urgency.is_some_and(Urgency::is_urgent),
        "Urgent timeline",
        rules.urgent_timeline,
    );
    add(
        facts.location_specific,
        "Location specific",
        rules.location_specific,
    );
    add(facts.pre_approved, "Pre-approved loan", rules.pre_approved);
    add(facts.form_complete, "Complete form", rules.complete_form);
    add(facts.phone_verified, "Verified phone", rules.verified_phone);
    add(facts.email_verified, "Verified email", rules.verified_email);
    ScoreBreakdown::from_signals(signals)
}

/// Job-title seniority (seed 001 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Seniority {
    Other,
    Manager,
    Director,
    Vp,
    CSuite,
}

impl Seniority {
    /// Reads a job title: "CEO", "Chief Marketing Officer", "VP Sales", "Head of Growth",
    /// "Engineering Manager" …
    pub fn from_title(title: &str) -> Self {
        let t = format!(" {} ", fold(title));
        let has = |w: &str| t.contains(&format!(" {w} "));
        if has("ceo")
            || has("cfo")
            || has("cto")
            || has("coo")
            || has("cmo")
            || has("cio")
            || has("chief")
            || has("founder")
            || has("owner")
            || (has("president") && !has("vice"))
        {
            Self::CSuite
        } else if has("vp") || has("svp") || has("evp") || t.contains(" vice president ") {
            Self::Vp
        } else if has("director") || has("head") {
            Self::Director
        } else if has("manager") || has("lead") || has("supervisor") {
            Self::Manager
        } else {
            Self::Other
        }
    }
}

/// Points of the B2B rule set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct B2bRules {
    pub c_suite: i32,
    pub vp: i32,
    pub director: i32,
    pub manager: i32,
    pub other_seniority: i32,
    /// `(more than this many employees, points)`, largest first; smaller companies get
    /// `smallest_company`.
    pub company_size: Vec<(u32, i32)>,
    pub smallest_company: i32,
    pub work_email: i32,
    pub generic_email: i32,
    pub phone: i32,
    pub domain_matches_company: i32,
    pub complete: i32,
    /// Free-mail domains: an address there is not a work email.
    pub generic_domains: Vec<String>,
    /// Role mailboxes (`info@`, `sales@`): not a person's work email.
    pub generic_local_parts: Vec<String>,
}

impl Default for B2bRules {
    fn default() -> Self {
        let strings = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect();
        Self {
            c_suite: 25,
            vp: 20,
            director: 15,
            manager: 10,
            other_seniority: 5,
            company_size: vec![(500, 25), (200, 20), (50, 15), (10, 10)],
            smallest_company: 5,
            work_email: 15,
            generic_email: -10,
            phone: 20,
            domain_matches_company: 10,
            complete: 10,
            generic_domains: strings(&[
                "gmail.com",
                "googlemail.com",
                "yahoo.com",
                "yahoo.co.in",
                "hotmail.com",
                "outlook.com",
                "live.com",
                "msn.com",
                "aol.com",
                "icloud.com",
                "me.com",
                "proton.me",
                "protonmail.com",
                "rediffmail.com",
                "zoho.com",
                "gmx.com",
                "mail.com",
                "yandex.com",
            ]),
            generic_local_parts: strings(&[
                "info",
                "sales",
                "contact",
                "admin",
                "support",
                "hello",
                "office",
                "team",
                "enquiry",
                "enquiries",
                "mail",
                "noreply",
                "no-reply",
            ]),
        }
    }
}

/// What is known about a B2B contact.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct B2bFacts {
    pub seniority: Option<Seniority>,
    pub company_employees: Option<u32>,
    pub email: Option<Email>,
    pub has_phone: bool,
    /// The company's web domain (`acme.com`, `https://www.acme.com/`).
    pub company_domain: Option<String>,
    /// Name, title, company, email, phone and location all present.
    pub complete: bool,
}

impl B2bRules {
    pub fn is_generic_email(&self, email: &Email) -> bool {
        let domain = email.domain();
        let local = email.local_part();
        self.generic_domains
            .iter()
            .any(|d| d.eq_ignore_ascii_case(&domain))
            || self
                .generic_local_parts
                .iter()
                .any(|l| l.eq_ignore_ascii_case(&local))
    }
}

/// `https://www.Acme.com/about` → `acme.com`.
pub fn bare_domain(raw: &str) -> String {
    let lower = raw.trim().to_ascii_lowercase();
    let no_scheme = lower.split("://").last().unwrap_or(&lower);
    let host = no_scheme.split(['/', '?', '#']).next().unwrap_or(no_scheme);
    host.strip_prefix("www.")
        .unwrap_or(host)
        .trim_end_matches('.')
        .to_owned()
}

/// The email's domain is the company's or one of its subdomains (`j@mail.acme.com` ↔ `acme.com`).
pub fn email_matches_company(email: &Email, company_domain: &str) -> bool {
    let company = bare_domain(company_domain);
    let domain = email.domain();
    !company.is_empty() && (domain == company || domain.ends_with(&format!(".{company}")))
}

pub fn score_b2b(facts: &B2bFacts, rules: &B2bRules) -> ScoreBreakdown {
    let mut signals = Vec::with_capacity(6);
    let (label, points) = match facts.seniority.unwrap_or(Seniority::Other) {
        Seniority::CSuite => ("C-suite contact", rules.c_suite),
        Seniority::Vp => ("VP-level contact", rules.vp),
        Seniority::Director => ("Director-level contact", rules.director),
        Seniority::Manager => ("Manager-level contact", rules.manager),
        Seniority::Other => ("Individual contributor", rules.other_seniority),
    };
    signals.push(Signal {
        label: label.to_owned(),
        points,
    });

    let employees = facts.company_employees.unwrap_or(0);
    let (label, points) = rules
        .company_size
        .iter()
        .find(|(above, _)| employees > *above)
        .map(|(above, points)| (format!("Company over {above} employees"), *points))
        .unwrap_or_else(|| ("Small company".to_owned(), rules.smallest_company));
    signals.push(Signal { label, points });

    match &facts.email {
        Some(email) if !rules.is_generic_email(email) => {
            signals.push(Signal {
                label: "Direct work email".into(),
                points: rules.work_email,
            });
        }
        _ => signals.push(Signal {
            label: "No direct work email".into(),
            points: rules.generic_email,
        }),
    }
    if facts.has_phone {
        signals.push(Signal {
            label: "Has phone".into(),
            points: rules.phone,
        });
    }
    if let (Some(email), Some(domain)) = (&facts.email, &facts.company_domain)
        && email_matches_company(email, domain)
    {
        signals.push(Signal {
            label: "Email matches company".into(),
            points: rules.domain_matches_company,
        });
    }
    if facts.complete {
        signals.push(Signal {
            label: "Complete profile".into(),
            points: rules.complete,
        });
    }
    ScoreBreakdown::from_signals(signals)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn seed_000_breakdown_adds_to_92() {
        let facts = ConsumerFacts {
            budget_verified: true,
            urgency: Some(Urgency::Immediate),
            location_specific: true,
            pre_approved: is_pre_approved("Pre-approved"),
            form_complete: form_complete("3BHK in Andheri", true, true, true),
            phone_verified: false,
            email_verified: false,
        };
        let b = score_consumer(&facts, &ConsumerRules::default());
        let lines: Vec<String> = b.signals().iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "Budget verified +25",
                "Urgent timeline +20",
                "Location specific +15",
                "Pre-approved loan +20",
                "Complete form +12"
            ]
        );
        assert_eq!(b.score().value(), 92);
    }

    #[test]
    fn consumer_scores_clamp_to_1_and_100() {
        assert_eq!(
            score_consumer(&ConsumerFacts::default(), &ConsumerRules::default())
                .score()
                .value(),
            1
        );
        let all = ConsumerFacts {
            budget_verified: true,
            urgency: Some(Urgency::ThisWeek),
            location_specific: true,
            pre_approved: true,
            form_complete: true,
            phone_verified: true,
            email_verified: true,
        };
        assert_eq!(
            score_consumer(&all, &ConsumerRules::default())
                .score()
                .value(),
            100
        );
        let generous = ConsumerRules {
            budget_verified: 90,
            ..ConsumerRules::default()
        };
        let b = score_consumer(&all, &generous);
        assert_eq!((b.raw_total(), b.score().value()), (165, 100));
    }

    #[test]
    fn b2b_rules_of_seed_001() {
        let rules = B2bRules::default();
        let facts = B2bFacts {
            seniority: Some(Seniority::from_title("Chief Marketing Officer")),
            company_employees: Some(600),
            email: Some(Email::parse("priya@acme.com").unwrap()),
            has_phone: true,
            company_domain: Some("https://www.acme.com/".into()),
            complete: true,
        };
        // 25 + 25 + 15 + 20 + 10 + 10 = 105 → clamped to 100.
        let b = score_b2b(&facts, &rules);
        assert_eq!((b.raw_total(), b.score().value()), (105, 100));

        let weak = B2bFacts {
            seniority: Some(Seniority::from_title("Analyst")),
            company_employees: Some(8),
            email: Some(Email::parse("someone@gmail.com").unwrap()),
            ..B2bFacts::default()
        };
        // 5 + 5 − 10 = 0 → clamped to 1.
        let b = score_b2b(&weak, &rules);
        assert_eq!((b.raw_total(), b.score().value()), (0, 1));

        let mid = B2bFacts {
            seniority: Some(Seniority::from_title("VP Sales")),
            company_employees: Some(201),
            email: Some(Email::parse("info@acme.com").unwrap()),
            company_domain: Some("acme.com".into()),
            ..B2bFacts::default()
        };
        // 20 + 20 − 10 (role mailbox) + 10 (domain matches) = 40.
        assert_eq!(score_b2b(&mid, &rules).score().value(), 40);
    }

    #[test]
    fn seniority_from_titles() {
        assert_eq!(Seniority::from_title("CEO & Founder"), Seniority::CSuite);
        assert_eq!(
            Seniority::from_title("Vice President, Sales"),
            Seniority::Vp
        );
        assert_eq!(Seniority::from_title("Head of Growth"), Seniority::Director);
        assert_eq!(Seniority::from_title("Sales Manager"), Seniority::Manager);
        assert_eq!(Seniority::from_title("Accountant"), Seniority::Other);
        assert_eq!(
            Seniority::from_title("Vice President"),
            Seniority::Vp,
            "not a president"
        );
    }

    #[test]
    fn scores_out_of_range_do_not_parse() {
        assert!(Score::new(101).is_err());
        assert!(serde_json::from_str::<Score>("101").is_err());
        assert_eq!(serde_json::from_str::<Score>("92").unwrap().value(), 92);
    }
}
