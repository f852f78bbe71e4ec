//! One test per class of messy file (issue 10): real files written to a temporary folder, read
//! by the real pipeline, asserting the exact rows accepted, the reasons, and the repairs said.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use leadmart_import::{ImportError, ImportOptions, Importer, Report};
use leadmart_shared::csv_rules::LeadField;

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Self {
        Self(tempfile::tempdir().unwrap())
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

/// The importer, its report, and the folder holding the file (the preview reads it again).
fn import(bytes: &[u8]) -> Result<(Importer, Report, Dir), ImportError> {
    let dir = Dir::new();
    let path = dir.file("leads.csv", bytes);
    let importer = Importer::open(&path, ImportOptions::default())?;
    let report = importer.run(&|_| {})?;
    Ok((importer, report, dir))
}

fn report(bytes: &[u8]) -> Report {
    import(bytes).unwrap().1
}

/// `(line, reason codes)` of every rejected row.
fn rejected(report: &Report) -> Vec<(u64, Vec<String>)> {
    report
        .rejections()
        .unwrap()
        .map(|r| {
            let r = r.unwrap();
            (r.line, r.reasons.into_iter().map(|r| r.code).collect())
        })
        .collect()
}

/// The first reason's message of every rejected row.
fn first_reasons(report: &Report) -> Vec<String> {
    report
        .rejections()
        .unwrap()
        .map(|x| x.unwrap().reasons[0].message.clone())
        .collect()
}

fn codes(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn repair_message(report: &Report, code: &str) -> String {
    let note = report.repairs.iter().find(|n| n.repair.code() == code);
    note.map(|n| n.message.clone()).unwrap_or_default()
}

fn repair_codes(report: &Report) -> Vec<&'static str> {
    report.repairs.iter().map(|r| r.repair.code()).collect()
}

const GOOD: &str = "Name,Email,Phone,City\n\
Priya Sharma,priya@example.com,98765 43210,Mumbai\n\
Rajesh Kumar,rajesh@example.com,+91 98765 43211,Pune\n";

#[test]
fn utf8_without_bom_is_read_as_is() {
    let r = report(GOOD.as_bytes());
    assert_eq!((r.rows, r.accepted, r.rejected), (2, 2, 0));
    assert_eq!(r.encoding, "UTF-8");
    assert!(repair_codes(&r).is_empty(), "{:?}", r.repairs);
}

#[test]
fn utf8_bom_is_not_part_of_the_first_header() {
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend_from_slice(GOOD.as_bytes());
    let (importer, r, _dir) = import(&bytes).unwrap();
    assert_eq!(importer.columns()[0], "Name");
    assert_eq!(importer.mapping()[0].field, Some(LeadField::FullName));
    assert_eq!(r.accepted, 2);
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian {
        vec![0xfe, 0xff]
    } else {
        vec![0xff, 0xfe]
    };
    for unit in text.encode_utf16() {
        let bytes = if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        };
        out.extend_from_slice(&bytes);
    }
    out
}

#[test]
fn utf16_with_a_bom_is_decoded_in_either_byte_order() {
    let text = GOOD.replace("Priya", "Zoë");
    for (big_endian, name) in [(false, "UTF-16LE"), (true, "UTF-16BE")] {
        let r = report(&utf16(&text, big_endian));
        assert_eq!((r.rows, r.accepted), (2, 2), "{name}");
        assert_eq!(r.encoding, name);
        assert_eq!(repair_codes(&r), ["transcoded"]);
    }
}

#[test]
fn windows_1252_is_converted_and_the_repair_said() {
    let text = "Name,Email,Phone,City\n\
José Müller,jose@example.com,98765 43210,Köln\n\
Zoë Ångström,zoe@example.com,98765 43211,Malmö — “centre”\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let (importer, r, _dir) = import(&bytes).unwrap();
    assert_eq!(r.encoding, "windows-1252");
    assert_eq!(r.accepted, 2);
    assert_eq!(r.repairs[0].message, "converted from windows-1252");
    let preview = importer.preview(5).unwrap();
    assert_eq!(preview[0].cells[0], "José Müller");
    assert_eq!(preview[1].cells[3], "Malmö — “centre”");
}

