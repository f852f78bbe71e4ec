//! My Leads' SQL: the buyer's purchase rows (found, paged, locked for a change), the writes of
//! their work on them (stage changes, notes, contact log), and the batched load of everything a
//! [`PurchasedLead`] shows — five queries for any number of purchases ([`purchased_leads`]),
//! assembled by [`super::view`]. Reads run on a [`Tx`] so a write path can answer with what it
//! just wrote, before committing.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use leadmart_shared::money::Money;
use leadmart_shared::pipeline::{ContactChannel, ContactOutcome, Pipeline, PipelineStage};
use leadmart_shared::wire::PurchasedLead;

use super::view::{self, ContactRow, NoteRow, Related, StageRow};
use crate::db::{DbDecimal, Tx, enum_to_column};
use crate::error::ApiError;
use crate::marketplace::record::{LEAD_COLUMNS, LeadRecord};
use crate::refunds::store::{REFUND_COLUMNS, RefundRow};
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

/// The caller's purchase of `lead_id` (locked in a write transaction); `None` when they did not
/// buy it (which is all another buyer learns: a lead someone else bought is simply not in your
/// leads).
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

/// Up to `count` of the buyer's purchases with an id below `before`, newest first, only those in
/// `stage` when given.
pub async fn purchases_page(
    tx: &mut Tx,
    buyer: i64,
    before: i64,
    stage: Option<PipelineStage>,
    count: i64,
) -> Result<Vec<PurchaseRow>, ApiError> {
    let stage = stage.map(|s| enum_to_column(&s));
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {PURCHASE_COLUMNS} FROM purchases WHERE buyer_id = $1 AND id < $2 \
         AND ($3 IS NULL OR stage = $3) ORDER BY id DESC LIMIT $4"
    ));
    let rows = with_tx!(tx, conn => {
        sqlx::query_as(sql)
            .bind(buyer)
            .bind(before)
            .bind(stage)
            .bind(count)
            .fetch_all(conn)
            .await?
    });
    Ok(rows)
}

/// The buyer's purchases of the leads in `lead_ids` (those they bought), in any order.
pub async fn purchases_of_leads(
    tx: &mut Tx,
    buyer: i64,
    lead_ids: &[i64],
) -> Result<Vec<PurchaseRow>, ApiError> {
    if lead_ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = (2..lead_ids.len() + 2)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {PURCHASE_COLUMNS} FROM purchases WHERE buyer_id = $1 AND lead_id IN ({list})"
    ));
    let rows = with_tx!(tx, conn => {
        let mut query = sqlx::query_as(sql).bind(buyer);
        for id in lead_ids {
            query = query.bind(*id);
        }
        query.fetch_all(conn).await?
    });
    Ok(rows)
}

/// The shared pipeline of a purchase, rebuilt from its recorded changes.
pub async fn pipeline(tx: &mut Tx, purchase: &PurchaseRow) -> Result<Pipeline, ApiError> {
    let rows: Vec<(String, DateTime<Utc>)> = with_tx!(tx, conn => {
        sqlx::query_as("SELECT to_stage, at FROM stage_changes WHERE purchase_id = $1 ORDER BY id")
            .bind(purchase.id)
            .fetch_all(conn)
            .await?
    });
    view::pipeline_of(purchase, rows)
}

/// Records a move of the purchase from `from` to `to` at `at` (with the deal value of a win).
pub async fn record_stage_change(
    tx: &mut Tx,
    purchase_id: i64,
    from: PipelineStage,
    to: PipelineStage,
    at: DateTime<Utc>,
    deal_value: Option<Money>,
) -> Result<(), ApiError> {
    with_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO stage_changes (purchase_id, from_stage, to_stage, at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(purchase_id)
        .bind(enum_to_column(&from))
        .bind(enum_to_column(&to))
        .bind(at)
        .execute(conn)
        .await?;
    });
    with_tx!(tx, conn => {
        sqlx::query(
            "UPDATE purchases SET stage = $1, stage_since = $2, deal_value = $3 WHERE id = $4",
        )
        .bind(enum_to_column(&to))
        .bind(at)
        .bind(deal_value.map(|d| DbDecimal(d.amount())))
        .bind(purchase_id)
        .execute(conn)
        .await?;
    });
    Ok(())
}

pub async fn add_note(
    tx: &mut Tx,
    purchase_id: i64,
    text: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    with_tx!(tx, conn => {
        sqlx::query("INSERT INTO lead_notes (purchase_id, body, created_at) VALUES ($1, $2, $3)")
            .bind(purchase_id)
            .bind(text)
            .bind(now)
            .execute(conn)
            .await?;
    });
    Ok(())
}

pub async fn log_contact(
    tx: &mut Tx,
    purchase_id: i64,
    channel: ContactChannel,
    at: DateTime<Utc>,
    note: Option<&str>,
    outcome: Option<ContactOutcome>,
) -> Result<(), ApiError> {
    with_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO contact_log (purchase_id, channel, at, note, outcome) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(purchase_id)
        .bind(enum_to_column(&channel))
        .bind(at)
        .bind(note)
        .bind(outcome.as_ref().map(enum_to_column))
        .execute(conn)
        .await?;
    });
    Ok(())
}

