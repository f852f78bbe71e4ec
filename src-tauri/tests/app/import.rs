//! CSV import in the app (issue 10): a partner's file opened as the window opens it, mapped,
//! previewed, checked with progress and cancel, its rejected rows saved, kept as an upload whose
//! rows the next file is checked against, its mapping remembered by header set; the headless
//! `leadmart-app import` as a partner runs it. Real files, a real cache, a real server.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use leadmart_app::cache::Cache;
use leadmart_app::error::AppError;
use leadmart_app::headless::{ImportArgs, run_with};
use leadmart_app::import::{ImportProblem, ImportProgress, Imports, partner_cache, single_csv};
use leadmart_app::session::SessionManager;
use leadmart_server::demo;
use leadmart_shared::csv_rules::LeadField;

use crate::support::{Server, session_for, signed_in_agent, start_server};

const FIRST: &str = "Name,Email,Phone,City,Category\n\
Priya Sharma,priya@example.com,98765 43210,Mumbai,real-estate/buy\n\
Rajesh Kumar,not-an-email,98765 43211,Pune,real-estate/buy\n\
Anita Desai,anita@example.com,98765 43212,Pune,real-estate/rent\n\
P. Sharma,PRIYA@example.com,98765 00000,Mumbai,real-estate/buy\n";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write the test file");
    path
}

async fn signed_in_partner(dir: &Path, server: &Server) -> (Cache, SessionManager) {
    let session = session_for(&server.url, dir).await;
    session
        .sign_in(
            demo::DEMO_PARTNER_EMAIL.to_owned(),
            demo::DEMO_PASSWORD.to_owned(),
        )
        .await
        .expect("the demo partner signs in");
    let cache = session.cache().await.expect("the partner's cache");
    (cache, session)
}

fn problem_of(result: Result<impl std::fmt::Debug, AppError>) -> (ImportProblem, String) {
    match result {
        Err(AppError::Import { problem, message }) => (problem, message),
        other => panic!("expected an import problem, got {other:?}"),
    }
}

#[test]
fn drops_of_anything_but_one_csv_file_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = write(dir.path(), "leads.csv", FIRST);
    let sheet = write(dir.path(), "leads.xlsx", "PK\u{3}\u{4}");
    let folder = dir.path().join("exports");
    std::fs::create_dir(&folder).expect("folder");
    assert_eq!(
        single_csv(std::slice::from_ref(&csv)).ok(),
        Some(csv.as_path())
    );
    let (kind, message) = problem_of(single_csv(&[csv.clone(), sheet.clone()]));
    assert_eq!(kind, ImportProblem::SeveralFiles);
    assert_eq!(message, "You dropped 2 files. Drop one CSV file at a time.");
    let (kind, message) = problem_of(single_csv(&[sheet]));
    assert_eq!(kind, ImportProblem::NotCsv);
    assert!(
        message.starts_with("“leads.xlsx” is not a CSV file."),
        "{message}"
    );
    // A folder named like a CSV is still a folder.
    let dotted = dir.path().join("march.csv");
    std::fs::create_dir(&dotted).expect("folder");
    for path in [folder, dotted] {
        let (kind, message) = problem_of(single_csv(&[path]));
        assert_eq!(kind, ImportProblem::Folder);
        assert!(
            message.ends_with("is a folder. Drop the CSV file itself."),
            "{message}"
        );
    }
}

