//! Sign-in keeps the tokens in the (kernel) keychain, a restarted app restores the session from
//! there, an expired access token is renewed once however many calls find it expired, and a
//! session that ends for any reason takes its user's cached data out of reach.

use leadmart_app::api::Method;
use leadmart_app::cache::Cache;
use leadmart_app::contact::open_contact;
use leadmart_app::error::AppError;
use leadmart_app::my_leads;
use leadmart_app::purchases::purchase;
use leadmart_app::secrets::TokenStore;
use leadmart_server::auth::tokens::TokenConfig;
use leadmart_server::auth::{NewUser, create_user};
use leadmart_server::demo;
use leadmart_shared::account::Role;
use leadmart_shared::pipeline::ContactChannel;
use leadmart_shared::wire::CreditBalance;

use crate::support::{
    RecordingOpener, Server, andheri_lead, app_folder, session_for, signed_in_agent, start_server,
    start_server_with,
};

/// Access tokens that expire after a second, so a test can outlive one quickly.
fn one_second_tokens() -> TokenConfig {
    TokenConfig {
        access_ttl: chrono::Duration::seconds(1),
        ..TokenConfig::default()
    }
}

async fn outlive_the_access_token() {
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
}

/// Asserts that `cache` no longer answers: its session ended.
async fn assert_closed(cache: &Cache, why: &str) {
    let read = cache.purchased().await.map_err(AppError::from);
    assert!(
        matches!(read, Err(AppError::SignedOut { .. })),
        "{why}: {read:?}"
    );
}

const SECOND_AGENT: &str = "second.agent@demo.leadmart.test";

/// A second verified agent on `server` (the demo data has one).
async fn second_agent(server: &Server) {
    let agent = NewUser {
        email: SECOND_AGENT,
        password: demo::DEMO_PASSWORD,
        name: "Bina Rao",
        role: Role::Agent,
        verified: true,
    };
    create_user(&server.db, agent, chrono::Utc::now())
        .await
        .expect("a second agent");
}

#[tokio::test]
async fn sign_in_stores_tokens_in_the_keychain_and_a_restart_restores_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let (cache, session) = signed_in_agent(dir.path(), &server).await;

    let stored = TokenStore::for_api(&server.url)
        .load()
        .expect("keychain readable")
        .expect("sign-in saved the session in the keychain");
    let (access, refresh) = (
        stored.tokens.access.expose(),
        stored.tokens.refresh.expose(),
    );
    assert!(
        !access.is_empty() && !refresh.is_empty(),
        "both tokens are kept"
    );
    for printed in [format!("{stored:?}"), format!("{session:?}")] {
        assert!(
            !printed.contains(access.as_str()) && !printed.contains(refresh.as_str()),
            "tokens never show up in debug output: {printed}"
        );
    }
    assert!(
        format!("{session:?}").contains(demo::DEMO_AGENT_EMAIL),
        "the session's debug output still says who is signed in"
    );

    // A new session manager is what a restarted app builds: it finds the user in the keychain.
    drop((session, cache));
    let restarted = session_for(&server.url, dir.path()).await;
    let user = restarted
        .current_user()
        .await
        .expect("current user")
        .expect("the stored session is restored");
    assert_eq!(user.email, demo::DEMO_AGENT_EMAIL);
    let cache = restarted.cache().await.expect("the agent's cache");

    restarted.sign_out().await.expect("sign out");
    assert!(
        TokenStore::for_api(&server.url)
            .load()
            .expect("keychain readable")
            .is_none(),
        "sign-out removes the tokens from the keychain"
    );
    let err = my_leads::detail(&restarted, &cache, "1")
        .await
        .expect_err("signed out");
    assert!(
        matches!(err, AppError::SignedOut { .. }),
        "signed out, My Leads asks for sign-in: {err:?}"
    );
    assert_closed(&cache, "the signed-out user's cache handle no longer reads").await;
}

#[tokio::test]
async fn an_expired_access_token_is_renewed_once_and_the_call_succeeds() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server_with(dir.path(), one_second_tokens()).await;
    let (cache, session) = signed_in_agent(dir.path(), &server).await;
    let before = TokenStore::for_api(&server.url)
        .load()
        .expect("keychain")
        .expect("stored");

    outlive_the_access_token().await;
    let view = my_leads::list(&session, &cache, chrono::Utc::now())
        .await
        .expect("the call succeeds after renewing the expired access token");
    assert!(view.leads.is_empty(), "the demo agent starts with no leads");

    let after = TokenStore::for_api(&server.url)
        .load()
        .expect("keychain")
        .expect("still stored");
    assert_ne!(
        before.tokens.refresh, after.tokens.refresh,
        "renewal rotated the refresh token and saved the new one"
    );
    assert_ne!(
        before.tokens.access, after.tokens.access,
        "a new access token was saved"
    );
    assert_eq!(server.counts.refreshes(), 1, "one renewal");
}

