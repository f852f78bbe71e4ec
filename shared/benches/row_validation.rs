//! CSV row validation throughput (email + phone to E.164 + required fields + dedupe keys), single
//! thread, in rows/s: the phone fast path against the full `phonenumber` library as baseline.
//!
//! Before measuring, the fast path is checked against the library on a large generated set of
//! phone strings (valid and not, many formats); the run aborts on any disagreement.

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use leadmart_shared::contact::{Email, PhoneParser};
use leadmart_shared::csv_rules::{HeaderMapping, RowRules, RowValidator};
use leadmart_shared::dedupe::UploadDeduper;
use std::hint::black_box;
use std::time::Duration;

const ROWS: usize = 10_000;
const EQUALITY_SET: usize = 200_000;

/// The equality proof's size: all of it under `cargo bench`, a sample when `cargo test` runs
/// the benchmark once as a smoke test (criterion's test mode: no `--bench` argument).
fn equality_set() -> usize {
    if std::env::args().any(|a| a == "--bench") {
        EQUALITY_SET
    } else {
        2_000
    }
}
const DATA_SEED: u64 = 0x9e37_79b9_7f4a_7c15;
const HEADERS: [&str; 6] = [
    "First Name",
    "Last Name",
    "E-mail",
    "Mobile",
    "City",
    "Address",
];

/// xorshift64: deterministic data without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const FIRST: &[&str] = &[
    "Rajesh", "Priya", "Amit", "Sneha", "Vikram", "Anita", "Rahul", "Deepa", "Arjun", "Kavya",
];
const LAST: &[&str] = &[
    "Kumar", "Sharma", "Patel", "Iyer", "Singh", "Reddy", "Nair", "Gupta", "Das", "Mehta",
];
const DOMAINS: &[&str] = &[
    "gmail.com",
    "yahoo.co.in",
    "outlook.com",
    "acme.in",
    "example.com",
];
const CITIES: &[&str] = &["Mumbai", "Pune", "Thane", "Bengaluru", "Delhi"];

/// A phone cell as real files write Indian mobiles: mostly well-formed, some trunk-prefixed or
/// international, a few broken or foreign.
fn phone_cell(rng: &mut Rng) -> String {
    let mobile = format!("{}{}", 6 + rng.below(4), rng.digits(9));
    let (a, b) = mobile.split_at(5);
    match rng.below(1000) {
        0..=349 => mobile.clone(),
        350..=549 => format!("{a} {b}"),
        550..=729 => format!("+91 {a} {b}"),
        730..=829 => format!("+91-{mobile}"),
        830..=899 => format!("0{mobile}"),
        900..=954 => format!("{}-{}-{}", &mobile[..3], &mobile[3..6], &mobile[6..]),
        // Library fallbacks: foreign numbers and bracketed forms (1.5% of rows).
        955..=964 => format!("+44 20 7946 {}", rng.digits(4)),
        965..=969 => format!("({a}) {b}"),
        // Broken: too short.
        _ => rng.digits(5),
    }
}

fn rows(rng: &mut Rng) -> Vec<Vec<String>> {
    (0..ROWS)
        .map(|i| {
            let first = rng.pick(FIRST);
            let last = rng.pick(LAST);
            let email = match rng.below(20) {
                0 => "not-an-email".to_owned(),
                1 => String::new(),
                _ => format!("{}.{}{}@{}", first, last, i, rng.pick(DOMAINS)),
            };
            vec![
                first.to_owned(),
                last.to_owned(),
                email,
                phone_cell(rng),
                rng.pick(CITIES).to_owned(),
                format!("Flat {}, Tower {}", rng.below(900) + 100, rng.below(20)),
            ]
        })
        .collect()
}

/// Strings over the characters that decide the parsers' paths, shuffled at random: brackets,
/// separator runs, plus signs, letters and stray symbols in every position.
fn adversarial(rng: &mut Rng, alphabet: &[u8], max_len: u64) -> String {
    let len = rng.below(max_len + 1) as usize;
    (0..len)
        .map(|_| char::from(alphabet[rng.below(alphabet.len() as u64) as usize]))
        .collect()
}

