//! The full pass: one thread reads and decodes the file into batches of records, workers (one
//! per core) validate them with shared's rules, and this thread takes the batches back in file
//! order to de-duplicate (order decides which of two duplicates is the first) and count.
//! Channels are bounded and batches recycled, so memory does not grow with the file; what
//! does grow is the dedupe set (16 bytes per distinct key) and the spool of rejected rows,
//! which is a temporary file.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Mutex, PoisonError};

use csv::StringRecord;
use leadmart_shared::csv_rules::{RowIssue, RowProblem, RowValidator, rejection_reasons};
use leadmart_shared::dedupe::{DedupeKeys, EarlierKeys, KeyKind, UploadDeduper};
use leadmart_shared::normalize::trim;
use serde::Serialize;

use crate::{ImportError, Importer, Reason, ReasonCounts, Repair};

const BATCH: usize = 1024;

/// How far a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub rows: u64,
    /// Bytes of the file read so far.
    pub bytes: u64,
    pub total_bytes: u64,
}

/// A column's mapping as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappedColumn {
    pub index: usize,
    pub header: String,
    pub field: Option<leadmart_shared::csv_rules::LeadField>,
    pub confidence: u8,
    pub ignored_as_duplicate: bool,
}

/// A repair with its message, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepairNote {
    #[serde(flatten)]
    pub repair: Repair,
    pub message: String,
}

/// The outcome of a run: what a partner sees before anything is sent.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Data rows read (blank lines, preamble and header not counted).
    pub rows: u64,
    pub accepted: u64,
    /// Rows rejected for any reason, duplicates included.
    pub rejected: u64,
    /// Rows rejected as a duplicate: of an earlier row of the file, or of the partner's
    /// earlier uploads.
    pub duplicates: u64,
    /// Rejected rows per reason code (a row with two reasons counts under both).
    pub reasons: ReasonCounts,
    /// Each code of `reasons` in a few words.
    pub reason_labels: BTreeMap<String, &'static str>,
    pub repairs: Vec<RepairNote>,
    pub encoding: &'static str,
    pub delimiter: &'static str,
    pub quote: char,
    pub backslash_escape: bool,
    pub header_lines: Vec<u64>,
    pub mapping: Vec<MappedColumn>,
    #[serde(skip)]
    columns: Vec<String>,
    #[serde(skip)]
    spool: File,
    /// Each accepted row's dedupe keys: a kind byte and the 16-byte stored form.
    #[serde(skip)]
    accepted_keys: File,
}

/// One rejected row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The line of the file the row starts on (1-based).
    pub line: u64,
    pub reasons: Vec<Reason>,
    /// The row's cells as they were read.
    pub cells: Vec<String>,
}

impl Report {
    /// Every rejected row, in file order, read back from the spool.
    pub fn rejections(
        &self,
    ) -> Result<impl Iterator<Item = Result<Rejection, ImportError>> + use<>, ImportError> {
        let mut file = self.spool.try_clone()?;
        file.seek(SeekFrom::Start(0))?;
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(std::io::BufReader::new(file));
        Ok(reader.into_records().map(|record| {
            let record = record?;
            let line = record.get(0).and_then(|l| l.parse().ok()).unwrap_or(0);
            let codes = record.get(1).unwrap_or("").split(';');
            let messages = record.get(2).unwrap_or("").split('\u{1f}');
            let reasons = codes
                .zip(messages)
                .map(|(code, message)| Reason {
                    code: code.to_owned(),
                    message: message.to_owned(),
                    column: None,
                })
                .collect();
            Ok(Rejection {
                line,
                reasons,
                cells: record.iter().skip(3).map(str::to_owned).collect(),
            })
        }))
    }

