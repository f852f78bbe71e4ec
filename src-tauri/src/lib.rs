//! `leadmart-app`: the desktop shell. Commands in [`commands`] are thin; the work lives in
//! modules that do not depend on tauri ([`api`], [`cache`], [`marketplace`]) so tests drive them
//! without a window.

pub mod admin;
pub mod analytics;
pub mod api;
pub mod billing;
pub mod cache;
pub mod commands;
pub mod contact;
pub mod dashboard;
pub mod desktop;
pub mod error;
pub mod events;
pub mod export;
pub mod headless;
pub mod import;
pub mod live;
pub mod marketplace;
pub mod messages;
pub mod my_leads;
pub mod notify;
pub mod partner;
pub mod preferences;
pub mod purchases;
pub mod secrets;
pub mod session;
pub mod sync;
pub mod tray;
pub mod updates;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tauri::Manager;
use tauri_plugin_deep_link::DeepLinkExt;
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_notification::NotificationExt;
use tauri_plugin_opener::OpenerExt;
use tauri_specta::Event as _;

/// Where the central API is, unless `LEADMART_API_URL` says otherwise.
pub const DEFAULT_API_URL: &str = "http://127.0.0.1:8710";

/// Everything commands need, built once at start-up and handed to Tauri as managed state. The
/// cache is not here: each user's lives with their session ([`session::SessionManager::cache`]).
pub struct AppCore {
    pub session: session::SessionManager,
    pub notifier: Arc<notify::Notifier>,
    /// Lead notifications the agent has not looked at (the tray shows the count).
    pub unread: Arc<tray::Unread>,
    pub imports: import::Imports,
    pub dialogs: Arc<dyn import::FileDialogs>,
}

/// The OS's file dialogs (GTK, Windows, macOS) through the dialog plugin, called from Rust:
/// the web view is granted no dialog permission.
struct SystemDialogs(tauri::AppHandle);

impl import::FileDialogs for SystemDialogs {
    fn pick_csv(&self) -> Vec<PathBuf> {
        self.0
            .dialog()
            .file()
            .set_title("Choose a CSV file of leads")
            .add_filter("CSV files", import::CSV_EXTENSIONS)
            .blocking_pick_file()
            .and_then(|file| file.into_path().ok())
            .into_iter()
            .collect()
    }

    fn save_as(&self, suggested: &Path, kind: &import::SaveKind) -> Option<PathBuf> {
        let mut dialog = self
            .0
            .dialog()
            .file()
            .set_title(kind.title)
            .add_filter(kind.filter, kind.extensions);
        if let Some(folder) = suggested.parent() {
            dialog = dialog.set_directory(folder);
        }
        if let Some(name) = suggested.file_name() {
            dialog = dialog.set_file_name(name.to_string_lossy());
        }
        dialog
            .blocking_save_file()
            .and_then(|file| file.into_path().ok())
    }
}

/// Dialogs answered without a window, for the end-to-end tests (WebDriver cannot click a
/// native dialog): "open" answers the paths listed, one per line, in the file
/// `LEADMART_TEST_DIALOG_ANSWERS` names (read at each pick, so a test can change it); "save"
/// accepts the suggested path. Only when that variable is set.
struct AnsweredDialogs(PathBuf);

impl import::FileDialogs for AnsweredDialogs {
    fn pick_csv(&self) -> Vec<PathBuf> {
        std::fs::read_to_string(&self.0)
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(PathBuf::from)
            .collect()
    }

    fn save_as(&self, suggested: &Path, _kind: &import::SaveKind) -> Option<PathBuf> {
        Some(suggested.to_owned())
    }
}

fn dialogs(app: &tauri::AppHandle) -> Arc<dyn import::FileDialogs> {
    match std::env::var_os("LEADMART_TEST_DIALOG_ANSWERS") {
        Some(answers) => {
            tracing::warn!("file dialogs answered from LEADMART_TEST_DIALOG_ANSWERS");
            Arc::new(AnsweredDialogs(PathBuf::from(answers)))
        }
        None => Arc::new(SystemDialogs(app.clone())),
    }
}

/// Files dropped on the window (or chosen with "Choose file…"): opened as an import, the
/// outcome sent to the UI as [`events::FilesDropped`].
pub async fn files_dropped(app: tauri::AppHandle, paths: Vec<PathBuf>) {
    let core = app.state::<AppCore>();
    let outcome = match commands::open_import(&core, &paths).await {
        Ok(draft) => events::FilesDropped::Opened {
            draft: Box::new(draft),
        },
        Err(error) => events::FilesDropped::Refused { error },
    };
    if let Err(err) = outcome.emit(&app) {
        tracing::warn!(error = %err, "drop outcome not sent");
    }
}

