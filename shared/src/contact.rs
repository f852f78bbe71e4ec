//! Contact details: [`Email`], [`PhoneE164`], [`PersonName`] and the phone parser.
//!
//! These are the fields that stay masked until a lead is bought, so they live in their own
//! module and only [`crate::lead::Lead`] (the full record) holds them.
//!
//! ## Phone parsing: a fast path the library agrees with
//!
//! `phonenumber` 0.3 costs about 8 µs per number and serialises every call behind one global
//! regex-cache mutex. CSV imports validate millions of numbers, so [`PhoneParser`] first tries a
//! fast path: a byte scanner for the forms real files hold (`98765 43210`, `(98765) 43210`,
//! `098765-43210`, `+91 98765 43210`, and `+` numbers of a few common foreign codes such as
//! `+44 20 7946 0000`), with the library's *own* metadata patterns compiled once per parser into
//! anchored DFAs. Anything it is not certain about (letters, extensions, international
//! prefixes, other codes) goes to the full library. The fast path mirrors the library's
//! decisions step by step (see [`PhoneParser::parse`]); `tests::fast_path_equals_library`, the
//! proptest in the integration tests and the benchmark's 200,000-input check prove the two
//! agree. [`Email::parse`] does the same for the plain address shape.

use crate::normalize::trim;
use phonenumber::country::Id as Region;
use phonenumber::metadata::{DATABASE, Descriptor, Metadata};
use regex_automata::dfa::{Automaton, StartKind, dense};
use regex_automata::{Anchored, Input, util::primitives::StateID, util::syntax};
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
    /// Trims, and takes an address written `<a@b.co>` (as mail programs export it) out of its
    /// angle brackets; a display name before the brackets is still refused.
    pub fn parse(raw: &str) -> Result<Self, ContactError> {
        let trimmed = unbracketed(raw);
        if is_plain_address(trimmed) {
            return Ok(Self(trimmed.to_owned()));
        }
        Self::parse_with_library(trimmed)
    }

    /// Whether [`Email::parse`] decides this input without the library (tests, benchmarks).
    pub fn is_fast_path(raw: &str) -> bool {
        is_plain_address(unbracketed(raw))
    }

    /// The full `email_address` check, always: what [`Email::parse`] defers to for anything
    /// outside the plain shape. Public so tests can compare the two.
    pub fn parse_with_library(raw: &str) -> Result<Self, ContactError> {
        let trimmed = unbracketed(raw);
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

    /// `mailto:` link to this address (RFC 6068). Characters an address may hold that mean
    /// something in a URL (`?`, `#`, `&`, `%`, `/`, quotes, …) are percent-encoded, so an
    /// address can never smuggle `?bcc=` or a body into the link.
    pub fn mailto_url(&self) -> String {
        let mut url = String::with_capacity(7 + self.0.len());
        url.push_str("mailto:");
        for byte in self.0.bytes() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'@' | b'.' | b'-' | b'_' | b'+') {
                url.push(char::from(byte));
            } else {
                url.push_str(&format!("%{byte:02X}"));
            }
        }
        url
    }
}

string_newtype_conversions!(Email, ContactError, Self::parse);

/// The shape almost every address in a file has, accepted without the `email_address` parser:
/// ASCII only; a local part of 1–64 letters, digits and `._%+-` with no leading, trailing or
/// doubled dot; one `@`; a domain of 2+ labels of letters, digits and inner `-`, each 1–63
/// long, 254 at most in all. Every such string is a valid RFC 5322 dot-atom address the
/// library accepts with our options (no display name: no space; no domain literal: no `[`),
/// which `tests::plain_addresses_are_a_subset_of_the_library` checks on a large generated set.
/// Anything else, valid or not, goes to the library, so its verdict and message stand.
/// Trimmed, and out of one pair of surrounding angle brackets.
fn unbracketed(raw: &str) -> &str {
    let trimmed = trim(raw);
    trimmed
        .strip_prefix('<')
        .and_then(|inner| inner.strip_suffix('>'))
        .map_or(trimmed, trim)
}

