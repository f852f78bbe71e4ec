//! Auto-update through the real window: a release server on loopback announces 9.9.9 with an
//! artefact signed by a key made for this test (the Tauri CLI's `signer`, as the release
//! workflow signs); the app downloads it, verifies it against the public key it was given and
//! offers "Restart now / Later" — and throws away one whose signature is for other bytes.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, ensure};
use axum::Router;
use axum::routing::get;

use crate::harness::{
    Desktop, click, save_screenshot, wait_for_attr, wait_for_text, workspace_root,
};

const VERSION: &str = "9.9.9";

fn tauri_cli() -> PathBuf {
    workspace_root().join("ui/node_modules/.bin/tauri")
}

fn run(command: &mut Command) -> Result<()> {
    let out = command
        .output()
        .context("the Tauri CLI (npm install in ui/)")?;
    ensure!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

/// A new minisign key pair in `dir` without a password; returns (private key file, public key).
fn signing_key(dir: &Path) -> Result<(PathBuf, String)> {
    let key = dir.join("update.key");
    run(Command::new(tauri_cli())
        .args([
            "signer",
            "generate",
            "--ci",
            "--password",
            "",
            "--write-keys",
        ])
        .arg(&key))?;
    let public = std::fs::read_to_string(dir.join("update.key.pub"))?;
    Ok((key, public.trim().to_owned()))
}

/// The signature of `file` for [`VERSION`], as the manifest carries it.
fn sign(key: &Path, file: &Path) -> Result<String> {
    run(Command::new(tauri_cli())
        .args(["signer", "sign", "--password", "", "--app-version", VERSION])
        .arg("--private-key-path")
        .arg(key)
        .arg(file))?;
    let mut sig = file.as_os_str().to_owned();
    sig.push(".sig");
    Ok(std::fs::read_to_string(PathBuf::from(sig))?
        .trim()
        .to_owned())
}

/// Serves `/latest.json` announcing [`VERSION`] with `signature`, and the artefact's bytes.
async fn release_server(artefact: Vec<u8>, signature: String) -> Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let manifest = serde_json::json!({
        "version": VERSION,
        "notes": "Faster search.",
        "pub_date": "2026-12-01T09:00:00Z",
        "platforms": {
            "linux-x86_64": { "url": format!("{base}/leadmart.AppImage"), "signature": signature },
        },
    });
    let app = Router::new()
        .route(
            "/latest.json",
            get(move || async move { axum::Json(manifest) }),
        )
        .route("/leadmart.AppImage", get(move || async move { artefact }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(format!("{base}/latest.json"))
}

fn update_env(endpoint: String, public_key: &str) -> Vec<(String, String)> {
    vec![
        ("LEADMART_UPDATE_ENDPOINT".to_owned(), endpoint),
        ("LEADMART_UPDATE_PUBKEY".to_owned(), public_key.to_owned()),
    ]
}

#[tokio::test]
async fn a_signed_update_is_offered_and_a_tampered_one_is_refused() -> Result<()> {
    let keys = tempfile::tempdir()?;
    let (key, public_key) = signing_key(keys.path())?;
    let artefact = keys.path().join("leadmart.AppImage");
    std::fs::write(&artefact, b"the 9.9.9 release, as built")?;
    let good = sign(&key, &artefact)?;
    let other = keys.path().join("other.AppImage");
    std::fs::write(&other, b"something else entirely")?;
    // A genuine signature by the right key, but of other bytes: what a swapped artefact has.
    let swapped = sign(&key, &other)?;
    let bytes = std::fs::read(&artefact)?;

    // Signed: downloaded, verified and offered; "Later" puts it away, nothing restarts.
    let endpoint = release_server(bytes.clone(), good).await?;
    let desktop = Desktop::start_with(update_env(endpoint, &public_key))?;
    let app = desktop.driver.launch_app().await?;
    wait_for_attr(&app, "[data-testid=update-banner]", "data-state", "ready").await?;
    wait_for_text(
        &app,
        "[data-testid=update-banner]",
        "Leadmart 9.9.9 is ready to install. Faster search.",
    )
    .await?;
    save_screenshot(&app, "50-update-ready").await?;
    click(&app, "[data-testid=update-later]").await?;
    let left = app
        .find_all(fantoccini::Locator::Css("[data-testid=update-banner]"))
        .await?;
    ensure!(left.is_empty(), "Later hides the banner");
    app.close().await?;
    drop(desktop);

    // The artefact does not match its signature: refused, said so, no "Restart now".
    let endpoint = release_server(bytes, swapped).await?;
    let desktop = Desktop::start_with(update_env(endpoint, &public_key))?;
    let app = desktop.driver.launch_app().await?;
    wait_for_attr(&app, "[data-testid=update-banner]", "data-state", "refused").await?;
    let text = wait_for_text(
        &app,
        "[data-testid=update-banner]",
        "Its signature did not match, so it was not installed. This version keeps working.",
    )
    .await?;
    ensure!(text.contains("Leadmart 9.9.9"), "{text}");
    let restart = app
        .find_all(fantoccini::Locator::Css("[data-testid=update-restart]"))
        .await?;
    ensure!(restart.is_empty(), "a refused update cannot be installed");
    save_screenshot(&app, "51-update-refused").await?;
    app.close().await?;
    Ok(())
}