/// The window's native drag and drop: hover state to the UI, dropped paths to Rust.
fn on_drag_drop(window: &tauri::Window, event: &tauri::DragDropEvent) {
    let app = window.app_handle().clone();
    let hover = |over: bool| {
        if let Err(err) = (events::FileDragHover { over }).emit(&app) {
            tracing::warn!(error = %err, "drag state not sent");
        }
    };
    match event {
        tauri::DragDropEvent::Enter { .. } => hover(true),
        tauri::DragDropEvent::Leave => hover(false),
        tauri::DragDropEvent::Drop { paths, .. } => {
            hover(false);
            tauri::async_runtime::spawn(files_dropped(app.clone(), paths.clone()));
        }
        _ => {}
    }
}

/// The live events' way into the window: each event to the UI as [`events::LiveUpdate`], and
/// to the notifier.
struct WindowSink {
    app: tauri::AppHandle,
    notifier: tokio::sync::mpsc::UnboundedSender<live::LiveEvent>,
}

impl live::LiveSink for WindowSink {
    fn event(&self, event: &live::LiveEvent) {
        if let Err(err) = events::LiveUpdate(event.payload.clone()).emit(&self.app) {
            tracing::warn!(error = %err, "live update not sent");
        }
        let _ = self.notifier.send(event.clone());
    }
}

/// Keeps the live events stream open for the app's lifetime (see [`live::follow`]), and the
/// notifier listening to it.
fn follow_live_events(app: &tauri::AppHandle) {
    let (to_notifier, from_stream) = tokio::sync::mpsc::unbounded_channel();
    let stream_app = app.clone();
    tauri::async_runtime::spawn(async move {
        let core = stream_app.state::<AppCore>();
        let sink = WindowSink {
            app: stream_app.clone(),
            notifier: to_notifier,
        };
        live::follow(&core.session, &sink).await;
    });
    let notify_app = app.clone();
    tauri::async_runtime::spawn(async move {
        let core = notify_app.state::<AppCore>();
        core.notifier.run(&core.session, from_stream).await;
    });
    let guard_app = app.clone();
    tauri::async_runtime::spawn(async move {
        let core = guard_app.state::<AppCore>();
        core.notifier.guard_refunds(&core.session).await;
    });
}

/// Keeps the briefcase in sync for the app's lifetime ([`sync::keep_in_sync`]) and tells the
/// window each status change.
fn keep_briefcase_in_sync(app: &tauri::AppHandle) {
    let sync_app = app.clone();
    tauri::async_runtime::spawn(async move {
        let core = sync_app.state::<AppCore>();
        sync::keep_in_sync(&core.session).await;
    });
    let status_app = app.clone();
    tauri::async_runtime::spawn(async move {
        let core = status_app.state::<AppCore>();
        let mut status = core.session.sync().watch();
        while status.changed().await.is_ok() {
            let now = status.borrow_and_update().clone();
            if let Err(err) = events::SyncStatusChanged(now).emit(&status_app) {
                tracing::warn!(error = %err, "sync status not sent");
            }
        }
    });
}

/// The action type of a lead's notification: "Open" and "Snooze" (a click opens too).
const LEAD_ACTIONS: &str = "lead";
/// How much later a snoozed notification comes back.
const SNOOZE: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// The OS's notifications through the notification plugin (fire and forget: it sends on a
/// thread of its own).
struct SystemNotifications {
    app: tauri::AppHandle,
    unread: Arc<tray::Unread>,
}

impl notify::Notifications for SystemNotifications {
    fn show(&self, alert: &notify::Alert) {
        let mut builder = self
            .app
            .notification()
            .builder()
            .id(alert.id)
            .title(&alert.text.title)
            .body(&alert.text.body);
        // Every alert reports its click (and Open / Snooze); a lead's names its lead.
        builder = builder.action_type_id(LEAD_ACTIONS);
        if let Some(lead) = alert.opens.lead_id() {
            builder = builder.extra("leadId", lead);
        }
        if let Err(err) = builder.show() {
            tracing::warn!(error = %err, "notification not shown");
        }
        self.unread.add(&self.app);
    }
}

