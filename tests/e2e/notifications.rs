//! Native notifications through the real window, with a stand-in notification daemon: each test
//! starts a D-Bus session bus of its own (`dbus-daemon --session`), where the stand-in owns
//! `org.freedesktop.Notifications`, answers `GetCapabilities` with `actions`, records `Notify`
//! and emits `ActionInvoked` as a user's click would; the app runs on that bus.
//!
//! A matching lead listed by an admin → exactly one notification with its category and area,
//! score, budget and price; quiet hours (set on the server) suppress it while the feed still
//! updates; an agent the lead does not match hears nothing; a click brings up the lead's preview.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use fantoccini::Client;
use leadmart_server::demo::{
    DEMO_ADMIN_EMAIL, DEMO_AGENT_EMAIL, DEMO_PASSWORD, woodstock_plumbing_lead,
};
use leadmart_shared::notifications::credits_label;
use serde_json::{Value, json};
use zbus::object_server::SignalEmitter;
use zbus::zvariant::OwnedValue;

use crate::harness::{Desktop, Process, binary, sign_in, wait_for_text, wait_until_online};

const PATH: &str = "/org/freedesktop/Notifications";

/// One `Notify` call as the daemon received it.
#[derive(Debug, Clone)]
struct Notified {
    id: u32,
    summary: String,
    body: String,
    actions: Vec<String>,
}

/// The stand-in notification server.
#[derive(Default)]
struct StandIn {
    received: Arc<Mutex<Vec<Notified>>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl StandIn {
    fn get_capabilities(&self) -> Vec<String> {
        vec!["actions".to_owned(), "body".to_owned()]
    }

    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        _app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut received = self.received.lock().unwrap_or_else(|e| e.into_inner());
        let id = u32::try_from(received.len()).unwrap_or(u32::MAX) + 1;
        received.push(Notified {
            id,
            summary,
            body,
            actions,
        });
        id
    }

    fn close_notification(&self, _id: u32) {}

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "stand-in".to_owned(),
            "leadmart-tests".to_owned(),
            "1".to_owned(),
            "1.2".to_owned(),
        )
    }

    #[zbus(signal)]
    async fn action_invoked(
        emitter: &SignalEmitter<'_>,
        id: u32,
        action_key: &str,
    ) -> zbus::Result<()>;
}

/// A private session bus with the stand-in daemon on it.
struct Bus {
    _daemon: Process,
    address: String,
    connection: zbus::Connection,
    received: Arc<Mutex<Vec<Notified>>>,
}

