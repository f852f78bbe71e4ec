//! The notifier against a real server, the OS's notifications recorded: a live match is one
//! notification with shared's words; matches caught up after a disconnection become one
//! summary; every match is in the speed-to-lead log (arrived, shown, opened).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use leadmart_app::live::{self, LiveEvent, LiveSink};
use leadmart_app::notify::{Alert, Notifications, Notifier, Opens};
use tokio::sync::mpsc;

use crate::support::Admin;
use leadmart_app::cache::Cache;
use leadmart_app::session::SessionManager;

use crate::support::{Server, signed_in_agent, start_server};

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

/// A signed-in demo agent on a fresh server, with a notifier (snoozing for `snooze`) whose
/// notifications are recorded, fed by the live stream.
struct Setup {
    _dir: tempfile::TempDir,
    server: Server,
    cache: Cache,
    session: Arc<SessionManager>,
    admin: Admin,
    recorded: Arc<Recorded>,
    notifier: Arc<Notifier>,
    to_notifier: mpsc::UnboundedSender<LiveEvent>,
    notifying: tokio::task::JoinHandle<()>,
}

impl Setup {
    async fn start(snooze: Duration) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let server = start_server(dir.path()).await;
        let (cache, session) = signed_in_agent(dir.path(), &server).await;
        let session = Arc::new(session);
        let admin = Admin::of(&server);
        let recorded = Arc::new(Recorded::default());
        let notifier = Arc::new(Notifier::new(recorded.clone(), snooze));
        let (to_notifier, events) = mpsc::unbounded_channel();
        let notifying = {
            let (session, notifier) = (session.clone(), notifier.clone());
            tokio::spawn(async move { notifier.run(&session, events).await })
        };
        Self {
            _dir: dir,
            server,
            cache,
            session,
            admin,
            recorded,
            notifier,
            to_notifier,
            notifying,
        }
    }

    /// Follows the live events into the notifier on a task of its own (aborting it
    /// disconnects).
    fn follow(&self) -> tokio::task::JoinHandle<()> {
        let session = self.session.clone();
        let sink = ToNotifier(self.to_notifier.clone());
        tokio::spawn(async move { live::follow(&session, &sink).await })
    }

    /// Lists leads from number `n` on until one is notified (the stream starts with what is
    /// listed after it opens); answers that lead's id and number.
    async fn first_notified_lead(&self, mut n: u32) -> (String, u32) {
        loop {
            n += 1;
            let id = self.admin.list_plumbing_lead(n).await;
            if !self.recorded.wait_for(1).await.is_empty() {
                return (id, n);
            }
        }
    }

    async fn finish(self) {
        self.notifying.abort();
        self.server.stop().await;
    }
}

#[tokio::test]
async fn a_live_match_is_one_notification_and_a_burst_after_a_disconnection_one_summary() {
    let setup = Setup::start(Duration::from_secs(600)).await;
    let following = setup.follow();
    let (live_lead, _) = setup.first_notified_lead(0).await;
    let (cache, session, admin, recorded, notifier) = (
        &setup.cache,
        &setup.session,
        &setup.admin,
        &setup.recorded,
        &setup.notifier,
    );
    let first = &recorded.shown()[0];
    assert_eq!(
        first.opens,
        Opens::Preview {
            lead_id: live_lead.clone()
        }
    );
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
        notifier.opened(session, first.id).await,
        first.opens,
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
    let resumed = setup.follow();
    let shown = recorded.wait_for(2).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let shown_after = recorded.shown();
    assert_eq!(
        shown_after.len(),
        2,
        "one summary for the seven caught up, not seven notifications: {shown:?}"
    );
    assert_eq!(shown_after[1].text.title, "7 new matching leads");
    assert_eq!(
        shown_after[1].opens,
        Opens::Summary,
        "a summary opens the dashboard"
    );
    for lead in &missed {
        let logged = cache
            .lead_alert(lead)
            .await
            .expect("reads")
            .expect("logged");
        assert!(logged.shown_at.is_some(), "told in the summary: {logged:?}");
    }
    resumed.abort();
    setup.finish().await;
}

