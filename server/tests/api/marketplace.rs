//! `GET /v1/marketplace/leads`: the feed buyers browse before buying.

use leadmart_server::demo::DEMO_LEADS;
use leadmart_shared::wire::LeadPage;

use crate::harness::{Engine, spawn_app};
use crate::on_both_engines;

on_both_engines!(lists_demo_leads_with_contact_fields_absent);
async fn lists_demo_leads_with_contact_fields_absent(engine: Engine) {
    let app = spawn_app(engine).await;
    let response = app
        .client
        .get(app.url("/v1/marketplace/leads?limit=100"))
        .send()
        .await
        .expect("request reaches the server");
    assert_eq!(response.status(), 200);
    let body = response.text().await.expect("body");

    // The contact details must not be on the wire at all: neither as keys nor as values.
    for key in ["contact", "email", "phone", "address", "Name\""] {
        assert!(
            !body.contains(key),
            "the buyer-facing feed must not carry a `{key}` field: {body}"
        );
    }
    for lead in DEMO_LEADS {
        for secret in [
            lead.contact_name,
            lead.contact_email,
            lead.contact_phone,
            lead.contact_address,
        ] {
            assert!(
                !body.contains(secret),
                "contact value {secret:?} leaked into the feed"
            );
        }
    }

    let page: LeadPage = serde_json::from_str(&body).expect("body is a LeadPage");
    assert_eq!(
        page.leads.len(),
        DEMO_LEADS.len(),
        "every demo lead is listed"
    );
    assert!(
        page.next_cursor.is_none(),
        "everything fits on one page of 100"
    );
    let andheri = page
        .leads
        .iter()
        .find(|lead| lead.area == "Andheri West")
        .expect("the seed 000 Andheri West lead is listed");
    assert_eq!(andheri.city, "Mumbai");
    assert_eq!(andheri.score, 95);
    assert_eq!(
        andheri.budget_min.to_string(),
        "9000000.00",
        "money keeps its two decimals on both engines"
    );
    assert_eq!(andheri.exclusivity, "exclusive");
    assert!(
        andheri.price_credits > rust_decimal::Decimal::ZERO,
        "a listed lead has a price"
    );
    app.finish().await;
}

on_both_engines!(pages_with_a_cursor_without_repeats);
async fn pages_with_a_cursor_without_repeats(engine: Engine) {
    let app = spawn_app(engine).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..DEMO_LEADS.len() {
        let mut url = app.url("/v1/marketplace/leads?limit=3");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: LeadPage = app
            .client
            .get(url)
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json");
        assert!(page.leads.len() <= 3, "a page never exceeds its limit");
        seen.extend(page.leads.into_iter().map(|lead| lead.id));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        seen.len(),
        "no lead appears on two pages: {seen:?}"
    );
    assert_eq!(seen.len(), DEMO_LEADS.len(), "paging reaches every lead");
    app.finish().await;
}

on_both_engines!(rejects_a_bad_limit_with_a_coded_error);
async fn rejects_a_bad_limit_with_a_coded_error(engine: Engine) {
    let app = spawn_app(engine).await;
    let response = app
        .client
        .get(app.url("/v1/marketplace/leads?limit=0"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.expect("json error body");
    assert_eq!(body["error"]["code"], "bad_request");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("limit"),
        "the message names the bad parameter: {body}"
    );
    app.finish().await;
}
