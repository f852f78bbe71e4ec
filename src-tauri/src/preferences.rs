//! The agent's preferences and budget controls (Settings). Needs the network.

use leadmart_shared::wire::AgentPreferencesDto;

use crate::api::Method;
use crate::error::AppError;
use crate::session::SessionManager;

const PATH: &str = "v1/me/preferences";

pub async fn get(session: &SessionManager) -> Result<AgentPreferencesDto, AppError> {
    session.request(Method::GET, PATH, &[], None::<&()>).await
}

pub async fn update(
    session: &SessionManager,
    preferences: &AgentPreferencesDto,
) -> Result<AgentPreferencesDto, AppError> {
    session
        .request(Method::PUT, PATH, &[], Some(preferences))
        .await
}
