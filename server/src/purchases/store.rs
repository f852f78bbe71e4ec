//! The purchase's SQL, inside the one write transaction of a purchase: [`inputs`] reads (and
//! locks) everything the shared `plan_purchase` checks, [`apply`] writes the plan's effects —
//! purchase row, ledger debit, purchases count and closing, commission accrual.
//!
//! Lock order on PostgreSQL: the lead row first, then the buyer's wallet row (`FOR UPDATE`),
//! always in that order, so racing buyers of one lead queue on the lead and a buyer's
//! concurrent purchases queue on the wallet. Round trips are few because on SQLite each one is
//! time the single writer is held: four reads (lead with its partner's standing, the buyer's
//! profile, wallet, and the day's spend summed in the database), the purchase row (its id names
//! the rest), then every other write in one [`crate::db::Batch`].

use chrono::{DateTime, Utc};
use leadmart_shared::agent::AgentProfile;
use leadmart_shared::commission::PartnerStanding;
use leadmart_shared::ids::UserId;
use leadmart_shared::lead::Lead;
use leadmart_shared::ledger::{Account, commission_accrual, lead_purchase};
use leadmart_shared::local_time::{Tz, day_start};
use leadmart_shared::money::{AutoRecharge, Credits, Rate};
use leadmart_shared::pipeline::PipelineStage;
use leadmart_shared::purchase::{BuyerState, PurchasePlan};

use crate::db::{Batch, DbDecimal, Tx, enum_to_column};
use crate::error::ApiError;
use crate::marketplace::record::{LEAD_COLUMNS, LeadRecord};
use crate::my_leads::store::PurchaseRow;
use crate::preferences::AgentFlags;
use crate::{MarketConfig, credits, idempotency, ledger, preferences, with_tx};

/// What the purchase rules need to know, read in lock order.
pub struct Inputs {
    pub lead: Lead,
    pub partner: Option<PartnerStanding>,
    pub profile: AgentProfile,
    /// The buyer's time zone in force, as this transaction read it.
    pub zone: Tz,
    pub balance: Credits,
    pub spent_today: Credits,
    pub already_purchased: bool,
    /// The id the purchase will have.
    pub purchase_id: i64,
    /// What the read found under the `Idempotency-Key` it was asked to look up: the stored
    /// request hash and answer, both `None` for an unused key.
    pub stored_key: (Option<String>, Option<String>),
    /// The buyer's auto-recharge rule, if they set one: the purchase tells whether it is due,
    /// so that a purchase that leaves enough credits starts no recharge at all.
    pub auto_recharge: Option<AutoRecharge>,
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

/// Reads lead `lead_id` (locked), the lead's partner standing, the buyer's profile, wallet
/// (locked), spend of their own day and earlier purchase of the lead — in one statement where
/// that one statement is exact — and, given `key`, what the buyer stored under that
/// idempotency key (see [`idempotency::lookup_columns`]: only where the transaction excludes
/// other writers). `zone_hint` is the buyer's time zone as read before the transaction, to
/// find the start of their day; should the transaction see another, the spend is read again.
/// `not_found` without the lead.
pub async fn inputs(
    tx: &mut Tx,
    market: &MarketConfig,
    buyer: i64,
    lead_id: i64,
    zone_hint: Tz,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Inputs, ApiError> {
    debug_assert!(key.is_none() || !tx.locks_rows());
    let lock = tx.for_update();
    let buyer_id = UserId::new(buyer).map_err(ApiError::corrupt)?;
    let wallet = Account::BuyerWallet(buyer_id);
    // Subqueries, not joins: PostgreSQL locks only the lead.
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {LEAD_COLUMNS}, \
         (SELECT base_rate FROM partner_profiles WHERE user_id = partner_id) AS partner_base_rate, \
         (SELECT verification_pass_rate FROM partner_profiles WHERE user_id = partner_id) \
           AS partner_pass_rate, \
         (SELECT total_uploaded FROM partner_profiles WHERE user_id = partner_id) \
           AS partner_uploaded, \
         (SELECT role FROM users WHERE id = $2) AS buyer_role, \
         (SELECT verified FROM users WHERE id = $2) AS buyer_verified, \
         (SELECT active FROM users WHERE id = $2) AS buyer_active, \
         (SELECT body FROM agent_preferences WHERE user_id = $2) AS buyer_preferences, \
         (SELECT id FROM ledger_accounts WHERE account = $3) AS wallet_id, \
         (SELECT balance FROM ledger_accounts WHERE account = $3) AS wallet_balance, \
         (SELECT enabled FROM auto_recharge WHERE user_id = $2) AS recharge_enabled, \
         (SELECT below FROM auto_recharge WHERE user_id = $2) AS recharge_below, \
         (SELECT package_code FROM auto_recharge WHERE user_id = $2) AS recharge_package, \
         {}, {} AS purchase_id{} FROM leads WHERE id = $1{lock}",
        spent_and_bought("$4"),
        tx.fresh_id("purchases"),
        key.map(|_| format!(", {}", idempotency::lookup_columns("$2", "$5")))
            .unwrap_or_default()
    ));
    let row: Option<PurchaseRead> = with_tx!(tx, conn => {
        let query = sqlx::query_as(sql)
            .bind(lead_id)
            .bind(buyer)
            .bind(ledger::account_key(wallet))
            .bind(day_start(now, zone_hint));
        match key {
            Some(key) => query.bind(key),
            None => query,
        }
        .fetch_optional(conn)
        .await?
    });
    let row = row.ok_or_else(|| ApiError::not_found("lead"))?;
    let partner = row.lead.partner_standing()?;
    let flags = AgentFlags {
        id: buyer,
        role: row.buyer_role.parse().map_err(ApiError::corrupt)?,
        verified: row.buyer_verified,
        active: row.buyer_active,
    };
    let (profile, zone) = preferences::profile_of(
        &flags,
        row.buyer_preferences,
        market.credit_value.currency,
        &market.agent_time,
    )?;
    // Where rows are locked one by one as they are read (PostgreSQL), the wallet and the
    // buyer's purchases were read before the lock this statement waited for, and their
    // concurrent purchases may have changed them since: read them again under the wallet's
    // lock. SQLite's write transaction excluded every other writer before the statement ran.
    let balance = match (tx.locks_rows(), row.wallet_id, row.wallet_balance) {
        (false, Some(id), Some(DbDecimal(balance))) => {
            ledger::hold_read_in_place(tx, wallet, id, balance);
            Credits::new(balance).map_err(ApiError::corrupt)?
        }
        (false, ..) => Credits::ZERO,
        (true, ..) => credits::store::locked_wallet(tx, buyer).await?,
    };
    let (spent_today, already_purchased) = if tx.locks_rows() || zone != zone_hint {
        own_purchases(tx, buyer, lead_id, zone, now).await?
    } else {
        let spent = Credits::from_hundredths(row.spent_x100).map_err(ApiError::corrupt)?;
        (spent, row.already_purchased)
    };
    let auto_recharge = match (
        row.recharge_enabled,
        row.recharge_below,
        row.recharge_package,
    ) {
        (Some(enabled), Some(below), Some(package)) => {
            Some(credits::store::auto_recharge_of(enabled, below, package)?)
        }
        _ => None,
    };
    Ok(Inputs {
        lead: row.lead.record.into_lead()?,
        partner,
        profile,
        zone,
        balance,
        spent_today,
        already_purchased,
        purchase_id: row.purchase_id,
        stored_key: (row.idempotency_hash, row.idempotency_response),
        auto_recharge,
    })
}

