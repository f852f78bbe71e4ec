//! Intake and the router: a lead from the web form, an integration's key or an admin is
//! validated, scored, priced, listed and routed; matching agents hear `lead.matched` live (and
//! on resuming), others do not; nobody matching widens to the region, then flags admins.

use std::time::Duration;

use leadmart_shared::account::Role;
use leadmart_shared::routing::RouteScope;
use leadmart_shared::wire::events::EventPayload;
use leadmart_shared::wire::{CreatedIntakeKey, FormTokenDto, IntakeAccepted};
use serde_json::{Value, json};

use crate::events::EventStream;
use crate::harness::{Engine, TestApp, User, assert_error, assert_rate_limited, spawn_app_with};
use crate::on_both_engines;

async fn app(engine: Engine) -> TestApp {
    spawn_app_with(engine, 0, |state| {
        state.with_events(leadmart_server::events::EventsConfig {
            keep_alive: Duration::from_millis(200),
            ..Default::default()
        })
    })
    .await
}

/// A plumbing lead in Woodstock, Cape Town.
fn plumbing(title: &str) -> Value {
    json!({
        "category": "home-services/plumbing",
        "title": title,
        "description": "Geyser leaking since this morning, need someone today.",
        "country": "ZA", "region": "Western Cape", "city": "Cape Town", "area": "Woodstock",
        "budgetMin": "1500", "budgetMax": "3000", "urgency": "immediate",
        "name": "Thandi Mokoena", "email": "thandi@example.co.za", "phone": "+27821234567"
    })
}

/// An agent serving only plumbing in Cape Town (or `city`).
async fn plumber(app: &TestApp, city: &str) -> User {
    app.agent(
        100,
        json!({
            "categories": ["home-services/plumbing"],
            "serviceAreas": [{"country": "ZA", "region": "Western Cape", "city": city, "area": null}]
        }),
    )
    .await
}

async fn admin_lists(app: &TestApp, admin: &User, lead: &Value) -> IntakeAccepted {
    let response = app.post("/v1/admin/leads", &admin.token, lead).await;
    assert_eq!(response.status(), 201, "an admin lists a valid lead");
    response.json().await.expect("IntakeAccepted")
}

on_both_engines!(a_listed_lead_reaches_the_agents_it_matches_and_nobody_else);
async fn a_listed_lead_reaches_the_agents_it_matches_and_nobody_else(engine: Engine) {
    let app = app(engine).await;
    let admin = app.user(Role::Admin, true).await;
    let matching = plumber(&app, "Cape Town").await;
    let _paarl = plumber(&app, "Paarl").await;
    let realtor = app.agent(100, json!({"categories": ["real-estate"]})).await;
    let mut matching_stream = EventStream::open(&app.base_url, &matching, None, None).await;
    let mut other_stream = EventStream::open(&app.base_url, &realtor, None, None).await;

    let accepted = admin_lists(&app, &admin, &plumbing("Leaking geyser")).await;
    assert_eq!(
        (accepted.routed, accepted.notified),
        (RouteScope::Exact, 2),
        "the plumber and the demo agent serve home services in Cape Town; the Paarl plumber \
         is not widened to"
    );
    assert!(accepted.score > 0 && accepted.price_credits > rust_decimal::Decimal::ZERO);
    let got = matching_stream.events(1).await;
    match got[0].payload() {
        EventPayload::LeadMatched(m) => {
            assert_eq!(m.lead.id, accepted.lead_id);
            assert_eq!(
                (m.lead.category.as_str(), m.lead.area.as_str()),
                ("home-services/plumbing", "Woodstock"),
                "the card a notification shows: category and area"
            );
            assert_eq!(m.lead.score, accepted.score);
            assert_eq!(m.lead.price_credits, accepted.price_credits);
        }
        other => panic!("lead.matched with the card: {other:?}"),
    }
    assert!(
        !got[0].data.contains("thandi") && !got[0].data.contains("+2782"),
        "never the contact: {}",
        got[0].data
    );
    other_stream
        .quiet_for(
            Duration::from_millis(400),
            "a non-matching agent gets nothing",
        )
        .await;
    let listed = app
        .get_json(
            &format!("/v1/marketplace/leads/{}", accepted.lead_id),
            &matching.token,
        )
        .await;
    assert!(
        listed.to_string().contains("Woodstock"),
        "listed on the marketplace: {listed}"
    );

    // Nobody serves Stellenbosch's city: widened to the region's agents (both plumbers and
    // the demo agent).
    let mut far = plumbing("Burst pipe");
    far["city"] = json!("Stellenbosch");
    far["area"] = json!(null);
    let widened = admin_lists(&app, &admin, &far).await;
    assert_eq!((widened.routed, widened.notified), (RouteScope::Region, 3));
    // Nobody at all: flagged to admins.
    let mut nowhere = plumbing("Blocked drain");
    nowhere["country"] = json!("IN");
    nowhere["region"] = json!("Goa");
    nowhere["city"] = json!("Panaji");
    nowhere["phone"] = json!("+919820012345");
    let unrouted = admin_lists(&app, &admin, &nowhere).await;
    assert_eq!(
        (unrouted.routed, unrouted.notified),
        (RouteScope::Unrouted, 0)
    );
    let queue = app.get_json("/v1/admin/leads/unrouted", &admin.token).await;
    assert_eq!(
        queue
            .as_array()
            .map(|q| q.iter().map(|l| l["leadId"].clone()).collect::<Vec<_>>()),
        Some(vec![json!(unrouted.lead_id)]),
        "the admins' queue holds the lead nobody serves: {queue}"
    );
    drop((matching_stream, other_stream));
    app.finish().await;
}

