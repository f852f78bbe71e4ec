//! `GET /v1/events`: events raised with the changes they report, replayed exactly from
//! `Last-Event-ID`, never twice, across server processes on one PostgreSQL, and through the
//! loss of a process's listening connection.

use std::time::Duration;

use leadmart_server::events::EventsConfig;
use leadmart_server::{Db, with_pool};
use leadmart_shared::account::Role;
use leadmart_shared::wire::PurchaseResponse;
use leadmart_shared::wire::events::EventPayload;
use serde_json::json;

use crate::harness::{Engine, TEST_PASSWORD, TestApp, User, spawn_app_with};
use crate::on_both_engines;

/// One SSE message (or comment).
#[derive(Debug, Clone)]
pub struct Message {
    pub id: Option<i64>,
    pub event: Option<String>,
    pub data: String,
    /// A comment line (`: …`), the stream's keep-alive.
    pub comment: bool,
}

impl Message {
    pub fn payload(&self) -> EventPayload {
        serde_json::from_str(&self.data)
            .unwrap_or_else(|e| panic!("data is an EventPayload: {e}: {}", self.data))
    }
}

/// A client of the event stream, reading it as the SSE format frames it.
pub struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    /// Opens the stream at `base_url` with `Last-Event-ID` and/or `?lastEventId=`.
    pub async fn open(
        base_url: &str,
        user: &User,
        header: Option<i64>,
        query: Option<i64>,
    ) -> Self {
        let url = match query {
            Some(id) => format!("{base_url}/v1/events?lastEventId={id}"),
            None => format!("{base_url}/v1/events"),
        };
        let mut request = reqwest::Client::new().get(url).bearer_auth(&user.token);
        if let Some(id) = header {
            request = request.header("Last-Event-ID", id.to_string());
        }
        let response = request.send().await.expect("the stream opens");
        assert_eq!(response.status(), 200, "a signed-in user may stream");
        let kind = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(kind.starts_with("text/event-stream"), "SSE: {kind}");
        let mut stream = Self {
            response,
            buffer: String::new(),
        };
        let opened = stream.next_within(Duration::from_secs(5)).await;
        assert!(
            opened.is_some_and(|m| m.comment),
            "a stream opens with a comment, at once"
        );
        stream
    }

    /// The next message or comment within `wait`; `None` when nothing came.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Message> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                return Some(parse(&block));
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?
                .expect("the stream stays readable")
                .expect("the stream does not end");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The next event (comments skipped) within `wait`.
    pub async fn event_within(&mut self, wait: Duration) -> Option<Message> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let message = self.next_within(left).await?;
            if !message.comment {
                return Some(message);
            }
        }
    }

    /// The next `n` events, each within 10 s.
    pub async fn events(&mut self, n: usize) -> Vec<Message> {
        let mut got = Vec::new();
        for i in 0..n {
            let message = self.event_within(Duration::from_secs(10)).await;
            got.push(
                message.unwrap_or_else(|| panic!("event {} of {n} arrives: got {got:?}", i + 1)),
            );
        }
        got
    }

    /// Asserts that no event comes within `wait`.
    pub async fn quiet_for(&mut self, wait: Duration, why: &str) {
        if let Some(extra) = self.event_within(wait).await {
            panic!("{why}: got {extra:?}");
        }
    }
}

fn parse(block: &str) -> Message {
    let mut message = Message {
        id: None,
        event: None,
        data: String::new(),
        comment: false,
    };
    for line in block.lines() {
        if line.starts_with(':') {
            message.comment = true;
        } else if let Some(v) = line.strip_prefix("id:") {
            message.id = Some(v.trim().parse().expect("numeric event id"));
        } else if let Some(v) = line.strip_prefix("event:") {
            message.event = Some(v.trim().to_owned());
        } else if let Some(v) = line.strip_prefix("data:") {
            message.data.push_str(v.strip_prefix(' ').unwrap_or(v));
        }
    }
    // A block with only a comment and a `retry:` (the opening one) is no event either.
    message.comment |= message.event.is_none() && message.data.is_empty();
    message
}