/// Registers the lead notification's actions and where clicks and actions go: before any
/// notification is shown (the plugin reports nothing for notifications raised earlier). The
/// plugin calls back on its D-Bus thread: the action is only handed to a task there.
fn handle_notification_actions(
    app: &tauri::AppHandle,
) -> Result<(), tauri_plugin_notification::Error> {
    use tauri_plugin_notification::{Action, ActionType};
    let notifications = app.notification();
    let lead_actions = ActionType::builder(LEAD_ACTIONS)
        .actions(vec![
            Action::builder("open", "Open").build(),
            Action::builder("snooze", "Snooze").build(),
        ])
        .build();
    notifications.register_action_types(vec![lead_actions])?;
    let (to_task, mut actions) = tokio::sync::mpsc::unbounded_channel::<(String, i32)>();
    notifications.on_action(move |performed| {
        if let Some(shown) = performed.notification() {
            let _ = to_task.send((performed.action_id().to_owned(), shown.id()));
        }
    })?;
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        while let Some((action, id)) = actions.recv().await {
            let core = app.state::<AppCore>();
            if action == "snooze" {
                let notifier = core.notifier.clone();
                tauri::async_runtime::spawn(async move { notifier.snoozed(id).await });
                continue;
            }
            // A click ("tap") or "Open": the window comes to the front on the lead.
            let opens = core.notifier.opened(&core.session, id).await;
            bring_to_front(&app);
            if let Err(err) = (events::NotificationOpened { opens }).emit(&app) {
                tracing::warn!(error = %err, "opened notification not sent to the window");
            }
        }
    });
    Ok(())
}

/// Shows, restores and focuses the main window (also when closed to the tray).
pub(crate) fn bring_to_front(app: &tauri::AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

/// Opens contact links with the OS's handlers through the opener plugin, from Rust only: the web
/// view is granted no opener permission.
pub struct SystemOpener(pub tauri::AppHandle);

impl contact::LinkOpener for SystemOpener {
    fn open(&self, url: &str) -> Result<(), String> {
        self.0
            .opener()
            .open_url(url, None::<&str>)
            .map_err(|err| err.to_string())
    }
}

/// The one place that lists every command and event crossing to the UI; used by [`run`] and by
/// the test that keeps `ui/src/bindings.ts` current.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(tauri_specta::collect_commands![
            commands::current_user,
            commands::sign_in,
            commands::sign_out,
            commands::load_marketplace_feed,
            commands::browse_marketplace,
            commands::preview_lead,
            commands::purchase_lead,
            commands::my_leads,
            commands::retry_sync_edit,
            commands::dismiss_cache_reset,
            commands::search_my_leads,
            commands::discard_sync_edit,
            commands::my_lead,
            commands::change_lead_stage,
            commands::add_lead_note,
            commands::mark_contact_outcome,
            commands::request_refund,
            commands::open_contact,
            commands::message_templates,
            commands::save_message_template,
            commands::reset_message_template,
            commands::draft_message,
            commands::send_message,
            commands::admin_overview,
            commands::admin_refund_queue,
            commands::decide_refund,
            commands::audit_log,
            commands::admin_inventory,
            commands::change_listing,
            commands::admin_partners,
            commands::decide_partner,
            commands::credit_balance,
            commands::credit_packages,
            commands::credit_value,
            commands::credit_amount,
            commands::purchase_quote,
            commands::credit_transactions,
            commands::buy_credits,
            commands::monthly_spending,
            commands::get_auto_recharge,
            commands::set_auto_recharge,
            commands::dashboard_stats,
            commands::get_preferences,
            commands::update_preferences,
            commands::pick_import_file,
            commands::set_import_mapping,
            commands::set_import_category,
            commands::check_import,
            commands::cancel_import,
            commands::save_rejected_rows,
            commands::keep_import,
            commands::close_import,
            commands::my_uploads,
            commands::partner_dashboard,
            commands::partner_uploads,
            commands::partner_earnings,
            commands::request_payout,
            commands::update_status,
            commands::restart_to_update,
            commands::take_open_request,
            commands::launch_at_login,
            commands::set_launch_at_login,
            commands::analytics_report,
            commands::export_my_leads,
            commands::export_analytics,
            commands::sync_status,
            commands::pause_sync,
            commands::resume_sync,
        ])
        .events(tauri_specta::collect_events![
            events::ImportProgressEvent,
            events::FilesDropped,
            events::FileDragHover,
            updates::UpdateStatus,
            desktop::OpenRequested,
            events::LiveUpdate,
            events::NotificationOpened,
            events::SyncStatusChanged,
        ])
}

