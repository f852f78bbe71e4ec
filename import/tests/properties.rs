//! Properties of the pipeline over generated files.

#![allow(clippy::unwrap_used)]

use leadmart_import::{ImportOptions, Importer};
use proptest::prelude::*;

const HEADER: [&str; 5] = ["Name", "Email", "Phone", "City", "Notes"];

#[derive(Debug, Clone, Copy)]
enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
}

fn encode(text: &str, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Utf8 => text.as_bytes().to_vec(),
        Encoding::Utf8Bom => [b"\xef\xbb\xbf".as_slice(), text.as_bytes()].concat(),
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let le = matches!(encoding, Encoding::Utf16Le);
            let mut out = if le {
                vec![0xff, 0xfe]
            } else {
                vec![0xfe, 0xff]
            };
            for unit in text.encode_utf16() {
                out.extend_from_slice(&if le {
                    unit.to_le_bytes()
                } else {
                    unit.to_be_bytes()
                });
            }
            out
        }
    }
}

/// A cell: starts with a letter (so no row is blank and none looks like a header), then
/// letters, non-ASCII letters, spaces, the file's own delimiter and quote, and line ends.
fn cell(delimiter: char, quote: char) -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a".to_owned(),
        "Zoë".to_owned(),
        "राज".to_owned(),
        " ".to_owned(),
        "x y".to_owned(),
        delimiter.to_string(),
        quote.to_string(),
        "\n".to_owned(),
        "\r\n".to_owned(),
    ]);
    (
        prop::sample::select(vec!["b", "Q", "é"]),
        prop::collection::vec(pieces, 0..6),
    )
        .prop_map(|(first, rest)| format!("{first}{}", rest.concat()))
}

fn table() -> impl Strategy<Value = (u8, u8, bool, Encoding, bool, usize, Vec<Vec<String>>)> {
    (
        prop::sample::select(vec![b',', b';', b'\t', b'|']),
        prop::sample::select(vec![b'"', b'\'']),
        any::<bool>(),
        prop::sample::select(vec![
            Encoding::Utf8,
            Encoding::Utf8Bom,
            Encoding::Utf16Le,
            Encoding::Utf16Be,
        ]),
        any::<bool>(),
        2..=5usize,
    )
        .prop_flat_map(|(delimiter, quote, backslash, encoding, crlf, width)| {
            let rows = prop::collection::vec(
                prop::collection::vec(cell(char::from(delimiter), char::from(quote)), width),
                2..12,
            );
            (
                Just(delimiter),
                Just(quote),
                Just(backslash),
                Just(encoding),
                Just(crlf),
                Just(width),
                rows,
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Any table written in any supported dialect and encoding reads back as the same cells.
    #[test]
    fn any_table_in_any_dialect_reads_back_the_same(
        (delimiter, quote, backslash, encoding, crlf, width, rows) in table()
    ) {
        let mut writer = csv::WriterBuilder::new();
        writer
            .delimiter(delimiter)
            .quote(quote)
            .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') });
        if backslash {
            writer.double_quote(false).escape(b'\\');
        }
        let mut writer = writer.from_writer(Vec::new());
        writer.write_record(&HEADER[..width]).unwrap();
        for row in &rows {
            writer.write_record(row).unwrap();
        }
        let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, encode(&text, encoding)).unwrap();
        let importer = Importer::open(&path, ImportOptions::default()).unwrap();
        prop_assert_eq!(importer.dialect().delimiter, delimiter);
        prop_assert_eq!(importer.columns(), &HEADER[..width]);
        let read: Vec<Vec<String>> = importer
            .preview(rows.len() + 1)
            .unwrap()
            .into_iter()
            .map(|r| r.cells)
            .collect();
        prop_assert_eq!(read, rows);
    }

    /// A good row is accepted whatever its neighbours are: bad values, wrong widths, long
    /// cells, duplicates of it.
    #[test]
    fn a_good_row_is_never_rejected_because_of_a_bad_neighbour(
        kinds in prop::collection::vec(0..7u8, 1..40)
    ) {
        let mut text = String::from("Name,Email,Phone,City\n");
        let mut good_lines = Vec::new();
        let mut last_good = None;
        for (i, kind) in kinds.iter().enumerate() {
            let line = i as u64 + 2;
            let row = match kind {
                0 | 1 => {
                    good_lines.push(line);
                    last_good = Some(i);
                    format!("Person {i},p{i}@example.com,98765 {:05},Pune", 10_000 + i)
                }
                2 => format!("Person {i},not an email,98765 {:05},Pune", 10_000 + i),
                3 => format!("Person {i},q{i}@example.com,123,Pune"),
                4 => format!("Person {i},q{i}@example.com,98765 {:05},Pune,extra,cells", 20_000 + i),
                5 => format!("Person {i},\"{}\",,Pune", "x".repeat(3_000)),
                _ => match last_good {
                    Some(g) => format!("Again {g},p{g}@example.com,,Pune"),
                    None => format!(",q{i}@example.com,,Pune"),
                },
            };
            text.push_str(&row);
            text.push('\n');
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, &text).unwrap();
        let importer = Importer::open(&path, ImportOptions::default()).unwrap();
        let report = importer.run(&|_| {}).unwrap();
        prop_assert_eq!(report.rows, kinds.len() as u64);
        prop_assert_eq!(report.accepted, good_lines.len() as u64);
        let rejected: Vec<u64> = report.rejections().unwrap().map(|r| r.unwrap().line).collect();
        prop_assert!(good_lines.iter().all(|l| !rejected.contains(l)));
        prop_assert_eq!(rejected.len() as u64, report.rejected);
    }

    /// Any bytes end in a report or a typed error, never a panic; a report's counts add up.
    #[test]
    fn any_bytes_end_in_a_report_or_a_typed_error(
        bytes in prop::collection::vec(
            prop_oneof![
                any::<u8>(),
                prop::sample::select(b",;\t|\"'\r\n @.9aZ".to_vec()),
            ],
            0..600,
        )
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, &bytes).unwrap();
        match Importer::open(&path, ImportOptions::default()) {
            Err(e) => prop_assert!(!e.code().is_empty()),
            Ok(importer) => {
                let _ = importer.preview(20);
                if let Ok(report) = importer.run(&|_| {}) {
                    prop_assert_eq!(report.accepted + report.rejected, report.rows);
                    prop_assert_eq!(
                        report.rejections().unwrap().count() as u64,
                        report.rejected
                    );
                }
            }
        }
    }
}