/// The proof the fast paths may be used: phone and email each agree with their library on
/// every generated input (typical cells, prefixed and bracketed forms, foreign codes and
/// adversarial strings).
#[allow(clippy::float_arithmetic)] // percentages for the report, not money
fn check_equality() {
    let fast = PhoneParser::new("IN").expect("IN is a region");
    let library = PhoneParser::library_only("IN").expect("IN is a region");
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let shapes = [
        "", "+91", "+91 ", "0", "0091 ", "91", "+", "+1 ", "+44 ", "(+91) ", "(", "+44", "+1",
        "+27 ", "+971 ", "+27-", "+1-", "+44.", "910", "+91 0", "+4 4", "+9 1",
    ];
    let seps = [
        "", " ", "-", ".", "  ", "/", "(", ")", ") ", " (", "--", ". ", " - ",
    ];
    let mut fast_decided = 0usize;
    for i in 0..equality_set() {
        let raw = match i % 4 {
            0 | 1 => phone_cell(&mut rng),
            2 => {
                let len = 3 + rng.below(12) as usize;
                let d = rng.digits(len);
                let cut = rng.below(len as u64) as usize;
                let cut2 = cut + rng.below((len - cut) as u64 + 1) as usize;
                format!(
                    "{}{}{}{}{}{}",
                    rng.pick(&shapes),
                    &d[..cut],
                    rng.pick(&seps),
                    &d[cut..cut2],
                    rng.pick(&seps),
                    &d[cut2..]
                )
            }
            _ => adversarial(&mut rng, b"0123456789911+ -.()x#/ \t", 18),
        };
        if fast.is_fast_path(&raw) {
            fast_decided += 1;
        }
        let (a, b) = (fast.parse(&raw).ok(), library.parse_with_library(&raw).ok());
        assert_eq!(a, b, "phone fast path and library disagree on {raw:?}");
    }
    println!(
        "phone fast path: equal to the library on {} generated inputs; decided {fast_decided} ({:.1}%) itself",
        equality_set(),
        100.0 * fast_decided as f64 / equality_set() as f64
    );

    let mut email_decided = 0usize;
    for i in 0..equality_set() {
        let raw = match i % 3 {
            0 => format!(
                "{}.{}{}@{}",
                rng.pick(FIRST),
                rng.pick(LAST),
                i,
                rng.pick(DOMAINS)
            ),
            1 => format!(
                "{}@{}",
                adversarial(&mut rng, b"aZ9._%+-!#'@\" <>", 12),
                adversarial(&mut rng, b"aZ9.-_@[] ", 12)
            ),
            _ => adversarial(&mut rng, b"aB3.@-_+ \"<>[]()\\,;:", 24),
        };
        if Email::is_fast_path(&raw) {
            email_decided += 1;
        }
        assert_eq!(
            Email::parse(&raw),
            Email::parse_with_library(&raw),
            "email fast path and library disagree on {raw:?}"
        );
    }
    println!(
        "email fast path: equal to the library on {} generated inputs; decided {email_decided} ({:.1}%) itself",
        equality_set(),
        100.0 * email_decided as f64 / equality_set() as f64
    );
}

/// Thread CPU time: what "rows/s per core" means. On a shared machine wall time also counts
/// the time other processes hold the core; CPU time of this thread does not.
struct ThreadCpuTime;

impl Measurement for ThreadCpuTime {
    type Intermediate = cpu_time::ThreadTime;
    type Value = Duration;

    fn start(&self) -> Self::Intermediate {
        cpu_time::ThreadTime::now()
    }
    fn end(&self, start: Self::Intermediate) -> Self::Value {
        start.elapsed()
    }
    fn add(&self, a: &Self::Value, b: &Self::Value) -> Self::Value {
        *a + *b
    }
    fn zero(&self) -> Self::Value {
        Duration::ZERO
    }
    #[allow(clippy::float_arithmetic)] // criterion's statistics are in f64 nanoseconds
    fn to_f64(&self, value: &Self::Value) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        WALL_TIME.formatter()
    }
}

/// Only lends its nanosecond formatter to [`ThreadCpuTime`].
static WALL_TIME: WallTime = WallTime;

fn bench_with<M: Measurement>(c: &mut Criterion<M>, clock: &str) {
    let data = rows(&mut Rng(DATA_SEED));
    let mapping = HeaderMapping::auto(&HEADERS);
    let rules = RowRules::default();
    let fast = RowValidator::new(&mapping, rules.clone(), "IN").expect("IN");
    let library = RowValidator::with_phone_parser(
        &mapping,
        rules,
        PhoneParser::library_only("IN").expect("IN"),
    );

    let mut group = c.benchmark_group(format!("row_validation_{clock}"));
    group.throughput(Throughput::Elements(ROWS as u64));
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(300));
    group.measurement_time(Duration::from_secs(2));
    for (name, validator) in [("fast_path", &fast), ("library_baseline", &library)] {
        group.bench_function(name, |b| {
            b.iter_batched(
                || (),
                |()| {
                    // Sized from the upload's row count, as the importer does; built inside
                    // the timed loop so its allocation is paid here.
                    let mut dedupe = UploadDeduper::with_capacity(data.len());
                    for (i, row) in data.iter().enumerate() {
                        if let Ok(valid) = validator.validate(row) {
                            let _ = black_box(dedupe.check_and_insert(i as u64, &valid.keys));
                        }
                    }
                    dedupe
                },
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

fn describe_data() {
    let data = rows(&mut Rng(DATA_SEED));
    let mapping = HeaderMapping::auto(&HEADERS);
    let fast = RowValidator::new(&mapping, RowRules::default(), "IN").expect("IN");
    let accepted = data.iter().filter(|r| fast.validate(r).is_ok()).count();
    let phones_fast = data
        .iter()
        .filter(|r| fast.phones().is_fast_path(&r[3]))
        .count();
    let emails_fast = data.iter().filter(|r| Email::is_fast_path(&r[2])).count();
    println!(
        "{ROWS} rows per iteration, {accepted} valid; fast path decided {phones_fast} phones and {emails_fast} emails (the rest: the libraries)"
    );
}

fn wall(c: &mut Criterion) {
    check_equality();
    describe_data();
    bench_with(c, "wall");
}

fn cpu(c: &mut Criterion<ThreadCpuTime>) {
    bench_with(c, "thread_cpu");
}

criterion_group!(wall_clock, wall);
criterion_group! {
    name = cpu_clock;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = cpu
}
criterion_main!(wall_clock, cpu_clock);