#[tokio::test]
async fn calls_that_find_the_token_expired_together_renew_it_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server_with(dir.path(), one_second_tokens()).await;
    let (_cache, session) = signed_in_agent(dir.path(), &server).await;
    outlive_the_access_token().await;

    // Four calls that each wait, holding their token, until all four hold one: every one of
    // them is sure to go out with the expired token, whatever order the runtime polls them in.
    const CALLS: usize = 4;
    let together = tokio::sync::Barrier::new(CALLS);
    let balance = || {
        session.call_signed_in(|token| {
            let (api, together) = (session.api(), &together);
            async move {
                together.wait().await;
                api.send::<CreditBalance, ()>(
                    Method::GET,
                    "v1/credits/balance",
                    Some(&token),
                    &[],
                    None,
                )
                .await
            }
        })
    };
    let unauthorized_before = server.counts.unauthorized();
    let answers = futures_join4(balance(), balance(), balance(), balance()).await;
    for answer in answers {
        answer.expect("every call succeeds after the renewal");
    }
    assert_eq!(
        server.counts.unauthorized() - unauthorized_before,
        CALLS,
        "all four calls went out with the expired token and were refused together"
    );
    assert_eq!(
        server.counts.refreshes(),
        1,
        "four refused calls, one refresh: the others waited for it and retried with its token"
    );
}

async fn futures_join4<T>(
    a: impl std::future::Future<Output = T>,
    b: impl std::future::Future<Output = T>,
    c: impl std::future::Future<Output = T>,
    d: impl std::future::Future<Output = T>,
) -> [T; 4] {
    let (a, b, c, d) = tokio::join!(a, b, c, d);
    [a, b, c, d]
}

/// Agent A (the demo agent) signed in on the app in `dir` with a bought lead; agent B exists.
async fn a_buys_a_lead_and_b_exists(
    dir: &std::path::Path,
    server: &Server,
) -> (Cache, leadmart_app::session::SessionManager, String) {
    second_agent(server).await;
    let (a_cache, session) = signed_in_agent(dir, server).await;
    let a_lead = andheri_lead(&session, &a_cache).await;
    purchase(&session, &a_cache, &a_lead, chrono::Utc::now())
        .await
        .expect("A buys the lead");
    (a_cache, session, a_lead)
}

#[tokio::test]
async fn a_session_the_server_ended_leaves_nothing_for_the_next_user() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server_with(dir.path(), one_second_tokens()).await;
    let (a_cache, session, a_lead) = a_buys_a_lead_and_b_exists(dir.path(), &server).await;
    assert!(
        a_cache
            .purchased_lead(&a_lead)
            .await
            .expect("cache")
            .is_some(),
        "A's purchase, with its customer's contact, is in A's cache"
    );
    let a_id = session
        .current_user()
        .await
        .expect("user")
        .expect("A is signed in")
        .id;

    // The server revokes A's session (signed out elsewhere; an admin ended it) behind the app's back.
    let stored = TokenStore::for_api(&server.url)
        .load()
        .expect("keychain")
        .expect("A's session is stored");
    leadmart_app::api::ApiClient::new(&server.url)
        .expect("client")
        .sign_out(stored.tokens.refresh.expose())
        .await
        .expect("the server ends A's session");
    outlive_the_access_token().await;

    let err = my_leads::list(&session, &a_cache, chrono::Utc::now())
        .await
        .expect_err("A's refresh token is refused");
    assert!(
        matches!(err, AppError::SignedOut { .. }),
        "a rejected refresh ends the session: {err:?}"
    );
    assert_closed(
        &a_cache,
        "once A's session ended, A's cache answers nothing, even to a handle taken before",
    )
    .await;

    // B signs in on the same app data folder, then the server goes away.
    session
        .sign_in(SECOND_AGENT.to_owned(), demo::DEMO_PASSWORD.to_owned())
        .await
        .expect("B signs in");
    let b_cache = session.cache().await.expect("B's cache");
    let url = server.url.clone();
    server.stop().await;

    let b_leads = my_leads::list(&session, &b_cache, chrono::Utc::now())
        .await
        .expect("B's My Leads offline");
    assert!(
        b_leads.leads.is_empty(),
        "B sees none of A's leads offline: {:?}",
        b_leads.leads
    );
    let opener = RecordingOpener::default();
    let err = open_contact(
        &session,
        &b_cache,
        &opener,
        &a_lead,
        ContactChannel::Call,
        chrono::Utc::now(),
    )
    .await
    .expect_err("B cannot contact A's customer");
    assert!(
        matches!(&err, AppError::Offline { message } if message.contains("not saved on this computer")),
        "the contact link of A's lead fails with a typed error: {err:?}"
    );
    assert!(
        opener.opened.lock().expect("lock").is_empty(),
        "no link to A's customer was handed to the OS"
    );
    let err = my_leads::detail(&session, &b_cache, &a_lead)
        .await
        .expect_err("B cannot open A's lead");
    assert!(matches!(err, AppError::Offline { .. }), "{err:?}");

    // A restarted app, still offline, restores B (the keychain names B) and still shows B's data.
    drop((session, b_cache));
    let restarted = session_for(&url, dir.path()).await;
    let cache = restarted
        .cache()
        .await
        .expect("B's cache, restored offline");
    let user = restarted
        .current_user()
        .await
        .expect("user")
        .expect("B restored offline");
    assert_eq!(user.email, SECOND_AGENT);
    assert!(
        cache
            .purchased_lead(&a_lead)
            .await
            .expect("B's cache")
            .is_none(),
        "A's lead is not in B's cache"
    );
    assert!(
        app_folder(dir.path())
            .join("users")
            .join(&a_id)
            .join("cache.db")
            .exists(),
        "A's file is kept (closed) for A's next sign-in: unsynced edits must survive"
    );
}

