//! The offline briefcase against a real server: edits made with the server down wait in the
//! outbox (shown at once, pending), survive the app stopping in the middle of their replay, and
//! reach the server exactly once; the cache then equals the server's view of the agent.

use leadmart_app::api::Method;
use leadmart_app::marketplace::Connection;
use leadmart_app::purchases::purchase;
use leadmart_app::{billing, my_leads, preferences};
use leadmart_shared::error_code::ApiErrorCode;
use leadmart_shared::pipeline::{ContactChannel, PipelineStage};
use leadmart_shared::wire::sync::{
    DeviceMutation, MutationBatch, MutationOutcome, MutationResults,
};

use crate::support::{
    agent_with_andheri, andheri_lead, assert_cache_equals_server, lead_of, session_for,
    signed_in_agent, start_server,
};

#[tokio::test]
async fn offline_edits_survive_a_stop_mid_replay_and_apply_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let url = server.url.clone();
    let (cache, session) = signed_in_agent(dir.path(), &server).await;
    let lead_id = andheri_lead(&session, &cache).await;
    purchase(&session, &cache, &lead_id, chrono::Utc::now())
        .await
        .expect("bought");
    let online = my_leads::list(&session, &cache, chrono::Utc::now())
        .await
        .expect("My Leads");
    assert_eq!(online.connection, Connection::Online);
    assert!(online.outbox.is_empty());

    let stopped = server.stop_keeping().await;
    let now = chrono::Utc::now();
    let moved = my_leads::change_stage(
        &session,
        &cache,
        &lead_id,
        PipelineStage::Contacted,
        None,
        now,
    )
    .await
    .expect("a stage change offline is kept");
    assert_eq!(moved.stage, PipelineStage::Contacted, "shown at once");
    let noted = my_leads::add_note(&session, &cache, &lead_id, "Call after 6".to_owned(), now)
        .await
        .expect("a note offline is kept");
    assert_eq!(noted.notes.last().map(|n| n.id.as_str()), Some("pending-2"));
    my_leads::log_contact(&session, &cache, &lead_id, ContactChannel::Call, None, now)
        .await
        .expect("a contact offline is kept");
    let refused = my_leads::change_stage(&session, &cache, &lead_id, PipelineStage::New, None, now)
        .await
        .expect_err("the pipeline rules hold offline too");
    assert!(
        matches!(&refused, leadmart_app::error::AppError::Server { api_code, .. } if *api_code == ApiErrorCode::IllegalTransition),
        "{refused:?}"
    );
    let offline = my_leads::list(&session, &cache, now)
        .await
        .expect("offline list");
    assert_eq!(offline.connection, Connection::Offline);
    assert_eq!(offline.outbox.len(), 3, "three edits wait");
    assert!(offline.outbox.iter().all(|e| e.problem.is_none()));
    let shown = lead_of(&offline.leads, &lead_id);
    assert_eq!(
        (shown.stage, shown.notes.len(), shown.contact_log.len()),
        (PipelineStage::Contacted, 1, 1)
    );

    // The server comes back; the app sends the first two edits and stops before it hears the
    // answer (what a crash mid-replay leaves: applied on the server, still in the outbox).
    let server = stopped.start_again().await;
    let waiting = cache.pending(2).await.expect("outbox");
    let install_id = cache.install_id(String::new).await.expect("install id");
    let batch = MutationBatch {
        install_id,
        mutations: waiting
            .into_iter()
            .map(|e| DeviceMutation {
                seq: e.seq,
                lead_id: e.lead_id,
                change: e.change,
            })
            .collect(),
    };
    let answer: MutationResults = session
        .request(Method::POST, "v1/sync/mutations", &[], Some(&batch))
        .await
        .expect("the server takes them");
    assert!(
        answer
            .results
            .iter()
            .all(|r| r.outcome == MutationOutcome::Applied)
    );
    drop((session, cache));

    // The app starts again: its outbox still holds all three; the sync sends them, the server
    // applies the third and knows the first two.
    let restarted = session_for(&url, dir.path()).await;
    let cache = restarted.cache().await.expect("the agent's cache");
    assert_eq!(
        cache.outbox().await.expect("outbox").len(),
        3,
        "nothing was lost"
    );
    let synced = my_leads::list(&restarted, &cache, chrono::Utc::now())
        .await
        .expect("synced");
    assert_eq!(synced.connection, Connection::Online);
    assert!(
        synced.outbox.is_empty(),
        "every edit was taken: {:?}",
        synced.outbox
    );

    let on_server = assert_cache_equals_server(&restarted, &cache).await;
    let worked = lead_of(&on_server.leads, &lead_id);
    assert_eq!(worked.notes.len(), 1, "the note once");
    assert_eq!(worked.contact_log.len(), 1, "the call once");
    assert_eq!(worked.stage_history.len(), 1, "the move once");
    server.stop().await;
}

