//! Wire DTOs: what crosses HTTP between server and app, and IPC between app and UI.
//!
//! Money and 64-bit ids travel as strings (JavaScript numbers cannot hold them exactly); with
//! the `openapi` feature each DTO describes itself (`utoipa::ToSchema`), money as a decimal
//! string; an answer's `Option` fields are required there, as the server always sends them
//! (`null` when empty).

use crate::commission::{CommissionBonus, CommissionStatus};
use crate::csv_rules::{HeaderMapping, LeadField, RowProblem};
use crate::lead::{Exclusivity, LeadPreview, Urgency, VerificationStatus};
use crate::ledger::LedgerReason;
use crate::money::{CreditPackage, CreditValue, Credits};
use crate::pipeline::{ContactChannel, ContactOutcome, PipelineStage};
use crate::purchase::PurchaseDenied;
use crate::refund::{RefundDenied, RefundReason, RefundStatus};
use crate::scoring::ScoreBreakdown;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use specta::Type;
use std::collections::BTreeMap;

pub mod events;
pub mod inventory;
pub mod partner;
pub mod sync;

/// A listed lead as a buyer sees it before buying. This type has no contact fields at all, so a
/// handler that serialises it cannot leak a name, email, phone or address by mistake.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LeadCard {
    /// The lead's id, as a string (64-bit on the server).
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
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
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub budget_min: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub budget_max: Decimal,
    /// `immediate`, `this_week`, `within_month`, `within_3_months` or `flexible`.
    pub urgency: String,
    /// Quality score, 0–100.
    pub score: u8,
    /// Price to buy, in credits.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LeadPage {
    pub leads: Vec<LeadCard>,
    /// Opaque cursor for the next page; `None` on the last page.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// The error body every API error carries: `{ "error": { "code", "message" } }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiErrorBody {
    pub error: ApiErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiErrorDetail {
    /// Stable machine-readable code, e.g. `insufficient_credits`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

impl ApiErrorBody {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error: ApiErrorDetail {
                code: code.into(),
                message: message.into(),
            },
        }
    }
}

impl From<&PurchaseDenied> for ApiErrorBody {
    fn from(denied: &PurchaseDenied) -> Self {
        Self::new(denied.code(), denied.to_string())
    }
}

impl From<&RefundDenied> for ApiErrorBody {
    fn from(denied: &RefundDenied) -> Self {
        Self::new(denied.code(), denied.to_string())
    }
}

impl LeadCard {
    /// Where the lead is, as people name it: its area, else its city.
    pub fn place(&self) -> &str {
        if self.area.is_empty() {
            &self.city
        } else {
            &self.area
        }
    }

    /// `3BHK Apartment · Andheri West`: what the lead is and where.
    pub fn title_and_place(&self) -> String {
        format!("{} · {}", self.title, self.place())
    }

    /// The card of a preview. A lead without a budget shows `0 – 0` (the card's budget fields
    /// predate optional budgets); `title` is already redacted by the preview.
    pub fn from_preview(preview: &LeadPreview, marketplace_currency: &str) -> Self {
        let (currency, budget_min, budget_max) = match &preview.budget {
            Some(b) => (b.currency().to_string(), b.min().amount(), b.max().amount()),
            None => (
                marketplace_currency.to_owned(),
                Decimal::ZERO,
                Decimal::ZERO,
            ),
        };
        Self {
            id: preview.id.to_string(),
            category: preview.category.to_string(),
            title: preview.title.clone(),
            country: preview.location.country().to_owned(),
            region: preview.location.region().to_owned(),
            city: preview.location.city().to_owned(),
            area: preview.location.area().unwrap_or_default().to_owned(),
            currency,
            budget_min,
            budget_max,
            urgency: preview.urgency.to_string(),
            score: preview.score.score().value(),
            price_credits: preview.price.amount(),
            exclusivity: preview.cap.exclusivity().to_string(),
            max_buyers: preview.cap.max_buyers(),
            purchases: preview.purchases,
            views: preview.views,
            listed_at: preview.listed_at.unwrap_or_default(),
        }
    }
}

