//! `POST /v1/marketplace/leads/{id}/purchase`: one write transaction that checks every purchase
//! rule with the shared `plan_purchase` over what [`store`] reads and applies its plan through
//! [`store`] — debit through the ledger, purchase record, purchases count, close the lead at its
//! cap, commission accrual for partner leads — then answers with the lead revealed, assembled
//! from what the transaction read and wrote (nothing is read back).
//!
//! `Idempotency-Key`: see [`crate::idempotency`]. A refused purchase stores nothing, so the same
//! key may be retried after topping up.

pub mod store;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use leadmart_shared::local_time::Tz;
use leadmart_shared::purchase::{LeadOffer, plan_purchase};
use leadmart_shared::wire::{ApiErrorBody, CreditBalance, PurchaseResponse};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::AuthUser;
use crate::db::{self, Batch, Tx};
use crate::error::{ApiError, ApiErrorCode};
use crate::idempotency::{self, Claim};
use crate::marketplace::parse_id;
use crate::my_leads::json_response;

use crate::{AppState, credits, events, my_leads};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(purchase))
}

/// Buys a lead: the same `Idempotency-Key` and request replay the stored answer.
#[utoipa::path(
    post,
    path = "/marketplace/leads/{id}/purchase",
    tag = "purchases",
    params(
        ("id" = String, Path, pattern = r"^[0-9]+$", description = "The lead's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and same request replay the stored answer"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Bought: the lead revealed and the balance left", body = PurchaseResponse),
        (status = "4XX", description = "error codes: unauthorized, not_found, not_an_agent, agent_not_verified, agent_inactive, lead_not_listed, lead_expired, lead_sold_out, already_purchased, category_not_served, outside_service_area, per_lead_max_exceeded, daily_limit_reached, insufficient_credits, idempotency_key_reused, validation", body = ApiErrorBody),
    )
)]
async fn purchase(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let lead_id = parse_id(&id, "lead")?;
    let key = idempotency::key_header(&headers)?;
    // Chosen before the transaction's one read, which checks it (see `store::inputs`).
    let zone_hint = state
        .zone_hints
        .hint(user.id, state.market.agent_time.default_zone);
    let now = db::now();
    let request = key.map(|key| {
        let hash = idempotency::request_hash(&format!("purchase {lead_id}"), &body);
        (key, hash)
    });
    let mut tx = state.db.begin_write().await?;
    // Where rows are locked as they are read (PostgreSQL), the key is claimed first: a
    // concurrent retry waits on its row. Where the transaction excludes other writers from its
    // start (SQLite), the purchase's one read looks it up instead, saving a round trip while
    // the one writer is held.
    let claim_first = tx.locks_rows();
    if claim_first
        && let Some((key, hash)) = &request
        && let Claim::Replay(stored) = idempotency::claim(&mut tx, user.id, key, hash, now).await?
    {
        return Ok(json_response(StatusCode::CREATED, stored));
    }
    let look_up = request.as_ref().filter(|_| !claim_first);
    let (answer, mut effects, recharge_due) =
        match buy(&mut tx, &state, user.id, lead_id, zone_hint, look_up, now).await? {
            Bought::Replay(stored) => return Ok(json_response(StatusCode::CREATED, stored)),
            Bought::New {
                answer,
                effects,
                recharge_due,
            } => (answer, effects, recharge_due),
        };
    let json = serde_json::to_string(&answer).map_err(ApiError::corrupt)?;
    match (&request, claim_first) {
        (Some((key, _)), true) => idempotency::store_into(&mut effects, user.id, key, &json),
        (Some((key, hash)), false) => {
            idempotency::insert_answered_into(&mut effects, user.id, key, hash, &json, now);
        }
        (None, _) => {}
    }
    effects.run(&mut tx).await?;
    tx.commit().await?;
    state.events.committed();
    // After the commit, and not awaited: a recharge pays through an outside provider, so the
    // purchase neither holds its locks nor waits for it, and its failure does not undo it.
    if recharge_due {
        credits::spawn_auto_recharge(state.clone(), user.id);
    }
    Ok(json_response(StatusCode::CREATED, json))
}

