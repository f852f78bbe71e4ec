//! Intake (seed 002 step 1): a lead arriving one at a time — the public web form, an
//! integration's API key, an admin — validated by the same row rules as a CSV upload, scored
//! by the consumer rule set and priced for listing. Plus the web form's defences against bots:
//! an empty honeypot field and a minimum time between showing the form and sending it.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;

use crate::contact::ContactDetails;
use crate::csv_rules::{HeaderMapping, LeadField, RowRules, RowValidator, ValidRow};
use crate::lead::{BudgetRange, BuyerCap, Category, Exclusivity, Location, Urgency};
use crate::money::CurrencyCode;
use crate::scoring::{ConsumerFacts, ConsumerRules, ScoreBreakdown, form_complete, score_consumer};

/// What an intake needs, as the sender typed it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntakeFields<'a> {
    pub category: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub country: &'a str,
    pub region: &'a str,
    pub city: &'a str,
    pub area: &'a str,
    pub postal_code: &'a str,
    pub budget_min: &'a str,
    pub budget_max: &'a str,
    pub urgency: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub address: &'a str,
}

/// A lead ready to list: every value typed and valid, scored.
#[derive(Debug, Clone, PartialEq)]
pub struct IntakeLead {
    pub category: Category,
    pub title: String,
    pub description: String,
    pub location: Location,
    pub budget: Option<BudgetRange>,
    pub urgency: Urgency,
    pub contact: ContactDetails,
    pub cap: BuyerCap,
    pub score: ScoreBreakdown,
    pub attributes: BTreeMap<String, String>,
}

/// The rules of one marketplace's intake.
#[derive(Debug, Clone)]
pub struct IntakeRules {
    pub currency: CurrencyCode,
    /// Phone numbers without a country code are read in this region.
    pub phone_region: String,
    /// Buyers of a shared lead.
    pub shared_buyers: u32,
    pub scoring: ConsumerRules,
    /// How long a lead stays listed.
    pub listing_life: Duration,
}

impl Default for IntakeRules {
    fn default() -> Self {
        Self {
            currency: CurrencyCode::INR,
            phone_region: "IN".to_owned(),
            shared_buyers: 3,
            scoring: ConsumerRules::default(),
            listing_life: Duration::days(30),
        }
    }
}

/// The fields in the order [`IntakeValidator`] hands them to the row validator.
const FIELDS: [LeadField; 15] = [
    LeadField::Category,
    LeadField::Title,
    LeadField::Description,
    LeadField::Country,
    LeadField::Region,
    LeadField::City,
    LeadField::Area,
    LeadField::PostalCode,
    LeadField::BudgetMin,
    LeadField::BudgetMax,
    LeadField::Urgency,
    LeadField::FullName,
    LeadField::Email,
    LeadField::Phone,
    LeadField::Address,
];

/// Validates intake with the CSV row rules (so a lead is valid the same way whichever door it
/// came in by), then the listing's own needs. Build once: it compiles the phone patterns of
/// the marketplace's region (milliseconds, too slow for every request).
#[derive(Debug, Clone)]
pub struct IntakeValidator {
    rows: RowValidator,
    rules: IntakeRules,
}

impl IntakeValidator {
    pub fn new(rules: IntakeRules) -> Result<Self, crate::contact::ContactError> {
        let mut mapping = HeaderMapping::auto(&[""; FIELDS.len()]);
        for (i, field) in FIELDS.iter().enumerate() {
            mapping.set(i, Some(*field));
        }
        let row_rules = RowRules {
            default_country: rules.phone_region.clone(),
            ..RowRules::default()
        };
        let rows = RowValidator::new(&mapping, row_rules, &rules.phone_region)?;
        Ok(Self { rows, rules })
    }

    /// The lead of `fields`, scored, or every fault as `field: reason`.
    pub fn validate(
        &self,
        fields: &IntakeFields<'_>,
        exclusive: bool,
    ) -> Result<IntakeLead, Vec<String>> {
        validate_with(&self.rows, fields, exclusive, &self.rules)
    }
}

