//! The notifier against a real server, the OS's notifications recorded: a live match is one
//! notification with shared's words; matches caught up after a disconnection become one
//! summary; every match is in the speed-to-lead log (arrived, shown, opened).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use leadmart_app::live::{self, LiveEvent, LiveSink};
use leadmart_app::notify::{Alert, Notifications, Notifier};
use tokio::sync::mpsc;

use crate::live::Admin;
use crate::support::{signed_in_agent, start_server};

#[derive(Default)]
struct Recorded(Mutex<Vec<Alert>>);

impl Notifications for Recorded {
    fn show(&self, alert: &Alert) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(alert.clone());
    }
}

impl Recorded {
    fn shown(&self) -> Vec<Alert> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Waits until `count` alerts were shown (or a generous while passed).
    async fn wait_for(&self, count: usize) -> Vec<Alert> {
        for _ in 0..100 {
            if self.shown().len() >= count {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.shown()
    }
}

struct ToNotifier(mpsc::UnboundedSender<LiveEvent>);

impl LiveSink for ToNotifier {
    fn event(&self, event: &LiveEvent) {
        let _ = self.0.send(event.clone());
    }
}

#[tokio::test]
async fn a_live_match_is_one_notification_and_a_burst_after_a_disconnection_one_summary() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let (cache, session) = signed_in_agent(dir.path(), &server).await;
    let session = Arc::new(session);
    let admin = Admin::of(&server);
    let recorded = Arc::new(Recorded::default());
    let notifier = Arc::new(Notifier::new(recorded.clone(), Duration::from_secs(600)));
    let (to_notifier, events) = mpsc::unbounded_channel();
    let notifying = {
        let (session, notifier) = (session.clone(), notifier.clone());
        tokio::spawn(async move { notifier.run(&session, events).await })
    };
    let follow = |sink: mpsc::UnboundedSender<LiveEvent>| {
        let session = session.clone();
        tokio::spawn(async move { live::follow(&session, &ToNotifier(sink)).await })
    };

    let following = follow(to_notifier.clone());
    let mut n = 0;
    let live_lead = loop {
        n += 1;
        let id = admin.list_plumbing_lead(n).await;
        if recorded.wait_for(1).await.len() == 1 {
            break id;
        }
    };
    let first = &recorded.shown()[0];
    assert_eq!(first.lead_id.as_deref(), Some(live_lead.as_str()));
    assert_eq!(
        first.text.title, "Home services / Plumbing · Woodstock",
        "category and area"
    );
    assert!(
        first.text.body.starts_with("Score ") && first.text.body.contains("₹1,500 – ₹3,000"),
        "score, budget, price: {}",
        first.text.body
    );
    let logged = cache
        .lead_alert(&live_lead)
        .await
        .expect("the log reads")
        .expect("the match is logged");
    assert!(
        logged
            .shown_at
            .is_some_and(|shown| shown >= logged.arrived_at),
        "arrived, then shown: {logged:?}"
    );
    assert_eq!(
        notifier.opened(&session, first.id).await.as_deref(),
        Some(live_lead.as_str()),
        "a click opens the lead"
    );
    let opened = cache
        .lead_alert(&live_lead)
        .await
        .expect("reads")
        .expect("logged");
    assert!(
        opened.opened_at.is_some(),
        "and the opening is logged: {opened:?}"
    );

    following.abort();
    let _ = following.await;
    let mut missed = Vec::new();
    for k in 1..=7 {
        missed.push(admin.list_plumbing_lead(100 + k).await);
    }
    // Listed a second earlier than the stream reopens, on the server's clock (its `Date` has
    // whole seconds).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let resumed = follow(to_notifier);
    let shown = recorded.wait_for(2).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let shown_after = recorded.shown();
    assert_eq!(
        shown_after.len(),
        2,
        "one summary for the seven caught up, not seven notifications: {shown:?}"
    );
    assert_eq!(shown_after[1].text.title, "7 new matching leads");
    assert_eq!(shown_after[1].lead_id, None, "a summary opens the feed");
    for lead in &missed {
        let logged = cache
            .lead_alert(lead)
            .await
            .expect("reads")
            .expect("logged");
        assert!(logged.shown_at.is_some(), "told in the summary: {logged:?}");
    }
    resumed.abort();
    notifying.abort();
    server.stop().await;
}
