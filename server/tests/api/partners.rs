//! A partner's sales: commission by the shared rules on each sale of an uploaded lead, the
//! 14-day holdback (time as input, the boundary to the second), refunds inside and outside
//! it, payouts from the minimum, and neither side learning who the other is.

use chrono::{DateTime, Duration, Utc};
use leadmart_server::{MarketConfig, partners, with_pool};
use leadmart_shared::account::Role;
use leadmart_shared::commission::{CommissionBonus, CommissionStatus};
use leadmart_shared::wire::partner::PayoutDto;
use leadmart_shared::wire::{PurchaseResponse, RefundDto};
use rust_decimal::Decimal;
use serde_json::json;

use crate::harness::{Engine, TestApp, User, assert_error, spawn_app, spawn_app_with};
use crate::on_both_engines;
use crate::uploads::{chunk_ok, create, row};

async fn uploaded_leads(app: &TestApp, partner: &User, n: u32) -> Vec<String> {
    let upload = create(app, partner, "sales.csv", n).await;
    let rows: Vec<_> = (0..n).map(|i| row(i + 2, 100 + i)).collect();
    let receipt = chunk_ok(app, partner, &upload.id, 0, &rows).await;
    assert_eq!(receipt.counts.listed, n);
    let ids: Vec<i64> = with_pool!(&app.db, pool => {
        sqlx::query_scalar("SELECT id FROM leads WHERE partner_id = $1 ORDER BY id")
            .bind(partner.id)
            .fetch_all(pool)
            .await
            .expect("the uploaded leads")
    });
    ids.into_iter().map(|id| id.to_string()).collect()
}

async fn buy(app: &TestApp, agent: &User, lead: &str) -> PurchaseResponse {
    let response = app.buy(agent, lead, None).await;
    assert_eq!(response.status(), 201, "the agent buys the partner's lead");
    response.json().await.expect("PurchaseResponse")
}

async fn set_standing(app: &TestApp, partner: &User, pass_rate: &str, uploaded: i64) {
    let rate: Decimal = pass_rate.parse().expect("decimal");
    with_pool!(&app.db, pool => {
        sqlx::query(
            "UPDATE partner_profiles SET verification_pass_rate = $1, total_uploaded = $2 \
             WHERE user_id = $3",
        )
        .bind(leadmart_server::db::DbDecimal(rate))
        .bind(uploaded)
        .bind(partner.id)
        .execute(pool)
        .await
        .expect("standing set");
    });
}

async fn set_time(app: &TestApp, sql: &'static str, at: DateTime<Utc>, id: &str) {
    let id: i64 = id.parse().expect("numeric id");
    with_pool!(&app.db, pool => {
        sqlx::query(sql).bind(at).bind(id).execute(pool).await.expect("time set");
    });
}

async fn refund(app: &TestApp, agent: &User, admin: &User, bought: &PurchaseResponse) {
    let lead = &bought.purchase.lead.card.id;
    let requested = app
        .post(
            &format!("/v1/my/leads/{lead}/refund"),
            &agent.token,
            &json!({"purchaseId": bought.purchase.purchase_id, "reason": "wrong_number", "note": ""}),
        )
        .await;
    assert_eq!(requested.status(), 201, "a refund inside the window");
    let refund: RefundDto = requested.json().await.expect("RefundDto");
    let decided = app
        .post(
            &format!("/v1/admin/refunds/{}/decision", refund.id),
            &admin.token,
            &json!({"approve": true, "note": null}),
        )
        .await;
    assert_eq!(decided.status(), 200, "the admin approves");
}

async fn commission_status(app: &TestApp, purchase: &str) -> (String, DateTime<Utc>) {
    let id: i64 = purchase.parse().expect("numeric id");
    with_pool!(&app.db, pool => {
        sqlx::query_as("SELECT status, payable_at FROM commissions WHERE purchase_id = $1")
            .bind(id)
            .fetch_one(pool)
            .await
            .expect("the sale's commission")
    })
}

