//! Partners (seed 001 §7, §8, §10): earnings by stage with the 14-day holdback released as it
//! ends (time is an input of [`earnings`]), payouts on request through the payout provider, the
//! dashboard with the partner score, and admins' review (a partner's leads past the first ones
//! wait as drafts until approval) and suspension (the partner's listed leads leave the
//! marketplace until unsuspended). A partner is never told who bought.

pub mod payout;
pub mod store;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use leadmart_shared::account::Role;
use leadmart_shared::commission::payout_due;
use leadmart_shared::ids::PartnerId;
use leadmart_shared::ledger::{Account, payout as payout_transfer};
use leadmart_shared::money::Money;
use leadmart_shared::upload::{PartnerScore, partner_score, review_state};
use leadmart_shared::wire::partner::{
    AdminPartnerDto, PartnerAction, PartnerDashboard, PartnerDecision, PartnerEarnings,
    PartnerScoreDto, PayoutDto,
};
use leadmart_shared::wire::{ApiErrorBody, score_signals};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::AuthUser;
use crate::db::Db;
use crate::error::{ApiError, ApiErrorCode, JsonBody};
use crate::marketplace::parse_id;
use crate::{AppState, MarketConfig, db, ledger};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_earnings))
        .routes(routes!(request_payout))
        .routes(routes!(get_dashboard))
        .routes(routes!(admin_partners))
        .routes(routes!(decide_partner))
}

/// The partner's earnings at `now`: held commissions whose holdback ended are released to
/// payable first (in their own transaction), then every stage is read.
pub async fn earnings(
    db: &Db,
    market: &MarketConfig,
    partner_id: i64,
    now: DateTime<Utc>,
) -> Result<PartnerEarnings, ApiError> {
    let mut tx = db.begin_write().await?;
    store::release_due(&mut tx, partner_id, now).await?;
    tx.commit().await?;
    let partner = PartnerId::new(partner_id).map_err(ApiError::corrupt)?;
    let held = ledger::balance(db, Account::PartnerHeld(partner)).await?;
    let payable = ledger::balance(db, Account::PartnerPayable(partner)).await?;
    let refundable_since = now - Duration::days(market.refunds.window_days);
    let (pending, next_release_at) = store::held_outlook(db, partner_id, refundable_since).await?;
    let payouts = store::payouts(db, partner_id).await?;
    let paid = payouts.iter().map(|p| p.amount).sum();
    let minimum = market.commission.minimum_payout;
    Ok(PartnerEarnings {
        currency: market.credit_value.currency.to_string(),
        pending,
        held,
        payable,
        paid,
        minimum_payout: minimum.amount(),
        payout_due: Money::new(payable).is_ok_and(|p| payout_due(p, &market.commission)),
        next_release_at,
        payouts,
        commissions: store::commissions(db, partner_id, 100).await?,
    })
}

/// Pays out the whole payable balance at `now` through the configured provider, when it has
/// reached the minimum.
pub async fn pay_out(
    state: &AppState,
    partner_id: i64,
    now: DateTime<Utc>,
) -> Result<PayoutDto, ApiError> {
    let market = &state.market;
    let provider = state.payouts.provider()?;
    if store::is_suspended(&state.db, partner_id).await? {
        return Err(crate::uploads::ingest::partner_suspended());
    }
    let partner = PartnerId::new(partner_id).map_err(ApiError::corrupt)?;
    let mut tx = state.db.begin_write().await?;
    store::release_due(&mut tx, partner_id, now).await?;
    let payable = ledger::locked_accrued_balance(&mut tx, Account::PartnerPayable(partner)).await?;
    let amount = Money::new(payable).map_err(ApiError::corrupt)?;
    if !payout_due(amount, &market.commission) {
        return Err(ApiError::coded(
            StatusCode::CONFLICT,
            ApiErrorCode::PayoutBelowMinimum,
            format!(
                "the payable balance {} is below the minimum payout of {}",
                amount, market.commission.minimum_payout
            ),
        ));
    }
    let currency = market.credit_value.currency;
    let id = store::insert_payout(
        &mut tx,
        partner_id,
        amount.amount(),
        currency.as_str(),
        provider.name(),
        now,
    )
    .await?;
    ledger::post(
        &mut tx,
        &payout_transfer(partner, amount, &format!("payout:{id}")),
        now,
    )
    .await?;
    // The dev provider answers at once; a provider that moves money would be told after the
    // commit, with the payout recorded as requested.
    let request = payout::PayoutRequest {
        payout_id: id,
        partner_id,
        amount,
        currency,
    };
    let provider_ref = provider.send(&request).await.map_err(ApiError::Upstream)?;
    store::settle_payout(&mut tx, id, partner_id, &provider_ref).await?;
    tx.commit().await?;
    Ok(PayoutDto {
        id: id.to_string(),
        amount: amount.amount(),
        currency: currency.to_string(),
        provider: provider.name().to_owned(),
        provider_ref: Some(provider_ref),
        requested_at: now,
    })
}

