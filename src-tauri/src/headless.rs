//! `leadmart-app import FILE [--dry-run] [--profile NAME] [--category C] [--rejected OUT.csv]
//! [--emit-table OUT.csv] [--json]`: the window's import pipeline without a window, for partners
//! who automate. The signed-in partner's session (from the keychain, as the app left it) gives
//! the mapping profiles and the earlier uploads to check against; without `--dry-run` the file
//! is kept as an upload, as "Keep" does in the window. Exit code 0 when the file was read.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;

use crate::cache::{Cache, CacheFolder};
use crate::error::AppError;
use crate::import::{ImportDraft, ImportSummary, Imports};

const USAGE: &str = "usage: leadmart-app import FILE [--dry-run] [--profile NAME] [--category C] [--rejected OUT.csv] [--emit-table OUT.csv] [--json]";

/// What the command line asked.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportArgs {
    pub file: PathBuf,
    pub dry_run: bool,
    pub profile: Option<String>,
    pub category: Option<String>,
    pub rejected: Option<PathBuf>,
    pub emit_table: Option<PathBuf>,
    pub json: bool,
}

/// Parses the arguments after `import`.
pub fn parse_args(args: &[String]) -> Result<ImportArgs, String> {
    let mut parsed = ImportArgs::default();
    let mut file = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut value = |name: &str| {
            rest.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "--dry-run" => parsed.dry_run = true,
            "--json" => parsed.json = true,
            "--profile" => parsed.profile = Some(value("--profile")?),
            "--category" => parsed.category = Some(value("--category")?),
            "--rejected" => parsed.rejected = Some(value("--rejected")?.into()),
            "--emit-table" => parsed.emit_table = Some(value("--emit-table")?.into()),
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            path if file.is_none() => file = Some(PathBuf::from(path)),
            extra => return Err(format!("one file at a time ({extra:?} is a second)")),
        }
    }
    parsed.file = file.ok_or("FILE is missing")?;
    Ok(parsed)
}

/// The app data folder the window uses: Tauri's `app_data_dir` is the OS data folder joined
/// with the bundle identifier of `tauri.conf.json`.
pub fn data_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|dir| dir.join("com.leadmart.desktop"))
}

