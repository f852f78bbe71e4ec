//! Auto-update: a check at start and then daily against the signed release manifest; an update
//! is downloaded and its signature verified (minisign, the public key in `tauri.conf.json`)
//! before the window hears of it, and installed only when the person chooses "Restart now" —
//! never silently. A failed or tampered download leaves the installed version as it is and
//! says so.

use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;
use specta::Type;
use tauri::Manager;
use tauri_plugin_updater::{Update, UpdaterExt};
use tauri_specta::Event;

use crate::error::AppError;

/// How long after start the first check waits (the window first), and how often it repeats.
const FIRST_CHECK_AFTER: Duration = Duration::from_secs(3);
const CHECK_EVERY: Duration = Duration::from_secs(24 * 3600);

/// What the window shows about updates.
#[derive(Debug, Clone, PartialEq, Serialize, Type, tauri_specta::Event)]
#[serde(
    tag = "state",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum UpdateStatus {
    /// Nothing to offer (up to date, not checked yet, or the check could not reach the server).
    None,
    /// Downloaded and verified: "Restart now" installs it.
    Ready {
        version: String,
        notes: Option<String>,
    },
    /// An update was announced but its download failed or did not match its signature: it was
    /// thrown away and this version keeps working.
    Refused { version: String, message: String },
}

/// The downloaded, verified update waiting for "Restart now", and what the window was told.
pub struct Updates {
    status: Mutex<UpdateStatus>,
    ready: Mutex<Option<(Update, Vec<u8>)>>,
}

impl Default for Updates {
    fn default() -> Self {
        Self {
            status: Mutex::new(UpdateStatus::None),
            ready: Mutex::new(None),
        }
    }
}

impl Updates {
    pub fn status(&self) -> UpdateStatus {
        self.status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn set(&self, app: &tauri::AppHandle, status: UpdateStatus) {
        *self.status.lock().unwrap_or_else(|e| e.into_inner()) = status.clone();
        if let Err(err) = status.emit(app) {
            tracing::warn!(error = %err, "update status not sent");
        }
    }

    /// Installs the verified update (the plugin verifies the bytes once more) and restarts.
    pub fn install_and_restart(&self, app: &tauri::AppHandle) -> Result<(), AppError> {
        let taken = self.ready.lock().unwrap_or_else(|e| e.into_inner()).take();
        let Some((update, bytes)) = taken else {
            return Err(AppError::Invalid {
                message: "There is no update waiting to be installed.".to_owned(),
            });
        };
        if let Err(err) = update.install(&bytes) {
            tracing::error!(error = %err, version = %update.version, "update install failed");
            let message = "The update could not be installed. This version keeps working; Leadmart will try again tomorrow.".to_owned();
            self.set(
                app,
                UpdateStatus::Refused {
                    version: update.version.clone(),
                    message: message.clone(),
                },
            );
            return Err(AppError::Invalid { message });
        }
        app.restart()
    }
}

/// The updater as configured, or — in debug builds only, for the end-to-end tests — with the
/// endpoint and public key of `LEADMART_UPDATE_ENDPOINT` / `LEADMART_UPDATE_PUBKEY`.
fn updater(app: &tauri::AppHandle) -> Result<tauri_plugin_updater::Updater, String> {
    let mut builder = app.updater_builder();
    if cfg!(debug_assertions) {
        if let Ok(endpoint) = std::env::var("LEADMART_UPDATE_ENDPOINT") {
            let url = endpoint.parse().map_err(|e| format!("{e}"))?;
            builder = builder.endpoints(vec![url]).map_err(|e| e.to_string())?;
        }
        if let Ok(key) = std::env::var("LEADMART_UPDATE_PUBKEY") {
            builder = builder.pubkey(key);
        }
    }
    builder.build().map_err(|e| e.to_string())
}

/// Checks now and then every [`CHECK_EVERY`] for as long as the app runs.
pub async fn check_forever(app: tauri::AppHandle) {
    tokio::time::sleep(FIRST_CHECK_AFTER).await;
    loop {
        check_once(&app).await;
        tokio::time::sleep(CHECK_EVERY).await;
    }
}

async fn check_once(app: &tauri::AppHandle) {
    let updates = app.state::<Updates>();
    if matches!(updates.status(), UpdateStatus::Ready { .. }) {
        return;
    }
    let update = match updater(app) {
        Ok(updater) => updater.check().await.map_err(|e| e.to_string()),
        Err(err) => Err(err),
    };
    let update = match update {
        Ok(Some(update)) => update,
        Ok(None) => return,
        Err(err) => {
            // Offline or no release server: quiet; the next check tries again.
            tracing::info!(error = %err, "update check failed");
            return;
        }
    };
    let version = update.version.clone();
    match update.download(|_, _| {}, || {}).await {
        Ok(bytes) => {
            tracing::info!(%version, "update downloaded and verified");
            let notes = update.body.clone();
            *updates.ready.lock().unwrap_or_else(|e| e.into_inner()) = Some((update, bytes));
            updates.set(app, UpdateStatus::Ready { version, notes });
        }
        Err(err) => {
            tracing::warn!(error = %err, %version, "update refused");
            let message = match err {
                tauri_plugin_updater::Error::Minisign(_)
                | tauri_plugin_updater::Error::SignatureUtf8(_)
                | tauri_plugin_updater::Error::Base64(_)
                | tauri_plugin_updater::Error::SignedVersionMismatch { .. }
                | tauri_plugin_updater::Error::MissingSignedVersion => {
                    "Its signature did not match, so it was not installed. This version keeps working."
                }
                _ => {
                    "It could not be downloaded. This version keeps working; Leadmart will try again tomorrow."
                }
            };
            updates.set(
                app,
                UpdateStatus::Refused {
                    version,
                    message: message.to_owned(),
                },
            );
        }
    }
}
