//! `AuthUser`: the caller behind `Authorization: Bearer <access token>`. Handlers that take it
//! are closed to anonymous callers; `Option<AuthUser>` admits both (the public feed).

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use chrono::Utc;
use leadmart_shared::account::Role;

use super::store;
use super::tokens::token_hash;
use crate::AppState;
use crate::error::ApiError;

#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: i64,
    pub role: Role,
    pub verified: bool,
    /// The session the token belongs to (sign-out ends it).
    pub session_id: String,
    /// When the access token stops being accepted (a stream answered under it ends then).
    pub expires_at: chrono::DateTime<Utc>,
}

impl AuthUser {
    /// Refuses callers whose role may not use a resource.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role == role {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this needs a {role} account; you are signed in as {}",
                self.role
            )))
        }
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    (!token.is_empty()).then_some(token)
}

async fn lookup(state: &AppState, token: &str) -> Result<AuthUser, ApiError> {
    let Some(store::Bearer {
        id,
        role,
        verified,
        active,
        session_id,
        expires_at,
    }) = store::bearer_of(&state.db, &token_hash(token), Utc::now()).await?
    else {
        return Err(ApiError::unauthorized());
    };
    if !active {
        return Err(ApiError::forbidden("this account is suspended"));
    }
    Ok(AuthUser {
        id,
        role: role.parse().map_err(ApiError::corrupt)?,
        verified,
        session_id,
        expires_at,
    })
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts).ok_or_else(ApiError::unauthorized)?;
        lookup(state, token).await
    }
}

impl OptionalFromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    /// No header: anonymous. A header with a bad token is still an error, so an app with an
    /// expired token learns to refresh instead of silently seeing the anonymous view.
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, ApiError> {
        match bearer(parts) {
            None => Ok(None),
            Some(token) => lookup(state, token).await.map(Some),
        }
    }
}