/// `leadmart-app import …`: runs and prints; the exit code says whether the file was read.
pub fn main(args: &[String]) -> ExitCode {
    let args = match parse_args(args) {
        Ok(args) => args,
        Err(err) => {
            eprintln!("leadmart-app import: {err}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("leadmart-app import: {err}");
            return ExitCode::FAILURE;
        }
    };
    let json = args.json;
    match runtime.block_on(run(&args)) {
        Ok(out) => {
            if json {
                println!("{}", out.json);
            } else {
                print!("{}", out.text);
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            if json {
                println!("{}", json!({ "error": err }));
            } else {
                eprintln!("leadmart-app import: {err}");
            }
            ExitCode::FAILURE
        }
    }
}

/// A run's printed forms.
#[derive(Debug)]
pub struct Output {
    pub text: String,
    pub json: serde_json::Value,
}

/// The signed-in partner's cache, if the keychain names one (offline, their cached user stands
/// in, as in the window).
async fn signed_in_partner() -> Result<Option<Cache>, AppError> {
    let api_url =
        std::env::var("LEADMART_API_URL").unwrap_or_else(|_| crate::DEFAULT_API_URL.to_owned());
    let Some(dir) = data_dir() else {
        return Ok(None);
    };
    crate::secrets::choose_backend();
    let session = crate::session::SessionManager::open(
        crate::api::ApiClient::new(&api_url)?,
        crate::secrets::TokenStore::for_api(&api_url),
        CacheFolder::new(dir),
    )
    .await?;
    match session.current_user().await.ok().flatten() {
        Some(user) => {
            crate::import::partner_cache(Some(user.role), session.cache().await?).map(Some)
        }
        None => Ok(None),
    }
}

/// Runs the import as `args` say, with `cache` the partner's (or none).
pub async fn run_with(args: &ImportArgs, cache: Option<&Cache>) -> Result<Output, AppError> {
    if !args.dry_run && cache.is_none() {
        return Err(AppError::SignedOut {
            message: "Sign in to Leadmart with your partner account first, or check the file with --dry-run.".to_owned(),
        });
    }
    let imports = Imports::default();
    let path = crate::import::single_csv(std::slice::from_ref(&args.file))?;
    let mut draft = imports.open(path, cache, args.profile.as_deref()).await?;
    if let Some(category) = &args.category {
        draft = imports
            .set_category(&draft.import_id, Some(category.clone()))
            .await?;
    }
    let id = draft.import_id.clone();
    let summary = imports.check(&id, Duration::from_secs(1), |_| {}).await?;
    let rejected = match &args.rejected {
        Some(out) => Some(imports.save_rejected(&id, out).await?),
        None => None,
    };
    let table = match &args.emit_table {
        Some(out) => Some(imports.write_table(&id, out).await?),
        None => None,
    };
    let kept = match cache {
        Some(cache) if !args.dry_run => Some(
            imports
                .keep(&id, cache, args.profile.as_deref(), chrono::Utc::now())
                .await?,
        ),
        _ => None,
    };
    let mut text = describe(&draft, &summary);
    match &kept {
        Some(kept) => text.push_str(&format!(
            "kept as upload {} ({} leads); mapping profile “{}” remembered\n",
            kept.upload_id, kept.accepted, kept.profile
        )),
        None => text.push_str("dry run: nothing kept\n"),
    }
    if let Some(saved) = &rejected {
        text.push_str(&format!(
            "rejected rows written to {} ({})\n",
            saved.path,
            rows(saved.rows)
        ));
    }
    if let Some(saved) = &table {
        text.push_str(&format!(
            "table written to {} ({})\n",
            saved.path,
            rows(saved.rows)
        ));
    }
    let json = json!({
        "file": draft.file_name,
        "rows": summary.rows,
        "accepted": summary.accepted,
        "rejected": summary.rejected,
        "duplicates": summary.duplicates,
        "reasons": summary.reasons,
        "encoding": draft.encoding,
        "delimiter": draft.delimiter,
        "header": draft.header,
        "repairs": summary.repairs,
        "mapping": draft.columns,
        "category": draft.category,
        "profile": draft.profile,
        "earlierUploadsChecked": draft.earlier_uploads_checked,
        "kept": kept,
        "rejectedFile": rejected,
        "table": table,
    });
    Ok(Output { text, json })
}

async fn run(args: &ImportArgs) -> Result<Output, AppError> {
    let cache = signed_in_partner().await?;
    run_with(args, cache.as_ref()).await
}

fn rows(n: u32) -> String {
    if n == 1 {
        "1 row".to_owned()
    } else {
        format!("{n} rows")
    }
}

/// The summary as a partner reads it in a terminal.
fn describe(draft: &ImportDraft, summary: &ImportSummary) -> String {
    let mut out = format!(
        "{}: {} — {} accepted, {} rejected ({} duplicates)\n",
        draft.file_name,
        rows(summary.rows),
        summary.accepted,
        summary.rejected,
        summary.duplicates
    );
    for reason in &summary.reasons {
        out.push_str(&format!("  {}: {}\n", reason.label, rows(reason.rows)));
    }
    out.push_str(&format!(
        "read as {}, {}-separated; {}\n",
        draft.encoding, draft.delimiter, draft.header
    ));
    for repair in &summary.repairs {
        out.push_str(&format!("repaired: {repair}\n"));
    }
    let mapping: Vec<String> = draft
        .columns
        .iter()
        .map(|c| {
            let field = c
                .field
                .filter(|_| c.ignored_for.is_none())
                .map_or("(ignored)", |f| f.label());
            format!("{} → {field}", c.header)
        })
        .collect();
    out.push_str(&format!(
        "mapping{}: {}\n",
        draft
            .profile
            .as_ref()
            .map(|p| format!(" (profile “{p}”)"))
            .unwrap_or_default(),
        mapping.join(", ")
    ));
    if let Some(category) = &draft.category {
        out.push_str(&format!("category: {category}\n"));
    }
    if !draft.earlier_uploads_checked {
        out.push_str("not signed in: rows were not checked against your earlier uploads\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<ImportArgs, String> {
        parse_args(&list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn arguments_parse_in_any_order_and_refuse_what_they_do_not_know() {
        assert_eq!(
            args(&["--json", "a.csv", "--dry-run", "--rejected", "r.csv"]),
            Ok(ImportArgs {
                file: "a.csv".into(),
                dry_run: true,
                rejected: Some("r.csv".into()),
                json: true,
                ..ImportArgs::default()
            })
        );
        assert!(args(&[]).is_err());
        assert!(args(&["a.csv", "b.csv"]).is_err());
        assert!(args(&["a.csv", "--profile"]).is_err());
        assert!(args(&["a.csv", "--force"]).is_err());
    }
}