#[tokio::test]
async fn the_sync_status_says_offline_since_paused_and_last_synced() {
    use leadmart_app::sync::{self, SyncPhase};

    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let (cache, session, bought) = agent_with_andheri(dir.path(), &server).await;
    let lead_id = bought.lead.card.id.clone();
    let engine = session.sync();
    let first = sync::run(&session, &cache, chrono::Utc::now())
        .await
        .expect("first sync");
    assert!(first.received > 0, "the first sync brings the briefcase");
    let status = engine.status();
    assert_eq!(status.phase, SyncPhase::Idle);
    let synced_at = status.last_synced_at.expect("a finished run is dated");

    // Paused: nothing goes out, an edit waits, until the agent resumes.
    engine.pause();
    assert_eq!(engine.status().phase, SyncPhase::Paused);
    my_leads::add_note(
        &session,
        &cache,
        &lead_id,
        "Paused note".to_owned(),
        chrono::Utc::now(),
    )
    .await
    .expect("kept");
    let paused = sync::run(&session, &cache, chrono::Utc::now())
        .await
        .expect("a paused run");
    assert!(paused.stopped && paused.sent == 0);
    assert_eq!(
        cache.outbox().await.expect("outbox").len(),
        1,
        "the note waits"
    );
    engine.resume();
    let resumed = sync::run(&session, &cache, chrono::Utc::now())
        .await
        .expect("resumed");
    assert_eq!(resumed.sent, 1, "the note goes out once resumed");
    assert!(engine.status().last_synced_at.expect("dated") >= synced_at);

    // Billing and Settings read what sync cached once the API is gone.
    let balance = billing::balance(&session, &cache).await.expect("balance");
    billing::value(&session, &cache)
        .await
        .expect("the credit value");
    let statement = billing::transactions(&session, &cache, None)
        .await
        .expect("statement");
    let settings = preferences::get(&session, &cache).await.expect("settings");

    // Offline: since the first failed run, not the latest.
    let stopped = server.stop_keeping().await;
    assert_eq!(
        billing::balance(&session, &cache)
            .await
            .expect("the balance offline"),
        balance
    );
    let cached = billing::transactions(&session, &cache, None)
        .await
        .expect("the statement offline");
    assert_eq!(
        cached.lines.first(),
        statement.lines.first(),
        "the newest line first, as the server gave it"
    );
    assert_eq!(
        preferences::get(&session, &cache)
            .await
            .expect("settings offline"),
        settings
    );
    let went_offline = chrono::Utc::now();
    assert!(sync::run(&session, &cache, went_offline).await.is_err());
    let later = went_offline + chrono::Duration::seconds(30);
    assert!(sync::run(&session, &cache, later).await.is_err());
    assert_eq!(
        engine.status().phase,
        SyncPhase::Offline {
            since: went_offline
        }
    );
    let server = stopped.start_again().await;
    sync::run(&session, &cache, chrono::Utc::now())
        .await
        .expect("back online");
    assert_eq!(engine.status().phase, SyncPhase::Idle);
    server.stop().await;
}

#[tokio::test]
async fn analytics_come_from_the_briefcase_offline() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let (cache, session, bought) = agent_with_andheri(dir.path(), &server).await;
    let lead_id = bought.lead.card.id.clone();
    let range = leadmart_shared::performance::DateRange::default();
    let online = leadmart_app::analytics::view(&session, &cache, &range, chrono::Utc::now())
        .await
        .expect("analytics");
    let stopped = server.stop_keeping().await;
    my_leads::change_stage(
        &session,
        &cache,
        &lead_id,
        PipelineStage::Contacted,
        None,
        chrono::Utc::now(),
    )
    .await
    .expect("moved offline");
    let offline = leadmart_app::analytics::view(&session, &cache, &range, chrono::Utc::now())
        .await
        .expect("analytics offline");
    assert_eq!(offline.connection, Connection::Offline);
    assert_eq!(offline.report.leads, online.report.leads);
    assert_eq!(
        offline.report.spent, online.report.spent,
        "worth the credit value last stated"
    );
    let contacted = |view: &leadmart_app::analytics::AnalyticsView| view.report.funnel[1].leads;
    assert_eq!(
        contacted(&offline),
        contacted(&online) + 1,
        "the move waiting to sync counts"
    );
    stopped.start_again().await.stop().await;
}

