//! CSV import on the desktop (issue 10): a dropped or picked file becomes a draft — its layout,
//! its mapping (a remembered profile applied), a preview of the first rows with their
//! problems — then the full check of every row (progress, cancel) against shared's rules, the
//! file's own rows and this partner's earlier uploads; then "Save rejected rows" and keeping the
//! upload. The window's commands and the headless `leadmart-app import` both drive this module;
//! it holds no tauri types (the file dialogs sit behind [`FileDialogs`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use leadmart_import::{ImportError, ImportOptions, Importer, Report};
use leadmart_shared::account::Role;
use leadmart_shared::csv_rules::LeadField;
use leadmart_shared::dedupe::EarlierKeys;
use leadmart_shared::lead::Category;
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::cache::{Cache, MappingProfile, NewUpload};
use crate::error::AppError;

/// Rows the preview shows.
pub const PREVIEW_ROWS: usize = 20;

/// File name endings the importer accepts: what spreadsheet apps write for delimited text.
pub const CSV_EXTENSIONS: &[&str] = &["csv", "tsv", "txt"];

/// Why a file could not be imported, for the UI to switch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ImportProblem {
    /// Several files at once: one at a time.
    SeveralFiles,
    /// Not a `.csv` (or `.tsv`, `.txt`) file.
    NotCsv,
    Folder,
    NotFound,
    Empty,
    /// A spreadsheet or other binary file saved as `.csv`.
    Binary,
    HeaderOnly,
    Unreadable,
    Malformed,
    Cancelled,
    /// Only partner accounts sell leads.
    NotPartner,
    /// The import was closed (or the app restarted) since the UI saw it.
    Gone,
    /// A named profile does not exist or does not fit the file.
    Profile,
    /// Keeping or saving needs the full check first.
    NotChecked,
    /// No column gives the rows a category and none was chosen for the file.
    NoCategory,
}

fn problem(problem: ImportProblem, message: impl Into<String>) -> AppError {
    AppError::Import {
        problem,
        message: message.into(),
    }
}

impl From<ImportError> for AppError {
    fn from(err: ImportError) -> Self {
        let kind = match &err {
            ImportError::Empty => ImportProblem::Empty,
            ImportError::Binary => ImportProblem::Binary,
            ImportError::HeaderOnly => ImportProblem::HeaderOnly,
            ImportError::NotFound(_) => ImportProblem::NotFound,
            ImportError::IsFolder(_) => ImportProblem::Folder,
            ImportError::Io(_) | ImportError::PhoneRegion(_) => ImportProblem::Unreadable,
            ImportError::Malformed { .. } => ImportProblem::Malformed,
            ImportError::Cancelled => ImportProblem::Cancelled,
        };
        let message = match &err {
            ImportError::Empty => "This file is empty: there are no leads in it.".to_owned(),
            ImportError::Binary => "This is not a text file. If it is a spreadsheet, save it as CSV (comma-separated) and drop it again.".to_owned(),
            ImportError::HeaderOnly => "This file has a header row and no leads under it.".to_owned(),
            ImportError::Cancelled => "The check was cancelled.".to_owned(),
            other => format!("Leadmart could not read this file: {other}."),
        };
        problem(kind, message)
    }
}

/// The native open and save dialogs. The window uses the OS's; the end-to-end tests answer
/// them from the environment, since WebDriver cannot click a native dialog.
pub trait FileDialogs: Send + Sync {
    /// The file(s) chosen to import; empty when the person cancelled.
    fn pick_csv(&self) -> Vec<PathBuf>;
    /// Where to save a file of `kind`, starting at `suggested`; `None` when cancelled.
    fn save_as(&self, suggested: &Path, kind: &SaveKind) -> Option<PathBuf>;
}

/// What a save dialog is for: its title and the file type it offers.
#[derive(Debug, Clone, Copy)]
pub struct SaveKind {
    pub title: &'static str,
    pub filter: &'static str,
    pub extensions: &'static [&'static str],
}

pub const REJECTED_ROWS: SaveKind = SaveKind {
    title: "Save rejected rows",
    filter: "CSV files",
    extensions: &["csv"],
};

