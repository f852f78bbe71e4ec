//! Processes an end-to-end test needs: a headless X display, the API server, and a WebDriver
//! session that launches the app. Each is killed when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use fantoccini::{Client, ClientBuilder, Locator};

/// The file in a test's home that answers the app's "open file" dialog: one path per line.
pub const DIALOG_ANSWERS: &str = "dialog-answers";

/// How long the UI may take to show something before a test fails.
pub const UI_TIMEOUT: Duration = Duration::from_secs(30);

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

pub fn binary(name: &str) -> Result<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let path = target.join("debug").join(name);
    if !path.exists() {
        bail!(
            "{} is missing: build it first (`cargo build -p leadmart-server -p leadmart-app`)",
            path.display()
        );
    }
    Ok(path)
}

pub fn artifacts_dir() -> PathBuf {
    let dir = workspace_root().join("target").join("e2e-artifacts");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// A child process killed (and reaped) on drop.
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Reads lines from a child's stdout until one starts with `prefix`; returns the rest of it.
fn wait_for_line(child: &mut Child, prefix: &str) -> Result<String> {
    let stdout = child.stdout.take().context("child stdout")?;
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            bail!("process exited before printing {prefix:?}");
        }
        if let Some(rest) = line.trim().strip_prefix(prefix) {
            let rest = rest.to_owned();
            // Keep draining so the child never blocks on a full pipe.
            std::thread::spawn(move || for _ in reader.lines() {});
            return Ok(rest);
        }
    }
}

/// A virtual X display. `-displayfd 1` makes Xvfb pick a free display and print its number.
pub fn start_xvfb() -> Result<(Process, String)> {
    let mut child = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1400x900x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("start Xvfb (apt-get install xvfb)")?;
    let display = wait_for_line(&mut child, "")?;
    Ok((Process(child), format!(":{display}")))
}

/// The real `leadmart-server` on a free loopback port with demo data in `dir`.
/// What the demo server is seeded with beside the demo users and the hand-written leads.
#[derive(Debug, Clone, Copy, Default)]
pub struct DemoData {
    /// Generated leads of the demo partner (with them, the partner has a past upload and leads
    /// to sell).
    pub generated: usize,
    /// The demo agent's months of history, as the README's run command seeds it.
    pub history: bool,
}

/// The demo server with `demo` data.
pub fn start_server(dir: &Path, demo: DemoData) -> Result<(Process, String)> {
    start_server_at(dir, demo, "127.0.0.1:0", true)
}

