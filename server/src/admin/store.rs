//! The operator's SQL: marking an agent verified, the buyers' names of the refund queue, and the
//! rows of the overview. (The refund queue and decisions are refunds' storage,
//! [`crate::refunds::store`].)

use chrono::{DateTime, Utc};
use leadmart_shared::money::{Credits, Money};
use leadmart_shared::operations::OperatorRows;

use crate::db::{DbDecimal, Tx, enum_from_column};
use crate::error::ApiError;
use crate::with_tx;

/// Marks agent `id` verified; `false` when no agent has that id.
pub async fn verify_agent(tx: &mut Tx, id: i64) -> Result<bool, ApiError> {
    let updated = with_tx!(tx, conn => {
        sqlx::query("UPDATE users SET verified = TRUE WHERE id = $1 AND role = 'agent'")
            .bind(id)
            .execute(conn)
            .await?
            .rows_affected()
    });
    Ok(updated > 0)
}

/// The names of the users in `ids`, by id.
pub async fn user_names(
    tx: &mut Tx,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>, ApiError> {
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT id, name FROM users WHERE id IN ({})",
        crate::my_leads::store::placeholders(ids.len())
    ));
    let rows: Vec<(i64, String)> = with_tx!(tx, conn => {
        let mut query = sqlx::query_as(sql);
        for id in ids {
            query = query.bind(*id);
        }
        query.fetch_all(conn).await?
    });
    Ok(rows.into_iter().collect())
}

/// The rows of the operator's overview since `since` (and the commission still outstanding).
pub async fn operator_rows(tx: &mut Tx, since: DateTime<Utc>) -> Result<OperatorRows, ApiError> {
    let listed: Vec<(DateTime<Utc>,)> = with_tx!(tx, conn => {
        sqlx::query_as("SELECT listed_at FROM leads WHERE listed_at >= $1")
            .bind(since)
            .fetch_all(conn)
            .await?
    });
    let sales: Vec<(DateTime<Utc>, i64)> = with_tx!(tx, conn => {
        sqlx::query_as("SELECT purchased_at, price_x100 FROM purchases WHERE purchased_at >= $1")
            .bind(since)
            .fetch_all(conn)
            .await?
    });
    let refunds: Vec<(DbDecimal,)> = with_tx!(tx, conn => {
        sqlx::query_as("SELECT credits FROM refunds WHERE status = 'approved' AND decided_at >= $1")
            .bind(since)
            .fetch_all(conn)
            .await?
    });
    let commissions: Vec<(DbDecimal,)> = with_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT amount FROM commissions WHERE status <> 'reversed' AND created_at >= $1",
        )
        .bind(since)
        .fetch_all(conn)
        .await?
    });
    let outstanding: Vec<(DbDecimal, String, DateTime<Utc>)> = with_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT amount, status, payable_at FROM commissions WHERE status IN ('held', 'payable')",
        )
        .fetch_all(conn)
        .await?
    });
    let packages: Vec<(DbDecimal,)> = with_tx!(tx, conn => {
        sqlx::query_as("SELECT amount FROM payments WHERE status = 'settled' AND settled_at >= $1")
            .bind(since)
            .fetch_all(conn)
            .await?
    });
    let credits = |d: DbDecimal| Credits::new(d.0).map_err(ApiError::corrupt);
    let money = |d: DbDecimal| Money::new(d.0).map_err(ApiError::corrupt);
    Ok(OperatorRows {
        listed: listed.into_iter().map(|(at,)| at).collect(),
        sales: sales
            .into_iter()
            .map(|(at, x100)| {
                Ok((
                    at,
                    Credits::from_hundredths(x100).map_err(ApiError::corrupt)?,
                ))
            })
            .collect::<Result<_, ApiError>>()?,
        refunds: refunds
            .into_iter()
            .map(|(c,)| credits(c))
            .collect::<Result<_, _>>()?,
        commissions: commissions
            .into_iter()
            .map(|(m,)| money(m))
            .collect::<Result<_, _>>()?,
        outstanding: outstanding
            .into_iter()
            .map(|(m, status, at)| Ok((money(m)?, enum_from_column(&status)?, at)))
            .collect::<Result<_, ApiError>>()?,
        packages: packages
            .into_iter()
            .map(|(m,)| money(m))
            .collect::<Result<_, _>>()?,
    })
}

/// Agents, agents who bought since `since`, partners, and partners with a lead listed now.
pub async fn people(tx: &mut Tx, since: DateTime<Utc>) -> Result<(i64, i64, i64, i64), ApiError> {
    let row: (i64, i64, i64, i64) = with_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT \
             (SELECT COUNT(*) FROM users WHERE role = 'agent'), \
             (SELECT COUNT(DISTINCT buyer_id) FROM purchases WHERE purchased_at >= $1), \
             (SELECT COUNT(*) FROM users WHERE role = 'partner'), \
             (SELECT COUNT(DISTINCT partner_id) FROM leads \
              WHERE status = 'listed' AND partner_id IS NOT NULL)",
        )
        .bind(since)
        .fetch_one(conn)
        .await?
    });
    Ok(row)
}
