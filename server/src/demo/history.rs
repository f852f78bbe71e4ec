//! The demo agent's past (`seed-demo --history`, `serve --seed-demo --demo-history`): 36 leads
//! bought over the last five months in the agent's own markets (real estate in Mumbai and Pune,
//! home services in Cape Town, auto insurance), worked through every pipeline stage — calls,
//! emails, WhatsApp messages and SMS in the contact log (with what came of each and the message
//! texts), notes, meetings, quotes, seven won deals with their values and seven lost ones — one
//! refund approved (the number was someone else's) and one denied, and a credit top-up each
//! month before the purchases it pays for. Fourteen of the leads are the demo partner's, so
//! their commissions show on the partner's earnings: most past the holdback, a few still held.
//!
//! Without it a fresh demo opens on empty My Leads, Analytics and Messages pages, which show
//! nothing of what the product does with a lead after it is bought.
//!
//! Everything goes through the product's own code paths, dated in the past: the purchase's
//! rules and effects ([`crate::purchases::buy`]), the pipeline's ([`crate::my_leads::apply`]),
//! the refund request and decision ([`crate::refunds`]), the dev provider's credit grant — so
//! the ledger, commissions, sync log and audit trail agree with what the pages show, as they
//! would after five real months. Only the leads themselves are written as the demo's other
//! leads are. The whole history is one transaction: it is there entirely or not at all, and it
//! is added only while the demo agent has no purchases (so seeding twice adds nothing).
//!
//! Deterministic: the same script on every run, dated relative to the seeding's day.
//!
//! The purchases, stage moves and refund decisions raise live events as they would have then;
//! the history removes them before it commits. An event is a nudge about a change happening
//! now (the app refetches what it names): months-old `lead.purchased` and `credits.*` events
//! replayed to an app resuming with an older `Last-Event-ID`, or read live by a server already
//! running on the database, would be news about nothing.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use leadmart_shared::contact::{ContactDetails, Email, PersonName, PhoneE164};
use leadmart_shared::dedupe::{DedupeKeys, KeyKind};
use leadmart_shared::lead::Urgency;
use leadmart_shared::money::{Credits, group_en_in};
use leadmart_shared::pipeline::{ContactChannel, ContactOutcome, PipelineStage};
use leadmart_shared::refund::{Attempt, RefundReason, guard, refund_deadline};
use leadmart_shared::scoring::{ConsumerFacts, ConsumerRules, score_consumer};
use leadmart_shared::wire::RefundDecision;
use leadmart_shared::wire::sync::LeadChange;
use rust_decimal::Decimal;

use super::{ContactChecks, DemoUsers, SeedLead, store};
use crate::db::{Db, Tx};
use crate::error::ApiError;
use crate::purchases::{self, Bought};
use crate::uploads::store::{key_hex, key_owners};
use crate::{AppState, MarketConfig, my_leads, refunds};

/// The agent's name, as their messages sign it.
const AGENT: &str = "Asha";

/// What is known about the customer, as the shared consumer score reads it.
#[derive(Clone, Copy)]
enum Quality {
    /// Budget verified, specific location, complete form, phone and email verified.
    Hot,
    /// Specific location, complete form, phone and email verified.
    Warm,
    /// A specific location and a verified email, nothing more.
    Cool,
}

/// How it went after the purchase.
#[derive(Clone, Copy)]
enum Ending {
    /// Bought, not worked yet.
    New,
    /// Tried on every channel, never reached.
    NoReply,
    /// Reached; the next step is the customer's.
    Reached,
    Meeting,
    /// `amount` in the lead's currency.
    Quoted {
        amount: i64,
    },
    /// Quoted `quote`, won `deal` (the agent's revenue: a sale's brokerage, a month's rent, the
    /// job, the premium) `after` days after the purchase.
    Won {
        quote: i64,
        deal: i64,
        after: i64,
    },
    /// Reached, then lost `after` days after the purchase.
    Lost {
        why: &'static str,
        after: i64,
    },
    /// The number was someone else's: refund asked and approved.
    WrongNumber,
    /// Reached but too late: lost, refund asked and denied.
    RefundDenied,
}

/// One lead of the history: as listed, when bought, and how it went.
struct Past {
    /// Bought this many days before the seeding's day (UTC), at this time of day (UTC, within
    /// the customer's working hours).
    days_ago: i64,
    at: (i64, i64),
    /// Minutes it was listed before it was bought.
    listed_for: i64,
    category: &'static str,
    title: &'static str,
    description: &'static str,
    city: &'static str,
    area: &'static str,
    postal_code: &'static str,
    budget: (i64, i64),
    urgency: Urgency,
    quality: Quality,
    exclusive: bool,
    /// Supplied by the demo partner.
    partner: bool,
    name: &'static str,
    email: &'static str,
    phone: &'static str,
    address: &'static str,
    attributes: &'static [(&'static str, &'static str)],
    ending: Ending,
}

/// Top-ups: days before the seeding's day, and credits (the sizes of the credit packages).
const TOP_UPS: &[(i64, u32)] = &[(150, 100), (120, 100), (90, 100), (60, 50), (30, 250)];

