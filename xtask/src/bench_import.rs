//! The importer part of `cargo xtask bench`: the `leadmart-import` binary on a generated lead
//! file (issue 10's: ~200 bytes a row, ~2% bad emails, ~2% bad phones, ~3% duplicates) of
//! 100,000 and 1,000,000 rows, one process per run, against the Python baseline
//! (`../shared/bench/py_importer_baseline.py`: csv + phonenumbers + email-validator + SHA-256
//! keys) on the same file in the same run. Reports time to the preview, to the full summary,
//! wall time and peak RSS of each process, and the ratio. Fails when the two disagree on the
//! counts (accepted, bad emails, bad phones, duplicates) or when either differs from what the
//! generator wrote.
//!
//! The baseline runs in a virtual environment under the target folder, made on first use with
//! pip (phonenumbers, email-validator). `--smoke` runs 2,000 rows against the debug build; when
//! the environment cannot be made there, it says so and runs the importer alone.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde_json::Value;

use crate::{StatusOk, cargo, target_dir};

/// What the generator reports having written (`Expected { rows: …, … }`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    rows: u64,
    accepted: u64,
    bad_email: u64,
    bad_phone: u64,
    duplicates: u64,
}

struct Ours {
    counts: Counts,
    preview: Duration,
    summary: Duration,
    wall: Duration,
    peak_rss_kb: u64,
}

struct Python {
    counts: Counts,
    wall: Duration,
    peak_rss_kb: u64,
}

pub struct Figures {
    label: &'static str,
    megabytes: u64,
    ours: Ours,
    python: Option<Python>,
}

/// Builds the importer (release unless `smoke`), generates the files, runs both.
pub fn run(root: &Path, smoke: bool) -> Result<Vec<Figures>> {
    let profile = if smoke { "debug" } else { "release" };
    if smoke {
        cargo(&["build", "-p", "leadmart-import"]).status_ok()?;
    } else {
        cargo(&["build", "--release", "-p", "leadmart-import"]).status_ok()?;
    }
    let binary = target_dir(root).join(profile).join("leadmart-import");
    let sizes: &[(&'static str, u64)] = if smoke {
        &[("2k", 2_000)]
    } else {
        &[("100k", 100_000), ("1M", 1_000_000)]
    };
    let python = match python_env(root) {
        Ok(python) => Some(python),
        Err(e) if smoke => {
            eprintln!("bench: importer: no Python baseline in the smoke run ({e:#})");
            None
        }
        Err(e) => return Err(e),
    };
    let baseline = std::env::var_os("LEADMART_PY_BASELINE")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/bench/py_importer_baseline.py"));
    let work = target_dir(root).join("bench-import");
    std::fs::create_dir_all(&work)?;
    let mut figures = Vec::new();
    for &(label, rows) in sizes {
        let file = work.join(format!("leads-{label}.csv"));
        eprintln!("bench: importer: generating {rows} rows");
        let expected = generate(&binary, rows, &file)?;
        let megabytes = std::fs::metadata(&file)?.len() / 1_000_000;
        eprintln!("bench: importer: {label}: leadmart-import");
        let ours = run_ours(&binary, &file)?;
        ensure!(
            ours.counts == expected,
            "{label}: leadmart-import counted {:?}, the generator wrote {expected:?}",
            ours.counts
        );
        let python = match &python {
            Some(python) => {
                eprintln!("bench: importer: {label}: Python baseline");
                let result = run_python(python, &baseline, &file)?;
                ensure!(
                    result.counts == expected,
                    "{label}: the Python baseline counted {:?}, the generator wrote {expected:?}",
                    result.counts
                );
                Some(result)
            }
            None => None,
        };
        let _ = std::fs::remove_file(&file);
        figures.push(Figures {
            label,
            megabytes,
            ours,
            python,
        });
    }
    Ok(figures)
}

fn generate(binary: &Path, rows: u64, file: &Path) -> Result<Counts> {
    let output = Command::new(binary)
        .arg("generate")
        .arg(rows.to_string())
        .arg(file)
        .output()
        .context("run leadmart-import generate")?;
    ensure!(output.status.success(), "leadmart-import generate failed");
    let text = String::from_utf8_lossy(&output.stdout);
    let field = |name: &str| number_after(&text, &format!("{name}: "));
    Ok(Counts {
        rows: field("rows")?,
        accepted: field("accepted")?,
        bad_email: field("bad_email")?,
        bad_phone: field("bad_phone")?,
        duplicates: field("duplicates")?,
    })
}

fn run_ours(binary: &Path, file: &Path) -> Result<Ours> {
    let start = Instant::now();
    let output = Command::new(binary)
        .arg(file)
        .arg("--json")
        .output()
        .context("run leadmart-import")?;
    let wall = start.elapsed();
    ensure!(
        output.status.success(),
        "leadmart-import failed: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    let body: Value = serde_json::from_slice(&output.stdout)?;
    let number = |v: &Value| v.as_u64().context("a number");
    let summary = &body["summary"];
    let reason = |code: &str| summary["reasons"][code].as_u64().unwrap_or(0);
    Ok(Ours {
        counts: Counts {
            rows: number(&summary["rows"])?,
            accepted: number(&summary["accepted"])?,
            bad_email: reason("invalid_email"),
            bad_phone: reason("invalid_phone"),
            duplicates: number(&summary["duplicates"])?,
        },
        preview: Duration::from_micros(number(&body["timing"]["previewUs"])?),
        summary: Duration::from_micros(number(&body["timing"]["summaryUs"])?),
        wall,
        peak_rss_kb: number(&body["timing"]["peakRssKb"])?,
    })
}

/// The interpreter of a virtual environment with the baseline's packages.
fn python_env(root: &Path) -> Result<PathBuf> {
    let env = target_dir(root).join("py-bench-venv");
    let python = env.join("bin").join("python");
    let ready = env.join("ready");
    if !ready.exists() {
        Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(&env)
            .status_ok()
            .context("python3 -m venv")?;
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "phonenumbers",
                "email-validator",
            ])
            .status_ok()
            .context("pip install phonenumbers email-validator")?;
        std::fs::write(&ready, b"")?;
    }
    Ok(python)
}

