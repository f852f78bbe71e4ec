//! The signed-in session: tokens in the keychain ([`crate::secrets`]), the user and their own
//! cache file ([`crate::cache`]) while the session lives, and [`SessionManager::call`], the one
//! place that runs an authenticated API call and renews an expired access token.
//!
//! A session's cache is opened when the session starts (sign-in, or a restore from the keychain)
//! and closed when it ends — sign-out, a refresh token the server rejects, another user signing
//! in — so no code path can read one user's cached customers after their session is over.
//!
//! Renewal is single-flight: calls that see a 401 at the same time wait for one another on the
//! session lock, and only the first trades the refresh token; the rest retry with its result.

use std::future::Future;

use leadmart_shared::wire::{AuthSession, MeDto, SignInRequest};
use tokio::sync::Mutex;

use crate::api::{ApiClient, ApiError};
use crate::cache::{Cache, CacheFolder, Owner};
use crate::error::AppError;
use crate::secrets::{Sensitive, StoredSession, TokenStore, Tokens};

/// A live session: its tokens, its user, and that user's open cache.
#[derive(Debug)]
struct Active {
    tokens: Tokens,
    user: MeDto,
    cache: Cache,
}

/// Owns the session and the caches. `Debug` shows who is signed in, never a token.
#[derive(Debug)]
pub struct SessionManager {
    api: ApiClient,
    store: TokenStore,
    folder: CacheFolder,
    /// The signed-out visitor's cache: the public marketplace page only.
    signed_out: Cache,
    current: Mutex<Option<Active>>,
    /// Who is signed in (their user id), for work that lives as long as a session does (the
    /// live events stream): it changes when a session starts or ends, never with a renewal.
    signed_in: tokio::sync::watch::Sender<Option<String>>,
    /// The signed-in agent's briefcase sync ([`crate::sync`]).
    sync: crate::sync::SyncEngine,
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, crate::secrets::SecretsError> + Send + 'static,
) -> Result<T, AppError> {
    Ok(crate::secrets::blocking(work).await?)
}

fn tokens_of(session: &AuthSession) -> Tokens {
    Tokens {
        access: Sensitive::new(session.access_token.clone()),
        refresh: Sensitive::new(session.refresh_token.clone()),
    }
}

impl SessionManager {
    /// A signed-out manager over the caches in `folder` (the session itself is restored from
    /// the keychain on first use).
    pub async fn open(
        api: ApiClient,
        store: TokenStore,
        folder: CacheFolder,
    ) -> Result<Self, AppError> {
        let signed_out = folder.open(Owner::SignedOut).await?;
        Ok(Self {
            api,
            store,
            folder,
            signed_out,
            current: Mutex::new(None),
            signed_in: tokio::sync::watch::Sender::new(None),
            sync: crate::sync::SyncEngine::default(),
        })
    }

    /// Follows who is signed in (a user id, `None` when nobody is); see
    /// [`SessionManager::current_user`] for the restore from the keychain.
    pub fn watch_user(&self) -> tokio::sync::watch::Receiver<Option<String>> {
        self.signed_in.subscribe()
    }

    /// Tells [`SessionManager::watch_user`]'s receivers who holds `current` now (only when
    /// that changed). Called wherever the session changes hands, with its lock held.
    fn announce(&self, current: &Option<Active>) {
        let user = current.as_ref().map(|active| active.user.id.clone());
        let changed = self.signed_in.send_if_modified(|was| {
            let changed = *was != user;
            *was = user;
            changed
        });
        if changed {
            self.sync.reset();
        }
    }

    pub fn sync(&self) -> &crate::sync::SyncEngine {
        &self.sync
    }

    pub fn api(&self) -> &ApiClient {
        &self.api
    }

    /// The cache of whoever is signed in (restoring the session from the keychain on first
    /// use), or the signed-out visitor's when nobody is. Operations take it once, at their start:
    /// if the session ends meanwhile, the handle is closed and answers [`AppError::SignedOut`].
    pub async fn cache(&self) -> Result<Cache, AppError> {
        // Restores from the keychain the first time; errors mean "not signed in" here.
        let _ = self.current_user().await;
        Ok(match self.current.lock().await.as_ref() {
            Some(active) => active.cache.clone(),
            None => self.signed_out.clone(),
        })
    }

    /// Who is signed in, restoring the session from the keychain on first use. Offline, the
    /// user the keychain entry names stands in (from their own cache) until the API can
    /// confirm the tokens.
    pub async fn current_user(&self) -> Result<Option<MeDto>, AppError> {
        let mut current = self.current.lock().await;
        if let Some(active) = current.as_ref() {
            return Ok(Some(active.user.clone()));
        }
        let store = self.store.clone();
        let Some(stored) = blocking(move || store.load()).await? else {
            return Ok(None);
        };
        let restored = match self.api.me(stored.tokens.access.expose()).await {
            Ok(user) => Some(self.start(stored.tokens, user).await?),
            Err(err) if err.is_unauthorized() => match self.renew(&stored.tokens).await? {
                Some(session) => Some(self.start(tokens_of(&session), session.user).await?),
                None => None,
            },
            Err(ApiError::Unreachable(_)) => self.restore_offline(stored).await?,
            Err(other) => return Err(other.into()),
        };
        *current = restored;
        self.announce(&current);
        Ok(current.as_ref().map(|active| active.user.clone()))
    }