fn is_plain_address(s: &str) -> bool {
    // One pass over the bytes (no `split`): the `@` and dots are found as the scan meets them.
    let bytes = s.as_bytes();
    let Some(at) = bytes.iter().position(|&b| b == b'@') else {
        return false;
    };
    let (local, domain) = (&bytes[..at], &bytes[at + 1..]);
    if !(1..=64).contains(&local.len()) || !(1..=254).contains(&domain.len()) {
        return false;
    }
    // Local part: atoms of `[A-Za-z0-9_%+-]` joined by single dots, none empty.
    let mut atom_len = 0usize;
    for &b in local {
        if b == b'.' {
            if atom_len == 0 {
                return false;
            }
            atom_len = 0;
        } else if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'%' | b'+' | b'-') {
            atom_len += 1;
        } else {
            return false;
        }
    }
    if atom_len == 0 {
        return false;
    }
    // Domain: 2+ labels of `[A-Za-z0-9-]`, 1–63 long, starting and ending alphanumeric (a
    // second `@` fails the byte test).
    let mut labels = 1;
    let mut label_len = 0usize;
    let mut previous = b'.';
    for &b in domain {
        if b == b'.' {
            if label_len == 0 || previous == b'-' {
                return false;
            }
            labels += 1;
            label_len = 0;
        } else if b.is_ascii_alphanumeric() || (b == b'-' && label_len > 0) {
            label_len += 1;
            if label_len > 63 {
                return false;
            }
        } else {
            return false;
        }
        previous = b;
    }
    label_len > 0 && previous != b'-' && labels >= 2
}

/// The definition [`is_plain_address`] is a faster form of, kept to test the two agree.
#[cfg(test)]
fn is_plain_address_reference(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let local_ok = (1..=64).contains(&local.len())
        && local.split('.').all(|atom| {
            !atom.is_empty()
                && atom
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'%' | b'+' | b'-'))
        });
    let mut labels = 0;
    let domain_ok = (1..=254).contains(&domain.len())
        && domain.split('.').all(|label| {
            labels += 1;
            let bytes = label.as_bytes();
            (1..=63).contains(&bytes.len())
                && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
                && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        });
    local_ok && domain_ok && labels >= 2
}

/// A valid phone number in E.164 form (`+919876543210`). Made by [`PhoneParser::parse`], or
/// read back from storage with [`PhoneE164::from_e164`].
///
/// Held inline (`+` and at most 15 digits fit in 16 bytes): an import makes one per row, and a
/// heap string each would be an allocation and a free per row.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneE164 {
    /// `+`, the digits, then zeros.
    bytes: [u8; 16],
    len: u8,
}

impl PhoneE164 {
    /// Reads a number this crate wrote earlier: `+`, then 8–15 digits, not starting with 0.
    /// Shape only: validity against a numbering plan was decided when it was first parsed.
    pub fn from_e164(s: &str) -> Result<Self, ContactError> {
        let digits = s.strip_prefix('+').ok_or(ContactError::InvalidPhone)?;
        Self::from_parts(b"", digits.as_bytes()).ok_or(ContactError::InvalidPhone)
    }

    /// `+`, then `code` and `nsn` run together, when that is 8–15 ASCII digits not starting
    /// with 0 (the shape [`PhoneE164::from_e164`] accepts).
    fn from_parts(code: &[u8], nsn: &[u8]) -> Option<Self> {
        let count = code.len() + nsn.len();
        if !(8..=15).contains(&count) {
            return None;
        }
        let mut bytes = [0u8; 16];
        bytes[0] = b'+';
        bytes[1..=code.len()].copy_from_slice(code);
        bytes[1 + code.len()..=count].copy_from_slice(nsn);
        let digits = &bytes[1..=count];
        (digits.iter().all(u8::is_ascii_digit) && digits[0] != b'0').then_some(Self {
            bytes,
            len: count as u8 + 1,
        })
    }

    pub fn as_str(&self) -> &str {
        // ASCII by construction, so never the empty default.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }

    /// The digits without the `+`.
    pub fn digits(&self) -> &str {
        self.as_str().get(1..).unwrap_or_default()
    }

    /// The number grouped as its region writes it internationally (`+91 98200 12345`,
    /// `+44 20 7946 0000`), for people to read. The E.164 form when the numbering plan has no
    /// format for it (a number stored before a metadata change).
    pub fn display_international(&self) -> String {
        match phonenumber::parse(None, self.as_str()) {
            Ok(number) => number
                .format()
                .mode(phonenumber::Mode::International)
                .to_string(),
            Err(_) => self.as_str().to_owned(),
        }
    }

    /// `tel:+919820012345` (RFC 3966 global number: no encoding needed, digits only).
    pub fn tel_url(&self) -> String {
        format!("tel:{}", self.as_str())
    }

    /// `sms:+919820012345` (RFC 5724).
    pub fn sms_url(&self) -> String {
        format!("sms:{}", self.as_str())
    }

    /// `https://wa.me/919820012345`: WhatsApp's click-to-chat takes the number without `+`.
    pub fn whatsapp_url(&self) -> String {
        format!("https://wa.me/{}", self.digits())
    }
}

impl std::fmt::Debug for PhoneE164 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("PhoneE164").field(&self.as_str()).finish()
    }
}