#[test]
fn latin1_bytes_are_read_as_their_characters() {
    // ISO-8859-1: every byte is its code point.
    let text = "Name,Email,Phone,City\nFrançois Œ,francois@example.com,98765 43210,Besançon\nAñaños Ibáñez,anna@example.com,98765 43211,Logroño\n";
    let bytes: Vec<u8> = text
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect();
    let (importer, r, _dir) = import(&bytes).unwrap();
    assert_eq!(r.accepted, 2);
    assert_eq!(importer.preview(2).unwrap()[1].cells[0], "Añaños Ibáñez");
    assert!(r.has_repair("transcoded"));
}

#[test]
fn mixed_line_endings_are_all_line_ends() {
    let text = "Name,Email,Phone,City\r\nA One,a@example.com,98765 43210,Pune\nB Two,b@example.com,98765 43211,Pune\rC Three,c@example.com,98765 43212,Pune\r\n";
    let r = report(text.as_bytes());
    assert_eq!((r.rows, r.accepted), (3, 3));
    assert!(r.has_repair("mixed_line_endings"));
}

#[test]
fn every_delimiter_is_sniffed_not_assumed() {
    for (delimiter, name) in [
        (";", "semicolon"),
        ("\t", "tab"),
        ("|", "pipe"),
        (",", "comma"),
    ] {
        let text = format!(
            "Name{d}Email{d}Phone{d}City\nPriya Sharma{d}p@example.com{d}98765 43210{d}Navi Mumbai\nRaj Kumar{d}r@example.com{d}98765 43211{d}Pune\n",
            d = delimiter
        );
        let r = report(text.as_bytes());
        assert_eq!(r.delimiter, name);
        assert_eq!(r.accepted, 2, "{name}");
    }
    // Space-separated: cells without spaces.
    let r = report(b"Name Email Phone City\nPriya p@example.com 9876543210 Pune\n");
    assert_eq!((r.delimiter, r.accepted), ("space", 1));
    // ", " between cells: a comma file whose cells carry a leading space.
    let r = report(b"Name, Email, Phone, City\nPriya Sharma, p@example.com, 98765 43210, Pune\n");
    assert_eq!((r.delimiter, r.accepted), ("comma", 1));
    assert!(r.has_repair("cells_trimmed"));
}

#[test]
fn single_quote_quoting_is_sniffed() {
    let text = "Name,Email,Phone,City\n'Sharma, Priya',p@example.com,98765 43210,'Navi Mumbai, MH'\n'Kumar, Raj',r@example.com,98765 43211,Pune\n";
    let (importer, r, _dir) = import(text.as_bytes()).unwrap();
    assert_eq!((r.quote, r.accepted), ('\'', 2));
    assert_eq!(importer.preview(1).unwrap()[0].cells[0], "Sharma, Priya");
}

#[test]
fn backslash_escaped_quotes_are_sniffed() {
    let text = "Name,Email,Phone,City,Notes\n\
\"Priya \\\"PJ\\\" Sharma\",p@example.com,98765 43210,Pune,\"said \\\"call me\\\", later\"\n\
\"Raj Kumar\",r@example.com,98765 43211,Pune,\"a \\\"b\\\", c\"\n";
    let (importer, r, _dir) = import(text.as_bytes()).unwrap();
    assert!(r.backslash_escape);
    assert_eq!(r.accepted, 2);
    let row = &importer.preview(1).unwrap()[0];
    assert_eq!(row.cells[0], "Priya \"PJ\" Sharma");
    assert_eq!(row.cells[4], "said \"call me\", later");
}

#[test]
fn quoted_fields_hold_delimiters_and_newlines() {
    let text = "Name,Email,Phone,City,Address\n\
Priya Sharma,p@example.com,98765 43210,Pune,\"Flat 4B,\nSea View Rd,\r\nPowai\"\n\
Raj Kumar,not-an-email,98765 43211,Pune,\"x, y\"\n";
    let r = report(text.as_bytes());
    assert_eq!((r.rows, r.accepted), (2, 1));
    assert_eq!(
        rejected(&r),
        [(5, codes(&["invalid_email"]))],
        "the second row starts on line 5"
    );
}

