//! An agent's preferences and budget controls (seed 000 Settings): stored as one JSON document,
//! validated on the way in by turning it into the shared [`AgentProfile`], which is also what
//! purchase eligibility and the "matching" feed read. The document is stored by [`store`].

pub mod store;

use axum::Json;
use axum::extract::State;
use leadmart_shared::account::Role;
use leadmart_shared::agent::{
    AgentProfile, AutoBuyRule, BudgetControls, LeadPreferences, ServiceArea,
};
use leadmart_shared::ids::UserId;
use leadmart_shared::lead::{BudgetRange, Category};
use leadmart_shared::local_time::{TimeZoneConfig, Tz, parse_time_zone};
use leadmart_shared::money::{Credits, CurrencyCode, Money, Rate};
use leadmart_shared::scoring::Score;
use leadmart_shared::wire::{AgentPreferencesDto, ApiErrorBody};
use rust_decimal::Decimal;

use crate::AppState;
use crate::auth::AuthUser;
use crate::db::Db;
use crate::error::{ApiError, JsonBody};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_preferences, put_preferences))
}

/// A new agent serves nothing until they say what and where.
pub fn empty() -> AgentPreferencesDto {
    AgentPreferencesDto {
        categories: Vec::new(),
        service_areas: Vec::new(),
        min_score: None,
        budget_min: None,
        budget_max: None,
        exclusivity: None,
        max_price: None,
        urgencies: Vec::new(),
        daily_limit: None,
        per_lead_max: None,
        auto_buy_score_above: None,
        auto_buy_max_price: None,
        budget_currency: None,
        category_attributes: Default::default(),
        confirm_above: None,
        time_zone: None,
    }
}

/// Who the agent is to the rules (role and flags from `users`).
pub struct AgentFlags {
    pub id: i64,
    pub role: Role,
    pub verified: bool,
    pub active: bool,
}

fn credits(field: &str, value: Option<Decimal>) -> Result<Option<Credits>, String> {
    value
        .map(|v| Credits::new(v).map_err(|e| format!("{field}: {e}")))
        .transpose()
}

/// The shared profile of an agent with these preferences. Errors name the offending field.
pub fn to_profile(
    flags: &AgentFlags,
    prefs: &AgentPreferencesDto,
    market_currency: CurrencyCode,
) -> Result<AgentProfile, String> {
    let categories = prefs
        .categories
        .iter()
        .map(|c| Category::parse(c).map_err(|e| format!("categories: {e}")))
        .collect::<Result<_, _>>()?;
    let service_areas = prefs
        .service_areas
        .iter()
        .map(|a| {
            ServiceArea::new(&a.country, &a.region, a.city.as_deref(), a.area.as_deref())
                .map_err(|e| format!("serviceAreas: {e}"))
        })
        .collect::<Result<_, _>>()?;
    let score = |field: &str, v: Option<u8>| {
        v.map(|s| Score::new(s).map_err(|e| format!("{field}: {e}")))
            .transpose()
    };
    let budget = match (prefs.budget_min, prefs.budget_max) {
        (Some(min), Some(max)) => {
            let currency = match &prefs.budget_currency {
                Some(code) => {
                    CurrencyCode::new(code).map_err(|e| format!("budgetCurrency: {e}"))?
                }
                None => market_currency,
            };
            let money = |v| Money::new(v).map_err(|e| format!("budget: {e}"));
            Some(
                BudgetRange::new(currency, money(min)?, money(max)?)
                    .map_err(|e| format!("budget: {e}"))?,
            )
        }
        (None, None) => None,
        _ => return Err("budget: give both budgetMin and budgetMax, or neither".to_owned()),
    };
    let auto_buy = score("autoBuyScoreAbove", prefs.auto_buy_score_above)?.map(|score_above| {
        Ok::<_, String>(AutoBuyRule {
            score_above,
            max_price: credits("autoBuyMaxPrice", prefs.auto_buy_max_price)?,
        })
    });
    credits("confirmAbove", prefs.confirm_above)?;
    if let Some(zone) = &prefs.time_zone {
        parse_time_zone(zone).map_err(|e| format!("timeZone: {e}"))?;
    }
    Ok(AgentProfile {
        id: UserId::new(flags.id).map_err(|e| e.to_string())?,
        role: flags.role,
        verified: flags.verified,
        active: flags.active,
        premium: false,
        tier: 1,
        response_rate: Rate::ZERO,
        categories,
        service_areas,
        preferences: LeadPreferences {
            min_score: score("minScore", prefs.min_score)?,
            budget,
            exclusivity: prefs.exclusivity,
            max_price: credits("maxPrice", prefs.max_price)?,
            urgencies: prefs.urgencies.clone(),
        },
        budget: BudgetControls {
            daily_limit: credits("dailyLimit", prefs.daily_limit)?,
            per_lead_max: credits("perLeadMax", prefs.per_lead_max)?,
            auto_buy: auto_buy.transpose()?,
        },
    })
}

