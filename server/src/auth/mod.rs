//! Accounts and sessions: sign-up, sign-in (argon2id), rotating refresh, sign-out, `GET /v1/me`,
//! and [`create_user`] for the CLI and the demo data. Users, tokens and failed sign-ins are
//! stored by [`store`].

mod extract;
pub mod password;
pub mod store;
pub mod throttle;
pub mod tokens;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use leadmart_shared::account::Role;
use leadmart_shared::contact::Email;
use leadmart_shared::wire::{AuthSession, MeDto, RefreshRequest, SignInRequest, SignUpRequest};

pub use extract::AuthUser;

use crate::AppState;
use crate::db::Db;
use crate::error::{ApiError, JsonBody};
use store::{UserRow, load_me};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/signup", post(sign_up))
        .route("/auth/signin", post(sign_in))
        .route("/auth/refresh", post(refresh))
        .route("/auth/signout", post(sign_out))
        .route("/me", get(me))
}

/// A new account. Emails are parsed by the shared `Email` type and stored lower-cased: an
/// account is one mailbox whatever the case it was typed in, so sign-in is case-insensitive.
pub struct NewUser<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub verified: bool,
}

/// Creates a user; `email_taken` when the address is already registered.
pub async fn create_user(db: &Db, user: NewUser<'_>, now: DateTime<Utc>) -> Result<i64, ApiError> {
    let email =
        Email::parse(user.email).map_err(|e| ApiError::validation(format!("email: {e}")))?;
    if user.password.chars().count() < password::MIN_PASSWORD_CHARS {
        return Err(ApiError::validation(format!(
            "password: use at least {} characters",
            password::MIN_PASSWORD_CHARS
        )));
    }
    let hash = password::hash(user.password.to_owned()).await?;
    let email = email.as_str().to_lowercase();
    let row = UserRow {
        email: &email,
        password_hash: hash,
        name: user.name.trim(),
        role: user.role,
        verified: user.verified,
    };
    let inserted = store::insert_user(db, row, now).await?;
    inserted.ok_or_else(|| {
        ApiError::coded(
            StatusCode::CONFLICT,
            crate::error::ApiErrorCode::EmailTaken,
            "an account with this email already exists",
        )
    })
}

async fn session_for(
    state: &AppState,
    user_id: i64,
    session: Option<String>,
) -> Result<AuthSession, ApiError> {
    let now = Utc::now();
    let issued = tokens::issue(&state.db, user_id, session, &state.market.tokens, now).await?;
    Ok(AuthSession {
        access_token: issued.access,
        access_expires_at: issued.access_expires_at,
        refresh_token: issued.refresh,
        user: load_me(&state.db, user_id).await?,
    })
}

/// Agents and partners sign themselves up (agents start unverified); admins are made with
/// the `create-user` CLI.
async fn sign_up(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<SignUpRequest>,
) -> Result<(StatusCode, Json<AuthSession>), ApiError> {
    if body.role == Role::Admin {
        return Err(ApiError::forbidden(
            "admin accounts are created by an operator",
        ));
    }
    let user = NewUser {
        email: &body.email,
        password: &body.password,
        name: &body.name,
        role: body.role,
        verified: false,
    };
    let id = create_user(&state.db, user, Utc::now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(session_for(&state, id, None).await?),
    ))
}

/// Signs in, throttled per account and per address ([`throttle`]): every wrong email or
/// password counts as a failure; a correct one clears the account's failures.
async fn sign_in(
    State(state): State<AppState>,
    peer: throttle::PeerAddress,
    JsonBody(body): JsonBody<SignInRequest>,
) -> Result<Json<AuthSession>, ApiError> {
    let now = Utc::now();
    let limits = &state.market.sign_in;
    let db = state.db.as_ref();
    let attempt = throttle::Attempt::new(&body.email, peer);
    throttle::purge(db, limits, now).await?;
    throttle::check(db, limits, &attempt, now).await?;
    let Some((id, active)) = check_password(db, body).await? else {
        throttle::record_failure(db, &attempt, now).await?;
        return Err(ApiError::coded(
            StatusCode::UNAUTHORIZED,
            crate::error::ApiErrorCode::InvalidCredentials,
            "the email or password is wrong",
        ));
    };
    throttle::clear_account(db, &attempt).await?;
    if !active {
        return Err(ApiError::forbidden("this account is suspended"));
    }
    Ok(Json(session_for(&state, id, None).await?))
}

/// `(user id, active)` when the email names an account and the password is its own.
async fn check_password(db: &Db, body: SignInRequest) -> Result<Option<(i64, bool)>, ApiError> {
    let Ok(email) = Email::parse(&body.email) else {
        return Ok(None);
    };
    let row = store::password_of(db, &email.as_str().to_lowercase()).await?;
    let Some((id, hash, active)) = row else {
        return Ok(None);
    };
    Ok(password::verify(body.password, hash)
        .await?
        .then_some((id, active)))
}

async fn refresh(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<RefreshRequest>,
) -> Result<Json<AuthSession>, ApiError> {
    let now = Utc::now();
    throttle::purge(&state.db, &state.market.sign_in, now).await?;
    let (user_id, session) = tokens::consume_refresh(&state.db, &body.refresh_token, now)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    Ok(Json(session_for(&state, user_id, Some(session)).await?))
}

/// Ends a session: the one of the refresh token in the body (`RefreshRequest`, as the app
/// sends it), or else the one of the bearer access token. Idempotent.
async fn sign_out(
    State(state): State<AppState>,
    user: Option<AuthUser>,
    body: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    if let Ok(request) = serde_json::from_slice::<RefreshRequest>(&body) {
        tokens::end_session_of_refresh(&state.db, &request.refresh_token).await?;
    } else if let Some(user) = user {
        tokens::end_session(&state.db, &user.session_id).await?;
    } else {
        return Err(ApiError::unauthorized());
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn me(State(state): State<AppState>, user: AuthUser) -> Result<Json<MeDto>, ApiError> {
    Ok(Json(load_me(&state.db, user.id).await?))
}
