//! Text folding: the one definition of "the same name" used by matching (cities, areas) and by
//! dedupe (names and addresses).
//!
//! Folding lower-cases, turns punctuation into spaces and collapses runs of whitespace, so
//! `"  Andheri  West "`, `"andheri-west"` and `"ANDHERI WEST."` all fold to `"andheri west"`.

/// Folds case, punctuation and whitespace. Letters and digits of every script are kept.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_each(text, |ch| out.push(ch));
    out
}

/// The characters of [`fold`]`(text)`, handed to `sink` one by one without allocating (dedupe
/// hashes them straight into SHA-256). Returns how many were produced.
pub fn fold_each(text: &str, mut sink: impl FnMut(char)) -> usize {
    let mut produced = 0;
    let mut pending_space = false;
    let mut emit = |ch: char, produced: &mut usize| {
        sink(ch);
        *produced += 1;
    };
    for ch in text.chars() {
        if ch.is_alphanumeric() {
            if pending_space && produced > 0 {
                emit(' ', &mut produced);
            }
            pending_space = false;
            // ASCII first: it is most of the data and avoids the Unicode tables.
            if ch.is_ascii() {
                emit(ch.to_ascii_lowercase(), &mut produced);
            } else {
                for lower in ch.to_lowercase() {
                    emit(lower, &mut produced);
                }
            }
        } else {
            pending_space = true;
        }
    }
    produced
}

/// [`fold_each`] for ASCII text, a byte at a time: the same output (on ASCII, "alphanumeric"
/// and lower-casing are the ASCII ones) without decoding chars. Returns how many bytes were
/// produced.
pub fn fold_ascii_each(text: &[u8], mut sink: impl FnMut(u8)) -> usize {
    let mut produced = 0;
    let mut pending_space = false;
    for &b in text {
        if b.is_ascii_alphanumeric() {
            if pending_space && produced > 0 {
                sink(b' ');
                produced += 1;
            }
            pending_space = false;
            sink(b.to_ascii_lowercase());
            produced += 1;
        } else {
            pending_space = true;
        }
    }
    produced
}

/// Exactly [`str::trim`], with the common case (ASCII at both ends) decided on bytes: no
/// UTF-8 decoding and no Unicode table look-up per cell. A non-ASCII byte at either end hands
/// the string to `str::trim`.
#[inline]
pub fn trim(text: &str) -> &str {
    // Most cells: nothing to trim, seen from the two end bytes.
    let clean = |b: &u8| b.is_ascii_graphic();
    if text.as_bytes().first().is_some_and(clean) && text.as_bytes().last().is_some_and(clean) {
        return text;
    }
    trim_slow(text)
}

fn trim_slow(text: &str) -> &str {
    // `char::is_whitespace` on ASCII: tab, line feed, vertical tab, form feed, carriage return
    // and space (note: `u8::is_ascii_whitespace` leaves out the vertical tab).
    let is_space = |b: u8| matches!(b, b'\t'..=b'\r' | b' ');
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut end = bytes.len();
    while start < end {
        let b = bytes[start];
        if !b.is_ascii() {
            return text.trim();
        }
        if !is_space(b) {
            break;
        }
        start += 1;
    }
    while end > start {
        let b = bytes[end - 1];
        if !b.is_ascii() {
            return text.trim();
        }
        if !is_space(b) {
            break;
        }
        end -= 1;
    }
    // Both ends stop next to an ASCII byte (or meet), so both are char boundaries.
    text.get(start..end).unwrap_or_else(|| text.trim())
}

/// Whether two names fold to the same text.
pub fn same_place(a: &str, b: &str) -> bool {
    fold(a) == fold(b)
}

/// xorshift64 from `seed`, below `n`: deterministic test data without a dependency.
#[cfg(test)]
pub(crate) fn test_rng(mut seed: u64) -> impl FnMut(u64) -> u64 {
    move |n| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_punctuation_and_spacing() {
        assert_eq!(fold("  Andheri  West "), "andheri west");
        assert_eq!(fold("andheri-west"), "andheri west");
        assert_eq!(fold("ANDHERI WEST."), "andheri west");
        assert_eq!(fold("Flat 4B, Sea View Rd."), "flat 4b sea view rd");
        assert_eq!(fold("São Paulo"), "são paulo");
        assert_eq!(fold("!!!"), "");
        assert!(!same_place("Andheri East", "Andheri West"));
    }

    /// Random strings of 0..max pieces (xorshift64: deterministic, no dependency).
    fn random_strings(pieces: &[&str], max: u64, count: usize) -> Vec<String> {
        let mut next = test_rng(0x9e37_79b9_7f4a_7c15);
        (0..count)
            .map(|_| {
                (0..next(max))
                    .map(|_| pieces[next(pieces.len() as u64) as usize])
                    .collect()
            })
            .collect()
    }

    #[test]
    fn ascii_folding_is_folding() {
        let pieces = [
            "a", "Z", "9", " ", ",", ".", "-", "_", "\t", "\n", "!", "@", "#", "z", "A", "0",
        ];
        for s in random_strings(&pieces, 24, 50_000) {
            let mut bytes = Vec::new();
            let n = fold_ascii_each(s.as_bytes(), |b| bytes.push(b));
            assert_eq!(n, bytes.len());
            assert_eq!(String::from_utf8(bytes).unwrap(), fold(&s), "{s:?}");
        }
    }

    #[test]
    fn trim_is_str_trim() {
        let pieces = [
            "", " ", "\t", "\n", "\r", "\u{b}", "\u{c}", "\u{1c}", "\u{85}", "\u{a0}", "\u{3000}",
            "a", "Zé", "é", "1", "-", "\u{2028}", "\0",
        ];
        for s in random_strings(&pieces, 6, 50_000) {
            assert_eq!(trim(&s), s.trim(), "{s:?}");
        }
        for b in 0..=0x7fu8 {
            let s = format!("{c}x{c}", c = char::from(b));
            assert_eq!(trim(&s), s.trim(), "byte {b:#x}");
        }
    }
}
