//! My Leads: list and detail with full contact, pipeline moves with timestamps and deal value,
//! notes and contact log, replay by client mutation id, ownership.

use chrono::Utc;
use leadmart_shared::pipeline::PipelineStage;
use leadmart_shared::wire::{MyLeadsPage, PurchasedLead};
use rust_decimal::Decimal;
use serde_json::json;

use crate::harness::{Engine, assert_error, spawn_app};
use crate::on_both_engines;

on_both_engines!(a_bought_lead_is_worked_through_the_pipeline);
async fn a_bought_lead_is_worked_through_the_pipeline(engine: Engine) {
    let app = spawn_app(engine).await;
    let agent = app.agent(100, json!({})).await;
    let powai = app.lead_in("Powai").await;
    let woodstock = app.lead_in("Woodstock").await;
    assert_eq!(app.buy(&agent, &powai, None).await.status(), 201);
    assert_eq!(app.buy(&agent, &woodstock, None).await.status(), 201);

    let page: MyLeadsPage = app
        .get("/v1/my/leads", &agent.token)
        .await
        .json()
        .await
        .expect("MyLeadsPage");
    assert_eq!(page.leads.len(), 2, "both purchases are listed");
    assert_eq!(
        page.leads[0].lead.card.id, woodstock,
        "newest purchase first"
    );
    assert!(
        page.leads.iter().all(|l| l.stage == PipelineStage::New),
        "bought leads start as new"
    );

    let path = format!("/v1/my/leads/{powai}");
    let detail: PurchasedLead = app
        .get(&path, &agent.token)
        .await
        .json()
        .await
        .expect("PurchasedLead");
    assert_eq!(
        detail.contact.as_ref().and_then(|c| c.email.as_deref()),
        Some("priya.nair@example.in"),
        "full contact in My Leads"
    );

    let contacted = json!({"clientMutationId": "m-1", "stage": "contacted", "dealValue": null, "at": Utc::now()});
    let first = app.patch(&path, &agent.token, &contacted).await;
    assert_eq!(first.status(), 200);
    let first = first.text().await.expect("body");
    let moved: PurchasedLead = serde_json::from_str(&first).expect("PurchasedLead");
    assert_eq!(moved.stage, PipelineStage::Contacted);
    assert_eq!(
        moved.stage_history.len(),
        1,
        "the move is recorded with its time"
    );
    let replay = app.patch(&path, &agent.token, &contacted).await;
    assert_eq!(
        replay.text().await.expect("body"),
        first,
        "a replayed mutation returns the stored answer"
    );

    let back =
        json!({"clientMutationId": "m-2", "stage": "new", "dealValue": null, "at": Utc::now()});
    assert_error(
        app.patch(&path, &agent.token, &back).await,
        409,
        "illegal_transition",
        "the pipeline only moves forward",
    )
    .await;
    let reused =
        json!({"clientMutationId": "m-1", "stage": "meeting", "dealValue": null, "at": Utc::now()});
    assert_error(
        app.patch(&path, &agent.token, &reused).await,
        422,
        "idempotency_key_reused",
        "a mutation id names one change",
    )
    .await;
    let won_bare =
        json!({"clientMutationId": "m-3", "stage": "won", "dealValue": null, "at": Utc::now()});
    assert_error(
        app.patch(&path, &agent.token, &won_bare).await,
        409,
        "deal_value_required",
        "won carries the deal value",
    )
    .await;
    let meeting_value =
        json!({"clientMutationId": "m-4", "stage": "meeting", "dealValue": "10", "at": Utc::now()});
    assert_error(
        app.patch(&path, &agent.token, &meeting_value).await,
        409,
        "deal_value_not_allowed",
        "only won has a value",
    )
    .await;
    let won =
        json!({"clientMutationId": "m-5", "stage": "won", "dealValue": "320000", "at": Utc::now()});
    let won: PurchasedLead = app
        .patch(&path, &agent.token, &won)
        .await
        .json()
        .await
        .expect("PurchasedLead");
    assert_eq!(
        (won.stage, won.deal_value),
        (PipelineStage::Won, Some(Decimal::from(320_000)))
    );
    assert_eq!(won.stage_history.len(), 2);

    let note = json!({"clientMutationId": "n-1", "body": "Prefers calls after 6pm"});
    let noted: PurchasedLead = app
        .post(&format!("{path}/notes"), &agent.token, &note)
        .await
        .json()
        .await
        .expect("PurchasedLead");
    assert_eq!(noted.notes.len(), 1);
    let again: PurchasedLead = app
        .post(&format!("{path}/notes"), &agent.token, &note)
        .await
        .json()
        .await
        .expect("PurchasedLead");
    assert_eq!(again.notes.len(), 1, "a replayed note is not added twice");
    let empty = json!({"clientMutationId": "n-2", "body": "  "});
    assert_error(
        app.post(&format!("{path}/notes"), &agent.token, &empty)
            .await,
        422,
        "validation",
        "empty notes are refused",
    )
    .await;
    let call = json!({"clientMutationId": "c-1", "channel": "whats_app", "at": Utc::now(), "note": "sent brochure"});
    let logged: PurchasedLead = app
        .post(&format!("{path}/contacts"), &agent.token, &call)
        .await
        .json()
        .await
        .expect("PurchasedLead");
    assert_eq!(logged.contact_log.len(), 1, "the contact is logged");

    let filtered: MyLeadsPage = app
        .get("/v1/my/leads?stage=won", &agent.token)
        .await
        .json()
        .await
        .expect("page");
    assert_eq!(
        filtered.leads.len(),
        1,
        "the stage filter keeps the won lead only"
    );

    let other = app.agent(100, json!({})).await;
    assert_error(
        app.get(&path, &other.token).await,
        404,
        "not_found",
        "another buyer never sees a lead they did not buy",
    )
    .await;
    app.finish().await;
}
