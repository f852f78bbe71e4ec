//! Accounts and sessions: sign-up, sign-in, rotating refresh, sign-out, `GET /v1/me`.

use leadmart_shared::account::Role;
use leadmart_shared::wire::{AuthSession, MeDto};
use serde_json::json;

use crate::harness::{Engine, TEST_PASSWORD, assert_error, spawn_app};
use crate::on_both_engines;

on_both_engines!(sign_up_sign_in_refresh_and_sign_out);
async fn sign_up_sign_in_refresh_and_sign_out(engine: Engine) {
    let app = spawn_app(engine).await;
    let signup = app
        .client
        .post(app.url("/v1/auth/signup"))
        .json(&json!({"email": "New.Agent@Example.com", "password": TEST_PASSWORD, "name": "Nia", "role": "agent"}))
        .send()
        .await
        .expect("signup");
    assert_eq!(signup.status(), 201, "a new agent can sign up");
    let session: AuthSession = signup.json().await.expect("AuthSession");
    assert_eq!(session.user.role, Role::Agent);
    assert!(
        !session.user.verified,
        "self-registered agents start unverified"
    );
    assert_eq!(
        session.user.email, "new.agent@example.com",
        "emails are stored normalised"
    );

    let me: MeDto = app
        .get("/v1/me", &session.access_token)
        .await
        .json()
        .await
        .expect("MeDto");
    assert_eq!(me.id, session.user.id, "the token belongs to the new user");

    let signin = app
        .client
        .post(app.url("/v1/auth/signin"))
        .json(&json!({"email": "new.agent@EXAMPLE.com", "password": TEST_PASSWORD}))
        .send()
        .await
        .expect("signin");
    assert_eq!(
        signin.status(),
        200,
        "sign-in is case-insensitive on the email"
    );
    let signed_in: AuthSession = signin.json().await.expect("AuthSession");

    let refreshed = app
        .client
        .post(app.url("/v1/auth/refresh"))
        .json(&json!({"refreshToken": signed_in.refresh_token}))
        .send()
        .await
        .expect("refresh");
    assert_eq!(refreshed.status(), 200, "a fresh refresh token works");
    let rotated: AuthSession = refreshed.json().await.expect("AuthSession");
    assert_ne!(
        rotated.refresh_token, signed_in.refresh_token,
        "refresh tokens rotate"
    );
    let reused = app
        .client
        .post(app.url("/v1/auth/refresh"))
        .json(&json!({"refreshToken": signed_in.refresh_token}))
        .send()
        .await
        .expect("refresh again");
    assert_error(
        reused,
        401,
        "unauthorized",
        "a used refresh token is retired",
    )
    .await;
    assert_error(
        app.get("/v1/me", &signed_in.access_token).await,
        401,
        "unauthorized",
        "refreshing replaces the session's access token too",
    )
    .await;

    let out = app
        .client
        .post(app.url("/v1/auth/signout"))
        .json(&json!({"refreshToken": rotated.refresh_token}))
        .send()
        .await
        .expect("signout");
    assert_eq!(out.status(), 204);
    assert_error(
        app.get("/v1/me", &rotated.access_token).await,
        401,
        "unauthorized",
        "signing out ends the session",
    )
    .await;
    app.finish().await;
}

on_both_engines!(refuses_bad_sign_ups_and_sign_ins);
async fn refuses_bad_sign_ups_and_sign_ins(engine: Engine) {
    let app = spawn_app(engine).await;
    let signup = |body: serde_json::Value| {
        app.client
            .post(app.url("/v1/auth/signup"))
            .json(&body)
            .send()
    };
    let ok = json!({"email": "dup@example.com", "password": TEST_PASSWORD, "name": "D", "role": "partner"});
    assert_eq!(signup(ok.clone()).await.expect("signup").status(), 201);
    assert_error(
        signup(ok).await.expect("signup"),
        409,
        "email_taken",
        "one account per email",
    )
    .await;
    assert_error(
        signup(json!({"email": "not-an-email", "password": TEST_PASSWORD, "name": "X", "role": "agent"}))
            .await
            .expect("signup"),
        422,
        "validation",
        "the email must parse",
    )
    .await;
    assert_error(
        signup(json!({"email": "short@example.com", "password": "short", "name": "X", "role": "agent"}))
            .await
            .expect("signup"),
        422,
        "validation",
        "passwords have a minimum length",
    )
    .await;
    assert_error(
        signup(json!({"email": "boss@example.com", "password": TEST_PASSWORD, "name": "X", "role": "admin"}))
            .await
            .expect("signup"),
        403,
        "forbidden",
        "nobody signs themselves up as admin",
    )
    .await;
    assert_error(
        signup(json!({"email": "x@example.com"}))
            .await
            .expect("signup"),
        422,
        "validation",
        "a malformed body is a coded validation error",
    )
    .await;
    let wrong = app
        .client
        .post(app.url("/v1/auth/signin"))
        .json(&json!({"email": "dup@example.com", "password": "wrong password"}))
        .send()
        .await
        .expect("signin");
    assert_error(
        wrong,
        401,
        "invalid_credentials",
        "a wrong password is refused",
    )
    .await;
    let anonymous = app.client.get(app.url("/v1/me")).send().await.expect("me");
    assert_error(anonymous, 401, "unauthorized", "me needs a token").await;
    assert_error(
        app.get("/v1/me", "not-a-real-token").await,
        401,
        "unauthorized",
        "an unknown token is refused",
    )
    .await;
    app.finish().await;
}

on_both_engines!(roles_gate_resources);
async fn roles_gate_resources(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.user(Role::Partner, true).await;
    let agent = app.user(Role::Agent, true).await;
    assert_error(
        app.get("/v1/me/preferences", &partner.token).await,
        403,
        "forbidden",
        "only agents have buyer preferences",
    )
    .await;
    assert_error(
        app.get("/v1/admin/refunds", &agent.token).await,
        403,
        "forbidden",
        "only admins see the refund queue",
    )
    .await;
    assert_error(
        app.post(
            "/v1/credits/purchase",
            &partner.token,
            &json!({"packageCode": "pack-10"}),
        )
        .await,
        403,
        "forbidden",
        "partners do not buy credits",
    )
    .await;
    app.finish().await;
}
