//! Delta sync of an agent's briefcase (`GET /v1/sync`) and the device outbox's mutations
//! (`POST /v1/sync/mutations`).
//!
//! The cursor is opaque to the app: the server's per-agent change sequence, as text. A page
//! holds the current state of everything that changed after the cursor — a purchased lead is
//! sent whole (contact, notes, contact log, pipeline history, refund), never as a diff, so
//! applying a page is "replace what has this key".

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use specta::Type;

use super::{AgentPreferencesDto, LedgerLine, PurchasedLead};
use crate::error_code::ApiErrorCode;
use crate::pipeline::{ContactChannel, ContactOutcome, PipelineStage};

/// One page of `GET /v1/sync?cursor=…`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SyncPage {
    /// Oldest change first; each key at most once per page (its latest state).
    pub changes: Vec<SyncChange>,
    /// Send this as `cursor` next; it covers every change in this page.
    pub cursor: String,
    /// More changes wait after `cursor`: ask again at once.
    pub has_more: bool,
    /// About how many changes wait after `cursor` (a thing changed twice counts twice): what
    /// a first sync's progress bar shows. 0 when `has_more` is false.
    #[serde(default)]
    pub remaining: u64,
}

/// The current state of one thing of the agent's that changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SyncChange {
    /// A purchased lead as My Leads shows it (replaces the cached one).
    #[serde(rename_all = "camelCase")]
    Lead { lead: Box<PurchasedLead> },
    /// A tombstone: this purchased lead is no longer the agent's; drop it from the cache.
    #[serde(rename_all = "camelCase")]
    LeadRemoved {
        #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
        lead_id: String,
    },
    /// A line of the credit statement (lines never change once written).
    #[serde(rename_all = "camelCase")]
    Ledger { line: LedgerLine },
    /// The agent's preferences as they are now.
    #[serde(rename_all = "camelCase")]
    Preferences {
        preferences: Box<AgentPreferencesDto>,
    },
}

/// `POST /v1/sync/mutations`: the front of a device's outbox, in the order it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MutationBatch {
    /// The app install that wrote them (one per user cache on a computer).
    pub install_id: String,
    pub mutations: Vec<DeviceMutation>,
}

/// One edit made on a device, numbered by that install: a `seq` the server has seen is never
/// applied again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeviceMutation {
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub seq: u32,
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
    pub lead_id: String,
    pub change: LeadChange,
}

/// What a device did to a purchased lead, dated when it was done (offline edits keep their
/// time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum LeadChange {
    #[serde(rename_all = "camelCase")]
    Stage {
        stage: PipelineStage,
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
        deal_value: Option<Decimal>,
        at: DateTime<Utc>,
    },
    #[serde(rename_all = "camelCase")]
    Note { body: String, at: DateTime<Utc> },
    #[serde(rename_all = "camelCase")]
    Contact {
        channel: ContactChannel,
        at: DateTime<Utc>,
        note: Option<String>,
        /// Absent from devices that predate it (their outboxes still replay).
        #[serde(default)]
        outcome: Option<ContactOutcome>,
    },
    /// What came of an attempt already logged: the latest one at or before `attempt_at` (the
    /// time the device gave it; the server may have moved an attempt dated in the future back to
    /// its own clock, which keeps it the latest before that time).
    #[serde(rename_all = "camelCase")]
    ContactOutcome {
        attempt_at: DateTime<Utc>,
        outcome: ContactOutcome,
        at: DateTime<Utc>,
    },
}

/// The answer to a [`MutationBatch`]: one outcome per mutation, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MutationResults {
    pub results: Vec<MutationResult>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MutationResult {
    pub seq: u32,
    pub outcome: MutationOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum MutationOutcome {
    /// Done now.
    Applied,
    /// This `seq` was applied before (a replay): nothing changed.
    Duplicate,
    /// Refused for good (the lead is not the agent's, a stage move the pipeline forbids, a
    /// change older than a later one made elsewhere); asking again gets the same answer.
    #[serde(rename_all = "camelCase")]
    Rejected {
        /// One of the API's error codes (as in `ApiErrorBody`).
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        code: ApiErrorCode,
        message: String,
    },
}
