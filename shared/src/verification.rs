//! Email verification verdicts (seed 001 §4): what the local checks conclude about an address
//! (syntax is already proven by [`Email`]; then reserved and malformed domains, disposable-mail
//! domains, role mailboxes — no network, so no MX lookup), and how a MillionVerifier `result`
//! maps to the marketplace's [`VerificationStatus`]. Which one runs is the server's explicit
//! configuration; these are only the verdicts.

use crate::contact::Email;
use crate::lead::VerificationStatus;

/// What the local checks know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalChecks {
    /// Throw-away mail services: an address there is never a real prospect.
    pub disposable_domains: Vec<String>,
    /// Top-level domains that never receive mail (RFC 2606, RFC 6761).
    pub reserved_tlds: Vec<String>,
    /// Role mailboxes read by whoever is on duty: deliverable, but nobody's own.
    pub role_local_parts: Vec<String>,
}

impl Default for LocalChecks {
    fn default() -> Self {
        let strings = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect();
        Self {
            disposable_domains: strings(&[
                "mailinator.com",
                "guerrillamail.com",
                "guerrillamail.net",
                "10minutemail.com",
                "tempmail.com",
                "temp-mail.org",
                "trashmail.com",
                "yopmail.com",
                "throwawaymail.com",
                "getnada.com",
                "dispostable.com",
                "maildrop.cc",
                "sharklasers.com",
                "fakeinbox.com",
                "mintemail.com",
            ]),
            reserved_tlds: strings(&["test", "invalid", "localhost", "example", "local"]),
            role_local_parts: strings(&[
                "info",
                "sales",
                "admin",
                "support",
                "contact",
                "office",
                "noreply",
                "no-reply",
                "postmaster",
                "webmaster",
                "abuse",
            ]),
        }
    }
}

/// The local verdict on `email`: invalid for a domain that cannot or will not receive a
/// person's mail, risky for a role mailbox, valid otherwise.
pub fn local_verdict(email: &Email, checks: &LocalChecks) -> VerificationStatus {
    let domain = email.domain();
    let labels: Vec<&str> = domain.split('.').collect();
    let malformed = labels.len() < 2
        || labels
            .iter()
            .any(|l| l.is_empty() || l.len() > 63 || l.starts_with('-') || l.ends_with('-'))
        || labels
            .last()
            .is_some_and(|tld| tld.len() < 2 || tld.bytes().all(|b| b.is_ascii_digit()));
    let tld = labels.last().copied().unwrap_or_default();
    let listed = |list: &[String], value: &str| list.iter().any(|d| d.eq_ignore_ascii_case(value));
    let disposable = checks
        .disposable_domains
        .iter()
        .any(|d| domain.eq_ignore_ascii_case(d) || domain.ends_with(&format!(".{d}")));
    if malformed || disposable || listed(&checks.reserved_tlds, tld) {
        VerificationStatus::Invalid
    } else if listed(&checks.role_local_parts, &email.local_part()) {
        VerificationStatus::Risky
    } else {
        VerificationStatus::Valid
    }
}

/// MillionVerifier's `result` field as a verification status: `ok` is valid, `catch_all`
/// (the domain accepts every address) is catch-all, `unknown` (the server did not say) is
/// risky, `invalid` and `disposable` are invalid; `error` or anything new stays pending
/// (nothing was learned, and a later check may tell).
pub fn millionverifier_verdict(result: &str) -> VerificationStatus {
    match result {
        "ok" => VerificationStatus::Valid,
        "catch_all" => VerificationStatus::CatchAll,
        "unknown" => VerificationStatus::Risky,
        "invalid" | "disposable" => VerificationStatus::Invalid,
        _ => VerificationStatus::Pending,
    }
}

/// Whether a verdict counts towards a partner's verification pass rate (`None` when it says
/// nothing either way: not checked).
pub fn passes(status: VerificationStatus) -> Option<bool> {
    match status {
        VerificationStatus::Pending => None,
        VerificationStatus::Valid => Some(true),
        VerificationStatus::Invalid | VerificationStatus::CatchAll | VerificationStatus::Risky => {
            Some(false)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn verdict(raw: &str) -> VerificationStatus {
        local_verdict(&Email::parse(raw).unwrap(), &LocalChecks::default())
    }

    #[test]
    fn local_checks_catch_what_they_can_without_a_network() {
        assert_eq!(verdict("priya.sharma@acme.in"), VerificationStatus::Valid);
        assert_eq!(verdict("x@mailinator.com"), VerificationStatus::Invalid);
        assert_eq!(verdict("x@eu.mailinator.com"), VerificationStatus::Invalid);
        assert_eq!(verdict("x@shop.example"), VerificationStatus::Invalid);
        assert_eq!(verdict("x@host.test"), VerificationStatus::Invalid);
        assert_eq!(verdict("info@acme.in"), VerificationStatus::Risky);
    }

    #[test]
    fn millionverifier_results_map_to_statuses() {
        assert_eq!(millionverifier_verdict("ok"), VerificationStatus::Valid);
        assert_eq!(
            millionverifier_verdict("catch_all"),
            VerificationStatus::CatchAll
        );
        assert_eq!(
            millionverifier_verdict("unknown"),
            VerificationStatus::Risky
        );
        assert_eq!(
            millionverifier_verdict("disposable"),
            VerificationStatus::Invalid
        );
        assert_eq!(
            millionverifier_verdict("error"),
            VerificationStatus::Pending
        );
        assert_eq!(passes(VerificationStatus::Pending), None);
        assert_eq!(passes(VerificationStatus::CatchAll), Some(false));
    }
}
