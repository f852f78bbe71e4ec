//! `seed-demo --history`: the demo agent's five months of work, as the app reads it through the
//! API — leads in every stage, deals, refunds, a statement that adds up, the partner's
//! commissions — and nothing more on a second seeding, nor any of it replayed as live events.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use leadmart_server::{demo, with_pool};
use leadmart_shared::commission::CommissionStatus;
use leadmart_shared::ledger::LedgerReason;
use leadmart_shared::pipeline::{ContactOutcome, PipelineStage};
use leadmart_shared::refund::RefundStatus;
use leadmart_shared::wire::partner::PartnerEarnings;
use leadmart_shared::wire::{LeadPage, LedgerPage, MyLeadsPage, PurchasedLead};
use rust_decimal::Decimal;

use crate::events::EventStream;
use crate::harness::{Engine, TestApp, User, spawn_app_with_history};
use crate::on_both_engines;

/// Generated leads beside the history's: their contacts must not collide with it.
const GENERATED: usize = 30;

/// A demo account, signed in with the demo password.
async fn demo_user(app: &TestApp, email: &str) -> User {
    let id: i64 = with_pool!(&app.db, pool => {
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(pool)
            .await
            .expect("the demo account exists")
    });
    let token = app.sign_in(email, demo::DEMO_PASSWORD).await;
    User {
        id,
        token,
        email: email.to_owned(),
    }
}

async fn my_leads(app: &TestApp, agent: &User) -> Vec<PurchasedLead> {
    let page: MyLeadsPage = app
        .get("/v1/my/leads?limit=200", &agent.token)
        .await
        .json()
        .await
        .expect("a page of purchased leads");
    assert!(page.next_cursor.is_none(), "every purchase fits one page");
    page.leads
}

async fn statement(app: &TestApp, agent: &User) -> LedgerPage {
    let page: LedgerPage = app
        .get("/v1/credits/transactions?limit=200", &agent.token)
        .await
        .json()
        .await
        .expect("the wallet's statement");
    assert!(page.next_cursor.is_none(), "the statement fits one page");
    page
}