/// The one file of a drop or a pick, refused with a clear reason when it cannot be a CSV.
pub fn single_csv(paths: &[PathBuf]) -> Result<&Path, AppError> {
    let path = match paths {
        [] => return Err(problem(ImportProblem::NotFound, "No file was dropped.")),
        [one] => one,
        several => {
            return Err(problem(
                ImportProblem::SeveralFiles,
                format!(
                    "You dropped {} files. Drop one CSV file at a time.",
                    several.len()
                ),
            ));
        }
    };
    let name = file_name(path);
    if path.is_dir() {
        return Err(problem(
            ImportProblem::Folder,
            format!("“{name}” is a folder. Drop the CSV file itself."),
        ));
    }
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if !extension.is_some_and(|e| CSV_EXTENSIONS.contains(&e.as_str())) {
        return Err(problem(
            ImportProblem::NotCsv,
            format!(
                "“{name}” is not a CSV file. Save it as CSV (comma-separated) from your spreadsheet app and drop it again."
            ),
        ));
    }
    Ok(path)
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn small(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A byte count as people read it ("206.3 MB"), in integer arithmetic.
pub fn size_text(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} bytes");
    }
    let mut unit = 0;
    let mut scaled = bytes;
    while scaled >= 1_000_000 && unit + 1 < UNITS.len() {
        scaled /= 1000;
        unit += 1;
    }
    // `scaled` is in units of UNITS[unit] / 1000: one decimal place.
    let tenths = (scaled + 50) / 100;
    format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
}

/// A column of the mapping screen.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportColumn {
    pub index: u32,
    pub header: String,
    pub field: Option<LeadField>,
    /// 0–100: how sure the automatic mapping was (100: chosen by the partner or a profile).
    pub confidence: u8,
    /// Another column supplies the same field: this one is ignored (its header).
    pub ignored_for: Option<String>,
}

/// A field a column can map to, with its label.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldChoice {
    pub field: LeadField,
    pub label: String,
}

/// A problem of a preview row; `column` when it is about one cell.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CellProblem {
    pub column: Option<u32>,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportPreviewRow {
    /// The file's line the row starts on.
    pub line: u32,
    pub cells: Vec<String>,
    pub problems: Vec<CellProblem>,
}

/// An opened file: how it was read, how it maps, and its first rows.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportDraft {
    pub import_id: String,
    pub file_name: String,
    pub file_size: String,
    pub encoding: String,
    /// "comma", "semicolon", "tab"…
    pub delimiter: String,
    /// Where the header was found, in words.
    pub header: String,
    /// What was repaired in the part of the file read so far.
    pub repairs: Vec<String>,
    pub columns: Vec<ImportColumn>,
    pub fields: Vec<FieldChoice>,
    /// The category of rows without one of their own.
    pub category: Option<String>,
    /// Whether a column supplies each row's category.
    pub category_column: bool,
    pub preview: Vec<ImportPreviewRow>,
    /// The mapping profile applied on open, by name.
    pub profile: Option<String>,
    /// Whether rows were checked against this partner's earlier uploads (not when signed out,
    /// headless).
    pub earlier_uploads_checked: bool,
}

/// A reason rows were rejected, with how many.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReasonCount {
    pub code: String,
    pub label: String,
    pub rows: u32,
}

/// The full check's outcome: what will be sent and what will not, and why.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    pub import_id: String,
    pub rows: u32,
    pub accepted: u32,
    pub rejected: u32,
    pub duplicates: u32,
    /// Most frequent first.
    pub reasons: Vec<ReasonCount>,
    pub repairs: Vec<String>,
    pub elapsed_ms: u32,
}

/// How far the full check is (sent a few times a second).
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportProgress {
    pub import_id: String,
    pub rows: u32,
    pub bytes: String,
    pub total_bytes: String,
    /// 0–100.
    pub percent: u8,
    pub rows_per_second: u32,
    /// `None` until the rate is known.
    pub eta_seconds: Option<u32>,
}

/// A file written for the partner.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SavedFile {
    pub path: String,
    pub rows: u32,
}

/// An import kept as an upload.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct KeptUpload {
    pub upload_id: String,
    pub accepted: u32,
    /// The mapping profile remembered for files with these headers.
    pub profile: String,
}

