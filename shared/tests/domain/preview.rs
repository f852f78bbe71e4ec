use chrono::{Duration, TimeZone, Utc};
use leadmart_shared::contact::{ContactDetails, Email, PersonName};
use leadmart_shared::freshness::FreshnessConfig;
use leadmart_shared::ids::LeadId;
use leadmart_shared::lead::{
    BuyerCap, Category, Lead, LeadSource, ListingStatus, Location, Urgency, VerificationStatus,
};
use leadmart_shared::pricing::PricingConfig;
use leadmart_shared::scoring::{ConsumerFacts, ConsumerRules, score_consumer};
use leadmart_shared::wire::LeadPreviewDto;
use proptest::prelude::*;
use std::collections::BTreeMap;

const FILLER: &[&str] = &[
    "3BHK",
    "apartment",
    "near",
    "station",
    "budget",
    "flexible",
    "call",
    "mail",
    "me",
    "at",
    "or",
    "ASAP",
];

fn words_of(json: &str) -> Vec<String> {
    json.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

proptest! {
    #[test]
    fn a_preview_never_contains_contact_fields(
        first in "[A-Z][a-z]{2,8}",
        last in "[A-Z][a-z]{2,8}",
        local in "[a-z]{3,10}",
        mobile in "[6-9][0-9]{9}",
        house in "[0-9]{1,3}[A-Z]?",
        street in "[A-Z][a-z]{3,8}",
        picks in proptest::collection::vec(0usize..16, 4..20),
        phone_style in 0usize..3,
    ) {
        let parser = &*crate::INDIA;
        let phone = parser.parse(&mobile);
        prop_assume!(phone.is_ok());
        let email = format!("{local}@example.com");
        let address = format!("{house} {street} Road");
        let written_phone = match phone_style {
            0 => format!("+91 {} {}", &mobile[..5], &mobile[5..]),
            1 => mobile.clone(),
            _ => format!("{}-{}-{}", &mobile[..3], &mobile[3..6], &mobile[6..]),
        };
        // Free text that mixes filler with every contact detail.
        let text: Vec<String> = picks
            .iter()
            .map(|&p| match p {
                12 => format!("{first} {last}"),
                13 => email.to_uppercase(),
                14 => written_phone.clone(),
                15 => address.to_lowercase(),
                other => FILLER[other].to_owned(),
            })
            .collect();
        let text = text.join(" ");
        let contact = ContactDetails::new(
            PersonName::parse(&format!("{first} {last}")).unwrap(),
            Some(Email::parse(&email).unwrap()),
            Some(phone.unwrap()),
            Some(address.clone()),
        )
        .unwrap();
        let now = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).single().unwrap();
        let lead = Lead {
            id: LeadId::new(1).unwrap(),
            category: Category::parse("real-estate/buy").unwrap(),
            attributes: BTreeMap::from([("notes".to_owned(), text.clone())]),
            title: text.clone(),
            description: text,
            location: Location::new("IN", "Maharashtra", "Mumbai", Some("Powai"), None).unwrap(),
            budget: None,
            urgency: Urgency::Immediate,
            contact,
            source: LeadSource::WebForm,
            partner: None,
            created_at: now - Duration::days(1),
            listed_at: Some(now),
            expires_at: None,
            verification: VerificationStatus::Valid,
            phone_verified: true,
            cap: BuyerCap::exclusive(),
            status: ListingStatus::Listed,
            views: 0,
            purchases: 0,
            score: score_consumer(&ConsumerFacts::default(), &ConsumerRules::default()),
        };
        let preview = lead.preview(now, &PricingConfig::default(), &FreshnessConfig::default());
        let json = serde_json::to_string(&preview).unwrap() + &serde_json::to_string(&LeadPreviewDto::from_preview(&preview, "INR")).unwrap();
        let lower = json.to_lowercase();
        prop_assert!(!lower.contains(&email), "email leaked: {json}");
        prop_assert!(!json.contains(&mobile[mobile.len() - 7..]), "phone leaked: {json}");
        let words = words_of(&json);
        // The address as its own words: a street name can also be part of a field name
        // ("Alco" in "postalCode"), which is no leak.
        let address_words = words_of(&address);
        prop_assert!(!words.windows(address_words.len()).any(|w| w == address_words.as_slice()), "address leaked: {json}");
        let (f, l) = (first.to_lowercase(), last.to_lowercase());
        prop_assert!(!words.windows(2).any(|w| w[0] == f && w[1] == l), "name leaked: {json}");
    }
}