// ---- Auth -------------------------------------------------------------------------------
//
// Passwords and tokens never reach `Debug` output (and so never a log line or a panic message):
// the types that carry them print `<redacted>` in their place.

/// What `Debug` prints instead of a secret.
const REDACTED: &str = "<redacted>";

/// `POST /v1/auth/signin`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SignInRequest {
    pub email: String,
    pub password: String,
}

impl std::fmt::Debug for SignInRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInRequest")
            .field("email", &self.email)
            .field("password", &REDACTED)
            .finish()
    }
}

/// `POST /v1/auth/signup`. Only `agent` and `partner` may sign themselves up.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SignUpRequest {
    pub email: String,
    pub password: String,
    pub name: String,
    pub role: crate::account::Role,
}

impl std::fmt::Debug for SignUpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignUpRequest")
            .field("email", &self.email)
            .field("password", &REDACTED)
            .field("name", &self.name)
            .field("role", &self.role)
            .finish()
    }
}

/// `POST /v1/auth/refresh` and `POST /v1/auth/signout`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RefreshRequest {
    pub refresh_token: String,
}

impl std::fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshRequest")
            .field("refresh_token", &REDACTED)
            .finish()
    }
}

/// `GET /v1/me`: who the token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MeDto {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: crate::account::Role,
    /// Agents must be verified before they may buy.
    pub verified: bool,
}

/// The answer of sign-in, sign-up and refresh. Refresh tokens rotate: each refresh returns a
/// new one and retires the old.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuthSession {
    pub access_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub user: MeDto,
}

impl std::fmt::Debug for AuthSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSession")
            .field("access_token", &REDACTED)
            .field("access_expires_at", &self.access_expires_at)
            .field("refresh_token", &REDACTED)
            .field("user", &self.user)
            .finish()
    }
}

/// One line of a score breakdown ("Budget verified", +25).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ScoreSignal {
    pub label: String,
    pub points: i32,
}

pub fn score_signals(breakdown: &ScoreBreakdown) -> Vec<ScoreSignal> {
    breakdown
        .signals()
        .iter()
        .map(|s| ScoreSignal {
            label: s.label.clone(),
            points: s.points,
        })
        .collect()
}

/// The preview modal: the card plus what a buyer may know before buying. No contact fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LeadPreviewDto {
    pub card: LeadCard,
    pub description: String,
    pub attributes: BTreeMap<String, String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub postal_code: Option<String>,
    pub score_breakdown: Vec<ScoreSignal>,
    /// Freshness 5–100, rounded.
    pub freshness: u8,
    pub verification_status: VerificationStatus,
    pub phone_verified: bool,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub expires_at: Option<DateTime<Utc>>,
}

impl LeadPreviewDto {
    pub fn from_preview(preview: &LeadPreview, marketplace_currency: &str) -> Self {
        Self {
            card: LeadCard::from_preview(preview, marketplace_currency),
            description: preview.description.clone(),
            attributes: preview.attributes.clone(),
            postal_code: preview.location.postal_code().map(str::to_owned),
            score_breakdown: score_signals(&preview.score),
            freshness: preview.freshness.rounded(),
            verification_status: preview.verification,
            phone_verified: preview.phone_verified,
            expires_at: preview.expires_at,
        }
    }
}

/// Contact details, sent only to a buyer who bought the lead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ContactDto {
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub email: Option<String>,
    /// E.164, e.g. `+919876543210`.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub phone: Option<String>,
    /// The phone grouped for reading, `+91 98765 43210` ([`PhoneE164::display_international`]).
    /// Absent from answers cached before it existed.
    ///
    /// [`PhoneE164::display_international`]: crate::contact::PhoneE164::display_international
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub phone_display: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub address: Option<String>,
}

