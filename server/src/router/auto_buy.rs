//! Auto-buy (seed 000 "auto-purchase if score > 90"): after a lead is listed, the agents whose
//! rule fired buy it in rank order through the purchase's own rules and effects
//! (`purchases::buy`: balance, daily limit, per-lead maximum, buyer cap), each in its own write
//! transaction, as a click would. A refused purchase (over budget, sold out) is skipped.

use leadmart_shared::error_code::ApiErrorCode;

use crate::error::ApiError;
use crate::{AppState, credits, db, purchases};

/// Runs the auto-buys of lead `lead_id` after its listing committed, without holding up the
/// listing's answer.
pub fn spawn(state: AppState, lead_id: i64, agents: Vec<i64>) {
    if agents.is_empty() {
        return;
    }
    tokio::spawn(async move {
        for agent in agents {
            match buy_for(&state, agent, lead_id).await {
                Ok(()) => tracing::info!(agent, lead_id, "auto-bought"),
                Err(e) if code_of(&e) == Some(ApiErrorCode::LeadSoldOut) => return,
                Err(e) => tracing::info!(agent, lead_id, error = %e, "auto-buy refused"),
            }
        }
    });
}

fn code_of(error: &ApiError) -> Option<ApiErrorCode> {
    match error {
        ApiError::Coded { code, .. } => Some(*code),
        _ => None,
    }
}

/// One agent's automatic purchase: the click's transaction without an idempotency key (a
/// second purchase of the same lead is refused as `already_purchased` anyway).
async fn buy_for(state: &AppState, agent: i64, lead_id: i64) -> Result<(), ApiError> {
    let zone_hint = state
        .zone_hints
        .hint(agent, state.market.agent_time.default_zone);
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    let bought = purchases::buy(&mut tx, state, agent, lead_id, zone_hint, None, now).await?;
    // Without a key there is no stored answer to replay: only a new purchase comes back.
    let mut recharge = false;
    if let purchases::Bought::New {
        effects,
        recharge_due,
        ..
    } = bought
    {
        effects.run(&mut tx).await?;
        recharge = recharge_due;
    }
    tx.commit().await?;
    state.events.committed();
    if recharge {
        credits::spawn_auto_recharge(state.clone(), agent);
    }
    Ok(())
}