/// Runs the script as it is, in-process through `runpy`, then prints the process's peak RSS.
const PY_WRAPPER: &str = "import resource, runpy, sys\n\
sys.argv = sys.argv[1:]\n\
runpy.run_path(sys.argv[0], run_name='__main__')\n\
print('maxrss_kb=%d' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n";

fn run_python(python: &Path, baseline: &Path, file: &Path) -> Result<Python> {
    ensure!(
        baseline.exists(),
        "no Python baseline at {} (set LEADMART_PY_BASELINE)",
        baseline.display()
    );
    let start = Instant::now();
    let output = Command::new(python)
        .arg("-c")
        .arg(PY_WRAPPER)
        .arg(baseline)
        .arg(file)
        .arg("IN")
        .output()
        .context("run the Python baseline")?;
    let wall = start.elapsed();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!(
            "the Python baseline failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let field = |name: &str| number_after(&text, &format!("{name}="));
    // A reason the baseline never met is absent from its dictionary.
    let reason = |code: &str| number_after(&text, &format!("'{code}': ")).unwrap_or(0);
    Ok(Python {
        counts: Counts {
            rows: field("rows")?,
            accepted: field("accepted")?,
            bad_email: reason("invalid_email"),
            bad_phone: reason("invalid_phone"),
            duplicates: field("dupes")?,
        },
        wall,
        peak_rss_kb: field("maxrss_kb")?,
    })
}

/// The number written right after `marker` in `text`.
fn number_after(text: &str, marker: &str) -> Result<u64> {
    let start = text
        .find(marker)
        .with_context(|| format!("{marker:?} in {text:?}"))?
        + marker.len();
    let digits: String = text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Ok(digits.parse()?)
}

#[allow(clippy::float_arithmetic)]
pub fn report(figures: &[Figures]) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mb = |kb: u64| kb as f64 / 1024.0;
    println!();
    println!(
        "importer: leadmart-import vs the Python baseline, one process each, same file (wall = process start to exit)"
    );
    println!(
        "{:<6} {:>6} {:>11} {:>11} {:>9} {:>9} {:>11} {:>10} {:>9}",
        "rows",
        "MB",
        "preview ms",
        "summary ms",
        "wall ms",
        "RSS MB",
        "py wall ms",
        "py RSS MB",
        "speed-up"
    );
    for f in figures {
        let (py_wall, py_rss, ratio) = match &f.python {
            Some(p) => (
                format!("{:.0}", ms(p.wall)),
                format!("{:.1}", mb(p.peak_rss_kb)),
                format!("{:.1}x", ms(p.wall) / ms(f.ours.wall).max(0.001)),
            ),
            None => ("-".into(), "-".into(), "-".into()),
        };
        println!(
            "{:<6} {:>6} {:>11.1} {:>11.1} {:>9.1} {:>9.1} {:>11} {:>10} {:>9}",
            f.label,
            f.megabytes,
            ms(f.ours.preview),
            ms(f.ours.summary),
            ms(f.ours.wall),
            mb(f.ours.peak_rss_kb),
            py_wall,
            py_rss,
            ratio
        );
    }
}
