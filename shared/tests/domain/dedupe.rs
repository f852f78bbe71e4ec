use leadmart_shared::contact::Email;
use leadmart_shared::dedupe::{email_key, name_address_key, phone_key};
use proptest::prelude::*;

/// Randomly upper-cases letters.
fn recase(text: &str, mask: u64) -> String {
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask >> (i % 64) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

proptest! {
    #[test]
    fn email_keys_ignore_case_and_surrounding_space(local in "[a-z][a-z0-9._]{0,12}[a-z0-9]", domain in "[a-z]{2,10}\\.(com|in|co\\.in|org)", mask: u64, pad in "[ \t]{0,3}") {
        let plain = Email::parse(&format!("{local}@{domain}"));
        prop_assume!(plain.is_ok());
        let variant = Email::parse(&format!("{pad}{}{pad}", recase(&format!("{local}@{domain}"), mask))).unwrap();
        prop_assert_eq!(email_key(&plain.unwrap()), email_key(&variant));
    }

    #[test]
    fn phone_keys_ignore_formatting(first in 6u8..=9, rest in "[0-9]{9}", style in 0usize..7) {
        let parser = &*crate::INDIA;
        let national = format!("{first}{rest}");
        let canonical = parser.parse(&national);
        prop_assume!(canonical.is_ok());
        let (a, b) = national.split_at(5);
        let written = match style {
            0 => format!("+91 {a} {b}"),
            1 => format!("0{national}"),
            2 => format!("{}-{}-{}", &national[..3], &national[3..6], &national[6..]),
            3 => format!("+91-{national}"),
            4 => format!("0091 {a} {b}"),
            5 => format!("(+91) {a}-{b}"),
            _ => format!("  {a}.{b} "),
        };
        let variant = parser.parse(&written);
        prop_assert!(variant.is_ok(), "{written:?} is the same number");
        prop_assert_eq!(phone_key(&canonical.unwrap()), phone_key(&variant.unwrap()));
    }

    #[test]
    fn name_address_keys_ignore_case_spacing_and_punctuation(words in proptest::collection::vec("[a-z0-9]{1,8}", 2..6), mask: u64, seps in proptest::collection::vec(prop_oneof![Just(" "), Just("  "), Just(", "), Just("-"), Just(". ")], 6)) {
        let (name, address) = words.split_at(1);
        let plain = name_address_key(&name[0], &address.join(" "));
        let messy_address: String = address.iter().enumerate().map(|(i, w)| format!("{w}{}", seps[i % seps.len()])).collect();
        let messy = name_address_key(&format!(" {} ", recase(&name[0], mask)), &recase(&messy_address, mask.rotate_left(7)));
        prop_assert_eq!(plain, messy);
    }

    #[test]
    fn different_emails_give_different_keys(a in "[a-z]{1,10}", b in "[a-z]{1,10}") {
        prop_assume!(a != b);
        let ka = email_key(&Email::parse(&format!("{a}@x.com")).unwrap());
        let kb = email_key(&Email::parse(&format!("{b}@x.com")).unwrap());
        prop_assert_ne!(ka, kb);
    }
}
