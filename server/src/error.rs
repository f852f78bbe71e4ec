//! The API's error type: every failure leaves as `{ "error": { "code", "message" } }` with the
//! status that fits it. Internal details are logged, never sent.
//!
//! Every code comes from the one list the app shares, [`ApiErrorCode`], so a code the app does
//! not know cannot be sent. Domain refusals from `leadmart-shared` map to their own codes
//! (`PurchaseDenied`, `RefundDenied`); this module only decides their HTTP status.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use leadmart_shared::pipeline::TransitionError;
use leadmart_shared::purchase::PurchaseDenied;
use leadmart_shared::refund::RefundDenied;
use leadmart_shared::wire::{ApiErrorBody, ApiErrorDetail};

pub use leadmart_shared::error_code::ApiErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A malformed request (bad query parameter, unparsable cursor).
    #[error("{0}")]
    BadRequest(String),
    /// A refusal the client can act on, with its stable code.
    #[error("{message}")]
    Coded {
        status: StatusCode,
        code: ApiErrorCode,
        message: String,
    },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Stored data that breaks an invariant (a bug or a bad manual edit); logged, never shown.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// A failure of an outside service (the payment provider); logged, shown generically.
    #[error("upstream service failed: {0}")]
    Upstream(String),
    /// Too many attempts (sign-in throttling, web-form submissions): `429 rate_limited` with
    /// `Retry-After` seconds; `attempts` says what was limited ("failed sign-in attempts").
    #[error(
        "Too many {attempts}. Please wait {minutes} min before trying again.",
        minutes = .retry_after_secs.div_ceil(60)
    )]
    RateLimited {
        retry_after_secs: u64,
        attempts: &'static str,
    },
}

impl ApiError {
    pub fn corrupt(err: impl std::fmt::Display) -> Self {
        ApiError::Corrupt(err.to_string())
    }

    pub fn coded(status: StatusCode, code: ApiErrorCode, message: impl Into<String>) -> Self {
        ApiError::Coded {
            status,
            code,
            message: message.into(),
        }
    }

    /// No token, or a token that is unknown or expired.
    pub fn unauthorized() -> Self {
        Self::coded(
            StatusCode::UNAUTHORIZED,
            ApiErrorCode::Unauthorized,
            "Please sign in again.",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::coded(StatusCode::FORBIDDEN, ApiErrorCode::Forbidden, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::coded(
            StatusCode::NOT_FOUND,
            ApiErrorCode::NotFound,
            format!("{what} not found"),
        )
    }

    /// `attempts` is what was limited, in words; `wait` how long until the next is let in
    /// (rounded up to whole seconds, at least one: a client that waits exactly this long is
    /// let in).
    pub fn rate_limited(attempts: &'static str, wait: chrono::TimeDelta) -> Self {
        let retry_after_secs = u64::try_from((wait.num_milliseconds() + 999) / 1000)
            .unwrap_or(1)
            .max(1);
        ApiError::RateLimited {
            retry_after_secs,
            attempts,
        }
    }

    /// Input that parsed but breaks a rule (an invalid email, an unknown package).
    pub fn validation(message: impl Into<String>) -> Self {
        Self::coded(
            StatusCode::UNPROCESSABLE_ENTITY,
            ApiErrorCode::Validation,
            message,
        )
    }

    fn status_and_code(&self) -> (StatusCode, ApiErrorCode) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, ApiErrorCode::BadRequest),
            ApiError::Coded { status, code, .. } => (*status, *code),
            ApiError::Database(_) | ApiError::Corrupt(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, ApiErrorCode::Internal)
            }
            ApiError::Upstream(_) => (
                StatusCode::BAD_GATEWAY,
                ApiErrorCode::PaymentProviderUnavailable,
            ),
            ApiError::RateLimited { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, ApiErrorCode::RateLimited)
            }
        }
    }
}

impl From<PurchaseDenied> for ApiError {
    fn from(denied: PurchaseDenied) -> Self {
        use PurchaseDenied as D;
        let status = match denied {
            // Who the buyer is: no retry helps until their account changes.
            D::NotAnAgent | D::AgentNotVerified | D::AgentInactive => StatusCode::FORBIDDEN,
            D::InsufficientCredits { .. } => StatusCode::PAYMENT_REQUIRED,
            // The lead's state or the buyer's own settings stand in the way.
            D::LeadNotListed
            | D::LeadExpired
            | D::LeadSoldOut
            | D::AlreadyPurchased
            | D::CategoryNotServed
            | D::OutsideServiceArea
            | D::PerLeadMaxExceeded { .. }
            | D::DailyLimitReached { .. } => StatusCode::CONFLICT,
        };
        Self::coded(status, ApiErrorCode::from(&denied), denied.to_string())
    }
}

impl From<RefundDenied> for ApiError {
    fn from(denied: RefundDenied) -> Self {
        let status = match denied {
            RefundDenied::RefundNoteRequired { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            RefundDenied::RefundWindowClosed { .. } | RefundDenied::RefundAlreadyRequested => {
                StatusCode::CONFLICT
            }
        };
        Self::coded(status, ApiErrorCode::from(&denied), denied.to_string())
    }
}

impl From<TransitionError> for ApiError {
    fn from(err: TransitionError) -> Self {
        Self::coded(
            StatusCode::CONFLICT,
            ApiErrorCode::from(&err),
            err.to_string(),
        )
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
            ApiError::Upstream(_) => {
                tracing::error!(error = %self, "payment provider failed");
                "The payment provider could not be reached. Nothing was charged; please try again."
                    .to_owned()
            }
            other => other.to_string(),
        };
        let body = ApiErrorBody {
            error: ApiErrorDetail {
                code: code.as_str().to_owned(),
                message,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let ApiError::RateLimited {
            retry_after_secs, ..
        } = self
        {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(retry_after_secs),
            );
        }
        response
    }
}

/// A JSON body extractor whose rejection is our coded error instead of axum's plain text, so a
/// malformed body answers `{ "error": { "code": "validation", … } }` like everything else.
pub struct JsonBody<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for JsonBody<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(ApiError::validation(rejection.body_text())),
        }
    }
}

/// A query-string extractor whose rejection is our coded error (`400 bad_request` with the
/// reason) instead of axum's plain-text `400`: `?limit=-5` or `?budgetMin=NaN` answer in the
/// same `{ "error": { "code", "message" } }` shape as everything else.
pub struct QueryParams<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for QueryParams<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(QueryParams(value)),
            Err(rejection) => Err(ApiError::BadRequest(rejection.body_text())),
        }
    }
}

/// The answer for a path no route serves.
pub async fn no_such_route() -> ApiError {
    ApiError::not_found("route")
}

/// The answer for a route called with a method it does not serve.
pub async fn method_not_allowed() -> ApiError {
    ApiError::coded(
        StatusCode::METHOD_NOT_ALLOWED,
        ApiErrorCode::MethodNotAllowed,
        "this route does not accept that method",
    )
}
