//! Contact details: [`Email`], [`PhoneE164`], [`PersonName`] and the phone parser.
//!
//! These are the fields that stay masked until a lead is bought, so they live in their own
//! module and only [`crate::lead::Lead`] (the full record) holds them.
//!
//! ## Phone parsing: a fast path the library agrees with
//!
//! `phonenumber` 0.3 costs about 8 µs per number and serialises every call behind one global
//! regex-cache mutex. CSV imports validate millions of numbers, so [`PhoneParser`] first tries a
//! fast path that handles the forms real files hold for the default region (`98765 43210`,
//! `+91-98765-43210`, `(987) 654-3210`) with the library's *own* metadata patterns, compiled once
//! per parser. Anything it is not certain about (letters, extensions, national or international
//! prefixes, other countries) goes to the full library. The fast path mirrors the library's
//! decisions step by step (see [`PhoneParser::parse`]); `tests::fast_path_equals_library` and the
//! proptest in the integration tests check the two agree on large generated sets.

use phonenumber::country::Id as Region;
use phonenumber::metadata::{DATABASE, Descriptor};
use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ContactError {
    #[error("not a valid email address: {0}")]
    InvalidEmail(String),
    #[error("not a valid phone number")]
    InvalidPhone,
    #[error("unknown phone region {0:?}")]
    UnknownRegion(String),
    #[error("a name must not be empty")]
    EmptyName,
    #[error("a name is at most {max} characters")]
    NameTooLong { max: usize },
    #[error("a contact needs an email or a phone number")]
    NoWayToReach,
}

