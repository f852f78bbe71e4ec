//! Deterministic generated demo leads: the same seed gives the same marketplace on every run,
//! so screenshots and manual checks are repeatable. Scores come from the shared consumer rules.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use leadmart_shared::contact::PhoneParser;

use leadmart_shared::lead::Urgency;
use leadmart_shared::scoring::{ConsumerFacts, ConsumerRules, score_consumer};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use super::SeedLead;

const SEED: u64 = 0x1EAD_3A27;

const MUMBAI_AREAS: &[(&str, &str)] = &[
    ("Andheri West", "400053"),
    ("Andheri East", "400069"),
    ("Bandra West", "400050"),
    ("Powai", "400076"),
    ("Juhu", "400049"),
    ("Goregaon East", "400063"),
    ("Malad West", "400064"),
    ("Borivali West", "400092"),
    ("Chembur", "400071"),
    ("Worli", "400018"),
    ("Lower Parel", "400013"),
    ("Ghatkopar East", "400077"),
    ("Kandivali East", "400101"),
    ("Santacruz East", "400055"),
];

const CAPE_TOWN_AREAS: &[(&str, &str)] = &[
    ("Woodstock", "7925"),
    ("Observatory", "7925"),
    ("Sea Point", "8005"),
    ("Green Point", "8005"),
    ("Claremont", "7708"),
    ("Rondebosch", "7700"),
    ("Constantia", "7806"),
    ("Gardens", "8001"),
    ("Tamboerskloof", "8001"),
    ("Muizenberg", "7945"),
    ("Bellville", "7530"),
    ("Durbanville", "7550"),
];

const INDIAN_FIRST: &[&str] = &[
    "Aarav", "Vivaan", "Aditya", "Ishaan", "Kabir", "Rohan", "Ananya", "Diya", "Meera", "Kavya",
    "Neha", "Pooja", "Rahul", "Sanjay", "Farah", "Imran", "Tanvi", "Nikhil",
];
const INDIAN_LAST: &[&str] = &[
    "Patil",
    "Iyer",
    "Shah",
    "Gupta",
    "Khan",
    "Desai",
    "Rao",
    "Menon",
    "Joshi",
    "Kapoor",
    "Bhatt",
    "Naik",
    "Fernandes",
    "Pillai",
];
const SA_FIRST: &[&str] = &[
    "Sipho", "Lerato", "Johan", "Annika", "Zanele", "Thabo", "Naledi", "Ruan", "Chantal", "Ayanda",
    "Megan", "Kagiso",
];
const SA_LAST: &[&str] = &[
    "Nkosi",
    "Botha",
    "Dlamini",
    "Pretorius",
    "Naidoo",
    "Jacobs",
    "Mahlangu",
    "Smit",
    "Adams",
    "Khumalo",
];

const URGENCIES: &[Urgency] = &[
    Urgency::Immediate,
    Urgency::ThisWeek,
    Urgency::WithinMonth,
    Urgency::Within3Months,
    Urgency::Flexible,
];

struct Person {
    name: String,
    email: String,
    phone: String,
}

fn indian_person(rng: &mut StdRng, n: usize) -> Person {
    let first = INDIAN_FIRST.choose(rng).copied().unwrap_or("Aarav");
    let last = INDIAN_LAST.choose(rng).copied().unwrap_or("Shah");
    Person {
        name: format!("{first} {last}"),
        email: format!(
            "{}.{}{n}@example.in",
            first.to_lowercase(),
            last.to_lowercase()
        ),
        phone: valid_phone(rng, &INDIA, |rng| {
            // Indian mobiles: +91, then ten digits starting 6–9.
            format!(
                "+91{}{:09}",
                rng.random_range(6..=9),
                rng.random_range(0..1_000_000_000)
            )
        }),
    }
}

static INDIA: LazyLock<Option<PhoneParser>> = LazyLock::new(|| PhoneParser::new("IN").ok());
static SOUTH_AFRICA: LazyLock<Option<PhoneParser>> = LazyLock::new(|| PhoneParser::new("ZA").ok());