impl From<&crate::contact::ContactDetails> for ContactDto {
    fn from(c: &crate::contact::ContactDetails) -> Self {
        Self {
            name: c.name.as_str().to_owned(),
            email: c.email.as_ref().map(|e| e.as_str().to_owned()),
            phone: c.phone.as_ref().map(|p| p.as_str().to_owned()),
            phone_display: c.phone.as_ref().map(|p| p.display_international()),
            address: c.address.clone(),
        }
    }
}

/// A lead the buyer owns: everything, plus their pipeline (My Leads).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PurchasedLead {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
    pub purchase_id: String,
    pub lead: LeadPreviewDto,
    /// `None` once a refund of this purchase is approved
    /// ([`RefundStatus::buyer_keeps_contact`](crate::refund::RefundStatus::buyer_keeps_contact)):
    /// the details are then erased from the app's cache too; `refund.decidedAt` says when.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub contact: Option<ContactDto>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub price_paid: Decimal,
    pub purchased_at: DateTime<Utc>,
    pub refund_deadline: DateTime<Utc>,
    pub stage: PipelineStage,
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Option<String>, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub deal_value: Option<Decimal>,
    pub notes: Vec<LeadNote>,
    pub contact_log: Vec<ContactLogEntry>,
    pub updated_at: DateTime<Utc>,
    /// Every stage change, oldest first, with its time.
    #[serde(default)]
    pub stage_history: Vec<StageChangeDto>,
    /// The refund request on this purchase, if any.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub refund: Option<RefundDto>,
}

/// One recorded pipeline move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StageChangeDto {
    pub from: PipelineStage,
    pub to: PipelineStage,
    pub at: DateTime<Utc>,
}

/// `GET /v1/my/leads`: the buyer's purchased leads, newest purchase first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MyLeadsPage {
    pub leads: Vec<PurchasedLead>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// `POST /v1/my/leads/{leadId}/notes`, replayable by its mutation id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewNote {
    pub client_mutation_id: String,
    pub body: String,
}

/// `POST /v1/my/leads/{leadId}/contacts`: the agent called, emailed, messaged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewContactLog {
    pub client_mutation_id: String,
    pub channel: ContactChannel,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
    #[serde(default)]
    pub outcome: Option<ContactOutcome>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LeadNote {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
    pub id: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ContactLogEntry {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
    pub id: String,
    pub channel: ContactChannel,
    pub at: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub note: Option<String>,
    /// What came of it, when the agent said.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub outcome: Option<ContactOutcome>,
}

/// `POST /v1/marketplace/leads/{id}/purchase` answer (the request carries an `Idempotency-Key`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PurchaseResponse {
    pub purchase: PurchasedLead,
    pub balance: CreditBalance,
}

/// A pipeline change made by the app, replayable from the outbox by its mutation id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StageUpdate {
    pub client_mutation_id: String,
    pub stage: PipelineStage,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub deal_value: Option<Decimal>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreditBalance {
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub credits: Decimal,
    /// Nominal value of the credits in `currency`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub value: Decimal,
    pub currency: String,
}