/// The credits the buyer spent on leads since a time, summed by the database in exact
/// hundredths, and whether they already bought the lead; `$1` lead, `$2` buyer, `since` the
/// placeholder of the time.
fn spent_and_bought(since: &str) -> String {
    format!(
        "CAST((SELECT COALESCE(SUM(price_x100), 0) FROM purchases \
         WHERE buyer_id = $2 AND purchased_at >= {since}) AS BIGINT) AS spent_x100, \
         EXISTS (SELECT 1 FROM purchases WHERE lead_id = $1 AND buyer_id = $2) AS already_purchased"
    )
}

/// What [`inputs`] reads in its one statement.
#[derive(sqlx::FromRow)]
struct PurchaseRead {
    #[sqlx(flatten)]
    lead: LeadForSale,
    buyer_role: String,
    buyer_verified: bool,
    buyer_active: bool,
    buyer_preferences: Option<String>,
    wallet_id: Option<i64>,
    wallet_balance: Option<DbDecimal>,
    recharge_enabled: Option<bool>,
    recharge_below: Option<DbDecimal>,
    recharge_package: Option<String>,
    spent_x100: i64,
    already_purchased: bool,
    purchase_id: i64,
    /// Read only when asked for (absent columns read as `None`).
    #[sqlx(default)]
    idempotency_hash: Option<String>,
    #[sqlx(default)]
    idempotency_response: Option<String>,
}

/// A lead with the standing of its partner, if it has one.
#[derive(sqlx::FromRow)]
struct LeadForSale {
    #[sqlx(flatten)]
    record: LeadRecord,
    partner_base_rate: Option<DbDecimal>,
    partner_pass_rate: Option<DbDecimal>,
    partner_uploaded: Option<i64>,
}

