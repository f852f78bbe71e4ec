//! Dedupe (seed 001): keys from the normalised email (trimmed, lower-cased), the phone in
//! E.164, and name + address folded (case, whitespace, punctuation); each SHA-256 hashed with a
//! kind prefix so an email and a name can never collide. A duplicate within an upload or of an
//! existing lead is rejected with the key it collided on; platform-owned leads win over partner
//! uploads.

use crate::contact::{ContactDetails, Email, PhoneE164};
use crate::normalize::{fold_ascii_each, fold_each};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use specta::Type;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt::Write as _;
use std::hash::{BuildHasher, Hasher};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Type,
)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    Email,
    Phone,
    NameAddress,
}

impl KeyKind {
    fn prefix(self) -> &'static [u8] {
        match self {
            Self::Email => b"email\x00",
            Self::Phone => b"phone\x00",
            Self::NameAddress => b"name+address\x00",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
            Self::NameAddress => "name_address",
        }
    }

    /// One byte per kind, for compact storage ([`Self::from_byte`] reads it back).
    pub fn to_byte(self) -> u8 {
        match self {
            Self::Email => 0,
            Self::Phone => 1,
            Self::NameAddress => 2,
        }
    }

    pub fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            0 => Some(Self::Email),
            1 => Some(Self::Phone),
            2 => Some(Self::NameAddress),
            _ => None,
        }
    }

    /// The key in words, for messages people read.
    pub fn words(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
            Self::NameAddress => "name and address",
        }
    }
}

/// A hashed dedupe key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DedupeKey {
    pub kind: KeyKind,
    pub hash: [u8; 32],
}

impl DedupeKey {
    fn new(kind: KeyKind, normalized: &[u8]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(kind.prefix());
        hasher.update(normalized);
        Self {
            kind,
            hash: hasher.finalize().into(),
        }
    }

    /// Lower-case hex, the form stored in the database.
    pub fn hex(&self) -> String {
        let mut out = String::with_capacity(64);
        for b in self.hash {
            // Writing to a String cannot fail.
            let _ = write!(out, "{b:02x}");
        }
        out
    }

    /// The first 128 bits: what the in-upload set stores to keep memory small (collisions
    /// need ~2^64 keys).
    fn short(&self) -> Short {
        Short::of(&self.stored())
    }

    /// The first 128 bits as bytes: the form a device keeps of its earlier uploads' keys
    /// ([`EarlierKeys`]).
    pub fn stored(&self) -> [u8; 16] {
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&self.hash[..16]);
        bytes
    }
}

/// 128 bits of a key as two `u64`s: aligned to 8 rather than `u128`'s 16, so a slot of the
/// in-upload set (key and [`PackedRow`]) takes 24 bytes, not 32.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Short([u64; 2]);

impl Short {
    fn of(bytes: &[u8; 16]) -> Self {
        let mut high = [0u8; 8];
        let mut low = [0u8; 8];
        high.copy_from_slice(&bytes[..8]);
        low.copy_from_slice(&bytes[8..]);
        Self([u64::from_be_bytes(high), u64::from_be_bytes(low)])
    }
}

impl std::hash::Hash for Short {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u128((u128::from(self.0[0]) << 64) | u128::from(self.0[1]));
    }
}

pub fn email_key(email: &Email) -> DedupeKey {
    let mut hasher = Sha256::new();
    hasher.update(KeyKind::Email.prefix());
    let raw = email.as_str();
    if raw.is_ascii() {
        // Lower-case in a stack buffer: this runs once per uploaded row.
        let mut buf = [0u8; 64];
        for chunk in raw.as_bytes().chunks(buf.len()) {
            let out = &mut buf[..chunk.len()];
            out.copy_from_slice(chunk);
            out.make_ascii_lowercase();
            hasher.update(&*out);
        }
    } else {
        hasher.update(email.normalized().as_bytes());
    }
    DedupeKey {
        kind: KeyKind::Email,
        hash: hasher.finalize().into(),
    }
}

