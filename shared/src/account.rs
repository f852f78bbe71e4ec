//! Who a user is to the marketplace: the [`Role`] that decides which resources they may touch.

use serde::{Deserialize, Serialize};
use specta::Type;
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// A user's role. Agents buy leads, partners supply them, admins run the marketplace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    Agent,
    Partner,
    Admin,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown role {0:?} (expected agent, partner or admin)")]
pub struct UnknownRole(pub String);

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Partner => "partner",
            Self::Admin => "admin",
        }
    }

    /// Only agents buy leads (seed 002 step 5: "User is provider").
    pub fn can_buy_leads(self) -> bool {
        self == Self::Agent
    }

    /// Partners upload; admins may create leads too (source `admin`).
    pub fn can_supply_leads(self) -> bool {
        matches!(self, Self::Partner | Self::Admin)
    }
}

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "agent" => Ok(Self::Agent),
            "partner" => Ok(Self::Partner),
            "admin" => Ok(Self::Admin),
            other => Err(UnknownRole(other.to_owned())),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_gate_buying() {
        for role in [Role::Agent, Role::Partner, Role::Admin] {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
            assert_eq!(serde_json::to_string(&role).unwrap(), format!("\"{role}\""));
        }
        assert!(Role::Agent.can_buy_leads());
        assert!(
            !Role::Partner.can_buy_leads(),
            "a partner must not buy leads"
        );
        assert!("Agent".parse::<Role>().is_err());
    }
}
