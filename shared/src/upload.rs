//! A partner's upload on the marketplace (seed 001 §3, §4, §7): how a row the CSV rules passed
//! becomes a listing (intake's listing needs, scored by the B2B rule set when the row carries
//! B2B columns), whether a partner's new lead lists at once or waits for an admin's review, and
//! the partner's score with its breakdown.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::csv_rules::ValidRow;
use crate::intake::{IntakeLead, IntakeRules, lead_of_row};
use crate::money::Rate;
use crate::scoring::{B2bFacts, B2bRules, ScoreBreakdown, Seniority, Signal, score_b2b};

/// The rules of partner uploads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRules {
    pub b2b: B2bRules,
    /// A partner's first this many leads list without review (seed 001 decision 8); later
    /// ones wait for an admin to approve the partner.
    pub auto_approve_first: u64,
    /// Rows per chunk the server takes at most.
    pub max_chunk_rows: usize,
}

impl Default for UploadRules {
    fn default() -> Self {
        Self {
            b2b: B2bRules::default(),
            auto_approve_first: 100,
            max_chunk_rows: 5_000,
        }
    }
}

/// Whether a row describes a business contact (the B2B rule set scores it).
pub fn is_b2b(row: &ValidRow) -> bool {
    row.company.is_some() || row.job_title.is_some() || row.company_size.is_some()
}

/// The listing of an uploaded row: shared, scored as B2B or consumer; or what it lacks to be
/// listed, as `field: reason`.
pub fn listing_of_row(
    valid: ValidRow,
    listing: &IntakeRules,
    rules: &UploadRules,
) -> Result<IntakeLead, Vec<String>> {
    let b2b = is_b2b(&valid).then(|| {
        (
            valid.company.clone(),
            valid.job_title.clone(),
            valid.company_size,
            valid.company_domain.clone(),
        )
    });
    let mut lead = lead_of_row(valid, false, listing)?;
    if let Some((company, job_title, company_size, company_domain)) = b2b {
        let contact = &lead.contact;
        let facts = B2bFacts {
            seniority: job_title.as_deref().map(Seniority::from_title),
            company_employees: company_size,
            email: contact.email.clone(),
            has_phone: contact.phone.is_some(),
            company_domain: company_domain.clone(),
            complete: company.is_some()
                && job_title.is_some()
                && contact.email.is_some()
                && contact.phone.is_some(),
        };
        lead.score = score_b2b(&facts, &rules.b2b);
        for (key, value) in [
            ("company", company),
            ("jobTitle", job_title),
            ("companyDomain", company_domain),
        ] {
            if let Some(value) = value {
                lead.attributes.insert(key.to_owned(), value);
            }
        }
    }
    Ok(lead)
}

/// Where a partner stands with the marketplace's review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PartnerReview {
    /// Within the first leads that list without review.
    Auto,
    /// Past them and not yet approved: new leads wait as drafts.
    Pending,
    /// An admin approved the partner: every lead lists at once.
    Approved,
    /// An admin suspended the partner: nothing of theirs is on the marketplace.
    Suspended,
}

/// What becomes of a partner's next lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewLeadFate {
    List,
    AwaitReview,
}

/// The fate of a partner's lead when `listed_before` of their leads were listed before it:
/// approved partners list at once; others list within their first leads, then wait for review.
/// (A suspended partner uploads nothing: the server refuses the upload.)
pub fn new_lead_fate(approved: bool, listed_before: u64, rules: &UploadRules) -> NewLeadFate {
    if approved || listed_before < rules.auto_approve_first {
        NewLeadFate::List
    } else {
        NewLeadFate::AwaitReview
    }
}

/// The review state a partner is shown.
pub fn review_state(
    approved: bool,
    suspended: bool,
    listed: u64,
    rules: &UploadRules,
) -> PartnerReview {
    if suspended {
        PartnerReview::Suspended
    } else if approved {
        PartnerReview::Approved
    } else if listed < rules.auto_approve_first {
        PartnerReview::Auto
    } else {
        PartnerReview::Pending
    }
}

/// What a partner's score is computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PartnerStats {
    /// Rows the partner sent (accepted, rejected and duplicates).
    pub rows_sent: u64,
    pub duplicates: u64,
    /// Leads with a verification verdict, and those that passed.
    pub verified: u64,
    pub verified_passed: u64,
    /// Leads that reached the marketplace, and those bought at least once.
    pub listed: u64,
    pub sold: u64,
}

/// A partner's score (0–100) with its breakdown and the three rates behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerScore {
    pub score: ScoreBreakdown,
    pub verification_pass_rate: Rate,
    pub duplicate_rate: Rate,
    pub sell_through: Rate,
}

/// `part / whole` as a rate to 4 places (zero of nothing).
pub fn ratio(part: u64, whole: u64) -> Rate {
    if whole == 0 {
        return Rate::ZERO;
    }
    let value = (Decimal::from(part.min(whole)) / Decimal::from(whole)).round_dp(4);
    Rate::new(value).unwrap_or(Rate::ZERO)
}

/// Points of each part of the partner score; they sum to 100.
pub const PASS_RATE_POINTS: u32 = 50;
pub const UNIQUE_ROWS_POINTS: u32 = 30;
pub const SELL_THROUGH_POINTS: u32 = 20;

