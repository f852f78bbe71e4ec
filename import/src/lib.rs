//! `leadmart-import`: the CSV import pipeline (issue 10, seed 001 §3.2), with no tauri types so
//! the app's commands, its headless `import` and the tests all drive the same code.
//!
//! [`Importer::open`] reads a sample of the file's start: its encoding, its CSV dialect, where
//! the header is and how the columns map to lead fields. [`Importer::preview`] reads the first
//! rows only. [`Importer::run`] streams the whole file — memory flat in its size — validating
//! every row with `leadmart_shared::csv_rules`, de-duplicating within the file with
//! `leadmart_shared::dedupe`, and ends in a [`Report`]: counts by reason, the repairs made, and
//! every rejected row (spooled to a temporary file, not held in memory).

mod decode;
mod run;
pub mod sample;
mod sniff;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use leadmart_shared::contact::{ContactError, PhoneParser};
use leadmart_shared::csv_rules::{
    ColumnMapping, LeadField, RowRules, RowValidator, rejection_reasons,
};
use leadmart_shared::dedupe::{EarlierKeys, UploadDeduper};
use serde::Serialize;
use thiserror::Error;

pub use decode::TextEncoding;
pub use run::{Progress, Rejection, Report};
pub use sniff::Dialect;

/// Why a file could not be read as a table.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ImportError {
    #[error("the file is empty")]
    Empty,
    #[error("this is not a text file (a spreadsheet or other binary file saved as .csv?)")]
    Binary,
    #[error("the file has a header and no rows")]
    HeaderOnly,
    #[error("no such file: {0}")]
    NotFound(PathBuf),
    #[error("{0} is a folder, not a file")]
    IsFolder(PathBuf),
    #[error("could not read the file: {0}")]
    Io(String),
    #[error("the file is not valid CSV at line {line}: {message}")]
    Malformed { line: u64, message: String },
    #[error("unknown phone region: {0}")]
    PhoneRegion(String),
    #[error("the import was cancelled")]
    Cancelled,
}

impl ImportError {
    /// A stable code for the UI and the headless command's JSON.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty_file",
            Self::Binary => "binary_file",
            Self::HeaderOnly => "header_only",
            Self::NotFound(_) => "not_found",
            Self::IsFolder(_) => "is_folder",
            Self::Io(_) => "io",
            Self::Malformed { .. } => "malformed",
            Self::PhoneRegion(_) => "phone_region",
            Self::Cancelled => "cancelled",
        }
    }
}

impl From<std::io::Error> for ImportError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e.to_string())
    }
}

impl From<csv::Error> for ImportError {
    fn from(e: csv::Error) -> Self {
        let line = e.position().map_or(0, csv::Position::line);
        match e.into_kind() {
            csv::ErrorKind::Io(io) => Self::Io(io.to_string()),
            other => Self::Malformed {
                line,
                message: format!("{other:?}"),
            },
        }
    }
}

/// Something the importer fixed or worked around, said so the partner knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Repair {
    /// Decoded from this encoding to UTF-8.
    Transcoded {
        from: &'static str,
    },
    /// Bytes that are not text in the file's encoding became U+FFFD (count of places).
    InvalidBytesReplaced {
        count: u64,
    },
    MixedLineEndings,
    PreambleSkipped {
        lines: u64,
    },
    BlankLinesSkipped {
        count: u64,
    },
    /// The header was spread over two lines and was joined.
    HeaderJoined,
    /// No header row: the columns were named and mapped from their contents.
    HeaderGenerated,
    /// 1-based columns.
    EmptyHeaderNamed {
        columns: Vec<usize>,
    },
    DuplicateHeaderRenamed {
        columns: Vec<usize>,
    },
    TrailingEmptyColumnsDropped {
        count: usize,
    },
    /// Cells with spaces around their value (trimmed for validation, kept in exports).
    CellsTrimmed {
        count: u64,
    },
    /// Rows with a quote character inside an unquoted cell (kept as text).
    StrayQuotes {
        rows: u64,
    },
}