fn kinds(messages: &[Message]) -> Vec<String> {
    messages
        .iter()
        .map(|m| m.event.clone().unwrap_or_default())
        .collect()
}

fn assert_increasing(messages: &[Message]) {
    let ids: Vec<i64> = messages
        .iter()
        .map(|m| m.id.expect("every event has an id"))
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ids strictly increase (nothing twice, in order): {ids:?}"
    );
}

/// A test app whose streams send keep-alive comments every 200 ms.
async fn app(engine: Engine) -> TestApp {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    spawn_app_with(engine, 0, |state| {
        state
            .with_payments(leadmart_server::credits::provider::Payments::Dev)
            .with_events(quick())
    })
    .await
}

fn quick() -> EventsConfig {
    EventsConfig {
        keep_alive: Duration::from_millis(200),
        ..EventsConfig::default()
    }
}

async fn price_of(app: &TestApp, user: &User, lead: &str) -> rust_decimal::Decimal {
    let card = app
        .get_json(&format!("/v1/marketplace/leads/{lead}"), &user.token)
        .await;
    card["card"]["priceCredits"]
        .as_str()
        .or_else(|| card["priceCredits"].as_str())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("a preview has a price: {card}"))
}

on_both_engines!(a_purchase_tells_the_buyer_and_sells_out_for_the_others);
async fn a_purchase_tells_the_buyer_and_sells_out_for_the_others(engine: Engine) {
    let app = app(engine).await;
    // The Andheri West demo lead is exclusive: one purchase sells it out.
    let lead = app.lead_in("Andheri West").await;
    let watcher = app.agent(100, json!({})).await;
    let price = price_of(&app, &watcher, &lead).await;
    // Enough to buy, not enough to stay above the 10-credit mark afterwards.
    let credits = u32::try_from(price.ceil().mantissa()).expect("a small price") + 5;
    let buyer = app.agent(credits, json!({})).await;
    let bystander = app.agent(100, json!({})).await;
    let mut buyer_stream = EventStream::open(&app.base_url, &buyer, None, None).await;
    let mut watcher_stream = EventStream::open(&app.base_url, &watcher, None, None).await;
    let mut bystander_stream = EventStream::open(&app.base_url, &bystander, None, None).await;
    let keep_alive = buyer_stream.next_within(Duration::from_secs(5)).await;
    assert!(
        keep_alive.is_some_and(|m| m.comment),
        "a quiet stream sends keep-alive comments"
    );

    let response = app.buy(&buyer, &lead, None).await;
    assert_eq!(response.status(), 201);
    let bought: PurchaseResponse = response.json().await.expect("PurchaseResponse");
    let got = buyer_stream.events(3).await;
    assert_eq!(
        kinds(&got),
        ["lead.purchased", "credits.changed", "credits.low"],
        "the buyer hears of the purchase, the new balance, and that it crossed the low mark"
    );
    assert_increasing(&got);
    match got[0].payload() {
        EventPayload::LeadPurchased(p) => {
            assert_eq!(p.lead_id, lead);
            assert_eq!(p.purchase_id, bought.purchase.purchase_id);
            assert_eq!(p.price_credits, bought.purchase.price_paid);
        }
        other => panic!("lead.purchased carries the purchase: {other:?}"),
    }
    match got[1].payload() {
        EventPayload::CreditsChanged(level) => assert_eq!(level.balance, bought.balance.credits),
        other => panic!("credits.changed carries the balance: {other:?}"),
    }
    let sold_out = watcher_stream.events(1).await;
    assert_eq!(
        kinds(&sold_out),
        ["lead.sold_out"],
        "the agent who previewed the lead sees it leave"
    );
    bystander_stream
        .quiet_for(
            Duration::from_millis(500),
            "an agent who never saw the lead hears nothing",
        )
        .await;
    buyer_stream
        .quiet_for(Duration::from_millis(300), "each event once")
        .await;
    drop((buyer_stream, watcher_stream, bystander_stream));
    app.finish().await;
}