impl CreditBalance {
    pub fn new(credits: Credits, value: &CreditValue) -> Self {
        Self {
            credits: credits.amount(),
            value: value.to_money(credits).amount(),
            currency: value.currency.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreditPackageDto {
    pub code: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub credits: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub price: Decimal,
    pub currency: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub price_per_credit: Decimal,
    /// "Save 10%" → `10`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub save_percent: Decimal,
    /// The nominal value of one credit in `currency` (the marketplace's, not this package's
    /// discounted price per credit): what the app converts credits to money with.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub credit_value: Decimal,
}

/// What one credit is worth in the marketplace currency (seed 000: 1 credit = ₹100), as the
/// server states it in every package ([`CreditPackageDto::credit_value`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreditValueDto {
    pub currency: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub per_credit: Decimal,
}

impl CreditValueDto {
    pub fn new(value: &CreditValue) -> Self {
        Self {
            currency: value.currency.to_string(),
            per_credit: value.per_credit.amount(),
        }
    }

    /// The value the server states in its packages answer; `None` without packages.
    pub fn from_packages(packages: &[CreditPackageDto]) -> Option<Self> {
        packages.first().map(|p| Self {
            currency: p.currency.clone(),
            per_credit: p.credit_value,
        })
    }

    /// The domain value, when the DTO holds a valid currency code and amount.
    pub fn to_value(&self) -> Option<CreditValue> {
        Some(CreditValue {
            currency: crate::money::CurrencyCode::new(&self.currency).ok()?,
            per_credit: crate::money::Money::new(self.per_credit).ok()?,
        })
    }
}

/// An amount of credits with its money worth at the nominal credit value, for display: the UI
/// formats these, it never multiplies. `value`/`currency` are absent when the credit value is
/// unknown (offline before it was ever fetched).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreditAmount {
    /// Signed: ledger lines that spend are negative.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub credits: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub value: Option<Decimal>,
    pub currency: Option<String>,
}

impl CreditAmount {
    /// `credits` and, with a credit value, their money worth rounded half-up to two places
    /// (the sign follows the credits).
    pub fn new(credits: Decimal, value: Option<&CreditValue>) -> Self {
        let worth = value.map(|v| {
            let money = v.to_money(Credits::rounded(credits.abs())).amount();
            if credits.is_sign_negative() && !money.is_zero() {
                -money
            } else {
                money
            }
        });
        Self {
            credits,
            value: worth,
            currency: value.map(|v| v.currency.to_string()),
        }
    }
}

impl CreditPackageDto {
    pub fn new(pack: &CreditPackage, value: &CreditValue) -> Self {
        Self {
            code: pack.code.clone(),
            credits: pack.credits.amount(),
            price: pack.price.amount(),
            currency: value.currency.to_string(),
            price_per_credit: pack
                .price_per_credit()
                .map(|m| m.amount())
                .unwrap_or_default(),
            save_percent: (pack.discount(value).value() * Decimal::ONE_HUNDRED).normalize(),
            credit_value: value.per_credit.amount(),
        }
    }
}

/// One line of the buyer's statement: a signed change of their wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LedgerLine {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
    pub id: String,
    pub at: DateTime<Utc>,
    pub reason: LedgerReason,
    pub description: String,
    pub reference: String,
    /// Negative for spending.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub credits: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub balance_after: Decimal,
}

/// `POST /v1/credits/purchase`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreditPurchaseRequest {
    pub package_code: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Paid; the credits are in the wallet.
    Settled,
    /// Waiting for the buyer to pay at `checkoutUrl` (Stripe Checkout).
    Pending,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreditPurchaseResult {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
    pub payment_id: String,
    pub status: PaymentStatus,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub checkout_url: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub credits: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub price: Decimal,
    pub balance: CreditBalance,
}

/// The purchase confirmation: the price, the balance now and after, with their worth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PurchaseQuote {
    pub price: CreditAmount,
    pub balance: CreditAmount,
    /// `balance − price`; negative when the balance is short.
    pub after: CreditAmount,
    /// The balance covers the price.
    pub enough: bool,
}

impl PurchaseQuote {
    pub fn new(balance: Decimal, price: Decimal, value: Option<&CreditValue>) -> Self {
        let after = balance.saturating_sub(price);
        Self {
            price: CreditAmount::new(price, value),
            balance: CreditAmount::new(balance, value),
            after: CreditAmount::new(after, value),
            enough: !after.is_sign_negative() || after.is_zero(),
        }
    }
}