/// A kept upload, as the uploads list shows it.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct UploadView {
    pub upload_id: String,
    pub file_name: String,
    pub category: Option<String>,
    pub rows: u32,
    pub accepted: u32,
    pub rejected: u32,
    pub duplicates: u32,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<crate::cache::UploadRecord> for UploadView {
    fn from(r: crate::cache::UploadRecord) -> Self {
        Self {
            upload_id: r.id.to_string(),
            file_name: r.file_name,
            category: r.category,
            rows: small(r.rows),
            accepted: small(r.accepted),
            rejected: small(r.rejected),
            duplicates: small(r.duplicates),
            created_at: r.created_at,
        }
    }
}

/// One open import.
struct Draft {
    path: PathBuf,
    /// The partner's (or a profile's) choice per column, applied over the automatic mapping.
    overrides: Vec<(usize, Option<LeadField>)>,
    category: Option<Category>,
    profile: Option<String>,
    earlier: Option<Arc<EarlierKeys>>,
    /// Set to stop the check running now.
    cancel: Arc<AtomicBool>,
    /// The last finished check, with the mapping it ran with.
    checked: Option<Arc<Checked>>,
}

/// A finished check.
struct Checked {
    report: Report,
    mapping: Vec<(String, Option<LeadField>)>,
    category: Option<Category>,
    /// Whether a column supplies each row's category.
    category_column: bool,
}

impl Draft {
    fn importer(&self, cancel: Option<Arc<AtomicBool>>) -> Result<Importer, ImportError> {
        let mut importer = Importer::open(
            &self.path,
            ImportOptions {
                earlier: self.earlier.clone(),
                cancel,
                ..ImportOptions::default()
            },
        )?;
        for &(column, field) in &self.overrides {
            importer.set_mapping(column, field);
        }
        importer.set_default_category(self.category.clone());
        Ok(importer)
    }
}

/// The open imports of this app. Ids are per process: a restart forgets the drafts (the file
/// is still on disk; dropping it again reopens it).
#[derive(Default)]
pub struct Imports {
    drafts: Mutex<HashMap<String, Arc<Mutex<Draft>>>>,
    next: AtomicU64,
}

/// The signed-in partner's cache, or why an import cannot start.
pub fn partner_cache(role: Option<Role>, cache: Cache) -> Result<Cache, AppError> {
    match role {
        Some(Role::Partner | Role::Admin) => Ok(cache),
        Some(Role::Agent) => Err(problem(
            ImportProblem::NotPartner,
            "Only partner accounts sell leads. Sign in with your partner account to upload a file.",
        )),
        None => Err(AppError::signed_out()),
    }
}

impl Imports {
    fn draft(&self, id: &str) -> Result<Arc<Mutex<Draft>>, AppError> {
        self.drafts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
            .ok_or_else(|| {
                problem(
                    ImportProblem::Gone,
                    "This import is no longer open. Drop the file again.",
                )
            })
    }