#[test]
fn stray_quotes_inside_unquoted_fields_are_kept_and_counted() {
    let text = "Name,Email,Phone,City\nPriya \"PJ\" Sharma,p@example.com,98765 43210,Pune\nRaj 5'11,r@example.com,98765 43211,Pune\n";
    let (importer, r, _dir) = import(text.as_bytes()).unwrap();
    assert_eq!(r.accepted, 2);
    assert_eq!(
        importer.preview(1).unwrap()[0].cells[0],
        "Priya \"PJ\" Sharma"
    );
    assert_eq!(repair_message(&r, "stray_quotes"), "1 row had stray quotes");
}

#[test]
fn leading_and_trailing_spaces_are_trimmed_for_the_rules_only() {
    let text = "  Name , Email ,Phone,City\n  Priya Sharma  ,  p@example.com ,98765 43210 , Pune\n";
    let (importer, r, _dir) = import(text.as_bytes()).unwrap();
    assert_eq!(r.accepted, 1);
    assert_eq!(importer.columns()[1], "Email");
    assert_eq!(
        importer.preview(1).unwrap()[0].cells[0],
        "  Priya Sharma  ",
        "cells keep their text"
    );
    assert!(r.has_repair("cells_trimmed"));
}

#[test]
fn a_last_line_without_a_newline_is_a_row() {
    let text = GOOD.trim_end();
    assert_eq!(report(text.as_bytes()).accepted, 2);
}

#[test]
fn no_header_row_is_detected_and_columns_named_from_contents() {
    let text = "Priya Sharma,priya@example.com,98765 43210,Mumbai\nRajesh Kumar,rajesh@example.com,+91 98765 43211,Pune\n";
    let (importer, r, _dir) = import(text.as_bytes()).unwrap();
    assert!(!importer.has_header());
    assert_eq!(
        importer.columns(),
        ["Column 1", "Column 2", "Column 3", "Column 4"]
    );
    let fields: Vec<_> = importer.mapping().iter().map(|c| c.field).collect();
    assert_eq!(
        fields,
        [
            Some(LeadField::FullName),
            Some(LeadField::Email),
            Some(LeadField::Phone),
            Some(LeadField::City)
        ]
    );
    assert_eq!((r.rows, r.accepted), (2, 2), "the first line is data");
    assert!(r.has_repair("header_generated"));
}

#[test]
fn a_header_over_two_lines_is_joined() {
    let text = "Full,Contact,Contact,\nName,Email,Phone,City\nPriya Sharma,p@example.com,98765 43210,Pune\n";
    let (importer, r, _dir) = import(text.as_bytes()).unwrap();
    assert_eq!(
        importer.columns(),
        ["Full Name", "Contact Email", "Contact Phone", "City"]
    );
    assert_eq!(importer.header_lines(), [1, 2]);
    assert_eq!(r.accepted, 1);
    assert!(r.has_repair("header_joined"));
}

#[test]
fn preamble_lines_before_the_header_are_skipped() {
    let text = format!("Leads export\nExported on: 2026-11-30\n\n{GOOD}");
    let (importer, r, _dir) = import(text.as_bytes()).unwrap();
    assert_eq!(importer.header_lines(), [4]);
    assert_eq!(r.accepted, 2);
    assert_eq!(
        repair_message(&r, "preamble_skipped"),
        "3 lines before the header skipped"
    );
}

#[test]
fn blank_lines_are_skipped_and_counted() {
    let text = "Name,Email,Phone,City\n\nPriya Sharma,p@example.com,98765 43210,Pune\n,,,\n  \n\nRaj Kumar,r@example.com,98765 43211,Pune\n";
    let r = report(text.as_bytes());
    assert_eq!((r.rows, r.accepted, r.rejected), (2, 2, 0));
    assert!(r.has_repair("blank_lines_skipped"));
}

