//! `GET /v1/marketplace/leads`: the feed buyers browse before buying.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use leadmart_server::demo::DEMO_LEADS;
use leadmart_server::marketplace::store::backfill_price_bands;
use leadmart_server::{MarketConfig, with_pool};
use leadmart_shared::wire::{LeadCard, LeadPage};
use rust_decimal::Decimal;

use crate::harness::{Engine, spawn_app, spawn_app_seeded};
use crate::on_both_engines;

on_both_engines!(lists_demo_leads_with_contact_fields_absent);
async fn lists_demo_leads_with_contact_fields_absent(engine: Engine) {
    let app = spawn_app(engine).await;
    let response = app
        .client
        .get(app.url("/v1/marketplace/leads?limit=100"))
        .send()
        .await
        .expect("request reaches the server");
    assert_eq!(response.status(), 200);
    let body = response.text().await.expect("body");

    // The contact details must not be on the wire at all: neither as keys nor as values.
    for key in ["contact", "email", "phone", "address", "Name\""] {
        assert!(
            !body.contains(key),
            "the buyer-facing feed must not carry a `{key}` field: {body}"
        );
    }
    for lead in DEMO_LEADS {
        for secret in [
            lead.contact_name,
            lead.contact_email,
            lead.contact_phone,
            lead.contact_address,
        ] {
            assert!(
                !body.contains(secret),
                "contact value {secret:?} leaked into the feed"
            );
        }
    }

    let page: LeadPage = serde_json::from_str(&body).expect("body is a LeadPage");
    assert_eq!(
        page.leads.len(),
        DEMO_LEADS.len(),
        "every demo lead is listed"
    );
    assert!(
        page.next_cursor.is_none(),
        "everything fits on one page of 100"
    );
    let andheri = page
        .leads
        .iter()
        .find(|lead| lead.area == "Andheri West")
        .expect("the seed 000 Andheri West lead is listed");
    assert_eq!(andheri.city, "Mumbai");
    assert_eq!(andheri.score, 95);
    assert_eq!(
        andheri.budget_min.to_string(),
        "9000000.00",
        "money keeps its two decimals on both engines"
    );
    assert_eq!(andheri.exclusivity, "exclusive");
    assert!(
        andheri.price_credits > rust_decimal::Decimal::ZERO,
        "a listed lead has a price"
    );
    app.finish().await;
}

on_both_engines!(pages_with_a_cursor_without_repeats);
async fn pages_with_a_cursor_without_repeats(engine: Engine) {
    let app = spawn_app(engine).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..DEMO_LEADS.len() {
        let mut url = app.url("/v1/marketplace/leads?limit=3");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: LeadPage = app
            .client
            .get(url)
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json");
        assert!(page.leads.len() <= 3, "a page never exceeds its limit");
        seen.extend(page.leads.into_iter().map(|lead| lead.id));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        seen.len(),
        "no lead appears on two pages: {seen:?}"
    );
    assert_eq!(seen.len(), DEMO_LEADS.len(), "paging reaches every lead");
    app.finish().await;
}