/// A syntactically valid email address (RFC 5322 addr-spec, a domain with a dot, no display name,
/// no IP-literal domain), trimmed. Deliverability is a separate verification status.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ContactError> {
        let trimmed = raw.trim();
        let options = email_address::Options::default()
            .with_required_tld()
            .without_domain_literal()
            .without_display_text();
        email_address::EmailAddress::parse_with_options(trimmed, options)
            .map(|_| Self(trimmed.to_owned()))
            .map_err(|e| ContactError::InvalidEmail(e.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the last `@`, lower-cased.
    pub fn domain(&self) -> String {
        self.0
            .rsplit_once('@')
            .map(|(_, d)| d.to_ascii_lowercase())
            .unwrap_or_default()
    }

    /// The part before the last `@`, lower-cased.
    pub fn local_part(&self) -> String {
        self.0
            .rsplit_once('@')
            .map(|(l, _)| l.to_ascii_lowercase())
            .unwrap_or_default()
    }

    /// The dedupe form: trimmed (already) and lower-cased.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

string_newtype_conversions!(Email, ContactError, Self::parse);

/// A valid phone number in E.164 form (`+919876543210`). Made by [`PhoneParser::parse`], or
/// read back from storage with [`PhoneE164::from_e164`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneE164(String);

impl PhoneE164 {
    /// Reads a number this crate wrote earlier: `+`, then 8–15 digits, not starting with 0.
    /// Shape only: validity against a numbering plan was decided when it was first parsed.
    pub fn from_e164(s: &str) -> Result<Self, ContactError> {
        let digits = s.strip_prefix('+').ok_or(ContactError::InvalidPhone)?;
        let ok = (8..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ContactError::InvalidPhone)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits without the `+`.
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }
}

string_newtype_conversions!(PhoneE164, ContactError, Self::from_e164);

/// A person's name as entered, trimmed, non-empty, at most [`PersonName::MAX`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

impl PersonName {
    pub const MAX: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, ContactError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(ContactError::EmptyName);
        }
        if trimmed.chars().count() > Self::MAX {
            return Err(ContactError::NameTooLong { max: Self::MAX });
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype_conversions!(PersonName, ContactError, Self::parse);

/// Everything that identifies and reaches a person. Masked until bought.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactDetails {
    pub name: PersonName,
    pub email: Option<Email>,
    pub phone: Option<PhoneE164>,
    pub address: Option<String>,
}

impl ContactDetails {
    /// A contact must be reachable: at least an email or a phone number.
    pub fn new(
        name: PersonName,
        email: Option<Email>,
        phone: Option<PhoneE164>,
        address: Option<String>,
    ) -> Result<Self, ContactError> {
        if email.is_none() && phone.is_none() {
            return Err(ContactError::NoWayToReach);
        }
        let address = address
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty());
        Ok(Self {
            name,
            email,
            phone,
            address,
        })
    }
}

/// One descriptor of the library's metadata, compiled once without the global cache.
#[derive(Debug, Clone)]
struct Pattern {
    /// `^(?:pattern)`: the library accepts a match that starts at 0 (`find` + `start() == 0`).
    regex: Regex,
}

impl Pattern {
    fn compile(source: &str) -> Option<Self> {
        RegexBuilder::new(&format!("^(?:{source})"))
            // The metadata patterns are written with insignificant whitespace, as the library
            // compiles them.
            .ignore_whitespace(true)
            .build()
            .ok()
            .map(|regex| Self { regex })
    }
}

/// The default region's metadata, precompiled for the fast path.
#[derive(Debug, Clone)]
struct FastRegion {
    country_code: String,
    national_prefix: Option<String>,
    international_prefix: Option<Pattern>,
    national_prefix_for_parsing: Option<Pattern>,
    general: Pattern,
    general_lengths: Vec<u16>,
    general_local_lengths: Vec<u16>,
    /// Index = length of the national number; the union of every number type (fixed line,
    /// mobile, toll free, …) whose possible lengths admit that length. The library calls a
    /// number valid when the general pattern and any one type match, so one union per length
    /// gives the same answer with one regex run instead of ten.
    types_by_length: Vec<Option<Pattern>>,
}

const MAX_NSN: usize = 17;

impl FastRegion {
    fn build(region: Region) -> Option<Self> {
        let meta = DATABASE.by_id(region.as_ref())?;
        let code = meta.country_code();
        // A calling code shared by several regions (+1, +7, +44 …) needs the library's region
        // detection: no fast path.
        if DATABASE.region(&code)?.len() != 1 {
            return None;
        }
        let d = meta.descriptors();
        let general = d.general();
        let kinds: Vec<&Descriptor> = [
            d.premium_rate(),
            d.toll_free(),
            d.shared_cost(),
            d.voip(),
            d.personal_number(),
            d.pager(),
            d.uan(),
            d.voicemail(),
            d.fixed_line(),
            d.mobile(),
        ]
        .into_iter()
        .flatten()
        .collect();
        let mut types_by_length = Vec::with_capacity(MAX_NSN + 1);
        for len in 0..=MAX_NSN {
            let sources: Vec<String> = kinds
                .iter()
                .filter(|k| {
                    k.possible_length().is_empty() || k.possible_length().contains(&(len as u16))
                })
                .map(|k| format!("(?:{})", k.national_number().as_str()))
                .collect();
            types_by_length.push(if sources.is_empty() {
                None
            } else {
                Some(Pattern::compile(&sources.join("|"))?)
            });
        }
        Some(Self {
            country_code: code.to_string(),
            national_prefix: meta.national_prefix().map(str::to_owned),
            international_prefix: match meta.international_prefix() {
                Some(p) => Some(Pattern::compile(p.as_str())?),
                None => None,
            },
            national_prefix_for_parsing: match meta.national_prefix_for_parsing() {
                Some(p) => Some(Pattern::compile(p.as_str())?),
                None => None,
            },
            general: Pattern::compile(general.national_number().as_str())?,
            general_lengths: general.possible_length().to_vec(),
            general_local_lengths: general.possible_local_length().to_vec(),
            types_by_length,
        })
    }

    fn general_match(&self, nsn: &str) -> bool {
        (self.general_lengths.is_empty() || self.general_lengths.contains(&(nsn.len() as u16)))
            && self.general.regex.is_match(nsn)
    }

    /// The library's `validator::length(.., Type::Unknown).is_possible()` for the general
    /// descriptor: a local-only length, or one of the possible lengths.
    fn possible_length(&self, len: usize) -> bool {
        let len = len as u16;
        self.general_local_lengths.contains(&len) || self.general_lengths.contains(&len)
    }

    fn is_valid(&self, nsn: &str) -> bool {
        self.general_match(nsn)
            && self
                .types_by_length
                .get(nsn.len())
                .and_then(Option::as_ref)
                .is_some_and(|p| p.regex.is_match(nsn))
    }

    /// `Some(answer)` when the fast path is certain, `None` to ask the library.
    fn decide(&self, raw: &str) -> Option<Option<PhoneE164>> {
        let text = raw.trim_matches(|c: char| c == ' ' || c == '\t');
        let (plus, body) = match text.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let bytes = body.as_bytes();
        // The number must start and end with a digit: leading/trailing punctuation is handled
        // by the library's own extraction rules.
        if !bytes.first()?.is_ascii_digit() || !bytes.last()?.is_ascii_digit() {
            return None;
        }
        let mut buf = [0u8; MAX_NSN + 3];
        let mut n = 0;
        let mut previous_separator = false;
        for &b in bytes {
            match b {
                b'0'..=b'9' => {
                    *buf.get_mut(n)? = b;
                    n += 1;
                    previous_separator = false;
                }
                b' ' | b'-' | b'.' => {
                    // One separator between digit groups; anything fancier goes to the library.
                    if previous_separator {
                        return None;
                    }
                    previous_separator = true;
                }
                _ => return None,
            }
        }
        let digits = std::str::from_utf8(&buf[..n]).ok()?;
        let nsn = if plus {
            // The library reads the digits before the first separator after `+` as the calling
            // code ("+916-000…" is code 916, an error): a first group must be exactly ours.
            let first_group = body.split([' ', '-', '.']).next().unwrap_or(body);
            if first_group.len() != body.len() && first_group != self.country_code {
                return None;
            }
            digits.strip_prefix(self.country_code.as_str())?
        } else {
            if self
                .international_prefix
                .as_ref()
                .is_some_and(|p| p.regex.is_match(digits))
            {
                return None;
            }
            if let Some(trunk) = self.national_prefix.as_deref()
                && let Some(rest) = digits.strip_prefix(trunk)
            {
                // "098765 43210": the library strips the national (trunk) prefix when the region
                // has no prefix-for-parsing pattern and the rest is not too short. Mirrored only
                // for the plain case; a second prefix or a pattern goes to the library.
                if self.national_prefix_for_parsing.is_some()
                    || rest.starts_with(trunk)
                    || rest.starts_with('0')
                    || self.too_short(rest.len())
                {
                    return None;
                }
                return self.finish(rest);
            }
            if digits.starts_with('0') {
                return None;
            }
            // The library strips a leading country code from a national-looking number unless
            // the whole digit string matches the general pattern *and* has a possible length.
            // Its length check reads the general descriptor's possible lengths, which are empty
            // for some regions (India among them): then the code is always stripped. Mirrored
            // exactly, including that quirk, because equality with the library is the contract.
            match digits.strip_prefix(self.country_code.as_str()) {
                Some(rest)
                    if !(self.general_match(digits) && self.possible_length(digits.len())) =>
                {
                    rest
                }
                _ => digits,
            }
        };
        if self
            .national_prefix
            .as_deref()
            .is_some_and(|p| nsn.starts_with(p))
            || self
                .national_prefix_for_parsing
                .as_ref()
                .is_some_and(|p| p.regex.is_match(nsn))
        {
            return None;
        }
        self.finish(nsn)
    }

    /// The verdict on a national significant number, as the library would reach it.
    fn finish(&self, nsn: &str) -> Option<Option<PhoneE164>> {
        if nsn.len() < 4 || nsn.len() > MAX_NSN || nsn.starts_with('0') {
            return None;
        }
        Some(
            self.is_valid(nsn)
                .then(|| PhoneE164(format!("+{}{nsn}", self.country_code))),
        )
    }

    /// The library's `validator::length(..) == TooShort` for the general descriptor.
    fn too_short(&self, len: usize) -> bool {
        let len = len as u16;
        !self.general_local_lengths.contains(&len)
            && self.general_lengths.first().is_some_and(|min| len < *min)
    }
}

/// Parses phone numbers written for a default region into [`PhoneE164`].
#[derive(Debug, Clone)]
pub struct PhoneParser {
    region: Region,
    fast: Option<FastRegion>,
}

impl PhoneParser {
    /// `region` is an ISO 3166 alpha-2 code such as `IN`. Compiles the region's patterns once:
    /// build one parser and reuse it.
    pub fn new(region: &str) -> Result<Self, ContactError> {
        let id: Region = region
            .parse()
            .map_err(|_| ContactError::UnknownRegion(region.to_owned()))?;
        DATABASE
            .by_id(id.as_ref())
            .ok_or_else(|| ContactError::UnknownRegion(region.to_owned()))?;
        Ok(Self {
            region: id,
            fast: FastRegion::build(id),
        })
    }

    pub fn region(&self) -> &str {
        self.region.as_ref()
    }

    /// Parses and validates a number; a number without `+` is read as the default region's.
    pub fn parse(&self, raw: &str) -> Result<PhoneE164, ContactError> {
        if let Some(decided) = self.fast.as_ref().and_then(|f| f.decide(raw)) {
            return decided.ok_or(ContactError::InvalidPhone);
        }
        self.parse_with_library(raw)
    }

    /// The full `phonenumber` path, always. Public so benchmarks and tests can compare.
    pub fn parse_with_library(&self, raw: &str) -> Result<PhoneE164, ContactError> {
        let number =
            phonenumber::parse(Some(self.region), raw).map_err(|_| ContactError::InvalidPhone)?;
        if !phonenumber::is_valid(&number) {
            return Err(ContactError::InvalidPhone);
        }
        let e164 = number.format().mode(phonenumber::Mode::E164).to_string();
        PhoneE164::from_e164(&e164)
    }

    /// A parser that always uses the full library: the reference the fast path is measured
    /// and checked against.
    pub fn library_only(region: &str) -> Result<Self, ContactError> {
        Ok(Self {
            fast: None,
            ..Self::new(region)?
        })
    }

    /// Whether the fast path decided this input (for tests and benchmarks).
    pub fn is_fast_path(&self, raw: &str) -> bool {
        self.fast.as_ref().and_then(|f| f.decide(raw)).is_some()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn india() -> PhoneParser {
        PhoneParser::new("IN").unwrap()
    }

    #[test]
    fn emails_parse_strictly() {
        let e = Email::parse("  Rajesh.K@Email.com ").unwrap();
        assert_eq!(e.as_str(), "Rajesh.K@Email.com");
        assert_eq!(e.normalized(), "rajesh.k@email.com");
        assert_eq!(e.domain(), "email.com");
        for bad in [
            "",
            "rajesh",
            "a@b",
            "Raj <r@x.com>",
            "r@[127.0.0.1]",
            "a@@b.com",
            "a b@c.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn seed_phone_numbers_become_e164() {
        let p = india();
        for raw in [
            "+91 98765 43210",
            "98765 43210",
            "9876543210",
            "+91-98765-43210",
            "098765 43210",
            "0091 98765 43210",
        ] {
            assert_eq!(p.parse(raw).unwrap().as_str(), "+919876543210", "{raw}");
        }
        assert!(p.parse("12345").is_err());
        assert!(p.parse("call me").is_err());
        assert!(
            p.is_fast_path("98765 43210"),
            "the common form must not pay the library's price"
        );
    }

    #[test]
    fn fast_path_equals_library() {
        let p = india();
        let mut decided = 0;
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let shapes = [
            "{d}",
            "+91{d}",
            "+91 {a} {b}",
            "{a}-{b}",
            "91{d}",
            "0{d}",
            "+{d}",
            "{a}.{b}",
            "+1{d}",
            "+44 {d}",
        ];
        for i in 0..4_000u64 {
            let len = 4 + (next() % 10) as usize;
            let d: String = (0..len)
                .map(|_| char::from(b'0' + (next() % 10) as u8))
                .collect();
            let (a, b) = d.split_at(len / 2);
            let shape = shapes[(i as usize) % shapes.len()];
            let raw = shape.replace("{d}", &d).replace("{a}", a).replace("{b}", b);
            if p.is_fast_path(&raw) {
                decided += 1;
            }
            assert_eq!(
                p.parse(&raw).ok(),
                p.parse_with_library(&raw).ok(),
                "input {raw:?}"
            );
        }
        assert!(
            decided > 1_600,
            "the fast path should decide most inputs, decided {decided}"
        );
    }

    #[test]
    fn contacts_need_a_way_to_reach_them() {
        let name = PersonName::parse(" Rajesh Kumar ").unwrap();
        assert_eq!(name.as_str(), "Rajesh Kumar");
        assert_eq!(
            ContactDetails::new(name, None, None, None),
            Err(ContactError::NoWayToReach)
        );
        assert!(PersonName::parse("   ").is_err());
        assert!(PhoneE164::from_e164("+0123456789").is_err());
        assert!(PhoneE164::from_e164("919876543210").is_err());
    }
}
