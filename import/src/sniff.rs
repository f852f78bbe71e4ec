//! How a file is laid out, read from a sample of its start: the CSV dialect, where the header
//! is (after any preamble, over one line or two, or absent), and the column names.

use leadmart_shared::contact::{Email, PhoneParser};
use leadmart_shared::csv_rules::{HeaderMapping, LeadField, guess_field};
use leadmart_shared::normalize::trim;
use serde::Serialize;

use crate::Repair;
use crate::decode::LineCounter;

/// Separators tried, in the order that wins a tie.
const DELIMITERS: [u8; 5] = [b',', b';', b'\t', b'|', b' '];
const QUOTES: [u8; 2] = [b'"', b'\''];
/// Records of the sample the dialect is judged on.
const JUDGED_RECORDS: usize = 200;
/// At most this many lines before the header are taken for a preamble.
const MAX_PREAMBLE: usize = 20;

/// How the file writes its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Dialect {
    pub delimiter: u8,
    pub quote: u8,
    /// `true`: a quote inside a quoted field is written `\"`; `false`: doubled (`""`).
    pub backslash_escape: bool,
}

impl Default for Dialect {
    fn default() -> Self {
        Self {
            delimiter: b',',
            quote: b'"',
            backslash_escape: false,
        }
    }
}

impl Dialect {
    pub fn reader_builder(&self) -> csv::ReaderBuilder {
        let mut builder = csv::ReaderBuilder::new();
        builder
            .delimiter(self.delimiter)
            .quote(self.quote)
            .has_headers(false)
            .flexible(true);
        if self.backslash_escape {
            builder.escape(Some(b'\\')).double_quote(false);
        }
        builder
    }

    /// The delimiter as people name it.
    pub fn delimiter_name(&self) -> &'static str {
        match self.delimiter {
            b',' => "comma",
            b';' => "semicolon",
            b'\t' => "tab",
            b'|' => "pipe",
            b' ' => "space",
            _ => "other",
        }
    }
}

/// One record of the sample: its cells, where it starts, and its line.
struct Sampled {
    cells: Vec<String>,
    byte: u64,
    line: u64,
}

impl Sampled {
    fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| trim(c).is_empty())
    }
}

fn read_sample(text: &str, dialect: &Dialect, complete: bool) -> Vec<Sampled> {
    let mut reader = dialect.reader_builder().from_reader(text.as_bytes());
    let mut lines = LineCounter::default();
    lines.scan(text.as_bytes());
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    while let Ok(true) = reader.read_record(&mut record) {
        let byte = record.position().map_or(0, csv::Position::byte);
        out.push(Sampled {
            cells: record.iter().map(str::to_owned).collect(),
            byte,
            line: lines.line_at(byte),
        });
        if out.len() > JUDGED_RECORDS + MAX_PREAMBLE {
            break;
        }
    }
    // The sample may end inside a record: its last one is not judged.
    if !complete && out.len() > 1 {
        out.pop();
    }
    out
}

/// `(records in the most common width, that width)` of the sample's non-blank records.
fn consistency(records: &[Sampled]) -> Agreement {
    most_common(
        records
            .iter()
            .filter(|r| !r.is_blank())
            .map(|r| r.cells.len()),
    )
}

/// [`consistency`] of `text` read in `dialect`, without keeping the cells.
fn consistency_of(text: &str, dialect: &Dialect, complete: bool) -> Agreement {
    let mut reader = dialect.reader_builder().from_reader(text.as_bytes());
    let mut record = csv::ByteRecord::new();
    let mut widths = Vec::with_capacity(JUDGED_RECORDS + 1);
    while widths.len() <= JUDGED_RECORDS
        && let Ok(true) = reader.read_byte_record(&mut record)
    {
        if record.iter().any(|c| !c.trim_ascii().is_empty()) {
            widths.push(record.len());
        }
    }
    let ended = widths.len() <= JUDGED_RECORDS;
    if ended && !complete && widths.len() > 1 {
        widths.pop();
    }
    most_common(widths.into_iter())
}

