//! The partner's wire: resumable chunked uploads (`/v1/partner/uploads…`), earnings and
//! payouts, the dashboard with the partner score, and the admins' partner list. Counts are
//! `u32`, money and 64-bit ids are strings (see the crate's wire notes).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::csv_rules::LeadField;
use crate::upload::PartnerReview;
use crate::wire::{CommissionDto, ScoreSignal};

/// One column of the file as the partner mapped it (in file order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UploadColumn {
    pub header: String,
    /// The lead field the column fills; `null` ignores the column.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub field: Option<LeadField>,
}

/// `POST /v1/partner/uploads`: a new upload job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewUpload {
    pub file_name: String,
    /// The category of rows that name none (slug such as `real-estate/buy`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub category: Option<String>,
    pub columns: Vec<UploadColumn>,
    /// Data rows the client will send (its importer's accepted rows).
    pub row_count: u32,
    /// SHA-256 of the file, lower-case hex: the same file uploaded again resumes its open job.
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9a-f]{64}$"))]
    pub content_hash: String,
}

/// One row of a chunk: its line in the file (for the rejections file) and its cells in the
/// file's column order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UploadRow {
    pub line: u32,
    pub cells: Vec<String>,
}

/// `PUT /v1/partner/uploads/{id}/chunks/{n}`: chunk `n` (from 0) of the upload's rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UploadChunk {
    pub rows: Vec<UploadRow>,
}

/// Where an upload job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum UploadStatus {
    /// Taking chunks.
    Open,
    Completed,
    /// Cancelled by the partner: no more chunks; what was listed stays.
    Cancelled,
}

/// What the server did with rows: accepted rows were stored (listed, or waiting for review).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UploadCounts {
    pub rows: u32,
    pub accepted: u32,
    /// Rejected for a reason other than being a duplicate.
    pub rejected: u32,
    pub duplicates: u32,
    /// Accepted and on the marketplace at once.
    pub listed: u32,
    /// Accepted and waiting for an admin's review of the partner.
    pub awaiting_review: u32,
}

/// The answer to a chunk: its counts. A chunk sent again is answered with its first counts
/// (`replayed`), never stored twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChunkReceipt {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
    pub upload_id: String,
    pub chunk: u32,
    pub counts: UploadCounts,
    pub replayed: bool,
}

/// An upload job and its progress: a client resumes by sending the chunks not in
/// `acknowledgedChunks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UploadDto {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
    pub id: String,
    pub file_name: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub category: Option<String>,
    pub columns: Vec<UploadColumn>,
    pub row_count: u32,
    pub content_hash: String,
    pub status: UploadStatus,
    /// Chunk numbers the server holds, ascending.
    pub acknowledged_chunks: Vec<u32>,
    /// Totals over the acknowledged chunks.
    pub counts: UploadCounts,
    /// Leads of this upload sold at least once.
    pub sold: u32,
    /// Commission accrued on this upload's sales (not reversed), in the marketplace currency.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub earned: Decimal,
    pub created_at: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub completed_at: Option<DateTime<Utc>>,
}

/// A payout to the partner through the payout provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PayoutDto {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub amount: Decimal,
    pub currency: String,
    /// `dev`, or the provider's name.
    pub provider: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub provider_ref: Option<String>,
    pub requested_at: DateTime<Utc>,
}

/// `GET /v1/partner/earnings`: commission by stage, in the marketplace currency. Pending is
/// sales whose refund window is still open within the holdback; held includes pending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PartnerEarnings {
    pub currency: String,
    /// Held back, bought within the buyers' refund window (may still be reversed by a refund
    /// request).
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub pending: Decimal,
    /// Held back in all (pending included), payable when its holdback ends.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub held: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub payable: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub paid: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub minimum_payout: Decimal,
    /// The payable balance has reached the minimum: a payout may be requested.
    pub payout_due: bool,
    /// When the next held commission becomes payable.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_release_at: Option<DateTime<Utc>>,
    /// Newest first.
    pub payouts: Vec<PayoutDto>,
    /// The latest sales' commissions, newest first (at most 100).
    pub commissions: Vec<CommissionDto>,
}

/// The partner score with its breakdown and the rates behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PartnerScoreDto {
    /// 0–100.
    pub score: u8,
    pub breakdown: Vec<ScoreSignal>,
    /// Fractions in [0, 1], as decimal strings.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub verification_pass_rate: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub duplicate_rate: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub sell_through: Decimal,
}

/// `GET /v1/partner/dashboard`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PartnerDashboard {
    /// Rows sent in every upload.
    pub uploaded: u32,
    /// Leads accepted and put on the marketplace.
    pub listed: u32,
    pub awaiting_review: u32,
    /// Leads bought at least once.
    pub sold: u32,
    /// Commission earned (not reversed), in the marketplace currency.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub revenue: Decimal,
    pub currency: String,
    pub review: PartnerReview,
    pub score: PartnerScoreDto,
}

/// A partner as admins see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AdminPartnerDto {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
    pub id: String,
    pub name: String,
    pub email: String,
    pub review: PartnerReview,
    pub uploaded: u32,
    pub listed: u32,
    pub awaiting_review: u32,
    pub sold: u32,
    pub score: PartnerScoreDto,
}

/// What an admin decides about a partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PartnerAction {
    /// Past their first leads: their drafts are listed (and routed); later leads list at once.
    Approve,
    /// Their listed leads leave the marketplace; no uploads or payouts.
    Suspend,
    /// The leads the suspension withdrew are listed again.
    Unsuspend,
}

/// `POST /v1/admin/partners/{id}/decision`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PartnerDecision {
    pub action: PartnerAction,
}
