//! The error every command returns: a stable `code` the UI switches on, plus a message a person
//! can act on. Exported to TypeScript by tauri-specta.

use leadmart_shared::error_code::ApiErrorCode;
use serde::Serialize;
use specta::Type;

#[derive(Debug, Clone, PartialEq, Serialize, Type, thiserror::Error)]
#[serde(
    tag = "code",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum AppError {
    /// The central API could not be reached (no network, server down).
    #[error("{message}")]
    Offline { message: String },
    /// The API answered with an error of its own: its code, parsed into the shared list
    /// (`unknown` for a code this build does not know).
    #[error("{message}")]
    Server {
        api_code: ApiErrorCode,
        message: String,
    },
    /// The API's answer does not fit this version of the app (update the app).
    #[error("{message}")]
    Incompatible { message: String },
    /// The local cache failed; details are in the log.
    #[error("{message}")]
    Cache { message: String },
    /// No session, or the server no longer accepts it: show the sign-in screen.
    #[error("{message}")]
    SignedOut { message: String },
    /// The OS keychain refused to store or read the session.
    #[error("{message}")]
    Keychain { message: String },
    /// The UI sent something that cannot be right (a malformed id or amount).
    #[error("{message}")]
    Invalid { message: String },
    /// The operating system has no app for this link (no dialer, mail or messaging app).
    #[error("{message}")]
    CannotOpen { message: String },
    /// Signing out would leave edits that only this computer has: ask the agent first.
    #[error("{message}")]
    UnsentEdits { count: u32, message: String },
    /// A CSV import could not go on: the problem says which step, the message what to do.
    #[error("{message}")]
    Import {
        problem: crate::import::ImportProblem,
        message: String,
    },
}

impl AppError {
    pub fn signed_out() -> Self {
        AppError::SignedOut {
            message: "Your session has ended. Please sign in again.".to_owned(),
        }
    }
}

impl From<crate::secrets::SecretsError> for AppError {
    fn from(err: crate::secrets::SecretsError) -> Self {
        tracing::error!(error = %err, "keychain error");
        AppError::Keychain {
            message: "Leadmart could not use the system keychain to keep you signed in. Unlock the keychain (or start your desktop's keyring) and try again.".to_owned(),
        }
    }
}

impl From<crate::api::ApiError> for AppError {
    fn from(err: crate::api::ApiError) -> Self {
        match err {
            crate::api::ApiError::Unreachable(_) => AppError::Offline {
                message:
                    "Could not reach the marketplace. Showing what was saved on this computer."
                        .to_owned(),
            },
            crate::api::ApiError::Api { code, message, .. } => {
                let api_code = ApiErrorCode::parse(&code);
                if api_code == ApiErrorCode::Unknown {
                    tracing::warn!(%code, "the API answered an error code this build does not know");
                }
                AppError::Server { api_code, message }
            }
            crate::api::ApiError::Protocol(detail) => {
                tracing::error!(%detail, "unexpected answer from the API");
                AppError::Incompatible {
                    message: "The marketplace sent an answer this version of Leadmart does not understand. Please update the app.".to_owned(),
                }
            }
            err @ crate::api::ApiError::InsecureUrl { .. } => AppError::Invalid {
                message: format!("Leadmart is misconfigured and will not connect: {err}."),
            },
        }
    }
}

impl From<crate::cache::CacheError> for AppError {
    fn from(err: crate::cache::CacheError) -> Self {
        match err {
            // The session that owned the data ended (or never began): not a fault of the cache.
            crate::cache::CacheError::SignedOut => return AppError::signed_out(),
            crate::cache::CacheError::Keychain(err) => return err.into(),
            _ => {}
        }
        tracing::error!(error = %err, "local cache error");
        AppError::Cache {
            message: "Leadmart could not read its local data. Restart the app; if this persists, sign out and in again to rebuild it.".to_owned(),
        }
    }
}
