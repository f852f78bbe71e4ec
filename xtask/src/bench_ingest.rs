//! The server-ingest part of `cargo xtask bench`: a partner (approved first, so every accepted
//! lead is listed and routed, not held for review) uploads 1,000,000 generated rows in chunks
//! of 5,000 over loopback, two chunks in flight, to the release `leadmart-server` with the local
//! email verification; on SQLite and on PostgreSQL. Reports rows per second from the first
//! chunk sent to the last answered, and the server's peak RSS (`VmHWM`). Fails when the
//! server's counts differ from what the generator wrote (about 2% bad emails, 3% duplicates of
//! the previous row) or a chunk is not acknowledged.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};

use crate::StatusOk;
use crate::bench::{Server, json_call, server_command, start_server};

const PASSWORD: &str = "bench-password-1";
const CHUNK: usize = 5_000;
const IN_FLIGHT: usize = 2;

pub struct Figures {
    engine: &'static str,
    rows: usize,
    accepted: u64,
    elapsed: Duration,
    peak_rss_kb: u64,
}

/// What row `i` is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Good,
    BadEmail,
    /// The same person as row `i - 1`.
    Duplicate,
}

fn kind(i: usize) -> Kind {
    if i % 50 == 7 {
        Kind::BadEmail
    } else if i % 33 == 5 && (i - 1) % 50 != 7 {
        Kind::Duplicate
    } else {
        Kind::Good
    }
}

const CITIES: [&str; 2] = ["Mumbai", "Pune"];

fn cells(i: usize) -> Value {
    let person = if kind(i) == Kind::Duplicate { i - 1 } else { i };
    let email = if kind(i) == Kind::BadEmail {
        format!("lead{person}.example.com")
    } else {
        format!("lead{person}@mail{}.example.in", person % 97)
    };
    json!([
        format!("Lead Person {person}"),
        email,
        format!("+91 98{:08}", person),
        CITIES[person % 2],
        "Maharashtra",
        format!("{}L", 20 + person % 80),
        "Looking for a 2BHK near the station"
    ])
}

fn chunk_body(first: usize, rows: usize) -> Value {
    let rows: Vec<Value> = (first..(first + CHUNK).min(rows))
        .map(|i| json!({"line": i + 2, "cells": cells(i)}))
        .collect();
    json!({ "rows": rows })
}

fn create_user(binary: &Path, url: &str, email: &str, role: &str) -> Result<()> {
    server_command(binary, url)
        .args([
            "create-user",
            "--email",
            email,
            "--password",
            PASSWORD,
            "--role",
            role,
            "--verified",
        ])
        .stdout(std::process::Stdio::null())
        .status_ok()
}

async fn sign_in(client: &reqwest::Client, base: &str, email: &str) -> Result<String> {
    let session = json_call(
        client
            .post(format!("{base}/v1/auth/signin"))
            .json(&json!({"email": email, "password": PASSWORD})),
    )
    .await?;
    Ok(session["accessToken"]
        .as_str()
        .context("access token")?
        .to_owned())
}

fn peak_rss_kb(server: &Server) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.id()))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("VmHWM in /proc/PID/status")
}