#[tokio::test]
async fn a_partner_checks_saves_rejects_keeps_and_the_next_file_is_checked_against_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let (cache, _session) = signed_in_partner(dir.path(), &server).await;
    let imports = Imports::default();
    let first = write(dir.path(), "march.csv", FIRST);

    let draft = imports
        .open(&first, Some(&cache), None)
        .await
        .expect("opens");
    assert_eq!(draft.file_name, "march.csv");
    assert_eq!(draft.encoding, "UTF-8");
    assert_eq!(draft.delimiter, "comma");
    assert_eq!(draft.header, "Header on line 1");
    assert_eq!(draft.profile, None);
    assert!(draft.earlier_uploads_checked);
    assert!(draft.category_column);
    let fields: Vec<Option<LeadField>> = draft.columns.iter().map(|c| c.field).collect();
    assert_eq!(
        fields,
        [
            Some(LeadField::FullName),
            Some(LeadField::Email),
            Some(LeadField::Phone),
            Some(LeadField::City),
            Some(LeadField::Category)
        ]
    );
    // The preview marks the bad cell and the duplicate row; good rows have no problem.
    type Problems = Vec<(Option<u32>, String)>;
    let problems: Vec<(u32, Problems)> = draft
        .preview
        .iter()
        .map(|row| {
            (
                row.line,
                row.problems
                    .iter()
                    .map(|p| (p.column, p.code.clone()))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        [
            (2, vec![]),
            (3, vec![(Some(1), "invalid_email".to_owned())]),
            (4, vec![]),
            (5, vec![(None, "duplicate_in_file".to_owned())]),
        ]
    );

    // Keeping needs the check first.
    let (kind, _) = problem_of(
        imports
            .keep(&draft.import_id, &cache, None, chrono::Utc::now())
            .await,
    );
    assert_eq!(kind, ImportProblem::NotChecked);

    let seen: Arc<Mutex<Vec<ImportProgress>>> = Arc::default();
    let recorder = seen.clone();
    let summary = imports
        .check(&draft.import_id, Duration::ZERO, move |p| {
            recorder.lock().expect("progress").push(p);
        })
        .await
        .expect("checks");
    assert_eq!(
        (
            summary.rows,
            summary.accepted,
            summary.rejected,
            summary.duplicates
        ),
        (4, 2, 2, 1)
    );
    let reasons: Vec<(String, String, u32)> = summary
        .reasons
        .iter()
        .map(|r| (r.code.clone(), r.label.clone(), r.rows))
        .collect();
    assert_eq!(
        reasons,
        [
            (
                "duplicate_in_file".to_owned(),
                "Duplicate within the file".to_owned(),
                1
            ),
            ("invalid_email".to_owned(), "Invalid email".to_owned(), 1),
        ]
    );
    let last = seen
        .lock()
        .expect("progress")
        .last()
        .cloned()
        .expect("progress was reported");
    assert_eq!((last.rows, last.percent), (4, 100));

    // "Save rejected rows": beside the file by default, as they were plus line and reasons.
    let out = imports
        .suggested_rejected_path(&draft.import_id)
        .expect("a suggestion");
    assert_eq!(out, dir.path().join("march-rejected.csv"));
    let saved = imports
        .save_rejected(&draft.import_id, &out)
        .await
        .expect("saves");
    assert_eq!(saved.rows, 2);
    let written = std::fs::read_to_string(&out).expect("the rejected file");
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines[0], "Name,Email,Phone,City,Category,line,reasons");
    assert!(lines[1].starts_with("Rajesh Kumar,not-an-email,98765 43211,Pune,real-estate/buy,3,"));
    assert!(lines[2].starts_with("P. Sharma,PRIYA@example.com,98765 00000,Mumbai,real-estate/buy,5,duplicate of row 2 (email matches)"));

    let kept = imports
        .keep(&draft.import_id, &cache, None, chrono::Utc::now())
        .await
        .expect("keeps");
    assert_eq!((kept.accepted, kept.profile.as_str()), (2, "march"));
    let (kind, _) = problem_of(imports.cancel(&draft.import_id));
    assert_eq!(kind, ImportProblem::Gone, "a kept import is closed");
    let uploads = cache.uploads().await.expect("uploads");
    assert_eq!(uploads.len(), 1);
    assert_eq!(
        (
            uploads[0].file_name.as_str(),
            uploads[0].rows,
            uploads[0].accepted
        ),
        ("march.csv", 4, 2)
    );

    // The next file has the same columns in another order: the profile applies, and a row of
    // the kept upload is a duplicate of it. A mapping the partner changes sticks.
    let second = write(
        dir.path(),
        "april.csv",
        "Email,Name,City,Phone,Category\n\
anita@example.com,Anita D,Pune,98000 00001,real-estate/rent\n\
new@example.com,Someone New,Pune,98000 00002,real-estate/buy\n",
    );
    let draft = imports
        .open(&second, Some(&cache), None)
        .await
        .expect("opens");
    assert_eq!(draft.profile.as_deref(), Some("march"));
    assert_eq!(
        draft.preview[0].problems[0].code,
        "duplicate_of_earlier_upload"
    );
    assert!(draft.preview[1].problems.is_empty());
    let draft = imports
        .set_mapping(&draft.import_id, 4, None)
        .await
        .expect("maps");
    assert_eq!(draft.columns[4].field, None);
    assert!(!draft.category_column);
    let summary = imports
        .check(&draft.import_id, Duration::ZERO, |_| {})
        .await
        .expect("checks");
    assert_eq!((summary.accepted, summary.duplicates), (1, 1));
    assert_eq!(summary.reasons[0].label, "In an earlier upload");
    // Without a category column the file needs one chosen.
    let (kind, _) = problem_of(
        imports
            .keep(&draft.import_id, &cache, None, chrono::Utc::now())
            .await,
    );
    assert_eq!(kind, ImportProblem::NoCategory);
    let bad = imports
        .set_category(&draft.import_id, Some("Real Estate!".to_owned()))
        .await;
    assert!(matches!(bad, Err(AppError::Invalid { .. })), "{bad:?}");
    let draft = imports
        .set_category(&draft.import_id, Some("real-estate/buy".to_owned()))
        .await
        .expect("a category");
    assert_eq!(draft.category.as_deref(), Some("real-estate/buy"));
    imports
        .check(&draft.import_id, Duration::ZERO, |_| {})
        .await
        .expect("checks");
    let kept = imports
        .keep(
            &draft.import_id,
            &cache,
            Some("Agency export"),
            chrono::Utc::now(),
        )
        .await
        .expect("keeps");
    assert_eq!(kept.profile, "Agency export");
    let profile = cache
        .profile_named("Agency export")
        .await
        .expect("profile")
        .expect("remembered");
    assert_eq!(profile.mapping.get("Category"), Some(&None));
    assert_eq!(profile.category.as_deref(), Some("real-estate/buy"));
    // One profile per header set: the new one replaced "march".
    assert_eq!(cache.profile_named("march").await.expect("profile"), None);
    assert_eq!(cache.uploads().await.expect("uploads").len(), 2);
    server.stop().await;
}

