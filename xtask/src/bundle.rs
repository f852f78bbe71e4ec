//! `cargo xtask bundle`: the Linux `.deb`, built by the Tauri CLI (a UI dev dependency, so no
//! seven-minute `cargo install`) from the release profile, then proved on this machine: the
//! dependencies it declares, installed with `dpkg -i`, the installed binary launched under Xvfb
//! with a screenshot and its idle memory, and removed again.
//!
//! Windows and macOS installers come from `.github/workflows/release.yml`; AppImage is not built
//! here because its bundler downloads AppRun from the internet, which these machines cannot reach.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};

use crate::{StatusOk, setup};

/// What proving the bundle needs besides building it: a virtual display, a private D-Bus for
/// the app's keyring and notifications, and ImageMagick's `import` for the screenshot.
const PROOF_PACKAGES: &[&str] = &["xvfb", "xauth", "x11-utils", "dbus", "imagemagick"];

/// Libraries the installed app needs; the `.deb` must declare each (the tray icon loads
/// libayatana-appindicator at run time, so nothing else would pull it in; the encrypted cache
/// links the system's libcrypto).
const REQUIRED_DEPENDS: &[&str] = &[
    "libwebkit2gtk-4.1-0",
    "libgtk-3-0",
    "libdbus-1-3",
    "libayatana-appindicator3-1",
    "libssl3",
];

/// The hidden step that runs inside the virtual display (see [`launch_installed`]).
pub const LAUNCH_STEP: &str = "bundle-launch";

