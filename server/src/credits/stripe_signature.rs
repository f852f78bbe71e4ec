//! Stripe's webhook signature: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, where
//! each `v1` is HMAC-SHA256 of `"<t>.<raw body>"` keyed with the endpoint's signing secret
//! (several `v1` entries appear while a secret is being rolled). A signature is accepted when
//! any `v1` matches, compared in constant time, and `t` is within the tolerance of `now`, so a
//! captured request cannot be replayed later.

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Stripe's own libraries accept five minutes of clock difference.
pub const DEFAULT_TOLERANCE: Duration = Duration::seconds(300);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Stripe-Signature header has no timestamp")]
    NoTimestamp,
    #[error("the Stripe-Signature header has no v1 signature")]
    NoSignature,
    #[error("the signature's timestamp is {seconds} s away from now, beyond the tolerance")]
    OutsideTolerance { seconds: i64 },
    #[error("no signature matches the payload")]
    Mismatch,
}

fn mac_of(secret: &str, timestamp: i64, payload: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac
}

/// Checks `header` against the raw request body `payload`.
pub fn verify(
    header: &str,
    payload: &[u8],
    secret: &str,
    now: DateTime<Utc>,
    tolerance: Duration,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.extend(hex::decode(value).ok()),
            // `v0` (test-mode legacy) and future schemes are not ours to trust.
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::NoTimestamp)?;
    if signatures.is_empty() {
        return Err(SignatureError::NoSignature);
    }
    let seconds = now.timestamp().saturating_sub(timestamp);
    if seconds.unsigned_abs() > tolerance.num_seconds().unsigned_abs() {
        return Err(SignatureError::OutsideTolerance { seconds });
    }
    let mac = mac_of(secret, timestamp, payload);
    // `verify_slice` compares in constant time.
    if signatures
        .iter()
        .any(|signature| mac.clone().verify_slice(signature).is_ok())
    {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// The header Stripe would send for `payload` at `timestamp` (tests and local tooling).
pub fn sign(payload: &[u8], secret: &str, timestamp: i64) -> String {
    let signature = hex::encode(mac_of(secret, timestamp, payload).finalize().into_bytes());
    format!("t={timestamp},v1={signature}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const BODY: &[u8] = br#"{"id":"evt_1","type":"checkout.session.completed"}"#;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap_or_default()
    }

    const T: i64 = 1_800_000_000;

    #[test]
    fn a_good_signature_passes() {
        let header = sign(BODY, SECRET, T);
        assert_eq!(
            verify(&header, BODY, SECRET, at(T + 10), DEFAULT_TOLERANCE),
            Ok(())
        );
    }

    #[test]
    fn an_independently_computed_signature_passes() {
        // Computed outside this code:
        // `printf '%s' "1800000000.$BODY" | openssl dgst -sha256 -hmac whsec_test_secret`.
        let header = format!("t={T},v1={}", EXPECTED_HEX);
        assert_eq!(
            verify(&header, BODY, SECRET, at(T), DEFAULT_TOLERANCE),
            Ok(())
        );
    }
    const EXPECTED_HEX: &str = "a5e7a4e212d19ae228f9bbfe2fd930bb48cd47c3dc118985dcb4103da864e05f";

    #[test]
    fn a_tampered_body_fails() {
        let header = sign(BODY, SECRET, T);
        let tampered = br#"{"id":"evt_1","type":"checkout.session.completed "}"#;
        assert_eq!(
            verify(&header, tampered, SECRET, at(T), DEFAULT_TOLERANCE),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn another_secret_fails() {
        let header = sign(BODY, "whsec_someone_else", T);
        assert_eq!(
            verify(&header, BODY, SECRET, at(T), DEFAULT_TOLERANCE),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn old_and_future_timestamps_fail_outside_the_tolerance() {
        let header = sign(BODY, SECRET, T);
        assert_eq!(
            verify(&header, BODY, SECRET, at(T + 300), DEFAULT_TOLERANCE),
            Ok(()),
            "five minutes late is still inside"
        );
        assert_eq!(
            verify(&header, BODY, SECRET, at(T + 301), DEFAULT_TOLERANCE),
            Err(SignatureError::OutsideTolerance { seconds: 301 })
        );
        assert_eq!(
            verify(&header, BODY, SECRET, at(T - 301), DEFAULT_TOLERANCE),
            Err(SignatureError::OutsideTolerance { seconds: -301 })
        );
    }

    #[test]
    fn any_of_several_v1_signatures_may_match() {
        let good = sign(BODY, SECRET, T);
        let good_hex = good.rsplit("v1=").next().unwrap_or_default();
        let stale = sign(BODY, "whsec_old", T);
        let stale_hex = stale.rsplit("v1=").next().unwrap_or_default();
        let header = format!("t={T},v1={stale_hex},v0=abcd,v1={good_hex}");
        assert_eq!(
            verify(&header, BODY, SECRET, at(T), DEFAULT_TOLERANCE),
            Ok(())
        );
        let only_stale = format!("t={T},v1={stale_hex},v1=zz-not-hex");
        assert_eq!(
            verify(&only_stale, BODY, SECRET, at(T), DEFAULT_TOLERANCE),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn malformed_headers_fail() {
        assert_eq!(
            verify("v1=00", BODY, SECRET, at(T), DEFAULT_TOLERANCE),
            Err(SignatureError::NoTimestamp)
        );
        assert_eq!(
            verify(&format!("t={T}"), BODY, SECRET, at(T), DEFAULT_TOLERANCE),
            Err(SignatureError::NoSignature)
        );
        assert_eq!(
            verify("", BODY, SECRET, at(T), DEFAULT_TOLERANCE),
            Err(SignatureError::NoTimestamp)
        );
    }
}
