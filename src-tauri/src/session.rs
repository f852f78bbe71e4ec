//! The signed-in session: tokens in the keychain ([`crate::secrets`]), the user in memory and in
//! the cache (so a restart while offline still knows who is signed in), and [`SessionManager::call`],
//! the one place that runs an authenticated API call and renews an expired access token once.

use std::future::Future;

use leadmart_shared::wire::{AuthSession, MeDto, SignInRequest};
use tokio::sync::Mutex;

use crate::api::{ApiClient, ApiError};
use crate::cache::Cache;
use crate::error::AppError;
use crate::secrets::{Sensitive, TokenStore, Tokens};

#[derive(Debug, Clone)]
struct Active {
    tokens: Tokens,
    user: MeDto,
}

pub struct SessionManager {
    api: ApiClient,
    store: TokenStore,
    cache: Cache,
    current: Mutex<Option<Active>>,
}

/// Keychain calls block (D-Bus, Security framework): keep them off the async runtime's threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, crate::secrets::SecretsError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| AppError::Keychain {
            message: format!("The keychain task failed: {err}"),
        })?
        .map_err(AppError::from)
}

fn tokens_of(session: &AuthSession) -> Tokens {
    Tokens {
        access: Sensitive::new(session.access_token.clone()),
        refresh: Sensitive::new(session.refresh_token.clone()),
    }
}

impl SessionManager {
    pub fn new(api: ApiClient, store: TokenStore, cache: Cache) -> Self {
        Self {
            api,
            store,
            cache,
            current: Mutex::new(None),
        }
    }

    pub fn api(&self) -> &ApiClient {
        &self.api
    }

    /// Who is signed in, restoring the session from the keychain on first use. Offline, the
    /// user remembered by the cache stands in until the API can confirm the tokens.
    pub async fn current_user(&self) -> Result<Option<MeDto>, AppError> {
        let mut current = self.current.lock().await;
        if let Some(active) = current.as_ref() {
            return Ok(Some(active.user.clone()));
        }
        let store = self.store.clone();
        let Some(tokens) = blocking(move || store.load()).await? else {
            return Ok(None);
        };
        let user = match self.api.me(tokens.access.expose()).await {
            Ok(user) => Some(Active { tokens, user }),
            Err(err) if err.is_unauthorized() => self.renew(tokens).await?,
            Err(ApiError::Unreachable(_)) => self
                .cache
                .signed_in_user()
                .await?
                .map(|user| Active { tokens, user }),
            Err(other) => return Err(other.into()),
        };
        *current = user.clone();
        Ok(user.map(|active| active.user))
    }

    pub async fn sign_in(&self, email: String, password: String) -> Result<MeDto, AppError> {
        let request = SignInRequest { email, password };
        let session = self.api.sign_in(&request).await?;
        let active = self.adopt(&session).await?;
        Ok(active.user)
    }

    /// Signs out here and on the server (best effort: offline, the server's refresh token simply
    /// expires), and forgets the user's cached data.
    pub async fn sign_out(&self) -> Result<(), AppError> {
        let mut current = self.current.lock().await;
        if let Some(active) = current.take()
            && let Err(err) = self.api.sign_out(active.tokens.refresh.expose()).await
        {
            tracing::info!(error = %err, "server sign-out failed; the token will expire");
        }
        let store = self.store.clone();
        blocking(move || store.clear()).await?;
        self.cache.forget_user().await?;
        Ok(())
    }

    /// Runs `call` with the current access token (`None` when signed out). If the server says
    /// the token is no longer valid, renews it once with the refresh token and tries again.
    pub async fn call<T, F, Fut>(&self, call: F) -> Result<T, AppError>
    where
        F: Fn(Option<String>) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let token = self.access_token().await;
        let signed_in = token.is_some();
        match call(token).await {
            Err(err) if signed_in && err.is_unauthorized() => {
                let renewed = {
                    let mut current = self.current.lock().await;
                    let Some(active) = current.take() else {
                        return Err(AppError::signed_out());
                    };
                    let renewed = self.renew(active.tokens).await?;
                    *current = renewed.clone();
                    renewed
                };
                match renewed {
                    Some(active) => Ok(call(Some(active.tokens.access.expose().clone())).await?),
                    None => Err(AppError::signed_out()),
                }
            }
            other => Ok(other?),
        }
    }

    /// Like [`SessionManager::call`], for calls only a signed-in user may make: without a session
    /// it fails with [`AppError::SignedOut`] before touching the network.
    pub async fn call_signed_in<T, F, Fut>(&self, call: F) -> Result<T, AppError>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        if self.access_token().await.is_none() {
            return Err(AppError::signed_out());
        }
        self.call(|token| {
            let attempt = token.map(&call);
            async move {
                match attempt {
                    Some(request) => request.await,
                    None => Err(ApiError::Api {
                        status: 401,
                        code: "unauthorized".to_owned(),
                        message: "Please sign in again.".to_owned(),
                    }),
                }
            }
        })
        .await
    }

    /// One signed-in JSON request to the API (see [`ApiClient::send`]).
    pub async fn request<T, B>(
        &self,
        method: crate::api::Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
    ) -> Result<T, AppError>
    where
        T: serde::de::DeserializeOwned,
        B: serde::Serialize + ?Sized,
    {
        let api = &self.api;
        self.call_signed_in(|token| {
            let method = method.clone();
            async move { api.send(method, path, Some(&token), query, body).await }
        })
        .await
    }

    /// For `cargo xtask run` and demos: with no stored session and both
    /// `LEADMART_SIGN_IN_EMAIL` and `LEADMART_SIGN_IN_PASSWORD` set, signs in with them.
    /// Returns whether it signed in.
    pub async fn sign_in_from_env(&self) -> Result<bool, AppError> {
        let (Ok(email), Ok(password)) = (
            std::env::var("LEADMART_SIGN_IN_EMAIL"),
            std::env::var("LEADMART_SIGN_IN_PASSWORD"),
        ) else {
            return Ok(false);
        };
        if email.is_empty() || self.current_user().await?.is_some() {
            return Ok(false);
        }
        self.sign_in(email, password).await?;
        Ok(true)
    }

    async fn access_token(&self) -> Option<String> {
        if self.current.lock().await.is_none() {
            // Restores from the keychain the first time; errors mean "not signed in" here.
            let _ = self.current_user().await;
        }
        self.current
            .lock()
            .await
            .as_ref()
            .map(|active| active.tokens.access.expose().clone())
    }

    /// Trades the refresh token for a new session; `None` (and a cleared keychain) when the
    /// server no longer accepts it.
    async fn renew(&self, tokens: Tokens) -> Result<Option<Active>, AppError> {
        match self.api.refresh(tokens.refresh.expose()).await {
            Ok(session) => Ok(Some(self.store_session(&session).await?)),
            Err(err) if err.is_unauthorized() => {
                let store = self.store.clone();
                blocking(move || store.clear()).await?;
                Ok(None)
            }
            Err(other) => Err(other.into()),
        }
    }

    async fn adopt(&self, session: &AuthSession) -> Result<Active, AppError> {
        let active = self.store_session(session).await?;
        *self.current.lock().await = Some(active.clone());
        Ok(active)
    }

    async fn store_session(&self, session: &AuthSession) -> Result<Active, AppError> {
        let tokens = tokens_of(session);
        let store = self.store.clone();
        let saved = tokens.clone();
        blocking(move || store.save(&saved)).await?;
        self.cache.remember_user(&session.user).await?;
        Ok(Active {
            tokens,
            user: session.user.clone(),
        })
    }
}
