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

/// Whether two names fold to the same text.
pub fn same_place(a: &str, b: &str) -> bool {
    fold(a) == fold(b)
}

#[cfg(test)]
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
}
