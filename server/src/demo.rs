//! `seed-demo`: realistic leads drawn from the seeds' own examples, so a fresh install has a
//! marketplace worth looking at. Idempotent: it does nothing when leads already exist.

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;

use crate::db::{Db, DbDecimal};
use crate::with_pool;

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

/// Inserts [`DEMO_LEADS`] unless the marketplace already has leads. Returns how many it inserted.
pub async fn seed_demo(db: &Db, now: DateTime<Utc>) -> Result<usize, sqlx::Error> {
    let existing: i64 = with_pool!(db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM leads").fetch_one(pool).await?
    });
    if existing > 0 {
        return Ok(0);
    }
    // Oldest first, so ids grow with listing time as they would in production.
    let mut by_age: Vec<&DemoLead> = DEMO_LEADS.iter().collect();
    by_age.sort_by_key(|lead| std::cmp::Reverse(lead.listed_hours_ago));
    for lead in by_age {
        insert_demo_lead(db, lead, now).await?;
    }
    Ok(DEMO_LEADS.len())
}

async fn insert_demo_lead(db: &Db, lead: &DemoLead, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let listed_at = now - Duration::hours(lead.listed_hours_ago);
    let expires_at = listed_at + Duration::days(30);
    let (exclusivity, max_buyers) = if lead.exclusive {
        ("exclusive", 1)
    } else {
        ("shared", 3)
    };
    with_pool!(db, pool => {
        sqlx::query(
            "INSERT INTO leads (category, title, description, country, region, city, area, \
             postal_code, currency, budget_min, budget_max, urgency, score, exclusivity, \
             max_buyers, contact_name, contact_email, contact_phone, contact_address, \
             phone_verified, verification, source, status, created_at, \
             listed_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18, $19, $20, $21, 'admin', 'listed', $22, $22, $23)",
        )
        .bind(lead.category)
        .bind(lead.title)
        .bind(lead.description)
        .bind(lead.country)
        .bind(lead.region)
        .bind(lead.city)
        .bind(lead.area)
        .bind(lead.postal_code)
        .bind(lead.currency)
        .bind(DbDecimal(Decimal::new(lead.budget_min * 100, 2)))
        .bind(DbDecimal(Decimal::new(lead.budget_max * 100, 2)))
        .bind(lead.urgency)
        .bind(lead.score)
        .bind(exclusivity)
        .bind(max_buyers)
        .bind(lead.contact_name)
        .bind(lead.contact_email)
        .bind(lead.contact_phone)
        .bind(lead.contact_address)
        .bind(lead.score >= 80)
        .bind("valid")
        .bind(listed_at)
        .bind(expires_at)
        .execute(pool)
        .await?;
    });
    Ok(())
}