    /// Opens `path`: its layout and mapping, the profile remembered for its headers (or the one
    /// named), and the preview. `cache` is the partner's (profiles, earlier uploads); `None`
    /// checks the file alone.
    pub async fn open(
        &self,
        path: &Path,
        cache: Option<&Cache>,
        profile_name: Option<&str>,
    ) -> Result<ImportDraft, AppError> {
        let earlier = match cache {
            Some(cache) => Some(Arc::new(cache.earlier_upload_keys().await?)),
            None => None,
        };
        let mut draft = Draft {
            path: path.to_owned(),
            overrides: Vec::new(),
            category: None,
            profile: None,
            earlier,
            cancel: Arc::new(AtomicBool::new(false)),
            checked: None,
        };
        let id = self.next.fetch_add(1, Ordering::Relaxed).to_string();
        let mut view = describe(&id, &draft).await?;
        // Profiles are keyed by the headers as the mapping names them.
        let columns: Vec<String> = view.columns.iter().map(|c| c.header.clone()).collect();
        let profile = match (cache, profile_name) {
            (Some(cache), Some(name)) => {
                Some(cache.profile_named(name).await?.ok_or_else(|| {
                    problem(
                        ImportProblem::Profile,
                        format!("There is no mapping profile named “{name}”."),
                    )
                })?)
            }
            (None, Some(name)) => {
                return Err(problem(
                    ImportProblem::Profile,
                    format!("Sign in to the app to use the mapping profile “{name}”."),
                ));
            }
            (Some(cache), None) => cache.profile_for_headers(&columns).await?,
            (None, None) => None,
        };
        if let Some(profile) = profile {
            apply_profile(&mut draft, &columns, &profile)?;
            view = describe(&id, &draft).await?;
        }
        self.drafts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, Arc::new(Mutex::new(draft)));
        Ok(view)
    }

    /// The partner maps `column` to `field` (`None`: ignore the column).
    pub async fn set_mapping(
        &self,
        id: &str,
        column: u32,
        field: Option<LeadField>,
    ) -> Result<ImportDraft, AppError> {
        let draft = self.draft(id)?;
        let snapshot = {
            let mut draft = draft.lock().unwrap_or_else(PoisonError::into_inner);
            let column = column as usize;
            draft.overrides.retain(|(c, _)| *c != column);
            draft.overrides.push((column, field));
            draft.checked = None;
            draft.snapshot()
        };
        describe(id, &snapshot).await
    }

    /// The category of rows without one (`None` or empty: none).
    pub async fn set_category(
        &self,
        id: &str,
        category: Option<String>,
    ) -> Result<ImportDraft, AppError> {
        let category = parse_category(category.as_deref())?;
        let draft = self.draft(id)?;
        let snapshot = {
            let mut draft = draft.lock().unwrap_or_else(PoisonError::into_inner);
            draft.category = category;
            draft.checked = None;
            draft.snapshot()
        };
        describe(id, &snapshot).await
    }

    /// Checks every row, reporting progress about every `every`; a check already running for
    /// this import is cancelled first.
    pub async fn check(
        &self,
        id: &str,
        every: Duration,
        progress: impl Fn(ImportProgress) + Send + Sync + 'static,
    ) -> Result<ImportSummary, AppError> {
        let draft = self.draft(id)?;
        let (snapshot, cancel) = {
            let mut draft = draft.lock().unwrap_or_else(PoisonError::into_inner);
            draft.cancel.store(true, Ordering::Relaxed);
            draft.cancel = Arc::new(AtomicBool::new(false));
            (draft.snapshot(), draft.cancel.clone())
        };
        let import_id = id.to_owned();
        let started = Instant::now();
        let checked = tokio::task::spawn_blocking(move || {
            let importer = snapshot.importer(Some(cancel))?;
            let meter = Meter::new(import_id, every, started);
            let report = importer.run(&|p| meter.tick(p, &progress))?;
            Ok::<_, ImportError>(Checked {
                mapping: importer
                    .mapping()
                    .iter()
                    .map(|c| (c.header.clone(), c.field))
                    .collect(),
                category: snapshot.category.clone(),
                category_column: importer
                    .mapping()
                    .iter()
                    .any(|c| c.field == Some(LeadField::Category) && c.duplicate_of.is_none()),
                report,
            })
        })
        .await
        .map_err(|err| {
            problem(
                ImportProblem::Unreadable,
                format!("The check failed: {err}"),
            )
        })??;
        let summary = summarise(id, &checked.report, started.elapsed());
        draft.lock().unwrap_or_else(PoisonError::into_inner).checked = Some(Arc::new(checked));
        Ok(summary)
    }

    /// Stops the running check (it then answers [`ImportProblem::Cancelled`]).
    pub fn cancel(&self, id: &str) -> Result<(), AppError> {
        let draft = self.draft(id)?;
        draft
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .cancel
            .store(true, Ordering::Relaxed);
        Ok(())
    }

    fn checked(&self, id: &str) -> Result<(Arc<Checked>, PathBuf), AppError> {
        let draft = self.draft(id)?;
        let draft = draft.lock().unwrap_or_else(PoisonError::into_inner);
        let checked = draft.checked.clone().ok_or_else(|| {
            problem(
                ImportProblem::NotChecked,
                "Check every row of the file first.",
            )
        })?;
        Ok((checked, draft.path.clone()))
    }

    /// Where "Save rejected rows" suggests: beside the file, `<name>-rejected.csv`.
    pub fn suggested_rejected_path(&self, id: &str) -> Result<PathBuf, AppError> {
        let (_, path) = self.checked(id)?;
        let stem = path
            .file_stem()
            .map_or_else(|| "leads".to_owned(), |s| s.to_string_lossy().into_owned());
        Ok(path.with_file_name(format!("{stem}-rejected.csv")))
    }

    /// "Save rejected rows": the rejected rows as they were, plus `line` and `reasons`.
    pub async fn save_rejected(&self, id: &str, out: &Path) -> Result<SavedFile, AppError> {
        let (checked, _) = self.checked(id)?;
        let target = out.to_owned();
        let rows = tokio::task::spawn_blocking(move || checked.report.write_rejected_csv(&target))
            .await
            .map_err(|err| problem(ImportProblem::Unreadable, format!("Saving failed: {err}")))?
            .map_err(|err| {
                problem(
                    ImportProblem::Unreadable,
                    format!("Leadmart could not write {}: {err}", out.display()),
                )
            })?;
        Ok(SavedFile {
            path: out.display().to_string(),
            rows: small(rows),
        })
    }

    /// Keeps the checked import as an upload of this partner's (its accepted rows' keys count
    /// against their next files) and remembers its mapping for files with these headers, as
    /// `profile_name` or the file's name.
    pub async fn keep(
        &self,
        id: &str,
        cache: &Cache,
        profile_name: Option<&str>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<KeptUpload, AppError> {
        let (checked, path) = self.checked(id)?;
        if checked.category.is_none() && !checked.category_column {
            return Err(problem(
                ImportProblem::NoCategory,
                "Choose the category of these leads (no column gives one), then keep the file.",
            ));
        }
        let keys = {
            let checked = checked.clone();
            tokio::task::spawn_blocking(move || checked.report.accepted_keys())
                .await
                .map_err(|err| problem(ImportProblem::Unreadable, format!("{err}")))??
        };
        let name = file_name(&path);
        let report = &checked.report;
        let category = checked.category.as_ref().map(Category::as_str);
        let upload_id = cache
            .save_upload(&NewUpload {
                file_name: &name,
                file_path: &path.display().to_string(),
                category,
                mapping: &checked.mapping,
                rows: report.rows,
                accepted: report.accepted,
                rejected: report.rejected,
                duplicates: report.duplicates,
                keys: &keys,
                created_at: now,
            })
            .await?;
        let headers: Vec<String> = checked.mapping.iter().map(|(h, _)| h.clone()).collect();
        let profile = MappingProfile {
            name: profile_name
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map_or_else(
                    || {
                        path.file_stem()
                            .map_or_else(|| name.clone(), |s| s.to_string_lossy().into_owned())
                    },
                    str::to_owned,
                ),
            mapping: checked.mapping.iter().cloned().collect(),
            category: category.map(str::to_owned),
        };
        cache.save_mapping_profile(&headers, &profile, now).await?;
        self.close(id);
        Ok(KeptUpload {
            upload_id: upload_id.to_string(),
            accepted: small(report.accepted),
            profile: profile.name,
        })
    }

    /// `--emit-table`: the table exactly as it was read.
    pub async fn write_table(&self, id: &str, out: &Path) -> Result<SavedFile, AppError> {
        let snapshot = self
            .draft(id)?
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .snapshot();
        let target = out.to_owned();
        let rows =
            tokio::task::spawn_blocking(move || snapshot.importer(None)?.write_table(&target))
                .await
                .map_err(|err| problem(ImportProblem::Unreadable, format!("{err}")))??;
        Ok(SavedFile {
            path: out.display().to_string(),
            rows: small(rows),
        })
    }

    /// Forgets the import (cancelling its check).
    pub fn close(&self, id: &str) {
        if let Some(draft) = self
            .drafts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id)
        {
            draft
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .cancel
                .store(true, Ordering::Relaxed);
        }
    }
}