impl Repair {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Transcoded { .. } => "transcoded",
            Self::InvalidBytesReplaced { .. } => "invalid_bytes_replaced",
            Self::MixedLineEndings => "mixed_line_endings",
            Self::PreambleSkipped { .. } => "preamble_skipped",
            Self::BlankLinesSkipped { .. } => "blank_lines_skipped",
            Self::HeaderJoined => "header_joined",
            Self::HeaderGenerated => "header_generated",
            Self::EmptyHeaderNamed { .. } => "empty_header_named",
            Self::DuplicateHeaderRenamed { .. } => "duplicate_header_renamed",
            Self::TrailingEmptyColumnsDropped { .. } => "trailing_empty_columns_dropped",
            Self::CellsTrimmed { .. } => "cells_trimmed",
            Self::StrayQuotes { .. } => "stray_quotes",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::Transcoded { from } => format!("converted from {from}"),
            Self::InvalidBytesReplaced { count } => {
                format!(
                    "{} bytes that are not text, replaced",
                    counted(*count, "place had", "places had")
                )
            }
            Self::MixedLineEndings => "line endings were mixed (CRLF, LF, CR)".into(),
            Self::PreambleSkipped { lines } => {
                format!(
                    "{} before the header skipped",
                    counted(*lines, "line", "lines")
                )
            }
            Self::BlankLinesSkipped { count } => {
                format!("{} skipped", counted(*count, "blank line", "blank lines"))
            }
            Self::HeaderJoined => "the header spread over two lines was joined".into(),
            Self::HeaderGenerated => {
                "no header row: columns named and mapped from their contents".into()
            }
            Self::EmptyHeaderNamed { columns } => {
                format!("columns {columns:?} had no name and were given one")
            }
            Self::DuplicateHeaderRenamed { columns } => {
                format!("columns {columns:?} repeated an earlier name and were numbered")
            }
            Self::TrailingEmptyColumnsDropped { count } => {
                format!("{count} empty columns at the end dropped")
            }
            Self::CellsTrimmed { count } => format!(
                "{} spaces around the value",
                counted(*count, "cell had", "cells had")
            ),
            Self::StrayQuotes { rows } => {
                format!("{} stray quotes", counted(*rows, "row had", "rows had"))
            }
        }
    }
}

/// `1 line`, `3 lines`.
fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What an import needs besides the file.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub rules: RowRules,
    /// Region of numbers written without a country code (ISO alpha-2).
    pub phone_region: String,
    /// Worker threads validating rows (0: one per core).
    pub workers: usize,
    /// Set to stop a running import; it then ends in [`ImportError::Cancelled`].
    pub cancel: Option<Arc<AtomicBool>>,
    /// Keys of the partner's earlier uploads: a row matching one is rejected as a duplicate.
    pub earlier: Option<Arc<EarlierKeys>>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            rules: RowRules::default(),
            phone_region: "IN".into(),
            workers: 0,
            cancel: None,
            earlier: None,
        }
    }
}

/// Bytes of the file's start that decide its layout.
const SAMPLE_BYTES: usize = 256 * 1024;

/// An opened file: its layout and mapping, ready to preview and to run.
pub struct Importer {
    path: PathBuf,
    options: ImportOptions,
    encoding: TextEncoding,
    dialect: Dialect,
    table: sniff::TableStart,
    phones: PhoneParser,
    file_bytes: u64,
    /// Average bytes per line in the sample, to size the dedupe set.
    bytes_per_row: u64,
}

/// One row of the preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviewRow {
    pub line: u64,
    pub cells: Vec<String>,
    /// Mapped fields and their cell text.
    pub fields: Vec<(LeadField, String)>,
    /// Reason codes and messages; empty when the row would be accepted.
    pub problems: Vec<Reason>,
}

