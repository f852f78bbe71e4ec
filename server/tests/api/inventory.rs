//! The admin's lead inventory: filters that agree with the statuses they show, and bulk unlist
//! and relist that buyers feel at once, audited, admins only.

use leadmart_shared::account::Role;
use leadmart_shared::wire::inventory::{
    InventoryPage, InventoryStatus, ListingChanged, ListingHold,
};
use leadmart_shared::wire::{AuditAction, AuditEntryDto};
use serde_json::json;

use crate::harness::{Engine, TestApp, User, assert_error, spawn_app};
use crate::on_both_engines;

async fn page(app: &TestApp, admin: &User, query: &str) -> InventoryPage {
    let response = app
        .get(&format!("/v1/admin/leads?{query}"), &admin.token)
        .await;
    assert_eq!(response.status(), 200, "inventory {query}");
    response.json().await.expect("InventoryPage")
}

fn titles(page: &InventoryPage) -> Vec<&str> {
    page.leads.iter().map(|l| l.title.as_str()).collect()
}

async fn browse_ids(app: &TestApp) -> Vec<String> {
    let body: serde_json::Value = app
        .client
        .get(app.url("/v1/marketplace/leads?limit=100"))
        .send()
        .await
        .expect("browse")
        .json()
        .await
        .expect("page");
    body["leads"]
        .as_array()
        .expect("leads")
        .iter()
        .map(|lead| lead["id"].as_str().expect("id").to_owned())
        .collect()
}

on_both_engines!(the_inventory_filters_and_its_statuses_agree);
async fn the_inventory_filters_and_its_statuses_agree(engine: Engine) {
    let app = spawn_app(engine).await;
    let admin = app.user(Role::Admin, true).await;
    let agent = app.agent(100, json!({})).await;
    // The exclusive Andheri West flat sells out; the Kothrud lead expires.
    let andheri = app.lead_in("Andheri West").await;
    assert_eq!(app.buy(&agent, &andheri, None).await.status(), 201);
    let kothrud = app.lead_in("Kothrud").await;
    app.exec(
        "UPDATE leads SET expires_at = listed_at WHERE id = $1",
        &kothrud,
    )
    .await;

    let all = page(&app, &admin, "").await;
    assert_eq!(all.total, 7, "every demo lead");
    assert!(
        all.leads.windows(2).all(|w| w[0].id > w[1].id),
        "newest first"
    );
    let mut counted = 0;
    for (status, query) in [
        (InventoryStatus::Open, "open"),
        (InventoryStatus::SoldOut, "sold_out"),
        (InventoryStatus::Expired, "expired"),
        (InventoryStatus::Draft, "draft"),
        (InventoryStatus::Withdrawn, "withdrawn"),
    ] {
        let found = page(&app, &admin, &format!("status={query}")).await;
        assert!(
            found.leads.iter().all(|lead| lead.status == status),
            "the {query} filter returns {query} leads only: {:?}",
            found.leads
        );
        counted += found.total;
    }
    assert_eq!(counted, all.total, "the status filters split the inventory");
    let sold = page(&app, &admin, "status=sold_out").await;
    assert_eq!(
        sold.leads.iter().map(|l| &l.id).collect::<Vec<_>>(),
        [&andheri]
    );
    assert_eq!((sold.leads[0].purchases, sold.leads[0].max_buyers), (1, 1));
    let expired = page(&app, &admin, "status=expired").await;
    assert_eq!(
        expired.leads.iter().map(|l| &l.id).collect::<Vec<_>>(),
        [&kothrud]
    );

    let real_estate = page(&app, &admin, "category=real-estate").await;
    assert_eq!(real_estate.total, 3, "the group holds buy and rent");
    assert_eq!(
        page(&app, &admin, "category=real-estate/rent").await.total,
        1
    );
    assert_eq!(
        titles(&page(&app, &admin, "q=ANDHERI").await).len(),
        2,
        "words in the area, any case"
    );
    assert_eq!(
        titles(&page(&app, &admin, "q=cape%20geyser").await),
        ["Burst geyser pipe"],
        "every word must match"
    );
    assert_eq!(page(&app, &admin, "q=100%25").await.total, 0, "% is text");
    let two = page(&app, &admin, "limit=2&offset=2").await;
    assert_eq!((two.leads.len(), two.total, two.offset), (2, 7, 2));
    assert_eq!(two.leads[0].id, all.leads[2].id);
    assert!(
        all.leads.iter().all(|lead| lead.partner.is_none()),
        "no partner leads in the demo"
    );

    assert_error(
        app.get("/v1/admin/leads", &agent.token).await,
        403,
        "forbidden",
        "agents do not manage the inventory",
    )
    .await;
}