pub fn phone_key(phone: &PhoneE164) -> DedupeKey {
    DedupeKey::new(KeyKind::Phone, phone.as_str().as_bytes())
}

/// `None` when the name or the address folds to nothing: an empty half would make every
/// nameless row at one address collide. Hashes `fold(name) + "\n" + fold(address)`, folded
/// into a stack buffer that is handed to SHA-256 in a few large pieces (one per row in
/// practice) rather than one call per character.
pub fn name_address_key(name: &str, address: &str) -> Option<DedupeKey> {
    const SHORT: usize = 256;
    if name.is_ascii() && address.is_ascii() && name.len() + 1 + address.len() <= SHORT {
        // Almost every row: folded a byte at a time into one stack buffer (the same output,
        // see `fold_ascii_each`; folding never lengthens ASCII text) and hashed in one piece.
        let mut buf = [0u8; SHORT];
        let mut len = 0;
        let mut put = |b: u8| {
            buf[len] = b;
            len += 1;
        };
        if fold_ascii_each(name.as_bytes(), &mut put) == 0 {
            return None;
        }
        put(b'\n');
        if fold_ascii_each(address.as_bytes(), &mut put) == 0 {
            return None;
        }
        return Some(DedupeKey::new(KeyKind::NameAddress, &buf[..len]));
    }
    let mut sink = BufferedHasher::new(KeyKind::NameAddress);
    let mut feed = |ch: char| sink.push(ch);
    if fold_each(name, &mut feed) == 0 {
        return None;
    }
    feed('\n');
    if fold_each(address, &mut feed) == 0 {
        return None;
    }
    Some(sink.finish())
}

/// SHA-256 of a key kind's prefix and text pushed a character at a time, through a buffer.
struct BufferedHasher {
    kind: KeyKind,
    hasher: Sha256,
    buf: [u8; 128],
    len: usize,
}

impl BufferedHasher {
    fn new(kind: KeyKind) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(kind.prefix());
        Self {
            kind,
            hasher,
            buf: [0; 128],
            len: 0,
        }
    }

    fn push(&mut self, ch: char) {
        if self.len + 4 > self.buf.len() {
            self.hasher.update(&self.buf[..self.len]);
            self.len = 0;
        }
        self.len += ch.encode_utf8(&mut self.buf[self.len..]).len();
    }

    fn finish(mut self) -> DedupeKey {
        self.hasher.update(&self.buf[..self.len]);
        DedupeKey {
            kind: self.kind,
            hash: self.hasher.finalize().into(),
        }
    }
}

/// The keys of one contact.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DedupeKeys {
    pub email: Option<DedupeKey>,
    pub phone: Option<DedupeKey>,
    pub name_address: Option<DedupeKey>,
}

impl DedupeKeys {
    pub fn of(contact: &ContactDetails) -> Self {
        Self {
            email: contact.email.as_ref().map(email_key),
            phone: contact.phone.as_ref().map(phone_key),
            name_address: contact
                .address
                .as_deref()
                .and_then(|a| name_address_key(contact.name.as_str(), a)),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &DedupeKey> {
        [&self.email, &self.phone, &self.name_address]
            .into_iter()
            .flatten()
    }
}

/// A row that collided with an earlier row of the same upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Collision {
    pub kind: KeyKind,
    /// The row that first had the key.
    pub first_row: u64,
}

/// Duplicates within one upload. Memory grows with distinct keys (16 bytes each plus 8 for the
/// row and key kind packed together: 24 a slot, where `(KeyKind, u64)` would pad to 32), not with
/// row width.
#[derive(Debug, Default)]
pub struct UploadDeduper {
    seen: HashMap<Short, PackedRow, KeyHashing>,
}

/// A row number (below 2^62) and the kind of the key in the top two bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PackedRow(u64);

impl PackedRow {
    const ROW_BITS: u32 = 62;

    fn new(kind: KeyKind, row: u64) -> Self {
        let kind = u64::from(kind.to_byte());
        Self((kind << Self::ROW_BITS) | (row & ((1 << Self::ROW_BITS) - 1)))
    }

