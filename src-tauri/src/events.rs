//! Events Rust sends the UI, exported to `ui/src/bindings.ts` with the commands.

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::error::AppError;
use crate::import::{ImportDraft, ImportProgress};

/// How far an import's full check is.
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct ImportProgressEvent(pub ImportProgress);

/// Files were dropped on the window: the import they opened, or why they could not be.
#[derive(Debug, Clone, Serialize, Type, tauri_specta::Event)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum FilesDropped {
    Opened { draft: Box<ImportDraft> },
    Refused { error: AppError },
}

/// Files are being dragged over the window (`over`), or the drag left without a drop.
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct FileDragHover {
    pub over: bool,
}

/// A live event from the marketplace (`GET /v1/events`): the UI updates the feed, the stats,
/// the balance and the recent activity from it instead of polling.
#[derive(Debug, Clone, Serialize, Type, tauri_specta::Event)]
pub struct LiveUpdate(pub leadmart_shared::wire::events::EventPayload);

/// The agent opened a notification (a click or "Open"): the window shows what it opens.
#[derive(Debug, Clone, Serialize, Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct NotificationOpened {
    pub opens: crate::notify::Opens,
}

/// The briefcase sync's status changed (syncing with progress, offline since, paused, last
/// synced): the status bar shows it.
#[derive(Debug, Clone, Serialize, Type, tauri_specta::Event)]
pub struct SyncStatusChanged(pub crate::sync::SyncStatus);
