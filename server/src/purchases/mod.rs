//! `POST /v1/marketplace/leads/{id}/purchase`: one transaction that checks every purchase rule
//! with the shared `plan_purchase` and applies its plan — debit through the ledger, purchase
//! record, purchases count, close the lead at its cap, commission accrual for partner leads —
//! then answers with the lead revealed.
//!
//! Concurrency: on SQLite the transaction holds the write lock from its first statement
//! (`BEGIN IMMEDIATE`); on PostgreSQL it locks the lead row and then the buyer's wallet row
//! (`FOR UPDATE`), always in that order, so racing buyers of one lead queue on the lead and a
//! buyer's concurrent purchases queue on the wallet.
//!
//! `Idempotency-Key`: see [`crate::idempotency`]. A refused purchase stores nothing, so the same
//! key may be retried after topping up.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use chrono::{DateTime, Utc};
use leadmart_shared::commission::PartnerStanding;
use leadmart_shared::ids::{PartnerId, UserId};
use leadmart_shared::ledger::{commission_accrual, lead_purchase};
use leadmart_shared::money::{Credits, Rate};
use leadmart_shared::purchase::{BuyerState, LeadOffer, plan_purchase};
use leadmart_shared::wire::{CreditBalance, PurchaseResponse};

use crate::auth::AuthUser;
use crate::db::{DbDecimal, Tx};
use crate::error::ApiError;
use crate::idempotency::{self, Claim};
use crate::marketplace::parse_id;
use crate::marketplace::record::{LEAD_COLUMNS, LeadRecord};
use crate::my_leads::json_response;
use crate::my_leads::view::{self, PURCHASE_COLUMNS, PurchaseRow};
use crate::{AppState, credits, ledger, preferences, with_tx};

pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";

pub fn routes() -> Router<AppState> {
    Router::new().route("/marketplace/leads/{id}/purchase", post(purchase))
}

async fn purchase(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let lead_id = parse_id(&id, "lead")?;
    let key = headers
        .get(IDEMPOTENCY_HEADER)
        .map(|v| {
            v.to_str()
                .map(str::to_owned)
                .map_err(|_| ApiError::validation("the Idempotency-Key header must be text"))
        })
        .transpose()?;
    let now = Utc::now();
    let mut tx = state.db.begin_write().await?;
    if let Some(key) = &key {
        let hash = idempotency::request_hash(&format!("purchase {lead_id}"), &body);
        if let Claim::Replay(stored) = idempotency::claim(&mut tx, user.id, key, &hash, now).await?
        {
            return Ok(json_response(StatusCode::CREATED, stored));
        }
    }
    let answer = buy(&mut tx, &state, user.id, lead_id, now).await?;
    let json = serde_json::to_string(&answer).map_err(ApiError::corrupt)?;
    if let Some(key) = &key {
        idempotency::store(&mut tx, user.id, key, &json).await?;
    }
    tx.commit().await?;
    // After the commit, and not awaited: a recharge pays through an outside provider, so the
    // purchase neither holds its locks nor waits for it, and its failure does not undo it.
    credits::spawn_auto_recharge(state.clone(), user.id);
    Ok(json_response(StatusCode::CREATED, json))
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

/// Credits the buyer spent on leads since the start of their own local day (their time zone,
/// else the marketplace's).
async fn spent_today(
    tx: &mut Tx,
    state: &AppState,
    buyer: i64,
    now: DateTime<Utc>,
) -> Result<Credits, ApiError> {
    let zone = preferences::time_zone_in(tx, buyer, &state.market.agent_time).await?;
    let day_start = leadmart_shared::local_time::day_start(now, zone);
    let prices: Vec<DbDecimal> = with_tx!(tx, conn => {
        sqlx::query_scalar("SELECT price FROM purchases WHERE buyer_id = $1 AND purchased_at >= $2")
            .bind(buyer)
            .bind(day_start)
            .fetch_all(conn)
            .await?
    });
    let prices = prices
        .into_iter()
        .map(|p| Credits::new(p.0))
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::corrupt)?;
    Credits::sum(prices).ok_or_else(|| ApiError::corrupt("daily spend overflows"))
}

async fn buy(
    tx: &mut Tx,
    state: &AppState,
    buyer: i64,
    lead_id: i64,
    now: DateTime<Utc>,
) -> Result<PurchaseResponse, ApiError> {
    let market = &state.market;
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
    let profile = preferences::profile_in(tx, buyer, market.credit_value.currency).await?;
    let balance = credits::locked_wallet(tx, buyer).await?;
    let spent = spent_today(tx, state, buyer, now).await?;
    let already: i64 = with_tx!(tx, conn => {
        sqlx::query_scalar("SELECT COUNT(*) FROM purchases WHERE lead_id = $1 AND buyer_id = $2")
            .bind(lead_id)
            .bind(buyer)
            .fetch_one(conn)
            .await?
    });
    let partner = match lead.partner {
        Some(p) => Some(partner_standing(tx, p).await?),
        None => None,
    };
    let offer = LeadOffer::of(&lead, partner);
    let price = lead.price(now, &market.pricing, &market.freshness);
    let buyer_state = BuyerState {
        profile: &profile,
        balance,
        spent_today: spent,
        already_purchased: already > 0,
    };
    let plan = plan_purchase(
        &buyer_state,
        &offer,
        price,
        now,
        &market.credit_value,
        &market.commission,
    )?;

    let purchase_id: i64 = with_tx!(tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO purchases (lead_id, buyer_id, price, purchased_at, stage, stage_since, \
             updated_at) VALUES ($1, $2, $3, $4, 'new', $4, $4) RETURNING id",
        )
        .bind(lead_id)
        .bind(buyer)
        .bind(DbDecimal(plan.price.amount()))
        .bind(now)
        .fetch_one(conn)
        .await?
    });
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

    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {PURCHASE_COLUMNS} FROM purchases WHERE id = $1"
    ));
    let row: PurchaseRow = with_tx!(tx, conn => {
        sqlx::query_as(sql).bind(purchase_id).fetch_one(conn).await?
    });
    Ok(PurchaseResponse {
        purchase: view::purchased_lead(tx, &row, market, now).await?,
        balance: CreditBalance::new(plan.balance_after, &market.credit_value),
    })
}
