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

/// Kolkata's latest midnight, computed here with a fixed +5:30 offset (India has no daylight
/// saving), independently of the server's zone database.
fn kolkata_midnight(now: DateTime<Utc>) -> DateTime<Utc> {
    let ist = FixedOffset::east_opt(5 * 3600 + 1800).expect("+05:30");
    now.with_timezone(&ist)
        .date_naive()
        .and_time(NaiveTime::MIN)
        .and_local_timezone(ist)
        .single()
        .expect("a fixed offset has every local time once")
        .to_utc()
}

/// Records that `agent` bought `lead` for 100 credits at `at` (an earlier purchase the API
/// cannot back-date).
async fn earlier_purchase(app: &TestApp, agent: &User, lead: &str, at: DateTime<Utc>) {
    let lead: i64 = lead.parse().expect("numeric id");
    with_pool!(&app.db, pool => {
        sqlx::query(
            "INSERT INTO purchases (lead_id, buyer_id, price, purchased_at, stage, stage_since, \
             updated_at) VALUES ($1, $2, $3, $4, 'new', $4, $4)",
        )
        .bind(lead)
        .bind(agent.id)
        .bind(DbDecimal(Decimal::from(100)))
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
    let mut chosen = prefs.clone();
    chosen["timeZone"] = json!("Europe/London");
    assert_eq!(
        app.put("/v1/me/preferences", &agent.token, &chosen)
            .await
            .status(),
        200
    );
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