/// The server on `bind`, over the database in `dir`, seeding the demo only when `seed`.
fn start_server_at(
    dir: &Path,
    demo: DemoData,
    bind: &str,
    seed: bool,
) -> Result<(Process, String)> {
    let database_url = format!("sqlite://{}", dir.join("server.db").display());
    let generated_leads = demo.generated.to_string();
    let mut args = vec!["--database-url", &database_url, "serve", "--bind", bind];
    if seed {
        args.push("--seed-demo");
        if demo.history {
            args.push("--demo-history");
        }
    }
    args.extend([
        // Credits settle at once, no money moves: the tests buy credits.
        "--payments",
        "dev",
        // Partner payouts likewise; uploaded emails are checked locally.
        "--payouts",
        "dev",
        "--email-verification",
        "local",
        // Only the hand-written demo leads unless asked: the tests count them.
        "--demo-generated-leads",
        &generated_leads,
    ]);
    let mut child = Command::new(binary("leadmart-server")?)
        .args(&args)
        .stdout(Stdio::piped())
        .spawn()
        .context("start leadmart-server")?;
    let url = wait_for_line(&mut child, "listening on ")?;
    Ok((Process(child), url))
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The environment one app installation sees: its display, its API and its own data folders.
pub struct AppEnv {
    pub display: String,
    pub api_url: String,
    pub home: PathBuf,
    /// More variables for this test's app (e.g. where it looks for updates).
    pub extra: Vec<(String, String)>,
}

impl AppEnv {
    /// The variables the app is started with (through tauri-driver, or directly).
    fn vars(&self) -> Vec<(String, std::ffi::OsString)> {
        let mut vars: Vec<(String, std::ffi::OsString)> = vec![
            ("DISPLAY".into(), self.display.clone().into()),
            // Its own home too: start-at-login entries go to ~/.config/autostart.
            ("HOME".into(), self.home.clone().into()),
            ("LEADMART_API_URL".into(), self.api_url.clone().into()),
            ("XDG_DATA_HOME".into(), self.home.join("data").into()),
            ("XDG_CONFIG_HOME".into(), self.home.join("config").into()),
            ("XDG_CACHE_HOME".into(), self.home.join("cache").into()),
            // The native open/save dialogs answer from this file (see the app's
            // `AnsweredDialogs`): WebDriver cannot click them.
            (
                "LEADMART_TEST_DIALOG_ANSWERS".into(),
                self.home.join(DIALOG_ANSWERS).into(),
            ),
            ("WEBKIT_DISABLE_DMABUF_RENDERER".into(), "1".into()),
            ("WEBKIT_DISABLE_COMPOSITING_MODE".into(), "1".into()),
        ];
        vars.extend(self.extra.iter().map(|(k, v)| (k.clone(), v.into())));
        vars
    }
}

/// Everything one test's app needs, in its own temporary home: a display, the API with demo
/// data, and a WebDriver that launches the app. Dropped in field order: driver, server, display.
pub struct Desktop {
    pub driver: Driver,
    env: AppEnv,
    server: Option<Process>,
    _xvfb: Process,
    home: tempfile::TempDir,
}

impl Desktop {
    /// This app installation's home folder (its files, the dialog answers).
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// Where the test's API listens (for what a test sets up as another user).
    pub fn api_url(&self) -> &str {
        &self.env.api_url
    }

    /// The next "open file" dialog answers `paths`.
    pub fn answer_open_dialog(&self, paths: &[&Path]) -> Result<()> {
        let lines: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        std::fs::write(self.home().join(DIALOG_ANSWERS), lines.join("\n"))?;
        Ok(())
    }

    pub fn start() -> Result<Self> {
        Self::start_with(Vec::new())
    }

    /// Registers a recorder as this installation's handler of `scheme:` links (in its XDG
    /// folders, as a mail app registers for `mailto`), so the OS's opener (`xdg-open` or `gio
    /// open`) hands it what the app opens. Answers the file each opened link is appended to.
    pub fn record_links(&self, scheme: &str) -> Result<PathBuf> {
        use std::os::unix::fs::PermissionsExt;
        let log = self.home().join(format!("opened-{scheme}.txt"));
        let script = self.home().join(format!("record-{scheme}"));
        std::fs::write(
            &script,
            format!("#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n", log.display()),
        )?;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))?;
        let applications = self.home().join("data/applications");
        std::fs::create_dir_all(&applications)?;
        let entry = format!("leadmart-e2e-{scheme}.desktop");
        std::fs::write(
            applications.join(&entry),
            format!(
                "[Desktop Entry]\nType=Application\nName=Recorder\nExec={} %u\nMimeType=x-scheme-handler/{scheme};\nNoDisplay=true\n",
                script.display()
            ),
        )?;
        let config = self.home().join("config");
        std::fs::create_dir_all(&config)?;
        std::fs::write(
            config.join("mimeapps.list"),
            format!("[Default Applications]\nx-scheme-handler/{scheme}={entry}\n"),
        )?;
        Ok(log)
    }

    /// [`Desktop::start`] with `extra` variables in the app's environment.
    pub fn start_with(extra: Vec<(String, String)>) -> Result<Self> {
        Self::start_full(extra, DemoData::default())
    }

    /// [`Desktop::start`], the app on the D-Bus session bus at `session_bus`.
    pub fn start_on_bus(session_bus: Option<String>) -> Result<Self> {
        let bus = session_bus.map(|address| ("DBUS_SESSION_BUS_ADDRESS".to_owned(), address));
        Self::start_full(bus.into_iter().collect(), DemoData::default())
    }

    /// [`Desktop::start`] with `generated` generated demo leads, some of them the demo
    /// partner's from a past upload.
    pub fn start_with_partner_history(generated: usize) -> Result<Self> {
        Self::start_full(
            Vec::new(),
            DemoData {
                generated,
                history: false,
            },
        )
    }

    /// [`Desktop::start`] over the demo data of the README's run command: the generated leads
    /// and the demo agent's months of history.
    pub fn start_as_run_command() -> Result<Self> {
        Self::start_full(
            Vec::new(),
            DemoData {
                generated: leadmart_server::demo::DEFAULT_GENERATED_LEADS,
                history: true,
            },
        )
    }

    fn start_full(extra: Vec<(String, String)>, demo: DemoData) -> Result<Self> {
        let home = tempfile::tempdir()?;
        let (xvfb, display) = start_xvfb()?;
        let (server, api_url) = start_server(home.path(), demo)?;
        let env = AppEnv {
            display,
            api_url,
            home: home.path().to_owned(),
            extra,
        };
        let driver = Driver::start(&env)?;
        Ok(Self {
            driver,
            env,
            server: Some(server),
            _xvfb: xvfb,
            home,
        })
    }

    /// Starts the app a second time, as the same person, with `args` (a link the OS opens, say),
    /// and waits up to 20 s for it to exit; returns how it exited.
    pub fn launch_again(&self, args: &[&str]) -> Result<std::process::ExitStatus> {
        let mut second = Command::new(binary("leadmart-app")?)
            .args(args)
            .envs(self.env.vars())
            .stdout(Stdio::null())
            .spawn()?;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = second.try_wait()? {
                return Ok(status);
            }
            if Instant::now() > deadline {
                let _ = second.kill();
                let _ = second.wait();
                bail!("the second launch was still running after 20 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops the API, as a lost connection would.
    pub fn stop_server(&mut self) {
        self.server = None;
    }

    /// Starts the API again where it was, over the same database (the connection is back).
    pub fn restart_server(&mut self) -> Result<()> {
        let bind = self.env.api_url.trim_start_matches("http://").to_owned();
        let (server, _) = start_server_at(self.home.path(), DemoData::default(), &bind, false)?;
        self.server = Some(server);
        Ok(())
    }
}

/// tauri-driver, which starts WebKitWebDriver, which starts the app for each session.
pub struct Driver {
    _process: Process,
    url: String,
}

impl Driver {
    pub fn start(env: &AppEnv) -> Result<Self> {
        let port = free_port()?;
        let native_port = free_port()?;
        let child = Command::new("tauri-driver")
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .envs(env.vars())
            .stdout(Stdio::null())
            .spawn()
            .context("start tauri-driver (cargo install tauri-driver --locked)")?;
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                bail!("tauri-driver did not listen on {port}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(Self {
            _process: Process(child),
            url,
        })
    }

    /// Launches the app in a new WebDriver session.
    pub async fn launch_app(&self) -> Result<Client> {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": binary("leadmart-app")? }),
        );
        // The updater plugin links rustls' `ring` provider beside reqwest's `aws-lc-rs`; with both
        // in one build, rustls cannot pick a default for the WebDriver client by itself.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let client = ClientBuilder::rustls()?
            .capabilities(caps)
            .connect(&self.url)
            .await
            .context("WebDriver session (is WebKitWebDriver installed?)")?;
        Ok(client)
    }
}

