//! Buying: the Idempotency-Key of an unanswered attempt is reused, so a retry after a lost answer
//! is charged once; the bought lead, with its contact details, is readable offline.

use leadmart_app::api::Method;
use leadmart_app::error::AppError;
use leadmart_app::marketplace::{Connection, preview};
use leadmart_app::my_leads;
use leadmart_app::purchases::{IDEMPOTENCY_HEADER, purchase};
use leadmart_app::{billing, dashboard};
use leadmart_server::demo::DEMO_LEADS;
use leadmart_shared::error_code::ApiErrorCode;
use leadmart_shared::wire::PurchaseResponse;
use rust_decimal::Decimal;

use crate::support::{andheri_lead, session_for, signed_in_agent, start_server};

#[tokio::test]
async fn a_retried_purchase_reuses_its_key_and_is_charged_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let (cache, session) = signed_in_agent(dir.path(), &server).await;
    let lead_id = andheri_lead(&session, &cache).await;
    let shown = preview(&session, &lead_id).await.expect("preview");
    let start = billing::balance(&session, &cache).await.expect("balance");

    // The first attempt reaches the server, which charges, but its answer is lost on the way back
    // (simulated by sending it outside `purchase` with the attempt's own key).
    let key = cache
        .purchase_attempt_key(
            &lead_id,
            || "lost-answer-key".to_owned(),
            chrono::Utc::now(),
        )
        .await
        .expect("attempt key");
    let path = format!("v1/marketplace/leads/{lead_id}/purchase");
    let lost: PurchaseResponse = session
        .call_signed_in(|token| {
            let (path, key) = (&path, &key);
            let api = session.api();
            async move {
                api.send_with_headers(
                    Method::POST,
                    path,
                    Some(&token),
                    &[],
                    None::<&()>,
                    &[(IDEMPOTENCY_HEADER, key.as_str())],
                )
                .await
            }
        })
        .await
        .expect("the first attempt went through");

    // The agent clicks Buy again: the same attempt, the same key, the first answer.
    let retried = purchase(&session, &cache, &lead_id, chrono::Utc::now())
        .await
        .expect("the retry answers");
    assert_eq!(
        retried.purchase.purchase_id, lost.purchase.purchase_id,
        "the retry replays the first purchase"
    );
    let end = billing::balance(&session, &cache).await.expect("balance");
    assert_eq!(
        end.credits,
        start.credits - shown.card.price_credits,
        "charged exactly once for the lead's price"
    );

    // A new click after the answer arrived is a new attempt: the server refuses a second copy.
    let again = purchase(&session, &cache, &lead_id, chrono::Utc::now())
        .await
        .expect_err("already bought");
    match again {
        // The lead is exclusive: once bought it is sold out, which the server checks first.
        AppError::Server { api_code, .. } => assert!(
            matches!(
                api_code,
                ApiErrorCode::AlreadyPurchased | ApiErrorCode::LeadSoldOut
            ),
            "a second purchase is refused with the API's code: {api_code}"
        ),
        other => panic!("expected the API's refusal code, got {other:?}"),
    }
    let after = billing::balance(&session, &cache).await.expect("balance");
    assert_eq!(
        after.credits, end.credits,
        "a refused purchase charges nothing"
    );
}

#[tokio::test]
async fn a_bought_lead_and_its_contact_are_readable_offline() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let (cache, session) = signed_in_agent(dir.path(), &server).await;
    let lead_id = andheri_lead(&session, &cache).await;
    let bought = purchase(&session, &cache, &lead_id, chrono::Utc::now())
        .await
        .expect("bought");
    let andheri = &DEMO_LEADS[0];
    let contact = bought.purchase.contact.as_ref().expect("buying reveals it");
    assert_eq!(contact.name, andheri.contact_name);
    assert_eq!(
        contact.phone.as_deref(),
        Some(andheri.contact_phone),
        "buying reveals the phone"
    );
    let dashboard = dashboard::stats(&session, &cache, chrono::Utc::now())
        .await
        .expect("dashboard");
    assert_eq!(dashboard.stats.purchased_this_month, 1);
    assert_eq!(
        dashboard.stats.spent_this_month.value,
        Some(bought.purchase.price_paid * Decimal::from(100)),
        "spend is valued at the credit value the server states (₹100), computed in shared/"
    );
    assert_eq!(
        dashboard.stats.spent_this_month.currency.as_deref(),
        Some("INR")
    );

    let url = server.url.clone();
    server.stop().await;
    // A restart while offline: the keychain names the agent, whose own cache opens.
    drop((session, cache));
    let session = session_for(&url, dir.path()).await;
    let cache = session
        .cache()
        .await
        .expect("the agent's cache, restored offline");

    let offline = my_leads::list(&session, &cache, chrono::Utc::now())
        .await
        .expect("My Leads offline");
    assert_eq!(offline.connection, Connection::Offline);
    assert_eq!(offline.leads.len(), 1, "the bought lead was cached");
    let detail = my_leads::detail(&session, &cache, &lead_id)
        .await
        .expect("detail offline");
    assert_eq!(detail.connection, Connection::Offline);
    assert_eq!(
        detail
            .lead
            .contact
            .as_ref()
            .and_then(|c| c.email.as_deref()),
        Some(andheri.contact_email)
    );

    let err = purchase(&session, &cache, "2", chrono::Utc::now())
        .await
        .expect_err("buying needs the network");
    assert!(
        matches!(&err, AppError::Offline { message } if message.contains("needs a connection")),
        "buying offline says it needs the network: {err:?}"
    );
}