    /// "Save rejected rows": the rejected rows as they were, plus `line` and `reasons`
    /// columns, as UTF-8 CSV.
    pub fn write_rejected_csv(&self, out: &Path) -> Result<u64, ImportError> {
        let mut writer = csv::Writer::from_writer(BufWriter::new(File::create(out)?));
        let mut header = self.columns.clone();
        header.push("line".into());
        header.push("reasons".into());
        writer.write_record(&header)?;
        let mut written = 0;
        for rejection in self.rejections()? {
            let rejection = rejection?;
            let mut row = rejection.cells;
            row.push(rejection.line.to_string());
            row.push(
                rejection
                    .reasons
                    .iter()
                    .map(|r| r.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            );
            writer.write_record(&row)?;
            written += 1;
        }
        writer.flush()?;
        Ok(written)
    }

    /// The dedupe keys of every accepted row (kind and stored form), for the partner's next
    /// uploads to be checked against ([`EarlierKeys`]).
    pub fn accepted_keys(&self) -> Result<Vec<(KeyKind, [u8; 16])>, ImportError> {
        let mut file = self.accepted_keys.try_clone()?;
        file.seek(SeekFrom::Start(0))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        Ok(bytes
            .chunks_exact(17)
            .filter_map(|record| {
                let kind = KeyKind::from_byte(record[0])?;
                let mut key = [0u8; 16];
                key.copy_from_slice(&record[1..]);
                Some((kind, key))
            })
            .collect())
    }

    pub fn has_repair(&self, code: &str) -> bool {
        self.repairs.iter().any(|r| r.repair.code() == code)
    }
}

pub(crate) fn is_blank(record: &StringRecord) -> bool {
    record.iter().all(|c| trim(c).is_empty())
}

/// Validates one row and, when it passes, checks it against the partner's earlier uploads and
/// then the file's earlier rows.
pub(crate) fn check(
    validator: &RowValidator,
    earlier: Option<&EarlierKeys>,
    deduper: &mut UploadDeduper,
    line: u64,
    cells: &[String],
) -> Result<(), Vec<RowProblem>> {
    let keys = validate(validator, earlier, cells)?;
    dedupe(deduper, line, &keys)
}

/// The checks of one row that need no other row of the file: shared's rules, then the
/// partner's earlier uploads. Answers the row's keys.
fn validate<S: AsRef<str>>(
    validator: &RowValidator,
    earlier: Option<&EarlierKeys>,
    cells: &[S],
) -> Result<DedupeKeys, Vec<RowProblem>> {
    let keys = validator.validate(cells)?.keys;
    match earlier.and_then(|known| known.first_match(&keys)) {
        Some(kind) => Err(vec![RowProblem {
            column: None,
            field: None,
            issue: RowIssue::DuplicateOfEarlierUpload { kind },
        }]),
        None => Ok(keys),
    }
}

fn dedupe(
    deduper: &mut UploadDeduper,
    line: u64,
    keys: &DedupeKeys,
) -> Result<(), Vec<RowProblem>> {
    deduper.check_and_insert(line, keys).map_err(|c| {
        vec![RowProblem {
            column: None,
            field: None,
            issue: RowIssue::DuplicateInFile {
                kind: c.kind,
                first_row: c.first_row,
            },
        }]
    })
}

struct Batch {
    index: u64,
    records: Vec<StringRecord>,
    /// Line of each record.
    lines: Vec<u64>,
    len: usize,
    bytes: u64,
}

struct Checked {
    batch: Batch,
    outcomes: Vec<Result<DedupeKeys, Vec<RowProblem>>>,
    trimmed: u64,
    quoted: u64,
}

/// What the reading thread counted.
struct ReadEnd {
    blank: u64,
    replacements: u64,
}

pub(crate) fn run(
    importer: &Importer,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Report, ImportError> {
    let validator = importer.validator();
    let workers = match importer.options.workers {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    };
    let mut reader = importer.table_reader()?;
    let body_byte = importer.table.body_byte;
    let cancel = importer.options.cancel.clone();
    let quote = char::from(importer.dialect.quote);
    let estimated_rows = importer.file_bytes / importer.bytes_per_row;
    let mut deduper =
        UploadDeduper::with_capacity(usize::try_from(estimated_rows).unwrap_or(usize::MAX));
    let mut spools = Spools {
        rejected: csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(BufWriter::new(tempfile::tempfile()?)),
        accepted_keys: BufWriter::new(tempfile::tempfile()?),
    };

    let (batch_tx, batch_rx) = sync_channel::<Batch>(workers * 2);
    let batch_rx = Mutex::new(batch_rx);
    let (done_tx, done_rx) = sync_channel::<Checked>(workers * 2);
    let (recycle_tx, recycle_rx) = sync_channel::<Vec<StringRecord>>(workers * 4 + 4);

    let mut totals = Totals::default();
    let (read_end, merged) = std::thread::scope(|scope| {
        let reading = scope.spawn(move || -> Result<ReadEnd, ImportError> {
            let mut blank = 0;
            let mut index = 0;
            loop {
                if cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed)) {
                    return Err(ImportError::Cancelled);
                }
                let mut records = recycle_rx
                    .try_recv()
                    .unwrap_or_else(|_| vec![StringRecord::new(); BATCH]);
                let mut lines = Vec::with_capacity(BATCH);
                let mut len = 0;
                let mut more = true;
                while len < BATCH {
                    if !reader.read_record(&mut records[len])? {
                        more = false;
                        break;
                    }
                    let record = &records[len];
                    let byte = record.position().map_or(0, csv::Position::byte);
                    let line = reader.get_mut().lines.line_at(byte);
                    if byte < body_byte {
                        continue;
                    }
                    if is_blank(&records[len]) {
                        blank += 1;
                        continue;
                    }
                    lines.push(line);
                    len += 1;
                }
                let bytes = reader.get_ref().bytes_in;
                if len > 0
                    && batch_tx
                        .send(Batch {
                            index,
                            records,
                            lines,
                            len,
                            bytes,
                        })
                        .is_err()
                {
                    break;
                }
                index += 1;
                if !more {
                    break;
                }
            }
            Ok(ReadEnd {
                blank,
                replacements: reader.get_ref().replacements,
            })
        });
        let earlier = importer.options.earlier.as_deref();
        for _ in 0..workers {
            let done_tx = done_tx.clone();
            let batch_rx = &batch_rx;
            let validator = &validator;
            scope.spawn(move || validate_batches(batch_rx, &done_tx, validator, earlier, quote));
        }
        drop(done_tx);
        let merged = merge(
            &done_rx,
            &recycle_tx,
            &mut deduper,
            &mut spools,
            importer,
            &mut totals,
            progress,
        );
        // Unblocks the reader if merging stopped early.
        drop(done_rx);
        let read_end = reading
            .join()
            .unwrap_or(Err(ImportError::Io("the reading thread failed".into())));
        (read_end, merged)
    });
    let read_end = read_end?;
    merged?;
    let spool = spools
        .rejected
        .into_inner()
        .map_err(|e| ImportError::Io(e.to_string()))?
        .into_inner()
        .map_err(|e| ImportError::Io(e.to_string()))?;
    let accepted_keys = spools
        .accepted_keys
        .into_inner()
        .map_err(|e| ImportError::Io(e.to_string()))?;
    Ok(report(importer, totals, &read_end, spool, accepted_keys))
}

