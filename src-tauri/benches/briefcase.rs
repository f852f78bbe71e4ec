//! The offline briefcase against a real server in-process (SQLite, over loopback), each figure on
//! an encrypted cache and on a plain one (what encryption costs):
//!
//! - `first_sync/10k`: an agent with 10,000 purchased leads syncs into an empty cache (time; the
//!   requests are printed: one per page of 500, an empty outbox sends nothing);
//! - `no_change_sync`: the same cache syncs again with nothing new (one request);
//! - `search`: 100,000 cached leads searched with FTS5 for a surname (~2% of leads) and for a
//!   word of a few notes (~0.1%), against the naive `LIKE` scan of the lead bodies the index
//!   replaces. p95 over 300 runs (40 of the scan) is printed besides criterion's estimate.

#[path = "../tests/app/support.rs"]
#[allow(dead_code)]
mod support;

use std::str::FromStr;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::StreamExt as _;
use leadmart_app::api::{ApiClient, Method};
use leadmart_app::cache::{BriefcaseQuery, Cache, CacheFolder};
use leadmart_app::secrets::{CacheKeyStore, TokenStore};
use leadmart_app::session::SessionManager;
use leadmart_server::demo;
use leadmart_shared::money::Credits;
use leadmart_shared::wire::{AgentPreferencesDto, LeadNote, LeadPage, PurchasedLead};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

/// Leads synced and searched: the figures' sizes under `cargo bench`, a smoke run's under
/// `cargo test --all-targets` (criterion's test mode runs each routine once).
fn sizes() -> (usize, usize) {
    if std::env::args().any(|arg| arg == "--bench") {
        (10_000, 100_000)
    } else {
        (60, 2_000)
    }
}
const SURNAMES: [&str; 50] = [
    "Sharma",
    "Iyer",
    "Nair",
    "Patel",
    "Reddy",
    "Gupta",
    "Kumar",
    "Singh",
    "Das",
    "Rao",
    "Menon",
    "Pillai",
    "Joshi",
    "Mehta",
    "Shah",
    "Desai",
    "Kulkarni",
    "Bose",
    "Ghosh",
    "Sen",
    "Chopra",
    "Kapoor",
    "Malhotra",
    "Bhat",
    "Hegde",
    "Shetty",
    "Naidu",
    "Verma",
    "Mishra",
    "Pandey",
    "Tiwari",
    "Yadav",
    "Jain",
    "Agarwal",
    "Banerjee",
    "Mukherjee",
    "Chatterjee",
    "Dutta",
    "Saxena",
    "Srivastava",
    "Thakur",
    "Chauhan",
    "Rathore",
    "Gill",
    "Sandhu",
    "Dhillon",
    "Khan",
    "Qureshi",
    "Fernandes",
    "DSouza",
];
const FIRST: [&str; 10] = [
    "Asha", "Rahul", "Priya", "Vikram", "Neha", "Arjun", "Kavya", "Rohan", "Meera", "Sanjay",
];
const AREAS: [&str; 8] = [
    "Andheri West",
    "Bandra",
    "Powai",
    "Juhu",
    "Worli",
    "Thane",
    "Goregaon",
    "Malad",
];

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A signed-in demo agent's session over a fresh app folder (encrypted or plain caches).
async fn agent_session(
    url: &str,
    dir: &std::path::Path,
    encrypted: bool,
) -> (SessionManager, Cache) {
    leadmart_app::secrets::use_kernel_keyring();
    let folder = dir.join(if encrypted { "encrypted" } else { "plain" });
    let _ = std::fs::remove_dir_all(&folder);
    let folder = if encrypted {
        CacheFolder::new(folder)
    } else {
        CacheFolder::unencrypted(folder)
    };
    let session = SessionManager::open(
        ApiClient::new(url).expect("client"),
        TokenStore::for_api(url),
        folder,
    )
    .await
    .expect("session");
    session
        .sign_in(demo::DEMO_AGENT_EMAIL.into(), demo::DEMO_PASSWORD.into())
        .await
        .expect("sign in");
    let cache = session.cache().await.expect("cache");
    (session, cache)
}