async fn demo_history_fills_my_leads(engine: Engine) {
    let app = spawn_app_with_history(engine, GENERATED).await;
    let agent = demo_user(&app, demo::DEMO_AGENT_EMAIL).await;
    let leads = my_leads(&app, &agent).await;
    assert!(
        leads.len() >= 30,
        "about three dozen bought leads, got {}",
        leads.len()
    );

    let mut stages: BTreeMap<PipelineStage, usize> = BTreeMap::new();
    for lead in &leads {
        *stages.entry(lead.stage).or_default() += 1;
    }
    for stage in PipelineStage::ALL {
        assert!(
            stages.contains_key(stage),
            "the history shows every stage; {stage:?} is missing: {stages:?}"
        );
    }

    let won: Vec<&PurchasedLead> = leads
        .iter()
        .filter(|l| l.stage == PipelineStage::Won)
        .collect();
    assert!(won.len() >= 3, "several won deals: {stages:?}");
    for lead in &won {
        assert!(
            lead.deal_value.is_some_and(|v| v > Decimal::ZERO),
            "a won lead carries its deal value: {:?}",
            lead.lead.card.title
        );
        assert!(
            lead.stage_history.len() >= 3,
            "a deal is won after contact, a meeting and a quote: {:?}",
            lead.stage_history
        );
    }
    assert!(
        leads
            .iter()
            .filter(|l| l.stage != PipelineStage::Won)
            .all(|l| l.deal_value.is_none()),
        "only won leads have a deal value"
    );

    let newest = leads.iter().map(|l| l.purchased_at).max().expect("leads");
    let oldest = leads.iter().map(|l| l.purchased_at).min().expect("leads");
    assert!(
        newest - oldest >= chrono::Duration::days(90),
        "bought over months: {oldest} to {newest}"
    );
    assert!(
        newest < chrono::Utc::now(),
        "the history is dated in the past"
    );

    let entries: Vec<_> = leads.iter().flat_map(|l| &l.contact_log).collect();
    let outcomes: HashSet<ContactOutcome> = entries.iter().filter_map(|e| e.outcome).collect();
    for outcome in [
        ContactOutcome::Reached,
        ContactOutcome::NoAnswer,
        ContactOutcome::WrongNumber,
    ] {
        assert!(
            outcomes.contains(&outcome),
            "the contact log says what came of attempts: {outcome:?} missing in {outcomes:?}"
        );
    }
    let channels: HashSet<_> = entries.iter().map(|e| e.channel).collect();
    assert_eq!(
        channels.len(),
        4,
        "calls, emails, WhatsApp and SMS: {channels:?}"
    );
    assert!(
        entries
            .iter()
            .filter(|e| e.note.as_deref().is_some_and(|n| n.starts_with("Hi ")))
            .count()
            >= 10,
        "messages sent carry their text, for the Messages page"
    );
    assert!(
        leads.iter().filter(|l| !l.notes.is_empty()).count() >= 10,
        "many leads have notes"
    );
    assert!(
        leads
            .iter()
            .filter(|l| l.stage == PipelineStage::New)
            .all(|l| l.contact_log.is_empty() && l.notes.is_empty()),
        "a new lead is not worked yet"
    );

    let refunded: Vec<&PurchasedLead> = leads.iter().filter(|l| l.refund.is_some()).collect();
    assert_eq!(refunded.len(), 2, "one approved refund and one denied");
    let status = |l: &PurchasedLead| l.refund.as_ref().map(|r| r.status);
    let approved = refunded
        .iter()
        .find(|l| status(l) == Some(RefundStatus::Approved))
        .expect("an approved refund");
    let denied = refunded
        .iter()
        .find(|l| status(l) == Some(RefundStatus::Denied))
        .expect("a denied refund");
    assert!(
        approved.contact.is_none(),
        "an approved refund gives the lead back: its contact is erased"
    );
    assert!(
        approved
            .contact_log
            .iter()
            .any(|e| e.outcome == Some(ContactOutcome::WrongNumber)),
        "the refunded lead had a wrong number"
    );
    let approved_refund = approved.refund.as_ref().expect("refund");
    assert!(
        approved_refund.note.contains("wrong number"),
        "the request carries the guardian's evidence: {}",
        approved_refund.note
    );
    assert_eq!(
        approved_refund.credits, approved.price_paid,
        "the refund is the price paid"
    );
    assert!(
        approved_refund.decided_at.is_some() && approved_refund.decision_note.is_some(),
        "the admin's decision is recorded with a note"
    );
    assert!(
        denied.contact.is_some(),
        "a denied refund keeps the contact"
    );
    assert_eq!(denied.stage, PipelineStage::Lost);

    // The statement: monthly top-ups first, every line in time order, adding up to the balance.
    let page = statement(&app, &agent).await;
    let mut lines = page.lines;
    lines.reverse();
    assert_eq!(
        lines.first().map(|l| l.reason),
        Some(LedgerReason::CreditPurchase),
        "credits are bought before the first purchase"
    );
    assert!(
        lines.windows(2).all(|w| w[0].at <= w[1].at),
        "the statement runs in time order, so its running balance reads right"
    );
    let mut running = Decimal::ZERO;
    for line in &lines {
        running += line.credits;
        assert_eq!(
            line.balance_after, running,
            "each line's balance is the sum so far: {line:?}"
        );
    }
    let balance = app.balance(&agent).await;
    assert_eq!(balance, running, "the balance is the statement's sum");
    assert!(balance > Decimal::ZERO, "credits left to buy with");
    let top_ups = lines
        .iter()
        .filter(|l| l.reason == LedgerReason::CreditPurchase)
        .count();
    assert!(top_ups >= 4, "a top-up a month: {top_ups}");
    let refunds: Vec<_> = lines
        .iter()
        .filter(|l| l.reason == LedgerReason::Refund)
        .collect();
    assert_eq!(refunds.len(), 1, "the approved refund credited the agent");
    assert_eq!(refunds[0].credits, approved.price_paid);
    let purchases = lines
        .iter()
        .filter(|l| l.reason == LedgerReason::LeadPurchase)
        .count();
    assert_eq!(purchases, leads.len(), "one debit per bought lead");
    assert_eq!(
        app.ledger_sum().await,
        Decimal::ZERO,
        "double entry holds over the whole history"
    );

    // The marketplace still offers the hand-written leads, and none the agent bought.
    let market: LeadPage = app
        .get("/v1/marketplace/leads?limit=100", &agent.token)
        .await
        .json()
        .await
        .expect("a marketplace page");
    for demo_lead in demo::DEMO_LEADS {
        assert!(
            market
                .leads
                .iter()
                .any(|c| c.title == demo_lead.title && c.area == demo_lead.area),
            "{} in {} is still for sale",
            demo_lead.title,
            demo_lead.area
        );
    }
    let bought: HashSet<&str> = leads.iter().map(|l| l.lead.card.id.as_str()).collect();
    assert!(
        market.leads.iter().all(|c| !bought.contains(c.id.as_str())),
        "no lead of the history waits in the feed"
    );

    // The history's events are not replayed, even to a client resuming from the first id.
    let mut stream = EventStream::open(&app.base_url, &agent, Some(0), None).await;
    stream
        .quiet_for(
            Duration::from_millis(1_500),
            "months-old purchases are no live news",
        )
        .await;
    // Closed now: the server's graceful shutdown would wait for the stream to end.
    drop(stream);

    // The partner sold part of these leads: commissions accrued, most past the holdback.
    let partner = demo_user(&app, demo::DEMO_PARTNER_EMAIL).await;
    let earnings: PartnerEarnings = app
        .get("/v1/partner/earnings", &partner.token)
        .await
        .json()
        .await
        .expect("the partner's earnings");
    let by_status = |s: CommissionStatus| {
        earnings
            .commissions
            .iter()
            .filter(|c| c.status == s)
            .count()
    };
    assert!(
        earnings.commissions.len() >= 10,
        "the partner's leads the agent bought: {}",
        earnings.commissions.len()
    );
    assert!(
        by_status(CommissionStatus::Payable) >= 5,
        "commissions past the 14-day holdback are payable: {:?}",
        earnings.commissions
    );
    assert!(
        by_status(CommissionStatus::Held) >= 1,
        "recent sales are still held back"
    );
    assert_eq!(
        by_status(CommissionStatus::Reversed),
        1,
        "the approved refund reversed its commission"
    );
    assert!(earnings.payable > Decimal::ZERO && earnings.held > Decimal::ZERO);

    app.finish().await;
}
on_both_engines!(demo_history_fills_my_leads);