impl std::fmt::Display for PhoneE164 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for PhoneE164 {
    type Error = ContactError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::from_e164(&value)
    }
}

impl From<PhoneE164> for String {
    fn from(value: PhoneE164) -> String {
        value.as_str().to_owned()
    }
}

/// A person's name as entered, trimmed, non-empty, at most [`PersonName::MAX`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

impl PersonName {
    pub const MAX: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, ContactError> {
        Self::parse_owned(raw.to_owned())
    }

    /// [`PersonName::parse`] of a name already built as a `String`: no second copy when it
    /// needs no trimming.
    pub fn parse_owned(raw: String) -> Result<Self, ContactError> {
        let trimmed = trim(&raw);
        if trimmed.is_empty() {
            return Err(ContactError::EmptyName);
        }
        // A char is at least one byte: only a long string can have too many.
        if trimmed.len() > Self::MAX && trimmed.chars().count() > Self::MAX {
            return Err(ContactError::NameTooLong { max: Self::MAX });
        }
        if trimmed.len() == raw.len() {
            Ok(Self(raw))
        } else {
            Ok(Self(trimmed.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype_conversions!(PersonName, ContactError, Self::parse);

/// Why a contact link cannot be built: the lead has no way to reach it on that channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum NoContactLink {
    #[error("This lead has no phone number.")]
    NoPhone,
    #[error("This lead has no email address.")]
    NoEmail,
}

/// The link that opens `channel` for a contact: `tel:`, `sms:`, WhatsApp or `mailto:`. The only
/// place contact links are made, from parsed numbers and addresses.
pub fn contact_url(
    channel: crate::pipeline::ContactChannel,
    phone: Option<&PhoneE164>,
    email: Option<&Email>,
) -> Result<String, NoContactLink> {
    use crate::pipeline::ContactChannel as C;
    let phone = || phone.ok_or(NoContactLink::NoPhone);
    match channel {
        C::Call => Ok(phone()?.tel_url()),
        C::Sms => Ok(phone()?.sms_url()),
        C::WhatsApp => Ok(phone()?.whatsapp_url()),
        C::Email => Ok(email.ok_or(NoContactLink::NoEmail)?.mailto_url()),
    }
}

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
        // Kept as given when already trimmed: no second copy of every imported address.
        let address = address.and_then(|a| match trim(&a) {
            "" => None,
            t if t.len() == a.len() => Some(a),
            t => Some(t.to_owned()),
        });
        Ok(Self {
            name,
            email,
            phone,
            address,
        })
    }
}

/// One pattern of the library's metadata as an anchored DFA, built once per parser.
///
/// The library asks "does the pattern match at position 0?" (`find` + `start() == 0`). An
/// anchored search that stops at the first match state answers the same question in a few
/// nanoseconds per digit, without the regex engine's per-call set-up or the library's global,
/// mutex-guarded cache.
#[derive(Debug, Clone)]
struct Pattern {
    dfa: dense::DFA<Vec<u32>>,
    /// The anchored start state when it does not depend on what precedes the input (no
    /// look-behind in the pattern): then the automaton is walked directly, without the search
    /// routine's per-call set-up.
    start: Option<StateID>,
}

impl Pattern {
    fn compile(source: &str) -> Option<Self> {
        let dfa = dense::Builder::new()
            .syntax(
                syntax::Config::new()
                    // The metadata patterns are written with insignificant whitespace, as the
                    // library compiles them.
                    .ignore_whitespace(true)
                    // Only ASCII digits ever reach a pattern here, and on those `\d` means the
                    // same with or without Unicode: the ASCII automaton is far smaller.
                    .unicode(false)
                    .utf8(false),
            )
            .configure(dense::Config::new().start_kind(StartKind::Anchored))
            .build(source)
            .ok()?;
        let start = dfa.universal_start_state(Anchored::Yes);
        Some(Self { dfa, start })
    }

    /// Whether a prefix of `digits` matches: what an anchored, earliest search finding a match
    /// means. Walks the automaton by hand: match states are delayed by one byte, so a match
    /// state after any byte (or after the end-of-input transition) is a match ending earlier;
    /// a dead or quit state ends the walk without one.
    fn matches_at_start(&self, digits: &[u8]) -> bool {
        let Some(mut state) = self.start else {
            return self.matches_at_start_by_search(digits);
        };
        for &b in digits {
            state = self.dfa.next_state(state, b);
            // Special: match, dead, quit, or an accelerated state (just walked on).
            if self.dfa.is_special_state(state) {
                if self.dfa.is_match_state(state) {
                    return true;
                }
                if self.dfa.is_dead_state(state) || self.dfa.is_quit_state(state) {
                    return false;
                }
            }
        }
        self.dfa.is_match_state(self.dfa.next_eoi_state(state))
    }

    /// The same question through the library's search routine (the reference for the walk).
    fn matches_at_start_by_search(&self, digits: &[u8]) -> bool {
        let input = Input::new(digits).anchored(Anchored::Yes).earliest(true);
        matches!(self.dfa.try_search_fwd(&input), Ok(Some(_)))
    }
}

const MAX_NSN: usize = 17;

/// One region's numbering plan, compiled: what the library's `number_type` needs to tell a
/// valid number from an unknown one, and the leading digits `source_for` picks a region by.
#[derive(Debug, Clone)]
struct NumberingPlan {
    general: Pattern,
    general_lengths: Vec<u16>,
    general_local_lengths: Vec<u16>,
    /// Index = length of the national number; the union of every number type (fixed line,
    /// mobile, toll free, …) whose possible lengths admit that length. The library calls a
    /// number valid when the general pattern and any one type match, so one union per length
    /// gives the same answer with one automaton run instead of ten.
    types_by_length: Vec<Option<Pattern>>,
    leading_digits: Option<Pattern>,
}

impl NumberingPlan {
    fn build(meta: &Metadata) -> Option<Self> {
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
            general: Pattern::compile(general.national_number().as_str())?,
            general_lengths: general.possible_length().to_vec(),
            general_local_lengths: general.possible_local_length().to_vec(),
            types_by_length,
            leading_digits: match meta.leading_digits() {
                Some(p) => Some(Pattern::compile(p.as_str())?),
                None => None,
            },
        })
    }

