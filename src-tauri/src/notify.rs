//! Native notifications of live events: a `lead.matched` becomes a notification (title and body
//! from shared's [`AlertText`]) unless the agent's settings, their quiet hours (on their own
//! clock) or a pause say otherwise; matches caught up together after an offline spell become one
//! summary. A decided refund and a balance gone low (`refund.decided`, `credits.low`) are
//! notifications too, under their own settings. Every matched lead's arrival, showing and
//! opening is written to the speed-to-lead log in the user's cache.
//!
//! No tauri type in here: the OS's notifications come in through [`Notifications`], and the
//! window's part (bringing it to the front on the lead) stays in the shell.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use leadmart_shared::local_time::{MARKETPLACE_TIME_ZONE, Tz, parse_time_zone};
use leadmart_shared::notifications::{AlertText, NotificationSettings, caught_up, summarises};
use leadmart_shared::wire::events::{EventKind, EventPayload};
use leadmart_shared::wire::{LeadCard, NotificationSettingsDto};
use tokio::sync::mpsc;

use crate::api::Method;
use crate::live::LiveEvent;
use crate::session::SessionManager;

/// One native notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// Reported back with a click or an action on it.
    pub id: i32,
    pub text: AlertText,
    pub opens: Opens,
}

/// What opening a notification shows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Opens {
    /// A summary of several leads: the dashboard.
    Summary,
    /// A lead on the marketplace: its preview over Available Leads.
    #[serde(rename_all = "camelCase")]
    Preview { lead_id: String },
    /// One of the agent's own leads (a refund reminder, a refund decided): it in My Leads.
    #[serde(rename_all = "camelCase")]
    MyLead { lead_id: String },
    /// The balance (a low-credit warning): Billing.
    Billing,
}

impl Opens {
    /// The lead it opens (a summary opens none).
    pub fn lead_id(&self) -> Option<&str> {
        match self {
            Self::Summary | Self::Billing => None,
            Self::Preview { lead_id } | Self::MyLead { lead_id } => Some(lead_id),
        }
    }
}

/// The OS's notifications. `show` must not block (the plugin sends on a thread of its own).
pub trait Notifications: Send + Sync {
    fn show(&self, alert: &Alert);
}

/// How long caught-up matches may keep arriving before their batch is told (they come in a
/// rush right after the stream reopens).
const CATCH_UP_SETTLE: Duration = Duration::from_millis(300);
/// The notifications remembered for a later "Snooze".
const REMEMBERED: usize = 200;

/// The agent's settings as last read, for whom (used while the API cannot be reached).
struct KnownSettings {
    user: String,
    settings: NotificationSettings,
    zone: Tz,
}

/// Turns live events into notifications; see the module docs.
pub struct Notifier {
    os: Arc<dyn Notifications>,
    snooze: Duration,
    settings: Mutex<Option<KnownSettings>>,
    paused_until: Mutex<Option<DateTime<Utc>>>,
    shown: Mutex<HashMap<i32, Alert>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing here is left half-done by a panic.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// How often the refund guardian looks for windows about to close.
const GUARD_EVERY: Duration = Duration::from_secs(15 * 60);

/// The notification id of the refund reminder of lead `lead_id`: negative, so it never meets
/// an event's (which are positive).
fn reminder_id(lead_id: &str) -> i32 {
    -lead_id.parse::<i64>().map_or(1, |id| alert_id(id).max(1))
}

/// The notification id of the alert of event `event_id`.
fn alert_id(event_id: i64) -> i32 {
    i32::try_from(event_id.rem_euclid(i64::from(i32::MAX))).unwrap_or_default()
}

impl Notifier {
    /// `snooze`: how much later a snoozed notification comes back.
    pub fn new(os: Arc<dyn Notifications>, snooze: Duration) -> Self {
        Self {
            os,
            snooze,
            settings: Mutex::new(None),
            paused_until: Mutex::new(None),
            shown: Mutex::new(HashMap::new()),
        }
    }

    /// No notifications until `until` (the tray's "Pause notifications for 1 hour").
    pub fn pause_until(&self, until: DateTime<Utc>) {
        *lock(&self.paused_until) = Some(until);
    }

