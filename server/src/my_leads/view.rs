//! Assembles a [`PurchasedLead`]: the lead (still priced and aged by the shared rules), its
//! revealed contact, and the buyer's pipeline, notes, contact log and refund. Reads run on a
//! [`Tx`] so a write path can answer with what it just wrote, before committing.

use chrono::{DateTime, Utc};
use leadmart_shared::money::Money;
use leadmart_shared::pipeline::{ContactChannel, Pipeline, PipelineStage};
use leadmart_shared::refund::{RefundReason, RefundStatus, refund_deadline};
use leadmart_shared::wire::{
    ContactDto, ContactLogEntry, LeadNote, LeadPreviewDto, PurchasedLead, RefundDto, StageChangeDto,
};

use crate::db::{DbDecimal, Tx, enum_from_column};
use crate::error::ApiError;
use crate::marketplace::record::{LEAD_COLUMNS, LeadRecord};
use crate::{MarketConfig, with_tx};

/// The buyer's purchase of one lead.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PurchaseRow {
    pub id: i64,
    pub lead_id: i64,
    pub buyer_id: i64,
    pub price: DbDecimal,
    pub purchased_at: DateTime<Utc>,
    pub stage: String,
    pub stage_since: DateTime<Utc>,
    pub deal_value: Option<DbDecimal>,
    pub updated_at: DateTime<Utc>,
}

pub const PURCHASE_COLUMNS: &str =
    "id, lead_id, buyer_id, price, purchased_at, stage, stage_since, deal_value, updated_at";

/// The caller's purchase of `lead_id`; `None` when they did not buy it (which is all another
/// buyer learns: a lead someone else bought is simply not in your leads).
pub async fn find_purchase(
    tx: &mut Tx,
    buyer: i64,
    lead_id: i64,
) -> Result<Option<PurchaseRow>, ApiError> {
    let lock = tx.for_update();
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {PURCHASE_COLUMNS} FROM purchases WHERE buyer_id = $1 AND lead_id = $2{lock}"
    ));
    let row = with_tx!(tx, conn => {
        sqlx::query_as(sql).bind(buyer).bind(lead_id).fetch_optional(conn).await?
    });
    Ok(row)
}

#[derive(sqlx::FromRow)]
struct RefundRow {
    id: i64,
    purchase_id: i64,
    lead_id: i64,
    reason: String,
    note: String,
    status: String,
    credits: DbDecimal,
    requested_at: DateTime<Utc>,
    decided_at: Option<DateTime<Utc>>,
    decision_note: Option<String>,
}

pub const REFUND_COLUMNS: &str = "id, purchase_id, lead_id, reason, note, status, credits, \
     requested_at, decided_at, decision_note";

fn refund_dto(row: RefundRow) -> Result<RefundDto, ApiError> {
    Ok(RefundDto {
        id: row.id.to_string(),
        purchase_id: row.purchase_id.to_string(),
        lead_id: row.lead_id.to_string(),
        reason: enum_from_column::<RefundReason>(&row.reason)?,
        note: row.note,
        status: enum_from_column::<RefundStatus>(&row.status)?,
        credits: row.credits.0,
        requested_at: row.requested_at,
        decided_at: row.decided_at,
        decision_note: row.decision_note,
    })
}

/// Refunds matching `filter` (a constant SQL condition on `$1`).
pub async fn refunds_where(
    tx: &mut Tx,
    filter: &'static str,
    value: &str,
) -> Result<Vec<RefundDto>, ApiError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE {filter} ORDER BY id"
    ));
    let rows: Vec<RefundRow> = with_tx!(tx, conn => {
        sqlx::query_as(sql).bind(value).fetch_all(conn).await?
    });
    rows.into_iter().map(refund_dto).collect()
}

