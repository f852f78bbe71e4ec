//! The marketplace's SQL: pages of open leads in each browse order, read through indexes, the
//! stored price bands that make the price order exact in SQL, one lead for its preview, and
//! each agent's counted view.
//!
//! Every order is a keyset page: `(key, id)` after the cursor, `LIMIT n`, on a partial index
//! over listed leads. The price order is the merge of three such reads, one per freshness band
//! (a lead is in exactly one band at `now`, and within a band its price is the stored price of
//! that band), so a deep page costs what the first page costs.

use chrono::{DateTime, Utc};
use leadmart_shared::pricing::PriceBands;

use super::record::{LEAD_COLUMNS, LeadRecord};
use super::{Sort, SortKey};
use crate::db::{Db, Tx};
use crate::error::ApiError;
use crate::{MarketConfig, with_pool, with_tx};

/// `query` with each of `binds` (a slice of [`Bind`]) bound in order, on either engine's query
/// type.
#[macro_export]
macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut query = $query;
        for bind in $binds.iter().cloned() {
            query = match bind {
                $crate::marketplace::store::Bind::Text(v) => query.bind(v),
                $crate::marketplace::store::Bind::Int(v) => query.bind(v),
                $crate::marketplace::store::Bind::Time(v) => query.bind(v),
            };
        }
        query
    }};
}

/// One bound value of a dynamic SQL condition.
#[derive(Debug, Clone)]
pub enum Bind {
    Text(String),
    Int(i64),
    Time(DateTime<Utc>),
}

/// SQL conditions over `leads` with their bound values; `?` in a clause becomes the next `$n`.
/// `$1` is always `now`, which every browse query compares listings with.
#[derive(Debug, Clone)]
pub struct Conditions {
    now: DateTime<Utc>,
    sql: String,
    binds: Vec<Bind>,
}

impl Conditions {
    /// No condition yet, at `now`.
    pub fn at(now: DateTime<Utc>) -> Self {
        Self {
            now,
            sql: String::new(),
            binds: vec![Bind::Time(now)],
        }
    }

    /// Adds ` AND <clause>`, binding `values` to its `?`s in order.
    pub fn and(&mut self, clause: &str, values: impl IntoIterator<Item = Bind>) {
        self.sql.push_str(" AND ");
        let mut values = values.into_iter();
        for (n, part) in clause.split('?').enumerate() {
            if n > 0 {
                if let Some(value) = values.next() {
                    self.binds.push(value);
                }
                self.sql.push_str(&format!("${}", self.binds.len()));
            }
            self.sql.push_str(part);
        }
    }

    /// Adds ` AND <clause>` for a clause without values.
    pub fn and_fixed(&mut self, clause: &'static str) {
        self.and(clause, []);
    }

    /// The conditions as ` AND …` clauses (empty when there are none), over `$1` and on.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The values of `$1` (now) and on, in order.
    pub fn binds(&self) -> &[Bind] {
        &self.binds
    }
}

/// One band's part of the price order: its stored price column and when a lead is in it.
struct BandBranch {
    price: &'static str,
    /// A condition on `$1` (now).
    in_band: &'static str,
    /// The fresh band holds most open leads: asking first would only cost a query.
    assumed_occupied: bool,
}

/// Whether any open lead is in `band` now: an index-only probe (`leads_open_*_from` carry
/// `expires_at`), so an empty band — by default no listing lasts into the stale one — costs
/// one small query instead of a scan of its whole price index.
async fn band_has_open_leads(
    db: &Db,
    band: &BandBranch,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT id FROM leads WHERE status = 'listed' AND {} AND expires_at > $1 LIMIT 1",
        band.in_band
    ));
    let found: Option<i64> = with_pool!(db, pool => {
        sqlx::query_scalar(sql).persistent(false).bind(now).fetch_optional(pool).await?
    });
    Ok(found.is_some())
}

const BANDS: [BandBranch; 3] = [
    BandBranch {
        price: "price_fresh_x100",
        in_band: "mid_price_from > $1",
        assumed_occupied: true,
    },
    BandBranch {
        price: "price_mid_x100",
        in_band: "mid_price_from <= $1 AND stale_price_from > $1",
        assumed_occupied: false,
    },
    BandBranch {
        price: "price_stale_x100",
        in_band: "stale_price_from <= $1",
        assumed_occupied: false,
    },
];

/// The current price (hundredths of a credit) of a lead at `$1` (now), from its stored bands.
pub(crate) const CURRENT_PRICE: &str = "CASE WHEN mid_price_from > $1 THEN price_fresh_x100 \
     WHEN stale_price_from > $1 THEN price_mid_x100 ELSE price_stale_x100 END";