    /// The stored session's user from their own cache, without the server.
    async fn restore_offline(&self, stored: StoredSession) -> Result<Option<Active>, AppError> {
        let Some(user_id) = stored.user_id else {
            return Ok(None);
        };
        let cache = self.folder.open(Owner::User(user_id)).await?;
        match cache.signed_in_user().await? {
            Some(user) => Ok(Some(Active {
                tokens: stored.tokens,
                user,
                cache,
            })),
            None => {
                cache.close().await;
                Ok(None)
            }
        }
    }

    /// Signs in; a previous user's session, if any, ends first (and its cache closes).
    pub async fn sign_in(&self, email: String, password: String) -> Result<MeDto, AppError> {
        let request = SignInRequest { email, password };
        let session = self.api.sign_in(&request).await?;
        let mut current = self.current.lock().await;
        let previous = current.take();
        let active = match previous {
            Some(previous) if previous.user.id == session.user.id => {
                // The same user again: keep their open cache, take the new tokens.
                let active = Active {
                    tokens: tokens_of(&session),
                    user: session.user.clone(),
                    cache: previous.cache,
                };
                self.save(&active).await?;
                active
            }
            previous => {
                // Another user's session ends before this one starts (which may fail).
                self.announce(&current);
                if let Some(previous) = previous {
                    previous.cache.close().await;
                }
                self.start(tokens_of(&session), session.user).await?
            }
        };
        let user = active.user.clone();
        *current = Some(active);
        self.announce(&current);
        Ok(user)
    }

    /// Signs out here and on the server (best effort: offline, the server's refresh token simply
    /// expires). The user's cache file closes; it stays on disk for their next sign-in.
    pub async fn sign_out(&self) -> Result<(), AppError> {
        let mut current = self.current.lock().await;
        if let Some(active) = current.take() {
            self.announce(&current);
            active.cache.close().await;
            if let Err(err) = self.api.sign_out(active.tokens.refresh.expose()).await {
                tracing::info!(error = %err, "server sign-out failed; the token will expire");
            }
        }
        let store = self.store.clone();
        blocking(move || store.clear()).await?;
        Ok(())
    }

    /// Runs `call` with the current access token (`None` when signed out). If the server says
    /// the token is no longer valid, renews it (once for all calls that saw it fail) and tries
    /// again; if the server refuses the renewal, the session ends.
    pub async fn call<T, F, Fut>(&self, call: F) -> Result<T, AppError>
    where
        F: Fn(Option<String>) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let Some(token) = self.access_token().await else {
            return Ok(call(None).await?);
        };
        match call(Some(token.clone())).await {
            Err(err) if err.is_unauthorized() => match self.renewed_after(&token).await? {
                Some(renewed) => Ok(call(Some(renewed)).await?),
                None => Err(AppError::signed_out()),
            },
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

    /// The access token to retry with after the server refused `rejected`. Under the session
    /// lock: when another call already renewed (the token changed while this one waited), its
    /// token is the answer and no second refresh is sent. `None` when the session is over.
    async fn renewed_after(&self, rejected: &str) -> Result<Option<String>, AppError> {
        let mut current = self.current.lock().await;
        let Some(active) = current.as_mut() else {
            return Ok(None);
        };
        if active.tokens.access.expose() != rejected {
            return Ok(Some(active.tokens.access.expose().clone()));
        }
        match self.renew(&active.tokens).await? {
            Some(session) => {
                active.tokens = tokens_of(&session);
                active.user = session.user;
                self.save(active).await?;
                Ok(Some(active.tokens.access.expose().clone()))
            }
            None => {
                if let Some(ended) = current.take() {
                    self.announce(&current);
                    ended.cache.close().await;
                }
                Ok(None)
            }
        }
    }

    /// Trades the refresh token for a new session; `None` (and a cleared keychain) when the
    /// server no longer accepts it. Unreachable or failing servers leave everything as it was.
    async fn renew(&self, tokens: &Tokens) -> Result<Option<AuthSession>, AppError> {
        match self.api.refresh(tokens.refresh.expose()).await {
            Ok(session) => Ok(Some(session)),
            Err(err) if err.is_unauthorized() => {
                tracing::info!("the server ended this session; signing out here too");
                let store = self.store.clone();
                blocking(move || store.clear()).await?;
                Ok(None)
            }
            Err(other) => Err(other.into()),
        }
    }

    /// Starts `user`'s session: opens their own cache and saves the session.
    async fn start(&self, tokens: Tokens, user: MeDto) -> Result<Active, AppError> {
        let cache = self.folder.open(Owner::User(user.id.clone())).await?;
        let active = Active {
            tokens,
            user,
            cache,
        };
        self.save(&active).await?;
        Ok(active)
    }

    /// Keeps the session in the keychain and the user's profile in their cache.
    async fn save(&self, active: &Active) -> Result<(), AppError> {
        let stored = StoredSession {
            tokens: active.tokens.clone(),
            user_id: Some(active.user.id.clone()),
        };
        let store = self.store.clone();
        blocking(move || store.save(&stored)).await?;
        active.cache.remember_user(&active.user).await?;
        Ok(())
    }
}