on_both_engines!(resuming_after_three_listings_gets_exactly_those_three);
async fn resuming_after_three_listings_gets_exactly_those_three(engine: Engine) {
    let app = app(engine).await;
    let admin = app.user(Role::Admin, true).await;
    let agent = plumber(&app, "Cape Town").await;
    let mut stream = EventStream::open(&app.base_url, &agent, None, None).await;
    admin_lists(&app, &admin, &plumbing("First")).await;
    let last = stream.events(1).await[0].id.expect("an id");
    drop(stream);
    let mut offline = Vec::new();
    for title in ["Second", "Third", "Fourth"] {
        offline.push(admin_lists(&app, &admin, &plumbing(title)).await.lead_id);
    }
    let mut resumed = EventStream::open(&app.base_url, &agent, Some(last), None).await;
    let missed = resumed.events(3).await;
    let ids: Vec<String> = missed
        .iter()
        .map(|m| match m.payload() {
            EventPayload::LeadMatched(l) => l.lead.id,
            other => panic!("lead.matched: {other:?}"),
        })
        .collect();
    assert_eq!(
        ids, offline,
        "exactly the three listed while away, in order"
    );
    resumed
        .quiet_for(Duration::from_millis(400), "nothing more, nothing twice")
        .await;
    drop(resumed);
    app.finish().await;
}

