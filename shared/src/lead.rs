//! The lead: what is being sold, and the two views of it.
//!
//! [`Lead`] is the full record with [`ContactDetails`] and the supplying partner. [`LeadPreview`]
//! is what a buyer sees before buying: it is a different type with no contact and no partner
//! field, and its free text is passed through [`redact_contact_text`] so a phone number typed into
//! a description cannot leak either. Handlers that serialise a preview cannot leak by mistake.

use crate::contact::ContactDetails;
use crate::freshness::{Freshness, FreshnessConfig};
use crate::ids::{LeadId, PartnerId};
use crate::money::{Credits, CurrencyCode, Money};
use crate::normalize::fold;
use crate::pricing::{PriceBands, PriceInput, PricingConfig, price};
use crate::scoring::ScoreBreakdown;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use specta::Type;
use std::collections::BTreeMap;
use std::fmt;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LeadError {
    #[error("not a category slug (like `real-estate/buy`): {0:?}")]
    InvalidCategory(String),
    #[error("a location needs a {0}")]
    MissingPlace(&'static str),
    #[error("not an ISO 3166 alpha-2 country code: {0:?}")]
    InvalidCountry(String),
    #[error("a budget's minimum {min} is above its maximum {max}")]
    InvertedBudget { min: Money, max: Money },
    #[error("unknown {kind}: {value:?}")]
    UnknownValue { kind: &'static str, value: String },
    #[error("a shared lead needs a buyer cap of at least 2, got {0}")]
    InvalidBuyerCap(u32),
}

/// A category slug: `group` or `group/sub`, lower-case letters, digits and inner hyphens
/// (`real-estate/buy`, `home-services/plumbing`, `insurance/auto`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Category(String);

impl Category {
    pub fn parse(raw: &str) -> Result<Self, LeadError> {
        let slug = raw.trim().to_ascii_lowercase();
        let segment_ok = |s: &str| {
            !s.is_empty()
                && !s.starts_with('-')
                && !s.ends_with('-')
                && !s.contains("--")
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        let segments: Vec<&str> = slug.split('/').collect();
        if segments.len() > 2 || !segments.iter().all(|s| segment_ok(s)) {
            return Err(LeadError::InvalidCategory(raw.to_owned()));
        }
        Ok(Self(slug))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The top-level group: `real-estate` for `real-estate/buy`.
    pub fn group(&self) -> &str {
        self.0.split('/').next().unwrap_or(&self.0)
    }

    /// Whether an agent serving `self` serves `lead`: the same category, or `self` is the
    /// whole group (`home-services` covers `home-services/plumbing`).
    pub fn covers(&self, lead: &Category) -> bool {
        self == lead || (!self.0.contains('/') && lead.group() == self.0)
    }
}

string_newtype_conversions!(Category, LeadError, Self::parse);

/// Where the lead is: country (ISO alpha-2), region, city, and optionally area/suburb and postal
/// code. Names keep their spelling for display; comparisons fold case and punctuation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    country: String,
    region: String,
    city: String,
    area: Option<String>,
    postal_code: Option<String>,
}

fn non_empty(value: &str) -> Option<String> {
    let t = value.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

impl Location {
    pub fn new(
        country: &str,
        region: &str,
        city: &str,
        area: Option<&str>,
        postal_code: Option<&str>,
    ) -> Result<Self, LeadError> {
        let country = country.trim().to_ascii_uppercase();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(LeadError::InvalidCountry(country));
        }
        Ok(Self {
            country,
            region: non_empty(region).ok_or(LeadError::MissingPlace("region"))?,
            city: non_empty(city).ok_or(LeadError::MissingPlace("city"))?,
            area: area.and_then(non_empty),
            postal_code: postal_code.and_then(non_empty),
        })
    }

    pub fn country(&self) -> &str {
        &self.country
    }
    pub fn region(&self) -> &str {
        &self.region
    }
    pub fn city(&self) -> &str {
        &self.city
    }
    pub fn area(&self) -> Option<&str> {
        self.area.as_deref()
    }
    pub fn postal_code(&self) -> Option<&str> {
        self.postal_code.as_deref()
    }

    /// "Location specific" in seed 000's score: narrower than a city.
    pub fn is_specific(&self) -> bool {
        self.area.is_some() || self.postal_code.is_some()
    }

    pub fn same_region(&self, country: &str, region: &str) -> bool {
        self.country.eq_ignore_ascii_case(country) && fold(&self.region) == fold(region)
    }
}

/// A budget range in one currency, `min ≤ max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetRange {
    currency: CurrencyCode,
    min: Money,
    max: Money,
}

impl BudgetRange {
    pub fn new(currency: CurrencyCode, min: Money, max: Money) -> Result<Self, LeadError> {
        if min > max {
            return Err(LeadError::InvertedBudget { min, max });
        }
        Ok(Self { currency, min, max })
    }
    pub fn currency(&self) -> CurrencyCode {
        self.currency
    }
    pub fn min(&self) -> Money {
        self.min
    }
    pub fn max(&self) -> Money {
        self.max
    }

    /// Whether two ranges share any amount (a buyer's ₹60L–₹1.5Cr admits a ₹90L–₹1.1Cr lead).
    /// Ranges in different currencies never overlap: no exchange rates in the domain.
    pub fn overlaps(&self, other: &BudgetRange) -> bool {
        self.currency == other.currency && self.min <= other.max && other.min <= self.max
    }
}

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident, $kind:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Type)]
        // Each variant's wire name is its `as_str` text, so serde, the database and the
        // query strings spell it the same way (snake_case would say `within3_months`).
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }

        // By hand: the derive cannot read a `rename` whose text arrives as a macro fragment
        // (it would describe the Rust variant names instead of the wire's).
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(raw: &str) -> Result<Self, LeadError> {
                match raw.trim() {
                    $($text => Ok($name::$variant),)+
                    other => Err(LeadError::UnknownValue { kind: $kind, value: other.to_owned() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(
    /// How soon the customer wants to act. Ordered from most to least urgent.
    Urgency, "urgency" {
        Immediate => "immediate",
        ThisWeek => "this_week",
        WithinMonth => "within_month",
        Within3Months => "within_3_months",
        Flexible => "flexible",
    }
);

impl Urgency {
    /// Reads the spellings CSV files and forms use ("Immediate", "This week", "1 month",
    /// "3 months", "ASAP", "Flexible").
    pub fn parse_loose(raw: &str) -> Result<Self, LeadError> {
        let folded = fold(raw);
        let found = match folded.as_str() {
            "immediate" | "immediately" | "asap" | "urgent" | "now" | "today" => Self::Immediate,
            "this week" | "this_week" | "within a week" | "1 week" | "week" => Self::ThisWeek,
            "within month" | "within a month" | "this month" | "1 month" | "month" => {
                Self::WithinMonth
            }
            "within 3 months" | "3 months" | "1 3 months" | "quarter" => Self::Within3Months,
            "flexible" | "no rush" | "not sure" | "later" => Self::Flexible,
            _ => return Self::parse(&folded.replace(' ', "_")),
        };
        Ok(found)
    }

    /// "Urgent timeline" in seed 000's score.
    pub fn is_urgent(self) -> bool {
        matches!(self, Self::Immediate | Self::ThisWeek)
    }
}

string_enum!(
    /// Exclusive: one buyer. Shared: up to the lead's buyer cap.
    Exclusivity, "exclusivity" {
        Exclusive => "exclusive",
        Shared => "shared",
    }
);

string_enum!(
    /// Where the lead came from. Everything but a partner upload is platform-owned.
    LeadSource, "lead source" {
        PartnerUpload => "partner_upload",
        WebForm => "web_form",
        Api => "api",
        Admin => "admin",
    }
);

impl LeadSource {
    /// Platform-owned leads win dedupe conflicts over partner uploads (seed 001 decision 5).
    pub fn is_platform_owned(self) -> bool {
        self != Self::PartnerUpload
    }
}

string_enum!(
    /// The email verification provider's verdict.
    VerificationStatus, "verification status" {
        Pending => "pending",
        Valid => "valid",
        Invalid => "invalid",
        CatchAll => "catch_all",
        Risky => "risky",
    }
);

string_enum!(
    /// Where a lead is in its life on the marketplace.
    ListingStatus, "listing status" {
        Draft => "draft",
        Listed => "listed",
        SoldOut => "sold_out",
        Expired => "expired",
        Withdrawn => "withdrawn",
    }
);

/// How many buyers may buy a lead: exclusive means one; shared means the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuyerCap {
    exclusivity: Exclusivity,
    max_buyers: u32,
}

impl BuyerCap {
    pub const DEFAULT_SHARED: u32 = 3;

    pub fn exclusive() -> Self {
        Self {
            exclusivity: Exclusivity::Exclusive,
            max_buyers: 1,
        }
    }

    pub fn shared(max_buyers: u32) -> Result<Self, LeadError> {
        if max_buyers < 2 {
            return Err(LeadError::InvalidBuyerCap(max_buyers));
        }
        Ok(Self {
            exclusivity: Exclusivity::Shared,
            max_buyers,
        })
    }

    pub fn exclusivity(self) -> Exclusivity {
        self.exclusivity
    }

    pub fn max_buyers(self) -> u32 {
        self.max_buyers
    }
}

/// The full record. Holds contact details and the partner: never serialise it to a buyer who
/// has not bought it; use [`Lead::preview`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lead {
    pub id: LeadId,
    pub category: Category,
    /// Category-specific attributes (property type, financing, coverage type …).
    pub attributes: BTreeMap<String, String>,
    pub title: String,
    pub description: String,
    pub location: Location,
    pub budget: Option<BudgetRange>,
    pub urgency: Urgency,
    pub contact: ContactDetails,
    pub source: LeadSource,
    pub partner: Option<PartnerId>,
    pub created_at: DateTime<Utc>,
    pub listed_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub verification: VerificationStatus,
    pub phone_verified: bool,
    pub cap: BuyerCap,
    pub status: ListingStatus,
    pub views: u32,
    pub purchases: u32,
    pub score: ScoreBreakdown,
}

/// What a buyer sees before buying: no contact, no partner, no source, redacted text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadPreview {
    pub id: LeadId,
    pub category: Category,
    pub attributes: BTreeMap<String, String>,
    pub title: String,
    pub description: String,
    pub location: Location,
    pub budget: Option<BudgetRange>,
    pub urgency: Urgency,
    pub listed_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub verification: VerificationStatus,
    pub phone_verified: bool,
    pub cap: BuyerCap,
    pub views: u32,
    pub purchases: u32,
    pub score: ScoreBreakdown,
    pub freshness: Freshness,
    pub price: Credits,
}

impl Lead {
    /// Whether a buyer can buy it right now (listed, unexpired, below its cap).
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.status == ListingStatus::Listed
            && self.expires_at.is_none_or(|e| now < e)
            && self.purchases < self.cap.max_buyers()
    }

    pub fn freshness(&self, now: DateTime<Utc>, config: &FreshnessConfig) -> Freshness {
        Freshness::between(self.created_at, now, config)
    }

    /// The price now, in credits.
    pub fn price(
        &self,
        now: DateTime<Utc>,
        pricing: &PricingConfig,
        freshness: &FreshnessConfig,
    ) -> Credits {
        price(&self.price_input(self.freshness(now, freshness)), pricing)
    }

    /// The price over the lead's whole life (three values, two change times): stored with
    /// the lead so SQL can sort and filter by the current price. Equals [`Lead::price`] at
    /// every instant.
    pub fn price_bands(&self, pricing: &PricingConfig, freshness: &FreshnessConfig) -> PriceBands {
        let input = self.price_input(Freshness::at_age_seconds(0, freshness));
        PriceBands::of(&input, self.created_at, pricing, freshness)
    }

    fn price_input(&self, freshness: Freshness) -> PriceInput {
        PriceInput {
            score: self.score.score(),
            freshness,
            exclusivity: self.cap.exclusivity(),
            phone_verified: self.phone_verified,
            email_status: self.verification,
        }
    }

    /// The masked view, priced and aged at `now`.
    pub fn preview(
        &self,
        now: DateTime<Utc>,
        pricing: &PricingConfig,
        freshness: &FreshnessConfig,
    ) -> LeadPreview {
        let redact = |text: &str| redact_contact_text(text, &self.contact);
        LeadPreview {
            id: self.id,
            category: self.category.clone(),
            attributes: self
                .attributes
                .iter()
                .map(|(k, v)| (k.clone(), redact(v)))
                .collect(),
            title: redact(&self.title),
            description: redact(&self.description),
            location: self.location.clone(),
            budget: self.budget,
            urgency: self.urgency,
            listed_at: self.listed_at,
            expires_at: self.expires_at,
            verification: self.verification,
            phone_verified: self.phone_verified,
            cap: self.cap,
            views: self.views,
            purchases: self.purchases,
            score: self.score.clone(),
            freshness: self.freshness(now, freshness),
            price: self.price(now, pricing, freshness),
        }
    }
}