fn validate_batches(
    batch_rx: &Mutex<Receiver<Batch>>,
    done_tx: &SyncSender<Checked>,
    validator: &RowValidator,
    earlier: Option<&EarlierKeys>,
    quote: char,
) {
    loop {
        let received = batch_rx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv();
        let Ok(batch) = received else { return };
        let mut outcomes = Vec::with_capacity(batch.len);
        let mut trimmed = 0;
        let mut quoted = 0;
        // One buffer of cell slices for the whole batch: a row does not allocate its own.
        let mut cells: Vec<&str> = Vec::with_capacity(32);
        for record in &batch.records[..batch.len] {
            cells.clear();
            cells.extend(record.iter());
            trimmed += cells
                .iter()
                .filter(|c| !c.is_empty() && trim(c).len() != c.len())
                .count() as u64;
            quoted += u64::from(cells.iter().any(|c| c.contains(quote)));
            outcomes.push(validate(validator, earlier, &cells));
        }
        if done_tx
            .send(Checked {
                batch,
                outcomes,
                trimmed,
                quoted,
            })
            .is_err()
        {
            return;
        }
    }
}

/// Temporary files a run writes: the rejected rows, and the accepted rows' dedupe keys.
struct Spools {
    rejected: csv::Writer<BufWriter<File>>,
    accepted_keys: BufWriter<File>,
}

#[derive(Default)]
struct Totals {
    rows: u64,
    accepted: u64,
    rejected: u64,
    duplicates: u64,
    reasons: BTreeMap<String, u64>,
    reason_labels: BTreeMap<String, &'static str>,
    trimmed: u64,
    quoted: u64,
}

