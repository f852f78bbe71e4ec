//! Ids: positive 64-bit integers on the server, strings on the wire.
//!
//! JavaScript numbers lose precision above 2^53, so every id serialises as a decimal string and
//! parses back only from one. Each kind of id is its own type so a `LeadId` cannot be passed where
//! a `UserId` is expected.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    #[error("an id must be a positive integer, got {0:?}")]
    NotPositive(String),
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(i64);

        impl $name {
            /// The only way in: ids are positive (database sequences start at 1).
            pub fn new(value: i64) -> Result<Self, IdError> {
                if value > 0 {
                    Ok(Self(value))
                } else {
                    Err(IdError::NotPositive(value.to_string()))
                }
            }

            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                // Only plain ASCII digits: "+5", " 5" or "05x" are not ids.
                if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(IdError::NotPositive(s.to_owned()));
                }
                let value: i64 = s.parse().map_err(|_| IdError::NotPositive(s.to_owned()))?;
                Self::new(value)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                raw.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

id_type!(
    /// A lead.
    LeadId
);
id_type!(
    /// A user of any role (agent, partner, admin).
    UserId
);
id_type!(
    /// A lead supplier.
    PartnerId
);
id_type!(
    /// One purchase of one lead by one buyer.
    PurchaseId
);
id_type!(
    /// A refund request.
    RefundId
);
id_type!(
    /// A partner's CSV upload job.
    UploadId
);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_strings_on_the_wire() {
        let id = LeadId::new(9_007_199_254_740_993).unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(
            json, "\"9007199254740993\"",
            "above 2^53 must survive JavaScript"
        );
        assert_eq!(serde_json::from_str::<LeadId>(&json).unwrap(), id);
    }

    #[test]
    fn ids_reject_zero_negative_and_junk() {
        assert!(LeadId::new(0).is_err());
        assert!(LeadId::new(-3).is_err());
        for bad in ["", "-1", "+1", " 1", "1a", "0", "99999999999999999999"] {
            assert!(bad.parse::<LeadId>().is_err(), "{bad:?} is not an id");
        }
        assert!(
            serde_json::from_str::<LeadId>("5").is_err(),
            "numbers are not accepted"
        );
    }
}
