//! Text folding: the one definition of "the same name" used by matching (cities, areas) and by
//! dedupe (names and addresses).
//!
//! Folding lower-cases, turns punctuation into spaces and collapses runs of whitespace, so
//! `"  Andheri  West "`, `"andheri-west"` and `"ANDHERI WEST."` all fold to `"andheri west"`.

/// Folds case, punctuation and whitespace. Letters and digits of every script are kept.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for ch in text.chars() {
        if ch.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            // ASCII first: it is most of the data and avoids the Unicode tables.
            if ch.is_ascii() {
                out.push(ch.to_ascii_lowercase());
            } else {
                out.extend(ch.to_lowercase());
            }
        } else {
            pending_space = true;
        }
    }
    out
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
