//! Tauri commands: parse, call a module, map the error. Nothing else belongs here.

use tauri::State;

use crate::AppCore;
use crate::error::AppError;
use crate::marketplace::{self, MarketplaceFeed};

/// The marketplace feed: live when the API answers, else the cached page marked offline.
#[tauri::command]
#[specta::specta]
pub async fn load_marketplace_feed(core: State<'_, AppCore>) -> Result<MarketplaceFeed, AppError> {
    marketplace::load_feed(&core.api, &core.cache, chrono::Utc::now()).await
}
