//! Wire DTOs: what crosses HTTP between server and app, and IPC between app and UI.
//!
//! Money and 64-bit ids travel as strings (JavaScript numbers cannot hold them exactly).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use specta::Type;

/// A listed lead as a buyer sees it before buying. This type has no contact fields at all, so a
/// handler that serialises it cannot leak a name, email, phone or address by mistake.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LeadCard {
    /// The lead's id, as a string (64-bit on the server).
    pub id: String,
    /// Category slug such as `real-estate/buy` or `home-services/plumbing`.
    pub category: String,
    /// One-line summary, e.g. "3BHK Apartment".
    pub title: String,
    pub country: String,
    pub region: String,
    pub city: String,
    pub area: String,
    /// ISO 4217 code of the budget's currency.
    pub currency: String,
    pub budget_min: Decimal,
    pub budget_max: Decimal,
    /// `immediate`, `this_week`, `within_month`, `within_3_months` or `flexible`.
    pub urgency: String,
    /// Quality score, 0–100.
    pub score: u8,
    /// Price to buy, in credits.
    pub price_credits: Decimal,
    /// `exclusive` or `shared`.
    pub exclusivity: String,
    pub max_buyers: u32,
    pub purchases: u32,
    pub views: u32,
    pub listed_at: DateTime<Utc>,
}

/// One page of the marketplace feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LeadPage {
    pub leads: Vec<LeadCard>,
    /// Opaque cursor for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// The error body every API error carries: `{ "error": { "code", "message" } }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct ApiErrorBody {
    pub error: ApiErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct ApiErrorDetail {
    /// Stable machine-readable code, e.g. `insufficient_credits`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}
