//! The audit log: each sensitive admin action is written with it, admins alone read it, and the
//! database refuses to change or delete an entry.

use leadmart_shared::account::Role;
use leadmart_shared::wire::{
    AdminOverviewDto, AuditAction, AuditEntryDto, PurchaseResponse, RefundDto,
};
use serde_json::json;

use crate::harness::{Engine, TestApp, User, assert_error, spawn_app};
use crate::on_both_engines;

/// `agent` asks for a refund of the lead `lead_id` they `bought`.
async fn ask_refund(
    app: &TestApp,
    agent: &User,
    lead_id: &str,
    bought: &PurchaseResponse,
    reason: &str,
    note: &str,
) -> RefundDto {
    let request =
        json!({"purchaseId": bought.purchase.purchase_id, "reason": reason, "note": note});
    app.post(
        &format!("/v1/my/leads/{lead_id}/refund"),
        &agent.token,
        &request,
    )
    .await
    .json()
    .await
    .expect("requested")
}

on_both_engines!(sensitive_actions_are_audited_append_only);
async fn sensitive_actions_are_audited_append_only(engine: Engine) {
    let app = spawn_app(engine).await;
    let admin = app.user(Role::Admin, true).await;
    let unverified = app.user(Role::Agent, false).await;
    let powai = app.lead_in("Powai").await;
    let agent = app.agent(100, json!({})).await;
    let bought: PurchaseResponse = app
        .buy(&agent, &powai, None)
        .await
        .json()
        .await
        .expect("bought");
    let refund = ask_refund(
        &app,
        &agent,
        &powai,
        &bought,
        "wrong_number",
        "no answer x3",
    )
    .await;

    let decided = app
        .post(
            &format!("/v1/admin/refunds/{}/decision", refund.id),
            &admin.token,
            &json!({"approve": false, "note": "reached on day 2"}),
        )
        .await;
    assert_eq!(decided.status(), 200);
    let verified = app
        .post(
            &format!("/v1/admin/agents/{}/verify", unverified.id),
            &admin.token,
            &json!({}),
        )
        .await;
    assert_eq!(verified.status(), 200);
    // A decision refused (decided twice) writes nothing.
    assert_eq!(
        app.post(
            &format!("/v1/admin/refunds/{}/decision", refund.id),
            &admin.token,
            &json!({"approve": true, "note": null}),
        )
        .await
        .status(),
        409
    );

    assert_error(
        app.get("/v1/admin/audit", &agent.token).await,
        403,
        "forbidden",
        "agents do not read it",
    )
    .await;
    let log: Vec<AuditEntryDto> = app
        .get("/v1/admin/audit", &admin.token)
        .await
        .json()
        .await
        .expect("log");
    let seen: Vec<(AuditAction, &str)> =
        log.iter().map(|e| (e.action, e.subject.as_str())).collect();
    assert_eq!(
        seen,
        [
            (
                AuditAction::AgentVerified,
                format!("agent {}", unverified.id).as_str()
            ),
            (
                AuditAction::RefundDenied,
                format!("refund {} (lead {powai})", refund.id).as_str()
            ),
        ],
        "newest first, one entry per action done"
    );
    assert!(
        log[1].detail.contains("reached on day 2"),
        "{}",
        log[1].detail
    );
    assert!(log.iter().all(|e| !e.actor.is_empty()));

    let tampered = leadmart_server::with_pool!(&app.db, pool => {
        sqlx::query("UPDATE audit_log SET detail = 'nothing happened'").execute(pool).await.map(|_| ())
    });
    assert!(tampered.is_err(), "an entry cannot be changed");
    let erased = leadmart_server::with_pool!(&app.db, pool => {
        sqlx::query("DELETE FROM audit_log").execute(pool).await.map(|_| ())
    });
    assert!(erased.is_err(), "nor deleted");
    let again: Vec<AuditEntryDto> = app
        .get("/v1/admin/audit", &admin.token)
        .await
        .json()
        .await
        .expect("log");
    assert_eq!(again, log);
}

on_both_engines!(the_overview_counts_people_sales_and_money);
async fn the_overview_counts_people_sales_and_money(engine: Engine) {
    let app = spawn_app(engine).await;
    let admin = app.user(Role::Admin, true).await;
    let powai = app.lead_in("Powai").await;
    let agent = app.agent(100, json!({})).await;
    let idle = app.agent(100, json!({})).await;
    let bought: PurchaseResponse = app
        .buy(&agent, &powai, None)
        .await
        .json()
        .await
        .expect("bought");
    let price = bought.purchase.price_paid;
    let value = leadmart_shared::money::CreditValue::default()
        .per_credit
        .amount();

    assert_error(
        app.get("/v1/admin/overview", &idle.token).await,
        403,
        "forbidden",
        "admins only",
    )
    .await;
    let read = |days: u32| {
        let app = &app;
        let token = admin.token.clone();
        async move {
            let overview: AdminOverviewDto = app
                .get(&format!("/v1/admin/overview?days={days}"), &token)
                .await
                .json()
                .await
                .expect("overview");
            overview
        }
    };
    let before = read(30).await;
    assert_eq!(before.active_agents, 1, "one agent bought");
    assert!(before.agents >= 2, "both agents count: {}", before.agents);
    assert_eq!(before.trend.len(), 14);
    assert_eq!(before.trend.last().map(|d| d.sold), Some(1), "today's sale");
    assert_eq!(before.financials.gross, price * value);
    assert_eq!(
        before.financials.net,
        price * value,
        "nothing refunded, no commission"
    );

    let refund = ask_refund(&app, &agent, &powai, &bought, "fake", "").await;
    app.post(
        &format!("/v1/admin/refunds/{}/decision", refund.id),
        &admin.token,
        &json!({"approve": true, "note": null}),
    )
    .await;
    let after = read(1).await;
    assert_eq!(after.days, 1);
    assert_eq!(after.financials.refunds, price * value);
    assert_eq!(
        after.financials.net,
        rust_decimal::Decimal::ZERO,
        "sold and refunded"
    );
    assert_eq!(after.trend.len(), 14, "the trend keeps its 14 days");
}