on_both_engines!(rejects_a_bad_limit_with_a_coded_error);
async fn rejects_a_bad_limit_with_a_coded_error(engine: Engine) {
    let app = spawn_app(engine).await;
    let response = app
        .client
        .get(app.url("/v1/marketplace/leads?limit=0"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.expect("json error body");
    assert_eq!(body["error"]["code"], "bad_request");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("limit"),
        "the message names the bad parameter: {body}"
    );
    app.finish().await;
}

async fn page(app: &crate::harness::TestApp, query: &str) -> LeadPage {
    app.client
        .get(app.url(&format!("/v1/marketplace/leads?{query}")))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("LeadPage")
}

on_both_engines!(filters_narrow_the_feed);
async fn filters_narrow_the_feed(engine: Engine) {
    let app = spawn_app(engine).await;
    let areas = |p: LeadPage| p.leads.into_iter().map(|l| l.area).collect::<Vec<_>>();
    let cape_town = areas(page(&app, "city=cape%20town").await);
    assert_eq!(
        cape_town.len(),
        2,
        "city matches case-insensitively: {cape_town:?}"
    );
    assert_eq!(areas(page(&app, "area=Powai").await), ["Powai"]);
    let real_estate = page(&app, "category=real-estate").await;
    assert!(
        real_estate.leads.len() == 3
            && real_estate
                .leads
                .iter()
                .all(|l| l.category.starts_with("real-estate/")),
        "a category group covers its sub-categories"
    );
    assert_eq!(page(&app, "category=insurance/auto").await.leads.len(), 1);
    assert!(
        page(&app, "minScore=80")
            .await
            .leads
            .iter()
            .all(|l| l.score >= 80),
        "minimum score"
    );
    assert!(
        page(&app, "exclusivity=exclusive")
            .await
            .leads
            .iter()
            .all(|l| l.exclusivity == "exclusive")
    );
    assert_eq!(
        page(&app, "urgency=immediate").await.leads.len(),
        2,
        "two demo leads are immediate"
    );
    let budget = areas(page(&app, "budgetMin=8500000&budgetMax=12000000").await);
    assert_eq!(
        budget,
        ["Andheri West"],
        "only the ₹90L–1.1Cr flat overlaps ₹85L–1.2Cr"
    );
    assert_eq!(
        page(&app, "hasPhone=true&verifiedEmail=true")
            .await
            .leads
            .len(),
        DEMO_LEADS.len()
    );
    assert_eq!(
        page(&app, "maxAgeHours=3").await.leads.len(),
        2,
        "listed within 3 hours"
    );
    assert!(
        page(&app, "minFreshness=99").await.leads.len() >= 2,
        "fresh leads pass a freshness floor"
    );
    let cheap = page(&app, "maxPrice=12").await;
    assert!(
        cheap
            .leads
            .iter()
            .all(|l| l.price_credits <= rust_decimal::Decimal::from(12))
    );
    let bad = app
        .client
        .get(app.url("/v1/marketplace/leads?sort=random"))
        .send()
        .await
        .expect("request");
    assert_eq!(bad.status(), 400, "unknown sorts are refused");
    app.finish().await;
}

on_both_engines!(every_sort_pages_without_repeats);
async fn every_sort_pages_without_repeats(engine: Engine) {
    let app = spawn_app(engine).await;
    for sort in ["newest", "score", "price"] {
        let mut seen = Vec::new();
        let mut cursor = String::new();
        loop {
            let p = page(&app, &format!("sort={sort}&limit=2&cursor={cursor}")).await;
            seen.extend(p.leads);
            match p.next_cursor {
                Some(c) => cursor = c,
                None => break,
            }
        }
        assert_eq!(
            seen.len(),
            DEMO_LEADS.len(),
            "sort {sort} reaches every lead once"
        );
        let ordered = seen.windows(2).all(|w| match sort {
            "score" => w[0].score >= w[1].score,
            "price" => w[0].price_credits <= w[1].price_credits,
            _ => w[0].listed_at >= w[1].listed_at,
        });
        assert!(ordered, "sort {sort} is respected across pages");
    }
    app.finish().await;
}

on_both_engines!(preview_counts_a_view_and_masks_the_contact);
async fn preview_counts_a_view_and_masks_the_contact(engine: Engine) {
    use leadmart_shared::wire::LeadPreviewDto;
    let app = spawn_app(engine).await;
    let id = app.lead_in("Andheri West").await;
    let url = app.url(&format!("/v1/marketplace/leads/{id}"));
    let first = app.client.get(&url).send().await.expect("preview");
    assert_eq!(first.status(), 200);
    let body = first.text().await.expect("body");
    for secret in ["Rajesh", "rajesh.sharma", "+919820012345", "Lokhandwala"] {
        assert!(
            !body.contains(secret),
            "the preview never carries {secret:?}: {body}"
        );
    }
    let preview: LeadPreviewDto = serde_json::from_str(&body).expect("LeadPreviewDto");
    assert_eq!(
        preview.card.views, 0,
        "an anonymous preview is not a view: anyone could inflate it"
    );
    let total: i32 = preview.score_breakdown.iter().map(|s| s.points).sum();
    assert_eq!(
        total,
        i32::from(preview.card.score),
        "the breakdown adds up to the score"
    );
    assert_eq!(
        (preview.card.purchases, preview.card.max_buyers),
        (0, 1),
        "0 of 1 claimed"
    );
    let path = format!("/v1/marketplace/leads/{id}");
    let views_seen_by = |token: String| {
        let (app, path) = (&app, &path);
        async move {
            let preview: LeadPreviewDto = app.get(path, &token).await.json().await.expect("json");
            preview.card.views
        }
    };
    let first_agent = app.agent(0, serde_json::json!({})).await;
    let second_agent = app.agent(0, serde_json::json!({})).await;
    assert_eq!(
        views_seen_by(first_agent.token.clone()).await,
        1,
        "a signed-in agent's first preview counts"
    );
    assert_eq!(
        views_seen_by(first_agent.token.clone()).await,
        1,
        "the same agent previewing again is not a new view"
    );
    assert_eq!(
        views_seen_by(second_agent.token.clone()).await,
        2,
        "another agent is another view"
    );
    let anonymous: LeadPreviewDto = app
        .client
        .get(&url)
        .send()
        .await
        .expect("preview")
        .json()
        .await
        .expect("json");
    assert_eq!(
        anonymous.card.views, 2,
        "anonymous previews still never count"
    );
    let missing = app
        .client
        .get(app.url("/v1/marketplace/leads/424242"))
        .send()
        .await
        .expect("preview");
    assert_eq!(missing.status(), 404, "unknown leads are not found");
    app.finish().await;
}

on_both_engines!(the_matching_feed_follows_preferences);
async fn the_matching_feed_follows_preferences(engine: Engine) {
    let app = spawn_app(engine).await;
    let agent = app
        .agent(
            0,
            serde_json::json!({"categories": ["home-services"], "minScore": 80}),
        )
        .await;
    let matching: LeadPage = app
        .get("/v1/marketplace/leads?matching=true", &agent.token)
        .await
        .json()
        .await
        .expect("LeadPage");
    let areas: Vec<String> = matching.leads.into_iter().map(|l| l.area).collect();
    assert_eq!(
        areas,
        ["Woodstock"],
        "home services with a score of at least 80"
    );
    let anonymous = app
        .client
        .get(app.url("/v1/marketplace/leads?matching=true"))
        .send()
        .await
        .expect("request");
    assert_eq!(
        anonymous.status(),
        401,
        "matching needs to know who is asking"
    );
    app.finish().await;
}

/// Every lead of every order, walking pages of `limit` with `query`.
async fn walk(app: &crate::harness::TestApp, query: &str, limit: u32) -> Vec<LeadCard> {
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let p = page(app, &format!("{query}&limit={limit}&cursor={cursor}")).await;
        seen.extend(p.leads);
        match p.next_cursor {
            Some(c) => cursor = c,
            None => return seen,
        }
    }
}

