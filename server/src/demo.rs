//! `seed-demo`: a demo agent (verified, with credits and preferences), a demo partner and an
//! admin, plus realistic leads drawn from the seeds' own examples ([`DEMO_LEADS`]) and, on
//! request, a few hundred deterministic generated ones (real estate in Mumbai, home services in
//! Cape Town, auto insurance), so every page of the app has something real to show — and, on
//! request too, the demo agent's months of work on leads bought before (the `history` module).
//! Idempotent: users are created once; leads only when the marketplace has none; the history
//! only while the demo agent has no purchases.

mod generated;
mod history;
mod store;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use leadmart_shared::account::Role;
use leadmart_shared::contact::{ContactError, Email, PersonName, PhoneParser};
use leadmart_shared::ids::UserId;
use leadmart_shared::lead::Urgency;
use leadmart_shared::ledger::credit_purchase;
use leadmart_shared::money::Credits;
use leadmart_shared::scoring::{ConsumerFacts, ConsumerRules, Signal, score_consumer};
use leadmart_shared::wire::{AgentPreferencesDto, ServiceAreaDto};
use rust_decimal::Decimal;

use crate::auth::{NewUser, create_user};
use crate::db::Db;
use crate::error::ApiError;
use crate::{ledger, preferences};

/// The demo accounts (printed by `seed-demo`; the README's run command signs in as the agent).
pub const DEMO_AGENT_EMAIL: &str = "agent@demo.leadmart.test";
pub const DEMO_PARTNER_EMAIL: &str = "partner@demo.leadmart.test";
pub const DEMO_ADMIN_EMAIL: &str = "admin@demo.leadmart.test";
pub const DEMO_PASSWORD: &str = "leadmart-demo";
/// Credits the demo agent starts with.
pub const DEMO_AGENT_CREDITS: u32 = 250;
/// Generated leads `serve --seed-demo` and `seed-demo` add by default.
pub const DEFAULT_GENERATED_LEADS: usize = 300;

/// One demo lead, in the seeds' words.
pub struct DemoLead {
    pub category: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub country: &'static str,
    pub region: &'static str,
    pub city: &'static str,
    pub area: &'static str,
    pub postal_code: &'static str,
    pub currency: &'static str,
    pub budget_min: i64,
    pub budget_max: i64,
    pub urgency: &'static str,
    pub score: i32,
    pub exclusive: bool,
    pub contact_name: &'static str,
    pub contact_email: &'static str,
    pub contact_phone: &'static str,
    pub contact_address: &'static str,
    pub listed_hours_ago: i64,
}

