//! The HTTP client of the central API (reqwest over rustls). Knows URLs and the error envelope;
//! knows nothing of tauri or the cache.

use std::time::Duration;

use leadmart_shared::wire::{ApiErrorBody, LeadPage};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No answer: connection refused, DNS, timeout.
    #[error("the API is unreachable: {0}")]
    Unreachable(#[source] reqwest::Error),
    /// The API answered with its `{ error: { code, message } }` envelope.
    #[error("the API said {code}: {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    /// The API answered something this client cannot read.
    #[error("unexpected API response: {0}")]
    Protocol(String),
}

#[derive(Debug, Clone)]
pub struct ApiClient {
    base_url: reqwest::Url,
    http: reqwest::Client,
}

impl ApiClient {
    pub fn new(base_url: &str) -> Result<Self, ApiError> {
        let base_url = reqwest::Url::parse(base_url)
            .map_err(|err| ApiError::Protocol(format!("bad API URL {base_url:?}: {err}")))?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .user_agent(concat!("leadmart-app/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| ApiError::Protocol(format!("HTTP client: {err}")))?;
        Ok(Self { base_url, http })
    }

    /// The first page of the marketplace feed.
    pub async fn marketplace_leads(&self, limit: u32) -> Result<LeadPage, ApiError> {
        let mut url = self.url("v1/marketplace/leads")?;
        url.query_pairs_mut()
            .append_pair("limit", &limit.to_string());
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(ApiError::Unreachable)?;
        read_json(response).await
    }

    fn url(&self, path: &str) -> Result<reqwest::Url, ApiError> {
        self.base_url
            .join(path)
            .map_err(|err| ApiError::Protocol(format!("bad API path {path:?}: {err}")))
    }
}

async fn read_json<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, ApiError> {
    let status = response.status();
    let bytes = response.bytes().await.map_err(ApiError::Unreachable)?;
    if status.is_success() {
        return serde_json::from_slice(&bytes)
            .map_err(|err| ApiError::Protocol(format!("body of a {status} response: {err}")));
    }
    match serde_json::from_slice::<ApiErrorBody>(&bytes) {
        Ok(body) => Err(ApiError::Api {
            status: status.as_u16(),
            code: body.error.code,
            message: body.error.message,
        }),
        Err(_) => Err(ApiError::Protocol(format!(
            "{status} without an error body"
        ))),
    }
}