/// Oldest first. Every lead bought in the last 30 days is exclusive, so none of them is still
/// listed (a shared one would wait in the feed for two more buyers, the demo agent included).
const PAST: &[Past] = &[
    Past {
        days_ago: 145,
        at: (4, 50),
        listed_for: 95,
        category: "real-estate/buy",
        title: "2BHK Apartment",
        description: "Wants a 2BHK near the Western Express Highway for a family of four; home loan in process.",
        city: "Mumbai",
        area: "Goregaon East",
        postal_code: "400063",
        budget: (8_500_000, 10_000_000),
        urgency: Urgency::WithinMonth,
        quality: Quality::Warm,
        exclusive: false,
        partner: true,
        name: "Karan Malhotra",
        email: "karan.malhotra@example.in",
        phone: "+919821456702",
        address: "B-702 Oberoi Splendor, JVLR, Goregaon East, Mumbai",
        attributes: &[("property_type", "2BHK"), ("financing", "Loan needed")],
        ending: Ending::Lost {
            why: "Booked directly with the builder at a launch offer; no brokerage.",
            after: 9,
        },
    },
    Past {
        days_ago: 142,
        at: (7, 20),
        listed_for: 35,
        category: "home-services/plumbing",
        title: "Burst geyser",
        description: "Geyser burst overnight, water through the ceiling; the insurer wants a plumber's report.",
        city: "Cape Town",
        area: "Claremont",
        postal_code: "7708",
        budget: (3_000, 6_000),
        urgency: Urgency::Immediate,
        quality: Quality::Hot,
        exclusive: true,
        partner: false,
        name: "Bongani Zulu",
        email: "bongani.zulu@example.co.za",
        phone: "+27834412097",
        address: "17 Main Road, Claremont, Cape Town",
        attributes: &[("property_type", "House")],
        ending: Ending::Won {
            quote: 4_200,
            deal: 4_200,
            after: 2,
        },
    },
    Past {
        days_ago: 138,
        at: (5, 10),
        listed_for: 240,
        category: "real-estate/buy",
        title: "3BHK Apartment",
        description: "Relocating from Bengaluru; pre-approved loan, wants a 3BHK within walking distance of the metro.",
        city: "Mumbai",
        area: "Andheri West",
        postal_code: "400053",
        budget: (11_000_000, 13_000_000),
        urgency: Urgency::ThisWeek,
        quality: Quality::Hot,
        exclusive: true,
        partner: true,
        name: "Meera Venkatesh",
        email: "meera.venkatesh@example.in",
        phone: "+919833407615",
        address: "Flat 1104, Versova Heights, Four Bungalows, Andheri West, Mumbai",
        attributes: &[("property_type", "3BHK"), ("financing", "Pre-approved")],
        ending: Ending::Won {
            quote: 12_000_000,
            deal: 120_000,
            after: 46,
        },
    },
    Past {
        days_ago: 133,
        at: (6, 0),
        listed_for: 180,
        category: "insurance/auto",
        title: "Comprehensive cover for a sedan",
        description: "Renewal due next month for a 2021 sedan; wants a lower premium than last year.",
        city: "Pune",
        area: "Baner",
        postal_code: "411045",
        budget: (12_000, 18_000),
        urgency: Urgency::WithinMonth,
        quality: Quality::Cool,
        exclusive: false,
        partner: true,
        name: "Abhishek Kulkarni",
        email: "abhishek.kulkarni@example.in",
        phone: "+919890213344",
        address: "Baner Road, Baner, Pune",
        attributes: &[
            ("vehicle_type", "Sedan"),
            ("coverage_type", "Comprehensive"),
        ],
        ending: Ending::NoReply,
    },
    Past {
        days_ago: 128,
        at: (8, 15),
        listed_for: 60,
        category: "home-services/painting",
        title: "Exterior painting",
        description: "Two-storey house near the promenade; salt has stripped the paint on the sea-facing walls.",
        city: "Cape Town",
        area: "Sea Point",
        postal_code: "8005",
        budget: (25_000, 45_000),
        urgency: Urgency::WithinMonth,
        quality: Quality::Warm,
        exclusive: false,
        partner: false,
        name: "Liezl du Plessis",
        email: "liezl.duplessis@example.co.za",
        phone: "+27726603184",
        address: "9 Beach Road, Sea Point, Cape Town",
        attributes: &[("property_type", "House")],
        ending: Ending::Lost {
            why: "Went with a cheaper quote from a neighbour's painter.",
            after: 6,
        },
    },
    Past {
        days_ago: 121,
        at: (4, 30),
        listed_for: 45,
        category: "insurance/auto",
        title: "Zero depreciation cover for an SUV",
        description: "New SUV delivered last week; wants zero depreciation and engine protection.",
        city: "Mumbai",
        area: "Chembur",
        postal_code: "400071",
        budget: (25_000, 35_000),
        urgency: Urgency::Immediate,
        quality: Quality::Hot,
        exclusive: true,
        partner: false,
        name: "Farhan Qureshi",
        email: "farhan.qureshi@example.in",
        phone: "+919867331208",
        address: "Sion-Trombay Road, Chembur, Mumbai",
        attributes: &[
            ("vehicle_type", "SUV"),
            ("coverage_type", "Zero depreciation"),
        ],
        ending: Ending::Won {
            quote: 28_400,
            deal: 28_400,
            after: 3,
        },
    },
    Past {
        days_ago: 117,
        at: (6, 40),
        listed_for: 150,
        category: "real-estate/rent",
        title: "2BHK for rent",
        description: "IT professional moving from Hyderabad; wants a furnished 2BHK near Hiranandani.",
        city: "Mumbai",
        area: "Powai",
        postal_code: "400076",
        budget: (55_000, 70_000),
        urgency: Urgency::ThisWeek,
        quality: Quality::Warm,
        exclusive: false,
        partner: true,
        name: "Sneha Reddy",
        email: "sneha.reddy@example.in",
        phone: "+919920145587",
        address: "Hiranandani Gardens, Powai, Mumbai",
        attributes: &[("property_type", "2BHK")],
        ending: Ending::Lost {
            why: "Found a flat through a colleague before our second visit.",
            after: 5,
        },
    },
    Past {
        days_ago: 110,
        at: (5, 5),
        listed_for: 30,
        category: "insurance/auto",
        title: "Comprehensive cover for a hatchback",
        description: "Policy expires this week; wants comprehensive cover with roadside assistance.",
        city: "Mumbai",
        area: "Andheri East",
        postal_code: "400069",
        budget: (8_000, 12_000),
        urgency: Urgency::ThisWeek,
        quality: Quality::Warm,
        exclusive: false,
        partner: false,
        name: "Rohit Bhosale",
        email: "rohit.bhosale@example.in",
        phone: "+919769402215",
        address: "Chakala, Andheri East, Mumbai",
        attributes: &[
            ("vehicle_type", "Hatchback"),
            ("coverage_type", "Comprehensive"),
        ],
        ending: Ending::RefundDenied,
    },
    Past {
        days_ago: 104,
        at: (7, 0),
        listed_for: 120,
        category: "real-estate/rent",
        title: "2BHK for rent",
        description: "Couple with a dog; wants a pet-friendly 2BHK near Carter Road from the 1st.",
        city: "Mumbai",
        area: "Bandra West",
        postal_code: "400050",
        budget: (80_000, 95_000),
        urgency: Urgency::WithinMonth,
        quality: Quality::Hot,
        exclusive: true,
        partner: false,
        name: "Aisha Siddiqui",
        email: "aisha.siddiqui@example.in",
        phone: "+919819627430",
        address: "Carter Road, Bandra West, Mumbai",
        attributes: &[("property_type", "2BHK")],
        ending: Ending::Won {
            quote: 88_000,
            deal: 88_000,
            after: 8,
        },
    },
    Past {
        days_ago: 99,
        at: (5, 45),
        listed_for: 200,
        category: "real-estate/buy",
        title: "2BHK Apartment",
        description: "Retired couple downsizing; wants a 2BHK with a lift near Karve Road.",
        city: "Pune",
        area: "Kothrud",
        postal_code: "411038",
        budget: (7_500_000, 9_000_000),
        urgency: Urgency::Within3Months,
        quality: Quality::Warm,
        exclusive: false,
        partner: true,
        name: "Prakash Gokhale",
        email: "prakash.gokhale@example.in",
        phone: "+919823074451",
        address: "Paud Road, Kothrud, Pune",
        attributes: &[("property_type", "2BHK"), ("financing", "Cash")],
        ending: Ending::Reached,
    },
    Past {
        days_ago: 95,
        at: (9, 30),
        listed_for: 80,
        category: "home-services/roofing",
        title: "Roof leak repair",
        description: "Roof leaks over the kitchen every time it rains; wants it fixed before winter.",
        city: "Cape Town",
        area: "Muizenberg",
        postal_code: "7945",
        budget: (6_000, 12_000),
        urgency: Urgency::ThisWeek,
        quality: Quality::Warm,
        exclusive: false,
        partner: false,
        name: "Craig Williams",
        email: "craig.williams@example.co.za",
        phone: "+27837205519",
        address: "24 Atlantic Road, Muizenberg, Cape Town",
        attributes: &[("property_type", "House")],
        ending: Ending::Lost {
            why: "Their home insurer sent its own contractor.",
            after: 4,
        },
    },
    Past {
        days_ago: 90,
        at: (4, 40),
        listed_for: 300,
        category: "real-estate/buy",
        title: "3BHK Apartment",
        description: "Sea-facing 3BHK for a family moving back from Dubai; cash buyer.",
        city: "Mumbai",
        area: "Worli",
        postal_code: "400018",
        budget: (45_000_000, 55_000_000),
        urgency: Urgency::Within3Months,
        quality: Quality::Hot,
        exclusive: false,
        partner: false,
        name: "Vikrant Oberoi",
        email: "vikrant.oberoi@example.in",
        phone: "+919821930066",
        address: "Dr Annie Besant Road, Worli, Mumbai",
        attributes: &[("property_type", "3BHK"), ("financing", "Cash")],
        ending: Ending::Quoted { amount: 49_500_000 },
    },
    Past {
        days_ago: 86,
        at: (8, 0),
        listed_for: 40,
        category: "home-services/electrical",
        title: "DB board upgrade",
        description: "Old DB board trips whenever the kettle and the geyser run together; needs a compliance certificate too.",
        city: "Cape Town",
        area: "Observatory",
        postal_code: "7925",
        budget: (10_000, 18_000),
        urgency: Urgency::WithinMonth,
        quality: Quality::Hot,
        exclusive: true,
        partner: true,
        name: "Sizwe Ndlovu",
        email: "sizwe.ndlovu@example.co.za",
        phone: "+27764418820",
        address: "31 Station Road, Observatory, Cape Town",
        attributes: &[("property_type", "House")],
        ending: Ending::Won {
            quote: 16_500,
            deal: 16_500,
            after: 6,
        },
    },
    Past {
        days_ago: 80,
        at: (5, 20),
        listed_for: 110,
        category: "real-estate/buy",
        title: "3BHK Apartment",
        description: "Young family upgrading from a 2BHK; wants a gated society near a good school.",
        city: "Pune",
        area: "Baner",
        postal_code: "411045",
        budget: (12_000_000, 15_000_000),
        urgency: Urgency::Within3Months,
        quality: Quality::Hot,
        exclusive: false,
        partner: false,
        name: "Nikita Jain",
        email: "nikita.jain@example.in",
        phone: "+919881256703",
        address: "Baner-Pashan Link Road, Baner, Pune",
        attributes: &[("property_type", "3BHK"), ("financing", "Pre-approved")],
        ending: Ending::Meeting,
    },
    Past {
        days_ago: 75,
        at: (6, 10),
        listed_for: 25,
        category: "real-estate/buy",
        title: "2BHK Apartment",
        description: "Wants a 2BHK near the Hinjewadi IT park, possession within six months.",
        city: "Pune",
        area: "Wakad",
        postal_code: "411057",
        budget: (6_000_000, 7_500_000),
        urgency: Urgency::WithinMonth,
        quality: Quality::Cool,
        exclusive: false,
        partner: true,
        name: "Ramesh Pawar",
        email: "ramesh.pawar@example.in",
        phone: "+919765540912",
        address: "Datta Mandir Road, Wakad, Pune",
        attributes: &[("property_type", "2BHK"), ("financing", "Loan needed")],
        ending: Ending::WrongNumber,
    },
    Past {
        days_ago: 70,
        at: (4, 55),
        listed_for: 70,
        category: "insurance/auto",
        title: "Third-party cover for a two-wheeler",
        description: "Scooter insurance lapsed last month; wants the cheapest valid cover.",
        city: "Mumbai",
        area: "Borivali West",
        postal_code: "400092",
        budget: (1_000, 2_500),
        urgency: Urgency::Immediate,
        quality: Quality::Cool,
        exclusive: false,
        partner: false,
        name: "Yash Thakkar",
        email: "yash.thakkar@example.in",
        phone: "+919930286614",
        address: "LT Road, Borivali West, Mumbai",
        attributes: &[
            ("vehicle_type", "Two-wheeler"),
            ("coverage_type", "Third-party"),
        ],
        ending: Ending::Lost {
            why: "Bought a policy directly in an insurer's app.",
            after: 1,
        },
    },
    Past {
        days_ago: 64,
        at: (5, 35),
        listed_for: 90,
        category: "real-estate/buy",
        title: "2BHK Apartment",
        description: "Pre-approved loan; wants a ready-to-move 2BHK close to the airport.",
        city: "Pune",
        area: "Viman Nagar",
        postal_code: "411014",
        budget: (7_000_000, 8_500_000),
        urgency: Urgency::ThisWeek,
        quality: Quality::Hot,
        exclusive: true,
        partner: true,
        name: "Ritu Agarwal",
        email: "ritu.agarwal@example.in",
        phone: "+919822561139",
        address: "Nagar Road, Viman Nagar, Pune",
        attributes: &[("property_type", "2BHK"), ("financing", "Pre-approved")],
        ending: Ending::Won {
            quote: 7_800_000,
            deal: 78_000,
            after: 24,
        },
    },
    Past {
        days_ago: 60,
        at: (10, 10),
        listed_for: 50,
        category: "home-services/cleaning",
        title: "Move-out deep clean",
        description: "Two-bedroom flat, the tenants leave on the 30th; needs a deep clean before the deposit inspection.",
        city: "Cape Town",
        area: "Gardens",
        postal_code: "8001",
        budget: (1_800, 3_000),
        urgency: Urgency::ThisWeek,
        quality: Quality::Cool,
        exclusive: false,
        partner: false,
        name: "Nomvula Khoza",
        email: "nomvula.khoza@example.co.za",
        phone: "+27728830417",
        address: "12 Kloof Street, Gardens, Cape Town",
        attributes: &[("property_type", "Apartment")],
        ending: Ending::NoReply,
    },
    Past {
        days_ago: 56,
        at: (8, 45),
        listed_for: 130,
        category: "home-services/electrical",
        title: "Solar inverter install",
        description: "Wants a 5kW inverter with batteries for load shedding; the roof faces north.",
        city: "Cape Town",
        area: "Durbanville",
        postal_code: "7550",
        budget: (60_000, 95_000),
        urgency: Urgency::WithinMonth,
        quality: Quality::Hot,
        exclusive: false,
        partner: true,
        name: "Johan Steyn",
        email: "johan.steyn@example.co.za",
        phone: "+27836674021",
        address: "8 Wellington Road, Durbanville, Cape Town",
        attributes: &[("property_type", "House")],
        ending: Ending::Meeting,
    },
    Past {
        days_ago: 52,
        at: (5, 0),
        listed_for: 160,
        category: "real-estate/buy",
        title: "2BHK Apartment",
        description: "First home; needs a 2BHK under ₹1Cr near Malad station, loan to be arranged.",
        city: "Mumbai",
        area: "Malad West",
        postal_code: "400064",
        budget: (8_000_000, 9_500_000),
        urgency: Urgency::WithinMonth,
        quality: Quality::Warm,
        exclusive: false,
        partner: false,
        name: "Deepak Chauhan",
        email: "deepak.chauhan@example.in",
        phone: "+919004317726",
        address: "Marve Road, Malad West, Mumbai",
        attributes: &[("property_type", "2BHK"), ("financing", "Loan needed")],
        ending: Ending::Lost {
            why: "The bank sanctioned less than they needed; the purchase is shelved for a year.",
            after: 12,
        },
    },
    Past {
        days_ago: 48,
        at: (6, 25),
        listed_for: 55,
        category: "insurance/auto",
        title: "Comprehensive cover for a sedan",
        description: "Switching insurers after a slow claim last year; wants cashless garages nearby.",
        city: "Pune",
        area: "Kothrud",
        postal_code: "411038",
        budget: (14_000, 20_000),
        urgency: Urgency::ThisWeek,
        quality: Quality::Warm,
        exclusive: false,
        partner: false,
        name: "Gauri Deshpande",
        email: "gauri.deshpande@example.in",
        phone: "+919850627718",
        address: "Karve Nagar, Kothrud, Pune",
        attributes: &[
            ("vehicle_type", "Sedan"),
            ("coverage_type", "Comprehensive"),
        ],
        ending: Ending::Quoted { amount: 16_900 },
    },
    Past {
        days_ago: 44,
        at: (7, 35),
        listed_for: 75,
        category: "real-estate/rent",
        title: "3BHK for rent",
        description: "Film producer wants a 3BHK near the beach on an eleven-month licence.",
        city: "Mumbai",
        area: "Juhu",
        postal_code: "400049",
        budget: (150_000, 200_000),
        urgency: Urgency::WithinMonth,
        quality: Quality::Warm,
        exclusive: false,
        partner: true,
        name: "Tanya Mehrotra",
        email: "tanya.mehrotra@example.in",
        phone: "+919820748830",
        address: "Juhu Tara Road, Juhu, Mumbai",
        attributes: &[("property_type", "3BHK")],
        ending: Ending::Reached,
    },
    Past {
        days_ago: 40,
        at: (9, 5),
        listed_for: 30,
        category: "home-services/plumbing",
        title: "Blocked drain",
        description: "Kitchen drain blocked for three days; the store-bought cleaner did nothing.",
        city: "Cape Town",
        area: "Rondebosch",
        postal_code: "7700",
        budget: (1_200, 2_500),
        urgency: Urgency::Immediate,
        quality: Quality::Warm,
        exclusive: false,
        partner: false,
        name: "Ayesha Davids",
        email: "ayesha.davids@example.co.za",
        phone: "+27845521906",
        address: "5 Belmont Road, Rondebosch, Cape Town",
        attributes: &[("property_type", "House")],
        ending: Ending::Won {
            quote: 1_950,
            deal: 1_950,
            after: 2,
        },
    },
    Past {
        days_ago: 33,
        at: (4, 45),
        listed_for: 100,
        category: "real-estate/buy",
        title: "2BHK Apartment",
        description: "Wants a 2BHK near the monorail for her parents; the budget is fixed.",
        city: "Mumbai",
        area: "Chembur",
        postal_code: "400071",
        budget: (12_000_000, 14_000_000),
        urgency: Urgency::WithinMonth,
        quality: Quality::Hot,
        exclusive: false,
        partner: false,
        name: "Lakshmi Subramanian",
        email: "lakshmi.subramanian@example.in",
        phone: "+919819540083",
        address: "Chembur Camp, Chembur, Mumbai",
        attributes: &[("property_type", "2BHK"), ("financing", "Loan needed")],
        ending: Ending::Meeting,
    },
    Past {
        days_ago: 30,
        at: (8, 30),
        listed_for: 45,
        category: "home-services/roofing",
        title: "Roof leak repair",
        description: "Thatched roof needs re-ridging and a leak fixed above the lounge.",
        city: "Cape Town",
        area: "Constantia",
        postal_code: "7806",
        budget: (20_000, 40_000),
        urgency: Urgency::WithinMonth,
        quality: Quality::Hot,
        exclusive: true,
        partner: true,
        name: "Pieter Joubert",
        email: "pieter.joubert@example.co.za",
        phone: "+27835519034",
        address: "3 Spaanschemat River Road, Constantia, Cape Town",
        attributes: &[("property_type", "House")],
        ending: Ending::Quoted { amount: 32_000 },
    },
    Past {
        days_ago: 26,
        at: (5, 50),
        listed_for: 35,
        category: "insurance/auto",
        title: "Comprehensive cover for a hatchback",
        description: "First car, bought second-hand; wants comprehensive cover at a fair premium.",
        city: "Mumbai",
        area: "Andheri East",
        postal_code: "400069",
        budget: (7_000, 11_000),
        urgency: Urgency::ThisWeek,
        quality: Quality::Warm,
        exclusive: true,
        partner: false,
        name: "Pooja Nambiar",
        email: "pooja.nambiar@example.in",
        phone: "+919702218845",
        address: "Marol, Andheri East, Mumbai",
        attributes: &[
            ("vehicle_type", "Hatchback"),
            ("coverage_type", "Comprehensive"),
        ],
        ending: Ending::NoReply,
    },
    Past {
        days_ago: 22,
        at: (6, 55),
        listed_for: 65,
        category: "real-estate/rent",
        title: "2BHK for rent",
        description: "Two consultants sharing; want a 2BHK near the office towers with a 24-hour gym.",
        city: "Mumbai",
        area: "Lower Parel",
        postal_code: "400013",
        budget: (90_000, 120_000),
        urgency: Urgency::ThisWeek,
        quality: Quality::Hot,
        exclusive: true,
        partner: false,
        name: "Arnav Bhatia",
        email: "arnav.bhatia@example.in",
        phone: "+919833615520",
        address: "Senapati Bapat Marg, Lower Parel, Mumbai",
        attributes: &[("property_type", "2BHK")],
        ending: Ending::Meeting,
    },
    Past {
        days_ago: 20,
        at: (4, 35),
        listed_for: 140,
        category: "real-estate/buy",
        title: "3BHK Apartment",
        description: "Pre-approved loan; wants a lake-view 3BHK with possession before the school year.",
        city: "Mumbai",
        area: "Powai",
        postal_code: "400076",
        budget: (20_000_000, 25_000_000),
        urgency: Urgency::WithinMonth,
        quality: Quality::Hot,
        exclusive: true,
        partner: false,
        name: "Kunal Saxena",
        email: "kunal.saxena@example.in",
        phone: "+919867702143",
        address: "Lake Homes, Powai, Mumbai",
        attributes: &[("property_type", "3BHK"), ("financing", "Pre-approved")],
        ending: Ending::Quoted { amount: 22_800_000 },
    },
    Past {
        days_ago: 15,
        at: (5, 15),
        listed_for: 50,
        category: "insurance/auto",
        title: "Zero depreciation cover for an SUV",
        description: "Renewal for a two-year-old SUV; wants zero depreciation and a return-to-invoice add-on.",
        city: "Pune",
        area: "Wakad",
        postal_code: "411057",
        budget: (22_000, 30_000),
        urgency: Urgency::ThisWeek,
        quality: Quality::Hot,
        exclusive: true,
        partner: false,
        name: "Omkar Jadhav",
        email: "omkar.jadhav@example.in",
        phone: "+919922054386",
        address: "Bhumkar Chowk, Wakad, Pune",
        attributes: &[
            ("vehicle_type", "SUV"),
            ("coverage_type", "Zero depreciation"),
        ],
        ending: Ending::Meeting,
    },
    Past {
        days_ago: 12,
        at: (9, 20),
        listed_for: 40,
        category: "home-services/electrical",
        title: "DB board upgrade",
        description: "Buying a flat, and the bank needs an electrical compliance certificate before transfer.",
        city: "Cape Town",
        area: "Green Point",
        postal_code: "8005",
        budget: (6_000, 12_000),
        urgency: Urgency::ThisWeek,
        quality: Quality::Hot,
        exclusive: true,
        partner: true,
        name: "Megan Fortuin",
        email: "megan.fortuin@example.co.za",
        phone: "+27731146625",
        address: "22 Somerset Road, Green Point, Cape Town",
        attributes: &[("property_type", "Apartment")],
        ending: Ending::Quoted { amount: 9_800 },
    },
    Past {
        days_ago: 9,
        at: (6, 5),
        listed_for: 85,
        category: "real-estate/buy",
        title: "2BHK Apartment",
        description: "Wants a 2BHK near the Kalina campus; flexible on the floor, not on parking.",
        city: "Mumbai",
        area: "Santacruz East",
        postal_code: "400055",
        budget: (13_000_000, 15_000_000),
        urgency: Urgency::Within3Months,
        quality: Quality::Warm,
        exclusive: true,
        partner: true,
        name: "Harsh Vora",
        email: "harsh.vora@example.in",
        phone: "+919769935501",
        address: "Kalina, Santacruz East, Mumbai",
        attributes: &[("property_type", "2BHK"), ("financing", "Loan needed")],
        ending: Ending::New,
    },
    Past {
        days_ago: 6,
        at: (8, 40),
        listed_for: 30,
        category: "home-services/plumbing",
        title: "Leaking geyser",
        description: "Geyser dripping from the overflow pipe since the weekend.",
        city: "Cape Town",
        area: "Woodstock",
        postal_code: "7925",
        budget: (1_500, 3_500),
        urgency: Urgency::Immediate,
        quality: Quality::Hot,
        exclusive: true,
        partner: false,
        name: "Kyle Hendricks",
        email: "kyle.hendricks@example.co.za",
        phone: "+27849930271",
        address: "60 Roodebloem Road, Woodstock, Cape Town",
        attributes: &[("property_type", "House")],
        ending: Ending::Reached,
    },
    Past {
        days_ago: 4,
        at: (5, 25),
        listed_for: 20,
        category: "insurance/auto",
        title: "Comprehensive cover for a sedan",
        description: "Policy renews in ten days; wants quotes with cashless repairs at the dealer.",
        city: "Mumbai",
        area: "Chembur",
        postal_code: "400071",
        budget: (15_000, 22_000),
        urgency: Urgency::ThisWeek,
        quality: Quality::Hot,
        exclusive: true,
        partner: false,
        name: "Salma Shaikh",
        email: "salma.shaikh@example.in",
        phone: "+919833270914",
        address: "Diamond Garden, Chembur, Mumbai",
        attributes: &[
            ("vehicle_type", "Sedan"),
            ("coverage_type", "Comprehensive"),
        ],
        ending: Ending::New,
    },
    Past {
        days_ago: 3,
        at: (4, 50),
        listed_for: 60,
        category: "real-estate/buy",
        title: "2BHK Apartment",
        description: "Pre-approved; wants a 2BHK near the metro with a short commute to the airport.",
        city: "Mumbai",
        area: "Andheri East",
        postal_code: "400069",
        budget: (10_000_000, 12_500_000),
        urgency: Urgency::ThisWeek,
        quality: Quality::Hot,
        exclusive: true,
        partner: true,
        name: "Siddharth Rane",
        email: "siddharth.rane@example.in",
        phone: "+919920603378",
        address: "JB Nagar, Andheri East, Mumbai",
        attributes: &[("property_type", "2BHK"), ("financing", "Pre-approved")],
        ending: Ending::New,
    },
    Past {
        days_ago: 2,
        at: (10, 30),
        listed_for: 25,
        category: "home-services/painting",
        title: "Exterior painting",
        description: "Victorian semi; wants the front wall and the windows repainted before selling.",
        city: "Cape Town",
        area: "Tamboerskloof",
        postal_code: "8001",
        budget: (15_000, 28_000),
        urgency: Urgency::WithinMonth,
        quality: Quality::Warm,
        exclusive: true,
        partner: false,
        name: "Claire Abrahams",
        email: "claire.abrahams@example.co.za",
        phone: "+27766614408",
        address: "14 Kloofnek Road, Tamboerskloof, Cape Town",
        attributes: &[("property_type", "House")],
        ending: Ending::New,
    },
    Past {
        days_ago: 1,
        at: (5, 40),
        listed_for: 40,
        category: "real-estate/rent",
        title: "3BHK for rent",
        description: "Family relocating from Delhi; wants a 3BHK near good schools from next month.",
        city: "Mumbai",
        area: "Bandra West",
        postal_code: "400050",
        budget: (180_000, 250_000),
        urgency: Urgency::WithinMonth,
        quality: Quality::Hot,
        exclusive: true,
        partner: false,
        name: "Neil D'Souza",
        email: "neil.dsouza@example.in",
        phone: "+919819872264",
        address: "Pali Hill, Bandra West, Mumbai",
        attributes: &[("property_type", "3BHK")],
        ending: Ending::New,
    },
];