#[test]
fn trailing_empty_columns_are_dropped() {
    let text = "Name,Email,Phone,City,,,\nPriya Sharma,p@example.com,98765 43210,Pune,,,\nRaj Kumar,r@example.com,98765 43211,Pune\n";
    let (importer, r, _dir) = import(text.as_bytes()).unwrap();
    assert_eq!(importer.columns().len(), 4);
    assert_eq!(r.accepted, 2);
    assert!(r.has_repair("trailing_empty_columns_dropped"));
}

#[test]
fn short_and_long_rows_are_reported_not_shifted() {
    let text = "Name,Email,Phone,City\n\
Priya Sharma,p@example.com,98765 43210,Pune\n\
Raj Kumar,r@example.com,Pune\n\
Anita Das,a@example.com,98765 43212,Pune,extra\n\
Vikram Rao,v@example.com,98765 43213,Pune\n";
    let r = report(text.as_bytes());
    assert_eq!((r.rows, r.accepted), (4, 2));
    assert_eq!(
        rejected(&r),
        [
            (
                3,
                codes(&["wrong_cell_count", "invalid_phone", "missing_value"])
            ),
            (4, codes(&["wrong_cell_count"]))
        ]
    );
    assert_eq!(r.reasons["wrong_cell_count"], 2);
}

#[test]
fn duplicate_header_names_are_kept_apart() {
    let text = "Name,Phone,Email,Phone\nPriya Sharma,98765 43210,p@example.com,98765 99999\n";
    let (importer, r, _dir) = import(text.as_bytes()).unwrap();
    assert_eq!(importer.columns(), ["Name", "Phone", "Email", "Phone (2)"]);
    assert_eq!(importer.mapping()[3].duplicate_of, Some(1));
    assert_eq!(r.accepted, 0, "City is required by default");
    assert!(r.has_repair("duplicate_header_renamed"));
}

#[test]
fn empty_header_names_are_given_one() {
    let text = "Name,,Email,Phone,City\nPriya Sharma,x,p@example.com,98765 43210,Pune\n";
    let (importer, r, _dir) = import(text.as_bytes()).unwrap();
    assert_eq!(importer.columns()[1], "Column 2");
    assert_eq!(importer.mapping()[1].field, None);
    assert_eq!(r.accepted, 1);
    assert!(r.has_repair("empty_header_named"));
}

#[test]
fn a_header_only_file_is_a_typed_error() {
    assert_eq!(
        import(b"Name,Email,Phone,City\n").err(),
        Some(ImportError::HeaderOnly)
    );
    assert_eq!(
        import(b"Name,Email,Phone,City\n\n\n").err(),
        Some(ImportError::HeaderOnly)
    );
}

#[test]
fn a_zero_byte_file_is_a_typed_error() {
    assert_eq!(import(b"").err(), Some(ImportError::Empty));
    assert_eq!(import(b" \r\n\n").err(), Some(ImportError::Empty));
}

#[test]
fn a_binary_file_renamed_csv_is_a_typed_error() {
    let mut zip = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00".to_vec();
    zip.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    assert_eq!(import(&zip).err(), Some(ImportError::Binary));
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00";
    assert_eq!(import(png).err(), Some(ImportError::Binary));
    assert_eq!(ImportError::Binary.code(), "binary_file");
}

#[test]
fn a_very_long_field_is_read_and_rejected_by_length_alone() {
    let long = "x".repeat(1_000_000);
    let text = format!(
        "Name,Email,Phone,City,Notes\nPriya Sharma,p@example.com,98765 43210,Pune,\"{long}\"\nRaj Kumar,r@example.com,98765 43211,Pune,short\n"
    );
    let r = report(text.as_bytes());
    assert_eq!((r.rows, r.accepted), (2, 1));
    assert_eq!(rejected(&r), [(2, codes(&["too_long"]))]);
}