pub async fn bench_ingest(
    binary: &Path,
    engine: &'static str,
    url: &str,
    rows: usize,
) -> Result<Figures> {
    eprintln!("bench: {engine}: ingest of {rows} rows: starting the server");
    create_user(binary, url, "partner@bench.leadmart.test", "partner")?;
    create_user(binary, url, "admin@bench.leadmart.test", "admin")?;
    let (server, base) = start_server(binary, url, 0)?;
    let client = reqwest::Client::new();
    let partner = sign_in(&client, &base, "partner@bench.leadmart.test").await?;
    let admin = sign_in(&client, &base, "admin@bench.leadmart.test").await?;
    let me = json_call(client.get(format!("{base}/v1/me")).bearer_auth(&partner)).await?;
    let partner_id = me["id"].as_str().context("the partner's id")?.to_owned();
    json_call(
        client
            .post(format!("{base}/v1/admin/partners/{partner_id}/decision"))
            .bearer_auth(&admin)
            .json(&json!({"action": "approve"})),
    )
    .await?;
    let upload = json_call(
        client
            .post(format!("{base}/v1/partner/uploads"))
            .bearer_auth(&partner)
            .json(&json!({
                "fileName": "bench.csv", "category": "real-estate/buy",
                "columns": [
                    {"header": "Name", "field": "full_name"},
                    {"header": "Email", "field": "email"},
                    {"header": "Phone", "field": "phone"},
                    {"header": "City", "field": "city"},
                    {"header": "State", "field": "region"},
                    {"header": "Budget", "field": "budget_max"},
                    {"header": "Notes", "field": "description"}
                ],
                "rowCount": rows,
                "contentHash": format!("{:064x}", rows),
            })),
    )
    .await?;
    let id = upload["id"].as_str().context("upload id")?.to_owned();
    let chunks = rows.div_ceil(CHUNK);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut senders = Vec::new();
    for _ in 0..IN_FLIGHT {
        let (client, base, partner, id, next) = (
            client.clone(),
            base.clone(),
            partner.clone(),
            id.clone(),
            Arc::clone(&next),
        );
        senders.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                if n >= chunks {
                    return Ok::<(), anyhow::Error>(());
                }
                let body = chunk_body(n * CHUNK, rows);
                json_call(
                    client
                        .put(format!("{base}/v1/partner/uploads/{id}/chunks/{n}"))
                        .bearer_auth(&partner)
                        .timeout(Duration::from_secs(600))
                        .json(&body),
                )
                .await
                .with_context(|| format!("chunk {n}"))?;
            }
        }));
    }
    for sender in senders {
        sender.await??;
    }
    let elapsed = started.elapsed();
    let peak_rss_kb = peak_rss_kb(&server)?;
    let done = json_call(
        client
            .post(format!("{base}/v1/partner/uploads/{id}/complete"))
            .bearer_auth(&partner),
    )
    .await?;
    let expected_bad = (0..rows).filter(|&i| kind(i) == Kind::BadEmail).count();
    let expected_dup = (0..rows).filter(|&i| kind(i) == Kind::Duplicate).count();
    let counts = &done["counts"];
    let number = |v: &Value| v.as_u64().context("a count");
    let accepted = number(&counts["accepted"])?;
    ensure!(
        done["acknowledgedChunks"].as_array().map(Vec::len) == Some(chunks),
        "{engine}: every chunk is acknowledged: {done}"
    );
    let expected = (rows - expected_bad - expected_dup) as u64;
    if (
        accepted,
        number(&counts["rejected"])?,
        number(&counts["duplicates"])?,
    ) != (expected, expected_bad as u64, expected_dup as u64)
    {
        bail!(
            "{engine}: the server counted {counts}, the generator wrote {expected} good, \
             {expected_bad} bad emails, {expected_dup} duplicates"
        );
    }
    drop(server);
    Ok(Figures {
        engine,
        rows,
        accepted,
        elapsed,
        peak_rss_kb,
    })
}

#[allow(clippy::float_arithmetic)]
pub fn report(figures: &[Figures]) {
    println!();
    println!(
        "server ingest: one partner upload, chunks of {CHUNK} rows, {IN_FLIGHT} in flight \
         (loopback; validate, dedupe, verify locally, insert, list, route)"
    );
    println!(
        "{:<9} {:>9} {:>9} {:>9} {:>10} {:>13}",
        "engine", "rows", "accepted", "seconds", "rows/s", "peak RSS MB"
    );
    for f in figures {
        println!(
            "{:<9} {:>9} {:>9} {:>9.1} {:>10.0} {:>13.1}",
            f.engine,
            f.rows,
            f.accepted,
            f.elapsed.as_secs_f64(),
            f.rows as f64 / f.elapsed.as_secs_f64(),
            f.peak_rss_kb as f64 / 1024.0
        );
    }
}
