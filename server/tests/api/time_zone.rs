//! The daily spending limit counts the agent's own day: an agent in Asia/Kolkata (UTC+5:30)
//! whose earlier purchase was at 23:59 local yesterday has spent nothing today; one at 00:01
//! local today has.

use chrono::{DateTime, Duration, FixedOffset, NaiveTime, Utc};
use leadmart_server::db::DbDecimal;
use leadmart_server::with_pool;
use rust_decimal::Decimal;
use serde_json::json;

use crate::harness::{Engine, TestApp, User, assert_error, spawn_app};
use crate::on_both_engines;

/// The latest midnight at a fixed offset from UTC, computed here independently of the server's
/// zone database (Kolkata and Bogotá have no daylight saving).
fn midnight_at(now: DateTime<Utc>, offset: FixedOffset) -> DateTime<Utc> {
    now.with_timezone(&offset)
        .date_naive()
        .and_time(NaiveTime::MIN)
        .and_local_timezone(offset)
        .single()
        .expect("a fixed offset has every local time once")
        .to_utc()
}

/// Kolkata's latest midnight (UTC+5:30).
fn kolkata_midnight(now: DateTime<Utc>) -> DateTime<Utc> {
    midnight_at(now, FixedOffset::east_opt(5 * 3600 + 1800).expect("+05:30"))
}

/// Bogotá's latest midnight (UTC−5).
fn bogota_midnight(now: DateTime<Utc>) -> DateTime<Utc> {
    midnight_at(now, FixedOffset::west_opt(5 * 3600).expect("-05:00"))
}

/// The agent picks `zone` in their preferences, the rest unchanged.
async fn choose_zone(app: &TestApp, agent: &User, zone: &str) {
    let mut prefs = app.get_json("/v1/me/preferences", &agent.token).await;
    prefs["timeZone"] = json!(zone);
    let status = app
        .put("/v1/me/preferences", &agent.token, &prefs)
        .await
        .status();
    assert_eq!(status, 200, "{zone} is saved");
}

/// Records that `agent` bought `lead` for 100 credits at `at` (an earlier purchase the API
/// cannot back-date).
async fn earlier_purchase(app: &TestApp, agent: &User, lead: &str, at: DateTime<Utc>) {
    let lead: i64 = lead.parse().expect("numeric id");
    with_pool!(&app.db, pool => {
        sqlx::query(
            "INSERT INTO purchases (lead_id, buyer_id, price, price_x100, purchased_at, stage, \
             stage_since, updated_at) VALUES ($1, $2, $3, $4, $5, 'new', $5, $5)",
        )
        .bind(lead)
        .bind(agent.id)
        .bind(DbDecimal(Decimal::from(100)))
        .bind(10_000_i64) // 100 credits in hundredths
        .bind(at)
        .execute(pool)
        .await
        .expect("insert the earlier purchase");
    });
}

on_both_engines!(the_daily_limit_counts_the_agents_local_day);
async fn the_daily_limit_counts_the_agents_local_day(engine: Engine) {
    let app = spawn_app(engine).await;
    let powai = app.lead_in("Powai").await;
    let woodstock = app.lead_in("Woodstock").await;
    let midnight = kolkata_midnight(Utc::now());
    let prefs = json!({"dailyLimit": "50", "timeZone": "Asia/Kolkata"});

    let late_last_night = app.agent(200, prefs.clone()).await;
    earlier_purchase(
        &app,
        &late_last_night,
        &woodstock,
        midnight - Duration::minutes(1),
    )
    .await;
    assert_eq!(
        app.buy(&late_last_night, &powai, None).await.status(),
        201,
        "100 credits spent at 23:59 local were spent yesterday: today's limit of 50 is untouched"
    );

    let early_this_morning = app.agent(200, prefs).await;
    earlier_purchase(
        &app,
        &early_this_morning,
        &woodstock,
        midnight + Duration::minutes(1),
    )
    .await;
    assert_error(
        app.buy(&early_this_morning, &powai, None).await,
        409,
        "daily_limit_reached",
        "100 credits spent at 00:01 local count against today's limit of 50",
    )
    .await;
    app.finish().await;
}

on_both_engines!(the_time_zone_defaults_to_the_marketplace_and_is_validated);
async fn the_time_zone_defaults_to_the_marketplace_and_is_validated(engine: Engine) {
    let app = spawn_app(engine).await;
    let agent = app.agent(0, json!({})).await;
    let prefs = app.get_json("/v1/me/preferences", &agent.token).await;
    assert_eq!(
        prefs["timeZone"], "Asia/Kolkata",
        "the marketplace's zone until the agent picks one"
    );
    choose_zone(&app, &agent, "Europe/London").await;
    let read = app.get_json("/v1/me/preferences", &agent.token).await;
    assert_eq!(
        read["timeZone"], "Europe/London",
        "the agent's choice is kept"
    );
    for bad in ["Mars/Olympus_Mons", "+05:30", "", "asia/kolkata "] {
        let mut wrong = prefs.clone();
        wrong["timeZone"] = json!(bad);
        assert_error(
            app.put("/v1/me/preferences", &agent.token, &wrong).await,
            422,
            "validation",
            &format!("{bad:?} is not an IANA zone name"),
        )
        .await;
    }
    app.finish().await;
}