/// Buys the 10-credit package (the dev provider settles at once).
async fn buy_ten_credits(app: &TestApp, token: &str) {
    let bought = app
        .post(
            "/v1/credits/purchase",
            token,
            &json!({"packageCode": "pack-10"}),
        )
        .await;
    assert_eq!(bought.status(), 200, "the dev provider settles at once");
}

/// Asserts `message` is `credits.changed` to a balance of `credits`.
fn assert_balance_changed(message: &Message, credits: i64, why: &str) {
    match message.payload() {
        EventPayload::CreditsChanged(level) => {
            assert_eq!(level.balance, rust_decimal::Decimal::from(credits), "{why}");
        }
        other => panic!("{why}: credits.changed carries the balance: {other:?}"),
    }
}

on_both_engines!(bought_credits_reach_the_buyers_stream);
/// Credits a payment settles reach the buyer's open streams as `credits.changed` with the new
/// balance (so every window shows it without asking), and nobody else's.
async fn bought_credits_reach_the_buyers_stream(engine: Engine) {
    let app = app(engine).await;
    let buyer = app.agent(7, json!({})).await;
    let other = app.agent(7, json!({})).await;
    let mut buyer_stream = EventStream::open(&app.base_url, &buyer, None, None).await;
    let mut other_stream = EventStream::open(&app.base_url, &other, None, None).await;
    buy_ten_credits(&app, &buyer.token).await;
    let got = buyer_stream.events(1).await;
    assert_balance_changed(&got[0], 17, "7 + 10 credits");
    other_stream
        .quiet_for(Duration::from_millis(300), "another agent hears nothing")
        .await;
    drop((buyer_stream, other_stream));
    app.finish().await;
}

on_both_engines!(a_stream_ends_when_its_token_expires);
/// A stream lasts no longer than the access token it was opened with; the client that renews
/// its token and reconnects with its last id gets what was raised in between.
async fn a_stream_ends_when_its_token_expires(engine: Engine) {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let app = spawn_app_with(engine, 0, |mut state| {
        let mut market = (*state.market).clone();
        market.tokens.access_ttl = chrono::Duration::seconds(2);
        state.market = std::sync::Arc::new(market);
        state
            .with_payments(leadmart_server::credits::provider::Payments::Dev)
            .with_events(quick())
    })
    .await;
    let buyer = app.agent(7, json!({})).await;
    let mut stream = EventStream::open(&app.base_url, &buyer, None, None).await;
    buy_ten_credits(&app, &buyer.token).await;
    let first = stream.events(1).await;
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stream.response.chunk().await {
                Ok(Some(_)) => continue,
                Ok(None) | Err(_) => return,
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream ends once its 2 s token expired");

    let renewed = User {
        token: app.sign_in(&buyer.email, TEST_PASSWORD).await,
        ..buyer
    };
    buy_ten_credits(&app, &renewed.token).await;
    let mut resumed = EventStream::open(&app.base_url, &renewed, first[0].id, None).await;
    let missed = resumed.events(1).await;
    assert_balance_changed(&missed[0], 27, "the missed one: 7 + 10 + 10 credits");
    drop(resumed);
    app.finish().await;
}

/// The ids of the demo leads in these areas.
async fn leads_in(app: &TestApp, areas: &[&str]) -> Vec<String> {
    let mut ids = Vec::new();
    for area in areas {
        ids.push(app.lead_in(area).await);
    }
    ids
}

on_both_engines!(a_client_resuming_with_its_last_id_gets_exactly_what_it_missed);
async fn a_client_resuming_with_its_last_id_gets_exactly_what_it_missed(engine: Engine) {
    let app = app(engine).await;
    let agent = app.agent(500, json!({})).await;
    let leads = leads_in(&app, &["Powai", "Bandra West", "Woodstock", "Kothrud"]).await;
    let mut stream = EventStream::open(&app.base_url, &agent, None, None).await;
    assert_eq!(app.buy(&agent, &leads[0], None).await.status(), 201);
    let first = stream.events(2).await;
    let last_seen = first[1].id.expect("an id");
    drop(stream);

    // Offline: three more purchases, two events each.
    for lead in &leads[1..] {
        assert_eq!(app.buy(&agent, lead, None).await.status(), 201);
    }
    for (header, query) in [
        (Some(last_seen), None),
        (None, Some(last_seen)),
        (Some(last_seen), Some(0)),
    ] {
        let mut resumed = EventStream::open(&app.base_url, &agent, header, query).await;
        let missed = resumed.events(6).await;
        assert_eq!(
            kinds(&missed),
            ["lead.purchased", "credits.changed"].repeat(3),
            "exactly the three purchases missed (header {header:?}, query {query:?}; the header wins)"
        );
        assert!(missed[0].id > Some(last_seen));
        assert_increasing(&missed);
        let bought: Vec<String> = missed
            .iter()
            .filter_map(|m| match m.payload() {
                EventPayload::LeadPurchased(p) => Some(p.lead_id),
                _ => None,
            })
            .collect();
        assert_eq!(bought, leads[1..], "in the order they happened");
        resumed
            .quiet_for(
                Duration::from_millis(400),
                "nothing after what was missed, nothing twice",
            )
            .await;
    }
    let up_to_date = first.last().and_then(|m| m.id).expect("an id");
    let mut caught_up = EventStream::open(&app.base_url, &agent, Some(up_to_date + 6), None).await;
    caught_up
        .quiet_for(
            Duration::from_millis(400),
            "a client that has everything gets nothing",
        )
        .await;
    for bad in ["abc", "-1", "1.5"] {
        let response = app
            .client
            .get(app.url("/v1/events"))
            .bearer_auth(&agent.token)
            .header("Last-Event-ID", bad)
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), 400, "Last-Event-ID {bad:?} is refused");
    }
    drop(caught_up);
    app.finish().await;
}