fn validate_with(
    validator: &RowValidator,
    fields: &IntakeFields<'_>,
    exclusive: bool,
    rules: &IntakeRules,
) -> Result<IntakeLead, Vec<String>> {
    let row = [
        fields.category,
        fields.title,
        fields.description,
        fields.country,
        fields.region,
        fields.city,
        fields.area,
        fields.postal_code,
        fields.budget_min,
        fields.budget_max,
        fields.urgency,
        fields.name,
        fields.email,
        fields.phone,
        fields.address,
    ];
    let valid = validator.validate(&row).map_err(|problems| {
        problems
            .iter()
            .map(|p| {
                let field = p.field.map(|f| format!("{f:?}")).unwrap_or_default();
                format!("{field}: {}", p.issue)
            })
            .collect::<Vec<_>>()
    })?;
    lead_of_row(valid, exclusive, rules)
}

/// The listing of a row the row rules passed (from a form or an uploaded file): what the
/// marketplace needs besides valid cells (a category, a region and city, a budget), scored by
/// the consumer rule set; or every missing need as `field: reason`.
pub fn lead_of_row(
    valid: ValidRow,
    exclusive: bool,
    rules: &IntakeRules,
) -> Result<IntakeLead, Vec<String>> {
    let mut errors = Vec::new();
    let category = valid.category.clone();
    if category.is_none() {
        errors.push("category: required".to_owned());
    }
    let location = Location::new(
        &valid.country,
        valid.region.as_deref().unwrap_or_default(),
        valid.city.as_deref().unwrap_or_default(),
        valid.area.as_deref(),
        valid.postal_code.as_deref(),
    )
    .map_err(|e| errors.push(format!("location: {e}")))
    .ok();
    let budget = match (valid.budget_min, valid.budget_max) {
        (Some(min), Some(max)) => BudgetRange::new(rules.currency, min, max)
            .map_err(|e| errors.push(format!("budget: {e}")))
            .ok(),
        // The marketplace shows and filters every lead by its budget.
        (None, None) => {
            errors.push("budget: required".to_owned());
            None
        }
        (Some(one), None) | (None, Some(one)) => BudgetRange::new(rules.currency, one, one)
            .map_err(|e| errors.push(format!("budget: {e}")))
            .ok(),
    };
    let title = valid
        .title
        .clone()
        .or_else(|| category.as_ref().map(|c| c.as_str().to_owned()))
        .unwrap_or_default();
    let cap = if exclusive {
        Some(BuyerCap::exclusive())
    } else {
        BuyerCap::shared(rules.shared_buyers)
            .map_err(|e| errors.push(format!("exclusivity: {e}")))
            .ok()
    };
    let (Some(category), Some(location), Some(cap), true) =
        (category, location, cap, errors.is_empty())
    else {
        return Err(errors);
    };
    let description = valid.description.clone().unwrap_or_default();
    let facts = ConsumerFacts {
        // Nobody has checked the budget of a lead that just came in.
        budget_verified: false,
        urgency: valid.urgency,
        location_specific: location.is_specific(),
        pre_approved: false,
        form_complete: form_complete(
            &description,
            budget.is_some(),
            valid.contact.email.is_some(),
            valid.contact.phone.is_some(),
        ),
        phone_verified: false,
        email_verified: false,
    };
    Ok(IntakeLead {
        category,
        title,
        description,
        location,
        budget,
        urgency: valid.urgency.unwrap_or(Urgency::Flexible),
        contact: valid.contact,
        cap,
        score: score_consumer(&facts, &rules.scoring),
        attributes: BTreeMap::new(),
    })
}

impl IntakeLead {
    pub fn exclusivity(&self) -> Exclusivity {
        self.cap.exclusivity()
    }
}

/// A budget amount as typed into a form field: the text the row validator parses.
pub fn amount_text(amount: Option<Decimal>) -> String {
    amount.map(|a| a.to_string()).unwrap_or_default()
}

/// The web form's defences against bots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormGuard {
    /// A person takes at least this long to fill the form in.
    pub min_fill: Duration,
    /// A form shown longer ago than this is stale (its token is not reused forever).
    pub max_age: Duration,
    /// Submissions one address may make in `window`.
    pub max_per_window: u32,
    pub window: Duration,
}

impl Default for FormGuard {
    fn default() -> Self {
        Self {
            min_fill: Duration::seconds(3),
            max_age: Duration::hours(24),
            max_per_window: 5,
            window: Duration::minutes(10),
        }
    }
}