/// How well a sample's records agree on one width.
#[derive(Debug, Default, Clone, Copy)]
struct Agreement {
    /// Records of the most common width.
    agreeing: usize,
    /// Records judged.
    records: usize,
    width: usize,
}

impl Agreement {
    /// A larger share of records agreeing (not a larger count: a wrong quote character splits
    /// quoted line breaks into many short records), then the wider table.
    fn beats(&self, other: &Agreement) -> bool {
        let mine = self.agreeing * other.records.max(1);
        let theirs = other.agreeing * self.records.max(1);
        mine > theirs || (mine == theirs && self.width > other.width)
    }
}

fn most_common(widths: impl Iterator<Item = usize>) -> Agreement {
    let mut counts: Vec<(usize, usize)> = Vec::new();
    let mut records = 0;
    for width in widths.take(JUDGED_RECORDS) {
        records += 1;
        match counts.iter_mut().find(|(w, _)| *w == width) {
            Some((_, n)) => *n += 1,
            None => counts.push((width, 1)),
        }
    }
    // Ties go to the width seen first (the header's, usually).
    let mut agreeing = 0;
    let mut width = 0;
    for (w, n) in counts {
        if n > agreeing {
            (agreeing, width) = (n, w);
        }
    }
    Agreement {
        agreeing,
        records,
        width,
    }
}

/// Whether `quote` starts a field somewhere in `text`: at the start of a line or right after
/// `delimiter`.
fn opens_fields(text: &str, delimiter: u8, quote: u8) -> bool {
    let bytes = text.as_bytes();
    bytes.first() == Some(&quote)
        || bytes
            .windows(2)
            .any(|w| w[1] == quote && (w[0] == delimiter || w[0] == b'\n' || w[0] == b'\r'))
}

/// The dialect whose records agree best on one width (of at least two cells). A space is a
/// separator only when no other one gives at least half the records one width: names and
/// addresses hold spaces, so splitting on them often looks regular. Backslash escaping wins a
/// tie with doubled quotes only when the text holds a backslash before a quote (otherwise both
/// read the file the same).
pub fn sniff_dialect(text: &str, complete: bool) -> Dialect {
    let best_of = |delimiters: &[u8]| {
        let mut best = (Dialect::default(), Agreement::default());
        for &delimiter in delimiters {
            for quote in QUOTES {
                let escaped = text.contains(&format!("\\{}", char::from(quote)));
                for backslash_escape in [false, true] {
                    let dialect = Dialect {
                        delimiter,
                        quote,
                        backslash_escape,
                    };
                    let score = consistency_of(text, &dialect, complete);
                    let ties = !score.beats(&best.1) && !best.1.beats(&score);
                    let ties_with_evidence = backslash_escape
                        && escaped
                        && best.0.delimiter == delimiter
                        && best.0.quote == quote
                        && ties;
                    // A quote character that opens fields beats one the text never holds: read
                    // unquoted, `'a,b'` lines can agree on a width just as well by accident.
                    let quotes_with_evidence = ties
                        && best.0.delimiter == delimiter
                        && best.0.quote != quote
                        && !text.as_bytes().contains(&best.0.quote)
                        && opens_fields(text, delimiter, quote);
                    if score.width >= 2
                        && (score.beats(&best.1) || ties_with_evidence || quotes_with_evidence)
                    {
                        best = (dialect, score);
                    }
                }
            }
        }
        best
    };
    let (dialect, agreement) = best_of(&DELIMITERS[..DELIMITERS.len() - 1]);
    if agreement.width >= 2 && agreement.agreeing * 2 >= agreement.records {
        return dialect;
    }
    let (spaced, by_space) = best_of(b" ");
    if by_space.width >= 2 && by_space.beats(&agreement) {
        spaced
    } else {
        dialect
    }
}

/// A cell that only data holds: an email, a number, a phone.
fn looks_like_data(cell: &str) -> bool {
    let cell = trim(cell);
    let digits = cell.bytes().filter(u8::is_ascii_digit).count();
    cell.contains('@') || (digits >= 4 && digits * 2 >= cell.len()) || cell.parse::<f64>().is_ok()
}

