//! Being a good desktop citizen: one instance per user (a second launch hands its arguments to
//! the first and exits), `leadmart://lead/<id>` links that open that lead, and the window
//! brought to the front when either happens.

use std::sync::{Mutex, Once, OnceLock};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::Manager;
use tauri_specta::Event;

/// The URL scheme the installers register (`plugins.deep-link` in `tauri.conf.json`).
pub const SCHEME: &str = "leadmart";

/// A `leadmart://` link asked for a lead: the window takes it with `take_open_request`.
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct OpenRequested;

/// The lead a link asked for that the window has not taken yet (a link that started the app
/// arrives before the window listens).
#[derive(Default)]
pub struct OpenRequests(Mutex<Option<String>>);

impl OpenRequests {
    pub fn take(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// The lead id of `leadmart://lead/<id>`, or `None` for any other URL.
pub fn lead_of(url: &str) -> Option<String> {
    let rest = url.strip_prefix(SCHEME)?.strip_prefix("://lead/")?;
    let id = rest.trim_end_matches('/');
    (!id.is_empty() && id.len() <= 19 && id.bytes().all(|b| b.is_ascii_digit()))
        .then(|| id.to_owned())
}

static STARTED: OnceLock<Instant> = OnceLock::new();

/// Notes when the app started (the first thing `run` does), for [`interactive`].
pub fn started() {
    let _ = STARTED.set(Instant::now());
}

/// The window's first call into Rust (its first render asks who is signed in): logs, once, how
/// long after start the window became interactive — the cold-start figure `cargo xtask bundle`
/// reads.
pub fn interactive() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if let Some(started) = STARTED.get() {
            tracing::info!(
                ms = started.elapsed().as_millis() as u64,
                "window interactive"
            );
        }
    });
}

/// Brings the main window to the front (un-minimised, shown if hidden).
pub fn focus_main(app: &tauri::AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Opened links: the first one naming a lead is kept for the window, which is told and brought
/// to the front; others are logged and ignored.
pub fn open_urls(app: &tauri::AppHandle, urls: impl IntoIterator<Item = String>) {
    let mut opened = false;
    for url in urls {
        match lead_of(&url) {
            Some(lead) if !opened => {
                tracing::info!(%lead, "link opens a lead");
                *app.state::<OpenRequests>()
                    .0
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()) = Some(lead);
                opened = true;
            }
            Some(_) => {}
            None => tracing::warn!(%url, "a link Leadmart cannot open"),
        }
    }
    if opened {
        if let Err(err) = OpenRequested.emit(app) {
            tracing::warn!(error = %err, "open request not sent");
        }
        focus_main(app);
    }
}

/// Whether Leadmart starts when the person signs in to the computer (an XDG autostart entry,
/// a login item, a `Run` registry value), as the OS says now.
pub fn launches_at_login(app: &tauri::AppHandle) -> Result<bool, crate::error::AppError> {
    use tauri_plugin_autostart::ManagerExt;
    app.autolaunch().is_enabled().map_err(login_item_error)
}

/// Turns starting at login on or off; answers the state the OS then reports.
pub fn set_launch_at_login(
    app: &tauri::AppHandle,
    on: bool,
) -> Result<bool, crate::error::AppError> {
    use tauri_plugin_autostart::ManagerExt;
    let manager = app.autolaunch();
    if on {
        manager.enable()
    } else {
        manager.disable()
    }
    .map_err(login_item_error)?;
    launches_at_login(app)
}

fn login_item_error(err: tauri_plugin_autostart::Error) -> crate::error::AppError {
    tracing::warn!(error = %err, "start at login");
    crate::error::AppError::Invalid {
        message: "The system would not change whether Leadmart starts at login. Check your desktop's startup settings.".to_owned(),
    }
}

/// The name one instance holds on the session bus (Linux): one per data folder, so two people
/// — or two test installations with their own `XDG_DATA_HOME` — each get their own instance,
/// and the same person's second launch finds the first. FNV-1a: stable across builds.
pub fn instance_id(identifier: &str) -> String {
    let folder = dirs::data_dir().unwrap_or_default();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in folder.to_string_lossy().bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{identifier}.d{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lead_links_with_an_id_open_a_lead() {
        assert_eq!(lead_of("leadmart://lead/42"), Some("42".to_owned()));
        assert_eq!(lead_of("leadmart://lead/42/"), Some("42".to_owned()));
        for refused in [
            "leadmart://lead/",
            "leadmart://lead/4a",
            "leadmart://lead/-1",
            "leadmart://lead/1/../2",
            "leadmart://leads/42",
            "https://lead/42",
            "leadmart://lead/12345678901234567890",
        ] {
            assert_eq!(lead_of(refused), None, "{refused}");
        }
    }

    #[test]
    fn the_instance_name_is_a_valid_bus_name_element() {
        let id = instance_id("com.leadmart.desktop");
        let last = id.rsplit('.').next().unwrap_or_default();
        assert!(last.starts_with('d') && last.len() == 17, "{id}");
        assert_eq!(id, instance_id("com.leadmart.desktop"), "stable");
    }
}