/// What [`buy`] did: bought, with the answer and the writes still to run, or found the
/// answer stored under the request's idempotency key.
pub(crate) enum Bought {
    New {
        /// Boxed: the answer is large, and a replay carries only its stored text.
        answer: Box<PurchaseResponse>,
        effects: Batch,
        /// Whether the buyer's auto-recharge rule is due at the balance the purchase leaves:
        /// the caller starts the recharge once it committed (which checks again, locked).
        recharge_due: bool,
    },
    Replay(String),
}

/// The rules of the shared `plan_purchase` over what [`store::inputs`] read, then the plan's
/// effects (the rest of them queued in the batch returned, for the caller to run), answered
/// with the lead revealed and the balance left. With `look_up` (an `Idempotency-Key` and the
/// request's hash, not claimed yet), the read looks the key up, and a key already used
/// answers before any rule. Also the router's auto-buy (`router::auto_buy`, without a key):
/// the same rules and effects as a click.
pub(crate) async fn buy(
    tx: &mut Tx,
    state: &AppState,
    buyer: i64,
    lead_id: i64,
    zone_hint: Tz,
    look_up: Option<&(String, String)>,
    now: DateTime<Utc>,
) -> Result<Bought, ApiError> {
    let market = &state.market;
    let key = look_up.map(|(key, _)| key.as_str());
    let inputs = match store::inputs(tx, market, buyer, lead_id, zone_hint, key, now).await {
        Ok(inputs) => inputs,
        // No lead, so no read of the key: a key used for another request is still refused
        // as such (as where it is claimed first), or replayed.
        Err(
            missing @ ApiError::Coded {
                code: ApiErrorCode::NotFound,
                ..
            },
        ) => {
            return match look_up {
                Some((key, hash)) => match idempotency::claim(tx, buyer, key, hash, now).await? {
                    Claim::Replay(stored) => Ok(Bought::Replay(stored)),
                    Claim::Fresh => Err(missing),
                },
                None => Err(missing),
            };
        }
        Err(other) => return Err(other),
    };
    state.zone_hints.remember(buyer, inputs.zone);
    if let Some((key, hash)) = look_up {
        let (stored_hash, response) = inputs.stored_key.clone();
        if let Claim::Replay(stored) =
            idempotency::looked_up_claim(key, stored_hash, response, hash)?
        {
            return Ok(Bought::Replay(stored));
        }
    }
    let offer = LeadOffer::of(&inputs.lead, inputs.partner);
    let price = inputs.lead.price(now, &market.pricing, &market.freshness);
    let plan = plan_purchase(
        &inputs.buyer_state(),
        &offer,
        price,
        now,
        &market.credit_value,
        &market.commission,
    )?;
    let (purchase, effects) = store::apply(
        tx,
        market,
        buyer,
        &inputs.lead,
        inputs.purchase_id,
        &plan,
        now,
    )
    .await?;
    let mut effects = effects;
    // The purchase's events, at the end of its batch (see `events::raise`).
    let bought = events::raise::Purchased {
        buyer,
        lead_id,
        purchase_id: inputs.purchase_id,
        price: plan.price,
        balance_after: plan.balance_after,
        sold_out: plan.closes_lead,
    };
    events::raise::purchase(tx, &mut effects, state, &bought, now)?;
    let answer = PurchaseResponse {
        purchase: my_leads::view::just_bought(&purchase, plan.sold(inputs.lead), market, now)?,
        balance: CreditBalance::new(plan.balance_after, &market.credit_value),
    };
    let recharge_due = inputs
        .auto_recharge
        .as_ref()
        .and_then(|rule| rule.due(plan.balance_after, &market.packages))
        .is_some();
    Ok(Bought::New {
        answer: Box::new(answer),
        effects,
        recharge_due,
    })
}