/// The agent's shared profile and time zone from their stored flags and preferences body (the
/// `users` and `agent_preferences` columns), as a purchase reads them with its lead.
pub fn profile_of(
    flags: &AgentFlags,
    body: Option<String>,
    currency: CurrencyCode,
    zones: &TimeZoneConfig,
) -> Result<(AgentProfile, Tz), ApiError> {
    let prefs = store::parse_stored(body)?;
    let profile = to_profile(flags, &prefs, currency).map_err(ApiError::corrupt)?;
    Ok((profile, zone_in_force(flags.id, &prefs, zones)))
}

/// The time zone last seen in force for each agent: the day a purchase reads its spend for
/// must be chosen before the purchase's one read, which also reads the preferences. A hint
/// only: a read that finds another zone reads the spend again (see
/// `purchases::store::inputs`), so a missing or stale hint (another process changed it) costs
/// one query, never a wrong day — and a right one saves a query per purchase.
#[derive(Debug, Default)]
pub struct ZoneHints {
    seen: std::sync::RwLock<std::collections::HashMap<i64, Tz>>,
}

impl ZoneHints {
    /// The zone last seen for `user`, else `default`.
    pub fn hint(&self, user: i64, default: Tz) -> Tz {
        self.seen
            .read()
            .ok()
            .and_then(|seen| seen.get(&user).copied())
            .unwrap_or(default)
    }

    /// Remembers the zone a transaction found in force for `user` (written only when it
    /// changed: purchases read far more often than agents move).
    pub fn remember(&self, user: i64, zone: Tz) {
        let known = self
            .seen
            .read()
            .ok()
            .and_then(|seen| seen.get(&user).copied());
        if known != Some(zone)
            && let Ok(mut seen) = self.seen.write()
        {
            seen.insert(user, zone);
        }
    }
}

/// The agent's time zone in force, read outside any transaction.
pub async fn zone(db: &Db, user: i64, zones: &TimeZoneConfig) -> Result<Tz, ApiError> {
    Ok(zone_in_force(user, &store::load(db, user).await?, zones))
}

/// The agent's time zone: their choice, else the marketplace's. A stored name this build no
/// longer knows falls back to the marketplace's zone rather than blocking purchases (it was
/// valid when saved).
fn zone_in_force(user: i64, prefs: &AgentPreferencesDto, zones: &TimeZoneConfig) -> Tz {
    match prefs.time_zone.as_deref().map(parse_time_zone) {
        Some(Ok(zone)) => zone,
        Some(Err(unknown)) => {
            tracing::warn!(user, error = %unknown, "stored time zone unknown; using the marketplace's");
            zones.default_zone
        }
        None => zones.default_zone,
    }
}

/// The preferences as answered: with the time zone in force filled in.
fn with_zone_in_force(
    mut prefs: AgentPreferencesDto,
    config: &TimeZoneConfig,
) -> AgentPreferencesDto {
    prefs
        .time_zone
        .get_or_insert_with(|| config.default_zone.name().to_owned());
    prefs
}

/// The caller's shared profile outside a transaction (the matching feed).
pub async fn profile(
    db: &Db,
    user: &AuthUser,
    currency: CurrencyCode,
) -> Result<AgentProfile, ApiError> {
    let flags = AgentFlags {
        id: user.id,
        role: user.role,
        verified: user.verified,
        active: true,
    };
    to_profile(&flags, &store::load(db, user.id).await?, currency).map_err(ApiError::corrupt)
}

/// The agent's preferences and budget controls, with the time zone in force.
#[utoipa::path(
    get,
    path = "/me/preferences",
    tag = "preferences",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The agent's preferences", body = AgentPreferencesDto),
        (status = "4XX", description = "error codes: unauthorized, forbidden", body = ApiErrorBody),
    )
)]
async fn get_preferences(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<AgentPreferencesDto>, ApiError> {
    user.require(Role::Agent)?;
    Ok(Json(answered(&state, user.id).await?))
}

/// The agent's preferences as every answer gives them (`GET /v1/me/preferences`, sync): with
/// the time zone in force.
pub async fn answered(state: &AppState, user: i64) -> Result<AgentPreferencesDto, ApiError> {
    let prefs = store::load(&state.db, user).await?;
    Ok(with_zone_in_force(prefs, &state.market.agent_time))
}

/// Replaces the agent's preferences (validated by the shared `AgentProfile`).
#[utoipa::path(
    put,
    path = "/me/preferences",
    tag = "preferences",
    request_body = AgentPreferencesDto,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The preferences as stored", body = AgentPreferencesDto),
        (status = "4XX", description = "error codes: unauthorized, forbidden, validation", body = ApiErrorBody),
    )
)]
async fn put_preferences(
    State(state): State<AppState>,
    user: AuthUser,
    JsonBody(prefs): JsonBody<AgentPreferencesDto>,
) -> Result<Json<AgentPreferencesDto>, ApiError> {
    user.require(Role::Agent)?;
    let flags = AgentFlags {
        id: user.id,
        role: user.role,
        verified: user.verified,
        active: true,
    };
    to_profile(&flags, &prefs, state.market.credit_value.currency).map_err(ApiError::validation)?;
    store::save(&state.db, user.id, &prefs).await?;
    Ok(Json(with_zone_in_force(prefs, &state.market.agent_time)))
}
