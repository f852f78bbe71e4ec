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
    /// The configured API address would carry tokens in clear over the network.
    #[error(
        "refusing the API address {url}: use https:// (plain http:// is allowed only on this computer's loopback)"
    )]
    InsecureUrl { url: String },
}

#[derive(Debug, Clone)]
pub struct ApiClient {
    base_url: reqwest::Url,
    http: reqwest::Client,
    /// For the endless `GET /v1/events`: no overall timeout, but a stream silent for longer
    /// than three of the server's keep-alives is taken for dead.
    events_http: reqwest::Client,
}

/// The server sends a keep-alive comment every 15 s on a quiet stream.
const EVENTS_READ_TIMEOUT: Duration = Duration::from_secs(45);

impl ApiError {
    /// The server no longer accepts the token (expired, revoked, signed out elsewhere).
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, ApiError::Api { status: 401, .. })
    }
}

/// Whether requests to `url` may carry tokens: `https://` anywhere, `http://` only to loopback
/// (`localhost`, `127.0.0.0/8`, `[::1]`), where no network is crossed.
pub fn check_transport(url: &reqwest::Url) -> Result<(), ApiError> {
    let loopback = || {
        let host = url.host_str().unwrap_or_default();
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        host.eq_ignore_ascii_case("localhost")
            || bare
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback() => Ok(()),
        _ => Err(ApiError::InsecureUrl {
            url: url.to_string(),
        }),
    }
}

impl ApiClient {
    /// A client of the API at `base_url`. An address refused by [`check_transport`] still makes
    /// a client, so the app can start and say what is wrong; every request it would send fails
    /// with [`ApiError::InsecureUrl`] before a connection is opened.
    pub fn new(base_url: &str) -> Result<Self, ApiError> {
        let base_url = reqwest::Url::parse(base_url)
            .map_err(|err| ApiError::Protocol(format!("bad API URL {base_url:?}: {err}")))?;
        if let Err(refused) = check_transport(&base_url) {
            tracing::error!(error = %refused, "the API address is refused");
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .user_agent(concat!("leadmart-app/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| ApiError::Protocol(format!("HTTP client: {err}")))?;
        let events_http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .read_timeout(EVENTS_READ_TIMEOUT)
            .user_agent(concat!("leadmart-app/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| ApiError::Protocol(format!("HTTP client: {err}")))?;
        Ok(Self {
            base_url,
            http,
            events_http,
        })
    }

    /// Opens `GET /v1/events` (Server-Sent Events) with `access`, resuming after `last_id` when
    /// given. Answers the open response, whose body is the stream; the API's error envelope
    /// (a `401` for an expired token) otherwise.
    pub async fn open_events(
        &self,
        access: &str,
        last_id: Option<i64>,
    ) -> Result<reqwest::Response, ApiError> {
        let mut request = self
            .events_http
            .get(self.url("v1/events")?)
            .bearer_auth(access)
            .header(reqwest::header::ACCEPT, "text/event-stream");
        if let Some(last) = last_id {
            request = request.header("Last-Event-ID", last.to_string());
        }
        let response = request.send().await.map_err(ApiError::Unreachable)?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(read_json::<serde_json::Value>(response)
            .await
            .err()
            .unwrap_or_else(|| ApiError::Protocol("an error status with a JSON body".into())))
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

    /// Every request's URL comes from here, so none leaves over a refused transport.
    fn url(&self, path: &str) -> Result<reqwest::Url, ApiError> {
        check_transport(&self.base_url)?;
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

#[cfg(test)]
mod tests {
    use super::{ApiClient, ApiError, check_transport};

    fn check(raw: &str) -> Result<(), ApiError> {
        check_transport(&reqwest::Url::parse(raw).expect("a URL"))
    }

    #[test]
    fn plain_http_is_allowed_only_on_loopback() {
        for allowed in [
            "http://127.0.0.1:8710",
            "http://127.3.4.5/",
            "http://localhost:8710",
            "http://LOCALHOST",
            "http://[::1]:8710",
            "https://api.leadmart.example",
            "https://203.0.113.7",
        ] {
            assert!(
                check(allowed).is_ok(),
                "{allowed} sends nothing in clear over a network"
            );
        }
        for refused in [
            "http://example.com",
            "http://192.168.1.10:8710",
            "http://[2001:db8::1]",
            "http://localhost.example.com",
            "ftp://127.0.0.1",
        ] {
            assert!(
                matches!(check(refused), Err(ApiError::InsecureUrl { .. })),
                "{refused} would carry tokens in clear: refused with the typed error"
            );
        }
    }

    #[tokio::test]
    async fn a_client_of_an_insecure_address_sends_nothing() {
        let client = ApiClient::new("http://example.com").expect("the app still starts");
        let request = leadmart_shared::wire::SignInRequest {
            email: "asha@example.in".to_owned(),
            password: "a password".to_owned(),
        };
        let err = client.sign_in(&request).await.expect_err("refused");
        assert!(
            matches!(&err, ApiError::InsecureUrl { url } if url == "http://example.com/"),
            "the password never leaves in clear; the error names the address: {err:?}"
        );
        let shown = crate::error::AppError::from(err);
        assert!(
            matches!(&shown, crate::error::AppError::Invalid { message } if message.contains("https://")),
            "the sign-in screen says what to fix: {shown:?}"
        );
    }
}