#[tokio::test]
async fn the_analytics_tables_export_to_csv() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let (cache, session, bought) = agent_with_andheri(dir.path(), &server).await;
    // The lead was bought from its notification: alerted 3 minutes before, opened after 1.
    let lead_id = bought.lead.card.id.clone();
    let alerted = bought.purchased_at - chrono::Duration::minutes(3);
    cache
        .alert_arrived(&lead_id, 1, alerted)
        .await
        .expect("arrived");
    cache
        .alert_opened(&lead_id, alerted + chrono::Duration::minutes(1))
        .await
        .expect("opened");
    let range = leadmart_shared::performance::DateRange::default();
    let view = leadmart_app::analytics::view(&session, &cache, &range, chrono::Utc::now())
        .await
        .expect("analytics");
    let speed = &view.report.speed_to_lead;
    assert_eq!(speed.len(), 1, "{speed:?}");
    assert_eq!(
        (
            speed[0].opened_after,
            speed[0].bought_after,
            speed[0].contacted_after
        ),
        (Some(1), 3, None)
    );
    let path = dir.path().join("analytics.csv");
    leadmart_app::export::save_analytics(&view.report, &path).expect("export");
    let mut reader = csv::Reader::from_path(&path).expect("csv");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let funnel: Vec<&str> = rows
        .iter()
        .filter(|r| &r[0] == "funnel")
        .map(|r| &r[1])
        .collect();
    assert_eq!(
        funnel,
        ["purchased", "contacted", "meeting", "quoted", "won"]
    );
    let area = rows
        .iter()
        .find(|r| &r[0] == "by_area")
        .expect("an area row");
    assert_eq!(&area[1], bought.lead.card.area.as_str());
    assert_eq!(&area[3], "1", "one lead there");
    let log = rows
        .iter()
        .find(|r| &r[0] == "speed_to_lead")
        .expect("the speed-to-lead row");
    assert_eq!(
        (&log[1], &log[10], &log[11], &log[12]),
        (lead_id.as_str(), "1", "3", ""),
        "opened after 1 minute, bought after 3, not contacted yet"
    );
    server.stop().await;
}

#[tokio::test]
async fn signing_out_with_unsent_edits_asks_first_and_keeps_them_for_the_next_sign_in() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let (_, first, bought) = agent_with_andheri(dir.path(), &server).await;
    let lead_id = bought.lead.card.id.clone();
    leadmart_app::sync::sign_out(&first, false)
        .await
        .expect("nothing waits: signing out just signs out");
    assert!(first.current_user().await.expect("me").is_none());
    let (cache, session) = signed_in_agent(dir.path(), &server).await;

    let stopped = server.stop_keeping().await;
    my_leads::add_note(
        &session,
        &cache,
        &lead_id,
        "Prefers WhatsApp".to_owned(),
        chrono::Utc::now(),
    )
    .await
    .expect("kept offline");
    let asked = leadmart_app::sync::sign_out(&session, false)
        .await
        .expect_err("one edit waits: ask first");
    assert!(
        matches!(&asked, leadmart_app::error::AppError::UnsentEdits { count: 1, message } if message.contains("1 change")),
        "{asked:?}"
    );
    assert!(
        session.current_user().await.expect("me").is_some(),
        "still signed in after the warning"
    );
    leadmart_app::sync::sign_out(&session, true)
        .await
        .expect("the agent chose to sign out anyway");
    assert!(session.current_user().await.expect("me").is_none());

    let server = stopped.start_again().await;
    let (cache, session) = signed_in_agent(dir.path(), &server).await;
    my_leads::list(&session, &cache, chrono::Utc::now())
        .await
        .expect("synced");
    let on_server = assert_cache_equals_server(&session, &cache).await;
    let lead = lead_of(&on_server.leads, &lead_id);
    assert_eq!(
        lead.notes
            .iter()
            .map(|n| n.body.as_str())
            .collect::<Vec<_>>(),
        ["Prefers WhatsApp"],
        "the note made before signing out reached the server at the next sign-in"
    );
    server.stop().await;
}
