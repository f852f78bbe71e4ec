//! `cargo xtask bench`: cross-process figures against the real release `leadmart-server` over
//! loopback, on SQLite and on PostgreSQL. Not a timed test: it reports, it does not pass or fail
//! on numbers; it does fail when a correctness check does.
//!
//! - **Purchases**: purchases per second and latency of
//!   `POST /v1/marketplace/leads/{id}/purchase` under 8 concurrent buyers, each buying its own
//!   share of the open leads (lead k goes to buyer k mod 8), so every request is a successful
//!   purchase and the figure is the cost of the purchase transaction, not of refusals.
//! - **Browse**: p50/p95 of `GET /v1/marketplace/leads` with 10,000 and 100,000 open leads, for
//!   each sort, on the first page and on a deep page (after 50 pages), plus a filtered query.
//!
//! - **Server ingest** (`bench_ingest`): a partner uploads 1,000,000 rows in chunks; rows/s
//!   and the server's peak RSS.
//! - **Importer** (`bench_import`): the CSV import pipeline on 100k and 1M generated rows against
//!   the Python baseline, one process each.
//!
//! A baseline in the same run — `GET /healthz` at the same concurrency — tells how much of a
//! figure is the work itself rather than HTTP and the machine.
//!
//! `--smoke` runs everything once at a tiny scale against the debug build (the test command
//! does this so the benchmark cannot rot) and checks, besides every request succeeding, that
//! walking every browse order page by page yields each open lead exactly once, in order.
//! `--server PATH` benchmarks another build of the server (e.g. an older commit's).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::{StatusOk, cargo, target_dir};

const BUYERS: usize = 8;
const PASSWORD: &str = "bench-password-1";
/// Pages walked to reach the "deep page" of a browse order.
const DEEP_PAGES: usize = 50;
const PAGE: usize = 20;

/// How big and how long: the full benchmark, or the seconds-long smoke run of the test command.
struct Scale {
    purchase_leads: usize,
    purchase_window: Duration,
    baseline_window: Duration,
    /// Generated leads per browse size; about three quarters are open (the generator spreads
    /// listing times over 40 days, and a listing lasts 30).
    browse_sizes: &'static [(&'static str, usize)],
    browse_window: Duration,
    deep_pages: usize,
    ingest_rows: usize,
}

const FULL: Scale = Scale {
    purchase_leads: 4_000,
    purchase_window: Duration::from_secs(20),
    baseline_window: Duration::from_secs(5),
    browse_sizes: &[("10k", 13_400), ("100k", 134_000)],
    browse_window: Duration::from_secs(3),
    deep_pages: DEEP_PAGES,
    ingest_rows: 1_000_000,
};

const SMOKE: Scale = Scale {
    purchase_leads: 120,
    purchase_window: Duration::from_secs(1),
    baseline_window: Duration::from_millis(300),
    browse_sizes: &[("smoke", 400)],
    browse_window: Duration::from_millis(200),
    deep_pages: 2,
    ingest_rows: 2_000,
};

struct PurchaseFigures {
    engine: &'static str,
    purchases: usize,
    purchases_per_s: f64,
    p50_ms: f64,
    p95_ms: f64,
    baseline_per_s: f64,
    baseline_p95_ms: f64,
}

struct BrowseFigures {
    engine: &'static str,
    size: &'static str,
    case: String,
    requests: usize,
    p50_ms: f64,
    p95_ms: f64,
}

pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let smoke = args.iter().any(|a| a == "--smoke");
    // The clients of a real run must not be what is measured: an unoptimised HTTP client spends
    // more CPU per request than the server (on 2 cores it took half the machine). A real run
    // therefore runs in an optimised build of this program; the smoke run checks, so debug does.
    if !smoke && cfg!(debug_assertions) {
        let only_importer = args
            .windows(2)
            .any(|w| w[0] == "--only" && w[1] == "importer");
        let mut build = vec!["build", "--release", "-p", "xtask", "-p", "leadmart-import"];
        if !only_importer {
            build.extend(["-p", "leadmart-server"]);
        }
        cargo(&build).status_ok()?;
        let optimised = target_dir(root).join("release").join("xtask");
        return Command::new(optimised).arg("bench").args(args).status_ok();
    }
    // `--only purchases`, `--only browse` or `--only importer`: one part, for working on it.
    let only = args
        .iter()
        .position(|a| a == "--only")
        .map(|i| {
            args.get(i + 1)
                .context("--only needs purchases, browse, ingest or importer")
        })
        .transpose()?;
    let runs = |part: &str| only.is_none_or(|o| o == part);
    let importer = if runs("importer") {
        Some(crate::bench_import::run(root, smoke)?)
    } else {
        None
    };
    if !runs("purchases") && !runs("browse") && !runs("ingest") {
        if let Some(figures) = &importer {
            crate::bench_import::report(figures);
        }
        if smoke {
            println!("bench smoke: every benchmark ran and its checks held");
        }
        return Ok(());
    }
    let scale = if smoke { &SMOKE } else { &FULL };
    // `--ingest-rows N`: a smaller upload, for working on ingest.
    let ingest_rows = match args.iter().position(|a| a == "--ingest-rows") {
        Some(i) => args
            .get(i + 1)
            .and_then(|n| n.parse().ok())
            .context("--ingest-rows needs a number")?,
        None => scale.ingest_rows,
    };
    let binary = match args.iter().position(|a| a == "--server") {
        Some(i) => PathBuf::from(args.get(i + 1).context("--server needs a path")?),
        None if smoke => target_dir(root).join("debug").join("leadmart-server"),
        None => target_dir(root).join("release").join("leadmart-server"),
    };
    ensure!(
        binary.exists(),
        "no server binary at {} (build it first)",
        binary.display()
    );
    let work = std::env::temp_dir().join(format!("leadmart-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let pg_admin = std::env::var("LEADMART_BENCH_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let mut databases = Databases {
        work: work.clone(),
        pg_admin,
        created: Vec::new(),
    };
    type AllFigures = (
        Vec<PurchaseFigures>,
        Vec<BrowseFigures>,
        Vec<crate::bench_ingest::Figures>,
    );
    let outcome = (|| -> Result<AllFigures> {
        let mut purchases = Vec::new();
        let mut browse = Vec::new();
        let mut ingest = Vec::new();
        for engine in ["sqlite", "postgres"] {
            if runs("ingest") {
                let url = databases.fresh(engine, "ingest")?;
                ingest.push(runtime.block_on(crate::bench_ingest::bench_ingest(
                    &binary,
                    engine,
                    &url,
                    ingest_rows,
                ))?);
            }
            if runs("purchases") {
                let url = databases.fresh(engine, "purchases")?;
                purchases.push(runtime.block_on(bench_purchases(&binary, engine, &url, scale))?);
            }
            for &(size, generated) in scale.browse_sizes.iter().filter(|_| runs("browse")) {
                let url = databases.fresh(engine, size)?;
                browse.extend(runtime.block_on(bench_browse(
                    &binary, engine, &url, size, generated, scale, smoke,
                ))?);
            }
        }
        Ok((purchases, browse, ingest))
    })();
    databases.drop_all();
    let _ = std::fs::remove_dir_all(&work);
    let (purchases, browse, ingest) = outcome?;
    if !purchases.is_empty() || !browse.is_empty() {
        report(&purchases, &browse);
    }
    if !ingest.is_empty() {
        crate::bench_ingest::report(&ingest);
    }
    if let Some(figures) = &importer {
        crate::bench_import::report(figures);
    }
    if smoke {
        println!("bench smoke: every benchmark ran and its checks held");
    }
    Ok(())
}

/// The databases one run creates, dropped at its end however it ends.
struct Databases {
    work: PathBuf,
    pg_admin: String,
    created: Vec<String>,
}

impl Databases {
    fn fresh(&mut self, engine: &str, label: &str) -> Result<String> {
        if engine == "sqlite" {
            return Ok(format!(
                "sqlite://{}",
                self.work.join(format!("{label}.db")).display()
            ));
        }
        let name = format!("leadmart_bench_{}_{label}", std::process::id());
        psql(&self.pg_admin, &format!("CREATE DATABASE {name}"))?;
        self.created.push(name.clone());
        match self.pg_admin.rfind('/') {
            Some(slash) => Ok(format!("{}/{name}", &self.pg_admin[..slash])),
            None => bail!("LEADMART_BENCH_PG must end in /DATABASE"),
        }
    }

    fn drop_all(&mut self) {
        for name in self.created.drain(..) {
            let _ = psql(
                &self.pg_admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            );
        }
    }
}

fn psql(url: &str, sql: &str) -> Result<()> {
    Command::new("psql")
        .args([url, "-q", "-c", sql])
        .status_ok()
        .with_context(|| format!("psql: {sql}"))
}

#[allow(clippy::float_arithmetic)]
fn report(purchases: &[PurchaseFigures], browse: &[BrowseFigures]) {
    println!();
    println!(
        "purchases under {BUYERS} concurrent buyers (loopback; baseline GET /healthz at the same concurrency)"
    );
    println!(
        "{:<9} {:>9} {:>13} {:>9} {:>9} {:>14} {:>12} {:>16}",
        "engine",
        "purchases",
        "purchases/s",
        "p50 ms",
        "p95 ms",
        "healthz/s",
        "healthz p95",
        "purchase/healthz"
    );
    for r in purchases {
        println!(
            "{:<9} {:>9} {:>13.0} {:>9.2} {:>9.2} {:>14.0} {:>12.2} {:>15.1}%",
            r.engine,
            r.purchases,
            r.purchases_per_s,
            r.p50_ms,
            r.p95_ms,
            r.baseline_per_s,
            r.baseline_p95_ms,
            100.0 * r.purchases_per_s / r.baseline_per_s
        );
    }
    println!();
    println!("browse GET /v1/marketplace/leads (one client, sequential)");
    println!(
        "{:<9} {:>6} {:<34} {:>9} {:>9} {:>9}",
        "engine", "open", "case", "requests", "p50 ms", "p95 ms"
    );
    for r in browse {
        println!(
            "{:<9} {:>6} {:<34} {:>9} {:>9.2} {:>9.2}",
            r.engine, r.size, r.case, r.requests, r.p50_ms, r.p95_ms
        );
    }
}

/// Kills the server when the benchmark of one engine ends, however it ends.
pub(crate) struct Server(Child);

impl Server {
    pub(crate) fn id(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn server_command(binary: &Path, url: &str) -> Command {
    let mut command = Command::new(binary);
    command.args(["--database-url", url]);
    command
}

fn create_buyers(binary: &Path, url: &str) -> Result<()> {
    for n in 0..BUYERS {
        server_command(binary, url)
            .args([
                "create-user",
                "--email",
                &format!("buyer{n}@bench.leadmart.test"),
                "--password",
                PASSWORD,
                "--role",
                "agent",
                "--verified",
            ])
            .stdout(Stdio::null())
            .status_ok()?;
    }
    Ok(())
}

/// Seeds `generated` demo leads, then serves; answers the server and its base URL.
pub(crate) fn start_server(binary: &Path, url: &str, generated: usize) -> Result<(Server, String)> {
    server_command(binary, url)
        .args([
            "seed-demo",
            "--demo-generated-leads",
            &generated.to_string(),
        ])
        .stdout(Stdio::null())
        .status_ok()?;
    let mut child = server_command(binary, url)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        // The benchmark buys its credits: the `dev` provider, chosen explicitly (by environment,
        // so that older builds without the option still run under `--server`).
        .env("LEADMART_PAYMENTS", "dev")
        .env("LEADMART_EMAIL_VERIFICATION", "local")
        .stdout(Stdio::piped())
        .spawn()
        .context("start leadmart-server")?;
    let stdout = child.stdout.take().context("server stdout")?;
    let server = Server(child);
    // Start-up lines before this one (demo notes, warnings) are not the benchmark's business.
    for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
        let line = line?;
        if let Some(addr) = line.trim().strip_prefix("listening on ") {
            return Ok((server, addr.to_owned()));
        }
    }
    bail!("leadmart-server exited before it was listening")
}

pub(crate) async fn json_call(request: reqwest::RequestBuilder) -> Result<Value> {
    let response = request.send().await?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("{status}: {body}");
    }
    Ok(body)
}

/// Signs a buyer in, serves every demo market, and tops the wallet up.
async fn prepare_buyer(client: &reqwest::Client, base: &str, n: usize) -> Result<String> {
    let session = json_call(client.post(format!("{base}/v1/auth/signin")).json(&json!({
        "email": format!("buyer{n}@bench.leadmart.test"), "password": PASSWORD
    })))
    .await?;
    let token = session["accessToken"]
        .as_str()
        .context("access token")?
        .to_owned();
    json_call(
        client
            .put(format!("{base}/v1/me/preferences"))
            .bearer_auth(&token)
            .json(&json!({
                "categories": ["real-estate", "home-services", "insurance"],
                "serviceAreas": [
                    {"country": "IN", "region": "Maharashtra", "city": "Mumbai", "area": null},
                    {"country": "IN", "region": "Maharashtra", "city": "Pune", "area": null},
                    {"country": "ZA", "region": "Western Cape", "city": "Cape Town", "area": null}
                ],
                "minScore": null, "budgetMin": null, "budgetMax": null, "exclusivity": null,
                "maxPrice": null, "urgencies": [], "dailyLimit": null, "perLeadMax": null,
                "autoBuyScoreAbove": null, "autoBuyMaxPrice": null
            })),
    )
    .await?;
    for i in 0..40 {
        json_call(
            client
                .post(format!("{base}/v1/credits/purchase"))
                .bearer_auth(&token)
                .header("Idempotency-Key", format!("bench-topup-{n}-{i}"))
                .json(&json!({"packageCode": "pack-250"})),
        )
        .await?;
    }
    Ok(token)
}

/// Every open lead id, walking the newest order page by page.
async fn open_leads(client: &reqwest::Client, base: &str) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = json_call(client.get(format!(
            "{base}/v1/marketplace/leads?limit=100&cursor={cursor}"
        )))
        .await?;
        for lead in page["leads"].as_array().context("leads")? {
            ids.push(lead["id"].as_str().context("id")?.to_owned());
        }
        match page["nextCursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => return Ok(ids),
        }
    }
}