/// The first number `draw` makes that the shared parser accepts as valid for its region (most
/// draws are; the numbering plan leaves a few prefixes unallocated). Deterministic for a seed.
fn valid_phone(
    rng: &mut StdRng,
    parser: &LazyLock<Option<PhoneParser>>,
    mut draw: impl FnMut(&mut StdRng) -> String,
) -> String {
    let mut candidate = draw(rng);
    let Some(parser) = parser.as_ref() else {
        return candidate;
    };
    for _ in 0..100 {
        if let Ok(phone) = parser.parse(&candidate) {
            return phone.as_str().to_owned();
        }
        candidate = draw(rng);
    }
    candidate
}

fn sa_person(rng: &mut StdRng, n: usize) -> Person {
    let first = SA_FIRST.choose(rng).copied().unwrap_or("Sipho");
    let last = SA_LAST.choose(rng).copied().unwrap_or("Nkosi");
    Person {
        name: format!("{first} {last}"),
        email: format!(
            "{}.{}{n}@example.co.za",
            first.to_lowercase(),
            last.to_lowercase()
        ),
        phone: valid_phone(rng, &SOUTH_AFRICA, |rng| {
            format!("+2782{:07}", rng.random_range(1_000_000..9_999_999))
        }),
    }
}

/// Rounds a budget to a number people actually say (nearest thousand).
fn round_thousands(value: i64) -> i64 {
    (value / 1_000).max(1) * 1_000
}

/// `count` leads, a third per market; every other partner-supplied when `partner` is given.
pub(super) fn leads(count: usize, partner: i64) -> Vec<SeedLead> {
    let mut rng = StdRng::seed_from_u64(SEED);
    (0..count)
        .map(|n| {
            let mut lead = match n % 3 {
                0 => mumbai_real_estate(&mut rng, n),
                1 => cape_town_home_service(&mut rng, n),
                _ => auto_insurance(&mut rng, n),
            };
            let urgency = URGENCIES
                .choose(&mut rng)
                .copied()
                .unwrap_or(Urgency::Flexible);
            let phone_verified = rng.random_bool(0.6);
            let email_valid = rng.random_bool(0.75);
            let facts = ConsumerFacts {
                budget_verified: rng.random_bool(0.5),
                urgency: Some(urgency),
                location_specific: rng.random_bool(0.8),
                pre_approved: lead
                    .attributes
                    .get("financing")
                    .is_some_and(|f| f == "Pre-approved"),
                form_complete: rng.random_bool(0.7),
                phone_verified,
                email_verified: email_valid,
            };
            let breakdown = score_consumer(&facts, &ConsumerRules::default());
            lead.urgency = urgency;
            lead.score = i32::from(breakdown.score().value());
            lead.signals = breakdown.signals().to_vec();
            lead.phone_verified = phone_verified;
            lead.email_verification = if email_valid { "valid" } else { "catch_all" };
            lead.exclusive = rng.random_bool(0.25);
            // Spread over the last 40 days: fresh, ageing, and a few past their 30-day listing.
            lead.listed_hours_ago = rng.random_range(0..40 * 24);
            lead.partner = (n % 2 == 0).then_some(partner);
            lead
        })
        .collect()
}

/// `text` is the title and the description.
fn base(
    category: &str,
    text: (String, String),
    place: (&str, &str, &str, &str, &str),
    currency: &str,
    budget: (i64, i64),
    person: Person,
    attributes: BTreeMap<String, String>,
) -> SeedLead {
    let (country, region, city, area, postal) = place;
    let (title, description) = text;
    SeedLead {
        category: category.to_owned(),
        title,
        description,
        country: country.to_owned(),
        region: region.to_owned(),
        city: city.to_owned(),
        area: area.to_owned(),
        postal_code: postal.to_owned(),
        currency: currency.to_owned(),
        budget_min: budget.0,
        budget_max: budget.1,
        urgency: Urgency::Flexible,
        score: 1,
        signals: Vec::new(),
        exclusive: false,
        contact_address: format!("{area}, {city}"),
        contact_name: person.name,
        contact_email: person.email,
        contact_phone: person.phone,
        phone_verified: false,
        email_verification: "pending",
        listed_hours_ago: 0,
        attributes,
        partner: None,
    }
}