/// Up to `limit` open leads after `after` in `sort` order, among those meeting `filters`
/// (conditions that do not depend on the sort), at the conditions' `now`. `max_price` is in
/// hundredths of a credit.
pub async fn open_leads(
    db: &Db,
    filters: &Conditions,
    sort: Sort,
    after: Option<&SortKey>,
    max_price: Option<i64>,
    limit: u32,
) -> Result<Vec<LeadRecord>, ApiError> {
    let now = filters.now;
    let mut binds = filters.binds.clone();
    let open = format!(
        "status = 'listed' AND expires_at > $1 AND purchases < max_buyers{}",
        filters.sql
    );
    let sql = match sort {
        Sort::Newest | Sort::Score => {
            let key_column = if sort == Sort::Score {
                "score"
            } else {
                "listed_at"
            };
            let mut sql = format!("SELECT {LEAD_COLUMNS} FROM leads WHERE {open}");
            if let Some(cap) = max_price {
                binds.push(Bind::Int(cap));
                sql.push_str(&format!(" AND {CURRENT_PRICE} <= ${}", binds.len()));
            }
            let cursor = match after {
                Some(SortKey::Score(score, id)) => Some((Bind::Int(*score), *id)),
                Some(SortKey::Newest(at, id)) => Some((Bind::Time(*at), *id)),
                _ => None,
            };
            if let Some((key, id)) = cursor {
                let k = binds.len() + 1;
                sql.push_str(&format!(" AND ({key_column}, id) < (${k}, ${})", k + 1));
                binds.push(key);
                binds.push(Bind::Int(id));
            }
            sql.push_str(&format!(
                " ORDER BY {key_column} DESC, id DESC LIMIT {limit}"
            ));
            sql
        }
        Sort::Price => {
            let cursor = match after {
                Some(SortKey::Price(price, id)) => {
                    let k = binds.len() + 1;
                    binds.push(Bind::Int(*price));
                    binds.push(Bind::Int(*id));
                    Some((k, k + 1))
                }
                _ => None,
            };
            let cap = max_price.map(|cap| {
                binds.push(Bind::Int(cap));
                binds.len()
            });
            let mut occupied = Vec::with_capacity(BANDS.len());
            for band in &BANDS {
                occupied.push(band.assumed_occupied || band_has_open_leads(db, band, now).await?);
            }
            let branches: Vec<String> = BANDS
                .iter()
                .zip(occupied)
                .filter(|(_, occupied)| *occupied)
                .map(|(band, _)| {
                    let price = band.price;
                    let mut branch = format!(
                        "SELECT * FROM (SELECT {LEAD_COLUMNS}, {price} AS sort_price FROM leads \
                         WHERE {open} AND {}",
                        band.in_band
                    );
                    if let Some((k, i)) = cursor {
                        branch.push_str(&format!(" AND ({price}, id) > (${k}, ${i})"));
                    }
                    if let Some(cap) = cap {
                        branch.push_str(&format!(" AND {price} <= ${cap}"));
                    }
                    branch.push_str(&format!(" ORDER BY {price}, id LIMIT {limit}) AS band"));
                    branch
                })
                .collect();
            format!(
                "SELECT * FROM ({}) AS bands ORDER BY sort_price, id LIMIT {limit}",
                branches.join(" UNION ALL ")
            )
        }
    };
    // Built from constants and `$n` placeholders only; every value is bound.
    let sql = sqlx::AssertSqlSafe(sql);
    let records = with_pool!(db, pool => {
        // Not a cached prepared statement: PostgreSQL plans a cached one generically after five
        // runs, without knowing `now`, and then cannot tell how many leads each band holds (the
        // price order measured 100 ms instead of 12 at 100,000 open leads).
        bind_all!(sqlx::query_as(sql).persistent(false), binds)
            .fetch_all(pool)
            .await?
    });
    Ok(records)
}

/// Lead `id` as stored, whatever its status.
pub async fn lead(db: &Db, id: i64) -> Result<Option<LeadRecord>, ApiError> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {LEAD_COLUMNS} FROM leads WHERE id = $1"));
    let record = with_pool!(db, pool => {
        sqlx::query_as(sql).bind(id).fetch_optional(pool).await?
    });
    Ok(record)
}