/// Sets the outcome of the purchase's latest contact attempt at or before `attempt_at`; false
/// when there is none.
pub async fn mark_contact(
    tx: &mut Tx,
    purchase_id: i64,
    attempt_at: DateTime<Utc>,
    outcome: ContactOutcome,
) -> Result<bool, ApiError> {
    let marked = with_tx!(tx, conn => {
        sqlx::query(
            "UPDATE contact_log SET outcome = $1 WHERE id = ( \
                 SELECT id FROM contact_log WHERE purchase_id = $2 AND at <= $3 \
                 ORDER BY at DESC, id DESC LIMIT 1)",
        )
        .bind(enum_to_column(&outcome))
        .bind(purchase_id)
        .bind(attempt_at)
        .execute(conn)
        .await?
        .rows_affected()
    });
    Ok(marked > 0)
}

/// Marks the purchase changed at `now` (what the app's sync compares).
pub async fn touch(tx: &mut Tx, purchase_id: i64, now: DateTime<Utc>) -> Result<(), ApiError> {
    with_tx!(tx, conn => {
        sqlx::query("UPDATE purchases SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(purchase_id)
            .execute(conn)
            .await?;
    });
    Ok(())
}

/// Everything the buyer sees about a lead they bought.
pub async fn purchased_lead(
    tx: &mut Tx,
    purchase: &PurchaseRow,
    market: &MarketConfig,
    now: DateTime<Utc>,
) -> Result<PurchasedLead, ApiError> {
    purchased_leads(tx, std::slice::from_ref(purchase), market, now)
        .await?
        .pop()
        .ok_or_else(|| ApiError::corrupt("a purchase without its lead"))
}

/// `$1, $2, …, $n`.
pub(crate) fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows of `sql` (with one `{ids}` list to fill) for every id in `ids`.
macro_rules! rows_for_ids {
    ($tx:expr, $sql:expr, $ids:expr) => {{
        let sql = sqlx::AssertSqlSafe($sql.replace("{ids}", &placeholders($ids.len())));
        with_tx!($tx, conn => {
            let mut query = sqlx::query_as(sql);
            for id in $ids {
                query = query.bind(*id);
            }
            query.fetch_all(conn).await?
        })
    }};
}

/// [`purchased_lead`] for many purchases in five queries, whatever their number (My Leads
/// pages, sync), in the order of `purchases`.
pub async fn purchased_leads(
    tx: &mut Tx,
    purchases: &[PurchaseRow],
    market: &MarketConfig,
    now: DateTime<Utc>,
) -> Result<Vec<PurchasedLead>, ApiError> {
    if purchases.is_empty() {
        return Ok(Vec::new());
    }
    let purchase_ids: Vec<i64> = purchases.iter().map(|p| p.id).collect();
    let lead_ids: Vec<i64> = purchases.iter().map(|p| p.lead_id).collect();
    let records: Vec<LeadRecord> = rows_for_ids!(
        tx,
        format!("SELECT {LEAD_COLUMNS} FROM leads WHERE id IN ({{ids}})"),
        &lead_ids
    );
    let notes: Vec<NoteRow> = rows_for_ids!(
        tx,
        "SELECT purchase_id, id, body, created_at FROM lead_notes \
         WHERE purchase_id IN ({ids}) ORDER BY id",
        &purchase_ids
    );
    let contacts: Vec<ContactRow> = rows_for_ids!(
        tx,
        "SELECT purchase_id, id, channel, at, note, outcome FROM contact_log \
         WHERE purchase_id IN ({ids}) ORDER BY id",
        &purchase_ids
    );
    let changes: Vec<StageRow> = rows_for_ids!(
        tx,
        "SELECT purchase_id, to_stage, at FROM stage_changes \
         WHERE purchase_id IN ({ids}) ORDER BY id",
        &purchase_ids
    );
    let refunds: Vec<RefundRow> = rows_for_ids!(
        tx,
        format!("SELECT {REFUND_COLUMNS} FROM refunds WHERE purchase_id IN ({{ids}}) ORDER BY id"),
        &purchase_ids
    );
    let related = Related {
        leads: records
            .into_iter()
            .map(|r| Ok((r.id, r.into_lead()?)))
            .collect::<Result<HashMap<_, _>, ApiError>>()?,
        notes,
        contacts,
        changes,
        refunds,
    };
    view::assemble(purchases, related, market, now)
}

/// The purchases with the ids in `ids` (whoever bought them: the admin's refund queue), in any
/// order.
pub async fn purchases_by_id(tx: &mut Tx, ids: &[i64]) -> Result<Vec<PurchaseRow>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(rows_for_ids!(
        tx,
        format!("SELECT {PURCHASE_COLUMNS} FROM purchases WHERE id IN ({{ids}})"),
        ids
    ))
}
