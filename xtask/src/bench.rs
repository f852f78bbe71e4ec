//! `cargo xtask bench`: purchases per second and p95 latency of
//! `POST /v1/marketplace/leads/{id}/purchase` under 8 concurrent buyers, against the real
//! release `leadmart-server` over loopback, on SQLite and on PostgreSQL. A baseline in the same
//! run — `GET /healthz` with the same concurrency — tells how much of the figure is the
//! purchase itself rather than HTTP and the machine. Not a timed test: it reports, it does not
//! pass or fail on numbers.
//!
//! Each buyer buys its own share of the open leads (lead k goes to buyer k mod 8), so every
//! request is a successful purchase and the figure is the cost of the purchase transaction
//! (rule checks, ledger, commission) under concurrency, not of refusals. Bounded: at most
//! [`PURCHASE_WINDOW`] of purchases and [`BASELINE_WINDOW`] of baseline per engine.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::{StatusOk, cargo, target_dir};

const BUYERS: usize = 8;
const GENERATED_LEADS: &str = "4000";
const PURCHASE_WINDOW: Duration = Duration::from_secs(20);
const BASELINE_WINDOW: Duration = Duration::from_secs(5);
const PASSWORD: &str = "bench-password-1";

struct Figures {
    engine: &'static str,
    purchases: usize,
    purchases_per_s: f64,
    p50_ms: f64,
    p95_ms: f64,
    baseline_per_s: f64,
    baseline_p95_ms: f64,
}

pub fn run(root: &Path) -> Result<()> {
    cargo(&["build", "--release", "-p", "leadmart-server"]).status_ok()?;
    let binary = target_dir(root).join("release").join("leadmart-server");
    let work = std::env::temp_dir().join(format!("leadmart-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut results = Vec::new();
    let sqlite_url = format!("sqlite://{}", work.join("bench.db").display());
    results.push(runtime.block_on(bench_engine(&binary, "sqlite", &sqlite_url))?);
    let pg_admin = std::env::var("LEADMART_BENCH_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let db_name = format!("leadmart_bench_{}", std::process::id());
    psql(&pg_admin, &format!("CREATE DATABASE {db_name}"))?;
    let pg_url = match pg_admin.rfind('/') {
        Some(slash) => format!("{}/{db_name}", &pg_admin[..slash]),
        None => bail!("LEADMART_BENCH_PG must end in /DATABASE"),
    };
    let pg = runtime.block_on(bench_engine(&binary, "postgres", &pg_url));
    let _ = psql(
        &pg_admin,
        &format!("DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"),
    );
    results.push(pg?);
    let _ = std::fs::remove_dir_all(&work);
    report(&results);
    Ok(())
}

fn psql(url: &str, sql: &str) -> Result<()> {
    Command::new("psql")
        .args([url, "-q", "-c", sql])
        .status_ok()
        .with_context(|| format!("psql: {sql}"))
}

#[allow(clippy::float_arithmetic)]
fn report(results: &[Figures]) {
    println!();
    println!(
        "purchases under {BUYERS} concurrent buyers (release build, loopback; baseline GET /healthz at the same concurrency)"
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
    for r in results {
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
}

/// Kills the server when the benchmark of one engine ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server(binary: &Path, url: &str) -> Result<(Server, String)> {
    for n in 0..BUYERS {
        Command::new(binary)
            .args([
                "--database-url",
                url,
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
    let mut child = Command::new(binary)
        .args([
            "--database-url",
            url,
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--seed-demo",
            "--demo-generated-leads",
            GENERATED_LEADS,
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .context("start leadmart-server")?;
    let stdout = child.stdout.take().context("server stdout")?;
    let server = Server(child);
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)?;
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .with_context(|| format!("unexpected first line from the server: {line:?}"))?
        .to_owned();
    Ok((server, addr))
}

async fn json_call(request: reqwest::RequestBuilder) -> Result<Value> {
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
    for _ in 0..40 {
        json_call(
            client
                .post(format!("{base}/v1/credits/purchase"))
                .bearer_auth(&token)
                .json(&json!({"packageCode": "pack-250"})),
        )
        .await?;
    }
    Ok(token)
}

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
async fn bench_engine(binary: &Path, engine: &'static str, url: &str) -> Result<Figures> {
    eprintln!("bench: {engine}: seeding and starting the server");
    let (_server, base) = start_server(binary, url)?;
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
        BASELINE_WINDOW,
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
        PURCHASE_WINDOW,
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
    if purchases.failures > 0 {
        eprintln!(
            "bench: {engine}: {} purchase requests failed",
            purchases.failures
        );
    }
    Ok(Figures {
        engine,
        purchases: purchases.latencies.len(),
        purchases_per_s: purchases.latencies.len() as f64 / purchases.elapsed.as_secs_f64(),
        p50_ms: percentile_ms(&purchases.latencies, 50),
        p95_ms: percentile_ms(&purchases.latencies, 95),
        baseline_per_s: baseline.latencies.len() as f64 / baseline.elapsed.as_secs_f64(),
        baseline_p95_ms: percentile_ms(&baseline.latencies, 95),
    })
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