/// What replaces hidden text.
pub const HIDDEN: &str = "[hidden]";

/// Digits in a run (allowing phone punctuation between them) from which a run is treated as a
/// phone number. Seven catches local numbers; budgets written with grouping commas
/// (`90,00,000`) are not runs because a comma ends one.
const PHONE_RUN_DIGITS: usize = 7;

/// Removes contact details from free text: any token with an `@`, any run of
/// [`PHONE_RUN_DIGITS`] or more digits, the contact's name words, and the contact's address.
pub fn redact_contact_text(text: &str, contact: &ContactDetails) -> String {
    let without_address = match &contact.address {
        Some(address) => replace_ignoring_case(text, address),
        None => text.to_owned(),
    };
    let name_words: Vec<String> = fold(contact.name.as_str())
        .split(' ')
        .filter(|w| w.chars().count() >= 2)
        .map(str::to_owned)
        .collect();
    let no_names = redact_words(&without_address, |word| {
        word.contains('@')
            || name_words
                .iter()
                .any(|n| fold(word).split(' ').any(|w| w == n))
    });
    redact_digit_runs(&no_names)
}

fn replace_ignoring_case(text: &str, needle: &str) -> String {
    let needle = needle.trim();
    if needle.is_empty() {
        return text.to_owned();
    }
    let lower_text = text.to_lowercase();
    let lower_needle = needle.to_lowercase();
    // Lower-casing can change byte lengths outside ASCII; fall back to leaving the text alone
    // there (names and digit runs are still redacted).
    if lower_text.len() != text.len() || lower_needle.len() != needle.len() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    for (at, _) in lower_text.match_indices(&lower_needle) {
        if at < rest {
            continue;
        }
        out.push_str(&text[rest..at]);
        out.push_str(HIDDEN);
        rest = at + needle.len();
    }
    out.push_str(&text[rest..]);
    out
}

