//! The inventory's SQL: a filtered page of leads with their partner and price now, and the bulk
//! unlist / relist.

use chrono::{DateTime, Utc};
use leadmart_shared::wire::inventory::{InventoryStatus, ListingAction};

use crate::db::Tx;
use crate::error::ApiError;
use crate::marketplace::store::{CURRENT_PRICE, Conditions};
use crate::{bind_all, with_tx};

/// A lead as the inventory reads it.
#[derive(Debug, sqlx::FromRow)]
pub struct InventoryRow {
    pub id: i64,
    pub title: String,
    pub category: String,
    pub city: String,
    pub area: String,
    pub score: i32,
    pub status: String,
    pub held_for: Option<String>,
    pub source: String,
    pub partner: Option<String>,
    pub purchases: i32,
    pub max_buyers: i32,
    /// Hundredths of a credit; none for a lead without price bands yet.
    pub price_x100: Option<i64>,
    pub listed_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The SQL of each [`InventoryStatus`], over `$1` (now): the same reading as
/// [`InventoryStatus::of`] (an API test checks the two agree).
pub fn status_clause(status: InventoryStatus) -> &'static str {
    match status {
        InventoryStatus::Open => {
            "l.status = 'listed' AND l.expires_at > $1 AND l.purchases < l.max_buyers"
        }
        InventoryStatus::SoldOut => {
            "(l.status = 'sold_out' OR (l.status = 'listed' AND l.purchases >= l.max_buyers))"
        }
        InventoryStatus::Expired => {
            "(l.status = 'expired' OR (l.status = 'listed' AND l.expires_at <= $1 \
             AND l.purchases < l.max_buyers))"
        }
        InventoryStatus::Draft => "l.status = 'draft'",
        InventoryStatus::Withdrawn => "l.status = 'withdrawn'",
    }
}

/// Up to `limit` leads meeting `filters` after skipping `offset`, newest first, and how many
/// meet them in all.
pub async fn page(
    tx: &mut Tx,
    filters: &Conditions,
    offset: u32,
    limit: u32,
) -> Result<(Vec<InventoryRow>, i64), ApiError> {
    // Built from constants and `$n` placeholders only; every value is bound.
    let rows_sql = sqlx::AssertSqlSafe(format!(
        "SELECT l.id, l.title, l.category, l.city, l.area, l.score, l.status, l.held_for, \
         l.source, u.name AS partner, l.purchases, l.max_buyers, {CURRENT_PRICE} AS price_x100, \
         l.listed_at, l.expires_at FROM leads l LEFT JOIN users u ON u.id = l.partner_id \
         WHERE TRUE{} ORDER BY l.id DESC LIMIT {limit} OFFSET {offset}",
        filters.sql()
    ));
    let count_sql = sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM leads l WHERE TRUE{}",
        filters.sql()
    ));
    let binds = filters.binds();
    let rows = with_tx!(tx, conn => {
        bind_all!(sqlx::query_as(rows_sql), binds).fetch_all(&mut *conn).await?
    });
    let total: i64 = with_tx!(tx, conn => {
        bind_all!(sqlx::query_scalar(count_sql), binds).fetch_one(&mut *conn).await?
    });
    Ok((rows, total))
}

/// Takes the open leads among `ids` off the marketplace (`withdrawn`, held for the admin), or
/// puts back those an admin took off that have not expired. Returns the ids it changed.
pub async fn change_listing(
    tx: &mut Tx,
    action: ListingAction,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<Vec<i64>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // The ids are `$1…$n`, now is the last parameter.
    let now_at = ids.len() + 1;
    let set = match action {
        ListingAction::Unlist => format!(
            "status = 'withdrawn', held_for = 'admin' WHERE status = 'listed' \
             AND expires_at > ${now_at} AND purchases < max_buyers"
        ),
        ListingAction::Relist => format!(
            "status = 'listed', held_for = NULL WHERE status = 'withdrawn' \
             AND held_for = 'admin' AND expires_at > ${now_at}"
        ),
    };
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE leads SET {set} AND id IN ({}) RETURNING id",
        crate::my_leads::store::placeholders(ids.len())
    ));
    let mut changed: Vec<i64> = with_tx!(tx, conn => {
        let mut query = sqlx::query_scalar(sql);
        for id in ids {
            query = query.bind(*id);
        }
        query.bind(now).fetch_all(conn).await?
    });
    changed.sort_unstable();
    Ok(changed)
}
