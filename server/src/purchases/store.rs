//! The purchase's SQL, inside the one write transaction of a purchase: [`inputs`] reads (and
//! locks) everything the shared `plan_purchase` checks, [`apply`] writes the plan's effects —
//! purchase row, ledger debit, purchases count and closing, commission accrual.
//!
//! Lock order on PostgreSQL: the lead row first, then the buyer's wallet row (`FOR UPDATE`),
//! always in that order, so racing buyers of one lead queue on the lead and a buyer's
//! concurrent purchases queue on the wallet. The set of queries is fixed (the purchase
//! benchmark counts on it): one read each, and the writes the plan asks for.

use chrono::{DateTime, Utc};
use leadmart_shared::agent::AgentProfile;
use leadmart_shared::commission::PartnerStanding;
use leadmart_shared::ids::{PartnerId, UserId};
use leadmart_shared::lead::Lead;
use leadmart_shared::ledger::{commission_accrual, lead_purchase};
use leadmart_shared::money::{Credits, Rate};
use leadmart_shared::purchase::{BuyerState, PurchasePlan};

use crate::db::{DbDecimal, Tx};
use crate::error::ApiError;
use crate::marketplace::record::{LEAD_COLUMNS, LeadRecord};
use crate::my_leads::store::{PURCHASE_COLUMNS, PurchaseRow};
use crate::{MarketConfig, credits, ledger, preferences, with_tx};

/// What the purchase rules need to know, read in lock order.
pub struct Inputs {
    pub lead: Lead,
    pub partner: Option<PartnerStanding>,
    pub profile: AgentProfile,
    pub balance: Credits,
    pub spent_today: Credits,
    pub already_purchased: bool,
}

impl Inputs {
    pub fn buyer_state(&self) -> BuyerState<'_> {
        BuyerState {
            profile: &self.profile,
            balance: self.balance,
            spent_today: self.spent_today,
            already_purchased: self.already_purchased,
        }
    }
}

/// Reads lead `lead_id` (locked), the buyer's profile, wallet (locked), spend of their own day
/// and earlier purchase of the lead, and the lead's partner standing. `not_found` without the lead.
pub async fn inputs(
    tx: &mut Tx,
    market: &MarketConfig,
    buyer: i64,
    lead_id: i64,
    now: DateTime<Utc>,
) -> Result<Inputs, ApiError> {
    let lock = tx.for_update();
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {LEAD_COLUMNS} FROM leads WHERE id = $1{lock}"
    ));
    let record: Option<LeadRecord> = with_tx!(tx, conn => {
        sqlx::query_as(sql).bind(lead_id).fetch_optional(conn).await?
    });
    let lead = record
        .ok_or_else(|| ApiError::not_found("lead"))?
        .into_lead()?;
    let (profile, zone) =
        preferences::profile_in(tx, buyer, market.credit_value.currency, &market.agent_time)
            .await?;
    let balance = credits::store::locked_wallet(tx, buyer).await?;
    let (spent_today, already_purchased) = own_purchases(tx, buyer, lead_id, zone, now).await?;
    let partner = match lead.partner {
        Some(p) => Some(partner_standing(tx, p).await?),
        None => None,
    };
    Ok(Inputs {
        lead,
        partner,
        profile,
        balance,
        spent_today,
        already_purchased,
    })
}

async fn partner_standing(tx: &mut Tx, partner: PartnerId) -> Result<PartnerStanding, ApiError> {
    let row: Option<(Option<DbDecimal>, DbDecimal, i64)> = with_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT base_rate, verification_pass_rate, total_uploaded FROM partner_profiles \
             WHERE user_id = $1",
        )
        .bind(partner.get())
        .fetch_optional(conn)
        .await?
    });
    let Some((base, pass_rate, uploaded)) = row else {
        // A partner without a profile yet earns the base rate and no bonus.
        return Ok(PartnerStanding {
            base_rate: None,
            verification_pass_rate: Rate::ZERO,
            total_uploaded: 0,
        });
    };
    Ok(PartnerStanding {
        base_rate: base
            .map(|b| Rate::new(b.0))
            .transpose()
            .map_err(ApiError::corrupt)?,
        verification_pass_rate: Rate::new(pass_rate.0).map_err(ApiError::corrupt)?,
        total_uploaded: u64::try_from(uploaded).map_err(ApiError::corrupt)?,
    })
}