/// Adds the history for `users` unless the demo agent has purchases already; returns how many
/// purchases it made (0 when it added nothing). `now` is the seeding's time: the history is
/// dated before it.
pub(super) async fn seed(
    db: &Db,
    users: &DemoUsers,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    // The purchase path reads the marketplace's rules from the state; nothing else of it is
    // used (no event is announced, no recharge started).
    let state = AppState::new(db.clone());
    let plan = plan(now, users.partner, &state.market);
    let mut tx = db.begin_write().await?;
    // Two seedings at once on PostgreSQL: the second waits here, then sees the first's
    // purchases and adds nothing.
    store::lock_user(&mut tx, users.agent).await?;
    if store::purchase_count(&mut tx, users.agent).await? > 0 {
        return Ok(0);
    }
    let events_before = store::top_event_id(&mut tx).await?;
    let mut run = Run {
        state: &state,
        users,
        ids: vec![None; plan.leads.len()],
        leads: plan.leads,
        bought: 0,
        refunds: Vec::new(),
        checks: ContactChecks::default(),
        taken: HashSet::new(),
    };
    let last = plan.steps.last().map_or(now, |step| step.at);
    for step in plan.steps {
        run.step(&mut tx, step).await?;
    }
    // See the module's notes: the history's events are dated in the past and go before anyone
    // can read them; a concurrent change's events are dated now, later than `last`.
    store::forget_events(&mut tx, events_before, last).await?;
    tx.commit().await?;
    // As for the other demo leads: the browse orders' price bands and the dedupe keys.
    crate::marketplace::store::backfill_price_bands(db, &state.market).await?;
    crate::uploads::store::backfill_keys(db).await?;
    Ok(run.bought)
}

