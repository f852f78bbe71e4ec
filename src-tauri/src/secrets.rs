//! The session's tokens, kept only in the OS keychain (Windows Credential Manager, macOS
//! Keychain, Linux Secret Service — or the kernel keyring where no Secret Service runs, and in
//! tests). Never in the cache, a config file or a log.

use serde::{Deserialize, Serialize};

/// A value that must never be printed: `Debug` shows `<redacted>`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> std::fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// What a signed-in app holds: a short-lived access token and the refresh token that renews it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub access: Sensitive<String>,
    pub refresh: Sensitive<String>,
}

/// What the keychain keeps for a session: its tokens and whose they are, so an app restarted
/// offline opens that user's cache (and no other) before the server can confirm the tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSession {
    #[serde(flatten)]
    pub tokens: Tokens,
    /// `None` in entries written before caches were per user: such a session is restored only
    /// once the server names its user.
    #[serde(default)]
    pub user_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("the system keychain refused: {0}")]
    Keychain(#[from] keyring::Error),
    #[error("the stored session is unreadable: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("the system's random source failed: {0}")]
    Random(String),
    #[error("the keychain task failed: {0}")]
    Task(String),
}

/// Which keychain this process uses; chosen once at start-up by [`choose_backend`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The platform's own keychain (Secret Service on Linux).
    Platform,
    /// Linux kernel keyutils: `LEADMART_KEYRING=keyutils`, or no Secret Service running.
    KernelKeyring,
}

const SERVICE: &str = "com.leadmart.desktop";

/// Picks the keychain. On Linux without a Secret Service (a bare window manager, CI), tokens go
/// to the kernel keyring of the login session instead of failing sign-in.
pub fn choose_backend() -> Backend {
    #[cfg(target_os = "linux")]
    {
        let forced = std::env::var("LEADMART_KEYRING").is_ok_and(|v| v == "keyutils");
        if forced || !secret_service_available() {
            return use_kernel_keyring();
        }
    }
    Backend::Platform
}

/// Stores sessions in the Linux kernel keyring (keyutils) from now on.
#[cfg(target_os = "linux")]
pub fn use_kernel_keyring() -> Backend {
    keyring::set_default_credential_builder(keyring::keyutils::default_credential_builder());
    Backend::KernelKeyring
}

#[cfg(target_os = "linux")]
fn secret_service_available() -> bool {
    match keyring::Entry::new(SERVICE, "probe").and_then(|entry| entry.get_password()) {
        Ok(_) | Err(keyring::Error::NoEntry) => true,
        Err(_) => false,
    }
}

/// Keychain calls block (D-Bus, Security framework): runs one off the async runtime's threads.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, SecretsError> + Send + 'static,
) -> Result<T, SecretsError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| SecretsError::Task(err.to_string()))?
}

/// One keychain entry of this app: a secret string under an account name.
#[derive(Debug, Clone)]
struct KeychainEntry {
    account: String,
}

impl KeychainEntry {
    fn entry(&self) -> Result<keyring::Entry, SecretsError> {
        Ok(keyring::Entry::new(SERVICE, &self.account)?)
    }

    fn save(&self, secret: &str) -> Result<(), SecretsError> {
        self.entry()?.set_password(secret)?;
        Ok(())
    }

    fn load(&self) -> Result<Option<Sensitive<String>>, SecretsError> {
        match self.entry()?.get_password() {
            Ok(secret) => Ok(Some(Sensitive::new(secret))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    fn clear(&self) -> Result<(), SecretsError> {
        match self.entry()?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }
}

/// The keychain entry holding the session for one API (one entry per server URL, so a demo
/// server and production never share tokens).
#[derive(Debug, Clone)]
pub struct TokenStore {
    entry: KeychainEntry,
}

impl TokenStore {
    pub fn for_api(api_url: &str) -> Self {
        Self {
            entry: KeychainEntry {
                account: format!("session:{api_url}"),
            },
        }
    }

    pub fn save(&self, session: &StoredSession) -> Result<(), SecretsError> {
        let json = Sensitive::new(serde_json::to_string(session)?);
        self.entry.save(json.expose())
    }

    /// The stored session, or `None` when signed out.
    pub fn load(&self) -> Result<Option<StoredSession>, SecretsError> {
        match self.entry.load()? {
            Some(json) => Ok(Some(serde_json::from_str(json.expose())?)),
            None => Ok(None),
        }
    }

    pub fn clear(&self) -> Result<(), SecretsError> {
        self.entry.clear()
    }
}

/// The key of one encrypted cache file (one entry per file path): 256 random bits, as the 64 hex
/// digits SQLCipher takes as a raw key. It lives only in the keychain, never beside the file.
#[derive(Debug, Clone)]
pub struct CacheKeyStore {
    entry: KeychainEntry,
}

impl CacheKeyStore {
    pub fn for_file(path: &std::path::Path) -> Self {
        Self {
            entry: KeychainEntry {
                account: format!("cache-key:{}", path.display()),
            },
        }
    }

    pub fn load(&self) -> Result<Option<Sensitive<String>>, SecretsError> {
        self.entry.load()
    }

    pub fn save(&self, key: &Sensitive<String>) -> Result<(), SecretsError> {
        self.entry.save(key.expose())
    }

    /// Forgets the key (its file becomes unreadable): what a keychain reset does.
    pub fn clear(&self) -> Result<(), SecretsError> {
        self.entry.clear()
    }
}

/// A new cache key from the OS's random source.
pub fn new_cache_key() -> Result<Sensitive<String>, SecretsError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|err| SecretsError::Random(err.to_string()))?;
    let hex = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    Ok(Sensitive::new(hex))
}