pub fn run(root: &Path) -> Result<()> {
    setup::system_packages(&[setup::RUN_PACKAGES, PROOF_PACKAGES].concat())?;
    crate::build_ui(root)?;
    Command::new(root.join("ui/node_modules/.bin/tauri"))
        .args(["build", "--bundles", "deb"])
        .current_dir(root.join("src-tauri"))
        .status_ok()?;
    let release = crate::target_dir(root).join("release");
    let deb = newest_deb(&release.join("bundle").join("deb"))?;
    let binary = release.join("leadmart-app");

    let field = |name: &str| -> Result<String> {
        let out = Command::new("dpkg-deb")
            .args(["--field"])
            .arg(&deb)
            .arg(name)
            .output()
            .context("dpkg-deb")?;
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    let package = field("Package")?;
    let depends = field("Depends")?;
    println!(
        "\n{}",
        String::from_utf8_lossy(
            &Command::new("dpkg-deb")
                .arg("--info")
                .arg(&deb)
                .output()?
                .stdout
        )
    );
    for needed in REQUIRED_DEPENDS {
        ensure!(
            depends.split(',').any(|d| d.trim().starts_with(needed)),
            "the .deb does not declare {needed}: Depends: {depends}"
        );
    }

    setup::as_root("dpkg", &["-i", &deb.to_string_lossy()]).status_ok()?;
    let proved = prove_installed(root, &package);
    setup::as_root("dpkg", &["-r", &package]).status_ok()?;
    let idle = proved?;

    println!("\n==> bundle");
    println!("  .deb            {} ({})", deb.display(), megabytes(&deb)?);
    println!("  release binary  {}", megabytes(&binary)?);
    println!("  declares        {depends}");
    println!("  started         {idle}");
    Ok(())
}

fn newest_deb(dir: &Path) -> Result<PathBuf> {
    std::fs::read_dir(dir)
        .with_context(|| format!("no bundle folder {}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "deb"))
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
        .with_context(|| format!("no .deb in {}", dir.display()))
}

fn megabytes(path: &Path) -> Result<String> {
    let bytes = path.metadata()?.len();
    Ok(format!("{}.{} MB", bytes / 1_000_000, bytes / 100_000 % 10))
}

/// Launches the installed package's binary under Xvfb inside a private D-Bus session (through
/// this same program's [`LAUNCH_STEP`]); returns its idle memory.
fn prove_installed(root: &Path, package: &str) -> Result<String> {
    let files = Command::new("dpkg").args(["-L", package]).output()?;
    let installed = String::from_utf8_lossy(&files.stdout)
        .lines()
        .find(|l| l.starts_with("/usr/bin/"))
        .map(PathBuf::from)
        .context("the package installs no binary in /usr/bin")?;
    let shot = root.join("target").join("bundle-installed.png");
    let out = Command::new("dbus-run-session")
        .args([
            "--",
            "xvfb-run",
            "--auto-servernum",
            "--server-args=-screen 0 1280x820x24",
        ])
        .arg(std::env::current_exe()?)
        .arg(LAUNCH_STEP)
        .arg(&installed)
        .arg(&shot)
        .stderr(Stdio::inherit())
        .output()
        .context("dbus-run-session / xvfb-run")?;
    // The last line is ours; WebKit's helpers may print before it.
    let printed = String::from_utf8_lossy(&out.stdout);
    let report = printed.lines().last().unwrap_or_default().to_owned();
    ensure!(
        out.status.success(),
        "the installed app did not run: {report}"
    );
    println!("  screenshot      {}", shot.display());
    Ok(report)
}

/// How long the installed app runs before its memory is read (the benchmark's "idle after 60 s").
const IDLE_AFTER: Duration = Duration::from_secs(60);

/// Inside the virtual display: starts `binary` with empty data folders, takes a screenshot once
/// its window shows, and after [`IDLE_AFTER`] prints the resident memory of it and its WebKit
/// processes.
pub fn launch_installed(args: &[String]) -> Result<()> {
    let [binary, shot] = args else {
        bail!("usage: {LAUNCH_STEP} BINARY SCREENSHOT.png");
    };
    let home = std::env::temp_dir().join(format!("leadmart-bundle-{}", std::process::id()));
    std::fs::create_dir_all(&home)?;
    let started = Instant::now();
    let mut app = Command::new(binary)
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        // Nothing listens there: the app opens on its sign-in page, offline.
        .env("LEADMART_API_URL", "http://127.0.0.1:9")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("start {binary}"))?;
    let interactive = interactive_after(&mut app);
    let result = (|| {
        let shown = wait_for_window("Leadmart", Duration::from_secs(60))?;
        eprintln!("window shown {} ms after start", shown.as_millis());
        let interactive = interactive
            .recv_timeout(Duration::from_secs(60))
            .context("the window never called into the app")?;
        // Time for the web view's first paint before the picture.
        std::thread::sleep(Duration::from_secs(3));
        Command::new("import")
            .args(["-window", "root", shot])
            .status_ok()?;
        std::thread::sleep(IDLE_AFTER.saturating_sub(started.elapsed()));
        ensure!(app.try_wait()?.is_none(), "the app exited while idle");
        let (rss, pss) = tree_memory_kib(app.id())?;
        Ok(format!(
            "interactive {interactive} ms after start; idle PSS {} MB, RSS {} MB (app and WebKit processes)",
            pss / 1024,
            rss / 1024
        ))
    })();
    let _ = app.kill();
    let _ = app.wait();
    let _ = std::fs::remove_dir_all(&home);
    println!("{}", result?);
    Ok(())
}

/// The milliseconds the app logs as `window interactive ms=N` (its first command from the
/// window), read from its output on a thread that keeps draining it.
fn interactive_after(app: &mut std::process::Child) -> std::sync::mpsc::Receiver<u64> {
    use std::io::BufRead;
    let (tx, rx) = std::sync::mpsc::channel();
    if let Some(out) = app.stdout.take() {
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                let ms = line
                    .contains("window interactive")
                    .then(|| line.split("ms=").nth(1))
                    .flatten()
                    .and_then(|rest| rest.split_whitespace().next())
                    .and_then(|n| n.parse().ok());
                if let Some(ms) = ms {
                    let _ = tx.send(ms);
                }
            }
        });
    }
    rx
}

/// Waits until a top-level X window named `title` exists (`xwininfo` from x11-utils, which
/// xvfb-run's packages bring).
fn wait_for_window(title: &str, limit: Duration) -> Result<Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        let out = Command::new("xwininfo").args(["-root", "-tree"]).output()?;
        if String::from_utf8_lossy(&out.stdout).contains(&format!("\"{title}\"")) {
            return Ok(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("no window named {title:?} within {limit:?}")
}

/// The memory of `root` and every process below it, from /proc, in KiB: resident (`VmRSS`,
/// which counts shared libraries once per process) and proportional (`Pss`, shared pages split
/// between the processes that map them — the fair sum).
fn tree_memory_kib(root: u32) -> Result<(u64, u64)> {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc")? {
        let Some(pid) = entry?
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The parent is the second field after the parenthesised command name.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            parents.push((pid, ppid));
        }
    }
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(c, _)| *c),
        );
        i += 1;
    }
    let field = |file: &str, name: &str| -> u64 {
        std::fs::read_to_string(file)
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let (mut rss, mut pss) = (0, 0);
    for pid in tree {
        rss += field(&format!("/proc/{pid}/status"), "VmRSS:");
        pss += field(&format!("/proc/{pid}/smaps_rollup"), "Pss:");
    }
    Ok((rss, pss))
}