/// Writes the TypeScript bindings for [`specta_builder`] to `path`.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    specta_builder()
        .export(
            specta_typescript::Typescript::default()
                .header("// Generated by tauri-specta from src-tauri: do not edit. Regenerate with `cargo xtask bindings`.\n"),
            path,
        )
        .map_err(|err| err.to_string())
}

/// Starts the desktop app.
pub fn run() {
    desktop::started();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "leadmart_app=info".into()),
        )
        .init();
    let builder = specta_builder();
    let context = tauri::generate_context!();
    let instance = desktop::instance_id(&context.config().identifier);
    let result = tauri::Builder::default()
        // First: a second launch must hand over its arguments before anything else starts. With
        // the deep-link feature they reach the deep-link plugin (and `on_open_url`) first.
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(instance)
                .callback(|app, _args, _cwd| desktop::focus_main(app))
                .build(),
        )
        .plugin(tauri_plugin_deep_link::init())
        // Off until the person opts in (Settings); when on, the OS starts the app at login.
        .plugin(
            tauri_plugin_autostart::Builder::new()
                .app_name("Leadmart")
                .build(),
        )
        .manage(desktop::OpenRequests::default())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_updater::Builder::new().build())
        // The window opens where and as large as it was left.
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .manage(updates::Updates::default())
        .plugin(tauri_plugin_notification::init())
        .invoke_handler(builder.invoke_handler())
        .on_window_event(|window, event| match event {
            tauri::WindowEvent::DragDrop(drop) => on_drag_drop(window, drop),
            // Closed to the tray: the live events and notifications go on; the tray quits.
            tauri::WindowEvent::CloseRequested { api, .. } if tray::shown(window.app_handle()) => {
                api.prevent_close();
                if let Err(err) = window.hide() {
                    tracing::warn!(error = %err, "the window did not hide");
                }
            }
            tauri::WindowEvent::Focused(true) => {
                if let Some(core) = window.try_state::<AppCore>() {
                    core.unread.clear(window.app_handle());
                }
            }
            _ => {}
        })
        .setup(move |app| {
            builder.mount_events(app);
            let data_dir = app.path().app_data_dir()?;
            let api_url =
                std::env::var("LEADMART_API_URL").unwrap_or_else(|_| DEFAULT_API_URL.to_owned());
            let backend = secrets::choose_backend();
            tracing::info!(?backend, %api_url, "starting");
            // An insecure address still starts the app: every request is refused with an
            // error the sign-in screen shows, so no token is ever sent in clear.
            let api = api::ApiClient::new(&api_url)?;
            let session = tauri::async_runtime::block_on(session::SessionManager::open(
                api,
                secrets::TokenStore::for_api(&api_url),
                cache::CacheFolder::new(data_dir),
            ))?;
            // `cargo xtask run`: sign in as the demo agent when no session is stored. Before the
            // window asks who is signed in, so the first screen is already the signed-in one.
            if let Err(err) = tauri::async_runtime::block_on(session.sign_in_from_env()) {
                tracing::warn!(error = %err, "sign-in from the environment failed");
            }
            let unread = Arc::new(tray::Unread::default());
            let notifications = SystemNotifications {
                app: app.handle().clone(),
                unread: unread.clone(),
            };
            app.manage(AppCore {
                session,
                notifier: Arc::new(notify::Notifier::new(Arc::new(notifications), SNOOZE)),
                unread,
                imports: import::Imports::default(),
                dialogs: dialogs(app.handle()),
            });
            tauri::async_runtime::spawn(updates::check_forever(app.handle().clone()));
            let handle = app.handle().clone();
            app.deep_link().on_open_url(move |event| {
                desktop::open_urls(&handle, event.urls().into_iter().map(String::from));
            });
            if let Some(urls) = app.deep_link().get_current()? {
                desktop::open_urls(app.handle(), urls.into_iter().map(String::from));
            }
            handle_notification_actions(app.handle())?;
            // Without a tray (a desktop with none) closing the window quits, as it always did.
            if let Err(err) = tray::build(app.handle()) {
                tracing::warn!(error = %err, "no tray icon; closing the window quits");
            }
            follow_live_events(app.handle());
            keep_briefcase_in_sync(app.handle());
            Ok(())
        })
        .run(context);
    if let Err(err) = result {
        tracing::error!(error = %err, "the app could not start");
        std::process::exit(1);
    }
}