/// The backends of this database listening for events (the processes' listeners).
async fn listener_backends(db: &Db) -> Vec<i32> {
    with_pool!(db, pool => {
        sqlx::query_scalar(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
             AND query ILIKE 'LISTEN%'",
        )
        .fetch_all(pool)
        .await
        .expect("pg_stat_activity")
    })
}

/// Two server processes on one PostgreSQL: a client of B hears what was raised on A, and
/// losing B's listening connection loses nothing.
#[tokio::test]
async fn an_event_raised_on_one_process_reaches_a_client_of_another() {
    let a = app(Engine::Postgres).await;
    let b = a.other_process(|s| s.with_events(quick())).await;
    let agent = a.agent(500, json!({})).await;
    let leads = leads_in(&a, &["Powai", "Bandra West", "Andheri West"]).await;
    let mut on_b = EventStream::open(&b.base_url, &agent, None, None).await;

    assert_eq!(a.buy(&agent, &leads[0], None).await.status(), 201);
    let first = on_b.events(2).await;
    assert_eq!(
        kinds(&first),
        ["lead.purchased", "credits.changed"],
        "raised on A, heard on B"
    );

    // Kill B's listening connection mid-stream, and raise while it is gone.
    let listeners = listener_backends(&a.db).await;
    assert_eq!(
        listeners.len(),
        1,
        "only B listens (A has no stream): {listeners:?}"
    );
    with_pool!(&a.db, pool => {
        sqlx::query("SELECT pg_terminate_backend($1)")
            .bind(listeners[0])
            .execute(pool)
            .await
            .expect("terminate B's listener");
    });
    assert_eq!(a.buy(&agent, &leads[1], None).await.status(), 201);
    let started = std::time::Instant::now();
    let during = on_b.events(2).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "caught up on reconnecting, not by the 30 s safety poll: {:?}",
        started.elapsed()
    );
    crate::harness::eventually("B listens again", || async {
        listener_backends(&a.db).await.len() == 1
    })
    .await;
    assert_eq!(a.buy(&agent, &leads[2], None).await.status(), 201);
    let after = on_b.events(2).await;
    let all: Vec<Message> = first.into_iter().chain(during).chain(after).collect();
    assert_eq!(kinds(&all), ["lead.purchased", "credits.changed"].repeat(3));
    assert_increasing(&all);
    on_b.quiet_for(Duration::from_millis(400), "nothing twice")
        .await;
    drop(on_b);
    b.finish().await;
    a.finish().await;
}

