//! Accounts and sessions: sign-up, sign-in, rotating refresh, sign-out, `GET /v1/me`.

use leadmart_shared::account::Role;
use leadmart_shared::wire::{AuthSession, MeDto};
use serde_json::json;

use crate::harness::{Engine, TEST_PASSWORD, assert_error, assert_rate_limited, spawn_app};
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

/// A client whose connections come from `127.0.0.<host>`: the whole 127/8 block is loopback on
/// Linux, so one test can sign in "from" several addresses.
fn client_from(host: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, host]))
        .build()
        .expect("a client bound to a loopback address")
}

async fn sign_in_from(
    app: &crate::harness::TestApp,
    host: u8,
    email: &str,
    password: &str,
) -> reqwest::Response {
    client_from(host)
        .post(app.url("/v1/auth/signin"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("sign-in request")
}

on_both_engines!(sign_in_is_limited_per_account);
async fn sign_in_is_limited_per_account(engine: Engine) {
    use leadmart_server::demo::{DEMO_AGENT_EMAIL, DEMO_PARTNER_EMAIL, DEMO_PASSWORD};
    let app = spawn_app(engine).await;
    // Ten wrong passwords, each from its own address: only the account's budget is spent.
    for host in 2..12 {
        assert_error(
            sign_in_from(&app, host, DEMO_AGENT_EMAIL, "a wrong guess").await,
            401,
            "invalid_credentials",
            "below the limit a wrong password is just wrong",
        )
        .await;
    }
    assert_rate_limited(
        15 * 60,
        sign_in_from(&app, 12, &DEMO_AGENT_EMAIL.to_uppercase(), DEMO_PASSWORD).await,
        "the 11th attempt on the account is refused even with the right password, \
         and from a fresh address, and whatever the email's case",
    )
    .await;
    assert_eq!(
        sign_in_from(&app, 12, DEMO_PARTNER_EMAIL, DEMO_PASSWORD)
            .await
            .status(),
        200,
        "another account from that address is not limited"
    );
    app.finish().await;
}

on_both_engines!(sign_in_is_limited_per_address);
async fn sign_in_is_limited_per_address(engine: Engine) {
    use leadmart_server::demo::{DEMO_AGENT_EMAIL, DEMO_PASSWORD};
    let app = spawn_app(engine).await;
    // One address guessing at ten accounts (unknown ones count too: no account enumeration).
    for n in 0..10 {
        assert_error(
            sign_in_from(&app, 20, &format!("guess{n}@example.com"), "password1").await,
            401,
            "invalid_credentials",
            "below the limit an unknown account is just invalid",
        )
        .await;
    }
    assert_rate_limited(
        15 * 60,
        sign_in_from(&app, 20, DEMO_AGENT_EMAIL, DEMO_PASSWORD).await,
        "the address spent its budget: even a correct sign-in from it waits",
    )
    .await;
    assert_eq!(
        sign_in_from(&app, 21, DEMO_AGENT_EMAIL, DEMO_PASSWORD)
            .await
            .status(),
        200,
        "the account itself is not limited from another address"
    );
    app.finish().await;
}

on_both_engines!(a_good_sign_in_resets_the_account_and_old_rows_are_purged);
async fn a_good_sign_in_resets_the_account_and_old_rows_are_purged(engine: Engine) {
    use leadmart_server::demo::{DEMO_AGENT_EMAIL, DEMO_PASSWORD};
    use leadmart_server::with_pool;
    let app = spawn_app(engine).await;
    for host in 30..39 {
        sign_in_from(&app, host, DEMO_AGENT_EMAIL, "typo").await;
    }
    let first = sign_in_from(&app, 39, DEMO_AGENT_EMAIL, DEMO_PASSWORD).await;
    assert_eq!(first.status(), 200, "nine failures are under the limit");
    let first: AuthSession = first.json().await.expect("AuthSession");
    for host in 40..49 {
        sign_in_from(&app, host, DEMO_AGENT_EMAIL, "typo").await;
    }
    assert_eq!(
        sign_in_from(&app, 49, DEMO_AGENT_EMAIL, DEMO_PASSWORD)
            .await
            .status(),
        200,
        "the good sign-in wiped the earlier nine: 18 failures never accumulate to a lock-out"
    );

    // Age the first session's tokens and some failures past their lifetimes.
    let past = chrono::Utc::now() - chrono::Duration::days(1);
    let hashes = [
        leadmart_server::auth::tokens::token_hash(&first.access_token),
        leadmart_server::auth::tokens::token_hash(&first.refresh_token),
    ];
    with_pool!(&app.db, pool => {
        for hash in &hashes {
            sqlx::query("UPDATE auth_tokens SET expires_at = $1 WHERE token_hash = $2")
                .bind(past)
                .bind(hash)
                .execute(pool)
                .await
                .expect("age a token");
        }
        sqlx::query("UPDATE sign_in_failures SET failed_at = $1")
            .bind(past)
            .execute(pool)
            .await
            .expect("age the failures");
    });
    sign_in_from(&app, 50, DEMO_AGENT_EMAIL, DEMO_PASSWORD).await;
    let (expired, failures): (i64, i64) = with_pool!(&app.db, pool => {
        (
            sqlx::query_scalar("SELECT COUNT(*) FROM auth_tokens WHERE expires_at <= $1")
                .bind(chrono::Utc::now())
                .fetch_one(pool)
                .await
                .expect("count tokens"),
            sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_failures")
                .fetch_one(pool)
                .await
                .expect("count failures"),
        )
    });
    assert_eq!(expired, 0, "a sign-in purges expired tokens");
    assert_eq!(
        failures, 0,
        "failures older than the window are purged (and no longer count)"
    );
    app.finish().await;
}
