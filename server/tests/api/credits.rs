//! Credits: packages, buying through the dev provider, statement, monthly spending,
//! auto-recharge; preferences validation.

use leadmart_shared::wire::{CreditPackageDto, CreditPurchaseResult, MonthlySpend, PaymentStatus};
use rust_decimal::Decimal;
use serde_json::json;

use crate::harness::{Engine, assert_error, eventually, spawn_app};
use crate::on_both_engines;

on_both_engines!(packages_purchases_statement_and_spending);
async fn packages_purchases_statement_and_spending(engine: Engine) {
    let app = spawn_app(engine).await;
    let packages: Vec<CreditPackageDto> = app
        .client
        .get(app.url("/v1/credits/packages"))
        .send()
        .await
        .expect("packages")
        .json()
        .await
        .expect("packages json");
    let seen: Vec<(String, String, String)> = packages
        .iter()
        .map(|p| {
            (
                p.credits.normalize().to_string(),
                p.price.normalize().to_string(),
                p.save_percent.to_string(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("10", "1000", "0"),
            ("50", "4500", "10"),
            ("100", "8000", "20"),
            ("250", "18750", "25")
        ]
        .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned())),
        "seed 000's packages with their bulk discount"
    );
    assert!(
        packages
            .iter()
            .all(|p| p.credit_value == Decimal::from(100)),
        "every package states the nominal credit value (₹100), so no client guesses it"
    );
    let agent = app.agent(0, json!({})).await;
    let bought: CreditPurchaseResult = app
        .post(
            "/v1/credits/purchase",
            &agent.token,
            &json!({"packageCode": "pack-50"}),
        )
        .await
        .json()
        .await
        .expect("CreditPurchaseResult");
    assert_eq!(
        bought.status,
        PaymentStatus::Settled,
        "the dev provider settles at once"
    );
    assert_eq!(bought.balance.credits, Decimal::from(50));
    assert_eq!(
        bought.balance.value,
        Decimal::from(5_000),
        "50 credits are worth ₹5,000 nominal"
    );
    assert_error(
        app.post(
            "/v1/credits/purchase",
            &agent.token,
            &json!({"packageCode": "pack-7"}),
        )
        .await,
        422,
        "validation",
        "unknown packages are refused",
    )
    .await;
    let powai = app.lead_in("Powai").await;
    assert_eq!(app.buy(&agent, &powai, None).await.status(), 201);
    let spending: Vec<MonthlySpend> = app
        .get("/v1/credits/spending?months=3", &agent.token)
        .await
        .json()
        .await
        .expect("spending");
    assert_eq!(spending.len(), 3, "one entry per month asked for");
    let this_month = spending.last().expect("this month");
    assert_eq!(this_month.leads_bought, 1);
    assert_eq!(this_month.bought_credits, Decimal::from(50));
    assert!(
        this_month.spent_credits > Decimal::ZERO,
        "the purchase counts as spending"
    );
    let page: serde_json::Value = app
        .get("/v1/credits/transactions?limit=1", &agent.token)
        .await
        .json()
        .await
        .expect("page");
    let cursor = page["nextCursor"]
        .as_str()
        .expect("a second page exists")
        .to_owned();
    let next: serde_json::Value = app
        .get(
            &format!("/v1/credits/transactions?limit=1&cursor={cursor}"),
            &agent.token,
        )
        .await
        .json()
        .await
        .expect("page 2");
    assert_eq!(
        next["lines"][0]["reason"], "credit_purchase",
        "paging reaches the top-up"
    );
    app.finish().await;
}

on_both_engines!(auto_recharge_buys_below_the_threshold);
async fn auto_recharge_buys_below_the_threshold(engine: Engine) {
    let app = spawn_app(engine).await;
    let agent = app.agent(15, json!({})).await;
    let setting = json!({"enabled": true, "below": "5", "packageCode": "pack-10"});
    assert_eq!(
        app.put("/v1/credits/auto-recharge", &agent.token, &setting)
            .await
            .status(),
        200
    );
    let read: serde_json::Value = app
        .get("/v1/credits/auto-recharge", &agent.token)
        .await
        .json()
        .await
        .expect("setting");
    assert_eq!(read["packageCode"], "pack-10");
    let powai = app.lead_in("Powai").await;
    let bought: leadmart_shared::wire::PurchaseResponse = app
        .buy(&agent, &powai, None)
        .await
        .json()
        .await
        .expect("bought");
    let after_purchase = Decimal::from(15) - bought.purchase.price_paid;
    assert!(
        after_purchase < Decimal::from(5),
        "the purchase drops the balance below the threshold"
    );
    assert_eq!(
        bought.balance.credits, after_purchase,
        "the purchase answers with its own balance; the recharge runs after it"
    );
    eventually("auto-recharge buys pack-10 after the purchase", || async {
        app.balance(&agent).await == after_purchase + Decimal::from(10)
    })
    .await;
    let statement = app
        .get_json("/v1/credits/transactions?limit=1", &agent.token)
        .await;
    assert_eq!(
        statement["lines"][0]["reason"], "auto_recharge",
        "the recharge reaches the agent as a ledger line"
    );
    assert_error(
        app.put(
            "/v1/credits/auto-recharge",
            &agent.token,
            &json!({"enabled": true, "below": "-1", "packageCode": "pack-10"}),
        )
        .await,
        422,
        "validation",
        "a negative threshold is refused",
    )
    .await;
    app.finish().await;
}

on_both_engines!(preferences_round_trip_and_validate);
async fn preferences_round_trip_and_validate(engine: Engine) {
    let app = spawn_app(engine).await;
    let agent = app.agent(0, json!({"dailyLimit": "20", "categoryAttributes": {"property_type": ["3BHK"]}, "confirmAbove": "10"})).await;
    let prefs: serde_json::Value = app
        .get("/v1/me/preferences", &agent.token)
        .await
        .json()
        .await
        .expect("prefs");
    assert_eq!(prefs["dailyLimit"], "20");
    assert_eq!(prefs["categoryAttributes"]["property_type"][0], "3BHK");
    let mut bad = prefs.clone();
    bad["serviceAreas"] =
        json!([{"country": "IN", "region": "Maharashtra", "city": null, "area": "Powai"}]);
    assert_error(
        app.put("/v1/me/preferences", &agent.token, &bad).await,
        422,
        "validation",
        "an area needs its city",
    )
    .await;
    let mut bad = prefs.clone();
    bad["budgetMin"] = json!("100");
    assert_error(
        app.put("/v1/me/preferences", &agent.token, &bad).await,
        422,
        "validation",
        "a budget needs both ends",
    )
    .await;
    let mut bad = prefs;
    bad["categories"] = json!(["Real Estate!"]);
    assert_error(
        app.put("/v1/me/preferences", &agent.token, &bad).await,
        422,
        "validation",
        "categories are slugs",
    )
    .await;
    app.finish().await;
}
