//! Tauri commands: parse, call a module, map the error. Nothing else belongs here.

use tauri::State;

use leadmart_shared::wire::MeDto;

use crate::AppCore;
use crate::error::AppError;
use crate::marketplace::{self, MarketplaceFeed};

/// Who is signed in (restored from the keychain), or `null`.
#[tauri::command]
#[specta::specta]
pub async fn current_user(core: State<'_, AppCore>) -> Result<Option<MeDto>, AppError> {
    core.session.current_user().await
}

#[tauri::command]
#[specta::specta]
pub async fn sign_in(
    core: State<'_, AppCore>,
    email: String,
    password: String,
) -> Result<MeDto, AppError> {
    core.session.sign_in(email, password).await
}

#[tauri::command]
#[specta::specta]
pub async fn sign_out(core: State<'_, AppCore>) -> Result<(), AppError> {
    core.session.sign_out().await
}

/// The marketplace feed: live when the API answers, else the cached page marked offline.
#[tauri::command]
#[specta::specta]
pub async fn load_marketplace_feed(core: State<'_, AppCore>) -> Result<MarketplaceFeed, AppError> {
    marketplace::load_feed(&core.session, &core.cache, chrono::Utc::now()).await
}
