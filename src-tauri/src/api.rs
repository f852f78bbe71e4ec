//! The HTTP client of the central API (reqwest over rustls). Knows URLs and the error envelope;
//! knows nothing of tauri or the cache.

use std::time::Duration;

use leadmart_shared::wire::{
    ApiErrorBody, AuthSession, LeadPage, MeDto, RefreshRequest, SignInRequest,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

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

impl ApiError {
    /// The server no longer accepts the token (expired, revoked, signed out elsewhere).
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, ApiError::Api { status: 401, .. })
    }
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
    pub async fn marketplace_leads(
        &self,
        access: Option<&str>,
        limit: u32,
    ) -> Result<LeadPage, ApiError> {
        let query = [("limit", limit.to_string())];
        self.send(
            Method::GET,
            "v1/marketplace/leads",
            access,
            &query,
            None::<&()>,
        )
        .await
    }

    pub async fn sign_in(&self, request: &SignInRequest) -> Result<AuthSession, ApiError> {
        self.send(Method::POST, "v1/auth/signin", None, &[], Some(request))
            .await
    }

    /// Trades a refresh token for a new session (the old refresh token is retired).
    pub async fn refresh(&self, refresh_token: &str) -> Result<AuthSession, ApiError> {
        let body = RefreshRequest {
            refresh_token: refresh_token.to_owned(),
        };
        self.send(Method::POST, "v1/auth/refresh", None, &[], Some(&body))
            .await
    }

    pub async fn sign_out(&self, refresh_token: &str) -> Result<(), ApiError> {
        let body = RefreshRequest {
            refresh_token: refresh_token.to_owned(),
        };
        let _: serde_json::Value = self
            .send(Method::POST, "v1/auth/signout", None, &[], Some(&body))
            .await?;
        Ok(())
    }

    pub async fn me(&self, access: &str) -> Result<MeDto, ApiError> {
        self.send(Method::GET, "v1/me", Some(access), &[], None::<&()>)
            .await
    }

    /// One JSON request: `access` becomes a bearer token, `query` the query string, `body` the
    /// JSON body; the answer is the JSON body or the API's error envelope.
    pub async fn send<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        access: Option<&str>,
        query: &[(&str, String)],
        body: Option<&B>,
    ) -> Result<T, ApiError> {
        self.send_with_headers(method, path, access, query, body, &[])
            .await
    }

    /// [`ApiClient::send`] with extra request headers (e.g. `Idempotency-Key`).
    pub async fn send_with_headers<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        access: Option<&str>,
        query: &[(&str, String)],
        body: Option<&B>,
        headers: &[(&str, &str)],
    ) -> Result<T, ApiError> {
        let mut url = self.url(path)?;
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (key, value) in query {
                pairs.append_pair(key, value);
            }
        }
        let mut request = self.http.request(method, url);
        if let Some(token) = access {
            request = request.bearer_auth(token);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(ApiError::Unreachable)?;
        read_json(response).await
    }

    fn url(&self, path: &str) -> Result<reqwest::Url, ApiError> {
        self.base_url
            .join(path)
            .map_err(|err| ApiError::Protocol(format!("bad API path {path:?}: {err}")))
    }
}

pub use reqwest::Method;

async fn read_json<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, ApiError> {
    let status = response.status();
    let bytes = response.bytes().await.map_err(ApiError::Unreachable)?;
    if status == reqwest::StatusCode::NO_CONTENT {
        return serde_json::from_slice(b"null")
            .map_err(|err| ApiError::Protocol(format!("empty {status} response: {err}")));
    }
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
