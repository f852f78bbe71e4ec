//! Contention: many buyers race for one shared lead; many retries of one purchase race with
//! one idempotency key. Exactly the cap is sold, nobody is charged twice, no balance goes
//! negative and the ledger balances.

use chrono::Utc;
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

on_both_engines!(a_partners_sales_accrue_at_once_and_a_reversal_settles_them);
/// Many buyers buy one partner's leads at once: every commission reaches the partner's held
/// balance (accrued without a lock), and a debit then settles them all before it is checked —
/// never below zero.
async fn a_partners_sales_accrue_at_once_and_a_reversal_settles_them(engine: Engine) {
    use leadmart_server::db::DbDecimal;
    use leadmart_server::ledger;
    use leadmart_shared::account::Role;
    use leadmart_shared::ids::PartnerId;
    use leadmart_shared::ledger::{Account, commission_reversal};
    use leadmart_shared::money::Money;

    let app = spawn_app(engine).await;
    let partner = app.user(Role::Partner, true).await;
    let sql = format!(
        "UPDATE leads SET partner_id = {} WHERE id <> $1",
        partner.id
    );
    app.exec(Box::leak(sql.into_boxed_str()), "0").await;
    let leads = ["Powai", "Bandra West", "Andheri East", "Kothrud"];
    let mut ids = Vec::new();
    for area in leads {
        ids.push(app.lead_in(area).await);
    }
    let mut buyers = Vec::new();
    for _ in 0..12 {
        buyers.push(app.agent(200, json!({})).await);
    }
    let attempts = buyers
        .iter()
        .flat_map(|b| ids.iter().map(move |id| (b, id)))
        .map(|(b, id)| app.buy(b, id, None));
    let sold = join_all(attempts)
        .await
        .iter()
        .filter(|r| r.status() == 201)
        .count();
    assert!(sold >= leads.len(), "every lead sold at least once: {sold}");

    let amounts: Vec<DbDecimal> = leadmart_server::with_pool!(&app.db, pool => {
        sqlx::query_scalar("SELECT amount FROM commissions WHERE partner_id = $1")
            .bind(partner.id)
            .fetch_all(pool)
            .await
            .expect("commissions")
    });
    assert_eq!(amounts.len(), sold, "one commission per sale");
    let earned: Decimal = amounts.iter().map(|a| a.0).sum();
    let held = Account::PartnerHeld(PartnerId::new(partner.id).expect("partner id"));
    assert_eq!(
        ledger::balance(&app.db, held).await.expect("balance"),
        earned,
        "the held balance is every commission"
    );

    let partner_id = PartnerId::new(partner.id).expect("partner id");
    let reverse = |amount: Decimal| {
        commission_reversal(
            partner_id,
            Money::new(amount).expect("money"),
            "refund:test",
        )
    };
    let mut tx = app.db.begin_write().await.expect("tx");
    let too_much = ledger::post(&mut tx, &reverse(earned + Decimal::new(1, 2)), Utc::now()).await;
    assert!(
        too_much.is_err(),
        "a reversal beyond the balance is refused"
    );
    drop(tx);
    let mut tx = app.db.begin_write().await.expect("tx");
    ledger::post(&mut tx, &reverse(earned), Utc::now())
        .await
        .expect("a reversal of the whole balance");
    tx.commit().await.expect("commit");
    assert_eq!(
        ledger::balance(&app.db, held).await.expect("balance"),
        Decimal::ZERO,
        "settled, then debited to zero"
    );
    let unsettled: i64 = leadmart_server::with_pool!(&app.db, pool => {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id \
             WHERE a.account = $1 AND NOT e.settled",
        )
        .bind(format!("partner_held:{}", partner.id))
        .fetch_one(pool)
        .await
        .expect("count")
    });
    assert_eq!(unsettled, 0, "the debit settled every accrual it counted");
    assert_eq!(
        app.ledger_sum().await,
        Decimal::ZERO,
        "the ledger sums to zero"
    );
    app.finish().await;
}
