//! The admin console's lead inventory: every lead on (and off) the marketplace, filtered, and
//! taken off or put back in bulk (`GET /v1/admin/leads`, `POST /v1/admin/leads/listing`).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::lead::{LeadSource, ListingStatus};

/// Where a lead stands for buyers, as the inventory shows and filters it: stored status, expiry
/// and buyer count together (a listed lead past its expiry is expired, one with every buyer it
/// may have is sold out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InventoryStatus {
    /// Buyers can see and buy it.
    Open,
    SoldOut,
    Expired,
    /// A partner's lead waiting for the partner's approval.
    Draft,
    /// Off the marketplace (an admin unlisted it, its partner is suspended, or its upload was
    /// cancelled).
    Withdrawn,
}

impl InventoryStatus {
    /// A lead stored as `status` that expires at `expires_at`, bought `purchases` times of
    /// `max_buyers`, seen at `now`.
    pub fn of(
        status: ListingStatus,
        expires_at: DateTime<Utc>,
        purchases: u32,
        max_buyers: u32,
        now: DateTime<Utc>,
    ) -> Self {
        match status {
            ListingStatus::Draft => Self::Draft,
            ListingStatus::Withdrawn => Self::Withdrawn,
            ListingStatus::SoldOut => Self::SoldOut,
            ListingStatus::Expired => Self::Expired,
            ListingStatus::Listed if purchases >= max_buyers => Self::SoldOut,
            ListingStatus::Listed if expires_at <= now => Self::Expired,
            ListingStatus::Listed => Self::Open,
        }
    }
}

/// Why a withdrawn or draft lead is off the marketplace (none: its upload was cancelled).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ListingHold {
    /// A new partner's lead, until an admin approves the partner.
    Review,
    /// Its partner is suspended; back when they are unsuspended.
    Suspended,
    /// An admin unlisted it; an admin can list it again.
    Admin,
}

/// The inventory's filters (query parameters of `GET /v1/admin/leads`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(rename_all = "camelCase")]
pub struct InventoryFilter {
    pub status: Option<InventoryStatus>,
    /// A category or a category group (`real-estate` matches `real-estate/buy`).
    pub category: Option<String>,
    /// Words in the title, city or area.
    pub q: Option<String>,
    /// Only this partner's leads (a user id).
    #[cfg_attr(feature = "openapi", param(pattern = r"^[0-9]+$"))]
    pub partner: Option<String>,
    /// Leads to skip, newest first (default 0).
    pub offset: Option<u32>,
    /// At most this many (default 50, at most 200).
    pub limit: Option<u32>,
}

/// One lead of the inventory. No contact fields: the operator manages listings, not customers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct InventoryLead {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
    pub id: String,
    pub title: String,
    pub category: String,
    pub city: String,
    pub area: String,
    pub score: u8,
    pub status: InventoryStatus,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub hold: Option<ListingHold>,
    pub source: LeadSource,
    /// The partner's name, for partner uploads.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub partner: Option<String>,
    pub purchases: u32,
    pub max_buyers: u32,
    /// Its price in credits now.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub price: Decimal,
    pub listed_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A page of the inventory, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct InventoryPage {
    pub leads: Vec<InventoryLead>,
    /// Leads matching the filters, on every page.
    pub total: u32,
    pub offset: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ListingAction {
    /// Take open leads off the marketplace (buyers who bought them keep them).
    Unlist,
    /// Put leads an admin unlisted back, if they have not expired.
    Relist,
}

/// `POST /v1/admin/leads/listing`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ListingChange {
    pub action: ListingAction,
    /// 1 to 500 lead ids.
    pub lead_ids: Vec<String>,
}

/// What a [`ListingChange`] did: the leads it changed, and those it left as they were (not open,
/// or not unlisted by an admin, or expired, or unknown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ListingChanged {
    pub changed: Vec<String>,
    pub unchanged: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn a_listed_lead_reads_as_sold_out_before_expired_and_open_only_before_both() {
        let now = Utc::now();
        let later = now + Duration::hours(1);
        let of = |status, expires_at, purchases| {
            InventoryStatus::of(status, expires_at, purchases, 3, now)
        };
        assert_eq!(of(ListingStatus::Listed, later, 2), InventoryStatus::Open);
        assert_eq!(
            of(ListingStatus::Listed, later, 3),
            InventoryStatus::SoldOut
        );
        assert_eq!(of(ListingStatus::Listed, now, 3), InventoryStatus::SoldOut);
        assert_eq!(of(ListingStatus::Listed, now, 0), InventoryStatus::Expired);
        assert_eq!(
            of(ListingStatus::Withdrawn, later, 0),
            InventoryStatus::Withdrawn
        );
        assert_eq!(of(ListingStatus::Draft, later, 0), InventoryStatus::Draft);
    }
}
