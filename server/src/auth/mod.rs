//! Accounts and sessions: sign-up, sign-in (argon2id), rotating refresh, sign-out, `GET /v1/me`,
//! and [`create_user`] for the CLI and the demo data. Users, tokens and failed sign-ins are
//! stored by [`store`].

mod extract;
pub mod password;
pub mod store;
pub mod throttle;
pub mod tokens;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use leadmart_shared::account::Role;
use leadmart_shared::contact::Email;
use leadmart_shared::wire::{
    ApiErrorBody, AuthSession, MeDto, RefreshRequest, SignInRequest, SignUpRequest,
};

pub use extract::AuthUser;

use crate::AppState;
use crate::db::Db;
use crate::error::{ApiError, JsonBody};
use store::{UserRow, load_me};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_up))
        .routes(routes!(sign_in))
        .routes(routes!(refresh))
        .routes(routes!(sign_out))
        .routes(routes!(me))
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
#[utoipa::path(
    post,
    path = "/auth/signup",
    tag = "auth",
    request_body = SignUpRequest,
    responses(
        (status = 201, description = "Signed up and signed in", body = AuthSession),
        (status = "4XX", description = "error codes: validation, email_taken, forbidden", body = ApiErrorBody),
    )
)]
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
#[utoipa::path(
    post,
    path = "/auth/signin",
    tag = "auth",
    request_body = SignInRequest,
    responses(
        (status = 200, description = "Signed in", body = AuthSession),
        (status = "4XX", description = "error codes: validation, invalid_credentials, forbidden, rate_limited", body = ApiErrorBody),
    )
)]
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

/// Rotates the refresh token: the old one is retired.
#[utoipa::path(
    post,
    path = "/auth/refresh",
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new session", body = AuthSession),
        (status = "4XX", description = "error codes: validation, unauthorized", body = ApiErrorBody),
    )
)]
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
#[utoipa::path(
    post,
    path = "/auth/signout",
    tag = "auth",
    request_body(content = Option<RefreshRequest>, description = "The session's refresh token; without it, the bearer's session ends"),
    security((), ("bearer" = [])),
    responses(
        (status = 204, description = "The session has ended"),
        (status = "4XX", description = "error codes: unauthorized", body = ApiErrorBody),
    )
)]
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

/// Who the token belongs to.
#[utoipa::path(
    get,
    path = "/me",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in user", body = MeDto),
        (status = "4XX", description = "error codes: unauthorized", body = ApiErrorBody),
    )
)]
async fn me(State(state): State<AppState>, user: AuthUser) -> Result<Json<MeDto>, ApiError> {
    Ok(Json(load_me(&state.db, user.id).await?))
}