/// Why a web-form submission is taken for a bot's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BotSign {
    #[error("the hidden field was filled in")]
    Honeypot,
    #[error("the form was sent too soon after it was shown")]
    TooFast,
    #[error("the form was shown too long ago; reload it")]
    Stale,
}

impl FormGuard {
    /// Checks a submission of a form shown at `shown_at`, whose honeypot holds `honeypot`.
    pub fn check(
        &self,
        shown_at: DateTime<Utc>,
        honeypot: &str,
        now: DateTime<Utc>,
    ) -> Result<(), BotSign> {
        if !honeypot.trim().is_empty() {
            return Err(BotSign::Honeypot);
        }
        let age = now - shown_at;
        if age < self.min_fill {
            return Err(BotSign::TooFast);
        }
        if age > self.max_age {
            return Err(BotSign::Stale);
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn validator() -> IntakeValidator {
        IntakeValidator::new(IntakeRules::default()).unwrap()
    }

    fn plumbing() -> IntakeFields<'static> {
        IntakeFields {
            category: "home-services/plumbing",
            title: "Leaking geyser",
            description: "Geyser leaking since this morning, need someone today.",
            country: "ZA",
            region: "Western Cape",
            city: "Cape Town",
            area: "Woodstock",
            budget_min: "1500",
            budget_max: "3000",
            urgency: "immediate",
            name: "Thandi Mokoena",
            email: "thandi@example.co.za",
            phone: "+27821234567",
            ..IntakeFields::default()
        }
    }

    #[test]
    fn a_complete_form_is_listed_scored() {
        let lead = validator().validate(&plumbing(), false).unwrap();
        assert_eq!(lead.category.as_str(), "home-services/plumbing");
        assert_eq!(lead.location.area(), Some("Woodstock"));
        assert_eq!(lead.urgency, Urgency::Immediate);
        assert_eq!(lead.cap.max_buyers(), 3);
        let labels: Vec<&str> = lead
            .score
            .signals()
            .iter()
            .map(|s| s.label.as_str())
            .collect();
        assert!(labels.contains(&"Urgent timeline"), "{labels:?}");
        assert!(labels.contains(&"Complete form"), "{labels:?}");
    }

    #[test]
    fn every_fault_is_named() {
        let bad = IntakeFields {
            email: "not-an-email",
            ..plumbing()
        };
        let errors = validator().validate(&bad, false).unwrap_err();
        assert!(errors.iter().any(|e| e.starts_with("Email")), "{errors:?}");
        let no_category = IntakeFields {
            category: "",
            ..plumbing()
        };
        let errors = validator().validate(&no_category, false).unwrap_err();
        assert_eq!(errors, ["Category: required value is missing"]);
        let no_region = IntakeFields {
            region: "",
            ..plumbing()
        };
        assert!(validator().validate(&no_region, true).is_err());
    }

    #[test]
    fn the_guard_refuses_bots() {
        let guard = FormGuard::default();
        let shown = DateTime::parse_from_rfc3339("2026-01-01T10:00:00Z")
            .unwrap()
            .to_utc();
        let at = |s: i64| shown + Duration::seconds(s);
        assert_eq!(guard.check(shown, "", at(5)), Ok(()));
        assert_eq!(
            guard.check(shown, "http://spam", at(5)),
            Err(BotSign::Honeypot)
        );
        assert_eq!(guard.check(shown, "", at(1)), Err(BotSign::TooFast));
        assert_eq!(guard.check(shown, "", at(90_000)), Err(BotSign::Stale));
    }

    proptest! {
        /// Whatever is typed, intake either lists a lead whose score is in range or names
        /// what is wrong — it never panics.
        #[test]
        fn any_input_is_listed_or_refused(name in ".{0,40}", email in ".{0,40}", city in ".{0,20}", budget in ".{0,12}") {
            let fields = IntakeFields { name: &name, email: &email, city: &city, budget_min: &budget, ..plumbing() };
            match validator().validate(&fields, false) {
                Ok(lead) => prop_assert!(lead.score.score().value() <= 100),
                Err(errors) => prop_assert!(!errors.is_empty()),
            }
        }
    }
}