on_both_engines!(price_order_is_exact_across_every_band);
/// Leads in all three freshness bands (a third aged past the stale threshold, their bands
/// re-stored by the backfill): the price order read from the stored bands is the order of the
/// prices the shared formula gives now, page after page, and matches the preview's price.
async fn price_order_is_exact_across_every_band(engine: Engine) {
    let app = spawn_app_seeded(engine, 150).await;
    let now = Utc::now();
    let ids: Vec<i64> = with_pool!(&app.db, pool => {
        sqlx::query_scalar("SELECT id FROM leads ORDER BY id")
            .fetch_all(pool)
            .await
            .expect("lead ids")
    });
    for id in ids.iter().filter(|id| *id % 3 == 0) {
        // Captured 38–40 days ago but still listed: stale band, freshness ≈ 15–23.
        let created = now - Duration::days(38) - Duration::hours(id % 48);
        with_pool!(&app.db, pool => {
            sqlx::query(
                "UPDATE leads SET created_at = $1, expires_at = $2, price_fresh_x100 = NULL \
                 WHERE id = $3",
            )
            .bind(created)
            .bind(now + Duration::days(5))
            .bind(id)
            .execute(pool)
            .await
            .expect("age a lead");
        });
    }
    let repriced = backfill_price_bands(&app.db, &MarketConfig::default())
        .await
        .expect("backfill");
    assert_eq!(
        repriced as usize,
        ids.iter().filter(|id| *id % 3 == 0).count()
    );

    let by_price = walk(&app, "sort=price", 7).await;
    let by_newest = walk(&app, "sort=newest", 9).await;
    assert!(by_price.len() > 100, "most generated leads are open");
    let ids_of =
        |cards: &[LeadCard]| -> BTreeSet<String> { cards.iter().map(|c| c.id.clone()).collect() };
    assert_eq!(by_price.len(), ids_of(&by_price).len(), "no lead twice");
    assert_eq!(
        ids_of(&by_price),
        ids_of(&by_newest),
        "both orders show every open lead"
    );
    let key = |c: &LeadCard| (c.price_credits, c.id.parse::<i64>().expect("numeric id"));
    assert!(
        by_price.windows(2).all(|w| key(&w[0]) < key(&w[1])),
        "ascending (price, id) across pages"
    );
    let distinct: BTreeSet<_> = by_price.iter().map(|c| c.price_credits).collect();
    assert!(
        distinct.len() >= 6,
        "prices from several bands: {distinct:?}"
    );
    for card in by_price.iter().step_by(5) {
        let preview: serde_json::Value = app
            .client
            .get(app.url(&format!("/v1/marketplace/leads/{}", card.id)))
            .send()
            .await
            .expect("preview")
            .json()
            .await
            .expect("preview body");
        assert_eq!(
            preview["card"]["priceCredits"].as_str(),
            Some(card.price_credits.to_string().as_str()),
            "the stored band price is the formula's price for lead {}",
            card.id
        );
    }
    app.finish().await;
}

