//! Sign-in keeps the tokens in the (kernel) keychain, a restarted app restores the session from
//! there, and an expired access token is renewed with the refresh token without the user noticing.

use leadmart_app::my_leads;
use leadmart_app::secrets::TokenStore;
use leadmart_server::auth::tokens::TokenConfig;
use leadmart_server::demo;

use crate::support::{session_for, signed_in_agent, start_server, start_server_with};

#[tokio::test]
async fn sign_in_stores_tokens_in_the_keychain_and_a_restart_restores_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let (cache, session) = signed_in_agent(dir.path(), &server).await;

    let stored = TokenStore::for_api(&server.url)
        .load()
        .expect("keychain readable")
        .expect("sign-in saved the session in the keychain");
    assert!(
        !stored.access.expose().is_empty() && !stored.refresh.expose().is_empty(),
        "both tokens are kept"
    );
    assert!(
        !format!("{stored:?}").contains(stored.access.expose().as_str()),
        "tokens never show up in debug output"
    );

    // A new session manager is what a restarted app builds: it finds the user in the keychain.
    drop(session);
    let restarted = session_for(&server.url, &cache);
    let user = restarted
        .current_user()
        .await
        .expect("current user")
        .expect("the stored session is restored");
    assert_eq!(user.email, demo::DEMO_AGENT_EMAIL);

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
        matches!(err, leadmart_app::error::AppError::SignedOut { .. }),
        "signed out, My Leads asks for sign-in: {err:?}"
    );
}

#[tokio::test]
async fn an_expired_access_token_is_renewed_once_and_the_call_succeeds() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tokens = TokenConfig {
        access_ttl: chrono::Duration::seconds(1),
        ..TokenConfig::default()
    };
    let server = start_server_with(dir.path(), tokens).await;
    let (cache, session) = signed_in_agent(dir.path(), &server).await;
    let before = TokenStore::for_api(&server.url)
        .load()
        .expect("keychain")
        .expect("stored");

    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let view = my_leads::list(&session, &cache, chrono::Utc::now())
        .await
        .expect("the call succeeds after renewing the expired access token");
    assert!(view.leads.is_empty(), "the demo agent starts with no leads");

    let after = TokenStore::for_api(&server.url)
        .load()
        .expect("keychain")
        .expect("still stored");
    assert_ne!(
        before.refresh, after.refresh,
        "renewal rotated the refresh token and saved the new one"
    );
    assert_ne!(before.access, after.access, "a new access token was saved");
}