/// Pending (refundable), held back, payable and paid commission, payout history, latest sales.
#[utoipa::path(
    get,
    path = "/partner/earnings",
    tag = "partner",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The partner's earnings", body = PartnerEarnings),
        (status = "4XX", description = "error codes: unauthorized, forbidden", body = ApiErrorBody),
    )
)]
async fn get_earnings(
    State(state): State<AppState>,
    partner: AuthUser,
) -> Result<Json<PartnerEarnings>, ApiError> {
    partner.require(Role::Partner)?;
    Ok(Json(
        earnings(&state.db, &state.market, partner.id, db::now()).await?,
    ))
}

/// Pays out the whole payable balance once it has reached the minimum.
#[utoipa::path(
    post,
    path = "/partner/payouts",
    tag = "partner",
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The payout", body = PayoutDto),
        (status = "4XX", description = "error codes: unauthorized, forbidden, payout_below_minimum, partner_suspended", body = ApiErrorBody),
        (status = "5XX", description = "error codes: payouts_not_configured, payment_provider_unavailable", body = ApiErrorBody),
    )
)]
async fn request_payout(
    State(state): State<AppState>,
    partner: AuthUser,
) -> Result<(StatusCode, Json<PayoutDto>), ApiError> {
    partner.require(Role::Partner)?;
    let payout = pay_out(&state, partner.id, db::now()).await?;
    Ok((StatusCode::CREATED, Json(payout)))
}

fn score_dto(score: &PartnerScore) -> PartnerScoreDto {
    PartnerScoreDto {
        score: score.score.score().value(),
        breakdown: score_signals(&score.score),
        verification_pass_rate: score.verification_pass_rate.value(),
        duplicate_rate: score.duplicate_rate.value(),
        sell_through: score.sell_through.value(),
    }
}

fn count(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// Uploaded, listed, sold, revenue and the partner score with its breakdown.
#[utoipa::path(
    get,
    path = "/partner/dashboard",
    tag = "partner",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The partner's dashboard", body = PartnerDashboard),
        (status = "4XX", description = "error codes: unauthorized, forbidden", body = ApiErrorBody),
    )
)]
async fn get_dashboard(
    State(state): State<AppState>,
    partner: AuthUser,
) -> Result<Json<PartnerDashboard>, ApiError> {
    partner.require(Role::Partner)?;
    let f = store::figures(&state.db, partner.id)
        .await?
        .ok_or_else(|| ApiError::not_found("partner"))?;
    Ok(Json(PartnerDashboard {
        uploaded: count(f.stats.rows_sent),
        listed: count(f.stats.listed),
        awaiting_review: count(f.awaiting_review),
        sold: count(f.stats.sold),
        revenue: f.revenue,
        currency: state.market.credit_value.currency.to_string(),
        review: review_state(f.approved, f.suspended, f.leads, &state.market.uploads),
        score: score_dto(&partner_score(&f.stats)),
    }))
}

fn admin_dto(f: &store::PartnerFigures, market: &MarketConfig) -> AdminPartnerDto {
    AdminPartnerDto {
        id: f.id.to_string(),
        name: f.name.clone(),
        email: f.email.clone(),
        review: review_state(f.approved, f.suspended, f.leads, &market.uploads),
        uploaded: count(f.stats.rows_sent),
        listed: count(f.stats.listed),
        awaiting_review: count(f.awaiting_review),
        sold: count(f.stats.sold),
        score: score_dto(&partner_score(&f.stats)),
    }
}