/// The demo leads (seed 000's Mumbai flats and insurance, seed 002's Cape Town plumbing).
pub const DEMO_LEADS: &[DemoLead] = &[
    DemoLead {
        category: "real-estate/buy",
        title: "3BHK Apartment",
        description: "Looking for a 3BHK near the metro, pre-approved home loan, wants to move within two weeks.",
        country: "IN",
        region: "Maharashtra",
        city: "Mumbai",
        area: "Andheri West",
        postal_code: "400053",
        currency: "INR",
        budget_min: 9_000_000,
        budget_max: 11_000_000,
        urgency: "immediate",
        score: 95,
        exclusive: true,
        contact_name: "Rajesh Sharma",
        contact_email: "rajesh.sharma@example.in",
        contact_phone: "+919820012345",
        contact_address: "12 Lokhandwala Complex, Andheri West, Mumbai",
        listed_hours_ago: 1,
    },
    DemoLead {
        category: "real-estate/buy",
        title: "2BHK Apartment",
        description: "First home for a young couple; needs parking and a society with a gym.",
        country: "IN",
        region: "Maharashtra",
        city: "Mumbai",
        area: "Powai",
        postal_code: "400076",
        currency: "INR",
        budget_min: 6_000_000,
        budget_max: 8_000_000,
        urgency: "within_month",
        score: 78,
        exclusive: false,
        contact_name: "Priya Nair",
        contact_email: "priya.nair@example.in",
        contact_phone: "+919867054321",
        contact_address: "Hiranandani Gardens, Powai, Mumbai",
        listed_hours_ago: 5,
    },
    DemoLead {
        category: "real-estate/rent",
        title: "1BHK for rent",
        description: "Working professional relocating from Pune, wants a furnished 1BHK.",
        country: "IN",
        region: "Maharashtra",
        city: "Mumbai",
        area: "Bandra West",
        postal_code: "400050",
        currency: "INR",
        budget_min: 40_000,
        budget_max: 55_000,
        urgency: "this_week",
        score: 64,
        exclusive: false,
        contact_name: "Arjun Mehta",
        contact_email: "arjun.mehta@example.in",
        contact_phone: "+919819076543",
        contact_address: "Hill Road, Bandra West, Mumbai",
        listed_hours_ago: 20,
    },
    DemoLead {
        category: "home-services/plumbing",
        title: "Burst geyser pipe",
        description: "Geyser pipe burst in the ceiling, water everywhere; needs a plumber today.",
        country: "ZA",
        region: "Western Cape",
        city: "Cape Town",
        area: "Woodstock",
        postal_code: "7925",
        currency: "ZAR",
        budget_min: 2_000,
        budget_max: 5_000,
        urgency: "immediate",
        score: 88,
        exclusive: false,
        contact_name: "Thandi Mokoena",
        contact_email: "thandi.mokoena@example.co.za",
        contact_phone: "+27821234567",
        contact_address: "45 Albert Road, Woodstock, Cape Town",
        listed_hours_ago: 2,
    },
    DemoLead {
        category: "home-services/electrical",
        title: "DB board upgrade",
        description: "Old distribution board trips constantly; wants a quote for a full upgrade.",
        country: "ZA",
        region: "Western Cape",
        city: "Cape Town",
        area: "Observatory",
        postal_code: "7925",
        currency: "ZAR",
        budget_min: 8_000,
        budget_max: 15_000,
        urgency: "within_month",
        score: 71,
        exclusive: false,
        contact_name: "Pieter van der Merwe",
        contact_email: "pieter.vdm@example.co.za",
        contact_phone: "+27834567890",
        contact_address: "8 Lower Main Road, Observatory, Cape Town",
        listed_hours_ago: 30,
    },
    DemoLead {
        category: "insurance/auto",
        title: "Comprehensive car cover",
        description: "New SUV, wants comprehensive cover with zero depreciation before delivery.",
        country: "IN",
        region: "Maharashtra",
        city: "Mumbai",
        area: "Andheri East",
        postal_code: "400069",
        currency: "INR",
        budget_min: 25_000,
        budget_max: 40_000,
        urgency: "this_week",
        score: 82,
        exclusive: true,
        contact_name: "Sneha Kulkarni",
        contact_email: "sneha.kulkarni@example.in",
        contact_phone: "+919930011223",
        contact_address: "MIDC, Andheri East, Mumbai",
        listed_hours_ago: 4,
    },
    DemoLead {
        category: "insurance/health",
        title: "Family floater health plan",
        description: "Family of four, wants ₹10L cover including parents; comparing three insurers.",
        country: "IN",
        region: "Maharashtra",
        city: "Pune",
        area: "Kothrud",
        postal_code: "411038",
        currency: "INR",
        budget_min: 20_000,
        budget_max: 35_000,
        urgency: "flexible",
        score: 47,
        exclusive: false,
        contact_name: "Vikram Joshi",
        contact_email: "vikram.joshi@example.in",
        contact_phone: "+919822334455",
        contact_address: "Karve Road, Kothrud, Pune",
        listed_hours_ago: 72,
    },
];

/// Intake lead number `n` for `POST /v1/admin/leads` (a leaking geyser in Woodstock, Cape
/// Town: the demo agent serves home services there, so the router matches them), its contact
/// distinct per `n` so no two are duplicates. For demos and tests of the live events.
pub fn woodstock_plumbing_lead(n: u32) -> serde_json::Value {
    serde_json::json!({
        "category": "home-services/plumbing",
        "title": format!("Leaking geyser {n}"),
        "description": "Geyser leaking since this morning, need someone today.",
        "country": "ZA", "region": "Western Cape", "city": "Cape Town", "area": "Woodstock",
        "budgetMin": "1500", "budgetMax": "3000", "urgency": "immediate",
        "name": format!("Thandi Mokoena {n}"),
        "email": format!("thandi{n}@example.co.za"),
        "phone": format!("+2782123{n:04}")
    })
}

