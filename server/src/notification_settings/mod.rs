//! `GET`/`PUT /v1/me/notification-settings`: an agent's notification settings, parsed into the
//! shared [`NotificationSettings`] on the way in and stored as one JSON document by [`store`].
//! The app applies them (and the quiet hours, on the agent's own clock) to the events it shows.

pub mod store;

use axum::Json;
use axum::extract::State;
use chrono::NaiveTime;
use leadmart_shared::account::Role;
use leadmart_shared::notifications::NotificationSettings;
use leadmart_shared::wire::{ApiErrorBody, NotificationSettingsDto};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::AuthUser;
use crate::error::{ApiError, JsonBody};
use crate::preferences;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_settings, put_settings))
}

fn to_dto(settings: &NotificationSettings, zone: &str) -> NotificationSettingsDto {
    let hhmm = |t: NaiveTime| t.format("%H:%M").to_string();
    NotificationSettingsDto {
        new_lead_alert: settings.new_lead_alert,
        lead_response: settings.lead_response,
        low_credit_warning: settings.low_credit_warning,
        daily_summary: settings.daily_summary,
        quiet_hours_start: settings.quiet_hours.map(|q| hhmm(q.start)),
        quiet_hours_end: settings.quiet_hours.map(|q| hhmm(q.end)),
        time_zone: Some(zone.to_owned()),
    }
}

/// The agent's notification settings (the defaults until saved), with their time zone.
#[utoipa::path(
    get,
    path = "/me/notification-settings",
    tag = "preferences",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The settings", body = NotificationSettingsDto),
        (status = "4XX", description = "error codes: unauthorized, forbidden", body = ApiErrorBody),
    )
)]
async fn get_settings(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<NotificationSettingsDto>, ApiError> {
    user.require(Role::Agent)?;
    let settings = store::load(&state.db, user.id).await?;
    let zone = preferences::zone(&state.db, user.id, &state.market.agent_time).await?;
    Ok(Json(to_dto(&settings, zone.name())))
}

/// Replaces the agent's notification settings.
#[utoipa::path(
    put,
    path = "/me/notification-settings",
    tag = "preferences",
    request_body = NotificationSettingsDto,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The settings as stored", body = NotificationSettingsDto),
        (status = "4XX", description = "error codes: unauthorized, forbidden, validation", body = ApiErrorBody),
    )
)]
async fn put_settings(
    State(state): State<AppState>,
    user: AuthUser,
    JsonBody(dto): JsonBody<NotificationSettingsDto>,
) -> Result<Json<NotificationSettingsDto>, ApiError> {
    user.require(Role::Agent)?;
    let settings = NotificationSettings::from_dto(&dto).map_err(ApiError::validation)?;
    store::save(&state.db, user.id, &settings).await?;
    let zone = preferences::zone(&state.db, user.id, &state.market.agent_time).await?;
    Ok(Json(to_dto(&settings, zone.name())))
}