on_both_engines!(the_web_form_and_integrations_keep_bots_and_strangers_out);
async fn the_web_form_and_integrations_keep_bots_and_strangers_out(engine: Engine) {
    let app = app(engine).await;
    let admin = app.user(Role::Admin, true).await;
    let agent = plumber(&app, "Cape Town").await;
    let token: FormTokenDto =
        serde_json::from_value(app.get_json("/v1/intake/form-token", "").await)
            .expect("FormTokenDto");
    assert_eq!(token.min_fill_seconds, 3);
    let form = |token: &str, website: &str| json!({"lead": plumbing("From the form"), "formToken": token, "website": website});
    assert_error(
        app.post("/v1/intake/web-form", "", &form(&token.form_token, ""))
            .await,
        422,
        "validation",
        "sent faster than a person fills a form in",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert_error(
        app.post(
            "/v1/intake/web-form",
            "",
            &form(&token.form_token, "http://spam.example"),
        )
        .await,
        422,
        "validation",
        "the honeypot was filled in",
    )
    .await;
    let forged = format!("1000.{}", "ab".repeat(32));
    assert_error(
        app.post("/v1/intake/web-form", "", &form(&forged, ""))
            .await,
        422,
        "validation",
        "a token this server did not sign",
    )
    .await;
    let response = app
        .post("/v1/intake/web-form", "", &form(&token.form_token, ""))
        .await;
    assert_eq!(response.status(), 201, "a person's submission is listed");
    let accepted: IntakeAccepted = response.json().await.expect("IntakeAccepted");
    assert_eq!(accepted.notified, 2, "routed like any lead");
    let fifth = app
        .post("/v1/intake/web-form", "", &form(&token.form_token, ""))
        .await;
    assert_eq!(
        fifth.status(),
        201,
        "five submissions per address per window"
    );
    assert_rate_limited(
        10 * 60,
        app.post("/v1/intake/web-form", "", &form(&token.form_token, ""))
            .await,
        "the sixth from this address in the 10-minute window",
    )
    .await;

    // Integrations: an admin's key works until revoked; nobody else makes keys.
    let lead = plumbing("From an integration");
    let send = |key: &str| {
        app.client
            .post(app.url("/v1/intake/leads"))
            .header("X-Intake-Key", key.to_owned())
            .json(&lead)
            .send()
    };
    assert_error(
        send("lmik_unknown").await.expect("answered"),
        401,
        "unauthorized",
        "an unknown key",
    )
    .await;
    assert_error(
        app.post(
            "/v1/admin/intake-keys",
            &agent.token,
            &json!({"name": "CRM"}),
        )
        .await,
        403,
        "forbidden",
        "only admins create keys",
    )
    .await;
    let created: CreatedIntakeKey = app
        .post(
            "/v1/admin/intake-keys",
            &admin.token,
            &json!({"name": "CRM"}),
        )
        .await
        .json()
        .await
        .expect("CreatedIntakeKey");
    let stored: Vec<String> = leadmart_server::with_pool!(&app.db, pool => {
        sqlx::query_scalar("SELECT key_hash FROM intake_keys").fetch_all(pool).await.expect("keys")
    });
    assert!(
        !stored.iter().any(|h| h.contains(&created.secret)),
        "only the key's hash is stored"
    );
    let response = send(&created.secret).await.expect("answered");
    assert_eq!(response.status(), 201, "a live key lists");
    let revoked = app
        .post(
            &format!("/v1/admin/intake-keys/{}/revoke", created.key.id),
            &admin.token,
            &json!({}),
        )
        .await;
    assert_eq!(revoked.status(), 200);
    assert_error(
        send(&created.secret).await.expect("answered"),
        401,
        "unauthorized",
        "a revoked key",
    )
    .await;
    let keys = app.get_json("/v1/admin/intake-keys", &admin.token).await;
    assert!(
        keys[0]["revokedAt"].is_string(),
        "revocation is kept: {keys}"
    );

    let mut invalid = plumbing("Bad");
    invalid["email"] = json!("not-an-email");
    invalid["phone"] = json!(null);
    assert_error(
        app.post("/v1/admin/leads", &admin.token, &invalid).await,
        422,
        "validation",
        "the shared row rules refuse a bad email",
    )
    .await;
    app.finish().await;
}

on_both_engines!(notification_settings_are_kept_per_agent_with_their_time_zone);
async fn notification_settings_are_kept_per_agent_with_their_time_zone(engine: Engine) {
    let app = app(engine).await;
    let agent = app
        .agent(0, json!({"timeZone": "Africa/Johannesburg"}))
        .await;
    let other = app.agent(0, json!({})).await;
    let path = "/v1/me/notification-settings";
    let defaults = app.get_json(path, &agent.token).await;
    assert_eq!(
        defaults,
        json!({
            "newLeadAlert": true, "leadResponse": true, "lowCreditWarning": true,
            "dailySummary": false, "quietHoursStart": null, "quietHoursEnd": null,
            "timeZone": "Africa/Johannesburg"
        }),
        "defaults until saved, in the agent's own zone"
    );
    let quiet = json!({
        "newLeadAlert": true, "leadResponse": false, "lowCreditWarning": true,
        "dailySummary": true, "quietHoursStart": "22:00", "quietHoursEnd": "07:00",
        "timeZone": null
    });
    let saved = app.put(path, &agent.token, &quiet).await;
    assert_eq!(saved.status(), 200);
    let read = app.get_json(path, &agent.token).await;
    assert_eq!(
        (
            &read["quietHoursStart"],
            &read["quietHoursEnd"],
            &read["leadResponse"]
        ),
        (&json!("22:00"), &json!("07:00"), &json!(false)),
        "kept: {read}"
    );
    assert_eq!(
        app.get_json(path, &other.token).await["quietHoursStart"],
        json!(null),
        "per agent"
    );
    let mut half = quiet.clone();
    half["quietHoursEnd"] = json!(null);
    assert_error(
        app.put(path, &agent.token, &half).await,
        422,
        "validation",
        "both ends or neither",
    )
    .await;
    let mut bad = quiet.clone();
    bad["quietHoursStart"] = json!("25:00");
    assert_error(
        app.put(path, &agent.token, &bad).await,
        422,
        "validation",
        "a clock time",
    )
    .await;
    app.finish().await;
}

on_both_engines!(auto_buy_buys_within_the_daily_limit_under_concurrency);
async fn auto_buy_buys_within_the_daily_limit_under_concurrency(engine: Engine) {
    let app = app(engine).await;
    let admin = app.user(Role::Admin, true).await;
    let buyer = plumber(&app, "Cape Town").await;
    let bystander = plumber(&app, "Cape Town").await;
    let price = admin_lists(&app, &admin, &plumbing("Priced"))
        .await
        .price_credits;
    // Room for two purchases a day, not three.
    let limit = (price * rust_decimal::Decimal::new(25, 1)).round_dp(2);
    app.set_preferences(
        &buyer,
        json!({
            "categories": ["home-services/plumbing"],
            "serviceAreas": [{"country": "ZA", "region": "Western Cape", "city": "Cape Town", "area": null}],
            "autoBuyScoreAbove": 10, "dailyLimit": limit.to_string()
        }),
    )
    .await;
    let listings = (0..6).map(|i| {
        let lead = plumbing(&format!("Concurrent {i}"));
        let app = &app;
        let admin = &admin;
        async move { admin_lists(app, admin, &lead).await }
    });
    let listed = futures::future::join_all(listings).await;
    assert!(
        listed.iter().all(|l| l.score > 10),
        "every lead fires the rule"
    );
    let bought = |user: i64| {
        let db = app.db.clone();
        async move {
            leadmart_server::with_pool!(&db, pool => {
                sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM purchases WHERE buyer_id = $1")
                    .bind(user)
                    .fetch_one(pool)
                    .await
                    .expect("count")
            })
        }
    };
    crate::harness::eventually("the rule buys two leads", || async {
        bought(buyer.id).await == 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(bought(buyer.id).await, 2, "never beyond the daily limit");
    assert_eq!(
        bought(bystander.id).await,
        0,
        "an agent without a rule buys nothing"
    );
    assert_eq!(
        app.balance(&buyer).await,
        rust_decimal::Decimal::from(100) - price * rust_decimal::Decimal::from(2),
        "charged through the purchase's ledger, twice"
    );
    app.finish().await;
}

/// Figures, not a check: intake → `lead.matched` on a matching agent's stream, over loopback,
/// 100 leads one after another. `cargo test -p leadmart-server --test api -- --ignored
/// intake_to_event_latency --nocapture`.
#[tokio::test]
#[ignore = "a measurement; run on demand"]
async fn intake_to_event_latency() {
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let app = app(engine).await;
        let admin = app.user(Role::Admin, true).await;
        let agent = plumber(&app, "Cape Town").await;
        let mut stream = EventStream::open(&app.base_url, &agent, None, None).await;
        let (mut took, mut answered) = (Vec::new(), Vec::new());
        for i in 0..100 {
            let started = std::time::Instant::now();
            admin_lists(&app, &admin, &plumbing(&format!("Lead {i}"))).await;
            answered.push(started.elapsed());
            stream.events(1).await;
            took.push(started.elapsed());
        }
        took.sort();
        answered.sort();
        println!(
            "{engine:?}: intake → lead.matched p50 {:?}, p95 {:?}, max {:?}; \
             intake's own answer p50 {:?}, p95 {:?}",
            took[49], took[94], took[99], answered[49], answered[94]
        );
        drop(stream);
        app.finish().await;
    }
}