    /// Handles `events` (from the live stream) until the channel closes.
    pub async fn run(
        &self,
        session: &SessionManager,
        mut events: mpsc::UnboundedReceiver<LiveEvent>,
    ) {
        let mut caught_up_batch: Vec<(i64, LeadCard)> = Vec::new();
        loop {
            let next = if caught_up_batch.is_empty() {
                events.recv().await
            } else {
                match tokio::time::timeout(CATCH_UP_SETTLE, events.recv()).await {
                    Ok(next) => next,
                    Err(_) => {
                        self.tell_batch(session, std::mem::take(&mut caught_up_batch))
                            .await;
                        continue;
                    }
                }
            };
            let Some(event) = next else {
                return;
            };
            let now = Utc::now();
            let matched = match event.payload {
                EventPayload::LeadMatched(matched) => matched,
                other => {
                    self.tell_account(session, event.id, &other, now).await;
                    continue;
                }
            };
            let card = *matched.lead;
            if let Ok(cache) = session.cache().await
                && let Err(err) = cache.alert_arrived(&card.id, event.id, now).await
            {
                tracing::warn!(error = %err, "the alert's arrival was not logged");
            }
            if !self.alerts_now(session, EventKind::LeadMatched, now).await {
                continue;
            }
            if caught_up(card.listed_at, event.connected_at) {
                caught_up_batch.push((event.id, card));
                continue;
            }
            self.tell_batch(session, std::mem::take(&mut caught_up_batch))
                .await;
            self.tell(session, event.id, &card).await;
        }
    }

    /// The refund guardian's reminders for as long as the future is polled: every
    /// [`GUARD_EVERY`], [`Self::remind_refunds`].
    pub async fn guard_refunds(&self, session: &SessionManager) {
        loop {
            self.remind_refunds(session, Utc::now()).await;
            tokio::time::sleep(GUARD_EVERY).await;
        }
    }

    /// Reminds the signed-in agent, once per lead, of each refund window closing within a day
    /// on a lead they never reached (shared's [`leadmart_shared::refund::guard`]), unless
    /// notifications are paused or it is their quiet hours (then at the next look). Answers how
    /// many it showed.
    pub async fn remind_refunds(&self, session: &SessionManager, now: DateTime<Utc>) -> usize {
        if lock(&self.paused_until).is_some_and(|until| now < until) {
            return 0;
        }
        let Ok(Some(user)) = session.current_user().await else {
            return 0;
        };
        let (settings, zone) = self.read_settings(session, &user.id).await;
        if settings.quiet_hours.is_some_and(|q| q.contains(now, zone)) {
            return 0;
        }
        let Ok(cache) = session.cache().await else {
            return 0;
        };
        let mut shown = 0;
        let read = async {
            let leads = crate::my_leads::cached(&cache).await?;
            let zone = crate::my_leads::agent_zone(&cache).await?;
            Ok::<_, crate::error::AppError>((leads, zone))
        };
        let (leads, agent_zone) = match read.await {
            Ok(read) => read,
            Err(err) => {
                tracing::warn!(error = %err, "the refund guardian could not read the leads");
                return 0;
            }
        };
        for lead in &leads {
            let guard = crate::my_leads::guard_of(lead, now, agent_zone);
            let Some(contact) = lead.contact.as_ref().filter(|_| guard.remind) else {
                continue;
            };
            let card = &lead.lead.card;
            match cache.refund_reminded(&card.id, now).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(err) => {
                    tracing::warn!(error = %err, "a refund reminder was not recorded");
                    continue;
                }
            }
            let alert = Alert {
                id: reminder_id(&card.id),
                text: AlertText::refund_closing(&contact.name, card, guard.hours_left),
                opens: Opens::MyLead {
                    lead_id: card.id.clone(),
                },
            };
            self.show(alert);
            shown += 1;
        }
        shown
    }

    /// A decided refund (it opens the lead in My Leads) or a balance gone low (it opens
    /// Billing), when the agent's settings ask for it; other events are the feed's upkeep.
    async fn tell_account(
        &self,
        session: &SessionManager,
        event_id: i64,
        payload: &EventPayload,
        now: DateTime<Utc>,
    ) {
        let (text, opens) = match payload {
            EventPayload::RefundDecided(decided) => {
                // The lead as this computer has it, for its title and place.
                let what = match session.cache().await {
                    Ok(cache) => cache
                        .purchased_lead(&decided.lead_id)
                        .await
                        .ok()
                        .flatten()
                        .map(|lead| lead.lead.card.title_and_place()),
                    Err(_) => None,
                };
                let text =
                    AlertText::refund_decided(decided.status, decided.credits, what.as_deref());
                let opens = Opens::MyLead {
                    lead_id: decided.lead_id.clone(),
                };
                (text, opens)
            }
            EventPayload::CreditsLow(level) => {
                (AlertText::credits_low(level.balance), Opens::Billing)
            }
            _ => return,
        };
        if !self.alerts_now(session, payload.kind(), now).await {
            return;
        }
        self.show(Alert {
            id: alert_id(event_id),
            text,
            opens,
        });
    }