/// Buys every open lead up to `count` for the demo agent, eight at a time.
async fn buy_leads(server: &support::Server, count: usize) -> usize {
    let http = reqwest::Client::new();
    let api = ApiClient::new(&server.url).expect("client");
    let token = api
        .sign_in(&leadmart_shared::wire::SignInRequest {
            email: demo::DEMO_AGENT_EMAIL.into(),
            password: demo::DEMO_PASSWORD.into(),
        })
        .await
        .expect("sign in")
        .access_token;
    let me = api.me(&token).await.expect("me");
    demo::grant_credits(
        &server.db,
        me.id.parse().expect("numeric id"),
        Credits::whole(10_000_000),
        chrono::Utc::now(),
    )
    .await
    .expect("credits");
    // The demo agent's daily limit would stop the buying at a couple of dozen leads.
    let mut preferences: AgentPreferencesDto = api
        .send(
            Method::GET,
            "v1/me/preferences",
            Some(&token),
            &[],
            None::<&()>,
        )
        .await
        .expect("preferences");
    preferences.daily_limit = None;
    preferences.per_lead_max = None;
    let _: AgentPreferencesDto = api
        .send(
            Method::PUT,
            "v1/me/preferences",
            Some(&token),
            &[],
            Some(&preferences),
        )
        .await
        .expect("no daily limit");
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    while ids.len() < count {
        let after = cursor
            .as_ref()
            .map(|c| format!("&cursor={c}"))
            .unwrap_or_default();
        let request = http
            .get(format!(
                "{}/v1/marketplace/leads?limit=100{after}",
                server.url
            ))
            .bearer_auth(&token);
        let page: LeadPage = request
            .send()
            .await
            .expect("browse")
            .json()
            .await
            .expect("page");
        ids.extend(page.leads.iter().map(|lead| lead.id.clone()));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    ids.truncate(count);
    futures_util::stream::iter(ids)
        .map(|id| {
            let http = http.clone();
            let token = token.clone();
            let url = server.url.clone();
            async move {
                http.post(format!("{url}/v1/marketplace/leads/{id}/purchase"))
                    .bearer_auth(&token)
                    .header("Idempotency-Key", format!("bench-{id}"))
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == 201)
            }
        })
        .buffer_unordered(8)
        .filter(|ok| std::future::ready(*ok))
        .count()
        .await
}

/// `count` purchased leads made from `template`: names, areas and notes vary.
fn synthetic_leads(template: &PurchasedLead, count: usize) -> Vec<PurchasedLead> {
    (0..count)
        .map(|n| {
            let mut lead = template.clone();
            lead.lead.card.id = format!("{}", 1_000_000 + n);
            lead.purchase_id = format!("{}", 2_000_000 + n);
            lead.lead.card.area = AREAS[n % AREAS.len()].to_owned();
            lead.lead.card.score = u8::try_from(50 + n % 50).unwrap_or(50);
            if let Some(contact) = lead.contact.as_mut() {
                contact.name = format!(
                    "{} {}",
                    FIRST[n % FIRST.len()],
                    SURNAMES[(n / 7) % SURNAMES.len()]
                );
                contact.email = Some(format!("customer{n}@example.in"));
            }
            lead.notes = vec![LeadNote {
                id: format!("{}", 3_000_000 + n),
                body: if n % 997 == 0 {
                    "Wants possession before Diwali, call after six".to_owned()
                } else {
                    format!(
                        "Called on day {}; prefers a high floor and a sea view",
                        n % 30
                    )
                },
                created_at: template.purchased_at,
            }];
            lead
        })
        .collect()
}

/// A connection of its own to the agent's cache file (with its key when encrypted), for the
/// `LIKE` scan the index replaces.
async fn scan_connection(
    session: &SessionManager,
    dir: &std::path::Path,
    encrypted: bool,
) -> sqlx::SqlitePool {
    let user = session.current_user().await.expect("user").expect("agent");
    let file = dir
        .join(if encrypted { "encrypted" } else { "plain" })
        .join("users")
        .join(&user.id)
        .join("cache.db");
    let mut options = SqliteConnectOptions::from_str("sqlite://")
        .expect("options")
        .filename(&file);
    if encrypted {
        let key = CacheKeyStore::for_file(&file)
            .load()
            .expect("keychain")
            .expect("the key");
        options = options.pragma("key", format!("\"x'{}'\"", key.expose()));
    }
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .expect("scan connection")
}

/// The leads whose body holds `text` anywhere (case-insensitive for ASCII), newest first.
async fn like_scan(pool: &sqlx::SqlitePool, text: &str) -> usize {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT lead_id FROM purchased_leads WHERE body LIKE $1 \
         ORDER BY purchased_at DESC LIMIT 200",
    )
    .bind(format!("%{text}%"))
    .fetch_all(pool)
    .await
    .expect("scan");
    ids.len()
}

fn p95(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() * 95 / 100]
}

