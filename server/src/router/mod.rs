//! The router (seed 002 step 2), run in the transaction that lists a lead: the shared
//! `route` over every verified, active agent's profile picks who hears of it; they
//! are recorded as its matches (so they hear when it sells out) and each gets `lead.matched`
//! with the lead's card. A lead nobody serves, even region-wide, is flagged to admins
//! (`GET /v1/admin/leads/unrouted`).

pub mod auto_buy;
pub mod store;

use chrono::{DateTime, Utc};
use leadmart_shared::agent::LeadTraits;
use leadmart_shared::lead::Lead;
use leadmart_shared::routing as route_rules;
use leadmart_shared::wire::LeadCard;
use leadmart_shared::wire::events::{EventPayload, LeadMatched};
pub use route_rules::RoutingConfig;
use route_rules::{RoutableLead, RouteScope, route};

use axum::Json;
use axum::extract::State;
use leadmart_shared::account::Role;
use leadmart_shared::wire::{ApiErrorBody, UnroutedLeadDto};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::AuthUser;
use crate::db::Tx;
use crate::error::ApiError;
use crate::events::store::{NewEvent, raise};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(unrouted))
}

/// Listed leads nobody serves, even region-wide, oldest first.
#[utoipa::path(
    get,
    path = "/admin/leads/unrouted",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The leads flagged to admins", body = Vec<UnroutedLeadDto>),
        (status = "4XX", description = "error codes: unauthorized, forbidden", body = ApiErrorBody),
    )
)]
async fn unrouted(
    State(state): State<AppState>,
    admin: AuthUser,
) -> Result<Json<Vec<UnroutedLeadDto>>, ApiError> {
    admin.require(Role::Admin)?;
    let rows = store::unrouted(&state.db).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(id, routed_at)| UnroutedLeadDto {
                lead_id: id.to_string(),
                routed_at,
            })
            .collect(),
    ))
}

/// How a listed lead was routed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed {
    pub scope: RouteScope,
    pub notified: u32,
    /// Agents whose auto-buy rule fires, in rank order: [`auto_buy::spawn`] once listed.
    pub auto_buy: Vec<i64>,
}

/// Routes the just-listed `lead` inside `tx`.
pub async fn route_listed(
    tx: &mut Tx,
    state: &AppState,
    lead: &Lead,
    now: DateTime<Utc>,
) -> Result<Routed, ApiError> {
    let mut routed = route_all(tx, state, &[lead], now).await?;
    routed
        .pop()
        .ok_or_else(|| ApiError::corrupt("one lead routed to nothing"))
}

/// Events one statement inserts at most (SQLite binds four values an event).
const EVENTS_PER_STATEMENT: usize = 1_000;

/// Routes the just-listed `leads` inside `tx`, in order: the agents read once for all of
/// them, the routings recorded and the events raised many rows per statement.
pub async fn route_all(
    tx: &mut Tx,
    state: &AppState,
    leads: &[&Lead],
    now: DateTime<Utc>,
) -> Result<Vec<Routed>, ApiError> {
    if leads.is_empty() {
        return Ok(Vec::new());
    }
    let agents = store::candidate_agents(tx, &state.market).await?;
    let mut routed = Vec::with_capacity(leads.len());
    let mut records = Vec::with_capacity(leads.len());
    let mut events = Vec::new();
    for lead in leads {
        let (one, notify) = decide(state, &agents, lead, now, &mut events)?;
        records.push(store::Routing {
            lead_id: lead.id.get(),
            scope: one.scope,
            matched: notify,
        });
        routed.push(one);
    }
    store::record_all(tx, &records, now).await?;
    for part in events.chunks(EVENTS_PER_STATEMENT) {
        raise(tx, part, now).await?;
    }
    Ok(routed)
}

/// Who hears of `lead` (their `lead.matched` events pushed to `events`), and who auto-buys.
fn decide(
    state: &AppState,
    agents: &[leadmart_shared::agent::AgentProfile],
    lead: &Lead,
    now: DateTime<Utc>,
    events: &mut Vec<NewEvent>,
) -> Result<(Routed, Vec<i64>), ApiError> {
    let market = &state.market;
    let preview = lead.preview(now, &market.pricing, &market.freshness);
    let routable = RoutableLead {
        category: &lead.category,
        location: &lead.location,
        traits: LeadTraits {
            score: lead.score.score(),
            budget: lead.budget.as_ref(),
            exclusivity: lead.cap.exclusivity(),
            urgency: lead.urgency,
            price: preview.price,
        },
    };
    let decision = route(&routable, agents, &market.routing);
    let notify: Vec<i64> = decision.notify.iter().map(|id| id.get()).collect();
    if !notify.is_empty() {
        let card = LeadCard::from_preview(&preview, market.credit_value.currency.as_str());
        events.extend(notify.iter().map(|&user_id| NewEvent {
            user_id,
            lead_id: Some(lead.id.get()),
            payload: EventPayload::LeadMatched(LeadMatched {
                lead: Box::new(card.clone()),
            }),
        }));
    }
    let routed = Routed {
        scope: decision.scope,
        notified: u32::try_from(notify.len()).map_err(ApiError::corrupt)?,
        auto_buy: decision.auto_buy.iter().map(|id| id.get()).collect(),
    };
    Ok((routed, notify))
}
