//! Refund requests within the window and admin decisions: credits back through the ledger,
//! commission reversed while held.

use leadmart_shared::account::Role;
use leadmart_shared::refund::RefundStatus;
use leadmart_shared::wire::{AdminRefundDto, PurchaseResponse, RefundDto};
use rust_decimal::Decimal;
use serde_json::json;

use crate::harness::{Engine, assert_error, spawn_app};
use crate::on_both_engines;

on_both_engines!(refunds_follow_the_window_and_the_admin);
async fn refunds_follow_the_window_and_the_admin(engine: Engine) {
    let app = spawn_app(engine).await;
    let admin = app.user(Role::Admin, true).await;
    let partner = app.user(Role::Partner, true).await;
    let powai = app.lead_in("Powai").await;
    let bandra = app.lead_in("Bandra West").await;
    let sql = format!("UPDATE leads SET partner_id = {} WHERE id = $1", partner.id);
    app.exec(Box::leak(sql.into_boxed_str()), &powai).await;
    let agent = app.agent(100, json!({})).await;
    let bought: PurchaseResponse = app
        .buy(&agent, &powai, None)
        .await
        .json()
        .await
        .expect("bought");
    let price = bought.purchase.price_paid;
    assert_eq!(app.buy(&agent, &bandra, None).await.status(), 201);

    let path = format!("/v1/my/leads/{powai}/refund");
    let vague = json!({"purchaseId": "", "reason": "other", "note": "bad"});
    assert_error(
        app.post(&path, &agent.token, &vague).await,
        422,
        "refund_note_required",
        "'other' needs a description",
    )
    .await;
    let request =
        json!({"purchaseId": bought.purchase.purchase_id, "reason": "wrong_number", "note": ""});
    let created = app.post(&path, &agent.token, &request).await;
    assert_eq!(
        created.status(),
        201,
        "a refund inside the window is accepted"
    );
    let refund: RefundDto = created.json().await.expect("RefundDto");
    assert_eq!(
        (refund.status, refund.credits),
        (RefundStatus::Requested, price)
    );
    assert_error(
        app.post(&path, &agent.token, &request).await,
        409,
        "refund_already_requested",
        "one request per purchase",
    )
    .await;

    app.exec(
        "UPDATE purchases SET purchased_at = '2020-01-01T00:00:00Z' WHERE lead_id = $1",
        &bandra,
    )
    .await;
    let late = json!({"purchaseId": "", "reason": "fake", "note": ""});
    assert_error(
        app.post(
            &format!("/v1/my/leads/{bandra}/refund"),
            &agent.token,
            &late,
        )
        .await,
        409,
        "refund_window_closed",
        "the window is 7 days",
    )
    .await;

    let queue: Vec<AdminRefundDto> = app
        .get("/v1/admin/refunds", &admin.token)
        .await
        .json()
        .await
        .expect("queue");
    assert_eq!(queue.len(), 1, "the request waits in the admin queue");
    let waiting = &queue[0];
    assert_eq!(waiting.refund, refund, "the request as the buyer sent it");
    assert_eq!(
        waiting.lead.lead.card.id, powai,
        "with the lead as its buyer has it"
    );
    assert_eq!(waiting.lead.purchase_id, bought.purchase.purchase_id);
    assert!(!waiting.buyer.is_empty(), "and who asked");
    let decide = format!("/v1/admin/refunds/{}/decision", refund.id);
    assert_error(
        app.post(
            &decide,
            &agent.token,
            &json!({"approve": true, "note": null}),
        )
        .await,
        403,
        "forbidden",
        "agents do not decide",
    )
    .await;
    let before = app.balance(&agent).await;
    let approved: RefundDto = app
        .post(
            &decide,
            &admin.token,
            &json!({"approve": true, "note": "number disconnected"}),
        )
        .await
        .json()
        .await
        .expect("RefundDto");
    assert_eq!(approved.status, RefundStatus::Approved);
    assert_eq!(
        app.balance(&agent).await,
        before + price,
        "the price comes back as credits"
    );
    let reversed: i64 = leadmart_server::with_pool!(&app.db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM commissions WHERE status = 'reversed'")
            .fetch_one(pool)
            .await
            .expect("count")
    });
    assert_eq!(reversed, 1, "a held commission is reversed");
    assert_eq!(app.ledger_sum().await, Decimal::ZERO);
    assert_error(
        app.post(
            &decide,
            &admin.token,
            &json!({"approve": false, "note": null}),
        )
        .await,
        409,
        "refund_already_decided",
        "a refund is decided once",
    )
    .await;
    let detail: serde_json::Value = app
        .get(&format!("/v1/my/leads/{powai}"), &agent.token)
        .await
        .json()
        .await
        .expect("detail");
    assert_eq!(
        detail["refund"]["status"], "approved",
        "My Leads shows the decision"
    );
    assert!(
        detail["contact"].is_null(),
        "an approved refund takes the contact back: {}",
        detail["contact"]
    );
    let synced = app.get_json("/v1/sync", &agent.token).await;
    let lead = synced["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|change| change["kind"] == "lead" && change["lead"]["lead"]["card"]["id"] == powai)
        .expect("sync sends the refunded lead");
    assert!(
        lead["lead"]["contact"].is_null(),
        "and sync tells the app to erase it"
    );
    assert_eq!(lead["lead"]["refund"]["status"], "approved");
    app.finish().await;
}