on_both_engines!(the_daily_limit_counts_every_purchase_of_the_day);
/// The day's spend is the exact sum of the day's purchases: a limit one hundredth below what
/// three purchases cost refuses the third, a limit equal to it admits it.
async fn the_daily_limit_counts_every_purchase_of_the_day(engine: Engine) {
    let app = spawn_app(engine).await;
    let agent = app.agent(500, json!({})).await;
    let mut spent = Decimal::ZERO;
    for area in ["Powai", "Bandra West"] {
        let bought = app.buy(&agent, &app.lead_in(area).await, None).await;
        assert_eq!(bought.status(), 201, "{area} is for sale");
        let body: serde_json::Value = bought.json().await.expect("json");
        spent += price(&body["purchase"]["pricePaid"]);
    }
    let third = app.lead_in("Andheri West").await;
    let preview = app
        .get_json(&format!("/v1/marketplace/leads/{third}"), &agent.token)
        .await;
    let total = spent + price(&preview["card"]["priceCredits"]);

    app.set_preferences(
        &agent,
        json!({"dailyLimit": (total - Decimal::new(1, 2)).to_string()}),
    )
    .await;
    assert_error(
        app.buy(&agent, &third, None).await,
        409,
        "daily_limit_reached",
        "two purchases and this one cost a hundredth more than the limit",
    )
    .await;
    app.set_preferences(&agent, json!({"dailyLimit": total.to_string()}))
        .await;
    assert_eq!(
        app.buy(&agent, &third, None).await.status(),
        201,
        "a limit equal to the day's spend with this purchase admits it"
    );
    app.finish().await;
}

fn price(value: &serde_json::Value) -> Decimal {
    value
        .as_str()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("a decimal price: {value}"))
}

on_both_engines!(a_purchase_row_without_its_hundredths_is_refused);
/// The day's spend sums `price_x100`: a row written without it would count as free, so the
/// database refuses it (NOT NULL on PostgreSQL, a trigger on SQLite).
async fn a_purchase_row_without_its_hundredths_is_refused(engine: Engine) {
    let app = spawn_app(engine).await;
    let agent = app.agent(10, json!({})).await;
    let lead: i64 = app.lead_in("Powai").await.parse().expect("numeric id");
    let written = with_pool!(&app.db, pool => {
        sqlx::query(
            "INSERT INTO purchases (lead_id, buyer_id, price, purchased_at, stage, stage_since, \
             updated_at) VALUES ($1, $2, $3, $4, 'new', $4, $4)",
        )
        .bind(lead)
        .bind(agent.id)
        .bind(DbDecimal(Decimal::from(5)))
        .bind(Utc::now())
        .execute(pool)
        .await
        .is_ok()
    });
    assert!(!written, "a purchase without price_x100 is refused");
    app.finish().await;
}

on_both_engines!(a_purchase_after_the_agent_moved_counts_the_new_zones_day);
/// The server remembers the zone a purchase found, to pick the day of the next one before it
/// reads: an agent who moved from Bogotá to Kolkata since is still counted by Kolkata's day.
/// An earlier purchase between the two zones' midnights is today in one and yesterday in the
/// other, whatever the time of day the test runs at.
async fn a_purchase_after_the_agent_moved_counts_the_new_zones_day(engine: Engine) {
    let app = spawn_app(engine).await;
    let now = Utc::now();
    let (kolkata, bogota) = (kolkata_midnight(now), bogota_midnight(now));
    let agent = app
        .agent(
            300,
            json!({"dailyLimit": "50", "timeZone": "America/Bogota"}),
        )
        .await;
    assert_eq!(
        app.buy(&agent, &app.lead_in("Powai").await, None)
            .await
            .status(),
        201,
        "a first purchase, in Bogotá"
    );
    choose_zone(&app, &agent, "Asia/Kolkata").await;
    let between = kolkata.min(bogota) + (kolkata.max(bogota) - kolkata.min(bogota)) / 2;
    earlier_purchase(&app, &agent, &app.lead_in("Woodstock").await, between).await;
    let answer = app
        .buy(&agent, &app.lead_in("Bandra West").await, None)
        .await;
    if between >= kolkata {
        assert_error(
            answer,
            409,
            "daily_limit_reached",
            "100 credits spent today in Kolkata count against today's limit of 50",
        )
        .await;
    } else {
        assert_eq!(
            answer.status(),
            201,
            "100 credits spent yesterday in Kolkata (today in Bogotá) leave today's limit"
        );
    }
    app.finish().await;
}