impl LeadForSale {
    fn partner_standing(&self) -> Result<Option<PartnerStanding>, ApiError> {
        if self.record.partner_id.is_none() {
            return Ok(None);
        }
        let (Some(pass_rate), Some(uploaded)) = (self.partner_pass_rate, self.partner_uploaded)
        else {
            // A partner without a profile yet earns the base rate and no bonus.
            return Ok(Some(PartnerStanding {
                base_rate: None,
                verification_pass_rate: Rate::ZERO,
                total_uploaded: 0,
            }));
        };
        Ok(Some(PartnerStanding {
            base_rate: self
                .partner_base_rate
                .map(|b| Rate::new(b.0))
                .transpose()
                .map_err(ApiError::corrupt)?,
            verification_pass_rate: Rate::new(pass_rate.0).map_err(ApiError::corrupt)?,
            total_uploaded: u64::try_from(uploaded).map_err(ApiError::corrupt)?,
        }))
    }
}

/// In one read: the credits the buyer spent on leads since the start of their own local day
/// (their time zone, else the marketplace's), summed by the database in exact hundredths, and
/// whether they already bought `lead_id`.
async fn own_purchases(
    tx: &mut Tx,
    buyer: i64,
    lead_id: i64,
    zone: Tz,
    now: DateTime<Utc>,
) -> Result<(Credits, bool), ApiError> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {}", spent_and_bought("$3")));
    let (spent, already): (i64, bool) = with_tx!(tx, conn => {
        sqlx::query_as(sql)
            .bind(lead_id)
            .bind(buyer)
            .bind(day_start(now, zone))
            .fetch_one(conn)
            .await?
    });
    let spent = Credits::from_hundredths(spent).map_err(ApiError::corrupt)?;
    Ok((spent, already))
}

/// Queues the effects of `plan` (buyer `buyer` buying `lead` as purchase `purchase_id`) into
/// the returned batch, which the caller runs before committing. Returns the new purchase as it
/// will be written.
pub async fn apply(
    tx: &mut Tx,
    market: &MarketConfig,
    buyer: i64,
    lead: &Lead,
    purchase_id: i64,
    plan: &PurchasePlan,
    now: DateTime<Utc>,
) -> Result<(PurchaseRow, Batch), ApiError> {
    let lead_id = lead.id.get();
    let price_x100 = plan
        .price
        .hundredths()
        .ok_or_else(|| ApiError::corrupt("a price beyond hundredths of a credit"))?;
    let purchase = PurchaseRow {
        id: purchase_id,
        lead_id,
        buyer_id: buyer,
        price: DbDecimal(plan.price.amount()),
        purchased_at: now,
        stage: enum_to_column(&PipelineStage::New),
        stage_since: now,
        deal_value: None,
        updated_at: now,
    };
    let mut batch = tx.batch();
    batch.push(|b| {
        let at = b.bind(now);
        format!(
            "INSERT INTO purchases (id, lead_id, buyer_id, price, price_x100, purchased_at, \
             stage, stage_since, updated_at) VALUES ({}, {}, {}, {}, {}, {at}, {}, {at}, {at})",
            b.bind(purchase.id),
            b.bind(lead_id),
            b.bind(buyer),
            b.bind(purchase.price),
            b.bind(price_x100),
            b.bind(purchase.stage.as_str()),
        )
    });
    crate::sync::store::record_into(
        &mut batch,
        buyer,
        &crate::sync::store::Changed::Lead(lead_id),
    );

    let reference = format!("purchase:{purchase_id}");
    let buyer_id = UserId::new(buyer).map_err(ApiError::corrupt)?;
    let debit = lead_purchase(buyer_id, plan.price, &reference);
    ledger::post_into(tx, &mut batch, &debit, now).await?;
    batch.push(|b| {
        format!(
            "UPDATE leads SET purchases = {}, \
             status = CASE WHEN {} THEN 'sold_out' ELSE status END WHERE id = {}",
            b.bind(i64::from(plan.purchases_after)),
            b.bind(plan.closes_lead),
            b.bind(lead_id)
        )
    });
    if let (Some(commission), Some(partner)) = (&plan.commission, lead.partner) {
        let bonuses = serde_json::to_string(&commission.bonuses).map_err(ApiError::corrupt)?;
        batch.push(|b| {
            format!(
                "INSERT INTO commissions (purchase_id, partner_id, sale_value, rate, amount, \
                 bonuses, status, payable_at, created_at) \
                 VALUES ({}, {}, {}, {}, {}, {}, 'held', {}, {})",
                b.bind(purchase_id),
                b.bind(partner.get()),
                b.bind(DbDecimal(market.credit_value.to_money(plan.price).amount())),
                b.bind(DbDecimal(commission.rate.value())),
                b.bind(DbDecimal(commission.amount.amount())),
                b.bind(bonuses),
                b.bind(commission.payable_at),
                b.bind(now)
            )
        });
        let accrual = commission_accrual(partner, commission.amount, &reference);
        ledger::post_into(tx, &mut batch, &accrual, now).await?;
    }
    Ok((purchase, batch))
}