pub async fn refund_by_id(tx: &mut Tx, id: i64) -> Result<Option<RefundDto>, ApiError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {REFUND_COLUMNS} FROM refunds WHERE id = $1"
    ));
    let row: Option<RefundRow> = with_tx!(tx, conn => {
        sqlx::query_as(sql).bind(id).fetch_optional(conn).await?
    });
    row.map(refund_dto).transpose()
}

/// The shared pipeline of a purchase, rebuilt from its recorded changes.
pub async fn pipeline(tx: &mut Tx, purchase: &PurchaseRow) -> Result<Pipeline, ApiError> {
    let rows: Vec<(String, DateTime<Utc>)> = with_tx!(tx, conn => {
        sqlx::query_as("SELECT to_stage, at FROM stage_changes WHERE purchase_id = $1 ORDER BY id")
            .bind(purchase.id)
            .fetch_all(conn)
            .await?
    });
    let mut pipeline = Pipeline::start(purchase.purchased_at);
    for (to, at) in rows {
        let to: PipelineStage = enum_from_column(&to)?;
        let deal = match to {
            PipelineStage::Won => purchase
                .deal_value
                .map(|d| Money::new(d.0))
                .transpose()
                .map_err(ApiError::corrupt)?,
            _ => None,
        };
        pipeline.move_to(to, at, deal).map_err(ApiError::corrupt)?;
    }
    Ok(pipeline)
}

/// Everything the buyer sees about a lead they bought.
pub async fn purchased_lead(
    tx: &mut Tx,
    purchase: &PurchaseRow,
    market: &MarketConfig,
    now: DateTime<Utc>,
) -> Result<PurchasedLead, ApiError> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {LEAD_COLUMNS} FROM leads WHERE id = $1"));
    let record: LeadRecord = with_tx!(tx, conn => {
        sqlx::query_as(sql).bind(purchase.lead_id).fetch_one(conn).await?
    });
    let lead = record.into_lead()?;
    let notes: Vec<(i64, String, DateTime<Utc>)> = with_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT id, body, created_at FROM lead_notes WHERE purchase_id = $1 ORDER BY id",
        )
        .bind(purchase.id)
        .fetch_all(conn)
        .await?
    });
    let contacts: Vec<(i64, String, DateTime<Utc>, Option<String>)> = with_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT id, channel, at, note FROM contact_log WHERE purchase_id = $1 ORDER BY id",
        )
        .bind(purchase.id)
        .fetch_all(conn)
        .await?
    });
    let pipeline = pipeline(tx, purchase).await?;
    let refund = refunds_where(
        tx,
        "purchase_id = CAST($1 AS BIGINT)",
        &purchase.id.to_string(),
    )
    .await?
    .pop();
    let preview = lead.preview(now, &market.pricing, &market.freshness);
    Ok(PurchasedLead {
        purchase_id: purchase.id.to_string(),
        lead: LeadPreviewDto::from_preview(&preview, &market.credit_value.currency.to_string()),
        contact: ContactDto::from(&lead.contact),
        price_paid: purchase.price.0,
        purchased_at: purchase.purchased_at,
        refund_deadline: refund_deadline(purchase.purchased_at, &market.refunds),
        stage: pipeline.stage(),
        deal_value: pipeline.deal_value().map(Money::amount),
        notes: notes
            .into_iter()
            .map(|(id, body, created_at)| LeadNote {
                id: id.to_string(),
                body,
                created_at,
            })
            .collect(),
        contact_log: contacts
            .into_iter()
            .map(|(id, channel, at, note)| {
                Ok(ContactLogEntry {
                    id: id.to_string(),
                    channel: enum_from_column::<ContactChannel>(&channel)?,
                    at,
                    note,
                })
            })
            .collect::<Result<_, ApiError>>()?,
        updated_at: purchase.updated_at,
        stage_history: pipeline
            .history()
            .iter()
            .map(|c| StageChangeDto {
                from: c.from,
                to: c.to,
                at: c.at,
            })
            .collect(),
        refund,
    })
}