    fn general_match(&self, nsn: &[u8]) -> bool {
        (self.general_lengths.is_empty() || self.general_lengths.contains(&(nsn.len() as u16)))
            && self.general.matches_at_start(nsn)
    }

    /// The library's `validator::length(.., Type::Unknown).is_possible()` for the general
    /// descriptor: a local-only length, or one of the possible lengths.
    fn possible_length(&self, len: usize) -> bool {
        let len = len as u16;
        self.general_local_lengths.contains(&len) || self.general_lengths.contains(&len)
    }

    /// The library's `validator::length(..) == TooShort` for the general descriptor.
    fn too_short(&self, len: usize) -> bool {
        let len = len as u16;
        !self.general_local_lengths.contains(&len)
            && self.general_lengths.first().is_some_and(|min| len < *min)
    }

    /// `number_type(..) != Unknown`.
    fn is_valid(&self, nsn: &[u8]) -> bool {
        self.general_match(nsn)
            && self
                .types_by_length
                .get(nsn.len())
                .and_then(Option::as_ref)
                .is_some_and(|p| p.matches_at_start(nsn))
    }
}

/// A calling code other than the default region's that files often hold (`+44 20 …`,
/// `+1 212 …`), with the plans of every region sharing it, in the library's order.
#[derive(Debug, Clone)]
struct CallingCode {
    code: String,
    plans: Vec<NumberingPlan>,
}

/// The codes whose numbers are decided without the library when written with `+`. Each is
/// covered by the equality checks; any other code goes to the library.
const FOREIGN_CODES: [u16; 4] = [1, 44, 27, 971];

impl CallingCode {
    fn build(code: u16) -> Option<Self> {
        let regions = DATABASE.region(&code)?;
        let plans = regions
            .iter()
            .map(|id| {
                // "001": a non-geographic code, looked up differently by the library.
                if *id == "001" {
                    return None;
                }
                NumberingPlan::build(DATABASE.by_id(*id)?)
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            code: code.to_string(),
            plans,
        })
    }