/// On PostgreSQL an event whose transaction commits after a later id's is still delivered,
/// and in id order: the stream waits at the hole instead of skipping it.
#[tokio::test]
async fn an_event_committed_out_of_id_order_is_not_skipped() {
    let app = app(Engine::Postgres).await;
    let agent = app.user(Role::Agent, true).await;
    let mut stream = EventStream::open(&app.base_url, &agent, None, None).await;
    let insert = "INSERT INTO events (user_id, kind, data, created_at) \
                  VALUES ($1, 'credits.changed', '{\"kind\":\"credits.changed\",\"balance\":\"1\"}', now())";
    let notify = "SELECT pg_notify('leadmart_events', '0')";
    let leadmart_server::db::Pools::Postgres(pool) = &app.db.pools else {
        unreachable!()
    };
    // The earlier id, left in flight (its transaction id first, as the server's inserts do).
    let mut slow = pool.begin().await.expect("begin");
    sqlx::query("SELECT pg_current_xact_id()")
        .execute(&mut *slow)
        .await
        .expect("xid");
    sqlx::query(insert)
        .bind(agent.id)
        .execute(&mut *slow)
        .await
        .expect("insert");
    // A later id, committed first.
    sqlx::query(insert)
        .bind(agent.id)
        .execute(pool)
        .await
        .expect("insert");
    sqlx::query(notify).execute(pool).await.expect("notify");
    stream
        .quiet_for(
            Duration::from_millis(500),
            "the later id waits for the earlier one",
        )
        .await;
    sqlx::query(notify)
        .execute(&mut *slow)
        .await
        .expect("notify");
    slow.commit().await.expect("commit");
    let got = stream.events(2).await;
    assert_increasing(&got);
    stream
        .quiet_for(Duration::from_millis(300), "each once")
        .await;
    drop(stream);
    app.finish().await;
}

on_both_engines!(events_past_their_keeping_time_are_pruned);
/// Events older than `keep_for` leave the table while the server runs; younger ones stay, and
/// a client replaying from before the pruned ones gets what is left, in order.
async fn events_past_their_keeping_time_are_pruned(engine: Engine) {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let app = spawn_app_with(engine, 0, |state| {
        state
            .with_payments(leadmart_server::credits::provider::Payments::Dev)
            .with_events(EventsConfig {
                keep_for: Duration::from_secs(24 * 3600),
                prune_every: Duration::from_millis(100),
                ..quick()
            })
    })
    .await;
    let buyer = app.agent(7, json!({})).await;
    let mut stream = EventStream::open(&app.base_url, &buyer, None, None).await;
    buy_ten_credits(&app, &buyer.token).await;
    buy_ten_credits(&app, &buyer.token).await;
    let raised = stream.events(2).await;
    drop(stream);
    let (old, young) = (raised[0].id.expect("an id"), raised[1].id.expect("an id"));
    let two_days_ago = chrono::Utc::now() - chrono::TimeDelta::days(2);
    with_pool!(&app.db, pool => {
        sqlx::query("UPDATE events SET created_at = $1 WHERE id = $2")
            .bind(two_days_ago)
            .bind(old)
            .execute(pool)
            .await
            .expect("age the first event");
    });

    let db = &app.db;
    let user_events = || async move {
        let ids: Vec<i64> = with_pool!(db, pool => {
            sqlx::query_scalar("SELECT id FROM events WHERE id IN ($1, $2) ORDER BY id")
                .bind(old)
                .bind(young)
                .fetch_all(pool)
                .await
                .expect("read the events")
        });
        ids
    };
    crate::harness::eventually("the two-day-old event is pruned", || async {
        user_events().await == [young]
    })
    .await;
    let mut replay = EventStream::open(&app.base_url, &buyer, Some(0), None).await;
    let replayed = replay.events(1).await;
    assert_eq!(replayed[0].id, Some(young), "what is left replays");
    assert_balance_changed(&replayed[0], 27, "the second purchase's balance");
    replay
        .quiet_for(Duration::from_millis(300), "the pruned event is gone")
        .await;
    drop(replay);
    app.finish().await;
}
