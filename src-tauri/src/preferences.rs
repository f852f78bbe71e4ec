//! The agent's preferences and budget controls (Settings). Changing them needs the network;
//! offline, Settings shows them as sync last brought them.

use leadmart_shared::wire::AgentPreferencesDto;

use crate::api::Method;
use crate::cache::Cache;
use crate::error::AppError;
use crate::session::SessionManager;

const PATH: &str = "v1/me/preferences";

pub async fn get(session: &SessionManager, cache: &Cache) -> Result<AgentPreferencesDto, AppError> {
    match session.request(Method::GET, PATH, &[], None::<&()>).await {
        Err(offline @ AppError::Offline { .. }) => match cache.cached_preferences().await {
            Ok(Some(preferences)) => Ok(preferences),
            _ => Err(offline),
        },
        other => other,
    }
}

pub async fn update(
    session: &SessionManager,
    preferences: &AgentPreferencesDto,
) -> Result<AgentPreferencesDto, AppError> {
    session
        .request(Method::PUT, PATH, &[], Some(preferences))
        .await
}