fn merge(
    done_rx: &Receiver<Checked>,
    recycle_tx: &SyncSender<Vec<StringRecord>>,
    deduper: &mut UploadDeduper,
    spools: &mut Spools,
    importer: &Importer,
    totals: &mut Totals,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<(), ImportError> {
    let mut pending = BTreeMap::new();
    let mut next = 0;
    let mut codes: Vec<(&'static str, &'static str)> = Vec::new();
    let mut spooled = Vec::new();
    for checked in done_rx {
        pending.insert(checked.batch.index, checked);
        while let Some(checked) = pending.remove(&next) {
            next += 1;
            totals.trimmed += checked.trimmed;
            totals.quoted += checked.quoted;
            let records = &checked.batch.records[..checked.batch.len];
            for ((record, outcome), &line) in records
                .iter()
                .zip(checked.outcomes)
                .zip(&checked.batch.lines)
            {
                totals.rows += 1;
                let problems = match outcome.and_then(|keys| {
                    dedupe(deduper, line, &keys)?;
                    Ok(keys)
                }) {
                    Ok(keys) => {
                        totals.accepted += 1;
                        for key in keys.iter() {
                            spools.accepted_keys.write_all(&[key.kind.to_byte()])?;
                            spools.accepted_keys.write_all(&key.stored())?;
                        }
                        continue;
                    }
                    Err(problems) => problems,
                };
                totals.rejected += 1;
                codes.clear();
                for p in &problems {
                    if !codes.iter().any(|(code, _)| *code == p.issue.code()) {
                        codes.push((p.issue.code(), p.issue.label()));
                    }
                }
                if problems.iter().any(|p| {
                    matches!(
                        p.issue,
                        RowIssue::DuplicateInFile { .. }
                            | RowIssue::DuplicateOfEarlierUpload { .. }
                    )
                }) {
                    totals.duplicates += 1;
                }
                for (code, label) in &codes {
                    match totals.reasons.get_mut(*code) {
                        Some(n) => *n += 1,
                        None => {
                            totals.reasons.insert((*code).to_owned(), 1);
                            totals.reason_labels.insert((*code).to_owned(), label);
                        }
                    }
                }
                spooled.clear();
                spooled.push(line.to_string());
                spooled.push(
                    problems
                        .iter()
                        .map(|p| p.issue.code())
                        .collect::<Vec<_>>()
                        .join(";"),
                );
                spooled.push(
                    problems
                        .iter()
                        .map(|p| {
                            rejection_reasons(std::slice::from_ref(p), &importer.table.mapping)
                        })
                        .collect::<Vec<_>>()
                        .join("\u{1f}"),
                );
                spooled.extend(record.iter().map(str::to_owned));
                spools.rejected.write_record(&spooled)?;
            }
            progress(Progress {
                rows: totals.rows,
                bytes: checked.batch.bytes,
                total_bytes: importer.file_bytes,
            });
            // Full: the reader allocates a new batch instead.
            let _ = recycle_tx.try_send(checked.batch.records);
        }
    }
    spools.rejected.flush()?;
    spools.accepted_keys.flush()?;
    Ok(())
}

/// A repair made from its count.
type CountedRepair = fn(u64) -> Repair;

fn report(
    importer: &Importer,
    totals: Totals,
    read_end: &ReadEnd,
    spool: File,
    accepted_keys: File,
) -> Report {
    let mut repairs = importer.table.repairs.clone();
    let counted: [(u64, CountedRepair); 4] = [
        (read_end.replacements, |count| {
            Repair::InvalidBytesReplaced { count }
        }),
        (read_end.blank, |count| Repair::BlankLinesSkipped { count }),
        (totals.trimmed, |count| Repair::CellsTrimmed { count }),
        (totals.quoted, |rows| Repair::StrayQuotes { rows }),
    ];
    repairs.extend(
        counted
            .into_iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, repair)| repair(n)),
    );
    let mapping = importer
        .mapping()
        .iter()
        .map(|c| MappedColumn {
            index: c.index,
            header: c.header.clone(),
            field: c.field,
            confidence: c.confidence,
            ignored_as_duplicate: c.duplicate_of.is_some(),
        })
        .collect();
    let dialect = importer.dialect;
    Report {
        rows: totals.rows,
        accepted: totals.accepted,
        rejected: totals.rejected,
        duplicates: totals.duplicates,
        reasons: totals.reasons,
        reason_labels: totals.reason_labels,
        repairs: repairs
            .into_iter()
            .map(|repair| RepairNote {
                message: repair.message(),
                repair,
            })
            .collect(),
        encoding: importer.encoding(),
        delimiter: dialect.delimiter_name(),
        quote: char::from(dialect.quote),
        backslash_escape: dialect.backslash_escape,
        header_lines: importer.table.header_lines.clone(),
        mapping,
        columns: importer
            .table
            .header_cells
            .clone()
            .unwrap_or_else(|| importer.table.columns.clone()),
        spool,
        accepted_keys,
    }
}