#[tokio::test]
async fn a_running_check_is_cancelled() {
    let dir = tempfile::tempdir().expect("temp dir");
    let big = dir.path().join("big.csv");
    leadmart_import::sample::write_leads(&big, 200_000).expect("a big file");
    let imports = Arc::new(Imports::default());
    let draft = imports.open(&big, None, None).await.expect("opens");
    let id = draft.import_id.clone();
    let (first_tx, first_rx) = tokio::sync::oneshot::channel::<()>();
    let first_tx = Mutex::new(Some(first_tx));
    let running = {
        let imports = imports.clone();
        let id = id.clone();
        tokio::spawn(async move {
            imports
                .check(&id, Duration::ZERO, move |_| {
                    if let Some(tx) = first_tx.lock().expect("lock").take() {
                        let _ = tx.send(());
                    }
                })
                .await
        })
    };
    first_rx.await.expect("the check reports progress");
    imports.cancel(&id).expect("cancels");
    let (kind, message) = problem_of(running.await.expect("joins"));
    assert_eq!(kind, ImportProblem::Cancelled);
    assert_eq!(message, "The check was cancelled.");
}

#[tokio::test]
async fn headless_import_keeps_as_a_partner_and_dry_runs_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let (cache, _session) = signed_in_partner(dir.path(), &server).await;
    let file = write(dir.path(), "march.csv", FIRST);
    let table = dir.path().join("table.csv");
    let args = ImportArgs {
        file: file.clone(),
        dry_run: true,
        emit_table: Some(table.clone()),
        ..ImportArgs::default()
    };

    // Without a session a dry run still reads the file, and says what it could not check.
    let alone = run_with(&args, None).await.expect("a dry run");
    assert!(
        alone
            .text
            .starts_with("march.csv: 4 rows — 2 accepted, 2 rejected (1 duplicates)\n"),
        "{}",
        alone.text
    );
    assert!(alone.text.contains("  Invalid email: 1 row\n"));
    assert!(
        alone
            .text
            .contains("not signed in: rows were not checked against your earlier uploads")
    );
    assert!(alone.text.contains("dry run: nothing kept"));
    assert_eq!(alone.json["accepted"], 2);
    assert_eq!(alone.json["kept"], serde_json::Value::Null);
    assert_eq!(std::fs::read_to_string(&table).expect("table"), FIRST);
    let keep = ImportArgs {
        dry_run: false,
        ..ImportArgs::default()
    };
    let refused = run_with(
        &ImportArgs {
            file: file.clone(),
            ..keep
        },
        None,
    )
    .await;
    assert!(
        matches!(refused, Err(AppError::SignedOut { .. })),
        "{:?}",
        refused.err()
    );

    let kept = run_with(
        &ImportArgs {
            file: file.clone(),
            category: Some("real-estate/buy".to_owned()),
            ..ImportArgs::default()
        },
        Some(&cache),
    )
    .await
    .expect("keeps");
    assert_eq!(kept.json["kept"]["accepted"], 2);
    assert!(kept.text.contains("mapping profile “march” remembered"));
    // Run again: every good row is now in an earlier upload; the profile is used by name.
    let again = run_with(
        &ImportArgs {
            file,
            dry_run: true,
            profile: Some("march".to_owned()),
            json: true,
            ..ImportArgs::default()
        },
        Some(&cache),
    )
    .await
    .expect("a dry run");
    assert_eq!(again.json["accepted"], 0);
    assert_eq!(again.json["profile"], "march");
    assert_eq!(
        again.json["reasons"][0]["code"],
        "duplicate_of_earlier_upload"
    );
    // Both kept rows, and the in-file duplicate of one of them, which matches the upload first.
    assert_eq!(again.json["reasons"][0]["rows"], 3);
    let unknown = run_with(
        &ImportArgs {
            file: dir.path().join("march.csv"),
            dry_run: true,
            profile: Some("nope".to_owned()),
            ..ImportArgs::default()
        },
        Some(&cache),
    )
    .await;
    assert_eq!(problem_of(unknown).0, ImportProblem::Profile);
    server.stop().await;
}