fn mumbai_real_estate(rng: &mut StdRng, n: usize) -> SeedLead {
    let (area, postal) = MUMBAI_AREAS
        .choose(rng)
        .copied()
        .unwrap_or(("Powai", "400076"));
    let property = ["1BHK", "2BHK", "3BHK", "4BHK", "Villa"]
        .choose(rng)
        .copied()
        .unwrap_or("2BHK");
    let financing = ["Pre-approved", "Loan needed", "Cash"]
        .choose(rng)
        .copied()
        .unwrap_or("Loan needed");
    let renting = rng.random_bool(0.3);
    let (category, title, budget) = if renting {
        let min = round_thousands(rng.random_range(25_000..150_000));
        (
            "real-estate/rent",
            format!("{property} for rent"),
            (min, min + min / 4),
        )
    } else {
        let min = round_thousands(rng.random_range(5_000_000..40_000_000));
        (
            "real-estate/buy",
            format!("{property} Apartment"),
            (min, min + min / 5),
        )
    };
    let description = format!(
        "Looking for a {property} in {area}; {}. Prefers a building with parking and lift.",
        financing.to_lowercase()
    );
    let attributes = BTreeMap::from([
        ("property_type".to_owned(), property.to_owned()),
        ("financing".to_owned(), financing.to_owned()),
    ]);
    let person = indian_person(rng, n);
    base(
        category,
        (title, description),
        ("IN", "Maharashtra", "Mumbai", area, postal),
        "INR",
        budget,
        person,
        attributes,
    )
}

fn cape_town_home_service(rng: &mut StdRng, n: usize) -> SeedLead {
    let (area, postal) = CAPE_TOWN_AREAS
        .choose(rng)
        .copied()
        .unwrap_or(("Woodstock", "7925"));
    let (category, title, job) = [
        (
            "home-services/plumbing",
            "Leaking geyser",
            "geyser leaking through the ceiling",
        ),
        (
            "home-services/plumbing",
            "Blocked drain",
            "kitchen drain blocked for two days",
        ),
        (
            "home-services/electrical",
            "DB board upgrade",
            "old DB board trips every evening",
        ),
        (
            "home-services/electrical",
            "Solar inverter install",
            "wants a 5kW inverter for load shedding",
        ),
        (
            "home-services/painting",
            "Exterior painting",
            "two-storey house exterior repaint",
        ),
        (
            "home-services/roofing",
            "Roof leak repair",
            "roof leaks in winter rain",
        ),
        (
            "home-services/cleaning",
            "Move-out deep clean",
            "three-bedroom flat move-out clean",
        ),
    ]
    .choose(rng)
    .copied()
    .unwrap_or(("home-services/plumbing", "Leaking geyser", "geyser leaking"));
    let property = ["House", "Apartment", "Townhouse"]
        .choose(rng)
        .copied()
        .unwrap_or("House");
    let min = round_thousands(rng.random_range(1_500..40_000));
    let attributes = BTreeMap::from([("property_type".to_owned(), property.to_owned())]);
    let person = sa_person(rng, n);
    base(
        category,
        (
            title.to_owned(),
            format!("{property} in {area}: {job}. Wants a quote this week."),
        ),
        ("ZA", "Western Cape", "Cape Town", area, postal),
        "ZAR",
        (min, min * 2),
        person,
        attributes,
    )
}

fn auto_insurance(rng: &mut StdRng, n: usize) -> SeedLead {
    let (city, area, postal) = [
        ("Mumbai", "Andheri East", "400069"),
        ("Mumbai", "Chembur", "400071"),
        ("Mumbai", "Borivali West", "400092"),
        ("Pune", "Kothrud", "411038"),
        ("Pune", "Baner", "411045"),
    ]
    .choose(rng)
    .copied()
    .unwrap_or(("Mumbai", "Chembur", "400071"));
    let vehicle = ["Hatchback", "Sedan", "SUV", "Two-wheeler"]
        .choose(rng)
        .copied()
        .unwrap_or("Sedan");
    let coverage = ["Comprehensive", "Third-party", "Zero depreciation"]
        .choose(rng)
        .copied()
        .unwrap_or("Comprehensive");
    let min = round_thousands(rng.random_range(6_000..45_000));
    let attributes = BTreeMap::from([
        ("vehicle_type".to_owned(), vehicle.to_owned()),
        ("coverage_type".to_owned(), coverage.to_owned()),
    ]);
    let person = indian_person(rng, n);
    base(
        "insurance/auto",
        (
            format!("{coverage} cover for a {}", vehicle.to_lowercase()),
            format!(
                "Renewal due soon for a {vehicle}; comparing {coverage} quotes from three insurers."
            ),
        ),
        ("IN", "Maharashtra", city, area, postal),
        "INR",
        (min, min + min / 2),
        person,
        attributes,
    )
}
