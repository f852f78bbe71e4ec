//! `POST /v1/marketplace/leads/{id}/purchase`: every purchase rule with its error code, the
//! effects of a purchase, and `Idempotency-Key`.

use leadmart_shared::account::Role;
use leadmart_shared::wire::PurchaseResponse;
use rust_decimal::Decimal;
use serde_json::json;

use crate::harness::{Engine, assert_error, spawn_app};
use crate::on_both_engines;

on_both_engines!(a_purchase_debits_reveals_and_counts);
async fn a_purchase_debits_reveals_and_counts(engine: Engine) {
    let app = spawn_app(engine).await;
    let agent = app.agent(100, json!({})).await;
    let powai = app.lead_in("Powai").await;
    let response = app.buy(&agent, &powai, None).await;
    assert_eq!(response.status(), 201, "an eligible agent buys the lead");
    let answer: serde_json::Value = response.json().await.expect("PurchaseResponse");
    assert_answer_is_what_my_leads_shows(&app, &agent.token, &powai, &answer).await;
    let bought: PurchaseResponse = serde_json::from_value(answer).expect("PurchaseResponse");
    let contact = bought
        .purchase
        .contact
        .as_ref()
        .expect("buying reveals the contact");
    assert_eq!(contact.name, "Priya Nair");
    assert_eq!(contact.phone.as_deref(), Some("+919867054321"));
    assert_eq!(
        contact.phone_display.as_deref(),
        Some("+91 98670 54321"),
        "the phone comes grouped for its region, for people to read"
    );
    assert_eq!(
        bought.purchase.lead.card.purchases, 1,
        "the purchase is counted"
    );
    let price = bought.purchase.price_paid;
    assert!(price > Decimal::ZERO, "a lead costs credits");
    assert_eq!(
        bought.balance.credits,
        Decimal::from(100) - price,
        "the price is debited"
    );
    assert_eq!(
        app.balance(&agent).await,
        Decimal::from(100) - price,
        "the balance endpoint agrees"
    );
    assert_eq!(
        app.ledger_sum().await,
        Decimal::ZERO,
        "double entry sums to zero"
    );

    let statement: serde_json::Value = app
        .get("/v1/credits/transactions", &agent.token)
        .await
        .json()
        .await
        .expect("LedgerPage");
    assert_eq!(
        statement["lines"][0]["reason"], "lead_purchase",
        "the statement shows the purchase first"
    );
    assert_eq!(statement["lines"][0]["credits"], (-price).to_string());
    app.finish().await;
}

/// The purchase answers from what its transaction read and wrote; My Leads reads it back from
/// the database. They must not differ.
async fn assert_answer_is_what_my_leads_shows(
    app: &crate::harness::TestApp,
    token: &str,
    lead: &str,
    answer: &serde_json::Value,
) {
    let stored = app.get_json(&format!("/v1/my/leads/{lead}"), token).await;
    assert_eq!(
        answer["purchase"], stored,
        "the purchase's answer equals the purchased lead as stored"
    );
}