    /// Whether an event of `kind` alerts at `now`: the agent's settings and quiet hours, and no
    /// pause.
    async fn alerts_now(
        &self,
        session: &SessionManager,
        kind: EventKind,
        now: DateTime<Utc>,
    ) -> bool {
        if lock(&self.paused_until).is_some_and(|until| now < until) {
            return false;
        }
        let Ok(Some(user)) = session.current_user().await else {
            return false;
        };
        // Read at each alert (one small request on a rare event): settings changed on another
        // device, or quiet hours just set, apply to the very next lead.
        let (settings, zone) = self.read_settings(session, &user.id).await;
        settings.alerts(kind, now, zone)
    }

    /// The agent's settings from the API; offline (or unreadable), the last known, else the
    /// defaults.
    async fn read_settings(
        &self,
        session: &SessionManager,
        user: &str,
    ) -> (NotificationSettings, Tz) {
        let read = session
            .request::<NotificationSettingsDto, ()>(
                Method::GET,
                "v1/me/notification-settings",
                &[],
                None,
            )
            .await;
        let parsed = read.ok().and_then(|dto| {
            let settings = NotificationSettings::from_dto(&dto).ok()?;
            let zone = dto
                .time_zone
                .as_deref()
                .and_then(|name| parse_time_zone(name).ok())
                .unwrap_or(MARKETPLACE_TIME_ZONE);
            Some((settings, zone))
        });
        let mut known = lock(&self.settings);
        match parsed {
            Some((settings, zone)) => {
                *known = Some(KnownSettings {
                    user: user.to_owned(),
                    settings,
                    zone,
                });
                (settings, zone)
            }
            None => known.as_ref().filter(|k| k.user == user).map_or(
                (NotificationSettings::default(), MARKETPLACE_TIME_ZONE),
                |k| (k.settings, k.zone),
            ),
        }
    }

    /// One lead's notification, logged as shown.
    async fn tell(&self, session: &SessionManager, event_id: i64, card: &LeadCard) {
        self.show(Alert {
            id: alert_id(event_id),
            text: AlertText::lead_matched(card),
            opens: Opens::Preview {
                lead_id: card.id.clone(),
            },
        });
        self.log_shown(session, std::slice::from_ref(&card.id))
            .await;
    }

    /// Caught-up matches: one by one when alone, else one summary.
    async fn tell_batch(&self, session: &SessionManager, batch: Vec<(i64, LeadCard)>) {
        if !summarises(batch.len()) {
            for (event_id, card) in &batch {
                self.tell(session, *event_id, card).await;
            }
            return;
        }
        let last = batch.last().map_or(0, |(id, _)| *id);
        self.show(Alert {
            id: alert_id(last),
            text: AlertText::summary(batch.len()),
            opens: Opens::Summary,
        });
        let leads: Vec<String> = batch.into_iter().map(|(_, card)| card.id).collect();
        self.log_shown(session, &leads).await;
    }

    fn show(&self, alert: Alert) {
        self.os.show(&alert);
        let mut shown = lock(&self.shown);
        if shown.len() >= REMEMBERED
            && let Some(oldest) = shown.keys().min().copied()
        {
            shown.remove(&oldest);
        }
        shown.insert(alert.id, alert);
    }

    async fn log_shown(&self, session: &SessionManager, leads: &[String]) {
        let Ok(cache) = session.cache().await else {
            return;
        };
        let now = Utc::now();
        for lead in leads {
            if let Err(err) = cache.alert_shown(lead, now).await {
                tracing::warn!(error = %err, "the alert's showing was not logged");
            }
        }
    }

    /// The agent opened notification `id` (a click or "Open"): logged; answers the lead it is
    /// about (`None`: a summary, or a notification this run did not show).
    pub async fn opened(&self, session: &SessionManager, id: i32) -> Opens {
        let opens = lock(&self.shown)
            .get(&id)
            .map_or(Opens::Summary, |a| a.opens.clone());
        // A matched lead's opening is a step of the speed-to-lead log.
        if let Opens::Preview { lead_id } = &opens
            && let Ok(cache) = session.cache().await
            && let Err(err) = cache.alert_opened(lead_id, Utc::now()).await
        {
            tracing::warn!(error = %err, "the alert's opening was not logged");
        }
        opens
    }

    /// "Snooze": notification `id` comes back after the snooze time (unless paused by then).
    pub async fn snoozed(&self, id: i32) {
        let Some(alert) = lock(&self.shown).get(&id).cloned() else {
            return;
        };
        tokio::time::sleep(self.snooze).await;
        if lock(&self.paused_until).is_some_and(|until| Utc::now() < until) {
            return;
        }
        self.os.show(&alert);
    }
}
