//! Intake: leads one at a time. The public web form (`GET /v1/intake/form-token`, then
//! `POST /v1/intake/web-form`: rate-limited per address, a honeypot field and a minimum fill
//! time against bots), integrations with an API key (`POST /v1/intake/leads` with
//! `X-Intake-Key`; keys created and revoked by admins, stored hashed) and admins
//! (`POST /v1/admin/leads`). Every door leads to [`list_lead`]: validated by the shared intake
//! rules, scored, priced, listed and routed in one transaction; its dedupe keys go to the
//! inventory's, where a platform-owned lead wins over a partner's unsold one.

pub mod store;

use std::net::IpAddr;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use leadmart_shared::account::Role;
use leadmart_shared::ids::LeadId;
use leadmart_shared::intake::{FormGuard, IntakeFields, IntakeLead, IntakeValidator, amount_text};
use leadmart_shared::lead::{Lead, LeadSource, ListingStatus, VerificationStatus};
use leadmart_shared::wire::{
    ApiErrorBody, CreatedIntakeKey, FormTokenDto, IntakeAccepted, IntakeKeyDto, IntakeLeadDto,
    NewIntakeKey, WebFormSubmission,
};
use sha2::Sha256;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::AuthUser;
use crate::auth::throttle::PeerAddress;
use crate::auth::tokens::{random_hex, token_hash};
use crate::error::{ApiError, JsonBody};
use crate::{AppState, db, marketplace, router};

/// The secret web-form tokens are signed with. Every process behind one database needs the
/// same one (`LEADMART_INTAKE_SECRET`); the default is random per process.
#[derive(Clone)]
pub struct FormSecret(Vec<u8>);

impl FormSecret {
    pub fn new(secret: &[u8]) -> Self {
        Self(secret.to_vec())
    }
}

impl Default for FormSecret {
    fn default() -> Self {
        Self(random_hex(32).into_bytes())
    }
}

impl std::fmt::Debug for FormSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FormSecret(…)")
    }
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(form_token))
        .routes(routes!(web_form))
        .routes(routes!(api_lead))
        .routes(routes!(admin_lead))
        .routes(routes!(create_key, list_keys))
        .routes(routes!(revoke_key))
}

fn mac(secret: &FormSecret, shown_ms: i64) -> Hmac<Sha256> {
    // HMAC takes a key of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(&secret.0).unwrap_or_else(|_| unreachable!());
    mac.update(shown_ms.to_string().as_bytes());
    mac
}

/// `shown_at_ms.signature`: when the form was shown, signed so it cannot be backdated.
fn sign_form(secret: &FormSecret, shown: DateTime<Utc>) -> String {
    let ms = shown.timestamp_millis();
    format!(
        "{ms}.{}",
        hex::encode(mac(secret, ms).finalize().into_bytes())
    )
}

/// When the form of `token` was shown, if the token is this marketplace's.
fn form_shown_at(secret: &FormSecret, token: &str) -> Option<DateTime<Utc>> {
    let (ms, signature) = token.split_once('.')?;
    let ms: i64 = ms.parse().ok()?;
    let signature = hex::decode(signature).ok()?;
    mac(secret, ms).verify_slice(&signature).ok()?;
    DateTime::from_timestamp_millis(ms)
}

/// A token to show the web form with.
#[utoipa::path(
    get,
    path = "/intake/form-token",
    tag = "intake",
    responses((status = 200, description = "Send it back with the form", body = FormTokenDto))
)]
async fn form_token(State(state): State<AppState>) -> Json<FormTokenDto> {
    let guard = &state.market.form_guard;
    Json(FormTokenDto {
        form_token: sign_form(&state.market.intake_secret, db::now()),
        min_fill_seconds: u32::try_from(guard.min_fill.num_seconds()).unwrap_or(0),
    })
}

/// Refuses an address over the web form's limit (every submission counts), with how long
/// until its oldest counted submission leaves the window.
async fn check_rate(
    state: &AppState,
    address: Option<IpAddr>,
    guard: &FormGuard,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let Some(address) = address else {
        return Ok(());
    };
    let since = now - guard.window;
    let (before, oldest) =
        store::count_and_record_submission(&state.db, &address.to_string(), since, now).await?;
    if before >= i64::from(guard.max_per_window) {
        let wait = oldest.map_or(guard.window, |oldest| oldest + guard.window - now);
        return Err(ApiError::rate_limited(
            "submissions from this address",
            wait,
        ));
    }
    Ok(())
}