#[allow(clippy::float_arithmetic)]
fn percentile_ms(sorted: &[Duration], p: usize) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = (sorted.len() * p / 100).min(sorted.len() - 1);
    sorted[index].as_secs_f64() * 1000.0
}

#[allow(clippy::float_arithmetic)]
async fn bench_purchases(
    binary: &Path,
    engine: &'static str,
    url: &str,
    scale: &Scale,
) -> Result<PurchaseFigures> {
    eprintln!("bench: {engine}: purchases: seeding and starting the server");
    create_buyers(binary, url)?;
    let (_server, base) = start_server(binary, url, scale.purchase_leads)?;
    let client = reqwest::Client::new();
    let mut tokens = Vec::new();
    for n in 0..BUYERS {
        tokens.push(prepare_buyer(&client, &base, n).await?);
    }
    let leads = Arc::new(open_leads(&client, &base).await?);
    eprintln!(
        "bench: {engine}: {} open leads, {BUYERS} buyers",
        leads.len()
    );

    let baseline = run_clients(
        scale.baseline_window,
        (0..BUYERS).map(|_| {
            let client = client.clone();
            let url = format!("{base}/healthz");
            move |_: usize| {
                let request = client.get(url.clone());
                async move {
                    Some(
                        request
                            .send()
                            .await
                            .map(|r| r.status().is_success())
                            .unwrap_or(false),
                    )
                }
            }
        }),
    )
    .await;

    let purchases = run_clients(
        scale.purchase_window,
        tokens.iter().enumerate().map(|(n, token)| {
            let client = client.clone();
            let base = base.clone();
            let token = token.clone();
            let mine: Vec<String> = leads.iter().skip(n).step_by(BUYERS).cloned().collect();
            move |i: usize| {
                let request = mine.get(i).map(|id| {
                    client
                        .post(format!("{base}/v1/marketplace/leads/{id}/purchase"))
                        .bearer_auth(&token)
                        .header("Idempotency-Key", format!("bench-{id}"))
                });
                async move {
                    // `None`: this buyer has bought its whole share.
                    let request = request?;
                    Some(
                        request
                            .send()
                            .await
                            .map(|r| r.status().as_u16() == 201)
                            .unwrap_or(false),
                    )
                }
            }
        }),
    )
    .await;
    ensure!(
        purchases.failures == 0 && !purchases.latencies.is_empty(),
        "{engine}: {} purchase requests failed, {} succeeded: every purchase should succeed",
        purchases.failures,
        purchases.latencies.len()
    );
    Ok(PurchaseFigures {
        engine,
        purchases: purchases.latencies.len(),
        purchases_per_s: purchases.latencies.len() as f64 / purchases.elapsed.as_secs_f64(),
        p50_ms: percentile_ms(&purchases.latencies, 50),
        p95_ms: percentile_ms(&purchases.latencies, 95),
        baseline_per_s: baseline.latencies.len() as f64 / baseline.elapsed.as_secs_f64(),
        baseline_p95_ms: percentile_ms(&baseline.latencies, 95),
    })
}

