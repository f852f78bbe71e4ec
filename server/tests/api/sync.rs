//! Delta sync and device mutations: a first sync has everything of the agent's, a no-change sync
//! nothing, each later one exactly what changed (also while other writes commit); pages cover
//! every change once; an outbox replayed by `(installId, seq)` applies each edit once.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, Utc};
use leadmart_shared::account::Role;
use leadmart_shared::pipeline::{ContactChannel, ContactOutcome, PipelineStage};
use leadmart_shared::wire::PurchasedLead;
use leadmart_shared::wire::sync::{MutationOutcome, MutationResults, SyncChange, SyncPage};
use serde_json::{Value, json};

use crate::harness::{Engine, TestApp, User, assert_error, spawn_app};
use crate::on_both_engines;

async fn sync_page(app: &TestApp, user: &User, cursor: &str, limit: u32) -> SyncPage {
    let response = app
        .get(
            &format!("/v1/sync?cursor={cursor}&limit={limit}"),
            &user.token,
        )
        .await;
    assert_eq!(response.status(), 200, "sync answers");
    response.json().await.expect("SyncPage")
}

/// What a device holds after applying pages: leads by id, statement lines by id, preferences.
#[derive(Debug, Default, PartialEq)]
struct Briefcase {
    leads: BTreeMap<String, PurchasedLead>,
    lines: BTreeMap<String, String>,
    preferences: Option<Value>,
}

impl Briefcase {
    fn apply(&mut self, page: &SyncPage) {
        for change in &page.changes {
            match change {
                SyncChange::Lead { lead } => {
                    self.leads
                        .insert(lead.lead.card.id.clone(), (**lead).clone());
                }
                SyncChange::LeadRemoved { lead_id } => {
                    self.leads.remove(lead_id);
                }
                SyncChange::Ledger { line } => {
                    let first = self.lines.insert(line.id.clone(), line.credits.to_string());
                    assert!(first.is_none(), "a statement line is sent once");
                }
                SyncChange::Preferences { preferences } => {
                    self.preferences = Some(serde_json::to_value(preferences).expect("json"));
                }
            }
        }
    }

    /// Pulls pages from `cursor` until the server has no more; the cursor reached.
    async fn pull(&mut self, app: &TestApp, user: &User, cursor: &str, limit: u32) -> String {
        let mut cursor = cursor.to_owned();
        let mut remaining = u64::MAX;
        loop {
            let page = sync_page(app, user, &cursor, limit).await;
            self.apply(&page);
            cursor = page.cursor;
            assert!(
                page.remaining < remaining,
                "what remains goes down page by page"
            );
            remaining = page.remaining;
            if !page.has_more {
                assert_eq!(page.remaining, 0, "nothing remains after the last page");
                return cursor;
            }
            assert!(page.remaining > 0, "more pages: something remains");
        }
    }
}

async fn send(app: &TestApp, user: &User, install: &str, mutations: Value) -> Vec<MutationOutcome> {
    let response = app
        .post(
            "/v1/sync/mutations",
            &user.token,
            &json!({"installId": install, "mutations": mutations}),
        )
        .await;
    assert_eq!(response.status(), 200, "the batch is answered");
    let results: MutationResults = response.json().await.expect("MutationResults");
    results.results.into_iter().map(|r| r.outcome).collect()
}

fn rejected(outcome: &MutationOutcome) -> Option<&'static str> {
    match outcome {
        MutationOutcome::Rejected { code, .. } => Some(code.as_str()),
        _ => None,
    }
}