on_both_engines!(the_last_buyer_closes_a_lead_and_partners_earn);
async fn the_last_buyer_closes_a_lead_and_partners_earn(engine: Engine) {
    let app = spawn_app(engine).await;
    let andheri = app.lead_in("Andheri West").await;
    let partner = app.user(Role::Partner, true).await;
    let sql = format!("UPDATE leads SET partner_id = {} WHERE id = $1", partner.id);
    app.exec(Box::leak(sql.into_boxed_str()), &andheri).await;
    let agent = app.agent(100, json!({})).await;
    let response = app.buy(&agent, &andheri, None).await;
    assert_eq!(response.status(), 201);
    let answer: serde_json::Value = response.json().await.expect("PurchaseResponse");
    assert_eq!(
        answer["purchase"]["lead"]["card"]["purchases"], 1,
        "the answer counts this purchase"
    );
    assert_answer_is_what_my_leads_shows(&app, &agent.token, &andheri, &answer).await;
    let status: String = leadmart_server::with_pool!(&app.db, pool => {
        sqlx::query_scalar("SELECT status FROM leads WHERE id = CAST($1 AS BIGINT)")
            .bind(&andheri)
            .fetch_one(pool)
            .await
            .expect("lead status")
    });
    assert_eq!(
        status, "sold_out",
        "an exclusive lead closes at its first buyer"
    );
    let commissions: i64 = leadmart_server::with_pool!(&app.db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM commissions WHERE partner_id = $1 AND status = 'held'")
            .bind(partner.id)
            .fetch_one(pool)
            .await
            .expect("commission count")
    });
    assert_eq!(commissions, 1, "a partner lead accrues a held commission");
    assert_eq!(
        app.ledger_sum().await,
        Decimal::ZERO,
        "commission entries balance too"
    );
    let second = app.agent(100, json!({})).await;
    assert_error(
        app.buy(&second, &andheri, None).await,
        409,
        "lead_sold_out",
        "a closed lead cannot be bought",
    )
    .await;
    let feed: serde_json::Value = app
        .client
        .get(app.url("/v1/marketplace/leads?limit=100"))
        .send()
        .await
        .expect("feed")
        .json()
        .await
        .expect("LeadPage");
    assert!(
        feed["leads"]
            .as_array()
            .is_some_and(|l| l.iter().all(|c| c["id"] != andheri.as_str())),
        "a sold-out lead leaves the feed"
    );
    app.finish().await;
}

on_both_engines!(every_rule_refuses_with_its_code);
async fn every_rule_refuses_with_its_code(engine: Engine) {
    let app = spawn_app(engine).await;
    let powai = app.lead_in("Powai").await;
    let woodstock = app.lead_in("Woodstock").await;
    let bandra = app.lead_in("Bandra West").await;
    let kothrud = app.lead_in("Kothrud").await;

    let anonymous = app
        .client
        .post(app.url(&format!("/v1/marketplace/leads/{powai}/purchase")))
        .send()
        .await
        .expect("anonymous purchase");
    assert_error(anonymous, 401, "unauthorized", "buying needs an account").await;

    let partner = app.user(Role::Partner, true).await;
    assert_error(
        app.buy(&partner, &powai, None).await,
        403,
        "not_an_agent",
        "partners do not buy",
    )
    .await;

    let unverified = app.user(Role::Agent, false).await;
    assert_error(
        app.buy(&unverified, &powai, None).await,
        403,
        "agent_not_verified",
        "only verified agents buy",
    )
    .await;

    let agent = app.agent(100, json!({})).await;
    assert_error(
        app.buy(&agent, "999999", None).await,
        404,
        "not_found",
        "an unknown lead",
    )
    .await;

    app.exec(
        "UPDATE leads SET expires_at = listed_at WHERE id = $1",
        &bandra,
    )
    .await;
    assert_error(
        app.buy(&agent, &bandra, None).await,
        409,
        "lead_expired",
        "an expired lead",
    )
    .await;
    app.exec(
        "UPDATE leads SET status = 'withdrawn' WHERE id = $1",
        &kothrud,
    )
    .await;
    assert_error(
        app.buy(&agent, &kothrud, None).await,
        409,
        "lead_not_listed",
        "a withdrawn lead",
    )
    .await;

    assert_eq!(app.buy(&agent, &powai, None).await.status(), 201);
    assert_error(
        app.buy(&agent, &powai, None).await,
        409,
        "already_purchased",
        "one purchase per buyer",
    )
    .await;

    let realtor = app.agent(100, json!({"categories": ["real-estate"]})).await;
    assert_error(
        app.buy(&realtor, &woodstock, None).await,
        409,
        "category_not_served",
        "plumbing is not real estate",
    )
    .await;

    let mumbai_only = app
        .agent(100, json!({"serviceAreas": [{"country": "IN", "region": "Maharashtra", "city": "Mumbai", "area": "Andheri West"}]}))
        .await;
    assert_error(
        app.buy(&mumbai_only, &powai, None).await,
        409,
        "outside_service_area",
        "Powai is not Andheri West",
    )
    .await;

    let frugal = app.agent(100, json!({"perLeadMax": "1"})).await;
    assert_error(
        app.buy(&frugal, &powai, None).await,
        409,
        "per_lead_max_exceeded",
        "the price is above the per-lead maximum",
    )
    .await;

    let capped = app.agent(100, json!({"dailyLimit": "2"})).await;
    assert_error(
        app.buy(&capped, &powai, None).await,
        409,
        "daily_limit_reached",
        "the price passes the daily limit",
    )
    .await;

    let poor = app.agent(1, json!({})).await;
    assert_error(
        app.buy(&poor, &powai, None).await,
        402,
        "insufficient_credits",
        "one credit does not cover the price",
    )
    .await;
    assert_eq!(
        app.balance(&poor).await,
        Decimal::ONE,
        "a refused purchase charges nothing"
    );
    assert_eq!(app.ledger_sum().await, Decimal::ZERO);
    app.finish().await;
}