on_both_engines!(unlisting_in_bulk_takes_leads_off_at_once_and_relisting_puts_them_back);
async fn unlisting_in_bulk_takes_leads_off_at_once_and_relisting_puts_them_back(engine: Engine) {
    let app = spawn_app(engine).await;
    let admin = app.user(Role::Admin, true).await;
    let agent = app.agent(100, json!({})).await;
    let powai = app.lead_in("Powai").await;
    let bandra = app.lead_in("Bandra West").await;
    let andheri = app.lead_in("Andheri West").await;
    assert_eq!(app.buy(&agent, &andheri, None).await.status(), 201);

    let change = |action: &str, ids: &[&String]| json!({"action": action, "leadIds": ids});
    let unlisted: ListingChanged = app
        .post(
            "/v1/admin/leads/listing",
            &admin.token,
            &change("unlist", &[&powai, &bandra, &andheri]),
        )
        .await
        .json()
        .await
        .expect("ListingChanged");
    let mut both = vec![powai.clone(), bandra.clone()];
    both.sort_by_key(|id| id.parse::<i64>().expect("id"));
    assert_eq!(unlisted.changed, both, "the open leads");
    assert_eq!(
        unlisted.unchanged,
        vec![andheri.clone()],
        "a sold-out lead is not open"
    );

    let feed = browse_ids(&app).await;
    assert!(
        !feed.contains(&powai) && !feed.contains(&bandra),
        "gone from the feed"
    );
    assert_error(
        app.buy(&agent, &powai, None).await,
        409,
        "lead_not_listed",
        "an unlisted lead cannot be bought",
    )
    .await;
    let withdrawn = page(&app, &admin, "status=withdrawn").await;
    assert_eq!(withdrawn.total, 2);
    assert!(
        withdrawn
            .leads
            .iter()
            .all(|l| l.hold == Some(ListingHold::Admin))
    );
    let mine = app
        .get(&format!("/v1/my/leads/{andheri}"), &agent.token)
        .await;
    assert_eq!(mine.status(), 200, "the buyer keeps what they bought");

    let again: ListingChanged = app
        .post(
            "/v1/admin/leads/listing",
            &admin.token,
            &change("unlist", &[&powai]),
        )
        .await
        .json()
        .await
        .expect("ListingChanged");
    assert!(again.changed.is_empty(), "already off");

    let relisted: ListingChanged = app
        .post(
            "/v1/admin/leads/listing",
            &admin.token,
            &change("relist", &[&powai, &andheri]),
        )
        .await
        .json()
        .await
        .expect("ListingChanged");
    assert_eq!(relisted.changed, vec![powai.clone()]);
    assert_eq!(
        relisted.unchanged,
        vec![andheri.clone()],
        "only what an admin unlisted"
    );
    assert!(browse_ids(&app).await.contains(&powai), "back in the feed");
    assert_eq!(app.buy(&agent, &powai, None).await.status(), 201);

    let log: Vec<AuditEntryDto> = app
        .get("/v1/admin/audit", &admin.token)
        .await
        .json()
        .await
        .expect("audit");
    let entries: Vec<_> = log
        .iter()
        .map(|e| (e.action, e.subject.as_str(), e.detail.as_str()))
        .collect();
    let subject = format!("leads {}, {}", both[0], both[1]);
    let relisted_subject = format!("lead {powai}");
    assert_eq!(
        entries,
        vec![
            (
                AuditAction::LeadsRelisted,
                relisted_subject.as_str(),
                "1 lead listed again"
            ),
            (
                AuditAction::LeadsUnlisted,
                subject.as_str(),
                "2 leads unlisted"
            ),
        ],
        "one entry per change that changed something"
    );

    for (body, why) in [
        (json!({"action": "unlist", "leadIds": []}), "no leads"),
        (json!({"action": "unlist", "leadIds": ["x"]}), "not an id"),
        (
            json!({"action": "hide", "leadIds": [powai]}),
            "no such action",
        ),
    ] {
        let response = app
            .post("/v1/admin/leads/listing", &admin.token, &body)
            .await;
        assert!(
            response.status() == 400 || response.status() == 422,
            "{why}: {}",
            response.status()
        );
    }
    assert_error(
        app.post(
            "/v1/admin/leads/listing",
            &agent.token,
            &change("unlist", &[&bandra]),
        )
        .await,
        403,
        "forbidden",
        "agents do not unlist",
    )
    .await;
}