#[tokio::test]
async fn snooze_shows_a_notification_again_and_a_pause_holds_new_ones_back() {
    let setup = Setup::start(Duration::from_millis(300)).await;
    let following = setup.follow();
    let (_, n) = setup.first_notified_lead(200).await;
    let (cache, admin, recorded, notifier) =
        (&setup.cache, &setup.admin, &setup.recorded, &setup.notifier);
    let first = recorded.shown()[0].clone();

    notifier.snoozed(first.id).await;
    assert_eq!(
        recorded.shown(),
        vec![first.clone(), first.clone()],
        "snoozed: the same notification again, later"
    );

    notifier.pause_until(chrono::Utc::now() + chrono::Duration::hours(1));
    let held = admin.list_plumbing_lead(n + 1).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(recorded.shown().len(), 2, "paused: no notification");
    let logged = cache
        .lead_alert(&held)
        .await
        .expect("reads")
        .expect("logged");
    assert_eq!(
        logged.shown_at, None,
        "its arrival is logged, not a showing: {logged:?}"
    );
    following.abort();
    setup.finish().await;
}

/// The refund guardian reminds once, on the last day of the window, of a lead never reached; not
/// earlier, not twice, not once the customer was reached.
#[tokio::test]
async fn a_closing_refund_window_on_a_lead_never_reached_is_reminded_once() {
    let setup = Setup::start(Duration::from_secs(60)).await;
    let lead_id = crate::support::andheri_lead(&setup.session, &setup.cache).await;
    let bought = leadmart_app::purchases::purchase(
        &setup.session,
        &setup.cache,
        &lead_id,
        chrono::Utc::now(),
    )
    .await
    .expect("bought")
    .purchase;
    let deadline = bought.refund_deadline;
    let notifier = &setup.notifier;

    let early = deadline - chrono::Duration::hours(30);
    assert_eq!(
        notifier.remind_refunds(&setup.session, early).await,
        0,
        "30 h left: not yet"
    );
    let last_day = deadline - chrono::Duration::hours(20);
    assert_eq!(notifier.remind_refunds(&setup.session, last_day).await, 1);
    let shown = setup.recorded.shown();
    let reminder = shown.last().expect("a reminder");
    assert_eq!(
        reminder.opens,
        Opens::MyLead {
            lead_id: lead_id.clone()
        },
        "a reminder opens the lead in My Leads"
    );
    assert_eq!(reminder.text.title, "Refund window closes in 20 h");
    let name = bought
        .contact
        .as_ref()
        .map(|c| c.name.clone())
        .expect("contact");
    assert!(
        reminder.text.body.starts_with(&name),
        "{}",
        reminder.text.body
    );
    assert!(reminder.text.body.contains("not reached yet"));
    assert_eq!(
        notifier
            .remind_refunds(&setup.session, last_day + chrono::Duration::hours(1))
            .await,
        0,
        "once per lead"
    );
    assert_eq!(
        notifier.opened(&setup.session, reminder.id).await,
        reminder.opens,
        "a click opens the lead in My Leads"
    );

    // A second lead, reached (a meeting is set): never reminded.
    let other = setup.admin.list_plumbing_lead(1).await;
    leadmart_app::purchases::purchase(&setup.session, &setup.cache, &other, chrono::Utc::now())
        .await
        .expect("bought the plumbing lead");
    for stage in [
        leadmart_shared::pipeline::PipelineStage::Contacted,
        leadmart_shared::pipeline::PipelineStage::Meeting,
    ] {
        leadmart_app::my_leads::change_stage(
            &setup.session,
            &setup.cache,
            &other,
            stage,
            None,
            chrono::Utc::now(),
        )
        .await
        .expect("moved");
    }
    assert_eq!(
        notifier.remind_refunds(&setup.session, last_day).await,
        0,
        "reached: no reminder"
    );

    // A third, still new, whose call got through (marked so): not reminded either.
    let answered = setup.admin.list_plumbing_lead(2).await;
    leadmart_app::purchases::purchase(&setup.session, &setup.cache, &answered, chrono::Utc::now())
        .await
        .expect("bought the third plumbing lead");
    let called = leadmart_app::my_leads::log_contact(
        &setup.session,
        &setup.cache,
        &answered,
        leadmart_shared::pipeline::ContactChannel::Call,
        None,
        chrono::Utc::now(),
    )
    .await
    .expect("the call is logged");
    let attempt = called.contact_log.last().expect("the call").at;
    let marked = leadmart_app::my_leads::mark_contact(
        &setup.session,
        &setup.cache,
        &answered,
        attempt,
        leadmart_shared::pipeline::ContactOutcome::Reached,
        chrono::Utc::now(),
    )
    .await
    .expect("the call is marked");
    assert_eq!(
        marked.contact_log.last().and_then(|entry| entry.outcome),
        Some(leadmart_shared::pipeline::ContactOutcome::Reached)
    );
    assert_eq!(
        notifier.remind_refunds(&setup.session, last_day).await,
        0,
        "the customer answered: no reminder"
    );
    setup.finish().await;
}

