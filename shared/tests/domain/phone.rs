use proptest::prelude::*;

/// Inputs shaped like what CSV files hold, valid and not: separators, prefixes, other
/// countries, wrong lengths, stray letters.
fn phone_like() -> impl Strategy<Value = String> {
    let digits = "[0-9]{3,14}";
    let prefix = prop_oneof![
        Just(""),
        Just("+91"),
        Just("+91 "),
        Just("91"),
        Just("0"),
        Just("0091 "),
        Just("+1 "),
        Just("+44"),
        Just("+"),
        Just("(+91) ")
    ];
    let sep = prop_oneof![
        Just(""),
        Just(" "),
        Just("-"),
        Just("."),
        Just("  "),
        Just("/"),
        Just("x")
    ];
    (
        prefix,
        digits,
        sep,
        1usize..12,
        prop_oneof![Just(""), Just(" "), Just(" ext 12")],
    )
        .prop_map(|(p, d, s, at, tail)| {
            let at = at.min(d.len());
            format!("{p}{}{s}{}{tail}", &d[..at], &d[at..])
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn fast_path_equals_library(raw in phone_like()) {
        let parser = &*crate::INDIA;
        let (fast, library) = (parser.parse(&raw).ok(), parser.parse_with_library(&raw).ok());
        prop_assert!(fast == library, "input {:?}: parse {:?}, library {:?}", raw, fast, library);
    }

    #[test]
    fn mobile_numbers_take_the_fast_path(first in 6u8..=9, rest in "[0-9]{9}") {
        let parser = &*crate::INDIA;
        let raw = format!("{first}{rest}");
        // A national number that starts with the country code (91…) is read by the library as
        // carrying it; those go to the library on purpose.
        prop_assume!(!raw.starts_with("91"));
        prop_assert!(parser.is_fast_path(&raw));
        let international = format!("+91 {raw}");
        prop_assert!(parser.is_fast_path(&international));
        prop_assert_eq!(parser.parse(&raw).ok(), parser.parse_with_library(&raw).ok());
    }
}