/// Polls until `count` elements match `css`, or fails after [`UI_TIMEOUT`].
pub async fn wait_for_count(
    client: &Client,
    css: &str,
    count: usize,
) -> Result<Vec<fantoccini::elements::Element>> {
    let deadline = Instant::now() + UI_TIMEOUT;
    loop {
        let found = client.find_all(Locator::Css(css)).await?;
        if found.len() == count {
            return Ok(found);
        }
        if Instant::now() > deadline {
            bail!(
                "expected {count} elements matching {css:?}, found {}",
                found.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Polls until the element matching `css` has `attr` equal to `value`.
pub async fn wait_for_attr(client: &Client, css: &str, attr: &str, value: &str) -> Result<()> {
    let deadline = Instant::now() + UI_TIMEOUT;
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && element.attr(attr).await?.as_deref() == Some(value)
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{css:?} never had {attr}={value:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub async fn save_screenshot(client: &Client, name: &str) -> Result<PathBuf> {
    // WebKitGTK's WebDriver takes a screenshot at the page's next painted update *after* the
    // command arrives, and a page where nothing changes (the app pushes, it does not poll)
    // never has one: the command would wait forever. So one corner pixel is repainted (two
    // near-white shades in turn) every 50 ms while the screenshot is taken.
    client
        .execute(
            "let dot = document.getElementById('e2e-repaint');
             if (!dot) {
               dot = document.createElement('div');
               dot.id = 'e2e-repaint';
               dot.style.cssText = 'position:fixed;right:0;bottom:0;width:1px;height:1px;pointer-events:none;z-index:2147483647';
               document.body.appendChild(dot);
             }
             let shade = 0;
             window.__e2eRepaint = setInterval(() => {
               shade = 1 - shade;
               dot.style.background = shade ? 'rgb(254, 254, 254)' : 'rgb(253, 253, 253)';
             }, 50);",
            vec![],
        )
        .await?;
    let png = client.screenshot().await;
    client
        .execute(
            "clearInterval(window.__e2eRepaint); document.getElementById('e2e-repaint')?.remove();",
            vec![],
        )
        .await?;
    let png = png?;
    let path = artifacts_dir().join(format!("{name}.png"));
    std::fs::write(&path, png)?;
    Ok(path)
}

/// Polls until the element matching `css` shows text containing `needle`; returns the text.
pub async fn wait_for_text(client: &Client, css: &str, needle: &str) -> Result<String> {
    wait_for_content(client, css, needle, None).await
}

/// [`wait_for_text`] on the element's `textContent`: WebKitWebDriver reports no text for
/// ellipsis-truncated (`truncate`) elements.
pub async fn wait_for_text_content(client: &Client, css: &str, needle: &str) -> Result<String> {
    wait_for_content(client, css, needle, Some("textContent")).await
}

/// Polls until the form field matching `css` holds a value containing `needle`; returns it.
pub async fn wait_for_value(client: &Client, css: &str, needle: &str) -> Result<String> {
    wait_for_content(client, css, needle, Some("value")).await
}

/// Polls `css`'s visible text, or its DOM property `prop`, for `needle`.
async fn wait_for_content(
    client: &Client,
    css: &str,
    needle: &str,
    prop: Option<&str>,
) -> Result<String> {
    let deadline = Instant::now() + UI_TIMEOUT;
    let mut last = String::new();
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await {
            last = if let Some(prop) = prop {
                element.prop(prop).await.ok().flatten()
            } else {
                element.text().await.ok()
            }
            .unwrap_or_default();
            if last.contains(needle) {
                return Ok(last);
            }
        }
        if Instant::now() > deadline {
            // What the window showed instead, for whoever reads the failure.
            let _ = save_screenshot(client, "failed-wait").await;
            bail!("{css:?} never showed {needle:?}; last text: {last:?} (see failed-wait.png)");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until the header says the app reaches the API.
pub async fn wait_until_online(client: &Client) -> Result<()> {
    wait_for_attr(
        client,
        "[data-testid=connection-status]",
        "data-connection",
        "online",
    )
    .await
}

/// Signs in as `email` on the sign-in screen the signed-out dashboard shows, and waits until
/// the header names `name`.
pub async fn sign_in(client: &Client, email: &str, password: &str, name: &str) -> Result<()> {
    const ENTER: &str = "\u{E007}";
    let form = "[data-testid=sign-in-screen]";
    click(client, &format!("{form} [data-testid=sign-in-email]")).await?;
    client
        .find(Locator::Css(&format!("{form} [data-testid=sign-in-email]")))
        .await?
        .send_keys(email)
        .await?;
    client
        .find(Locator::Css(&format!(
            "{form} [data-testid=sign-in-password]"
        )))
        .await?
        .send_keys(&format!("{password}{ENTER}"))
        .await?;
    wait_for_text(client, "[data-testid=signed-in-as]", name).await?;
    Ok(())
}

/// Scrolls the first element matching `css` into view (WebDriver reads the text of what is
/// on screen only).
pub async fn scroll_to(client: &Client, css: &str) -> Result<()> {
    wait_for_count_at_least(client, css, 1).await?;
    client
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView({ block: 'center' });",
            vec![css.into()],
        )
        .await?;
    Ok(())
}

/// Clicks the element matching `css` once it is there.
pub async fn click(client: &Client, css: &str) -> Result<()> {
    wait_for_count_at_least(client, css, 1).await?;
    client.find(Locator::Css(css)).await?.click().await?;
    Ok(())
}

/// Polls until at least `count` elements match `css`.
pub async fn wait_for_count_at_least(
    client: &Client,
    css: &str,
    count: usize,
) -> Result<Vec<fantoccini::elements::Element>> {
    let deadline = Instant::now() + UI_TIMEOUT;
    loop {
        let found = client.find_all(Locator::Css(css)).await?;
        if found.len() >= count {
            return Ok(found);
        }
        if Instant::now() > deadline {
            bail!(
                "expected at least {count} elements matching {css:?}, found {}",
                found.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Chooses `value` in the `<select>` matching `css` the way a change by the user does, without
/// opening the native GTK popup (which grabs the pointer under Xvfb and swallows later clicks).
pub async fn select_value(client: &Client, css: &str, value: &str) -> Result<()> {
    wait_for_count_at_least(client, css, 1).await?;
    client
        .execute(
            "const select = document.querySelector(arguments[0]);
             const setter = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set;
             setter.call(select, arguments[1]);
             select.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![css.into(), value.into()],
        )
        .await?;
    Ok(())
}

/// Signs the demo user `email` in through the API (for a test's own requests beside the
/// window): their access token.
pub async fn api_token(http: &reqwest::Client, api: &str, email: &str) -> Result<String> {
    let session: leadmart_shared::wire::AuthSession = http
        .post(format!("{api}/v1/auth/signin"))
        .json(&serde_json::json!({
            "email": email,
            "password": leadmart_server::demo::DEMO_PASSWORD,
        }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(session.access_token)
}

/// The demo agent (`token`) buys the first of `lead_ids` it may buy: its id and the customer's
/// name the purchase reveals.
pub async fn buy_first_of(
    http: &reqwest::Client,
    api: &str,
    token: &str,
    lead_ids: impl IntoIterator<Item = String>,
) -> Result<(String, String)> {
    for lead in lead_ids {
        let bought = http
            .post(format!("{api}/v1/marketplace/leads/{lead}/purchase"))
            .bearer_auth(token)
            .header("Idempotency-Key", format!("e2e-buy-{lead}"))
            .send()
            .await?;
        if bought.status() == 201 {
            let body: serde_json::Value = bought.json().await?;
            let name = body["purchase"]["contact"]["name"]
                .as_str()
                .context("the purchase names the customer")?
                .to_owned();
            return Ok((lead, name));
        }
    }
    bail!("the demo agent could buy none of them")
}
