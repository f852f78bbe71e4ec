//! The live events stream against a real server: a reconnection resumes with `Last-Event-ID`
//! and gets exactly what was listed meanwhile; a stream outlives the access token it was opened
//! with (the session is renewed and the stream resumed); a sign-out stops it.

use std::sync::Arc;
use std::time::Duration;

use leadmart_app::live::{self, LiveEvent, LiveSink};
use leadmart_app::session::SessionManager;
use leadmart_server::auth::tokens::TokenConfig;
use leadmart_shared::wire::events::EventPayload;
use tokio::sync::mpsc;

use crate::support::{Admin, Server, signed_in_agent, start_server, start_server_with};

/// Hands the stream's events to the test.
struct ChannelSink(mpsc::UnboundedSender<LiveEvent>);

impl LiveSink for ChannelSink {
    fn event(&self, event: &LiveEvent) {
        let _ = self.0.send(event.clone());
    }
}

/// The next event, or a failure after a generous wait.
async fn next(events: &mut mpsc::UnboundedReceiver<LiveEvent>, why: &str) -> LiveEvent {
    tokio::time::timeout(Duration::from_secs(20), events.recv())
        .await
        .unwrap_or_else(|_| panic!("no event in 20 s: {why}"))
        .expect("the sink is open")
}

fn matched_lead(event: &LiveEvent) -> String {
    match &event.payload {
        EventPayload::LeadMatched(matched) => matched.lead.id.clone(),
        other => panic!("lead.matched expected: {other:?}"),
    }
}

/// Asserts nothing more arrives for a while.
async fn assert_quiet(events: &mut mpsc::UnboundedReceiver<LiveEvent>, why: &str) {
    if let Ok(Some(extra)) = tokio::time::timeout(Duration::from_millis(700), events.recv()).await {
        panic!("{why}: {extra:?}");
    }
}

/// The demo agent signed in on `server` (a session shared with the stream's task), and the
/// channel the stream's events arrive on.
struct Agent {
    session: Arc<SessionManager>,
    sink: mpsc::UnboundedSender<LiveEvent>,
    events: mpsc::UnboundedReceiver<LiveEvent>,
}

impl Agent {
    async fn signed_in(dir: &std::path::Path, server: &Server) -> Self {
        let (_cache, session) = signed_in_agent(dir, server).await;
        let (sink, events) = mpsc::unbounded_channel();
        Self {
            session: Arc::new(session),
            sink,
            events,
        }
    }

    /// Follows the live events on a task of its own (aborting it disconnects).
    fn follow(&self) -> tokio::task::JoinHandle<()> {
        let session = self.session.clone();
        let sink = ChannelSink(self.sink.clone());
        tokio::spawn(async move { live::follow(&session, &sink).await })
    }
}

#[tokio::test]
async fn a_reconnection_gets_exactly_the_leads_listed_while_disconnected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let mut agent = Agent::signed_in(dir.path(), &server).await;
    let admin = Admin::of(&server);
    let following = agent.follow();
    // Listed until one arrives: the stream starts with what is raised after it opens.
    let first = loop {
        let id = admin.list_plumbing_lead(1000).await;
        if let Ok(Some(event)) =
            tokio::time::timeout(Duration::from_millis(500), agent.events.recv()).await
        {
            assert_eq!(matched_lead(&event), id, "the one lead listed");
            break event;
        }
    };
    assert!(first.id > 0);

    following.abort();
    let _ = following.await;
    let mut missed = Vec::new();
    for n in 1..=3 {
        missed.push(admin.list_plumbing_lead(n).await);
    }

    let resumed = agent.follow();
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(matched_lead(
            &next(&mut agent.events, "the leads listed while disconnected").await,
        ));
    }
    assert_eq!(
        got, missed,
        "exactly the three leads listed while disconnected, in order (resumed after the last id)"
    );
    assert_quiet(&mut agent.events, "nothing twice, nothing else").await;
    resumed.abort();
    server.stop().await;
}

#[tokio::test]
async fn a_stream_outlives_its_access_token_and_stops_at_sign_out() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tokens = TokenConfig {
        access_ttl: chrono::Duration::seconds(1),
        ..TokenConfig::default()
    };
    let server = start_server_with(dir.path(), tokens).await;
    let mut agent = Agent::signed_in(dir.path(), &server).await;
    let admin = Admin::of(&server);
    let following = agent.follow();

    // Several access tokens' lifetimes: each stream ends when its token expires.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let listed = admin.list_plumbing_lead(7).await;
    assert_eq!(
        matched_lead(&next(&mut agent.events, "an event after the first token expired").await),
        listed,
        "the stream was renewed and resumed"
    );
    assert!(
        server.counts.refreshes() >= 2,
        "each expired token was renewed through the session: {} refreshes",
        server.counts.refreshes()
    );

    agent.session.sign_out().await.expect("sign-out");
    admin.list_plumbing_lead(8).await;
    assert_quiet(&mut agent.events, "no events after sign-out").await;
    following.abort();
    server.stop().await;
}