fn looks_like_header(cells: &[String]) -> bool {
    !cells.iter().any(|c| looks_like_data(c)) && cells.iter().any(|c| guess_field(c).is_some())
}

/// A header spread over two lines (`Contact` above `Email`): both lines are names, the top one
/// has at least two, and joined they name more columns than the top line alone and no fewer
/// than the bottom one. The joined names, or `None`.
fn two_line_header(top: &[String], bottom: &[String]) -> Option<Vec<String>> {
    let names = |cells: &[String]| !cells.iter().any(|c| looks_like_data(c));
    if !names(top) || !names(bottom) || top.iter().filter(|c| !trim(c).is_empty()).count() < 2 {
        return None;
    }
    let joined: Vec<String> = top
        .iter()
        .zip(bottom)
        .map(|(t, b)| format!("{} {}", trim(t), trim(b)).trim().to_owned())
        .collect();
    let count = mapped_count(&joined);
    (count > mapped_count(top) && count >= mapped_count(bottom)).then_some(joined)
}

fn mapped_count(names: &[String]) -> usize {
    names.iter().filter(|n| guess_field(n).is_some()).count()
}

/// Where the table is in the sample, and what its columns are called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableStart {
    /// Column names as the header gives them (before repairs), `None` without a header.
    pub header_cells: Option<Vec<String>>,
    /// Column names after repairs (empty and duplicate names, generated names).
    pub columns: Vec<String>,
    /// Byte (of the UTF-8 text) where the first data record starts.
    pub body_byte: u64,
    /// Lines of the header (one or two).
    pub header_lines: Vec<u64>,
    pub repairs: Vec<Repair>,
    /// The mapping guessed from the names, or from the data when there is no header.
    pub mapping: HeaderMapping,
}

/// Finds the header (or its absence) in the decoded sample. `None`: no records at all.
pub fn find_table(
    text: &str,
    dialect: &Dialect,
    complete: bool,
    phones: &PhoneParser,
) -> Option<TableStart> {
    let records = read_sample(text, dialect, complete);
    let width = consistency(&records).width;
    let non_blank: Vec<&Sampled> = records.iter().filter(|r| !r.is_blank()).collect();
    non_blank.first()?;
    let mut repairs = Vec::new();
    // Preamble: lines with fewer names than a header, before the first line that has them.
    let start = non_blank
        .iter()
        .take(MAX_PREAMBLE + 1)
        .position(|r| {
            // Titles and export dates hold a cell or two; a header names at least half the
            // columns (rows of the wrong width must not make the header look like a preamble).
            let named = r.cells.iter().filter(|c| !trim(c).is_empty()).count();
            named >= 2 && named * 2 >= width
        })
        .unwrap_or(0);
    if start > 0 {
        repairs.push(Repair::PreambleSkipped {
            lines: non_blank[start].line.saturating_sub(1),
        });
    }
    let candidate = non_blank[start];
    let after = |i: usize| non_blank.get(i).map_or(text.len() as u64, |r| r.byte);

    let two_lines = non_blank
        .get(start + 1)
        .filter(|next| next.cells.len() == candidate.cells.len())
        .and_then(|next| Some((next, two_line_header(&candidate.cells, &next.cells)?)));
    if two_lines.is_none() && !looks_like_header(&candidate.cells) {
        let columns: Vec<String> = (1..=width).map(|i| format!("Column {i}")).collect();
        let data: Vec<&[String]> = non_blank[start..]
            .iter()
            .take(50)
            .map(|r| r.cells.as_slice())
            .collect();
        let mapping = mapping_from_data(&columns, &data, phones);
        repairs.push(Repair::HeaderGenerated);
        return Some(TableStart {
            header_cells: None,
            columns,
            body_byte: candidate.byte,
            header_lines: Vec::new(),
            repairs,
            mapping,
        });
    }

    let mut header = candidate.cells.clone();
    let mut header_lines = vec![candidate.line];
    let mut body = start + 1;
    if let Some((next, joined)) = two_lines {
        header = joined;
        header_lines.push(next.line);
        body += 1;
        repairs.push(Repair::HeaderJoined);
    }
    let header_cells = header.clone();
    let columns = repair_names(header, &mut repairs);
    let mapping = HeaderMapping::auto(&columns);
    Some(TableStart {
        header_cells: Some(header_cells),
        columns,
        body_byte: after(body),
        header_lines,
        repairs,
        mapping,
    })
}

