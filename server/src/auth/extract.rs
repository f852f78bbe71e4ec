//! `AuthUser`: the caller behind `Authorization: Bearer <access token>`. Handlers that take it
//! are closed to anonymous callers; `Option<AuthUser>` admits both (the public feed).

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use chrono::Utc;
use leadmart_shared::account::Role;

use super::tokens::token_hash;
use crate::error::ApiError;
use crate::{AppState, with_pool};

#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: i64,
    pub role: Role,
    pub verified: bool,
    /// The session the token belongs to (sign-out ends it).
    pub session_id: String,
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
    let row: Option<(i64, String, bool, bool, String)> = with_pool!(state.db.as_ref(), pool => {
        sqlx::query_as(
            "SELECT u.id, u.role, u.verified, u.active, t.session_id \
             FROM auth_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.kind = 'access' AND t.expires_at > $2",
        )
        .bind(token_hash(token))
        .bind(Utc::now())
        .fetch_optional(pool)
        .await?
    });
    let Some((id, role, verified, active, session_id)) = row else {
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