/// What a seeding adds besides the demo users and [`DEMO_LEADS`].
#[derive(Debug, Clone, Copy, Default)]
pub struct DemoOptions {
    /// Deterministic generated leads.
    pub generated: usize,
    /// The demo agent's months of history (see the `history` module).
    pub history: bool,
}

/// What one seeding added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    /// Marketplace leads (0 when the marketplace already had leads).
    pub leads: usize,
    /// The history's purchases (0 when none was asked for, or the demo agent had purchases).
    pub history_purchases: usize,
}

/// Demo users and [`DEMO_LEADS`] (no generated leads). Returns how many leads it inserted.
pub async fn seed_demo(db: &Db, now: DateTime<Utc>) -> Result<usize, ApiError> {
    seed_demo_with(db, now, 0).await
}

/// Demo users, [`DEMO_LEADS`] and `generated` deterministic generated leads, no history.
/// Returns how many leads it inserted (0 when the marketplace already had leads).
pub async fn seed_demo_with(
    db: &Db,
    now: DateTime<Utc>,
    generated: usize,
) -> Result<usize, ApiError> {
    let options = DemoOptions {
        generated,
        history: false,
    };
    Ok(seed(db, now, options).await?.leads)
}

/// Demo users, [`DEMO_LEADS`], the generated leads and the history `options` ask for.
pub async fn seed(db: &Db, now: DateTime<Utc>, options: DemoOptions) -> Result<Seeded, ApiError> {
    // With a history, the agent's credits are its monthly top-ups, months ago: a welcome grant
    // dated today would come first in the statement and break its running balance.
    let users = seed_users(db, now, !options.history).await?;
    let leads = seed_leads(db, &users, now, options.generated).await?;
    let history_purchases = if options.history {
        history::seed(db, &users, now).await?
    } else {
        0
    };
    Ok(Seeded {
        leads,
        history_purchases,
    })
}

/// [`DEMO_LEADS`] and `generated` generated leads, unless the marketplace has leads.
async fn seed_leads(
    db: &Db,
    users: &DemoUsers,
    now: DateTime<Utc>,
    generated: usize,
) -> Result<usize, ApiError> {
    if store::lead_count(db).await? > 0 {
        return Ok(0);
    }
    let mut leads: Vec<SeedLead> = DEMO_LEADS.iter().map(SeedLead::from_demo).collect();
    leads.extend(generated::leads(generated, users.partner));
    // Oldest first, so ids grow with listing time as they would in production.
    leads.sort_by_key(|lead| std::cmp::Reverse(lead.listed_hours_ago));
    let mut checks = ContactChecks::default();
    // One transaction: a hundred thousand autocommits would each wait for the disk.
    let mut tx = db.begin_write().await?;
    for lead in &leads {
        checks.check(lead)?;
        store::insert_lead(&mut tx, lead, now).await?;
    }
    tx.commit().await?;
    crate::marketplace::store::backfill_price_bands(db, &crate::MarketConfig::default()).await?;
    crate::uploads::store::backfill_keys(db).await?;
    past_upload(db, users.partner, now).await?;
    Ok(leads.len())
}

/// The demo partner's past upload (before any of their leads was listed): their generated
/// leads, and three rows it rejected.
async fn past_upload(db: &Db, partner: i64, now: DateTime<Utc>) -> Result<(), ApiError> {
    use leadmart_shared::csv_rules::LeadField;
    use leadmart_shared::wire::partner::UploadColumn;
    let column = |header: &str, field| UploadColumn {
        header: header.to_owned(),
        field: Some(field),
    };
    let columns = [
        column("Name", LeadField::FullName),
        column("Email", LeadField::Email),
        column("Phone", LeadField::Phone),
        column("City", LeadField::City),
    ];
    let columns = serde_json::to_string(&columns).map_err(ApiError::corrupt)?;
    let cells = |cells: [&str; 4]| serde_json::to_string(&cells).map_err(ApiError::corrupt);
    let rejected = [
        (
            14,
            cells([
                "Rohit Mehra",
                "rohit.mehra@gmail",
                "+91 98201 44556",
                "Mumbai",
            ])?,
            "invalid_email",
            "Email: not a valid email address",
        ),
        (
            37,
            cells(["Neha Kulkarni", "", "12345", "Pune"])?,
            "invalid_phone,no_contact",
            "Phone: not a valid phone number; an email or a phone number is required",
        ),
        (
            52,
            cells([
                "Rohan Shah",
                "rohan.shah@example.in",
                "+91 98200 11223",
                "Mumbai",
            ])?,
            "duplicate_in_file",
            "duplicate of row 9 (email matches)",
        ),
    ];
    store::insert_past_upload(
        db,
        partner,
        &columns,
        &rejected,
        now - chrono::Duration::days(41),
    )
    .await
}