/// Trailing empty names dropped, empty names given one, duplicates numbered.
fn repair_names(mut names: Vec<String>, repairs: &mut Vec<Repair>) -> Vec<String> {
    let before = names.len();
    while names.len() > 1 && names.last().is_some_and(|n| trim(n).is_empty()) {
        names.pop();
    }
    if names.len() < before {
        repairs.push(Repair::TrailingEmptyColumnsDropped {
            count: before - names.len(),
        });
    }
    let mut empty = Vec::new();
    let mut renamed = Vec::new();
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let mut name = trim(name).trim_start_matches('\u{feff}').to_owned();
        if name.is_empty() {
            name = format!("Column {}", i + 1);
            empty.push(i + 1);
        }
        let base = name.clone();
        let mut n = 1;
        while out.iter().any(|o| o.eq_ignore_ascii_case(&name)) {
            n += 1;
            name = format!("{base} ({n})");
        }
        if n > 1 {
            renamed.push(i + 1);
        }
        out.push(name);
    }
    if !empty.is_empty() {
        repairs.push(Repair::EmptyHeaderNamed { columns: empty });
    }
    if !renamed.is_empty() {
        repairs.push(Repair::DuplicateHeaderRenamed { columns: renamed });
    }
    out
}

/// Without a header: a column most of whose cells are emails is the email, phones the phone;
/// the first other text column the name, the next one with short words the city.
fn mapping_from_data(
    columns: &[String],
    rows: &[&[String]],
    phones: &PhoneParser,
) -> HeaderMapping {
    let mut mapping = HeaderMapping::auto(columns);
    for i in 0..columns.len() {
        mapping.set(i, None);
    }
    let share = |i: usize, test: &dyn Fn(&str) -> bool| {
        let filled: Vec<&str> = rows
            .iter()
            .filter_map(|r| r.get(i))
            .map(|c| trim(c))
            .filter(|c| !c.is_empty())
            .collect();
        !filled.is_empty() && filled.iter().filter(|c| test(c)).count() * 2 > filled.len()
    };
    let mut taken = vec![false; columns.len()];
    for (field, test) in [
        (
            LeadField::Email,
            &(|c: &str| Email::parse(c).is_ok()) as &dyn Fn(&str) -> bool,
        ),
        (LeadField::Phone, &|c: &str| phones.parse(c).is_ok()),
        (LeadField::FullName, &|c: &str| {
            c.chars().any(char::is_alphabetic)
                && c.chars()
                    .all(|ch| ch.is_alphabetic() || matches!(ch, ' ' | '.' | '\'' | '-'))
        }),
        (LeadField::City, &|c: &str| {
            c.split_whitespace().count() <= 3 && c.chars().all(|ch| ch.is_alphabetic() || ch == ' ')
        }),
    ] {
        if let Some(i) = (0..columns.len()).find(|&i| !taken[i] && share(i, test)) {
            taken[i] = true;
            mapping.set(i, Some(field));
        }
    }
    mapping
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_sniffed() {
        for (text, delimiter) in [
            ("a,b,c\n1,2,3\n", b','),
            ("a;b;c\n1,5;2;3\n", b';'),
            ("a\tb c\tc\n1\t2\t3\n", b'\t'),
            ("a|b|c\n1|2|3\n", b'|'),
            ("a b c\n1 2 3\n", b' '),
        ] {
            assert_eq!(sniff_dialect(text, true).delimiter, delimiter, "{text:?}");
        }
    }

    #[test]
    fn names_are_repaired() {
        let mut repairs = Vec::new();
        let names = repair_names(
            ["Phone", "", "phone", "Email", "", ""]
                .map(String::from)
                .to_vec(),
            &mut repairs,
        );
        assert_eq!(names, ["Phone", "Column 2", "phone (2)", "Email"]);
        assert_eq!(repairs.len(), 3);
    }
}