on_both_engines!(rust_side_filters_fill_whole_pages);
/// A budget filter refuses most rows SQL returns: pages still fill, and the walk finds exactly
/// the leads a client-side filter of the whole feed finds.
async fn rust_side_filters_fill_whole_pages(engine: Engine) {
    let app = spawn_app_seeded(engine, 150).await;
    let (low, high) = (Decimal::from(30_000), Decimal::from(60_000));
    let everything = walk(&app, "sort=score", 50).await;
    let expected: Vec<String> = everything
        .iter()
        .filter(|c| c.budget_min <= high && low <= c.budget_max)
        .map(|c| c.id.clone())
        .collect();
    assert!(
        !expected.is_empty() && expected.len() < everything.len() / 2,
        "a selective filter ({} of {})",
        expected.len(),
        everything.len()
    );
    let first = page(
        &app,
        &format!("sort=score&budgetMin={low}&budgetMax={high}&limit=3"),
    )
    .await;
    assert_eq!(
        first.leads.len(),
        3.min(expected.len()),
        "the first page is full"
    );
    let filtered: Vec<String> = walk(
        &app,
        &format!("sort=score&budgetMin={low}&budgetMax={high}"),
        3,
    )
    .await
    .into_iter()
    .map(|c| c.id)
    .collect();
    assert_eq!(filtered, expected, "same leads, same order");
    app.finish().await;
}