on_both_engines!(a_key_for_a_lead_that_does_not_exist_is_checked_all_the_same);
/// Where the key is looked up with the lead (SQLite), a missing lead has no row to look it up
/// in: a key used for another purchase is still refused as reused, and a fresh key is not used
/// up by the `not_found`.
async fn a_key_for_a_lead_that_does_not_exist_is_checked_all_the_same(engine: Engine) {
    let app = spawn_app(engine).await;
    let agent = app.agent(100, json!({})).await;
    let powai = app.lead_in("Powai").await;
    assert_eq!(app.buy(&agent, &powai, Some("used")).await.status(), 201);
    for (key, status, code, case) in [
        (
            "used",
            422,
            "idempotency_key_reused",
            "the key of another purchase",
        ),
        ("fresh", 404, "not_found", "a fresh key"),
    ] {
        assert_error(
            app.buy(&agent, "999999", Some(key)).await,
            status,
            code,
            &format!("{case}, on a lead that does not exist"),
        )
        .await;
    }
    let woodstock = app.lead_in("Woodstock").await;
    assert_eq!(
        app.buy(&agent, &woodstock, Some("fresh")).await.status(),
        201,
        "the not_found did not use the key up"
    );
    app.finish().await;
}

on_both_engines!(an_idempotency_key_replays_and_refuses_reuse);
async fn an_idempotency_key_replays_and_refuses_reuse(engine: Engine) {
    let app = spawn_app(engine).await;
    let agent = app.agent(100, json!({})).await;
    let powai = app.lead_in("Powai").await;
    let woodstock = app.lead_in("Woodstock").await;
    let first = app.buy(&agent, &powai, Some("key-1")).await;
    assert_eq!(first.status(), 201);
    let first = first.text().await.expect("body");
    let again = app.buy(&agent, &powai, Some("key-1")).await;
    assert_eq!(
        again.status(),
        201,
        "a retry gets the first answer, not already_purchased"
    );
    assert_eq!(
        again.text().await.expect("body"),
        first,
        "the same stored answer"
    );
    let bought: PurchaseResponse = serde_json::from_str(&first).expect("PurchaseResponse");
    assert_eq!(
        app.balance(&agent).await,
        Decimal::from(100) - bought.purchase.price_paid,
        "charged once"
    );
    assert_error(
        app.buy(&agent, &woodstock, Some("key-1")).await,
        422,
        "idempotency_key_reused",
        "the same key for another lead is refused",
    )
    .await;

    // A refused purchase stores nothing: after topping up, the same key succeeds.
    let poor = app.agent(1, json!({})).await;
    assert_error(
        app.buy(&poor, &woodstock, Some("k")).await,
        402,
        "insufficient_credits",
        "too poor",
    )
    .await;
    assert_eq!(
        app.post(
            "/v1/credits/purchase",
            &poor.token,
            &json!({"packageCode": "pack-50"})
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        app.buy(&poor, &woodstock, Some("k")).await.status(),
        201,
        "the key was not used up by the refusal"
    );
    app.finish().await;
}
