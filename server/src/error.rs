//! The API's error type: every failure leaves as `{ "error": { "code", "message" } }` with the
//! status that fits it. Internal details are logged, never sent.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use leadmart_shared::wire::{ApiErrorBody, ApiErrorDetail};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Stored data that breaks an invariant (a bug or a bad manual edit); logged, never shown.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

impl ApiError {
    pub fn corrupt(err: impl std::fmt::Display) -> Self {
        ApiError::Corrupt(err.to_string())
    }
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Database(_) | ApiError::Corrupt(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            ApiError::Database(_) | ApiError::Corrupt(_) => {
                tracing::error!(error = %self, "internal error while serving a request");
                "Something went wrong on our side. Please try again in a moment.".to_owned()
            }
            other => other.to_string(),
        };
        let body = ApiErrorBody {
            error: ApiErrorDetail {
                code: code.to_owned(),
                message,
            },
        };
        (status, Json(body)).into_response()
    }
}