/// A decided refund is a notification that opens the lead in My Leads, in the lead's words; a
/// balance gone low one that opens Billing; both under the agent's own settings.
#[tokio::test]
async fn a_decided_refund_and_a_low_balance_are_notified() {
    let setup = Setup::start(Duration::from_secs(60)).await;
    let following = setup.follow();
    // The stream is open once a match was notified.
    let (_, _) = setup.first_notified_lead(200).await;
    let before = setup.recorded.shown().len();
    let lead_id = crate::support::andheri_lead(&setup.session, &setup.cache).await;
    leadmart_app::purchases::purchase(&setup.session, &setup.cache, &lead_id, chrono::Utc::now())
        .await
        .expect("bought");
    let asked = leadmart_app::my_leads::request_refund(
        &setup.session,
        &setup.cache,
        &lead_id,
        leadmart_shared::refund::RefundReason::WrongNumber,
        "Number not in service".to_owned(),
    )
    .await
    .expect("refund requested");
    let refund = asked.refund.expect("the request");
    setup.admin.decide_refund(&refund.id, true).await;
    let shown = setup.recorded.wait_for(before + 1).await;
    let decided = shown.last().expect("the decision is notified");
    assert_eq!(decided.text.title, "Refund approved");
    assert!(
        decided.text.body.contains("3BHK Apartment · Andheri West")
            && decided.text.body.contains("credits back in your wallet"),
        "{}",
        decided.text.body
    );
    assert_eq!(
        decided.opens,
        Opens::MyLead {
            lead_id: lead_id.clone()
        }
    );

    // A low balance, as the stream delivers it.
    let low = LiveEvent {
        id: 9_000,
        payload: leadmart_shared::wire::events::EventPayload::CreditsLow(
            leadmart_shared::wire::events::CreditsLevel {
                balance: rust_decimal::Decimal::new(85, 1),
            },
        ),
        connected_at: chrono::Utc::now(),
    };
    setup
        .to_notifier
        .send(low.clone())
        .expect("to the notifier");
    let shown = setup.recorded.wait_for(before + 2).await;
    let warned = shown.last().expect("the warning");
    assert_eq!(
        (warned.text.title.as_str(), &warned.opens),
        ("Low credit balance", &Opens::Billing)
    );

    // The agent turns the low-credit warning off: the next one stays silent.
    use leadmart_app::api::Method;
    let mut settings: leadmart_shared::wire::NotificationSettingsDto = setup
        .session
        .request(Method::GET, "v1/me/notification-settings", &[], None::<&()>)
        .await
        .expect("the settings");
    settings.low_credit_warning = false;
    let _: leadmart_shared::wire::NotificationSettingsDto = setup
        .session
        .request(
            Method::PUT,
            "v1/me/notification-settings",
            &[],
            Some(&settings),
        )
        .await
        .expect("settings saved");
    setup.to_notifier.send(low).expect("to the notifier");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        setup.recorded.shown().len(),
        before + 2,
        "the warning is off"
    );
    following.abort();
    setup.finish().await;
}