#[tokio::test]
async fn another_user_signing_in_ends_the_first_users_session() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let (a_cache, session, a_lead) = a_buys_a_lead_and_b_exists(dir.path(), &server).await;

    session
        .sign_in(SECOND_AGENT.to_owned(), demo::DEMO_PASSWORD.to_owned())
        .await
        .expect("B signs in without A signing out");
    assert_closed(&a_cache, "A's cache closed the moment B's session began").await;
    let b_cache = session.cache().await.expect("B's cache");
    assert!(
        b_cache.purchased().await.expect("B's cache").0.is_empty(),
        "B's cache starts empty"
    );

    // A signs in again: A's own file opens again, with A's purchase in it.
    session
        .sign_in(
            demo::DEMO_AGENT_EMAIL.to_owned(),
            demo::DEMO_PASSWORD.to_owned(),
        )
        .await
        .expect("A signs in again");
    let a_again = session.cache().await.expect("A's cache");
    assert!(
        a_again
            .purchased_lead(&a_lead)
            .await
            .expect("A's cache")
            .is_some(),
        "A's data waited in A's own file"
    );
    assert_closed(&b_cache, "and B's closed").await;
}

#[tokio::test]
async fn the_shared_cache_of_an_older_version_is_emptied_of_personal_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = "http://127.0.0.1:9";
    let signed_out = session_for(url, dir.path())
        .await
        .cache()
        .await
        .expect("the signed-out cache");
    assert_closed(&signed_out, "the signed-out cache refuses personal data").await;
    signed_out.close().await;

    // Make it look like a file from before one-user-per-file: the last user's lead and profile
    // in the shared `cache.db`, migration 3 not yet applied.
    let file = app_folder(dir.path()).join("cache.db");
    let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", file.display()))
        .await
        .expect("open the file directly");
    for sql in [
        "INSERT INTO purchased_leads (lead_id, purchase_id, purchased_at, body) \
         VALUES ('1', '1', '2026-01-01T00:00:00Z', '{\"contact\":\"Rajesh, +919820012345\"}')",
        "INSERT INTO purchase_attempts (lead_id, idempotency_key, started_at) \
         VALUES ('2', 'k', '2026-01-01T00:00:00Z')",
        "INSERT INTO sync_state (key, value) VALUES ('signed_in_user', '{}')",
        "DELETE FROM _sqlx_migrations WHERE version = 3",
    ] {
        sqlx::query(sql).execute(&db).await.expect("legacy row");
    }
    db.close().await;

    drop(session_for(url, dir.path()).await);
    let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", file.display()))
        .await
        .expect("reopen the file directly");
    let left: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM purchased_leads) + (SELECT COUNT(*) FROM purchase_attempts) \
         + (SELECT COUNT(*) FROM sync_state WHERE key = 'signed_in_user')",
    )
    .fetch_one(&db)
    .await
    .expect("count");
    assert_eq!(
        left, 0,
        "upgrading deletes the previous user's customers from the shared file"
    );
    let backups: Vec<_> = std::fs::read_dir(app_folder(dir.path()))
        .expect("app folder")
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().contains(".bak"))
        .collect();
    assert!(
        backups.is_empty(),
        "no pre-migration copy keeps them either: {backups:?}"
    );
}