/// A reason a row is rejected: a stable code and a message naming the column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub code: String,
    pub message: String,
    /// The cell's column (0-based) when the reason is about one cell; only known in the
    /// preview (the spool of rejected rows keeps code and message).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl Importer {
    pub fn open(path: &Path, options: ImportOptions) -> Result<Self, ImportError> {
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ImportError::NotFound(path.to_owned()),
            _ => ImportError::from(e),
        })?;
        if meta.is_dir() {
            return Err(ImportError::IsFolder(path.to_owned()));
        }
        let phones = PhoneParser::new(&options.phone_region).map_err(|e| match e {
            ContactError::UnknownRegion(r) => ImportError::PhoneRegion(r),
            other => ImportError::PhoneRegion(other.to_string()),
        })?;
        let mut sample = Vec::with_capacity(SAMPLE_BYTES);
        File::open(path)?
            .take(SAMPLE_BYTES as u64)
            .read_to_end(&mut sample)?;
        let complete = (sample.len() as u64) >= meta.len();
        if sample.iter().all(u8::is_ascii_whitespace) {
            return Err(ImportError::Empty);
        }
        let encoding = decode::detect(&sample, complete)?;
        let (text, _) = encoding
            .encoding
            .decode_without_bom_handling(&sample[encoding.bom_len..]);
        let mut text = text.into_owned();
        if !complete {
            // Judge whole lines only.
            let cut = text.rfind(['\n', '\r']).unwrap_or(text.len());
            text.truncate(cut + 1);
        }
        if decode::is_utf16(encoding.encoding) && text.contains('\0') {
            return Err(ImportError::Binary);
        }
        let dialect = sniff::sniff_dialect(&text, complete);
        let mut table =
            sniff::find_table(&text, &dialect, complete, &phones).ok_or(ImportError::Empty)?;
        if encoding.encoding != encoding_rs::UTF_8 {
            table.repairs.insert(
                0,
                Repair::Transcoded {
                    from: encoding.name(),
                },
            );
        }
        if mixed_line_endings(&text) {
            table.repairs.push(Repair::MixedLineEndings);
        }
        let lines = text.bytes().filter(|&b| b == b'\n').count().max(1) as u64;
        let bytes_per_row = (sample.len() as u64 / lines).max(1);
        let importer = Self {
            path: path.to_owned(),
            options,
            encoding,
            dialect,
            table,
            phones,
            file_bytes: meta.len(),
            bytes_per_row,
        };
        if complete && importer.table.header_cells.is_some() && importer.preview(1)?.is_empty() {
            return Err(ImportError::HeaderOnly);
        }
        Ok(importer)
    }

    pub fn encoding(&self) -> &'static str {
        self.encoding.name()
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Column names as used (after repairs).
    pub fn columns(&self) -> &[String] {
        &self.table.columns
    }

    /// Whether the file had a header row (else the columns were named from their contents).
    pub fn has_header(&self) -> bool {
        self.table.header_cells.is_some()
    }

    /// Lines the header occupies (1-based; empty without a header).
    pub fn header_lines(&self) -> &[u64] {
        &self.table.header_lines
    }

    pub fn mapping(&self) -> &[ColumnMapping] {
        self.table.mapping.columns()
    }

    /// The category of rows with no category of their own (the upload's "industry").
    pub fn set_default_category(&mut self, category: Option<leadmart_shared::lead::Category>) {
        self.options.rules.default_category = category;
    }

    pub fn default_category(&self) -> Option<&leadmart_shared::lead::Category> {
        self.options.rules.default_category.as_ref()
    }

    /// Size of the file in bytes.
    pub fn file_bytes(&self) -> u64 {
        self.file_bytes
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Overrides the guess for one column (`None`: ignore the column).
    pub fn set_mapping(&mut self, column: usize, field: Option<LeadField>) {
        self.table.mapping.set(column, field);
    }

    /// Repairs known from the sample (the run adds the ones counted over the whole file).
    pub fn repairs(&self) -> &[Repair] {
        &self.table.repairs
    }

    fn validator(&self) -> RowValidator {
        RowValidator::with_phone_parser(
            &self.table.mapping,
            self.options.rules.clone(),
            self.phones.clone(),
        )
    }

    /// A CSV reader of the decoded file from its start, and the decoding reader's counters.
    fn table_reader(
        &self,
    ) -> Result<csv::Reader<decode::Utf8Reader<BufReader<File>>>, ImportError> {
        let mut file = File::open(&self.path)?;
        file.seek(SeekFrom::Start(self.encoding.bom_len as u64))?;
        let utf8 = decode::Utf8Reader::new(
            BufReader::with_capacity(256 * 1024, file),
            self.encoding.encoding,
        );
        Ok(self
            .dialect
            .reader_builder()
            .buffer_capacity(256 * 1024)
            .from_reader(utf8))
    }

    /// The first `rows` data rows, mapped and checked (dedupe among them included), read
    /// without touching the rest of the file.
    pub fn preview(&self, rows: usize) -> Result<Vec<PreviewRow>, ImportError> {
        let validator = self.validator();
        let mut reader = self.table_reader()?;
        let mut deduper = UploadDeduper::new();
        let mut record = csv::StringRecord::new();
        let mut out = Vec::with_capacity(rows);
        while out.len() < rows && reader.read_record(&mut record)? {
            let byte = record.position().map_or(0, csv::Position::byte);
            let line = reader.get_mut().lines.line_at(byte);
            if byte < self.table.body_byte || run::is_blank(&record) {
                continue;
            }
            let cells: Vec<String> = record.iter().map(str::to_owned).collect();
            let fields = self
                .mapping()
                .iter()
                .filter(|c| c.duplicate_of.is_none())
                .filter_map(|c| Some((c.field?, cells.get(c.index)?.clone())))
                .collect();
            let earlier = self.options.earlier.as_deref();
            let problems = match run::check(&validator, earlier, &mut deduper, line, &cells) {
                Ok(()) => Vec::new(),
                Err(problems) => self.reasons(&problems),
            };
            out.push(PreviewRow {
                line,
                cells,
                fields,
                problems,
            });
        }
        Ok(out)
    }

    /// `--emit-table`: the table exactly as it was read — the header row first (the columns'
    /// generated names when the file had none), then every data row, each cell's text unchanged
    /// (no trimming, no normalisation) — as UTF-8, comma-separated, RFC 4180 quoting, before
    /// any lead rule runs. Returns the data rows written.
    pub fn write_table(&self, out: &Path) -> Result<u64, ImportError> {
        let mut writer = csv::Writer::from_writer(std::io::BufWriter::new(File::create(out)?));
        writer.write_record(
            self.table
                .header_cells
                .as_ref()
                .unwrap_or(&self.table.columns),
        )?;
        let mut reader = self.table_reader()?;
        let mut record = csv::StringRecord::new();
        let mut written = 0;
        while reader.read_record(&mut record)? {
            let byte = record.position().map_or(0, csv::Position::byte);
            if byte < self.table.body_byte || run::is_blank(&record) {
                continue;
            }
            writer.write_record(&record)?;
            written += 1;
        }
        writer.flush()?;
        Ok(written)
    }

    fn reasons(&self, problems: &[leadmart_shared::csv_rules::RowProblem]) -> Vec<Reason> {
        problems
            .iter()
            .map(|p| Reason {
                code: p.issue.code().to_owned(),
                message: rejection_reasons(std::slice::from_ref(p), &self.table.mapping),
                column: p.column,
            })
            .collect()
    }

    /// Reads, validates and de-duplicates every row.
    pub fn run(&self, progress: &(dyn Fn(Progress) + Sync)) -> Result<Report, ImportError> {
        run::run(self, progress)
    }
}

/// Whether the sample ends lines in more than one way.
fn mixed_line_endings(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut crlf = false;
    let mut lf = false;
    let mut cr = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => crlf = true,
            b'\r' => cr = true,
            b'\n' if i == 0 || bytes[i - 1] != b'\r' => lf = true,
            _ => {}
        }
    }
    u8::from(crlf) + u8::from(lf) + u8::from(cr) > 1
}

/// Counts per reason code, ordered by code.
pub type ReasonCounts = BTreeMap<String, u64>;
