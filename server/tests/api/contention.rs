//! Contention: many buyers race for one shared lead; many retries of one purchase race with
//! one idempotency key. Exactly the cap is sold, nobody is charged twice, no balance goes
//! negative and the ledger balances.

use futures::future::join_all;
use rust_decimal::Decimal;
use serde_json::json;

use crate::harness::{Engine, spawn_app};
use crate::on_both_engines;

on_both_engines!(fifty_buyers_race_for_a_lead_with_cap_three);
async fn fifty_buyers_race_for_a_lead_with_cap_three(engine: Engine) {
    let app = spawn_app(engine).await;
    let powai = app.lead_in("Powai").await;
    let mut buyers = Vec::new();
    for _ in 0..50 {
        buyers.push(app.agent(20, json!({})).await);
    }
    let statuses = join_all(buyers.iter().map(|b| app.buy(b, &powai, None))).await;
    let codes: Vec<u16> = statuses.iter().map(|r| r.status().as_u16()).collect();
    let sold = codes.iter().filter(|&&c| c == 201).count();
    assert_eq!(sold, 3, "exactly the buyer cap is sold: {codes:?}");
    assert!(
        codes.iter().all(|&c| c == 201 || c == 409),
        "everyone else is told the lead is sold out: {codes:?}"
    );
    let purchases: i64 = leadmart_server::with_pool!(&app.db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM purchases").fetch_one(pool).await.expect("count")
    });
    assert_eq!(purchases, 3, "three purchase records");
    let mut charged = 0;
    for buyer in &buyers {
        let balance = app.balance(buyer).await;
        assert!(balance >= Decimal::ZERO, "no balance below zero");
        if balance < Decimal::from(20) {
            charged += 1;
        }
    }
    assert_eq!(charged, 3, "only the three winners were charged");
    assert_eq!(
        app.ledger_sum().await,
        Decimal::ZERO,
        "the ledger sums to zero"
    );
    app.finish().await;
}

on_both_engines!(a_hundred_retries_with_one_key_charge_once);
async fn a_hundred_retries_with_one_key_charge_once(engine: Engine) {
    let app = spawn_app(engine).await;
    let powai = app.lead_in("Powai").await;
    let agent = app.agent(50, json!({})).await;
    let answers = join_all((0..100).map(|_| app.buy(&agent, &powai, Some("retry-key")))).await;
    let mut bodies = Vec::new();
    for answer in answers {
        assert_eq!(
            answer.status(),
            201,
            "every retry gets the purchase's answer"
        );
        bodies.push(answer.text().await.expect("body"));
    }
    bodies.dedup();
    assert_eq!(bodies.len(), 1, "every retry got the same stored answer");
    let purchases: i64 = leadmart_server::with_pool!(&app.db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM purchases").fetch_one(pool).await.expect("count")
    });
    assert_eq!(purchases, 1, "one purchase");
    let bought: leadmart_shared::wire::PurchaseResponse =
        serde_json::from_str(&bodies[0]).expect("PurchaseResponse");
    assert_eq!(
        app.balance(&agent).await,
        Decimal::from(50) - bought.purchase.price_paid,
        "charged once"
    );
    assert_eq!(app.ledger_sum().await, Decimal::ZERO);
    app.finish().await;
}