impl Bus {
    async fn start() -> Result<Self> {
        let mut child = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("start dbus-daemon (apt-get install dbus)")?;
        let stdout = child.stdout.take().context("dbus-daemon stdout")?;
        let daemon = Process(child);
        let address = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
                .map(|_| line.trim().to_owned())
        })
        .await??;
        let stand_in = StandIn::default();
        let received = stand_in.received.clone();
        let connection = zbus::connection::Builder::address(address.as_str())?
            .name("org.freedesktop.Notifications")?
            .serve_at(PATH, stand_in)?
            .build()
            .await
            .context("the stand-in owns org.freedesktop.Notifications")?;
        Ok(Self {
            _daemon: daemon,
            address,
            connection,
            received,
        })
    }

    fn received(&self) -> Vec<Notified> {
        self.received
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Waits until `count` notifications were received, or fails.
    async fn wait_for(&self, count: usize, within: Duration) -> Result<Vec<Notified>> {
        let deadline = Instant::now() + within;
        loop {
            let received = self.received();
            if received.len() >= count || Instant::now() > deadline {
                return Ok(received);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// What a click on notification `id` sends.
    async fn click(&self, id: u32) -> Result<()> {
        let iface = self
            .connection
            .object_server()
            .interface::<_, StandIn>(PATH)
            .await?;
        StandIn::action_invoked(iface.signal_emitter(), id, "default").await?;
        Ok(())
    }
}

/// The API, as an admin listing leads and an agent changing their settings would call it.
struct Api {
    url: String,
    http: reqwest::Client,
}

impl Api {
    fn of(desktop: &Desktop) -> Self {
        Self {
            url: desktop.api_url().to_owned(),
            http: reqwest::Client::new(),
        }
    }

    async fn token(&self, email: &str) -> Result<String> {
        let session: Value = self
            .http
            .post(format!("{}/v1/auth/signin", self.url))
            .json(&json!({"email": email, "password": DEMO_PASSWORD}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(session["accessToken"]
            .as_str()
            .context("an access token")?
            .to_owned())
    }

    /// Lists plumbing lead `n` in Woodstock, Cape Town (the demo agent serves home services
    /// there); answers the intake's answer (`leadId`, `score`, `priceCredits`).
    async fn list_lead(&self, n: u32) -> Result<Value> {
        let token = self.token(DEMO_ADMIN_EMAIL).await?;
        let lead = woodstock_plumbing_lead(n);
        Ok(self
            .http
            .post(format!("{}/v1/admin/leads", self.url))
            .bearer_auth(token)
            .json(&lead)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    /// Quiet hours for the demo agent: the whole day but its last minute.
    async fn quiet_all_day(&self) -> Result<()> {
        let token = self.token(DEMO_AGENT_EMAIL).await?;
        self.http
            .put(format!("{}/v1/me/notification-settings", self.url))
            .bearer_auth(token)
            .json(&json!({
                "newLeadAlert": true, "leadResponse": true, "lowCreditWarning": true,
                "dailySummary": false, "quietHoursStart": "00:00", "quietHoursEnd": "23:59"
            }))
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }
}

/// The title and body the app must show for the intake answer `accepted`.
fn expected_text(accepted: &Value) -> Result<(String, String)> {
    let price: rust_decimal::Decimal = accepted["priceCredits"]
        .as_str()
        .context("a price")?
        .parse()?;
    Ok((
        "Home services / Plumbing · Woodstock".to_owned(),
        format!(
            "Score {} · Budget ₹1,500 – ₹3,000 · {}",
            accepted["score"],
            credits_label(price)
        ),
    ))
}

/// Lists leads until one is notified (the stream starts with what is listed after it opens,
/// and the app opens it right after sign-in); answers that lead and its notification.
async fn first_notified_lead(api: &Api, bus: &Bus) -> Result<(Value, Notified)> {
    for n in 1..=20 {
        let accepted = api.list_lead(n).await?;
        let received = bus.wait_for(1, Duration::from_secs(2)).await?;
        if let Some(first) = received.first() {
            return Ok((accepted, first.clone()));
        }
    }
    bail!("no notification for 20 matching leads")
}

async fn signed_in_app(desktop: &Desktop, email: &str, name: &str) -> Result<Client> {
    let app = desktop.driver.launch_app().await?;
    wait_until_online(&app).await?;
    sign_in(&app, email, DEMO_PASSWORD, name).await?;
    Ok(app)
}

#[tokio::test]
async fn a_matching_lead_notifies_once_and_a_click_opens_its_preview() -> Result<()> {
    let bus = Bus::start().await?;
    let desktop = Desktop::start_on_bus(Some(bus.address.clone()))?;
    let api = Api::of(&desktop);
    let app = signed_in_app(&desktop, DEMO_AGENT_EMAIL, "Asha").await?;

    let (accepted, notified) = first_notified_lead(&api, &bus).await?;
    let (title, body) = expected_text(&accepted)?;
    ensure!(
        (notified.summary.as_str(), notified.body.as_str()) == (title.as_str(), body.as_str()),
        "category and area, then score, budget and price: {notified:?}"
    );
    ensure!(
        notified.actions.iter().any(|a| a == "default")
            && notified.actions.iter().any(|a| a == "snooze"),
        "a click and the Open / Snooze actions are reported: {:?}",
        notified.actions
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    ensure!(
        bus.received().len() == 1,
        "exactly one notification for one lead: {:?}",
        bus.received()
    );

    bus.click(notified.id).await?;
    let lead_id = accepted["leadId"].as_str().context("a lead id")?;
    wait_for_text(
        &app,
        "[data-testid=preview-dialog]",
        &format!("Lead #{lead_id}"),
    )
    .await?;
    crate::harness::save_screenshot(&app, "50-notification-opened-preview").await?;

    // Bought from the notification: the speed-to-lead log on the Analytics page times it from
    // the alert.
    crate::harness::click(&app, "[data-testid=buy-now]").await?;
    for _ in 0..20 {
        if !app
            .find_all(fantoccini::Locator::Css("[data-testid=confirm-buy]"))
            .await?
            .is_empty()
        {
            crate::harness::click(&app, "[data-testid=confirm-buy]").await?;
            break;
        }
        if !app
            .find_all(fantoccini::Locator::Css("[data-testid=revealed-phone]"))
            .await?
            .is_empty()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_for_text(&app, "[data-testid=revealed-phone]", "+27").await?;
    crate::harness::click(&app, "[data-testid=modal-close]").await?;
    crate::harness::click(&app, "[data-testid=nav-analytics]").await?;
    let row = wait_for_text(&app, "[data-testid=speed-row]", "Leaking geyser").await?;
    ensure!(
        row.contains("not yet"),
        "opened and bought after the alert, not contacted yet: {row}"
    );
    crate::harness::scroll_to(&app, "[data-testid=speed-to-lead]").await?;
    crate::harness::save_screenshot(&app, "51-speed-to-lead").await?;
    app.close().await?;
    Ok(())
}

#[tokio::test]
async fn quiet_hours_and_a_non_matching_agent_get_no_notification() -> Result<()> {
    let bus = Bus::start().await?;
    let desktop = Desktop::start_on_bus(Some(bus.address.clone()))?;
    let api = Api::of(&desktop);
    let app = signed_in_app(&desktop, DEMO_AGENT_EMAIL, "Asha").await?;
    // The stream is open once one lead was notified.
    first_notified_lead(&api, &bus).await?;

    api.quiet_all_day().await?;
    api.list_lead(100).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    ensure!(
        bus.received().len() == 1,
        "quiet hours: nothing more: {:?}",
        bus.received()
    );

    // An agent who serves nothing in Cape Town: the router does not match them.
    let other = "nomatch.agent@demo.leadmart.test";
    let created = Command::new(binary("leadmart-server")?)
        .args([
            "--database-url",
            &format!("sqlite://{}", desktop.home().join("server.db").display()),
            "create-user",
            "--email",
            other,
            "--password",
            DEMO_PASSWORD,
            "--role",
            "agent",
            "--name",
            "Nomatch Agent",
            "--verified",
        ])
        .stdout(Stdio::null())
        .status()?;
    ensure!(created.success(), "the second agent is created");
    crate::harness::click(&app, "[data-testid=sign-out]").await?;
    sign_in(&app, other, DEMO_PASSWORD, "Nomatch").await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    api.list_lead(101).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    ensure!(
        bus.received().len() == 1,
        "a lead the agent does not match: nothing: {:?}",
        bus.received()
    );
    app.close().await?;
    Ok(())
}