/// Every demo lead's contact goes through the shared types, as any other lead's does: a
/// generator bug must fail the seed, not list a number no one can call.
#[derive(Default)]
struct ContactChecks {
    parsers: BTreeMap<String, PhoneParser>,
}

impl ContactChecks {
    fn check(&mut self, lead: &SeedLead) -> Result<(), ApiError> {
        let invalid = |what: &str, err: ContactError| {
            ApiError::corrupt(format!("demo lead {:?}: {what}: {err}", lead.title))
        };
        PersonName::parse(&lead.contact_name).map_err(|e| invalid("name", e))?;
        Email::parse(&lead.contact_email).map_err(|e| invalid("email", e))?;
        if !self.parsers.contains_key(&lead.country) {
            let parser = PhoneParser::new(&lead.country).map_err(|e| invalid("country", e))?;
            self.parsers.insert(lead.country.clone(), parser);
        }
        let parsed = self
            .parsers
            .get(&lead.country)
            .map(|parser| parser.parse(&lead.contact_phone))
            .transpose()
            .map_err(|e| invalid("phone", e))?;
        if parsed.is_some_and(|p| p.as_str() != lead.contact_phone) {
            return Err(ApiError::corrupt(format!(
                "demo lead {:?}: phone {} is not in E.164",
                lead.title, lead.contact_phone
            )));
        }
        Ok(())
    }
}

struct DemoUsers {
    agent: i64,
    partner: i64,
    admin: i64,
}

async fn ensure_user(
    db: &Db,
    email: &str,
    name: &str,
    role: Role,
    now: DateTime<Utc>,
) -> Result<(i64, bool), ApiError> {
    if let Some(id) = store::user_id_by_email(db, email).await? {
        return Ok((id, false));
    }
    let user = NewUser {
        email,
        password: DEMO_PASSWORD,
        name,
        role,
        verified: true,
    };
    Ok((create_user(db, user, now).await?, true))
}

/// The demo users, created if missing; a new agent gets [`DEMO_AGENT_CREDITS`] when
/// `welcome_credits` says so.
async fn seed_users(
    db: &Db,
    now: DateTime<Utc>,
    welcome_credits: bool,
) -> Result<DemoUsers, ApiError> {
    let (agent, new_agent) =
        ensure_user(db, DEMO_AGENT_EMAIL, "Asha Deshmukh", Role::Agent, now).await?;
    let (partner, new_partner) = ensure_user(
        db,
        DEMO_PARTNER_EMAIL,
        "Prime Leads Pvt Ltd",
        Role::Partner,
        now,
    )
    .await?;
    let (admin, _) =
        ensure_user(db, DEMO_ADMIN_EMAIL, "Marketplace Admin", Role::Admin, now).await?;
    if new_agent {
        preferences::store::save(db, agent, &demo_preferences()).await?;
        if welcome_credits {
            grant_credits(db, agent, Credits::whole(DEMO_AGENT_CREDITS), now).await?;
        }
    }
    if new_partner {
        // A partner with a high verification pass rate and a large upload history, so demo
        // sales show commission bonuses.
        store::insert_partner_profile(db, partner, Decimal::new(96, 2), 12_000).await?;
    }
    Ok(DemoUsers {
        agent,
        partner,
        admin,
    })
}