/// The public web form.
#[utoipa::path(
    post,
    path = "/intake/web-form",
    tag = "intake",
    request_body = WebFormSubmission,
    responses(
        (status = 201, description = "Listed (and routed)", body = IntakeAccepted),
        (status = "4XX", description = "error codes: validation, rate_limited", body = ApiErrorBody),
    )
)]
async fn web_form(
    State(state): State<AppState>,
    peer: PeerAddress,
    JsonBody(form): JsonBody<WebFormSubmission>,
) -> Result<(StatusCode, Json<IntakeAccepted>), ApiError> {
    let now = db::now();
    let guard = state.market.form_guard;
    check_rate(&state, peer.0, &guard, now).await?;
    let shown = form_shown_at(&state.market.intake_secret, &form.form_token)
        .ok_or_else(|| ApiError::validation("formToken: not a form token of this marketplace"))?;
    guard
        .check(shown, &form.website, now)
        .map_err(|sign| ApiError::validation(sign.to_string()))?;
    let accepted = list_lead(&state, &form.lead, LeadSource::WebForm, now).await?;
    Ok((StatusCode::CREATED, Json(accepted)))
}

/// A lead from an integration, with an intake API key.
#[utoipa::path(
    post,
    path = "/intake/leads",
    tag = "intake",
    params(("X-Intake-Key" = String, Header, description = "An intake API key an admin created")),
    request_body = IntakeLeadDto,
    responses(
        (status = 201, description = "Listed (and routed)", body = IntakeAccepted),
        (status = "4XX", description = "error codes: unauthorized, validation", body = ApiErrorBody),
    )
)]
async fn api_lead(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(lead): JsonBody<IntakeLeadDto>,
) -> Result<(StatusCode, Json<IntakeAccepted>), ApiError> {
    let key = headers
        .get("x-intake-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(ApiError::unauthorized)?;
    if !store::key_is_live(&state.db, &token_hash(key)).await? {
        return Err(ApiError::unauthorized());
    }
    let accepted = list_lead(&state, &lead, LeadSource::Api, db::now()).await?;
    Ok((StatusCode::CREATED, Json(accepted)))
}

/// A lead an admin enters.
#[utoipa::path(
    post,
    path = "/admin/leads",
    tag = "admin",
    request_body = IntakeLeadDto,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Listed (and routed)", body = IntakeAccepted),
        (status = "4XX", description = "error codes: unauthorized, forbidden, validation", body = ApiErrorBody),
    )
)]
async fn admin_lead(
    State(state): State<AppState>,
    admin: AuthUser,
    JsonBody(lead): JsonBody<IntakeLeadDto>,
) -> Result<(StatusCode, Json<IntakeAccepted>), ApiError> {
    admin.require(Role::Admin)?;
    let accepted = list_lead(&state, &lead, LeadSource::Admin, db::now()).await?;
    Ok((StatusCode::CREATED, Json(accepted)))
}

/// Creates an intake API key; its secret is in this answer only.
#[utoipa::path(
    post,
    path = "/admin/intake-keys",
    tag = "admin",
    request_body = NewIntakeKey,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The key and its secret (shown once)", body = CreatedIntakeKey),
        (status = "4XX", description = "error codes: unauthorized, forbidden, validation", body = ApiErrorBody),
    )
)]
async fn create_key(
    State(state): State<AppState>,
    admin: AuthUser,
    JsonBody(new): JsonBody<NewIntakeKey>,
) -> Result<(StatusCode, Json<CreatedIntakeKey>), ApiError> {
    admin.require(Role::Admin)?;
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::validation("name: 1 to 200 characters"));
    }
    let secret = format!("lmik_{}", random_hex(24));
    let key = store::insert_key(&state.db, name, &token_hash(&secret), admin.id, db::now()).await?;
    Ok((StatusCode::CREATED, Json(CreatedIntakeKey { key, secret })))
}

/// Every intake API key, revoked ones included (never their secrets).
#[utoipa::path(
    get,
    path = "/admin/intake-keys",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The keys", body = Vec<IntakeKeyDto>),
        (status = "4XX", description = "error codes: unauthorized, forbidden", body = ApiErrorBody),
    )
)]
async fn list_keys(
    State(state): State<AppState>,
    admin: AuthUser,
) -> Result<Json<Vec<IntakeKeyDto>>, ApiError> {
    admin.require(Role::Admin)?;
    Ok(Json(store::keys(&state.db).await?))
}