/// From one read of the buyer's purchases: the credits they spent on leads since the start of
/// their own local day (their time zone, else the marketplace's), and whether they already
/// bought `lead_id`.
async fn own_purchases(
    tx: &mut Tx,
    buyer: i64,
    lead_id: i64,
    zone: leadmart_shared::local_time::Tz,
    now: DateTime<Utc>,
) -> Result<(Credits, bool), ApiError> {
    let day_start = leadmart_shared::local_time::day_start(now, zone);
    let rows: Vec<(i64, DbDecimal, DateTime<Utc>)> = with_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT lead_id, price, purchased_at FROM purchases \
             WHERE buyer_id = $1 AND (purchased_at >= $2 OR lead_id = $3)",
        )
        .bind(buyer)
        .bind(day_start)
        .bind(lead_id)
        .fetch_all(conn)
        .await?
    });
    let already = rows.iter().any(|(lead, ..)| *lead == lead_id);
    let prices = rows
        .into_iter()
        .filter(|(.., at)| *at >= day_start)
        .map(|(_, price, _)| Credits::new(price.0))
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::corrupt)?;
    let spent = Credits::sum(prices).ok_or_else(|| ApiError::corrupt("daily spend overflows"))?;
    Ok((spent, already))
}

/// Writes the effects of `plan` (buyer `buyer` buying `lead`); returns the new purchase as
/// written.
pub async fn apply(
    tx: &mut Tx,
    market: &MarketConfig,
    buyer: i64,
    lead: &Lead,
    plan: &PurchasePlan,
    now: DateTime<Utc>,
) -> Result<PurchaseRow, ApiError> {
    let lead_id = lead.id.get();
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO purchases (lead_id, buyer_id, price, purchased_at, stage, stage_since, \
         updated_at) VALUES ($1, $2, $3, $4, 'new', $4, $4) RETURNING {PURCHASE_COLUMNS}"
    ));
    let purchase: PurchaseRow = with_tx!(tx, conn => {
        sqlx::query_as(sql)
        .bind(lead_id)
        .bind(buyer)
        .bind(DbDecimal(plan.price.amount()))
        .bind(now)
        .fetch_one(conn)
        .await?
    });
    let purchase_id = purchase.id;
    let reference = format!("purchase:{purchase_id}");
    let buyer_id = UserId::new(buyer).map_err(ApiError::corrupt)?;
    ledger::post(tx, &lead_purchase(buyer_id, plan.price, &reference), now).await?;
    let purchases_after = i64::from(plan.purchases_after);
    with_tx!(tx, conn => {
        sqlx::query(
            "UPDATE leads SET purchases = $1, \
             status = CASE WHEN $2 THEN 'sold_out' ELSE status END WHERE id = $3",
        )
        .bind(purchases_after)
        .bind(plan.closes_lead)
        .bind(lead_id)
        .execute(conn)
        .await?;
    });
    if let (Some(commission), Some(partner)) = (&plan.commission, lead.partner) {
        let bonuses = serde_json::to_string(&commission.bonuses).map_err(ApiError::corrupt)?;
        with_tx!(tx, conn => {
            sqlx::query(
                "INSERT INTO commissions (purchase_id, partner_id, sale_value, rate, amount, \
                 bonuses, status, payable_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'held', $7, $8)",
            )
            .bind(purchase_id)
            .bind(partner.get())
            .bind(DbDecimal(market.credit_value.to_money(plan.price).amount()))
            .bind(DbDecimal(commission.rate.value()))
            .bind(DbDecimal(commission.amount.amount()))
            .bind(bonuses)
            .bind(commission.payable_at)
            .bind(now)
            .execute(conn)
            .await?;
        });
        ledger::post(
            tx,
            &commission_accrual(partner, commission.amount, &reference),
            now,
        )
        .await?;
    }
    Ok(purchase)
}