/// `GET /v1/credits/transactions`: the wallet's statement, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LedgerPage {
    pub lines: Vec<LedgerLine>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// One month of the spending chart (`GET /v1/credits/spending`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MonthlySpend {
    /// `YYYY-MM`, UTC.
    pub month: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub spent_credits: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub refunded_credits: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub bought_credits: Decimal,
    pub leads_bought: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AutoRechargeDto {
    pub enabled: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub below: Decimal,
    pub package_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RefundRequest {
    pub purchase_id: String,
    pub reason: RefundReason,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RefundDto {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
    pub purchase_id: String,
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
    pub lead_id: String,
    pub reason: RefundReason,
    pub note: String,
    pub status: RefundStatus,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub credits: Decimal,
    pub requested_at: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub decided_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub decision_note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RefundDecision {
    pub approve: bool,
    pub note: Option<String>,
}

/// A refund in the admin queue (`GET /v1/admin/refunds`): the request, who asked, and the lead
/// as its buyer has it — what they bought, its pipeline and contact log, the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AdminRefundDto {
    #[serde(flatten)]
    pub refund: RefundDto,
    /// The buyer's name.
    pub buyer: String,
    pub lead: PurchasedLead,
}

/// The admin console's overview (`GET /v1/admin/overview`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AdminOverviewDto {
    /// The period of [`Self::financials`] and the activity counts, in days up to now.
    pub days: u32,
    pub agents: u32,
    /// Agents who bought in the period.
    pub active_agents: u32,
    pub partners: u32,
    /// Partners with a lead listed now.
    pub active_partners: u32,
    /// Leads listed and sold per day, the last 14 days in the marketplace's time zone.
    pub trend: Vec<crate::operations::DayFigures>,
    pub financials: crate::operations::Financials,
}

/// A sensitive admin action, as the audit log names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    RefundApproved,
    RefundDenied,
    PartnerApproved,
    PartnerSuspended,
    PartnerUnsuspended,
    AgentVerified,
    LeadsUnlisted,
    LeadsRelisted,
}

/// One audit-log entry (`GET /v1/admin/audit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryDto {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
    pub id: String,
    pub at: DateTime<Utc>,
    /// The admin's name.
    pub actor: String,
    pub action: AuditAction,
    /// What it was done to: `refund 12`, `partner 3`, `agent 7`, `leads 40, 41`.
    pub subject: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ServiceAreaDto {
    pub country: String,
    pub region: String,
    pub city: Option<String>,
    pub area: Option<String>,
}

/// An agent's settings page: what they serve, what they want, how much they spend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AgentPreferencesDto {
    pub categories: Vec<String>,
    pub service_areas: Vec<ServiceAreaDto>,
    pub min_score: Option<u8>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub budget_min: Option<Decimal>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub budget_max: Option<Decimal>,
    pub exclusivity: Option<Exclusivity>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub max_price: Option<Decimal>,
    pub urgencies: Vec<Urgency>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub daily_limit: Option<Decimal>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub per_lead_max: Option<Decimal>,
    pub auto_buy_score_above: Option<u8>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub auto_buy_max_price: Option<Decimal>,
    /// Currency of `budget_min`/`budget_max`; the marketplace currency when absent.
    #[serde(default)]
    pub budget_currency: Option<String>,
    /// Wanted values of category attributes, e.g. `property_type: ["2BHK", "3BHK"]`.
    #[serde(default)]
    pub category_attributes: BTreeMap<String, Vec<String>>,
    /// Ask the agent to confirm purchases above this many credits (seed 000 budget controls).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub confirm_above: Option<Decimal>,
    /// The agent's IANA time zone (`Asia/Kolkata`): their "day" for the daily limit. Absent on
    /// the way in keeps the marketplace's zone; the server always answers with the zone in force.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// A partner's commission on one sale. Never names the buyer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CommissionDto {
    pub lead_id: String,
    pub sold_at: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub sale_value: Decimal,
    /// `0.45` for 45%.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub rate: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub amount: Decimal,
    pub bonuses: Vec<CommissionBonus>,
    pub status: CommissionStatus,
    pub payable_at: DateTime<Utc>,
}

