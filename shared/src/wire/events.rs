//! The live events of `GET /v1/events` (Server-Sent Events): one [`EventPayload`] per SSE
//! message, whose `event:` field is its [`EventKind`] and whose `id:` is the event's id — the
//! value a reconnecting client sends back as `Last-Event-ID` to get exactly what it missed.

use crate::refund::RefundStatus;
use crate::wire::LeadCard;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use specta::Type;

/// What happened, spelled as the SSE `event:` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventKind {
    /// A newly listed lead matches the agent (the router chose them).
    #[serde(rename = "lead.matched")]
    LeadMatched,
    /// The agent bought a lead.
    #[serde(rename = "lead.purchased")]
    LeadPurchased,
    /// A lead the agent was shown or previewed reached its buyer cap: it leaves their feed.
    #[serde(rename = "lead.sold_out")]
    LeadSoldOut,
    /// An admin decided the agent's refund request.
    #[serde(rename = "refund.decided")]
    RefundDecided,
    /// The agent's balance fell below the marketplace's low-credit mark.
    #[serde(rename = "credits.low")]
    CreditsLow,
    /// The agent's balance changed.
    #[serde(rename = "credits.changed")]
    CreditsChanged,
}

impl EventKind {
    pub const ALL: &'static [EventKind] = &[
        EventKind::LeadMatched,
        EventKind::LeadPurchased,
        EventKind::LeadSoldOut,
        EventKind::RefundDecided,
        EventKind::CreditsLow,
        EventKind::CreditsChanged,
    ];

    /// The wire spelling (`lead.matched`, …), also the SSE `event:` field.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::LeadMatched => "lead.matched",
            EventKind::LeadPurchased => "lead.purchased",
            EventKind::LeadSoldOut => "lead.sold_out",
            EventKind::RefundDecided => "refund.decided",
            EventKind::CreditsLow => "credits.low",
            EventKind::CreditsChanged => "credits.changed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == raw)
    }
}

/// One event's `data:`, tagged with its kind so it reads on its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind")]
pub enum EventPayload {
    #[serde(rename = "lead.matched")]
    LeadMatched(LeadMatched),
    #[serde(rename = "lead.purchased")]
    LeadPurchased(LeadPurchased),
    #[serde(rename = "lead.sold_out")]
    LeadSoldOut(LeadSoldOut),
    #[serde(rename = "refund.decided")]
    RefundDecided(RefundDecided),
    #[serde(rename = "credits.low")]
    CreditsLow(CreditsLevel),
    #[serde(rename = "credits.changed")]
    CreditsChanged(CreditsLevel),
}

impl EventPayload {
    pub fn kind(&self) -> EventKind {
        match self {
            EventPayload::LeadMatched(_) => EventKind::LeadMatched,
            EventPayload::LeadPurchased(_) => EventKind::LeadPurchased,
            EventPayload::LeadSoldOut(_) => EventKind::LeadSoldOut,
            EventPayload::RefundDecided(_) => EventKind::RefundDecided,
            EventPayload::CreditsLow(_) => EventKind::CreditsLow,
            EventPayload::CreditsChanged(_) => EventKind::CreditsChanged,
        }
    }
}

/// `lead.matched`: the lead's card (never its contact) — what a notification shows: category
/// and area as its title, score, budget and price as its body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LeadMatched {
    /// Boxed: a card is far larger than every other payload.
    pub lead: Box<LeadCard>,
}

/// `lead.purchased`: the agent's own purchase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LeadPurchased {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
    pub lead_id: String,
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
    pub purchase_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub price_credits: Decimal,
}

/// `lead.sold_out`: the lead is no longer for sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LeadSoldOut {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
    pub lead_id: String,
}

/// `refund.decided`: approved (credits back) or denied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RefundDecided {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
    pub refund_id: String,
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
    pub lead_id: String,
    pub status: RefundStatus,
    /// Credits returned to the wallet (0 when denied).
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub credits: Decimal,
}

/// `credits.changed` and `credits.low`: the balance after the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreditsLevel {
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub balance: Decimal,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn kinds_spell_the_same_on_the_wire_and_in_as_str() {
        for kind in EventKind::ALL {
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json.as_str(), Some(kind.as_str()));
            assert_eq!(EventKind::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(EventKind::parse("lead.bought"), None);
    }

    #[test]
    fn a_payload_carries_its_kind_tag() {
        let payload = EventPayload::LeadSoldOut(LeadSoldOut {
            lead_id: "7".into(),
        });
        let json = serde_json::to_value(&payload).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "lead.sold_out", "leadId": "7"})
        );
        assert_eq!(payload.kind(), EventKind::LeadSoldOut);
        let back: EventPayload = serde_json::from_value(json).unwrap();
        assert_eq!(back, payload);
    }
}