/// The leads to list and every step, in time order.
struct Plan {
    leads: Vec<SeedLead>,
    steps: Vec<Step>,
}

struct Step {
    at: DateTime<Utc>,
    act: Act,
}

/// `usize`: an index into [`PAST`] (and the plan's leads).
enum Act {
    TopUp(u32),
    List(usize),
    Buy(usize),
    Work(usize, LeadChange),
    AskRefund(usize, RefundReason, String),
    Decide(usize, RefundDecision),
}

/// The whole history relative to `now`'s day (UTC), for `partner`'s leads, under `market`'s
/// rules (the refund window, the agent's default time zone the refund evidence is written in).
fn plan(now: DateTime<Utc>, partner: i64, market: &MarketConfig) -> Plan {
    let day = now.date_naive().and_time(chrono::NaiveTime::MIN).and_utc();
    let mut steps: Vec<Step> = TOP_UPS
        .iter()
        .map(|&(days_ago, credits)| Step {
            // Early on the day, before that day's purchases.
            at: day - Duration::days(days_ago) + Duration::hours(3),
            act: Act::TopUp(credits),
        })
        .collect();
    for (n, past) in PAST.iter().enumerate() {
        let bought = day - Duration::days(past.days_ago)
            + Duration::hours(past.at.0)
            + Duration::minutes(past.at.1);
        steps.push(Step {
            at: bought - Duration::minutes(past.listed_for),
            act: Act::List(n),
        });
        steps.push(Step {
            at: bought,
            act: Act::Buy(n),
        });
        let mut script = Script {
            past,
            lead: n,
            bought,
            steps: Vec::new(),
        };
        script.play(market);
        steps.extend(script.steps);
    }
    // Stable: steps at the same moment keep the order they were written in.
    steps.sort_by_key(|step| step.at);
    Plan {
        leads: PAST.iter().map(|past| seed_lead(past, partner)).collect(),
        steps,
    }
}

