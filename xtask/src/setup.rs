//! Installs what the two commands need on a fresh Debian/Ubuntu machine, and only what is missing.

use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::StatusOk;

/// Building and running the desktop app (WebKitGTK, D-Bus for the keyring, tray support,
/// OpenSSL's libcrypto for the encrypted cache).
pub const RUN_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libwebkit2gtk-4.1-dev",
    "libdbus-1-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libssl-dev",
];

/// What the tests need on top of [`RUN_PACKAGES`]: the headless display, WebDriver, a private
/// D-Bus, the kernel keyring, PostgreSQL, Python with `venv` for the importer benchmark's
/// baseline, and `gio` (the opener the app's contact links go through when `xdg-open` is
/// absent; the Messages test registers a `mailto:` handler with it).
pub const TEST_PACKAGES: &[&str] = &[
    "xvfb",
    "libglib2.0-bin",
    "xauth",
    "webkit2gtk-driver",
    "dbus",
    "keyutils",
    "postgresql",
    "python3-venv",
];

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

pub fn as_root(program: &str, args: &[&str]) -> Command {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false);
    let mut command = if is_root {
        Command::new(program)
    } else {
        let mut sudo = Command::new("sudo");
        sudo.arg(program);
        sudo
    };
    command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
    command
}

pub fn system_packages(packages: &[&str]) -> Result<()> {
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    println!("==> installing system packages: {}", missing.join(" "));
    as_root("apt-get", &["update", "-q"]).status_ok()?;
    let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
    args.extend(&missing);
    as_root("apt-get", &args).status_ok()
}

pub fn tauri_driver() -> Result<()> {
    if Command::new("tauri-driver").arg("--help").output().is_ok() {
        return Ok(());
    }
    println!("==> installing tauri-driver");
    Command::new("cargo")
        .args(["install", "tauri-driver", "--locked", "--version", "^2"])
        .status_ok()
}

/// Starts the local PostgreSQL cluster when nothing answers on 127.0.0.1:5432.
pub fn postgres_running() -> Result<()> {
    if accepting() {
        return Ok(());
    }
    let version = std::fs::read_dir("/etc/postgresql")
        .context("PostgreSQL is not installed (/etc/postgresql is missing)")?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .max()
        .context("no PostgreSQL cluster under /etc/postgresql")?;
    println!("==> starting PostgreSQL {version}");
    as_root(
        "pg_ctlcluster",
        &["--skip-systemctl-redirect", &version, "main", "start"],
    )
    .status_ok()?;
    for _ in 0..30 {
        if accepting() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    bail!("PostgreSQL did not start on 127.0.0.1:5432")
}

fn accepting() -> bool {
    Command::new("pg_isready")
        .args(["-h", "127.0.0.1", "-p", "5432"])
        .output()
        .map(|out| out.status.success())
        .unwrap_or(false)
}
