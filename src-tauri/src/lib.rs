//! `leadmart-app`: the desktop shell. Commands in [`commands`] are thin; the work lives in
//! modules that do not depend on tauri ([`api`], [`cache`], [`marketplace`]) so tests drive them
//! without a window.

pub mod api;
pub mod billing;
pub mod cache;
pub mod commands;
pub mod contact;
pub mod dashboard;
pub mod error;
pub mod events;
pub mod headless;
pub mod import;
pub mod live;
pub mod marketplace;
pub mod my_leads;
pub mod preferences;
pub mod purchases;
pub mod secrets;
pub mod session;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tauri::Manager;
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;
use tauri_specta::Event as _;

/// Where the central API is, unless `LEADMART_API_URL` says otherwise.
pub const DEFAULT_API_URL: &str = "http://127.0.0.1:8710";

/// Everything commands need, built once at start-up and handed to Tauri as managed state. The
/// cache is not here: each user's lives with their session ([`session::SessionManager::cache`]).
pub struct AppCore {
    pub session: session::SessionManager,
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

    fn save_csv(&self, suggested: &Path) -> Option<PathBuf> {
        let mut dialog = self
            .0
            .dialog()
            .file()
            .set_title("Save rejected rows")
            .add_filter("CSV files", &["csv"]);
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

    fn save_csv(&self, suggested: &Path) -> Option<PathBuf> {
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

/// The live events' way into the window: each event to the UI as [`events::LiveUpdate`].
struct WindowSink(tauri::AppHandle);

impl live::LiveSink for WindowSink {
    fn event(&self, event: &live::LiveEvent) {
        if let Err(err) = events::LiveUpdate(event.payload.clone()).emit(&self.0) {
            tracing::warn!(error = %err, "live update not sent");
        }
    }
}

/// Keeps the live events stream open for the app's lifetime (see [`live::follow`]).
fn follow_live_events(app: &tauri::AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let core = app.state::<AppCore>();
        live::follow(&core.session, &WindowSink(app.clone())).await;
    });
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
            commands::my_lead,
            commands::change_lead_stage,
            commands::add_lead_note,
            commands::request_refund,
            commands::open_contact,
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
        ])
        .events(tauri_specta::collect_events![
            events::ImportProgressEvent,
            events::FilesDropped,
            events::FileDragHover,
            events::LiveUpdate,
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
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "leadmart_app=info".into()),
        )
        .init();
    let builder = specta_builder();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(builder.invoke_handler())
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::DragDrop(drop) = event {
                on_drag_drop(window, drop);
            }
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
            app.manage(AppCore {
                session,
                imports: import::Imports::default(),
                dialogs: dialogs(app.handle()),
            });
            follow_live_events(app.handle());
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(err) = result {
        tracing::error!(error = %err, "the app could not start");
        std::process::exit(1);
    }
}