/// The column mapping of an upload, as the mapping screen shows and edits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ColumnMappingDto {
    pub index: u32,
    pub header: String,
    pub field: Option<LeadField>,
    /// 0–100.
    pub confidence: u8,
    /// Set when another column maps to the same field with higher confidence.
    pub duplicate_of: Option<u32>,
}

impl ColumnMappingDto {
    pub fn from_mapping(mapping: &HeaderMapping) -> Vec<Self> {
        mapping
            .columns()
            .iter()
            .map(|c| Self {
                index: u32::try_from(c.index).unwrap_or(u32::MAX),
                header: c.header.clone(),
                field: c.field,
                confidence: c.confidence,
                duplicate_of: c.duplicate_of.map(|d| u32::try_from(d).unwrap_or(u32::MAX)),
            })
            .collect()
    }
}

/// One problem of one rejected row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RowProblemDto {
    /// 1-based data row number (the header is row 0).
    pub row: u64,
    pub column: Option<String>,
    pub field: Option<LeadField>,
    /// Stable code (`invalid_email`, `duplicate_in_file`, …).
    pub code: String,
    pub message: String,
}

impl RowProblemDto {
    pub fn new(row: u64, problem: &RowProblem, mapping: &HeaderMapping) -> Self {
        Self {
            row,
            column: problem
                .column
                .and_then(|i| mapping.columns().get(i))
                .map(|c| c.header.clone()),
            field: problem.field,
            code: problem.issue.code().to_owned(),
            message: problem.issue.to_string(),
        }
    }
}

/// A lead sent in by the web form, an integration or an admin. Budgets are in the
/// marketplace's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IntakeLeadDto {
    /// Category slug such as `home-services/plumbing`.
    pub category: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub region: String,
    pub city: String,
    #[serde(default)]
    pub area: Option<String>,
    #[serde(default)]
    pub postal_code: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub budget_min: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub budget_max: Decimal,
    #[serde(default)]
    pub urgency: Option<Urgency>,
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    /// One buyer only (priced higher).
    #[serde(default)]
    pub exclusive: bool,
}

/// The public web form: the lead, the token the form was shown with, and the honeypot field
/// (`website`), hidden from people and left empty by them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebFormSubmission {
    pub lead: IntakeLeadDto,
    pub form_token: String,
    #[serde(default)]
    pub website: String,
}

/// A token to show the web form with; sending it sooner than `minFillSeconds` is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FormTokenDto {
    pub form_token: String,
    pub min_fill_seconds: u32,
}

/// A listed lead as intake answers it: its id, score, price and how it was routed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IntakeAccepted {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
    pub lead_id: String,
    pub score: u8,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub price_credits: Decimal,
    /// `exact`, `region` or `unrouted` (flagged to admins).
    pub routed: crate::routing::RouteScope,
    /// How many agents were told (`lead.matched`).
    pub notified: u32,
}

/// An intake API key (never its secret, which is shown once, at creation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IntakeKeyDto {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewIntakeKey {
    pub name: String,
}

/// A new key with its secret: send it as `X-Intake-Key`. Shown this once; only its hash is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreatedIntakeKey {
    pub key: IntakeKeyDto,
    pub secret: String,
}

/// A listed lead nobody was routed to, even region-wide: the admins' queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UnroutedLeadDto {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9]+$"))]
    pub lead_id: String,
    pub routed_at: DateTime<Utc>,
}

/// An agent's notification settings (seed 000 Settings). Quiet hours are local wall-clock
/// `HH:MM` in the agent's time zone (`timeZone`, answered for display; it is changed with the
/// preferences), both or neither; they may wrap past midnight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NotificationSettingsDto {
    pub new_lead_alert: bool,
    pub lead_response: bool,
    pub low_credit_warning: bool,
    pub daily_summary: bool,
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, pattern = r"^[0-2][0-9]:[0-5][0-9]$")
    )]
    pub quiet_hours_start: Option<String>,
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, pattern = r"^[0-2][0-9]:[0-5][0-9]$")
    )]
    pub quiet_hours_end: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub time_zone: Option<String>,
}