/// Revokes an intake API key: it stops working at once.
#[utoipa::path(
    post,
    path = "/admin/intake-keys/{id}/revoke",
    tag = "admin",
    params(("id" = String, Path, pattern = r"^[0-9]+$", description = "The key's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The revoked key", body = IntakeKeyDto),
        (status = "4XX", description = "error codes: unauthorized, forbidden, not_found", body = ApiErrorBody),
    )
)]
async fn revoke_key(
    State(state): State<AppState>,
    admin: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<IntakeKeyDto>, ApiError> {
    admin.require(Role::Admin)?;
    let id = marketplace::parse_id(&id, "intake key")?;
    store::revoke_key(&state.db, id, db::now())
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("intake key"))
}

/// Validates, scores, prices, lists and routes one lead, in one transaction; its events go
/// out when it commits.
pub async fn list_lead(
    state: &AppState,
    dto: &IntakeLeadDto,
    source: LeadSource,
    now: DateTime<Utc>,
) -> Result<IntakeAccepted, ApiError> {
    let market = &state.market;
    let (budget_min, budget_max) = (
        amount_text(Some(dto.budget_min)),
        amount_text(Some(dto.budget_max)),
    );
    let fields = IntakeFields {
        category: &dto.category,
        title: &dto.title,
        description: &dto.description,
        country: &dto.country,
        region: &dto.region,
        city: &dto.city,
        area: dto.area.as_deref().unwrap_or_default(),
        postal_code: dto.postal_code.as_deref().unwrap_or_default(),
        budget_min: &budget_min,
        budget_max: &budget_max,
        urgency: dto.urgency.map(|u| u.as_str()).unwrap_or_default(),
        name: &dto.name,
        email: dto.email.as_deref().unwrap_or_default(),
        phone: dto.phone.as_deref().unwrap_or_default(),
        address: dto.address.as_deref().unwrap_or_default(),
    };
    let valid = validator(state)?
        .validate(&fields, dto.exclusive)
        .map_err(|errors| ApiError::validation(errors.join("; ")))?;
    let expires_at = now + market.intake.listing_life;
    let mut tx = state.db.begin_write().await?;
    let id = store::insert_lead(&mut tx, &valid, source, now, expires_at).await?;
    let keys = leadmart_shared::dedupe::DedupeKeys::of(&valid.contact);
    crate::uploads::store::key_platform_lead(&mut tx, id, &keys).await?;
    let lead = listed(valid, id, source, now, expires_at)?;
    marketplace::store::set_price_bands(
        &mut tx,
        id,
        &lead.price_bands(&market.pricing, &market.freshness),
    )
    .await?;
    let routed = router::route_listed(&mut tx, state, &lead, now).await?;
    tx.commit().await?;
    state.events.committed();
    router::auto_buy::spawn(state.clone(), id, routed.auto_buy.clone());
    Ok(IntakeAccepted {
        lead_id: id.to_string(),
        score: lead.score.score().value(),
        price_credits: lead.price(now, &market.pricing, &market.freshness).amount(),
        routed: routed.scope,
        notified: routed.notified,
    })
}

/// The state's intake validator, built on first use (it compiles phone patterns).
fn validator(state: &AppState) -> Result<&IntakeValidator, ApiError> {
    if let Some(built) = state.intake_validator.get() {
        return Ok(built);
    }
    let built = IntakeValidator::new(state.market.intake.clone()).map_err(ApiError::corrupt)?;
    // A racing request may have set it first: either is the same.
    let _ = state.intake_validator.set(built);
    state
        .intake_validator
        .get()
        .ok_or_else(|| ApiError::corrupt("the intake validator vanished"))
}

/// The shared record of the lead just inserted as `id`.
pub(crate) fn listed(
    valid: IntakeLead,
    id: i64,
    source: LeadSource,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<Lead, ApiError> {
    Ok(Lead {
        id: LeadId::new(id).map_err(ApiError::corrupt)?,
        category: valid.category,
        attributes: valid.attributes,
        title: valid.title,
        description: valid.description,
        location: valid.location,
        budget: valid.budget,
        urgency: valid.urgency,
        contact: valid.contact,
        source,
        partner: None,
        created_at: now,
        listed_at: Some(now),
        expires_at: Some(expires_at),
        verification: VerificationStatus::Pending,
        phone_verified: false,
        cap: valid.cap,
        status: ListingStatus::Listed,
        views: 0,
        purchases: 0,
        score: valid.score,
    })
}