fn minutes(n: i64) -> Duration {
    Duration::minutes(n)
}

fn hours(n: i64) -> Duration {
    Duration::hours(n)
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

/// The kinds of work, each with its own words and pace.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Market {
    Sale,
    Rental,
    HomeService,
    Motor,
}

/// One lead's steps after its purchase.
struct Script<'a> {
    past: &'a Past,
    lead: usize,
    bought: DateTime<Utc>,
    steps: Vec<Step>,
}

impl Script<'_> {
    fn market(&self) -> Market {
        match self.past.category {
            "real-estate/buy" => Market::Sale,
            "real-estate/rent" => Market::Rental,
            "insurance/auto" => Market::Motor,
            _ => Market::HomeService,
        }
    }

    fn first_name(&self) -> &'static str {
        self.past
            .name
            .split_whitespace()
            .next()
            .unwrap_or(self.past.name)
    }

    /// WhatsApp in India, SMS in South Africa: how each market's customers text.
    fn texting(&self) -> ContactChannel {
        if self.past.city == "Cape Town" {
            ContactChannel::Sms
        } else {
            ContactChannel::WhatsApp
        }
    }

    /// When the meeting and the quote come, after the purchase.
    fn pace(&self) -> (Duration, Duration) {
        match self.market() {
            Market::Sale => (days(3), days(6)),
            Market::Rental => (days(2), days(3)),
            Market::HomeService => (days(1), days(1) + hours(4)),
            Market::Motor => (days(1), days(2)),
        }
    }

    fn push(&mut self, after: Duration, act: Act) {
        self.steps.push(Step {
            at: self.bought + after,
            act,
        });
    }

    fn contact(
        &mut self,
        after: Duration,
        channel: ContactChannel,
        outcome: Option<ContactOutcome>,
        note: Option<String>,
    ) {
        let at = self.bought + after;
        let change = LeadChange::Contact {
            channel,
            at,
            note,
            outcome,
        };
        self.push(after, Act::Work(self.lead, change));
    }

    fn note(&mut self, after: Duration, body: String) {
        let at = self.bought + after;
        self.push(after, Act::Work(self.lead, LeadChange::Note { body, at }));
    }

    fn stage(&mut self, after: Duration, stage: PipelineStage, deal: Option<i64>) {
        let at = self.bought + after;
        let change = LeadChange::Stage {
            stage,
            deal_value: deal.map(Decimal::from),
            at,
        };
        self.push(after, Act::Work(self.lead, change));
    }

    fn play(&mut self, market: &MarketConfig) {
        match self.past.ending {
            Ending::New => {}
            Ending::NoReply => self.no_reply(),
            Ending::Reached => self.reached(),
            Ending::Meeting => self.meeting(),
            Ending::Quoted { amount } => self.quoted(amount),
            Ending::Won { quote, deal, after } => {
                self.quoted(quote);
                let first = self.first_name();
                let yes = match self.market() {
                    Market::Sale => format!("{first} accepted the owner's price; agreement next."),
                    Market::Rental => format!("{first} is taking the flat; documents on Monday."),
                    Market::HomeService => format!("{first} accepted the quote; booked the job."),
                    Market::Motor => format!("{first} chose the policy; sent the payment link."),
                };
                let won = match self.market() {
                    Market::Sale => "Sale agreement signed; brokerage of 1% invoiced.",
                    Market::Rental => {
                        "Leave and licence registered; brokerage is one month's rent."
                    }
                    Market::HomeService => "Job done and paid in full.",
                    Market::Motor => "Policy issued; the premium was paid online.",
                };
                self.contact(
                    days(after) - hours(2),
                    ContactChannel::Call,
                    Some(ContactOutcome::Reached),
                    Some(yes),
                );
                self.stage(days(after), PipelineStage::Won, Some(deal));
                self.note(days(after) + minutes(5), won.to_owned());
                let thanks = format!(
                    "Thank you, {first}! It was a pleasure. If a friend needs the same, I am a message away. {AGENT}"
                );
                let texting = self.texting();
                self.contact(days(after) + hours(2), texting, None, Some(thanks));
            }
            Ending::Lost { why, after } => {
                self.reached();
                self.note(days(after), why.to_owned());
                self.stage(days(after) + minutes(2), PipelineStage::Lost, None);
            }
            Ending::WrongNumber => self.wrong_number(market),
            Ending::RefundDenied => self.refund_denied(),
        }
    }

    /// Reached on the first call, then the first message.
    fn reached(&mut self) {
        let first = self.first_name();
        let (title, area) = (in_sentence(self.past.title), self.past.area);
        let said = match self.market() {
            Market::Sale => format!(
                "Spoke to {first}: a {title} in {area} as listed; happy to visit this weekend."
            ),
            Market::Rental => format!(
                "Spoke to {first}: needs a furnished place in {area} from the 1st; a two-month deposit is fine."
            ),
            Market::HomeService => {
                format!("Spoke to {first} about the {title}; can see it tomorrow morning.")
            }
            Market::Motor => format!(
                "Spoke to {first}: comparing quotes this week; wants the claim process explained."
            ),
        };
        let message = match self.market() {
            Market::Sale => format!(
                "Hi {first}, this is {AGENT}. Thanks for your time on the phone. I am shortlisting {title} options in {area} within your budget and will send them here tonight."
            ),
            Market::Rental => format!(
                "Hi {first}, {AGENT} here. Three furnished flats in {area} within your budget: photos and rents below. Which evening suits you for a visit?"
            ),
            Market::HomeService => format!(
                "Hi {first}, it's {AGENT}. We will be with you tomorrow between 8 and 10 for the {title}. Reply YES to confirm."
            ),
            Market::Motor => format!(
                "Hi {first}, {AGENT} here. As promised, quotes from three insurers for your renewal; all include roadside assistance. Happy to go through them on a call."
            ),
        };
        self.contact(
            minutes(8),
            ContactChannel::Call,
            Some(ContactOutcome::Reached),
            Some(said),
        );
        self.stage(minutes(9), PipelineStage::Contacted, None);
        let texting = self.texting();
        self.contact(minutes(45), texting, None, Some(message));
    }

    /// Tried on every channel over three days, never reached.
    fn no_reply(&mut self) {
        let first = self.first_name();
        let title = in_sentence(self.past.title);
        self.contact(
            minutes(12),
            ContactChannel::Call,
            Some(ContactOutcome::NoAnswer),
            None,
        );
        self.stage(minutes(13), PipelineStage::Contacted, None);
        let texting = self.texting();
        self.contact(
            minutes(40),
            texting,
            None,
            Some(format!(
                "Hi {first}, this is {AGENT} about your request for a {title}. I tried calling; when is a good time to talk?"
            )),
        );
        self.contact(
            days(1),
            ContactChannel::Call,
            Some(ContactOutcome::NoAnswer),
            Some("Rang twice, straight to voicemail.".to_owned()),
        );
        self.contact(
            days(3),
            ContactChannel::Email,
            Some(ContactOutcome::NoAnswer),
            Some(format!(
                "Hi {first},\n\nFollowing up on your request for a {title}. I have options that fit; reply whenever suits you and I will call back.\n\n{AGENT}"
            )),
        );
        self.note(
            days(3) + minutes(5),
            "No answer on any channel; parked until they reply.".to_owned(),
        );
    }

    fn meeting(&mut self) {
        self.reached();
        let (meeting, _) = self.pace();
        let first = self.first_name();
        let area = self.past.area;
        let how = match self.market() {
            Market::Sale => format!(
                "Site visit with {first} at two buildings in {area}; liked the second, wants to check the parking and the maintenance charges."
            ),
            Market::Rental => {
                format!(
                    "Showed {first} two flats in {area}; the one near the station is the favourite."
                )
            }
            Market::HomeService => format!(
                "Assessed the job on site with {first}; photos and measurements in the job file."
            ),
            Market::Motor => format!(
                "Video call with {first} to compare the three quotes and how a cashless claim works."
            ),
        };
        self.stage(meeting, PipelineStage::Meeting, None);
        self.note(meeting + hours(2), how);
    }

    fn quoted(&mut self, amount: i64) {
        self.meeting();
        let (_, quote) = self.pace();
        let first = self.first_name();
        let (title, area) = (in_sentence(self.past.title), self.past.area);
        let amount = money_text(self.past.city, amount);
        let email = match self.market() {
            Market::Sale => format!(
                "Hi {first},\n\nFollowing our visit, the owner has agreed to {amount} for the flat in {area}, parking included. The offer holds until Friday.\n\n{AGENT}"
            ),
            Market::Rental => format!(
                "Hi {first},\n\nThe landlord agreed to {amount} a month with a two-month deposit. Shall I draw up the leave and licence agreement?\n\n{AGENT}"
            ),
            Market::HomeService => format!(
                "Hi {first},\n\nThanks for having us out. Our quote for the {title} is {amount}, parts and labour included, valid for 14 days.\n\n{AGENT}"
            ),
            Market::Motor => format!(
                "Hi {first},\n\nAs discussed: {amount} a year for comprehensive cover with zero depreciation and roadside assistance. I can send the payment link whenever you are ready.\n\n{AGENT}"
            ),
        };
        self.contact(quote, ContactChannel::Email, None, Some(email));
        self.stage(quote + minutes(5), PipelineStage::Quoted, None);
    }

    /// Every attempt reaches someone else: the refund the app's guardian suggests, approved.
    fn wrong_number(&mut self, market: &MarketConfig) {
        let first = self.first_name();
        let (title, area) = (in_sentence(self.past.title), self.past.area);
        let attempts: [(Duration, ContactChannel, Option<ContactOutcome>, String); 4] = [
            (
                minutes(9),
                ContactChannel::Call,
                Some(ContactOutcome::WrongNumber),
                "A man answered; says he never asked about a flat.".to_owned(),
            ),
            (
                minutes(30),
                ContactChannel::WhatsApp,
                Some(ContactOutcome::WrongNumber),
                format!(
                    "Hi {first}, this is {AGENT} about your enquiry for a {title} in {area}. Is this a good time to talk? (Reply: wrong number, please stop.)"
                ),
            ),
            (
                hours(2),
                ContactChannel::Email,
                Some(ContactOutcome::NoAnswer),
                format!(
                    "Hi {first},\n\nI tried the number on your enquiry and reached someone else. Could you reply with the best number to reach you?\n\n{AGENT}"
                ),
            ),
            (
                days(1) + hours(1),
                ContactChannel::Call,
                Some(ContactOutcome::WrongNumber),
                "Same man again: the number is not the customer's.".to_owned(),
            ),
        ];
        for (after, channel, outcome, note) in &attempts {
            self.contact(*after, *channel, *outcome, Some(note.clone()));
            if *after == minutes(9) {
                self.stage(minutes(10), PipelineStage::Contacted, None);
            }
        }
        // The note the app's refund guardian prefills: each attempt with its outcome.
        let asked = days(1) + hours(2);
        let logged: Vec<Attempt<'_>> = attempts
            .iter()
            .map(|(after, channel, outcome, note)| Attempt {
                channel: *channel,
                at: self.bought + *after,
                note: Some(note.as_str()),
                outcome: *outcome,
            })
            .collect();
        let deadline = refund_deadline(self.bought, &market.refunds);
        let evidence = guard(
            deadline,
            &logged,
            PipelineStage::Contacted,
            false,
            self.bought + asked,
            market.agent_time.default_zone,
        )
        .evidence;
        self.push(
            asked,
            Act::AskRefund(self.lead, RefundReason::WrongNumber, evidence),
        );
        self.push(
            days(2) + hours(3),
            Act::Decide(
                self.lead,
                RefundDecision {
                    approve: true,
                    note: Some(
                        "Checked: the number belongs to someone else. Credits returned.".to_owned(),
                    ),
                },
            ),
        );
    }

    /// Reached, but the customer had already bought elsewhere: not the lead's fault.
    fn refund_denied(&mut self) {
        let first = self.first_name();
        self.contact(
            minutes(6),
            ContactChannel::Call,
            Some(ContactOutcome::Reached),
            Some(format!(
                "{first} renewed with the current insurer yesterday; no longer looking."
            )),
        );
        self.stage(minutes(7), PipelineStage::Contacted, None);
        self.stage(minutes(8), PipelineStage::Lost, None);
        self.note(
            minutes(10),
            "Genuine enquiry, just too late: renewed before I called.".to_owned(),
        );
        self.push(
            hours(1),
            Act::AskRefund(
                self.lead,
                RefundReason::NotInterestedInService,
                "The customer had already renewed the policy before I called.".to_owned(),
            ),
        );
        self.push(
            days(1),
            Act::Decide(
                self.lead,
                RefundDecision {
                    approve: false,
                    note: Some(
                        "The customer was reached and the enquiry was genuine: a change of plans is not covered by the lead quality guarantee."
                            .to_owned(),
                    ),
                },
            ),
        );
    }
}