#[test]
fn the_headless_command_reads_the_windows_data_folder() {
    // Tauri's app data folder is the OS data folder joined with the bundle identifier.
    let conf: serde_json::Value =
        serde_json::from_str(include_str!("../../tauri.conf.json")).expect("tauri.conf.json");
    let identifier = conf["identifier"].as_str().expect("an identifier");
    assert_eq!(
        leadmart_app::headless::data_dir(),
        dirs::data_dir().map(|d| d.join(identifier))
    );
}

#[test]
fn the_headless_command_exits_by_whether_the_file_was_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = write(dir.path(), "march.csv", FIRST);
    let empty = write(dir.path(), "empty.csv", "");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_leadmart-app"))
            .arg("import")
            .args(args)
            // Nobody is signed in on this "computer"; nothing reaches a real keychain.
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env("LEADMART_KEYRING", "keyutils")
            .env("LEADMART_API_URL", "http://127.0.0.1:9")
            .output()
            .expect("runs")
    };
    let out = run(&[good.to_str().expect("path"), "--dry-run", "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        (summary["rows"].as_u64(), summary["accepted"].as_u64()),
        (Some(4), Some(2))
    );
    let out = run(&[empty.to_str().expect("path"), "--dry-run"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("This file is empty"));
    let out = run(&[good.to_str().expect("path")]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "keeping needs a signed-in partner"
    );
    assert_eq!(run(&["--bogus"]).status.code(), Some(2));
}

#[tokio::test]
async fn an_agent_cannot_import() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let (cache, session) = signed_in_agent(dir.path(), &server).await;
    let role = session.current_user().await.expect("user").map(|u| u.role);
    assert_eq!(
        problem_of(partner_cache(role, cache)).0,
        ImportProblem::NotPartner
    );
    server.stop().await;
}