impl Draft {
    /// What a check or a preview needs, so the lock is not held while the file is read.
    fn snapshot(&self) -> Draft {
        Draft {
            path: self.path.clone(),
            overrides: self.overrides.clone(),
            category: self.category.clone(),
            profile: self.profile.clone(),
            earlier: self.earlier.clone(),
            cancel: self.cancel.clone(),
            checked: None,
        }
    }
}

fn parse_category(raw: Option<&str>) -> Result<Option<Category>, AppError> {
    match raw.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(raw) => Category::parse(raw).map(Some).map_err(|_| AppError::Invalid {
            message: format!(
                "“{raw}” is not a category. Use a category like real-estate/buy or home-services/plumbing."
            ),
        }),
    }
}

/// Applies a profile: each header it knows gets its field; a profile that names none of the
/// file's headers does not fit.
fn apply_profile(
    draft: &mut Draft,
    columns: &[String],
    profile: &MappingProfile,
) -> Result<(), AppError> {
    let mut fitted = false;
    for (index, header) in columns.iter().enumerate() {
        if let Some(field) = profile.mapping.get(header) {
            draft.overrides.push((index, *field));
            fitted = true;
        }
    }
    if !fitted {
        return Err(problem(
            ImportProblem::Profile,
            format!(
                "The mapping profile “{}” does not fit this file: none of its columns are here.",
                profile.name
            ),
        ));
    }
    draft.category = parse_category(profile.category.as_deref())?;
    draft.profile = Some(profile.name.clone());
    Ok(())
}