/// A title as it reads inside a sentence: capitalised words lower-cased, abbreviations and
/// sizes kept (`2BHK Apartment` → `2BHK apartment`, `DB board upgrade` unchanged).
fn in_sentence(title: &str) -> String {
    title
        .split(' ')
        .map(|word| {
            let sized = word.chars().any(|c| c.is_ascii_digit());
            let abbreviated = word.chars().skip(1).any(char::is_uppercase);
            if sized || abbreviated {
                word.to_owned()
            } else {
                word.to_lowercase()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// An amount as the customer's market writes it: `₹1,20,000` (lakh grouping), `R16 500`.
fn money_text(city: &str, amount: i64) -> String {
    let digits = amount.to_string();
    if city == "Cape Town" {
        let mut groups: Vec<&str> = Vec::new();
        let mut end = digits.len();
        while end > 3 {
            groups.push(&digits[end - 3..end]);
            end -= 3;
        }
        groups.push(&digits[..end]);
        groups.reverse();
        return format!("R{}", groups.join(" "));
    }
    format!("₹{}", group_en_in(Decimal::from(amount)))
}

/// `past` as a lead to insert, scored by the shared consumer rules from what is known of it.
fn seed_lead(past: &Past, partner: i64) -> SeedLead {
    let (country, region, currency) = if past.city == "Cape Town" {
        ("ZA", "Western Cape", "ZAR")
    } else {
        ("IN", "Maharashtra", "INR")
    };
    let attributes: BTreeMap<String, String> = past
        .attributes
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let (budget_verified, form_complete, phone_verified) = match past.quality {
        Quality::Hot => (true, true, true),
        Quality::Warm => (false, true, true),
        Quality::Cool => (false, false, false),
    };
    let facts = ConsumerFacts {
        budget_verified,
        urgency: Some(past.urgency),
        location_specific: true,
        pre_approved: attributes
            .get("financing")
            .is_some_and(|f| f == "Pre-approved"),
        form_complete,
        phone_verified,
        email_verified: true,
    };
    let breakdown = score_consumer(&facts, &ConsumerRules::default());
    SeedLead {
        category: past.category.to_owned(),
        title: past.title.to_owned(),
        description: past.description.to_owned(),
        country: country.to_owned(),
        region: region.to_owned(),
        city: past.city.to_owned(),
        area: past.area.to_owned(),
        postal_code: past.postal_code.to_owned(),
        currency: currency.to_owned(),
        budget_min: past.budget.0,
        budget_max: past.budget.1,
        urgency: past.urgency,
        score: i32::from(breakdown.score().value()),
        signals: breakdown.signals().to_vec(),
        exclusive: past.exclusive,
        contact_name: past.name.to_owned(),
        contact_email: past.email.to_owned(),
        contact_phone: past.phone.to_owned(),
        contact_address: past.address.to_owned(),
        phone_verified,
        email_verification: "valid",
        // Listed at the time its step is run at.
        listed_hours_ago: 0,
        attributes,
        partner: past.partner.then_some(partner),
    }
}

/// How many numbers after a hand-written one are tried when it is already another lead's.
const PHONE_TRIES: u64 = 50;

/// The history as it runs, inside its transaction.
struct Run<'a> {
    state: &'a AppState,
    users: &'a DemoUsers,
    leads: Vec<SeedLead>,
    /// The id of each lead once listed, by index.
    ids: Vec<Option<i64>>,
    /// Purchases made.
    bought: usize,
    /// `(lead index, refund id)` of each refund asked.
    refunds: Vec<(usize, i64)>,
    checks: ContactChecks,
    /// Dedupe keys the history's own leads hold.
    taken: HashSet<[u8; 16]>,
}

impl Run<'_> {
    fn lead_id(&self, n: usize) -> Result<i64, ApiError> {
        self.ids.get(n).copied().flatten().ok_or_else(|| {
            ApiError::corrupt(format!(
                "demo history: lead {n} worked before it was listed"
            ))
        })
    }

    async fn step(&mut self, tx: &mut Tx, step: Step) -> Result<(), ApiError> {
        let agent = self.users.agent;
        let at = step.at;
        match step.act {
            Act::TopUp(credits) => {
                super::grant_credits_in(tx, agent, Credits::whole(credits), at).await?;
            }
            Act::List(n) => {
                self.unique_contact(tx, n).await?;
                let lead = self
                    .leads
                    .get(n)
                    .ok_or_else(|| ApiError::corrupt(format!("demo history: no lead {n}")))?;
                let id = store::insert_lead(tx, lead, at).await?;
                if let Some(slot) = self.ids.get_mut(n) {
                    *slot = Some(id);
                }
            }
            Act::Buy(n) => {
                let lead_id = self.lead_id(n)?;
                // The zone as the purchase handler picks it (the purchase checks it).
                let market = &self.state.market;
                let zone = self
                    .state
                    .zone_hints
                    .hint(agent, market.agent_time.default_zone);
                match purchases::buy(tx, self.state, agent, lead_id, zone, None, at).await? {
                    // The purchase handler's order: the plan's effects, then (the caller's)
                    // commit. The auto-recharge it may report is not started: the demo agent
                    // has no rule, and the history's top-ups pay for its purchases.
                    Bought::New { effects, .. } => {
                        effects.run(tx).await?;
                        self.bought += 1;
                    }
                    Bought::Replay(_) => {
                        return Err(ApiError::corrupt(
                            "demo history: a purchase without a key was replayed",
                        ));
                    }
                }
            }
            Act::Work(n, change) => {
                let purchase = self.purchase(tx, n).await?;
                // `apply` takes a time after its `now` as now: the history's now is the step's.
                my_leads::apply(tx, &purchase, &change, at).await?;
            }
            Act::AskRefund(n, reason, note) => {
                let purchase = self.purchase(tx, n).await?;
                let refund =
                    refunds::request(tx, &self.state.market, &purchase, reason, &note, at).await?;
                let id = refund
                    .id
                    .parse()
                    .map_err(|_| ApiError::corrupt("a refund id that is not a number"))?;
                self.refunds.push((n, id));
            }
            Act::Decide(n, decision) => {
                let refund = self
                    .refunds
                    .iter()
                    .find(|(lead, _)| *lead == n)
                    .map(|(_, id)| *id)
                    .ok_or_else(|| {
                        ApiError::corrupt(format!("demo history: lead {n} decided before asked"))
                    })?;
                refunds::decide_in(tx, self.users.admin, refund, &decision, at).await?;
            }
        }
        Ok(())
    }

    async fn purchase(
        &self,
        tx: &mut Tx,
        n: usize,
    ) -> Result<my_leads::store::PurchaseRow, ApiError> {
        let lead_id = self.lead_id(n)?;
        my_leads::store::find_purchase(tx, self.users.agent, lead_id)
            .await?
            .ok_or_else(|| ApiError::corrupt(format!("demo history: lead {n} was not bought")))
    }

    /// Checks lead `n`'s contact through the shared types, and makes sure it duplicates no
    /// other lead's (a lead whose contact another lead holds would be refused at intake): a
    /// hand-written number that a generated lead drew already moves on to the next free one.
    async fn unique_contact(&mut self, tx: &mut Tx, n: usize) -> Result<(), ApiError> {
        let lead = self
            .leads
            .get_mut(n)
            .ok_or_else(|| ApiError::corrupt(format!("demo history: no lead {n}")))?;
        // The hand-written contact itself must be valid: no silent repair of a typo.
        self.checks.check(lead)?;
        for _ in 0..PHONE_TRIES {
            if self.checks.check(lead).is_ok() {
                let keys = contact_keys(lead)?;
                let hexes: Vec<String> = keys.iter().map(key_hex).collect();
                let held = key_owners(tx, &hexes).await?;
                let clashes: Vec<KeyKind> = keys
                    .iter()
                    .filter(|key| {
                        self.taken.contains(&key.stored())
                            || held.iter().any(|owner| owner.key_hash == key_hex(key))
                    })
                    .map(|key| key.kind)
                    .collect();
                if clashes.is_empty() {
                    self.taken.extend(keys.iter().map(|key| key.stored()));
                    return Ok(());
                }
                if clashes.iter().any(|kind| *kind != KeyKind::Phone) {
                    return Err(ApiError::corrupt(format!(
                        "demo history lead {:?}: its email or name and address are another lead's",
                        lead.title
                    )));
                }
            }
            lead.contact_phone = next_number(&lead.contact_phone)?;
        }
        Err(ApiError::corrupt(format!(
            "demo history lead {:?}: no free phone number near the hand-written one",
            lead.title
        )))
    }
}

/// The E.164 number one above `phone`.
fn next_number(phone: &str) -> Result<String, ApiError> {
    let digits: u64 = phone
        .strip_prefix('+')
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| ApiError::corrupt(format!("demo phone {phone} is not in E.164")))?;
    Ok(format!("+{}", digits + 1))
}

/// The dedupe keys of a lead's contact.
fn contact_keys(lead: &SeedLead) -> Result<DedupeKeys, ApiError> {
    let corrupt = |e| ApiError::corrupt(format!("demo lead {:?}: {e}", lead.title));
    let contact = ContactDetails::new(
        PersonName::parse(&lead.contact_name).map_err(corrupt)?,
        Some(Email::parse(&lead.contact_email).map_err(corrupt)?),
        Some(PhoneE164::from_e164(&lead.contact_phone).map_err(corrupt)?),
        Some(lead.contact_address.clone()),
    )
    .map_err(corrupt)?;
    Ok(DedupeKeys::of(&contact))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn stage_of(n: usize, steps: &[Step]) -> PipelineStage {
        steps
            .iter()
            .rev()
            .find_map(|step| match &step.act {
                Act::Work(lead, LeadChange::Stage { stage, .. }) if *lead == n => Some(*stage),
                _ => None,
            })
            .unwrap_or(PipelineStage::New)
    }

    #[test]
    fn every_step_is_in_the_past_in_order_and_after_its_purchase() {
        // Just after midnight and just before it: the history is dated by the seeding's day.
        for now in [
            Utc.with_ymd_and_hms(2026, 3, 1, 0, 5, 0).single().unwrap(),
            Utc.with_ymd_and_hms(2026, 3, 1, 23, 55, 0)
                .single()
                .unwrap(),
        ] {
            let plan = plan(now, 2, &MarketConfig::default());
            assert!(
                plan.steps.windows(2).all(|w| w[0].at <= w[1].at),
                "steps run in time order"
            );
            assert!(
                plan.steps.iter().all(|s| s.at < now - Duration::hours(12)),
                "nothing is dated in the last hours, let alone the future"
            );
            let bought = |n: usize| {
                plan.steps
                    .iter()
                    .find(|s| matches!(s.act, Act::Buy(m) if m == n))
                    .map(|s| s.at)
                    .unwrap()
            };
            for step in &plan.steps {
                match &step.act {
                    Act::Work(n, _) | Act::AskRefund(n, ..) | Act::Decide(n, _) => {
                        assert!(
                            step.at > bought(*n),
                            "lead {n} is worked after it is bought"
                        );
                    }
                    Act::List(n) => assert!(step.at < bought(*n)),
                    Act::TopUp(_) | Act::Buy(_) => {}
                }
            }
            let first = plan.steps.first().map(|s| s.at).unwrap();
            assert!(now - first >= Duration::days(140), "about five months");
        }
    }

    #[test]
    fn every_stage_is_there() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single().unwrap();
        let plan = plan(now, 2, &MarketConfig::default());
        let mut count: BTreeMap<PipelineStage, usize> = BTreeMap::new();
        for n in 0..PAST.len() {
            *count.entry(stage_of(n, &plan.steps)).or_default() += 1;
        }
        for stage in PipelineStage::ALL {
            assert!(
                count.get(stage).is_some_and(|c| *c >= 5),
                "{stage:?}: {count:?}"
            );
        }
        assert_eq!(PAST.len(), 36, "about three dozen");
    }

    #[test]
    fn recent_leads_are_exclusive_so_none_waits_in_the_feed() {
        assert!(
            PAST.iter()
                .filter(|p| p.days_ago <= 30)
                .all(|p| p.exclusive)
        );
    }

    #[test]
    fn the_wrong_number_refund_carries_the_guardian_s_evidence() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single().unwrap();
        let plan = plan(now, 2, &MarketConfig::default());
        let note = plan
            .steps
            .iter()
            .find_map(|s| match &s.act {
                Act::AskRefund(_, RefundReason::WrongNumber, note) => Some(note.clone()),
                _ => None,
            })
            .unwrap();
        assert!(
            note.starts_with("4 contact attempts without reaching the customer (3 wrong numbers):"),
            "{note}"
        );
    }

    #[test]
    fn titles_read_inside_a_sentence() {
        assert_eq!(in_sentence("2BHK Apartment"), "2BHK apartment");
        assert_eq!(in_sentence("DB board upgrade"), "DB board upgrade");
        assert_eq!(
            in_sentence("Zero depreciation cover for an SUV"),
            "zero depreciation cover for an SUV"
        );
        assert_eq!(in_sentence("Move-out deep clean"), "move-out deep clean");
    }

    #[test]
    fn amounts_are_written_as_each_market_writes_them() {
        assert_eq!(money_text("Mumbai", 12_000_000), "₹1,20,00,000");
        assert_eq!(money_text("Pune", 16_900), "₹16,900");
        assert_eq!(money_text("Mumbai", 950), "₹950");
        assert_eq!(money_text("Cape Town", 16_500), "R16 500");
        assert_eq!(money_text("Cape Town", 1_950), "R1 950");
        assert_eq!(money_text("Cape Town", 800), "R800");
    }
}
