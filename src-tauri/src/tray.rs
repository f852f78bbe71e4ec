//! The tray icon: the live events and notifications go on while the window is closed to it.
//! Its tooltip (and, where the desktop shows one, its label) counts the lead notifications
//! shown since the window was last in front; its menu opens the window, pauses notifications
//! for an hour, or quits — the only way out once the window closes to the tray, so
//! `cargo xtask run`, which waits for the app to exit, still stops its server then.
//!
//! Menu and icon handlers run on the main thread: they only hand work over or touch windows,
//! never wait for anything.

use std::sync::atomic::{AtomicU32, Ordering};

use tauri::Manager;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};

use crate::AppCore;

const TRAY_ID: &str = "leadmart";
const PAUSE: chrono::Duration = chrono::Duration::hours(1);

/// Lead notifications shown since the window was last in front.
#[derive(Debug, Default)]
pub struct Unread(AtomicU32);

impl Unread {
    /// One more; updates the tray.
    pub fn add(&self, app: &tauri::AppHandle) {
        let count = self.0.fetch_add(1, Ordering::Relaxed).saturating_add(1);
        show_count(app, count);
    }

    /// The agent looked: back to none.
    pub fn clear(&self, app: &tauri::AppHandle) {
        if self.0.swap(0, Ordering::Relaxed) != 0 {
            show_count(app, 0);
        }
    }
}

/// Updates the tray from a task: tray calls go through the main thread and wait for it, so
/// they must never be made on it.
fn show_count(app: &tauri::AppHandle, count: u32) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let Some(tray) = app.tray_by_id(TRAY_ID) else {
            return;
        };
        let text = match count {
            0 => "Leadmart".to_owned(),
            1 => "Leadmart · 1 new lead".to_owned(),
            n => format!("Leadmart · {n} new leads"),
        };
        let label = (count > 0).then(|| count.to_string());
        if let Err(err) = tray
            .set_tooltip(Some(text))
            .and_then(|()| tray.set_title(label))
        {
            tracing::warn!(error = %err, "tray not updated");
        }
    });
}

/// Whether the tray icon is there (the window may close to it).
pub fn shown(app: &tauri::AppHandle) -> bool {
    app.tray_by_id(TRAY_ID).is_some()
}

/// Builds the tray icon and its menu.
pub fn build(app: &tauri::AppHandle) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open Leadmart", true, None::<&str>)?;
    let pause = MenuItem::with_id(
        app,
        "pause",
        "Pause notifications for 1 hour",
        true,
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(app, "quit", "Quit Leadmart", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&open, &pause, &quit])?;
    let mut tray = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("Leadmart")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => crate::bring_to_front(app),
            "pause" => app
                .state::<AppCore>()
                .notifier
                .pause_until(chrono::Utc::now() + PAUSE),
            "quit" => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                crate::bring_to_front(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(())
}