/// The demo agent serves all three demo markets.
fn demo_preferences() -> AgentPreferencesDto {
    let area = |country: &str, region: &str, city: &str| ServiceAreaDto {
        country: country.to_owned(),
        region: region.to_owned(),
        city: Some(city.to_owned()),
        area: None,
    };
    AgentPreferencesDto {
        categories: vec![
            "real-estate".to_owned(),
            "home-services".to_owned(),
            "insurance/auto".to_owned(),
        ],
        service_areas: vec![
            area("IN", "Maharashtra", "Mumbai"),
            area("IN", "Maharashtra", "Pune"),
            area("ZA", "Western Cape", "Cape Town"),
        ],
        daily_limit: Some(Decimal::from(200)),
        per_lead_max: Some(Decimal::from(25)),
        confirm_above: Some(Decimal::from(10)),
        category_attributes: BTreeMap::from([(
            "property_type".to_owned(),
            vec!["2BHK".to_owned(), "3BHK".to_owned()],
        )]),
        ..preferences::empty()
    }
}

/// Credits paid through the `dev` provider, recorded like any other settled payment.
pub async fn grant_credits(
    db: &Db,
    user: i64,
    credits: Credits,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let mut tx = db.begin_write().await?;
    grant_credits_in(&mut tx, user, credits, now).await?;
    tx.commit().await?;
    Ok(())
}

/// [`grant_credits`] inside `tx` (the history's top-ups, in its one transaction).
async fn grant_credits_in(
    tx: &mut crate::db::Tx,
    user: i64,
    credits: Credits,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let payment = store::insert_granted_payment(tx, user, credits, now).await?;
    let user = UserId::new(user).map_err(ApiError::corrupt)?;
    let transfer = credit_purchase(user, credits, &format!("payment:{payment}"), false);
    ledger::post(tx, &transfer, now).await
}

/// A lead to insert, whichever list it came from.
struct SeedLead {
    category: String,
    title: String,
    description: String,
    country: String,
    region: String,
    city: String,
    area: String,
    postal_code: String,
    currency: String,
    budget_min: i64,
    budget_max: i64,
    urgency: Urgency,
    score: i32,
    signals: Vec<Signal>,
    exclusive: bool,
    contact_name: String,
    contact_email: String,
    contact_phone: String,
    contact_address: String,
    phone_verified: bool,
    email_verification: &'static str,
    listed_hours_ago: i64,
    attributes: BTreeMap<String, String>,
    partner: Option<i64>,
}

impl SeedLead {
    fn from_demo(lead: &DemoLead) -> Self {
        let urgency = Urgency::parse(lead.urgency).unwrap_or(Urgency::Flexible);
        let phone_verified = lead.score >= 80;
        let facts = ConsumerFacts {
            budget_verified: lead.score >= 70,
            urgency: Some(urgency),
            location_specific: true,
            pre_approved: lead.description.contains("pre-approved"),
            form_complete: true,
            phone_verified,
            email_verified: true,
        };
        let mut signals = score_consumer(&facts, &ConsumerRules::default())
            .signals()
            .to_vec();
        // The hand-picked demo scores are kept: the difference shows as a reviewer's adjustment.
        let computed: i32 = signals.iter().map(|s| s.points).sum();
        if computed != lead.score {
            signals.push(Signal {
                label: "Reviewer adjustment".to_owned(),
                points: lead.score - computed,
            });
        }
        Self {
            category: lead.category.to_owned(),
            title: lead.title.to_owned(),
            description: lead.description.to_owned(),
            country: lead.country.to_owned(),
            region: lead.region.to_owned(),
            city: lead.city.to_owned(),
            area: lead.area.to_owned(),
            postal_code: lead.postal_code.to_owned(),
            currency: lead.currency.to_owned(),
            budget_min: lead.budget_min,
            budget_max: lead.budget_max,
            urgency,
            score: lead.score,
            signals,
            exclusive: lead.exclusive,
            contact_name: lead.contact_name.to_owned(),
            contact_email: lead.contact_email.to_owned(),
            contact_phone: lead.contact_phone.to_owned(),
            contact_address: lead.contact_address.to_owned(),
            phone_verified,
            email_verification: "valid",
            listed_hours_ago: lead.listed_hours_ago,
            attributes: BTreeMap::new(),
            partner: None,
        }
    }
}