/// The browse orders and how a page's leads must be ordered in each.
const SORTS: [&str; 3] = ["newest", "score", "price"];
/// A filtered browse: a category group, two timelines, a price cap, in price order.
const FILTERED: &str = "category=real-estate&urgency=immediate,this_week&maxPrice=12&sort=price";

async fn bench_browse(
    binary: &Path,
    engine: &'static str,
    url: &str,
    size: &'static str,
    generated: usize,
    scale: &Scale,
    walk_everything: bool,
) -> Result<Vec<BrowseFigures>> {
    eprintln!("bench: {engine}: browse {size}: seeding {generated} leads and starting the server");
    let (_server, base) = start_server(binary, url, generated)?;
    let client = reqwest::Client::new();
    if walk_everything {
        check_every_order(&client, &base).await?;
    }
    let mut figures = Vec::new();
    for sort in SORTS {
        let first = format!("{base}/v1/marketplace/leads?limit={PAGE}&sort={sort}");
        let cursor = cursor_after(&client, &first, scale.deep_pages).await?;
        for (page, url) in [
            ("first page", first.clone()),
            (
                "deep page",
                format!("{first}&cursor={}", cursor.unwrap_or_default()),
            ),
        ] {
            let run = time_sequential(&client, &url, scale.browse_window).await?;
            figures.push(browse_figures(
                engine,
                size,
                format!("{sort}, {page}"),
                &run,
            ));
        }
    }
    let filtered = format!("{base}/v1/marketplace/leads?limit={PAGE}&{FILTERED}");
    let run = time_sequential(&client, &filtered, scale.browse_window).await?;
    figures.push(browse_figures(
        engine,
        size,
        "filtered, first page".to_owned(),
        &run,
    ));
    Ok(figures)
}