#[test]
fn phones_in_local_and_international_forms_with_extensions() {
    let text = "Name,Email,Phone,City\n\
A One,,98765 43210,Pune\n\
B Two,,+91-98765-43211,Pune\n\
C Three,,(098765) 43212,Pune\n\
D Four,,+91 98765 43213 x1234,Pune\n\
E Five,,+44 20 7946 0000,London\n\
F Six,,12345,Pune\n";
    let r = report(text.as_bytes());
    assert_eq!(r.accepted, 5);
    assert_eq!(rejected(&r), [(7, codes(&["invalid_phone"]))]);
}

#[test]
fn emails_with_spaces_or_angle_brackets_are_accepted() {
    let text = "Name,Email,City\nA One,  a@example.com  ,Pune\nB Two,<b@example.com>,Pune\nC Three, < c@example.com > ,Pune\nD Four,D Four <d@example.com>,Pune\n";
    let r = report(text.as_bytes());
    assert_eq!(r.accepted, 3);
    assert_eq!(rejected(&r), [(5, codes(&["invalid_email"]))]);
}

#[test]
fn non_ascii_names_are_kept() {
    let text = "Name,Email,City\nZoë Ångström,z@example.com,Malmö\nराजेश कुमार,r@example.com,मुंबई\n王小明,w@example.com,上海\n";
    let (importer, r, _dir) = import(text.as_bytes()).unwrap();
    assert_eq!(r.accepted, 3);
    assert_eq!(importer.preview(3).unwrap()[1].cells[0], "राजेश कुमार");
}

#[test]
fn duplicates_within_the_file_name_the_first_line() {
    let text = "Name,Email,Phone,City\n\
Priya Sharma,p@example.com,98765 43210,Pune\n\
P Sharma,P@Example.com,98765 00000,Pune\n\
Other,o@example.com,+91 98765 43210,Pune\n\
Fresh,f@example.com,98765 11111,Pune\n";
    let r = report(text.as_bytes());
    assert_eq!((r.accepted, r.duplicates), (2, 2));
    let messages = first_reasons(&r);
    assert_eq!(
        messages,
        [
            "duplicate of row 2 (email matches)",
            "duplicate of row 2 (phone matches)"
        ]
    );
}

#[test]
fn rows_of_earlier_uploads_are_duplicates_and_accepted_keys_carry_over() {
    let dir = Dir::new();
    let first = dir.file("first.csv", GOOD.as_bytes());
    let earlier = Importer::open(&first, ImportOptions::default())
        .unwrap()
        .run(&|_| {})
        .unwrap();
    assert_eq!(earlier.accepted, 2);
    let keys = earlier.accepted_keys().unwrap();
    // An email and a phone per row.
    assert_eq!(keys.len(), 4);

    let second = dir.file(
        "second.csv",
        b"Name,Email,Phone,City\n\
Priya S,PRIYA@example.com,98000 00001,Mumbai\n\
Someone,new@example.com,+91 98765 43211,Pune\n\
Fresh,fresh@example.com,98000 00002,Pune\n",
    );
    let options = ImportOptions {
        earlier: Some(std::sync::Arc::new(
            leadmart_shared::dedupe::EarlierKeys::from_stored(keys),
        )),
        ..ImportOptions::default()
    };
    let importer = Importer::open(&second, options).unwrap();
    let preview = importer.preview(20).unwrap();
    assert_eq!(
        preview
            .iter()
            .map(|row| row
                .problems
                .iter()
                .map(|p| p.code.as_str())
                .collect::<Vec<_>>())
            .collect::<Vec<_>>(),
        [
            vec!["duplicate_of_earlier_upload"],
            vec!["duplicate_of_earlier_upload"],
            vec![]
        ]
    );
    let r = importer.run(&|_| {}).unwrap();
    assert_eq!((r.accepted, r.rejected, r.duplicates), (1, 2, 2));
    assert_eq!(r.reasons.get("duplicate_of_earlier_upload"), Some(&2));
    let messages = first_reasons(&r);
    assert_eq!(
        messages,
        [
            "duplicate of a lead in one of your earlier uploads (email matches)",
            "duplicate of a lead in one of your earlier uploads (phone matches)"
        ]
    );
    assert_eq!(r.accepted_keys().unwrap().len(), 2);
}

