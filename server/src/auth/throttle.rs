//! Sign-in throttling and the purging of dead auth rows.
//!
//! Failed sign-ins are rows of `sign_in_failures` (in the database, not in memory, so several
//! server processes behind one database agree). An account, and separately a caller's address,
//! with [`SignInLimits::max_failures`] failures inside [`SignInLimits::window`] is refused with
//! `429 rate_limited` and a `Retry-After` of the seconds until its oldest counted failure leaves
//! the window. While refused, no password is checked and no failure is added. The rows are
//! stored by [`super::store`].

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use chrono::{DateTime, Duration, Utc};

use super::store::{self, Counted};
use crate::db::Db;
use crate::error::ApiError;

/// How many failed sign-ins an account or an address may have in a sliding window.
#[derive(Debug, Clone)]
pub struct SignInLimits {
    pub max_failures: u32,
    pub window: Duration,
}

impl Default for SignInLimits {
    fn default() -> Self {
        Self {
            max_failures: 10,
            window: Duration::minutes(15),
        }
    }
}

/// The caller's IP address, when the server was started with connect info (`serve` does; a
/// router driven directly in a test does not, and then only the per-account limit applies).
#[derive(Debug, Clone, Copy)]
pub struct PeerAddress(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for PeerAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let peer = ConnectInfo::<SocketAddr>::from_request_parts(parts, state)
            .await
            .ok()
            .map(|ConnectInfo(addr)| addr.ip());
        Ok(PeerAddress(peer))
    }
}

/// Who is trying to sign in: the account as typed (trimmed, lower-cased, so case variants share
/// one budget) and the address it comes from.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub account: String,
    pub address: Option<String>,
}

impl Attempt {
    pub fn new(email: &str, peer: PeerAddress) -> Self {
        Self {
            account: email.trim().to_lowercase(),
            address: peer.0.map(|ip| ip.to_string()),
        }
    }
}

/// Refuses the attempt with `rate_limited` when its account or its address is over the limit.
pub async fn check(
    db: &Db,
    limits: &SignInLimits,
    attempt: &Attempt,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let mut retry_after: Option<Duration> = None;
    let account = limiting_failure(db, limits, Counted::Account, &attempt.account, now).await?;
    let address = match &attempt.address {
        Some(address) => limiting_failure(db, limits, Counted::Address, address, now).await?,
        None => None,
    };
    for failed_at in [account, address].into_iter().flatten() {
        let wait = failed_at + limits.window - now;
        retry_after = Some(retry_after.map_or(wait, |known| known.max(wait)));
    }
    match retry_after {
        Some(wait) => Err(ApiError::rate_limited("failed sign-in attempts", wait)),
        None => Ok(()),
    }
}

/// The failure whose expiry lifts the limit (the `max_failures`-th newest inside the window), or
/// `None` when fewer failures than the limit are counted.
async fn limiting_failure(
    db: &Db,
    limits: &SignInLimits,
    counted: Counted,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(offset) = limits.max_failures.checked_sub(1) else {
        // A limit of zero failures refuses everyone; treat it as "no limit" instead.
        return Ok(None);
    };
    store::failure_at(db, counted, key, now - limits.window, i64::from(offset)).await
}

/// Counts one failed sign-in against the account and the address.
pub async fn record_failure(
    db: &Db,
    attempt: &Attempt,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    store::insert_failure(db, &attempt.account, attempt.address.as_deref(), now).await
}

/// A successful sign-in wipes the account's failures (the address keeps its own: one good
/// password must not reset an address that is guessing at many accounts).
pub async fn clear_account(db: &Db, attempt: &Attempt) -> Result<(), ApiError> {
    store::delete_account_failures(db, &attempt.account).await
}

/// Deletes expired tokens and failures older than the window. Runs on every sign-in and refresh:
/// both are rare next to other requests, and the deletes use indexes on the time columns.
pub async fn purge(db: &Db, limits: &SignInLimits, now: DateTime<Utc>) -> Result<(), ApiError> {
    store::purge(db, now, now - limits.window).await
}