on_both_engines!(a_first_sync_has_everything_and_later_ones_only_what_changed);
async fn a_first_sync_has_everything_and_later_ones_only_what_changed(engine: Engine) {
    let app = spawn_app(engine).await;
    let agent = app.agent(100, json!({})).await;
    let other = app.agent(100, json!({})).await;
    let powai = app.lead_in("Powai").await;
    let bandra = app.lead_in("Bandra West").await;
    let theirs = app.lead_in("Andheri East").await;
    assert_eq!(app.buy(&agent, &powai, None).await.status(), 201);
    assert_eq!(app.buy(&agent, &bandra, None).await.status(), 201);
    assert_eq!(app.buy(&other, &theirs, None).await.status(), 201);

    let mut device = Briefcase::default();
    let cursor = device.pull(&app, &agent, "", 200).await;
    assert_eq!(
        device.leads.keys().cloned().collect::<Vec<_>>(),
        {
            let mut mine = vec![powai.clone(), bandra.clone()];
            mine.sort();
            mine
        },
        "the agent's purchases, and nobody else's"
    );
    assert_eq!(
        device.leads[&powai]
            .contact
            .as_ref()
            .and_then(|c| c.email.as_deref()),
        Some("priya.nair@example.in"),
        "with the full contact"
    );
    assert_eq!(device.lines.len(), 3, "the grant and two purchases");
    assert!(device.preferences.is_some(), "the preferences");

    let quiet = sync_page(&app, &agent, &cursor, 200).await;
    assert!(
        quiet.changes.is_empty() && !quiet.has_more,
        "nothing changed"
    );
    assert_eq!(quiet.cursor, cursor, "the cursor stays");

    let at = Utc::now();
    let outcomes = send(
        &app,
        &agent,
        "laptop-1",
        json!([{"seq": 1, "leadId": powai, "change": {"type": "note", "body": "Call after 6", "at": at}}]),
    )
    .await;
    assert_eq!(outcomes, vec![MutationOutcome::Applied]);
    let page = sync_page(&app, &agent, &cursor, 200).await;
    assert_eq!(page.changes.len(), 1, "only the changed lead: {page:?}");
    let SyncChange::Lead { lead } = &page.changes[0] else {
        panic!("a lead change, got {:?}", page.changes[0]);
    };
    assert_eq!(lead.notes.len(), 1);
    assert_eq!(lead.notes[0].body, "Call after 6");
    let cursor = page.cursor;

    let admin = app.user(Role::Admin, true).await;
    let refund = app
        .post(
            &format!("/v1/my/leads/{bandra}/refund"),
            &agent.token,
            &json!({"purchaseId": "", "reason": "wrong_number", "note": ""}),
        )
        .await;
    assert_eq!(refund.status(), 201);
    let refund: Value = refund.json().await.expect("refund");
    let decided = app
        .post(
            &format!(
                "/v1/admin/refunds/{}/decision",
                refund["id"].as_str().expect("id")
            ),
            &admin.token,
            &json!({"approve": true, "note": null}),
        )
        .await;
    assert_eq!(decided.status(), 200);
    let mut later = Briefcase::default();
    let cursor = later.pull(&app, &agent, &cursor, 200).await;
    assert_eq!(later.leads.len(), 1, "the refunded lead changed");
    assert_eq!(
        later.leads[&bandra]
            .refund
            .as_ref()
            .map(|r| r.decided_at.is_some()),
        Some(true),
        "with its decision"
    );
    assert_eq!(later.lines.len(), 1, "and the refund's statement line");

    app.set_preferences(&agent, json!({"minScore": 70})).await;
    let page = sync_page(&app, &agent, &cursor, 200).await;
    assert!(
        matches!(page.changes.as_slice(), [SyncChange::Preferences { preferences }] if preferences.min_score == Some(70)),
        "the new preferences: {page:?}"
    );

    assert_error(
        app.get("/v1/sync?cursor=7", &agent.token).await,
        400,
        "bad_request",
        "a cursor the server did not write",
    )
    .await;
    let partner = app.user(Role::Partner, true).await;
    assert_error(
        app.get("/v1/sync", &partner.token).await,
        403,
        "forbidden",
        "sync is the agent's briefcase",
    )
    .await;
}

on_both_engines!(small_pages_cover_every_change_once);
async fn small_pages_cover_every_change_once(engine: Engine) {
    let app = spawn_app(engine).await;
    let agent = app.agent(500, json!({})).await;
    let mut bought = Vec::new();
    for area in [
        "Powai",
        "Bandra West",
        "Andheri East",
        "Woodstock",
        "Kothrud",
    ] {
        let lead = app.lead_in(area).await;
        assert_eq!(app.buy(&agent, &lead, None).await.status(), 201);
        bought.push(lead);
    }
    let mut whole = Briefcase::default();
    whole.pull(&app, &agent, "", 500).await;
    let mut paged = Briefcase::default();
    paged.pull(&app, &agent, "", 1).await;
    assert_eq!(paged, whole, "pages of one add up to one big page");
    assert_eq!(whole.leads.len(), bought.len());
}