fn browse_figures(
    engine: &'static str,
    size: &'static str,
    case: String,
    run: &[Duration],
) -> BrowseFigures {
    BrowseFigures {
        engine,
        size,
        case,
        requests: run.len(),
        p50_ms: percentile_ms(run, 50),
        p95_ms: percentile_ms(run, 95),
    }
}

/// The cursor after `pages` pages of `first`, `None` when the order has fewer pages.
async fn cursor_after(
    client: &reqwest::Client,
    first: &str,
    pages: usize,
) -> Result<Option<String>> {
    let mut cursor: Option<String> = None;
    for _ in 0..pages {
        let url = match &cursor {
            Some(c) => format!("{first}&cursor={c}"),
            None => first.to_owned(),
        };
        let page = json_call(client.get(url)).await?;
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return Ok(cursor),
        }
    }
    Ok(cursor)
}

/// Latencies of `url` requested one after another for `window` (at least five requests).
async fn time_sequential(
    client: &reqwest::Client,
    url: &str,
    window: Duration,
) -> Result<Vec<Duration>> {
    let start = Instant::now();
    let mut latencies = Vec::new();
    while start.elapsed() < window || latencies.len() < 5 {
        let t = Instant::now();
        json_call(client.get(url)).await?;
        latencies.push(t.elapsed());
    }
    latencies.sort();
    Ok(latencies)
}

/// Walks every browse order (and the filtered query) to its end: each open lead exactly once,
/// every order the same set of leads, keys in order from page to page.
async fn check_every_order(client: &reqwest::Client, base: &str) -> Result<()> {
    let mut sets: Vec<HashSet<String>> = Vec::new();
    for sort in SORTS {
        let leads = walk(
            client,
            &format!("{base}/v1/marketplace/leads?limit=7&sort={sort}"),
        )
        .await?;
        ensure!(
            !leads.is_empty(),
            "{sort}: the smoke marketplace has open leads"
        );
        for pair in leads.windows(2) {
            ensure!(
                in_order(sort, &pair[0], &pair[1])?,
                "{sort}: {} then {} is out of order",
                pair[0],
                pair[1]
            );
        }
        let ids = ids_once(&leads, sort)?;
        sets.push(ids);
    }
    ensure!(
        sets.windows(2).all(|w| w[0] == w[1]),
        "every order shows the same open leads"
    );
    let filtered = walk(
        client,
        &format!("{base}/v1/marketplace/leads?limit=7&{FILTERED}"),
    )
    .await?;
    for lead in &filtered {
        let price = decimal(&lead["priceCredits"])?;
        ensure!(
            price <= Decimal::from(12)
                && lead["category"]
                    .as_str()
                    .is_some_and(|c| c.starts_with("real-estate/"))
                && matches!(lead["urgency"].as_str(), Some("immediate" | "this_week")),
            "the filtered walk admitted {lead}"
        );
    }
    let all = &sets[0];
    ids_once(&filtered, "filtered")?;
    ensure!(
        filtered
            .iter()
            .all(|l| l["id"].as_str().is_some_and(|id| all.contains(id))),
        "filtered leads are open leads"
    );
    Ok(())
}

