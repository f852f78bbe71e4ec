//! A property of the sync engine against a real server: whatever the interleaving of edits on
//! this computer, edits made elsewhere (another device, through the API), app restarts,
//! connection drops and syncs, once the server is back and the app syncs, the cache equals the
//! server's view of the agent and every edit is there exactly once.

use leadmart_app::api::Method;
use leadmart_app::my_leads;
use leadmart_shared::pipeline::ContactChannel;
use leadmart_shared::wire::{NewNote, PurchasedLead};
use proptest::prelude::*;

use crate::support::{
    Server, StoppedServer, agent_with_andheri, assert_cache_equals_server, lead_of, session_for,
    start_server,
};

#[derive(Debug, Clone)]
enum Step {
    /// A note written in the app (offline or not).
    DeviceNote,
    /// A call logged in the app.
    DeviceCall,
    /// A note written on another device, straight to the API (skipped while the server is down).
    ElsewhereNote,
    /// The app process ends and starts again over the same data folder.
    Restart,
    /// The server goes away / comes back.
    Disconnect,
    Reconnect,
    Sync,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => Just(Step::DeviceNote),
        2 => Just(Step::DeviceCall),
        2 => Just(Step::ElsewhereNote),
        1 => Just(Step::Restart),
        2 => Just(Step::Disconnect),
        2 => Just(Step::Reconnect),
        2 => Just(Step::Sync),
    ]
}

enum Link {
    Up(Server),
    Down(StoppedServer),
}

async fn converge(steps: Vec<Step>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let url = server.url.clone();
    let (cache, first_session, bought) = agent_with_andheri(dir.path(), &server).await;
    let lead_id = bought.lead.card.id.clone();
    drop(cache);
    let mut session = first_session;
    let mut link = Link::Up(server);
    let (mut device_notes, mut calls, mut elsewhere) = (0usize, 0usize, 0usize);
    for (n, step) in steps.into_iter().enumerate() {
        let now = chrono::Utc::now();
        let cache = session.cache().await.expect("cache");
        match step {
            Step::DeviceNote => {
                device_notes += 1;
                my_leads::add_note(&session, &cache, &lead_id, format!("device note {n}"), now)
                    .await
                    .expect("a note is always kept");
            }
            Step::DeviceCall => {
                calls += 1;
                my_leads::log_contact(&session, &cache, &lead_id, ContactChannel::Call, None, now)
                    .await
                    .expect("a call is always kept");
            }
            Step::ElsewhereNote => {
                if matches!(link, Link::Up(_)) {
                    elsewhere += 1;
                    let note = NewNote {
                        client_mutation_id: format!("elsewhere-{n}"),
                        body: format!("elsewhere note {n}"),
                    };
                    let _: PurchasedLead = session
                        .request(
                            Method::POST,
                            &format!("v1/my/leads/{lead_id}/notes"),
                            &[],
                            Some(&note),
                        )
                        .await
                        .expect("the other device's note");
                }
            }
            Step::Restart => {
                drop(cache);
                drop(session);
                session = session_for(&url, dir.path()).await;
            }
            Step::Disconnect => {
                link = match link {
                    Link::Up(server) => Link::Down(server.stop_keeping().await),
                    down => down,
                };
            }
            Step::Reconnect => {
                link = match link {
                    Link::Down(stopped) => Link::Up(stopped.start_again().await),
                    up => up,
                };
            }
            Step::Sync => {
                // Offline is an answer here, not a failure.
                let _ = leadmart_app::sync::run(&session, &cache, now).await;
            }
        }
    }
    let server = match link {
        Link::Down(stopped) => stopped.start_again().await,
        Link::Up(server) => server,
    };
    let cache = session.cache().await.expect("cache");
    leadmart_app::sync::run(&session, &cache, chrono::Utc::now())
        .await
        .expect("the final sync");
    assert!(
        cache.outbox().await.expect("outbox").is_empty(),
        "every edit was taken"
    );
    let on_server = assert_cache_equals_server(&session, &cache).await;
    let lead = lead_of(&on_server.leads, &lead_id);
    let counted = |prefix: &str| {
        lead.notes
            .iter()
            .filter(|n| n.body.starts_with(prefix))
            .count()
    };
    assert_eq!(
        counted("device note"),
        device_notes,
        "each device note once"
    );
    assert_eq!(counted("elsewhere note"), elsewhere, "each other note once");
    assert_eq!(lead.contact_log.len(), calls, "each call once");
    server.stop().await;
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn edits_restarts_and_drops_converge(steps in prop::collection::vec(step(), 1..14)) {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(converge(steps));
    }
}