    fn unpack(self) -> (KeyKind, u64) {
        // Two bits hold one of the three kinds `new` wrote.
        let kind =
            KeyKind::from_byte((self.0 >> Self::ROW_BITS) as u8).unwrap_or(KeyKind::NameAddress);
        (kind, self.0 & ((1 << Self::ROW_BITS) - 1))
    }
}

/// Hashing for the in-upload set. Its keys are already SHA-256 output, so SipHash over them
/// (std's default, a fifth of a row's validation time) buys nothing: one multiply folds the
/// two halves. The halves are first mixed with a random per-upload secret, so a file crafted
/// to pile keys into one bucket would have to guess it.
#[derive(Debug, Clone, Copy)]
struct KeyHashing {
    secret: [u64; 2],
}

impl Default for KeyHashing {
    fn default() -> Self {
        let random = std::hash::RandomState::new();
        Self {
            secret: [random.hash_one(0u8), random.hash_one(1u8)],
        }
    }
}

impl BuildHasher for KeyHashing {
    type Hasher = KeyHasher;

    fn build_hasher(&self) -> KeyHasher {
        KeyHasher {
            secret: self.secret,
            hash: 0,
        }
    }
}

/// See [`KeyHashing`]; only [`Short`] keys (as one `u128`) are written to it.
#[derive(Debug)]
struct KeyHasher {
    secret: [u64; 2],
    hash: u64,
}

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Not used by `Short` keys; kept correct for any other use.
        for chunk in bytes.chunks(16) {
            let mut block = [0u8; 16];
            block[..chunk.len()].copy_from_slice(chunk);
            self.write_u128(u128::from_le_bytes(block) ^ u128::from(self.hash));
        }
    }

    fn write_u128(&mut self, key: u128) {
        let low = (key as u64) ^ self.secret[0];
        let high = ((key >> 64) as u64) ^ self.secret[1];
        let product = u128::from(low).wrapping_mul(u128::from(high));
        self.hash = (product as u64) ^ ((product >> 64) as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

impl UploadDeduper {
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty set sized for about `rows` rows (three keys each) so it does not grow and
    /// rehash while an upload is checked; pass the importer's row-count estimate. Only a hint:
    /// the set still grows past it.
    pub fn with_capacity(rows: usize) -> Self {
        Self {
            seen: HashMap::with_capacity_and_hasher(rows.saturating_mul(3), KeyHashing::default()),
        }
    }

    /// Records the row's keys, or reports the first collision and records nothing (a rejected
    /// row must not shadow a later good one).
    pub fn check_and_insert(&mut self, row: u64, keys: &DedupeKeys) -> Result<(), Collision> {
        // One probe per key: each is inserted as it is checked, and taken out again when a
        // later key of the row collides (rare), which leaves the set as if it was never added.
        let mut inserted = [Short([0, 0]); 3];
        let mut count = 0;
        for key in keys.iter() {
            match self.seen.entry(key.short()) {
                Entry::Occupied(mut earlier) => {
                    if inserted[..count].contains(earlier.key()) {
                        // Two keys of this row with the same 128 bits: one entry, the later
                        // key's, as inserting them one after the other gives.
                        earlier.insert(PackedRow::new(key.kind, row));
                        continue;
                    }
                    let (kind, first_row) = earlier.get().unpack();
                    for short in &inserted[..count] {
                        self.seen.remove(short);
                    }
                    return Err(Collision { kind, first_row });
                }
                Entry::Vacant(slot) => {
                    slot.insert(PackedRow::new(key.kind, row));
                    if let Some(done) = inserted.get_mut(count) {
                        *done = key.short();
                        count += 1;
                    }
                }
            }
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

/// The keys of a partner's earlier uploads (their [`DedupeKey::stored`] form), which every row
/// of a new upload is checked against. Read-only while an upload is checked, so the importer's
/// workers share one set.
#[derive(Debug, Default)]
pub struct EarlierKeys {
    seen: HashMap<Short, KeyKind, KeyHashing>,
}

impl EarlierKeys {
    /// The set of `keys`, each with the kind it was stored under.
    pub fn from_stored(keys: impl IntoIterator<Item = (KeyKind, [u8; 16])>) -> Self {
        let mut seen = HashMap::with_hasher(KeyHashing::default());
        seen.extend(keys.into_iter().map(|(kind, key)| (Short::of(&key), kind)));
        Self { seen }
    }

    /// The kind of the first of `keys` an earlier upload had, if any.
    pub fn first_match(&self, keys: &DedupeKeys) -> Option<KeyKind> {
        keys.iter()
            .find_map(|key| self.seen.get(&key.short()).copied())
    }

    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

/// What happens when a new lead collides with an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Reject the incoming lead (the usual case).
    RejectIncoming,
    /// The incoming lead is platform-owned and the existing one a partner's: the platform's
    /// lead is kept and the partner's lead is withdrawn (seed 001 decision 5).
    ReplaceExisting,
}

pub fn resolve(existing_platform_owned: bool, incoming_platform_owned: bool) -> Resolution {
    if incoming_platform_owned && !existing_platform_owned {
        Resolution::ReplaceExisting
    } else {
        Resolution::RejectIncoming
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::contact::PersonName;

    #[test]
    fn keys_are_normalised_and_hashed() {
        let a = email_key(&Email::parse(" Rajesh.K@Email.COM").unwrap());
        let b = email_key(&Email::parse("rajesh.k@email.com").unwrap());
        assert_eq!(a, b);
        assert_eq!(a.hex().len(), 64);
        assert_ne!(a, email_key(&Email::parse("rajesh.k2@email.com").unwrap()));
        assert_eq!(
            name_address_key("Rajesh  KUMAR", "Flat 4B, Sea View Rd."),
            name_address_key("rajesh kumar", "flat 4b sea-view rd")
        );
        assert_eq!(name_address_key("", "Flat 4B"), None);
        assert_eq!(name_address_key("Priya", " ,. "), None);
        let mut h = Sha256::new();
        h.update(b"name+address\x00rajesh kumar\nflat 4b sea view rd");
        let expected: [u8; 32] = h.finalize().into();
        assert_eq!(
            name_address_key("Rajesh Kumar", "Flat 4B, Sea View Rd.")
                .unwrap()
                .hash,
            expected,
            "streamed = fold then hash"
        );
        // Around the one-buffer size and past it, ASCII and not: every path hashes fold + "\n" + fold.
        for (name, address) in [
            ("Priya  SHARMA", "Flat 12, Tower 4, ".repeat(13)),
            ("Priya  SHARMA", "Flat 12, Tower 4, ".repeat(14)),
            ("Priya  SHARMA", "Flat 12, Tower 4, ".repeat(30)),
            ("Zoë Ångström", "Straße 5, ".repeat(20)),
        ] {
            let mut h = Sha256::new();
            h.update(b"name+address\x00");
            h.update(crate::normalize::fold(name).as_bytes());
            h.update(b"\n");
            h.update(crate::normalize::fold(&address).as_bytes());
            let expected: [u8; 32] = h.finalize().into();
            assert_eq!(name_address_key(name, &address).unwrap().hash, expected);
        }
        // Known vector: SHA-256("email\0a@b.co").
        let mut h = Sha256::new();
        h.update(b"email\x00a@b.co");
        let expected: [u8; 32] = h.finalize().into();
        assert_eq!(email_key(&Email::parse("A@B.co").unwrap()).hash, expected);
    }

    #[test]
    fn duplicates_within_an_upload_name_the_key_and_first_row() {
        let contact = |email: &str, phone: &str| {
            ContactDetails::new(
                PersonName::parse("Priya Sharma").unwrap(),
                Some(Email::parse(email).unwrap()),
                Some(PhoneE164::from_e164(phone).unwrap()),
                None,
            )
            .unwrap()
        };
        let mut d = UploadDeduper::new();
        d.check_and_insert(1, &DedupeKeys::of(&contact("p@x.com", "+919876543210")))
            .unwrap();
        d.check_and_insert(2, &DedupeKeys::of(&contact("q@x.com", "+919876543211")))
            .unwrap();
        assert_eq!(
            d.check_and_insert(3, &DedupeKeys::of(&contact("r@x.com", "+919876543210"))),
            Err(Collision {
                kind: KeyKind::Phone,
                first_row: 1
            })
        );
        assert_eq!(
            d.check_and_insert(4, &DedupeKeys::of(&contact("Q@X.com", "+919800000000"))),
            Err(Collision {
                kind: KeyKind::Email,
                first_row: 2
            })
        );
        // Row 3 was rejected, so its email is free for row 5.
        assert!(
            d.check_and_insert(5, &DedupeKeys::of(&contact("r@x.com", "+919811111111")))
                .is_ok()
        );
    }

    #[test]
    fn earlier_uploads_match_by_any_key_in_stored_form() {
        let contact = |email: &str, phone: &str| {
            DedupeKeys::of(
                &ContactDetails::new(
                    PersonName::parse("Priya Sharma").unwrap(),
                    Some(Email::parse(email).unwrap()),
                    Some(PhoneE164::from_e164(phone).unwrap()),
                    None,
                )
                .unwrap(),
            )
        };
        let earlier = contact("p@x.com", "+919876543210");
        let known = EarlierKeys::from_stored(earlier.iter().map(|k| (k.kind, k.stored())));
        assert_eq!(known.len(), 2);
        assert_eq!(
            known.first_match(&contact("P@X.com", "+919800000000")),
            Some(KeyKind::Email)
        );
        assert_eq!(
            known.first_match(&contact("q@x.com", "+919876543210")),
            Some(KeyKind::Phone)
        );
        assert_eq!(
            known.first_match(&contact("q@x.com", "+919800000000")),
            None
        );
        assert_eq!(EarlierKeys::default().first_match(&earlier), None);
    }

    #[test]
    fn one_probe_per_key_equals_check_then_insert() {
        // The definition: look every key up, and insert them all only when none is there.
        fn reference(
            seen: &mut HashMap<Short, (KeyKind, u64)>,
            row: u64,
            keys: &DedupeKeys,
        ) -> Result<(), Collision> {
            if let Some((kind, first_row)) = keys.iter().find_map(|k| seen.get(&k.short()).copied())
            {
                return Err(Collision { kind, first_row });
            }
            for key in keys.iter() {
                seen.insert(key.short(), (key.kind, row));
            }
            Ok(())
        }
        let mut next = crate::normalize::test_rng(0x2545_f491_4f6c_dd1d);
        // Few distinct values, so collisions on every key and in every position are common.
        let mut key = |kind: KeyKind| {
            let pick = next(4);
            (pick != 0).then(|| DedupeKey {
                kind,
                hash: [(next(40) as u8); 32],
            })
        };
        let mut fast = UploadDeduper::new();
        let mut slow = HashMap::new();
        for row in 0..5_000 {
            let keys = DedupeKeys {
                email: key(KeyKind::Email),
                phone: key(KeyKind::Phone),
                name_address: key(KeyKind::NameAddress),
            };
            assert_eq!(
                fast.check_and_insert(row, &keys),
                reference(&mut slow, row, &keys),
                "row {row}"
            );
            assert_eq!(fast.len(), slow.len());
            assert!(
                fast.seen
                    .iter()
                    .all(|(k, v)| slow.get(k) == Some(&v.unpack()))
            );
        }
    }

    #[test]
    fn a_packed_row_keeps_its_kind_and_number() {
        for kind in [KeyKind::Email, KeyKind::Phone, KeyKind::NameAddress] {
            for row in [0, 1, 1_000_000, (1 << 62) - 1] {
                assert_eq!(PackedRow::new(kind, row).unpack(), (kind, row));
            }
        }
    }

    #[test]
    fn platform_leads_win() {
        assert_eq!(resolve(false, true), Resolution::ReplaceExisting);
        assert_eq!(resolve(true, false), Resolution::RejectIncoming);
        assert_eq!(resolve(false, false), Resolution::RejectIncoming);
        assert_eq!(resolve(true, true), Resolution::RejectIncoming);
    }
}