/// Whether buyers may preview lead `id` (listed, or listed once: sold out, expired).
/// Leads `ids` inside `tx`, as the shared records (for routing leads listed again).
pub async fn leads_by_id(
    tx: &mut Tx,
    ids: &[i64],
) -> Result<Vec<leadmart_shared::lead::Lead>, ApiError> {
    let sql = format!("SELECT {LEAD_COLUMNS} FROM leads WHERE id = $1");
    let mut leads = Vec::with_capacity(ids.len());
    for id in ids {
        let record: LeadRecord = with_tx!(tx, conn => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_one(conn).await?
        });
        leads.push(record.into_lead()?);
    }
    Ok(leads)
}

pub async fn is_previewable(db: &Db, id: i64) -> Result<bool, ApiError> {
    let found = with_pool!(db, pool => {
        sqlx::query_scalar::<_, i64>(
            "SELECT id FROM leads WHERE id = $1 AND status IN ('listed', 'sold_out', 'expired')",
        )
        .bind(id)
        .fetch_optional(pool)
        .await?
        .is_some()
    });
    Ok(found)
}

/// Counts `viewer`'s view of lead `id` once: a first view adds one to the lead's views, later
/// ones change nothing.
pub async fn count_view(db: &Db, id: i64, viewer: i64) -> Result<(), ApiError> {
    let mut tx = db.begin_write().await?;
    let first_view = with_tx!(&mut tx, conn => {
        sqlx::query(
            "INSERT INTO lead_views (lead_id, user_id) VALUES ($1, $2) \
             ON CONFLICT (lead_id, user_id) DO NOTHING",
        )
        .bind(id)
        .bind(viewer)
        .execute(&mut *conn)
        .await?
        .rows_affected()
            == 1
    });
    if first_view {
        with_tx!(&mut tx, conn => {
            sqlx::query("UPDATE leads SET views = views + 1 WHERE id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await?;
        });
    }
    tx.commit().await?;
    Ok(())
}

/// Stores the price bands of lead `id` (from the shared rules over its stored facts).
pub async fn set_price_bands(tx: &mut Tx, id: i64, bands: &PriceBands) -> Result<(), ApiError> {
    let x100 = |c: leadmart_shared::money::Credits| {
        c.hundredths()
            .ok_or_else(|| ApiError::corrupt(format!("price {c} out of range")))
    };
    let (fresh, mid, stale) = (x100(bands.fresh)?, x100(bands.mid)?, x100(bands.stale)?);
    with_tx!(tx, conn => {
        sqlx::query(
            "UPDATE leads SET price_fresh_x100 = $1, price_mid_x100 = $2, price_stale_x100 = $3, \
             mid_price_from = $4, stale_price_from = $5 WHERE id = $6",
        )
        .bind(fresh)
        .bind(mid)
        .bind(stale)
        .bind(bands.mid_from)
        .bind(bands.stale_from)
        .bind(id)
        .execute(conn)
        .await?;
    });
    Ok(())
}

/// Prices every lead that has no stored bands yet (leads inserted without them, and every lead
/// stored before the bands existed), in batches. Returns how many it priced.
pub async fn backfill_price_bands(db: &Db, market: &MarketConfig) -> Result<u64, ApiError> {
    const BATCH: i64 = 2_000;
    let sql = format!(
        "SELECT {LEAD_COLUMNS} FROM leads WHERE price_fresh_x100 IS NULL ORDER BY id LIMIT {BATCH}"
    );
    let mut priced = 0;
    loop {
        let mut tx = db.begin_write().await?;
        let records: Vec<LeadRecord> = with_tx!(&mut tx, conn => {
            // Constant SQL: no value is spliced in.
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(conn).await?
        });
        let done = records.len() < BATCH as usize;
        for record in records {
            let id = record.id;
            let bands = record
                .into_lead()?
                .price_bands(&market.pricing, &market.freshness);
            set_price_bands(&mut tx, id, &bands).await?;
            priced += 1;
        }
        tx.commit().await?;
        if done {
            if priced > 0 {
                // Fresh statistics, so both planners know how open leads spread over the bands
                // (without them SQLite ignores the partial indexes of the browse orders).
                with_pool!(db, pool => {
                    sqlx::query("ANALYZE leads").execute(pool).await?;
                });
            }
            return Ok(priced);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_number_their_binds_after_now() {
        let mut c = Conditions::at(Utc::now());
        c.and("city = ?", [Bind::Text("Pune".into())]);
        c.and_fixed("contact_phone IS NOT NULL");
        c.and("score >= ? AND score <= ?", [Bind::Int(1), Bind::Int(9)]);
        assert_eq!(
            c.sql, " AND city = $2 AND contact_phone IS NOT NULL AND score >= $3 AND score <= $4",
            "$1 is now: the filters follow it"
        );
        assert_eq!(
            c.binds.len(),
            4,
            "now and the three values, in placeholder order"
        );
    }
}
