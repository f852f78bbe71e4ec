//! A lead row as stored, turned into the shared [`Lead`] so every buyer-facing view goes
//! through the shared rules (price, freshness, masking and redaction in `Lead::preview`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use leadmart_shared::contact::{ContactDetails, Email, PersonName, PhoneE164};
use leadmart_shared::ids::{LeadId, PartnerId};
use leadmart_shared::lead::{
    BudgetRange, BuyerCap, Category, Exclusivity, Lead, LeadSource, ListingStatus, Location,
    Urgency, VerificationStatus,
};
use leadmart_shared::money::{CurrencyCode, Money};
use leadmart_shared::scoring::{ScoreBreakdown, Signal};

use crate::db::DbDecimal;
use crate::error::ApiError;

/// Every column of `leads`, in the order of [`LeadRecord`].
pub const LEAD_COLUMNS: &str = "id, category, title, description, country, region, city, area, \
     postal_code, currency, budget_min, budget_max, urgency, score, exclusivity, max_buyers, \
     purchases, views, contact_name, contact_email, contact_phone, contact_address, \
     phone_verified, verification, source, status, created_at, listed_at, expires_at, \
     partner_id, attributes, score_signals";

#[derive(Debug, sqlx::FromRow)]
pub struct LeadRecord {
    pub id: i64,
    pub category: String,
    pub title: String,
    pub description: String,
    pub country: String,
    pub region: String,
    pub city: String,
    pub area: String,
    pub postal_code: String,
    pub currency: String,
    pub budget_min: DbDecimal,
    pub budget_max: DbDecimal,
    pub urgency: String,
    pub score: i32,
    pub exclusivity: String,
    pub max_buyers: i32,
    pub purchases: i32,
    pub views: i32,
    pub contact_name: String,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_address: Option<String>,
    pub phone_verified: bool,
    pub verification: String,
    pub source: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub listed_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub partner_id: Option<i64>,
    pub attributes: String,
    pub score_signals: String,
}

impl LeadRecord {
    /// The shared record. Any failure means the row breaks an invariant the writers keep.
    pub fn into_lead(self) -> Result<Lead, ApiError> {
        let exclusivity = Exclusivity::parse(&self.exclusivity).map_err(ApiError::corrupt)?;
        let max_buyers = u32::try_from(self.max_buyers).map_err(ApiError::corrupt)?;
        let cap = match exclusivity {
            Exclusivity::Exclusive => BuyerCap::exclusive(),
            Exclusivity::Shared => BuyerCap::shared(max_buyers).map_err(ApiError::corrupt)?,
        };
        let mut signals: Vec<Signal> =
            serde_json::from_str(&self.score_signals).map_err(ApiError::corrupt)?;
        if signals.is_empty() {
            // Leads without a recorded breakdown show their score as one line.
            signals.push(Signal {
                label: "Quality score".to_owned(),
                points: self.score,
            });
        }
        let budget = BudgetRange::new(
            CurrencyCode::new(&self.currency).map_err(ApiError::corrupt)?,
            Money::new(self.budget_min.0).map_err(ApiError::corrupt)?,
            Money::new(self.budget_max.0).map_err(ApiError::corrupt)?,
        )
        .map_err(ApiError::corrupt)?;
        let contact = ContactDetails::new(
            PersonName::parse(&self.contact_name).map_err(ApiError::corrupt)?,
            self.contact_email
                .as_deref()
                .map(Email::parse)
                .transpose()
                .map_err(ApiError::corrupt)?,
            self.contact_phone
                .as_deref()
                .map(PhoneE164::from_e164)
                .transpose()
                .map_err(ApiError::corrupt)?,
            self.contact_address,
        )
        .map_err(ApiError::corrupt)?;
        let attributes: BTreeMap<String, String> =
            serde_json::from_str(&self.attributes).map_err(ApiError::corrupt)?;
        Ok(Lead {
            id: LeadId::new(self.id).map_err(ApiError::corrupt)?,
            category: Category::parse(&self.category).map_err(ApiError::corrupt)?,
            attributes,
            title: self.title,
            description: self.description,
            location: Location::new(
                &self.country,
                &self.region,
                &self.city,
                Some(&self.area),
                Some(&self.postal_code),
            )
            .map_err(ApiError::corrupt)?,
            budget: Some(budget),
            urgency: Urgency::parse(&self.urgency).map_err(ApiError::corrupt)?,
            contact,
            source: LeadSource::parse(&self.source).map_err(ApiError::corrupt)?,
            partner: self
                .partner_id
                .map(PartnerId::new)
                .transpose()
                .map_err(ApiError::corrupt)?,
            created_at: self.created_at,
            listed_at: Some(self.listed_at),
            expires_at: Some(self.expires_at),
            verification: VerificationStatus::parse(&self.verification)
                .map_err(ApiError::corrupt)?,
            phone_verified: self.phone_verified,
            cap,
            status: ListingStatus::parse(&self.status).map_err(ApiError::corrupt)?,
            views: u32::try_from(self.views).map_err(ApiError::corrupt)?,
            purchases: u32::try_from(self.purchases).map_err(ApiError::corrupt)?,
            score: ScoreBreakdown::from_signals(signals),
        })
    }
}