on_both_engines!(an_outbox_replayed_applies_each_edit_once);
async fn an_outbox_replayed_applies_each_edit_once(engine: Engine) {
    let app = spawn_app(engine).await;
    let agent = app.agent(100, json!({})).await;
    let other = app.agent(100, json!({})).await;
    let powai = app.lead_in("Powai").await;
    let theirs = app.lead_in("Bandra West").await;
    assert_eq!(app.buy(&agent, &powai, None).await.status(), 201);
    assert_eq!(app.buy(&other, &theirs, None).await.status(), 201);

    let offline = Utc::now() - Duration::minutes(30);
    let outbox = json!([
        {"seq": 1, "leadId": powai, "change": {"type": "stage", "stage": "contacted", "dealValue": null, "at": offline}},
        {"seq": 2, "leadId": powai, "change": {"type": "note", "body": "Wants a sea view", "at": offline}},
        {"seq": 3, "leadId": powai, "change": {"type": "contact", "channel": "call", "at": offline, "note": null}},
        {"seq": 4, "leadId": powai, "change": {"type": "stage", "stage": "new", "dealValue": null, "at": offline}},
        {"seq": 5, "leadId": theirs, "change": {"type": "note", "body": "not mine", "at": offline}},
        {"seq": 6, "leadId": powai, "change": {"type": "note", "body": "   ", "at": offline}},
    ]);
    let first = send(&app, &agent, "laptop-1", outbox.clone()).await;
    assert_eq!(&first[..3], &vec![MutationOutcome::Applied; 3][..]);
    assert_eq!(
        rejected(&first[3]),
        Some("illegal_transition"),
        "the pipeline only moves forward"
    );
    assert_eq!(
        rejected(&first[4]),
        Some("not_found"),
        "another agent's lead"
    );
    assert_eq!(rejected(&first[5]), Some("validation"), "an empty note");

    let again = send(&app, &agent, "laptop-1", outbox.clone()).await;
    assert_eq!(
        &again[..3],
        &vec![MutationOutcome::Duplicate; 3][..],
        "a replay changes nothing"
    );
    assert_eq!(&again[3..], &first[3..], "a refusal stands on replay");

    // Sent at once from two connections (a retry racing the first try): still once.
    let racing = json!([{"seq": 7, "leadId": powai, "change": {"type": "note", "body": "Twice?", "at": Utc::now()}}]);
    let (a, b) = tokio::join!(
        send(&app, &agent, "laptop-1", racing.clone()),
        send(&app, &agent, "laptop-1", racing.clone())
    );
    let mut both = vec![a[0].clone(), b[0].clone()];
    both.sort_by_key(|o| format!("{o:?}"));
    assert_eq!(
        both,
        vec![MutationOutcome::Applied, MutationOutcome::Duplicate]
    );
    // Also for an install's very first mutation.
    let fresh = json!([{"seq": 1, "leadId": powai, "change": {"type": "contact", "channel": "email", "at": Utc::now(), "note": null}}]);
    let (a, b) = tokio::join!(
        send(&app, &agent, "tablet-1", fresh.clone()),
        send(&app, &agent, "tablet-1", fresh.clone())
    );
    let mut both = vec![a[0].clone(), b[0].clone()];
    both.sort_by_key(|o| format!("{o:?}"));
    assert_eq!(
        both,
        vec![MutationOutcome::Applied, MutationOutcome::Duplicate]
    );

    // Another install of the same agent numbers its own edits.
    let phone = send(
        &app,
        &agent,
        "phone-1",
        json!([{"seq": 1, "leadId": powai, "change": {"type": "note", "body": "From the phone", "at": Utc::now()}}]),
    )
    .await;
    assert_eq!(phone, vec![MutationOutcome::Applied]);

    // A stage change made offline before a later change elsewhere loses to it.
    let meeting = send(
        &app,
        &agent,
        "phone-1",
        json!([{"seq": 2, "leadId": powai, "change": {"type": "stage", "stage": "meeting", "dealValue": null, "at": Utc::now()}}]),
    )
    .await;
    assert_eq!(meeting, vec![MutationOutcome::Applied]);
    let stale = send(
        &app,
        &agent,
        "laptop-1",
        json!([{"seq": 8, "leadId": powai, "change": {"type": "stage", "stage": "quoted", "dealValue": null, "at": offline}}]),
    )
    .await;
    assert_eq!(
        rejected(&stale[0]),
        Some("stale_change"),
        "the later change stands"
    );

    let lead: PurchasedLead = app
        .get(&format!("/v1/my/leads/{powai}"), &agent.token)
        .await
        .json()
        .await
        .expect("PurchasedLead");
    let notes: Vec<&str> = lead.notes.iter().map(|n| n.body.as_str()).collect();
    assert_eq!(notes, vec!["Wants a sea view", "Twice?", "From the phone"]);
    assert_eq!(lead.contact_log.len(), 2, "the call and the tablet's email");
    assert_eq!(lead.stage, PipelineStage::Meeting);
    assert_eq!(
        lead.stage_history.first().map(|c| c.at),
        Some(lead.purchased_at),
        "a change dated before the purchase (a clock behind) counts from the purchase"
    );

    assert_error(
        app.post(
            "/v1/sync/mutations",
            &agent.token,
            &json!({"installId": "../x", "mutations": []}),
        )
        .await,
        422,
        "validation",
        "an install id is a plain token",
    )
    .await;
}

