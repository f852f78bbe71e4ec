//! Email verification of uploaded leads, chosen at start-up and never by default
//! ([`EmailVerification`]): [`LocalVerifier`] runs the shared local checks (no network);
//! [`MillionVerifier`] asks MillionVerifier's single-address API, its results mapped by the
//! shared verdict. Without a choice, uploaded leads keep `pending` (nothing claims a check that
//! did not run).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use leadmart_shared::contact::Email;
use leadmart_shared::lead::VerificationStatus;
use leadmart_shared::verification::{LocalChecks, local_verdict, millionverifier_verdict};

/// The server's email verification.
#[derive(Clone, Default)]
pub enum EmailVerification {
    /// Nothing verifies: uploaded leads stay `pending`.
    #[default]
    NotConfigured,
    Local(Arc<LocalVerifier>),
    MillionVerifier(Arc<MillionVerifier>),
}

impl EmailVerification {
    pub fn local() -> Self {
        EmailVerification::Local(Arc::new(LocalVerifier::default()))
    }

    pub fn provider(&self) -> Option<&dyn EmailVerifier> {
        match self {
            EmailVerification::NotConfigured => None,
            EmailVerification::Local(local) => Some(local.as_ref()),
            EmailVerification::MillionVerifier(mv) => Some(mv.as_ref()),
        }
    }

    /// The verdicts on `emails`, in order (`pending` for each when nothing verifies).
    pub async fn verify_all(&self, emails: &[Option<&Email>]) -> Vec<VerificationStatus> {
        let Some(provider) = self.provider() else {
            return vec![VerificationStatus::Pending; emails.len()];
        };
        provider.verify_all(emails).await
    }
}

pub type VerifyFuture<'a> = Pin<Box<dyn Future<Output = Vec<VerificationStatus>> + Send + 'a>>;

pub trait EmailVerifier: Send + Sync {
    /// One verdict per entry (`pending` for `None`, an address the row did not have, and for
    /// an address the provider could not check).
    fn verify_all<'a>(&'a self, emails: &'a [Option<&'a Email>]) -> VerifyFuture<'a>;
}

/// The shared local checks: syntax (already proven by `Email`), reserved and malformed
/// domains, disposable-mail domains, role mailboxes.
#[derive(Debug, Default)]
pub struct LocalVerifier {
    pub checks: LocalChecks,
}

impl EmailVerifier for LocalVerifier {
    fn verify_all<'a>(&'a self, emails: &'a [Option<&'a Email>]) -> VerifyFuture<'a> {
        Box::pin(async move {
            emails
                .iter()
                .map(|e| {
                    e.map_or(VerificationStatus::Pending, |e| {
                        local_verdict(e, &self.checks)
                    })
                })
                .collect()
        })
    }
}

/// MillionVerifier's single-address API (`GET {base}/api/v3/?api=KEY&email=…&timeout=…`),
/// a few requests at a time.
pub struct MillionVerifier {
    client: reqwest::Client,
    base_url: String,
    api_key: String,
    concurrency: usize,
}

impl MillionVerifier {
    /// `base_url` is `https://api.millionverifier.com` in production.
    pub fn new(base_url: &str, api_key: &str) -> Self {
        Self {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap_or_default(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key: api_key.to_owned(),
            concurrency: 8,
        }
    }

    async fn verify_maybe(&self, email: Option<&Email>) -> VerificationStatus {
        match email {
            Some(email) => self.verify_one(email).await,
            None => VerificationStatus::Pending,
        }
    }

    async fn verify_one(&self, email: &Email) -> VerificationStatus {
        #[derive(serde::Deserialize)]
        struct Answer {
            #[serde(default)]
            result: String,
        }
        let url = match reqwest::Url::parse_with_params(
            &format!("{}/api/v3/", self.base_url),
            &[
                ("api", self.api_key.as_str()),
                ("email", email.as_str()),
                ("timeout", "10"),
            ],
        ) {
            Ok(url) => url,
            Err(e) => {
                tracing::warn!(error = %e, "MillionVerifier's address is not a URL");
                return VerificationStatus::Pending;
            }
        };
        let answer = self
            .client
            .get(url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status);
        match answer {
            Ok(response) => match response.json::<Answer>().await {
                Ok(answer) => millionverifier_verdict(&answer.result),
                Err(e) => {
                    tracing::warn!(error = %e, "MillionVerifier answered something unreadable");
                    VerificationStatus::Pending
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, "MillionVerifier could not be reached");
                VerificationStatus::Pending
            }
        }
    }
}

impl EmailVerifier for MillionVerifier {
    fn verify_all<'a>(&'a self, emails: &'a [Option<&'a Email>]) -> VerifyFuture<'a> {
        Box::pin(async move {
            let mut verdicts = Vec::with_capacity(emails.len());
            for group in emails.chunks(self.concurrency.max(1)) {
                let checks = group.iter().map(|e| self.verify_maybe(*e));
                verdicts.extend(futures_util::future::join_all(checks).await);
            }
            verdicts
        })
    }
}