/// The draft's view: layout, mapping and preview, read off the async runtime.
async fn describe(id: &str, draft: &Draft) -> Result<ImportDraft, AppError> {
    let snapshot = draft.snapshot();
    let id = id.to_owned();
    tokio::task::spawn_blocking(move || {
        let importer = snapshot.importer(None)?;
        let preview = importer.preview(PREVIEW_ROWS)?;
        Ok::<_, ImportError>(view(&id, &snapshot, &importer, preview))
    })
    .await
    .map_err(|err| problem(ImportProblem::Unreadable, format!("{err}")))?
    .map_err(AppError::from)
}

fn view(
    id: &str,
    draft: &Draft,
    importer: &Importer,
    preview: Vec<leadmart_import::PreviewRow>,
) -> ImportDraft {
    let mapping = importer.mapping();
    let columns = mapping
        .iter()
        .map(|c| ImportColumn {
            index: small(c.index as u64),
            header: c.header.clone(),
            field: c.field,
            confidence: c.confidence,
            ignored_for: c
                .duplicate_of
                .and_then(|winner| mapping.get(winner))
                .map(|w| w.header.clone()),
        })
        .collect();
    let header = match importer.header_lines() {
        [] => "No header row: columns named from their contents".to_owned(),
        [line] => format!("Header on line {line}"),
        [first, .., last] => format!("Header on lines {first}–{last}"),
    };
    ImportDraft {
        import_id: id.to_owned(),
        file_name: file_name(&draft.path),
        file_size: size_text(importer.file_bytes()),
        encoding: importer.encoding().to_owned(),
        delimiter: importer.dialect().delimiter_name().to_owned(),
        header,
        repairs: importer.repairs().iter().map(|r| r.message()).collect(),
        columns,
        fields: LeadField::ALL
            .iter()
            .map(|&field| FieldChoice {
                field,
                label: field.label().to_owned(),
            })
            .collect(),
        category: draft.category.as_ref().map(|c| c.as_str().to_owned()),
        category_column: mapping
            .iter()
            .any(|c| c.field == Some(LeadField::Category) && c.duplicate_of.is_none()),
        preview: preview
            .into_iter()
            .map(|row| ImportPreviewRow {
                line: small(row.line),
                cells: row.cells,
                problems: row
                    .problems
                    .into_iter()
                    .map(|p| CellProblem {
                        column: p.column.map(|c| small(c as u64)),
                        code: p.code,
                        message: p.message,
                    })
                    .collect(),
            })
            .collect(),
        profile: draft.profile.clone(),
        earlier_uploads_checked: draft.earlier.is_some(),
    }
}