/// Every partner with their score and review state.
#[utoipa::path(
    get,
    path = "/admin/partners",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The partners", body = Vec<AdminPartnerDto>),
        (status = "4XX", description = "error codes: unauthorized, forbidden", body = ApiErrorBody),
    )
)]
async fn admin_partners(
    State(state): State<AppState>,
    admin: AuthUser,
) -> Result<Json<Vec<AdminPartnerDto>>, ApiError> {
    admin.require(Role::Admin)?;
    let all = store::all_figures(&state.db).await?;
    Ok(Json(
        all.iter().map(|f| admin_dto(f, &state.market)).collect(),
    ))
}

/// Approves, suspends or unsuspends a partner; their leads move on or off the marketplace.
#[utoipa::path(
    post,
    path = "/admin/partners/{id}/decision",
    tag = "admin",
    params(("id" = String, Path, pattern = r"^[0-9]+$", description = "The partner's user id")),
    request_body = PartnerDecision,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The partner", body = AdminPartnerDto),
        (status = "4XX", description = "error codes: unauthorized, forbidden, not_found, validation", body = ApiErrorBody),
    )
)]
async fn decide_partner(
    State(state): State<AppState>,
    admin: AuthUser,
    Path(raw_id): Path<String>,
    JsonBody(decision): JsonBody<PartnerDecision>,
) -> Result<Json<AdminPartnerDto>, ApiError> {
    admin.require(Role::Admin)?;
    let id = parse_id(&raw_id, "partner")?;
    let Some(before) = store::figures(&state.db, id).await? else {
        return Err(ApiError::not_found("partner"));
    };
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    let relisted = match decision.action {
        PartnerAction::Approve if before.suspended => {
            // Approved while suspended: the drafts wait with the suspended leads.
            store::set_flags(&mut tx, id, Some(true), None).await?;
            store::move_leads(
                &mut tx,
                id,
                "draft",
                Some("review"),
                "withdrawn",
                Some("suspended"),
            )
            .await?;
            Vec::new()
        }
        PartnerAction::Approve => {
            store::set_flags(&mut tx, id, Some(true), None).await?;
            store::move_leads(&mut tx, id, "draft", Some("review"), "listed", None).await?
        }
        PartnerAction::Suspend => {
            store::set_flags(&mut tx, id, None, Some(true)).await?;
            store::move_leads(&mut tx, id, "listed", None, "withdrawn", Some("suspended")).await?;
            Vec::new()
        }
        PartnerAction::Unsuspend => {
            store::set_flags(&mut tx, id, None, Some(false)).await?;
            store::move_leads(&mut tx, id, "withdrawn", Some("suspended"), "listed", None).await?;
            // Back where they were: they were routed when first listed.
            Vec::new()
        }
    };
    let action = match decision.action {
        PartnerAction::Approve => crate::audit::AuditAction::PartnerApproved,
        PartnerAction::Suspend => crate::audit::AuditAction::PartnerSuspended,
        PartnerAction::Unsuspend => crate::audit::AuditAction::PartnerUnsuspended,
    };
    let detail = match decision.action {
        PartnerAction::Approve => format!("{} of their leads listed", relisted.len()),
        PartnerAction::Suspend => "their listed leads withdrawn".to_owned(),
        PartnerAction::Unsuspend => "their withdrawn leads listed again".to_owned(),
    };
    crate::audit::record(
        &mut tx,
        admin.id,
        action,
        &format!("partner {id}"),
        &detail,
        now,
    )
    .await?;
    // Drafts listed by an approval are routed now, as any newly listed lead.
    let leads = crate::marketplace::store::leads_by_id(&mut tx, &relisted).await?;
    let refs: Vec<&leadmart_shared::lead::Lead> = leads.iter().collect();
    let routed = crate::router::route_all(&mut tx, &state, &refs, now).await?;
    tx.commit().await?;
    state.events.committed();
    for (lead, routed) in leads.iter().zip(routed) {
        crate::router::auto_buy::spawn(state.clone(), lead.id.get(), routed.auto_buy);
    }
    let figures = store::figures(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("partner"))?;
    Ok(Json(admin_dto(&figures, &state.market)))
}