fn bench(c: &mut Criterion) {
    let (sync_leads, search_leads) = sizes();
    let rt = runtime();
    let dir = tempfile::tempdir().expect("temp dir");
    // ~3/4 of generated leads are open (listing times spread over 40 days, a listing lasts 30).
    let server = rt.block_on(support::start_server_with_partner_leads(
        dir.path(),
        sync_leads * 4 / 3 + 200,
    ));
    let bought = rt.block_on(buy_leads(&server, sync_leads));
    println!("the demo agent bought {bought} leads");
    assert!(bought >= sync_leads * 9 / 10, "nearly every lead bought");

    let mut sync = c.benchmark_group("sync");
    sync.sample_size(10);
    sync.warm_up_time(Duration::from_millis(100));
    sync.measurement_time(Duration::from_secs(20));
    for encrypted in [true, false] {
        let label = if encrypted { "encrypted" } else { "plain" };
        sync.bench_function(format!("first_sync_10k/{label}"), |b| {
            b.iter_custom(|iterations| {
                let mut spent = Duration::ZERO;
                for _ in 0..iterations {
                    let (session, cache) =
                        rt.block_on(agent_session(&server.url, dir.path(), encrypted));
                    let started = Instant::now();
                    let report = rt
                        .block_on(leadmart_app::sync::run(
                            &session,
                            &cache,
                            chrono::Utc::now(),
                        ))
                        .expect("first sync");
                    spent += started.elapsed();
                    assert!(report.received as usize >= bought, "every lead came");
                    rt.block_on(session.sign_out()).expect("sign out");
                }
                spent
            });
        });
        let (session, cache) = rt.block_on(agent_session(&server.url, dir.path(), encrypted));
        let first = rt
            .block_on(leadmart_app::sync::run(
                &session,
                &cache,
                chrono::Utc::now(),
            ))
            .expect("first sync");
        // An empty outbox sends nothing: the pages are the requests.
        println!("first sync ({label}): {} requests", first.pages);
        sync.bench_function(format!("no_change_sync/{label}"), |b| {
            b.iter(|| {
                let report = rt
                    .block_on(leadmart_app::sync::run(
                        &session,
                        &cache,
                        chrono::Utc::now(),
                    ))
                    .expect("sync");
                assert_eq!(
                    (report.pages, report.received),
                    (1, 0),
                    "one request, nothing new"
                );
            });
        });
        rt.block_on(session.sign_out()).expect("sign out");
    }
    sync.finish();

    let (session, cache) = rt.block_on(agent_session(&server.url, dir.path(), true));
    rt.block_on(leadmart_app::sync::run(
        &session,
        &cache,
        chrono::Utc::now(),
    ))
    .expect("sync");
    let (leads, _) = rt.block_on(cache.purchased()).expect("cached");
    let template = leads.first().expect("a lead").clone();
    rt.block_on(session.sign_out()).expect("sign out");
    let synthetic = synthetic_leads(&template, search_leads);

    let mut search = c.benchmark_group("search_100k");
    search.sample_size(20);
    for encrypted in [true, false] {
        let label = if encrypted { "encrypted" } else { "plain" };
        let (session, cache) = rt.block_on(agent_session(&server.url, dir.path(), encrypted));
        for chunk in synthetic.chunks(5_000) {
            rt.block_on(cache.save_purchased(chunk)).expect("save");
        }
        let scan = rt.block_on(scan_connection(&session, dir.path(), encrypted));
        for (what, text) in [("surname", "iyer"), ("rare_note_word", "diwali")] {
            let query = BriefcaseQuery {
                text: text.to_owned(),
                ..Default::default()
            };
            let fts = || {
                rt.block_on(cache.search_purchased(&query))
                    .expect("search")
                    .len()
            };
            let like = || rt.block_on(like_scan(&scan, text));
            let found = fts();
            assert!(found > 0, "{text:?} finds leads");
            let timings = |f: &dyn Fn() -> usize, runs: usize| {
                (0..runs)
                    .map(|_| {
                        let started = Instant::now();
                        f();
                        started.elapsed()
                    })
                    .collect::<Vec<_>>()
            };
            // The scan reads every body: fewer runs of it.
            println!(
                "search {what} ({label}, {found} hits): FTS p95 {:?}, LIKE p95 {:?}",
                p95(timings(&fts, 300)),
                p95(timings(&like, 40))
            );
            search.bench_function(format!("fts/{what}/{label}"), |b| b.iter(fts));
            search.bench_function(format!("like/{what}/{label}"), |b| b.iter(like));
        }
        rt.block_on(scan.close());
        rt.block_on(session.sign_out()).expect("sign out");
    }
    search.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
