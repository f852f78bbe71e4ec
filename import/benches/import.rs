//! The import pipeline in-process, on the benchmark's generated lead file (20,000 rows, ~4 MB):
//! opening the file with a 20-row preview, and the full run (validation on every core,
//! dedupe, rejected rows spooled), in rows/s. Before measuring, the run's counts are checked
//! against what the generator wrote. The cross-process figures on 100k and 1M rows, peak RSS
//! and the Python baseline are `cargo xtask bench --only importer`.

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use leadmart_import::{ImportOptions, Importer, sample};

const ROWS: u64 = 20_000;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("leads.csv");
    let expected = sample::write_leads(&path, ROWS).expect("generate");
    let importer = Importer::open(&path, ImportOptions::default()).expect("open");
    let report = importer.run(&|_| {}).expect("run");
    assert_eq!(
        (
            report.rows,
            report.accepted,
            report.duplicates,
            report.reasons.get("invalid_email").copied(),
            report.reasons.get("invalid_phone").copied()
        ),
        (
            expected.rows,
            expected.accepted,
            expected.duplicates,
            Some(expected.bad_email),
            Some(expected.bad_phone)
        ),
        "the run counts what the generator wrote"
    );

    let mut group = c.benchmark_group("import");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(300));
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("open_and_preview_20", |b| {
        b.iter(|| {
            let importer = Importer::open(&path, ImportOptions::default()).expect("open");
            importer.preview(20).expect("preview").len()
        });
    });
    group.throughput(Throughput::Elements(ROWS));
    group.bench_function("full_run", |b| {
        b.iter(|| importer.run(&|_| {}).expect("run").accepted);
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
