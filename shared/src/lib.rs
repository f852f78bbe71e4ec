//! `leadmart-shared`: the marketplace domain used by both the central API and the desktop app.
//!
//! Pure by design: no I/O, no async, no clocks (time comes in as an argument), no tauri, no sqlx.
//! Every number a rule uses is a default held in a `*Config` struct, so the server can keep it in
//! configuration instead of in code.
//!
//! One module per capability:
//!
//! | module | owns |
//! |---|---|
//! | [`intake`] | one lead at a time: web form, API key, admin — validated, scored; bot defences |
//! | [`ids`] | 64-bit ids (`LeadId`, `UserId`, …) that travel as strings |
//! | [`money`] | `Credits`, `Money`, `Rate`, credit packages, auto-recharge, en-IN display |
//! | [`ledger`] | double-entry transfers and the never-below-zero balance rule |
//! | [`account`] | `Role` |
//! | [`local_time`] | an agent's IANA time zone and where their local day begins |
//! | [`contact`] | `Email`, `PhoneE164` and the fast, library-equivalent phone parser |
//! | [`normalize`] | text folding shared by matching and dedupe |
//! | [`notifications`] | notification settings, quiet hours, the low-credit mark |
//! | [`lead`] | the lead: category, location, budget, urgency, exclusivity, full record vs masked preview |
//! | [`scoring`] | quality score with its breakdown (consumer and B2B rule sets) |
//! | [`freshness`] | sigmoid freshness decay |
//! | [`pricing`] | price in credits |
//! | [`agent`] | what the marketplace knows about a buyer: categories, areas, preferences, budget |
//! | [`purchase`] | purchase eligibility and the plan of a purchase |
//! | [`refund`] | refund window, reasons and effects |
//! | [`commission`] | partner commission, holdback, payouts |
//! | [`pipeline`] | a bought lead's pipeline (`new → … → won | lost`), contact log, ROI |
//! | [`dedupe`] | normalised, hashed dedupe keys and collision rules |
//! | [`routing`] | matching and ranking agents for a newly listed lead |
//! | [`csv_rules`] | CSV header auto-mapping and per-row validation (no files) |
//! | [`upload`] | a partner's uploaded row as a listing, review of new partners, the partner score |
//! | [`verification`] | email verification verdicts: local checks, MillionVerifier results |
//! | [`analytics`] | Dashboard statistics and monthly spending, per currency, in the agent's time zone |
//! | [`error_code`] | `ApiErrorCode`, every stable code of an API error |
//! | [`wire`] | DTOs that cross HTTP and IPC |

/// `TryFrom<String>` (through the type's parser), `From<T> for String` and `Display` for a
/// newtype over `String`, so serde's `try_from`/`into` run the same constructor as everyone.
macro_rules! string_newtype_conversions {
    ($name:ident, $error:ty, $parse:path) => {
        impl TryFrom<String> for $name {
            type Error = $error;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                $parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

pub mod account;
pub mod agent;
pub mod analytics;
pub mod commission;
pub mod contact;
pub mod csv_rules;
pub mod dedupe;
pub mod error_code;
pub mod freshness;
pub mod ids;
pub mod intake;
pub mod lead;
pub mod ledger;
pub mod local_time;
pub mod messages;
pub mod money;
pub mod normalize;
pub mod notifications;
pub mod operations;
pub mod performance;
pub mod pipeline;
pub mod pricing;
pub mod purchase;
pub mod refund;
pub mod routing;
pub mod scoring;
pub mod upload;
pub mod verification;
pub mod wire;