    /// The library's `is_valid`: `source_for` picks the region (the only one; else the first
    /// whose leading digits match, or, for a region without leading digits, the first whose
    /// plan accepts the number), then that region's plan decides.
    fn is_valid(&self, nsn: &[u8]) -> bool {
        if let [only] = self.plans.as_slice() {
            return only.is_valid(nsn);
        }
        for plan in &self.plans {
            match &plan.leading_digits {
                Some(leading) => {
                    if leading.matches_at_start(nsn) {
                        return plan.is_valid(nsn);
                    }
                }
                None => {
                    if plan.is_valid(nsn) {
                        return true;
                    }
                }
            }
        }
        false
    }
}

/// The default region's metadata, precompiled for the fast path.
#[derive(Debug, Clone)]
struct FastRegion {
    country_code: String,
    national_prefix: Option<String>,
    international_prefix: Option<Pattern>,
    national_prefix_for_parsing: Option<Pattern>,
    plan: NumberingPlan,
    foreign: Vec<CallingCode>,
}

/// The separators the scanner accepts between digit groups.
fn is_separator(b: u8) -> bool {
    matches!(b, b' ' | b'-' | b'.')
}

impl FastRegion {
    fn build(region: Region) -> Option<Self> {
        let meta = DATABASE.by_id(region.as_ref())?;
        let code = meta.country_code();
        // A calling code shared by several regions (+1, +7, +44 …) needs the library's region
        // detection for national numbers: no fast path.
        if DATABASE.region(&code)?.len() != 1 {
            return None;
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
            plan: NumberingPlan::build(meta)?,
            // A code that fails to compile is simply left to the library.
            foreign: FOREIGN_CODES
                .iter()
                .filter(|c| **c != code)
                .filter_map(|c| CallingCode::build(*c))
                .collect(),
        })
    }

    /// `Some(answer)` when the fast path is certain, `None` to ask the library.
    fn decide(&self, raw: &str) -> Option<Option<PhoneE164>> {
        // Spaces and tabs are single ASCII bytes, so byte offsets stay char boundaries.
        let bytes = raw.as_bytes();
        let start = bytes
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t'))
            .unwrap_or(bytes.len());
        let end = bytes
            .iter()
            .rposition(|b| !matches!(b, b' ' | b'\t'))
            .map_or(start, |i| i + 1);
        let text = raw.get(start..end)?;
        match text.strip_prefix('+') {
            Some(body) => self.decide_international(body.as_bytes()),
            None => self.decide_national(text.as_bytes()),
        }
    }

    /// A number written without `+`. Both of the library's readers (RFC 3966 when there is no
    /// space, "natural" otherwise) keep only the digits of such a string when it holds nothing
    /// but digits, spaces, `-`, `.` and brackets, starts with a digit or `(` and ends with a
    /// digit: no extension, carrier or second number can be read from it. So "98765 43210",
    /// "(98765) 43210", "98765-43210" and "987.654.3210" all come down to the same digits.
    fn decide_national(&self, bytes: &[u8]) -> Option<Option<PhoneE164>> {
        if !matches!(bytes.first()?, b'0'..=b'9' | b'(') || !bytes.last()?.is_ascii_digit() {
            return None;
        }
        let mut buf = [0u8; MAX_NSN + 3];
        let mut n = 0;
        for &b in bytes {
            match b {
                b'0'..=b'9' => {
                    *buf.get_mut(n)? = b;
                    n += 1;
                }
                b' ' | b'-' | b'.' | b'(' | b')' => {}
                _ => return None,
            }
        }
        let digits = &buf[..n];
        if self
            .international_prefix
            .as_ref()
            .is_some_and(|p| p.matches_at_start(digits))
        {
            return None;
        }
        if digits.len() < 3 {
            // The library wants three digits to call a string a number at all.
            return None;
        }
        // The library strips a leading country code from a national-looking number unless
        // the whole digit string matches the general pattern *and* has a possible length.
        // Its length check reads the general descriptor's possible lengths, which are empty
        // for some regions (India among them): then the code is always stripped. Mirrored
        // exactly, including that quirk, because equality with the library is the contract.
        let nsn = match digits.strip_prefix(self.country_code.as_bytes()) {
            Some(rest)
                if !(self.plan.general_match(digits)
                    && self.plan.possible_length(digits.len())) =>
            {
                rest
            }
            _ => digits,
        };
        if let Some(trunk) = self.national_prefix.as_deref()
            && let Some(rest) = nsn.strip_prefix(trunk.as_bytes())
        {
            // "098765 43210" (and "91 0…" once the code is gone): the library strips the
            // national (trunk) prefix when the region has no prefix-for-parsing pattern and
            // the rest is not too short. Mirrored only for the plain case; a second prefix or
            // a pattern goes to the library.
            if self.national_prefix_for_parsing.is_some()
                || rest.starts_with(trunk.as_bytes())
                || rest.starts_with(b"0")
                || self.plan.too_short(rest.len())
            {
                return None;
            }
            return self.finish(rest);
        }
        if nsn.starts_with(b"0") {
            return None;
        }
        self.check_own_nsn(nsn)
    }

    /// A number written with `+`: digit groups split by single spaces, `-` or `.`.
    fn decide_international(&self, body: &[u8]) -> Option<Option<PhoneE164>> {
        // The number must start and end with a digit: leading/trailing punctuation is handled
        // by the library's own extraction rules.
        if !body.first()?.is_ascii_digit() || !body.last()?.is_ascii_digit() {
            return None;
        }
        let mut buf = [0u8; MAX_NSN + 3];
        let mut n = 0;
        let mut previous_separator = false;
        for &b in body {
            if b.is_ascii_digit() {
                *buf.get_mut(n)? = b;
                n += 1;
                previous_separator = false;
            } else if is_separator(b) && !previous_separator {
                // One separator between digit groups; anything fancier goes to the library.
                previous_separator = true;
            } else {
                return None;
            }
        }
        let digits = &buf[..n];
        // Without a separator the library reads the calling code as the shortest prefix that
        // is one (codes are prefix-free, so a code that prefixes the digits is the one). With
        // one, a string without spaces is read as RFC 3966, whose calling code is the whole
        // first group ("+916-000…" is code 916, an error): so the first group must be exactly
        // a code we know.
        let first_group_len = body.iter().position(|b| is_separator(*b));
        let is_code = |code: &str| match first_group_len {
            Some(len) => body.get(..len) == Some(code.as_bytes()),
            None => digits.starts_with(code.as_bytes()),
        };
        if is_code(&self.country_code) {
            let nsn = digits.get(self.country_code.len()..)?;
            if nsn.len() < 4 {
                // Too short after the code: the library's own checks decide.
                return None;
            }
            return self.check_own_nsn(nsn);
        }
        let foreign = self.foreign.iter().find(|c| is_code(&c.code))?;
        let nsn = digits.get(foreign.code.len()..)?;
        // The library parses with the default region's metadata first: its international
        // prefix is tried on the digits, and its national prefix is stripped from what
        // follows the code. Both are rare here and left to the library.
        if self.national_prefix_for_parsing.is_some()
            || self
                .international_prefix
                .as_ref()
                .is_some_and(|p| p.matches_at_start(digits))
            || self
                .national_prefix
                .as_deref()
                .is_some_and(|p| nsn.starts_with(p.as_bytes()))
            || !(4..=MAX_NSN).contains(&nsn.len())
            || nsn.starts_with(b"0")
        {
            return None;
        }
        Some(
            foreign
                .is_valid(nsn)
                .then(|| e164(&foreign.code, nsn))
                .flatten(),
        )
    }

    /// A national significant number of the default region, after the calling code.
    fn check_own_nsn(&self, nsn: &[u8]) -> Option<Option<PhoneE164>> {
        if self
            .national_prefix
            .as_deref()
            .is_some_and(|p| nsn.starts_with(p.as_bytes()))
            || self
                .national_prefix_for_parsing
                .as_ref()
                .is_some_and(|p| p.matches_at_start(nsn))
        {
            return None;
        }
        self.finish(nsn)
    }

    /// The verdict on a national significant number, as the library would reach it.
    fn finish(&self, nsn: &[u8]) -> Option<Option<PhoneE164>> {
        // The library rejects a national number under two digits with an error of its own.
        if nsn.len() < 2 || nsn.len() > MAX_NSN || nsn.starts_with(b"0") {
            return None;
        }
        Some(
            self.plan
                .is_valid(nsn)
                .then(|| e164(&self.country_code, nsn))
                .flatten(),
        )
    }
}