on_both_engines!(a_reader_never_misses_a_change_committed_while_it_reads);
async fn a_reader_never_misses_a_change_committed_while_it_reads(engine: Engine) {
    let app = spawn_app(engine).await;
    let agent = app.agent(1000, json!({})).await;
    let mut leads = Vec::new();
    for area in ["Powai", "Bandra West", "Woodstock", "Kothrud"] {
        let lead = app.lead_in(area).await;
        assert_eq!(app.buy(&agent, &lead, None).await.status(), 201);
        leads.push(lead);
    }
    let mut device = Briefcase::default();
    let mut cursor = device.pull(&app, &agent, "", 200).await;
    // Four writers (one install each) add notes while the device keeps pulling small pages.
    let writers = leads.iter().enumerate().map(|(w, lead)| {
        let (app, agent, lead) = (&app, &agent, lead.clone());
        async move {
            for seq in 1..=10u32 {
                let note = json!([{"seq": seq, "leadId": lead, "change": {"type": "note", "body": format!("w{w} n{seq}"), "at": Utc::now()}}]);
                let outcome = send(app, agent, &format!("writer-{w}"), note).await;
                assert_eq!(outcome, vec![MutationOutcome::Applied]);
            }
        }
    });
    let writing = futures::future::join_all(writers);
    tokio::pin!(writing);
    loop {
        tokio::select! {
            _ = &mut writing => break,
            page = sync_page(&app, &agent, &cursor, 2) => {
                device.apply(&page);
                cursor = page.cursor;
            }
        }
    }
    device.pull(&app, &agent, &cursor, 2).await;
    let mut fresh = Briefcase::default();
    fresh.pull(&app, &agent, "", 200).await;
    assert_eq!(device, fresh, "the incremental copy equals a fresh one");
    let notes: HashMap<&str, usize> = fresh
        .leads
        .iter()
        .map(|(id, l)| (id.as_str(), l.notes.len()))
        .collect();
    assert!(notes.values().all(|n| *n == 10), "every note: {notes:?}");
}

on_both_engines!(a_contact_attempt_carries_what_came_of_it);
async fn a_contact_attempt_carries_what_came_of_it(engine: Engine) {
    let app = spawn_app(engine).await;
    let agent = app.agent(100, json!({})).await;
    let powai = app.lead_in("Powai").await;
    let untried = app.lead_in("Bandra West").await;
    assert_eq!(app.buy(&agent, &powai, None).await.status(), 201);
    assert_eq!(app.buy(&agent, &untried, None).await.status(), 201);
    // After the purchase and before the server's clock: stored as dated.
    let first = Utc::now();
    let second = first + Duration::milliseconds(5);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let outbox = json!([
        {"seq": 1, "leadId": powai, "change": {"type": "contact", "channel": "call", "at": first, "note": null}},
        {"seq": 2, "leadId": powai, "change": {"type": "contact", "channel": "email", "at": second, "note": null, "outcome": "bounced"}},
        // Marks the call: the latest attempt at or before its time.
        {"seq": 3, "leadId": powai, "change": {"type": "contactOutcome", "attemptAt": first, "outcome": "wrong_number", "at": Utc::now()}},
        // Nothing was logged on this one.
        {"seq": 4, "leadId": untried, "change": {"type": "contactOutcome", "attemptAt": first, "outcome": "reached", "at": Utc::now()}},
    ]);
    let results = send(&app, &agent, "laptop-1", outbox).await;
    assert_eq!(&results[..3], &vec![MutationOutcome::Applied; 3][..]);
    assert_eq!(
        rejected(&results[3]),
        Some("not_found"),
        "no attempt to mark"
    );

    let lead: PurchasedLead = app
        .get(&format!("/v1/my/leads/{powai}"), &agent.token)
        .await
        .json()
        .await
        .expect("PurchasedLead");
    let outcomes: Vec<_> = lead
        .contact_log
        .iter()
        .map(|entry| (entry.channel, entry.outcome))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            (ContactChannel::Call, Some(ContactOutcome::WrongNumber)),
            (ContactChannel::Email, Some(ContactOutcome::Bounced)),
        ]
    );
}