async fn seeding_twice_adds_no_history(engine: Engine) {
    let app = spawn_app_with_history(engine, GENERATED).await;
    let agent = demo_user(&app, demo::DEMO_AGENT_EMAIL).await;
    let leads = my_leads(&app, &agent).await.len();
    let lines = statement(&app, &agent).await.lines.len();
    let balance = app.balance(&agent).await;
    let options = demo::DemoOptions {
        generated: GENERATED,
        history: true,
    };
    let again = demo::seed(&app.db, chrono::Utc::now(), options)
        .await
        .expect("seeding again works");
    assert_eq!(
        again,
        demo::Seeded {
            leads: 0,
            history_purchases: 0
        },
        "the marketplace has leads and the agent has purchases: nothing is added"
    );
    assert_eq!(my_leads(&app, &agent).await.len(), leads);
    assert_eq!(statement(&app, &agent).await.lines.len(), lines);
    assert_eq!(app.balance(&agent).await, balance);
    app.finish().await;
}
on_both_engines!(seeding_twice_adds_no_history);

/// The binary's flags: `seed-demo --history` adds the history once; `--demo-history` needs
/// `--seed-demo`.
#[test]
fn the_cli_adds_the_history_once() {
    let dir = std::env::temp_dir().join(format!("leadmart_cli_history_{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite://{}", dir.join("cli.db").display());
    let seed = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_leadmart-server"))
            .args(["--database-url", &url, "seed-demo", "--history"])
            .args(["--demo-generated-leads", "20"])
            .output()
            .expect("run leadmart-server")
    };
    let first = seed();
    let second = seed();
    let lonely = std::process::Command::new(env!("CARGO_BIN_EXE_leadmart-server"))
        .args(["--database-url", &url, "serve", "--demo-history"])
        .output()
        .expect("run leadmart-server");
    let _ = std::fs::remove_dir_all(&dir);
    let out = |o: &std::process::Output| String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        out(&first).contains("demo history: 36 purchases added"),
        "{}",
        out(&first)
    );
    assert!(
        out(&second).contains("demo history: 0 purchases added"),
        "a second seeding adds nothing: {}",
        out(&second)
    );
    assert!(
        !lonely.status.success(),
        "--demo-history without --seed-demo is refused"
    );
}