fn summarise(id: &str, report: &Report, elapsed: Duration) -> ImportSummary {
    let mut reasons: Vec<ReasonCount> = report
        .reasons
        .iter()
        .map(|(code, &rows)| ReasonCount {
            code: code.clone(),
            label: report
                .reason_labels
                .get(code)
                .map_or_else(|| code.clone(), |l| (*l).to_owned()),
            rows: small(rows),
        })
        .collect();
    reasons.sort_by(|a, b| b.rows.cmp(&a.rows).then_with(|| a.code.cmp(&b.code)));
    ImportSummary {
        import_id: id.to_owned(),
        rows: small(report.rows),
        accepted: small(report.accepted),
        rejected: small(report.rejected),
        duplicates: small(report.duplicates),
        reasons,
        repairs: report.repairs.iter().map(|r| r.message.clone()).collect(),
        elapsed_ms: small(u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)),
    }
}

/// Turns the importer's counters into progress reports: at most one per `every`, with the rate
/// so far and the time left at that rate.
struct Meter {
    import_id: String,
    every: Duration,
    started: Instant,
    last: Mutex<Option<Instant>>,
}

impl Meter {
    fn new(import_id: String, every: Duration, started: Instant) -> Self {
        Self {
            import_id,
            every,
            started,
            last: Mutex::new(None),
        }
    }

    fn tick(&self, p: leadmart_import::Progress, send: &impl Fn(ImportProgress)) {
        let now = Instant::now();
        {
            let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
            let done = p.bytes >= p.total_bytes;
            if !done && last.is_some_and(|t| now.duration_since(t) < self.every) {
                return;
            }
            *last = Some(now);
        }
        send(progress_of(
            &self.import_id,
            p,
            now.duration_since(self.started),
        ));
    }
}

/// Progress in people's terms, in integer arithmetic.
pub fn progress_of(
    import_id: &str,
    p: leadmart_import::Progress,
    elapsed: Duration,
) -> ImportProgress {
    let micros = u64::try_from(elapsed.as_micros())
        .unwrap_or(u64::MAX)
        .max(1);
    let percent = (p.bytes.min(p.total_bytes) * 100)
        .checked_div(p.total_bytes)
        .unwrap_or(100);
    let rows_per_second = p.rows.saturating_mul(1_000_000) / micros;
    let bytes_per_second = p.bytes.saturating_mul(1_000_000) / micros;
    let eta_seconds = (bytes_per_second > 0 && elapsed >= Duration::from_millis(200)).then(|| {
        small(
            p.total_bytes
                .saturating_sub(p.bytes)
                .div_ceil(bytes_per_second),
        )
    });
    ImportProgress {
        import_id: import_id.to_owned(),
        rows: small(p.rows),
        bytes: size_text(p.bytes),
        total_bytes: size_text(p.total_bytes),
        percent: u8::try_from(percent).unwrap_or(100),
        rows_per_second: small(rows_per_second),
        eta_seconds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_a_file_manager() {
        assert_eq!(size_text(0), "0 bytes");
        assert_eq!(size_text(999), "999 bytes");
        assert_eq!(size_text(1_000), "1.0 KB");
        assert_eq!(size_text(1_250), "1.3 KB");
        assert_eq!(size_text(206_345_678), "206.3 MB");
        assert_eq!(size_text(999_949_999), "999.9 MB");
        assert_eq!(size_text(3_200_000_000), "3.2 GB");
    }

    #[test]
    fn progress_has_rate_and_time_left() {
        let p = leadmart_import::Progress {
            rows: 500_000,
            bytes: 100_000_000,
            total_bytes: 200_000_000,
        };
        let report = progress_of("1", p, Duration::from_secs(2));
        assert_eq!(report.percent, 50);
        assert_eq!(report.rows_per_second, 250_000);
        assert_eq!(report.eta_seconds, Some(2));
        // Too early for a rate worth showing.
        assert_eq!(
            progress_of("1", p, Duration::from_millis(10)).eta_seconds,
            None
        );
        let empty = leadmart_import::Progress {
            rows: 0,
            bytes: 0,
            total_bytes: 0,
        };
        assert_eq!(progress_of("1", empty, Duration::ZERO).percent, 100);
    }
}