#[test]
fn rejected_rows_are_saved_as_they_were_with_line_and_reasons() {
    let dir = Dir::new();
    let path = dir.file(
        "in.csv",
        "Name,Email,Phone,City\nPriya Sharma,p@example.com,98765 43210,Pune\n  Bad Row ,nope,123,\n".as_bytes(),
    );
    let importer = Importer::open(&path, ImportOptions::default()).unwrap();
    let report = importer.run(&|_| {}).unwrap();
    let out = dir.0.path().join("rejected.csv");
    assert_eq!(report.write_rejected_csv(&out).unwrap(), 1);
    assert_eq!(
        std::fs::read_to_string(out).unwrap(),
        "Name,Email,Phone,City,line,reasons\n  Bad Row ,nope,123,,3,Email: not a valid email address; Phone: not a valid phone number; City: required value is missing\n"
    );
}

#[test]
fn a_folder_or_a_missing_path_is_a_typed_error() {
    let dir = Dir::new();
    assert_eq!(
        Importer::open(dir.0.path(), ImportOptions::default()).err(),
        Some(ImportError::IsFolder(dir.0.path().to_owned()))
    );
    let missing = dir.0.path().join("nope.csv");
    assert_eq!(
        Importer::open(&missing, ImportOptions::default()).err(),
        Some(ImportError::NotFound(missing))
    );
}

#[test]
fn a_mapping_override_changes_what_is_checked() {
    let dir = Dir::new();
    let path = dir.file(
        "in.csv",
        b"Name,Contact,Town\nPriya Sharma,p@example.com,Pune\n",
    );
    let mut importer = Importer::open(&path, ImportOptions::default()).unwrap();
    assert_eq!(importer.run(&|_| {}).unwrap().accepted, 0);
    importer.set_mapping(1, Some(LeadField::Email));
    assert_eq!(importer.run(&|_| {}).unwrap().accepted, 1);
}

#[test]
fn a_cancelled_run_ends_in_cancelled() {
    let dir = Dir::new();
    let path = dir.file("in.csv", GOOD.as_bytes());
    let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let options = ImportOptions {
        cancel: Some(cancel),
        ..ImportOptions::default()
    };
    let importer = Importer::open(&path, options).unwrap();
    assert_eq!(importer.run(&|_| {}).err(), Some(ImportError::Cancelled));
}

#[test]
fn progress_reaches_every_row_and_byte() {
    let dir = Dir::new();
    let path = dir.0.path().join("big.csv");
    let expected = leadmart_import::sample::write_leads(&path, 5_000).unwrap();
    let importer = Importer::open(&path, ImportOptions::default()).unwrap();
    let last = std::sync::Mutex::new(None);
    let report = importer.run(&|p| *last.lock().unwrap() = Some(p)).unwrap();
    let last = last.into_inner().unwrap().unwrap();
    assert_eq!(last.rows, 5_000);
    assert_eq!(last.bytes, last.total_bytes);
    assert_eq!(
        (
            report.accepted,
            report.duplicates,
            report.reasons["invalid_email"],
            report.reasons["invalid_phone"]
        ),
        (
            expected.accepted,
            expected.duplicates,
            expected.bad_email,
            expected.bad_phone
        )
    );
}

#[test]
fn the_table_is_emitted_exactly_as_it_was_read() {
    let text = "Export of 2026-11-30\n\nName;E-mail;Notes\n  José ; j@example.com ;\"a;b\r\nc\"\n\nZoë;z@example.com;\"say \"\"hi\"\"\"\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let dir = Dir::new();
    let path = dir.file("in.csv", &bytes);
    let importer = Importer::open(&path, ImportOptions::default()).unwrap();
    let out = dir.0.path().join("table.csv");
    assert_eq!(importer.write_table(&out).unwrap(), 2);
    assert_eq!(
        std::fs::read_to_string(out).unwrap(),
        "Name,E-mail,Notes\n  José , j@example.com ,\"a;b\r\nc\"\nZoë,z@example.com,\"say \"\"hi\"\"\"\n",
        "cells keep their spaces, quotes and line breaks; the preamble is not part of the table"
    );
}