/// `+`, the code and the national number, with [`PhoneE164::from_e164`]'s shape check (the
/// library's answer goes through it too).
fn e164(code: &str, nsn: &[u8]) -> Option<PhoneE164> {
    PhoneE164::from_parts(code.as_bytes(), nsn)
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
    fn emails_in_angle_brackets_are_taken_out_of_them() {
        assert_eq!(
            Email::parse(" <Priya@Example.com> ").unwrap().as_str(),
            "Priya@Example.com"
        );
        assert_eq!(Email::parse("< a@b.co >").unwrap().as_str(), "a@b.co");
        assert!(Email::parse("Priya <a@b.co>").is_err(), "display name");
        assert!(Email::parse("<a@b.co").is_err(), "unbalanced");
        assert!(Email::parse("<a@b.co>>").is_err(), "unbalanced inside");
        assert!(Email::parse("<>").is_err());
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
            "({a}) {b}",
            "{a} - {b}",
            "+44 {a} {b}",
            "+1-{a}-{b}",
            "+27 {a} {b}",
            "+971 {d}",
            "91 0{d}",
        ];
        for i in 0..8_000u64 {
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
            decided > 3_200,
            "the fast path should decide most inputs, decided {decided}"
        );
    }

    #[test]
    fn walking_a_pattern_equals_searching_it() {
        let p = india();
        let fast = p.fast.as_ref().unwrap();
        let mut patterns: Vec<&Pattern> = vec![&fast.plan.general];
        patterns.extend(fast.plan.types_by_length.iter().flatten());
        patterns.extend(fast.international_prefix.iter());
        patterns.extend(fast.national_prefix_for_parsing.iter());
        for code in &fast.foreign {
            for plan in &code.plans {
                patterns.push(&plan.general);
                patterns.extend(plan.types_by_length.iter().flatten());
                patterns.extend(plan.leading_digits.iter());
            }
        }
        assert!(
            patterns.iter().all(|p| p.start.is_some()),
            "walked, not searched"
        );
        let mut next = crate::normalize::test_rng(0x2545_f491_4f6c_dd1d);
        for _ in 0..20_000 {
            let len = next(18) as usize;
            let digits: Vec<u8> = (0..len).map(|_| b'0' + next(10) as u8).collect();
            for pattern in &patterns {
                assert_eq!(
                    pattern.matches_at_start(&digits),
                    pattern.matches_at_start_by_search(&digits),
                    "{:?}",
                    String::from_utf8_lossy(&digits)
                );
            }
        }
    }

    #[test]
    fn plain_addresses_are_a_subset_of_the_library() {
        let mut rng = crate::normalize::test_rng(0x2545_f491_4f6c_dd1d);
        let mut next = |n: usize| rng(n as u64) as usize;
        let alphabet = b"aZ9._%+-@ \"<>[]!#";
        let mut decided = 0;
        for i in 0..50_000 {
            let len = next(40);
            let raw: String = if i % 2 == 0 {
                (0..len)
                    .map(|_| char::from(alphabet[next(alphabet.len())]))
                    .collect()
            } else {
                let local: String = (0..1 + next(8))
                    .map(|_| char::from(b"ab.-+_9"[next(7)]))
                    .collect();
                let domain: String = (0..1 + next(10))
                    .map(|_| char::from(b"xy.-9"[next(5)]))
                    .collect();
                format!("{local}@{domain}")
            };
            if Email::is_fast_path(&raw) {
                decided += 1;
            }
            assert_eq!(
                is_plain_address(&raw),
                is_plain_address_reference(&raw),
                "plain shape of {raw:?}"
            );
            assert_eq!(
                Email::parse(&raw),
                Email::parse_with_library(&raw),
                "input {raw:?}"
            );
        }
        assert!(
            decided > 1_000,
            "the plain shape must be common, decided {decided}"
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
        for bad in [
            "+",
            "+1234567",
            "+1234567890123456",
            "+91987654321x",
            "+91 98765432",
        ] {
            assert!(PhoneE164::from_e164(bad).is_err(), "{bad}");
        }
        for good in ["+12345678", "+123456789012345", "+919876543210"] {
            let p = PhoneE164::from_e164(good).unwrap();
            assert_eq!((p.as_str(), p.digits()), (good, &good[1..]));
            assert_eq!(p.to_string(), good);
            assert_eq!(format!("{p:?}"), format!("PhoneE164({good:?})"));
            assert_eq!(String::from(p.clone()), good);
            assert_eq!(PhoneE164::try_from(good.to_owned()), Ok(p));
        }
    }
}