/// Replaces whitespace-separated words for which `hide` holds.
fn redact_words(text: &str, hide: impl Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            out.push_str(if hide(word) { HIDDEN } else { word });
            word.clear();
        }
    };
    for ch in text.chars() {
        if ch.is_whitespace() {
            flush(&mut word, &mut out);
            out.push(ch);
        } else {
            word.push(ch);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn redact_digit_runs(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit()
            || (chars[i] == '+' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            // Extend over digits and phone punctuation; count digits.
            let mut j = i;
            let mut digits = 0;
            let mut last_digit_end = i;
            while j < chars.len() && (chars[j].is_ascii_digit() || " -.()+/".contains(chars[j])) {
                if chars[j].is_ascii_digit() {
                    digits += 1;
                    last_digit_end = j + 1;
                }
                j += 1;
            }
            if digits >= PHONE_RUN_DIGITS {
                out.push_str(HIDDEN);
            } else {
                out.extend(&chars[i..last_digit_end]);
            }
            i = last_digit_end;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::contact::{Email, PersonName, PhoneE164};

    /// Serde, `as_str` and `parse` must agree, or a value saved by one side reads back as
    /// unknown on the other (preferences once sent `within3_months` to a filter expecting
    /// `within_3_months`).
    fn wire_names_match_text<T>(
        all: &[T],
        as_str: fn(T) -> &'static str,
        parse: fn(&str) -> Result<T, LeadError>,
    ) where
        T: Copy + PartialEq + std::fmt::Debug + Serialize + for<'de> Deserialize<'de>,
    {
        for &value in all {
            let text = as_str(value);
            assert_eq!(
                serde_json::to_string(&value).unwrap(),
                format!("\"{text}\"")
            );
            assert_eq!(
                serde_json::from_str::<T>(&format!("\"{text}\"")).unwrap(),
                value
            );
            assert_eq!(parse(text).unwrap(), value);
        }
    }

    #[test]
    fn every_string_enum_has_one_spelling_on_the_wire_in_storage_and_in_text() {
        wire_names_match_text(Urgency::ALL, Urgency::as_str, Urgency::parse);
        wire_names_match_text(Exclusivity::ALL, Exclusivity::as_str, Exclusivity::parse);
        wire_names_match_text(LeadSource::ALL, LeadSource::as_str, LeadSource::parse);
        wire_names_match_text(
            VerificationStatus::ALL,
            VerificationStatus::as_str,
            VerificationStatus::parse,
        );
        wire_names_match_text(
            ListingStatus::ALL,
            ListingStatus::as_str,
            ListingStatus::parse,
        );
        assert_eq!(Urgency::Within3Months.as_str(), "within_3_months");
    }

    #[test]
    fn categories_are_slugs_and_groups_cover_their_members() {
        let plumbing = Category::parse("Home-Services/Plumbing").unwrap();
        assert_eq!(plumbing.as_str(), "home-services/plumbing");
        assert!(Category::parse("home-services").unwrap().covers(&plumbing));
        assert!(
            !Category::parse("home").unwrap().covers(&plumbing),
            "a prefix of a group is not the group"
        );
        assert!(
            !Category::parse("home-services/electrical")
                .unwrap()
                .covers(&plumbing)
        );
        for bad in ["", "a/b/c", "-x", "x--y", "real estate", "a/"] {
            assert!(Category::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn locations_budgets_and_caps_parse() {
        let l = Location::new("in", "Maharashtra", "Mumbai", Some("Andheri West"), None).unwrap();
        assert_eq!(l.country(), "IN");
        assert!(l.is_specific());
        assert!(Location::new("IND", "MH", "Mumbai", None, None).is_err());
        assert!(Location::new("IN", "MH", "  ", None, None).is_err());
        let lakh = |n: u32| Money::whole(n * 100_000);
        let buyer = BudgetRange::new(CurrencyCode::INR, lakh(60), lakh(150)).unwrap();
        let lead = BudgetRange::new(CurrencyCode::INR, lakh(90), lakh(110)).unwrap();
        assert!(buyer.overlaps(&lead));
        assert!(
            !BudgetRange::new(CurrencyCode::INR, lakh(20), lakh(50))
                .unwrap()
                .overlaps(&lead)
        );
        assert!(BudgetRange::new(CurrencyCode::INR, lakh(2), lakh(1)).is_err());
        assert_eq!(
            BuyerCap::shared(BuyerCap::DEFAULT_SHARED)
                .unwrap()
                .max_buyers(),
            3
        );
        assert!(BuyerCap::shared(1).is_err());
        assert_eq!(BuyerCap::exclusive().max_buyers(), 1);
    }

    #[test]
    fn urgency_reads_loose_spellings() {
        assert_eq!(Urgency::parse_loose("ASAP").unwrap(), Urgency::Immediate);
        assert_eq!(
            Urgency::parse_loose("This Week").unwrap(),
            Urgency::ThisWeek
        );
        assert_eq!(
            Urgency::parse_loose("within_3_months").unwrap(),
            Urgency::Within3Months
        );
        assert!(Urgency::parse_loose("someday maybe").is_err());
        assert!(
            Urgency::Immediate < Urgency::Flexible,
            "ordered most urgent first"
        );
    }

    #[test]
    fn redaction_hides_contact_details_in_free_text() {
        let contact = ContactDetails::new(
            PersonName::parse("Rajesh Kumar").unwrap(),
            Some(Email::parse("rajesh.k@email.com").unwrap()),
            Some(PhoneE164::from_e164("+919876543210").unwrap()),
            Some("Flat 4B, Sea View Rd".into()),
        )
        .unwrap();
        let text = "I'm rajesh, call +91 98765-43210 or mail Rajesh.K@email.com. Live at flat 4b, sea view rd. Budget 90,00,000, 3BHK";
        let red = redact_contact_text(text, &contact);
        assert!(!red.to_lowercase().contains("rajesh"), "{red}");
        assert!(!red.contains("98765"), "{red}");
        assert!(!red.to_lowercase().contains("sea view"), "{red}");
        assert!(
            red.contains("90,00,000") && red.contains("3BHK"),
            "non-contact facts stay: {red}"
        );
    }
}