/// The partner score: verification pass rate (50 points), rows that were not duplicates
/// (30) and sell-through (20), each in proportion.
pub fn partner_score(stats: &PartnerStats) -> PartnerScore {
    let verification_pass_rate = ratio(stats.verified_passed, stats.verified);
    let duplicate_rate = ratio(stats.duplicates, stats.rows_sent);
    let sell_through = ratio(stats.sold, stats.listed);
    let points = |rate: Decimal, of: u32| -> i32 {
        let value = (rate * Decimal::from(of)).round();
        i32::try_from(value.mantissa() / 10i128.pow(value.scale())).unwrap_or(0)
    };
    let unique = Decimal::ONE - duplicate_rate.value();
    let unique_points = if stats.rows_sent == 0 {
        0
    } else {
        points(unique, UNIQUE_ROWS_POINTS)
    };
    let signals = vec![
        Signal {
            label: "Verification pass rate".to_owned(),
            points: points(verification_pass_rate.value(), PASS_RATE_POINTS),
        },
        Signal {
            label: "Unique rows".to_owned(),
            points: unique_points,
        },
        Signal {
            label: "Sell-through".to_owned(),
            points: points(sell_through.value(), SELL_THROUGH_POINTS),
        },
    ];
    PartnerScore {
        score: ScoreBreakdown::from_signals(signals),
        verification_pass_rate,
        duplicate_rate,
        sell_through,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_first_hundred_list_then_review() {
        let rules = UploadRules::default();
        assert_eq!(new_lead_fate(false, 99, &rules), NewLeadFate::List);
        assert_eq!(new_lead_fate(false, 100, &rules), NewLeadFate::AwaitReview);
        assert_eq!(new_lead_fate(true, 10_000, &rules), NewLeadFate::List);
        assert_eq!(
            review_state(false, false, 100, &rules),
            PartnerReview::Pending
        );
        assert_eq!(
            review_state(true, true, 5, &rules),
            PartnerReview::Suspended
        );
    }

    #[test]
    fn a_perfect_partner_scores_100() {
        let s = partner_score(&PartnerStats {
            rows_sent: 100,
            duplicates: 0,
            verified: 100,
            verified_passed: 100,
            listed: 100,
            sold: 100,
        });
        assert_eq!(s.score.score().value(), 100);
        let s = partner_score(&PartnerStats {
            rows_sent: 100,
            duplicates: 10,
            verified: 80,
            verified_passed: 76,
            listed: 90,
            sold: 45,
        });
        // 0.95 × 50 = 47.5 → 48; 0.9 × 30 = 27; 0.5 × 20 = 10.
        assert_eq!(
            s.score
                .signals()
                .iter()
                .map(|s| s.points)
                .collect::<Vec<_>>(),
            [48, 27, 10]
        );
        assert_eq!(s.verification_pass_rate, Rate::percent(95).unwrap());
    }

    #[test]
    fn business_contacts_are_scored_by_the_b2b_rules() {
        use crate::csv_rules::{HeaderMapping, RowRules, RowValidator};
        use crate::lead::Category;
        let headers = [
            "Name",
            "Email",
            "Phone",
            "City",
            "State",
            "Budget",
            "Company",
            "Job Title",
        ];
        let mapping = HeaderMapping::auto(&headers);
        let rules = RowRules {
            default_category: Some(Category::parse("real-estate/commercial").unwrap()),
            ..RowRules::default()
        };
        let validator = RowValidator::new(&mapping, rules, "IN").unwrap();
        let row = |company: &str, title: &str| {
            validator
                .validate(&[
                    "Meera Iyer",
                    "meera@acme.in",
                    "+91 98200 12345",
                    "Mumbai",
                    "Maharashtra",
                    "90L",
                    company,
                    title,
                ])
                .unwrap()
        };
        let listing = IntakeRules::default();
        let b2b = listing_of_row(
            row("Acme Realty", "Director of Sales"),
            &listing,
            &UploadRules::default(),
        )
        .unwrap();
        let labels: Vec<&str> = b2b
            .score
            .signals()
            .iter()
            .map(|s| s.label.as_str())
            .collect();
        assert!(labels.contains(&"Director-level contact"), "{labels:?}");
        assert!(labels.contains(&"Direct work email"), "{labels:?}");
        assert_eq!(
            b2b.attributes.get("company").map(String::as_str),
            Some("Acme Realty")
        );
        let consumer = listing_of_row(row("", ""), &listing, &UploadRules::default()).unwrap();
        assert!(
            !consumer
                .score
                .signals()
                .iter()
                .any(|s| s.label.contains("contact")),
            "a row without business columns is a consumer request"
        );
    }

    proptest! {
        #[test]
        fn the_score_stays_within_its_parts(
            rows in 0u64..1_000_000, dup in 0u64..1_000_000, verified in 0u64..1_000_000,
            passed in 0u64..1_000_000, listed in 0u64..1_000_000, sold in 0u64..1_000_000,
        ) {
            let s = partner_score(&PartnerStats {
                rows_sent: rows, duplicates: dup, verified, verified_passed: passed, listed, sold,
            });
            let total: i64 = s.score.raw_total();
            prop_assert!((0..=100).contains(&total));
            prop_assert!(s.verification_pass_rate <= Rate::ONE);
        }
    }
}