fn ids_once(leads: &[Value], what: &str) -> Result<HashSet<String>> {
    let mut ids = HashSet::new();
    for lead in leads {
        let id = lead["id"].as_str().context("id")?.to_owned();
        ensure!(ids.insert(id.clone()), "{what}: lead {id} shown twice");
    }
    Ok(ids)
}

async fn walk(client: &reqwest::Client, first: &str) -> Result<Vec<Value>> {
    let mut leads = Vec::new();
    let mut url = first.to_owned();
    loop {
        let page = json_call(client.get(&url)).await?;
        leads.extend(page["leads"].as_array().context("leads")?.iter().cloned());
        match page["nextCursor"].as_str() {
            Some(next) => url = format!("{first}&cursor={next}"),
            None => return Ok(leads),
        }
    }
}

fn decimal(value: &Value) -> Result<Decimal> {
    let text = value.as_str().context("a decimal string")?;
    text.parse().with_context(|| format!("decimal {text:?}"))
}

fn id_of(lead: &Value) -> Result<i64> {
    lead["id"]
        .as_str()
        .context("id")?
        .parse()
        .context("numeric id")
}

/// Whether `b` may follow `a` in `sort` order (ties broken by id).
fn in_order(sort: &str, a: &Value, b: &Value) -> Result<bool> {
    let (ia, ib) = (id_of(a)?, id_of(b)?);
    Ok(match sort {
        "newest" => {
            let key = |l: &Value| l["listedAt"].as_str().map(str::to_owned);
            let (ta, tb) = (
                chrono_key(&key(a).context("listedAt")?)?,
                chrono_key(&key(b).context("listedAt")?)?,
            );
            (ta, ia) > (tb, ib)
        }
        "score" => {
            let (sa, sb) = (a["score"].as_u64(), b["score"].as_u64());
            (sa, ia) > (sb, ib)
        }
        _ => {
            let (pa, pb) = (decimal(&a["priceCredits"])?, decimal(&b["priceCredits"])?);
            (pa, ia) < (pb, ib)
        }
    })
}

/// An RFC 3339 time as nanoseconds since the epoch, for ordering.
fn chrono_key(text: &str) -> Result<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .with_context(|| format!("time {text:?}"))?
        .timestamp_nanos_opt()
        .context("time in range")
}

struct Run {
    /// Latencies of the successful requests, sorted.
    latencies: Vec<Duration>,
    failures: usize,
    elapsed: Duration,
}

/// Runs one client per closure, each calling its closure with 0, 1, 2, … until `window` passes
/// or the closure answers `None` (nothing left to do). `Some(ok)` reports one request.
async fn run_clients<F, Fut>(window: Duration, clients: impl Iterator<Item = F>) -> Run
where
    F: FnMut(usize) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Option<bool>> + Send,
{
    let start = Instant::now();
    let handles: Vec<_> = clients
        .map(|mut call| {
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut failures = 0;
                let mut i = 0;
                while start.elapsed() < window {
                    let t = Instant::now();
                    match call(i).await {
                        None => break,
                        Some(true) => latencies.push(t.elapsed()),
                        Some(false) => failures += 1,
                    }
                    i += 1;
                }
                (latencies, failures, Instant::now())
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut failures = 0;
    let mut last = start;
    for handle in handles {
        if let Ok((l, f, end)) = handle.await {
            latencies.extend(l);
            failures += f;
            last = last.max(end);
        }
    }
    latencies.sort();
    Run {
        latencies,
        failures,
        elapsed: last - start,
    }
}
