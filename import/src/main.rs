//! `leadmart-import FILE [--json] [--rejected OUT.csv] [--emit-table OUT.csv] [--preview N] [--region R] [--workers N]`:
//! the pipeline without a window, as the benchmark runs it (and the base of the app's headless
//! `import`). Prints the summary, then `timing` with the time (µs, from the start) to the
//! preview, to the full summary, and the process's peak RSS. Exit code 0 when the file was read.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use leadmart_import::{ImportOptions, Importer};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [command, rows, out] = args.as_slice()
        && command == "generate"
    {
        // `leadmart-import generate ROWS OUT.csv`: the benchmark's file.
        let Ok(rows) = rows.parse() else {
            eprintln!("generate: ROWS must be a number");
            return ExitCode::from(2);
        };
        return match leadmart_import::sample::write_leads(&PathBuf::from(out), rows) {
            Ok(expected) => {
                println!("{expected:?}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("generate: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let Some(path) = args.first().filter(|a| !a.starts_with("--")) else {
        eprintln!(
            "usage: leadmart-import FILE [--json] [--rejected OUT.csv] [--emit-table OUT.csv] [--preview N] [--region R] [--workers N]"
        );
        return ExitCode::from(2);
    };
    let json = args.iter().any(|a| a == "--json");
    let mut options = ImportOptions::default();
    if let Some(region) = value("--region") {
        options.phone_region = region.clone();
    }
    if let Some(workers) = value("--workers").and_then(|w| w.parse().ok()) {
        options.workers = workers;
    }
    let preview_rows = value("--preview")
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    let start = Instant::now();
    let outcome = Importer::open(&PathBuf::from(path), options).and_then(|importer| {
        let preview = importer.preview(preview_rows)?;
        let preview_time = start.elapsed();
        let report = importer.run(&|_| {})?;
        let summary_time = start.elapsed();
        if let Some(out) = value("--rejected") {
            report.write_rejected_csv(&PathBuf::from(out))?;
        }
        if let Some(out) = value("--emit-table") {
            importer.write_table(&PathBuf::from(out))?;
        }
        Ok((preview.len(), preview_time, report, summary_time))
    });
    match outcome {
        Ok((previewed, preview_time, report, summary_time)) => {
            let peak_rss_kb = peak_rss_kb();
            if json {
                let body = serde_json::json!({
                    "summary": report,
                    "previewRows": previewed,
                    "timing": {
                        "previewUs": preview_time.as_micros() as u64,
                        "summaryUs": summary_time.as_micros() as u64,
                        "peakRssKb": peak_rss_kb,
                    }
                });
                println!("{body}");
            } else {
                println!(
                    "rows={} accepted={} rejected={} duplicates={} reasons={:?}",
                    report.rows,
                    report.accepted,
                    report.rejected,
                    report.duplicates,
                    report.reasons
                );
                println!(
                    "encoding={} delimiter={} header_lines={:?}",
                    report.encoding, report.delimiter, report.header_lines
                );
                for repair in &report.repairs {
                    println!("repair: {}", repair.message);
                }
                println!(
                    "timing preview_us={} summary_us={} peak_rss_kb={}",
                    preview_time.as_micros(),
                    summary_time.as_micros(),
                    peak_rss_kb.map_or_else(|| "?".to_owned(), |k| k.to_string())
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            if json {
                println!(
                    "{}",
                    serde_json::json!({"error": {"code": e.code(), "message": e.to_string()}})
                );
            } else {
                eprintln!("leadmart-import: {e}");
            }
            ExitCode::FAILURE
        }
    }
}

/// `VmHWM` of this process (Linux), in KiB.
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