on_both_engines!(commissions_are_held_14_days_reversed_inside_and_paid_out);
async fn commissions_are_held_14_days_reversed_inside_and_paid_out(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.user(Role::Partner, true).await;
    let admin = app.user(Role::Admin, true).await;
    let agent = app.agent(500, json!({})).await;
    let market = MarketConfig::default();
    let leads = uploaded_leads(&app, &partner, 3).await;

    // Sold within 7 days of upload by a partner whose every email passed: 30 + 10 + 5.
    let a = buy(&app, &agent, &leads[0]).await;
    let earnings = partners::earnings(&app.db, &market, partner.id, Utc::now())
        .await
        .expect("earnings");
    let sale = &earnings.commissions[0];
    assert_eq!(sale.rate, Decimal::new(45, 2));
    assert_eq!(
        sale.bonuses,
        [
            CommissionBonus::FreshSale,
            CommissionBonus::HighVerification
        ]
    );
    assert_eq!(sale.amount, (sale.sale_value * sale.rate).round_dp(2));
    assert_eq!(
        (earnings.held, earnings.pending, earnings.payable),
        (sale.amount, sale.amount, Decimal::ZERO),
        "accrued in the purchase, held back, still refundable"
    );
    assert_error(
        app.post("/v1/partner/payouts", &partner.token, &json!({}))
            .await,
        409,
        "payout_below_minimum",
        "nothing is payable yet",
    )
    .await;
    // Refunded inside the holdback: the commission is reversed.
    refund(&app, &agent, &admin, &a).await;
    assert_eq!(
        commission_status(&app, &a.purchase.purchase_id).await.0,
        "reversed"
    );
    let earnings = partners::earnings(&app.db, &market, partner.id, Utc::now())
        .await
        .expect("earnings");
    assert_eq!(earnings.held, Decimal::ZERO);

    // Uploaded 10 days before the sale, 90% pass rate: the base rate alone.
    set_standing(&app, &partner, "0.90", 3).await;
    set_time(
        &app,
        "UPDATE leads SET created_at = $1 WHERE id = $2",
        Utc::now() - Duration::days(10),
        &leads[1],
    )
    .await;
    let b = buy(&app, &agent, &leads[1]).await;
    let earnings = partners::earnings(&app.db, &market, partner.id, Utc::now())
        .await
        .expect("earnings");
    assert_eq!(
        (
            earnings.commissions[0].rate,
            earnings.commissions[0].bonuses.len()
        ),
        (Decimal::new(30, 2), 0)
    );
    let b_amount = earnings.commissions[0].amount;
    // Its holdback over (moved back in time), a refund no longer reverses it.
    set_time(
        &app,
        "UPDATE commissions SET payable_at = $1 WHERE purchase_id = $2",
        Utc::now() - Duration::days(1),
        &b.purchase.purchase_id,
    )
    .await;
    refund(&app, &agent, &admin, &b).await;
    assert_ne!(
        commission_status(&app, &b.purchase.purchase_id).await.0,
        "reversed",
        "a refund after the holdback is the marketplace's loss"
    );

    // 96% pass rate and 10,000 uploads, fresh: 30 + 10 + 5 + 5 = the 50% cap.
    set_standing(&app, &partner, "0.96", 10_000).await;
    let c = buy(&app, &agent, &leads[2]).await;
    let (status, payable_at) = commission_status(&app, &c.purchase.purchase_id).await;
    assert_eq!(status, "held");
    let just_before = partners::earnings(
        &app.db,
        &market,
        partner.id,
        payable_at - Duration::microseconds(1),
    )
    .await
    .expect("earnings");
    let c_sale = just_before
        .commissions
        .iter()
        .find(|s| s.lead_id == leads[2])
        .expect("C's sale")
        .clone();
    assert_eq!(c_sale.rate, Decimal::new(50, 2));
    assert_eq!(c_sale.bonuses.len(), 3);
    assert_eq!(
        (just_before.held, just_before.payable),
        (c_sale.amount, b_amount),
        "day 14 minus a microsecond: C is held; B's holdback ended"
    );
    let on_day_14 = partners::earnings(&app.db, &market, partner.id, payable_at)
        .await
        .expect("earnings");
    assert_eq!(
        (on_day_14.held, on_day_14.payable),
        (Decimal::ZERO, b_amount + c_sale.amount),
        "on day 14 exactly C becomes payable"
    );
    assert!(on_day_14.payout_due);
    assert_eq!(
        on_day_14
            .commissions
            .iter()
            .find(|s| s.lead_id == leads[2])
            .map(|s| s.status),
        Some(CommissionStatus::Payable)
    );

    // A payout of the whole payable balance, through the dev provider.
    let paid = app
        .post("/v1/partner/payouts", &partner.token, &json!({}))
        .await;
    assert_eq!(paid.status(), 201);
    let paid: PayoutDto = paid.json().await.expect("PayoutDto");
    assert_eq!(
        (paid.amount, paid.provider.as_str()),
        (b_amount + c_sale.amount, "dev")
    );
    let after = app.get_json("/v1/partner/earnings", &partner.token).await;
    let payable: Decimal = after["payable"]
        .as_str()
        .and_then(|p| p.parse().ok())
        .expect("payable as a decimal string");
    assert_eq!(payable, Decimal::ZERO, "{after}");
    assert_eq!(after["payouts"].as_array().map(Vec::len), Some(1));
    assert_eq!(app.ledger_sum().await, Decimal::ZERO, "double entry holds");

    // Neither side learns who the other is.
    let buyer_marks = [agent.email.as_str(), "buyer"];
    for path in [
        "/v1/partner/earnings",
        "/v1/partner/dashboard",
        "/v1/partner/uploads",
    ] {
        let body = app.get_json(path, &partner.token).await.to_string();
        for mark in buyer_marks {
            assert!(
                !body.contains(mark),
                "{path} names the buyer ({mark}): {body}"
            );
        }
    }
    let mine = app.get_json("/v1/my/leads", &agent.token).await.to_string();
    for mark in [partner.email.as_str(), "partnerId"] {
        assert!(
            !mine.contains(mark),
            "the buyer's leads name the partner ({mark})"
        );
    }
    let bought = serde_json::to_string(&c).expect("json");
    assert!(!bought.contains(&partner.email) && !bought.contains("partnerId"));
    app.finish().await;
}

on_both_engines!(payouts_need_an_explicit_provider);
async fn payouts_need_an_explicit_provider(engine: Engine) {
    let app = spawn_app_with(engine, 0, |state| {
        state.with_verification(leadmart_server::uploads::verify::EmailVerification::local())
    })
    .await;
    let partner = app.user(Role::Partner, true).await;
    assert_error(
        app.post("/v1/partner/payouts", &partner.token, &json!({}))
            .await,
        503,
        "payouts_not_configured",
        "no payout provider was chosen",
    )
    .await;
    app.finish().await;
}
