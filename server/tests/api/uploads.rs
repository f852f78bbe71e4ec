//! Partner uploads: a job, chunks stored once and validated again by the server, progress that
//! survives another process, dedupe against the whole inventory, rejected rows as CSV, the
//! partner's first leads listed and routed and later ones held for review, suspension.

use leadmart_server::with_pool;
use leadmart_shared::account::Role;
use leadmart_shared::wire::partner::{ChunkReceipt, UploadDto, UploadStatus};
use serde_json::{Value, json};

use crate::harness::{Engine, TestApp, User, assert_error, spawn_app};
use crate::on_both_engines;

/// The columns every test upload declares, in file order.
pub fn columns() -> Value {
    json!([
        {"header": "Name", "field": "full_name"},
        {"header": "Email", "field": "email"},
        {"header": "Phone", "field": "phone"},
        {"header": "City", "field": "city"},
        {"header": "State", "field": "region"},
        {"header": "Budget", "field": "budget_max"},
        {"header": "Notes", "field": null}
    ])
}

/// A good row numbered `i`: a unique person in Mumbai (every test agent serves Mumbai).
pub fn row(line: u32, i: u32) -> Value {
    json!({"line": line, "cells": [
        format!("Person {i}"),
        format!("person{i}@acme-realty.in"),
        format!("+91 98200 {:05}", 10_000 + i),
        "Mumbai", "Maharashtra", "90L", "note"
    ]})
}

pub fn hash_of(name: &str) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for b in name.bytes().cycle().take(32) {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Creates an upload of file `name` (category `real-estate/buy`) and returns it.
pub async fn create(app: &TestApp, partner: &User, name: &str, rows: u32) -> UploadDto {
    let response = app
        .post(
            "/v1/partner/uploads",
            &partner.token,
            &json!({"fileName": name, "category": "real-estate/buy", "columns": columns(),
                    "rowCount": rows, "contentHash": hash_of(name)}),
        )
        .await;
    assert_eq!(response.status(), 201, "a new upload job is created");
    response.json().await.expect("UploadDto")
}

pub async fn put_chunk(
    app: &TestApp,
    partner: &User,
    upload: &str,
    n: u32,
    rows: &[Value],
) -> reqwest::Response {
    app.put(
        &format!("/v1/partner/uploads/{upload}/chunks/{n}"),
        &partner.token,
        &json!({ "rows": rows }),
    )
    .await
}

pub async fn chunk_ok(
    app: &TestApp,
    partner: &User,
    upload: &str,
    n: u32,
    rows: &[Value],
) -> ChunkReceipt {
    let response = put_chunk(app, partner, upload, n, rows).await;
    assert_eq!(response.status(), 200, "chunk {n} is taken");
    response.json().await.expect("ChunkReceipt")
}

async fn scalar(app: &TestApp, sql: &'static str, id: i64) -> i64 {
    with_pool!(&app.db, pool => {
        sqlx::query_scalar(sql).bind(id).fetch_one(pool).await.expect("count")
    })
}

on_both_engines!(chunks_are_validated_stored_once_and_resumable);
async fn chunks_are_validated_stored_once_and_resumable(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.user(Role::Partner, true).await;
    let agent = app.agent(0, json!({})).await;
    let upload = create(&app, &partner, "leads.csv", 6).await;
    assert_eq!(
        (upload.status, upload.acknowledged_chunks.len()),
        (UploadStatus::Open, 0)
    );
    // The same file again resumes the open job.
    let again = app
        .post(
            "/v1/partner/uploads",
            &partner.token,
            &json!({"fileName": "leads.csv", "category": null, "columns": columns(),
                    "rowCount": 6, "contentHash": hash_of("leads.csv")}),
        )
        .await;
    assert_eq!(again.status(), 200, "the open job of the same file");
    let again: UploadDto = again.json().await.expect("UploadDto");
    assert_eq!(again.id, upload.id);

    // A client that says a row is fine is not believed: bad email, no contact, duplicate.
    let mut bad_email = row(3, 2);
    bad_email["cells"][1] = json!("not-an-email");
    let platform_email: String = with_pool!(&app.db, pool => {
        sqlx::query_scalar(
            "SELECT contact_email FROM leads WHERE partner_id IS NULL \
             AND contact_email IS NOT NULL ORDER BY id LIMIT 1",
        )
        .fetch_one(pool)
        .await
        .expect("a demo lead with an email")
    });
    let mut of_platform = row(5, 4);
    of_platform["cells"][1] = json!(platform_email);
    let first = [row(2, 1), bad_email, row(4, 1), of_platform];
    let receipt = chunk_ok(&app, &partner, &upload.id, 0, &first).await;
    assert!(!receipt.replayed);
    assert_eq!(
        (
            receipt.counts.rows,
            receipt.counts.accepted,
            receipt.counts.rejected,
            receipt.counts.duplicates,
            receipt.counts.listed
        ),
        (4, 1, 1, 2, 1),
        "one good row; the bad email rejected; a copy of row 2 and a platform lead's email are duplicates"
    );
    // Sent again: the first answer, nothing stored twice.
    let replay = chunk_ok(&app, &partner, &upload.id, 0, &first).await;
    assert!(
        replay.replayed,
        "a chunk sent twice is answered from the first"
    );
    assert_eq!(replay.counts, receipt.counts);
    let upload_id: i64 = upload.id.parse().expect("numeric id");
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM leads WHERE upload_id = $1",
            upload_id
        )
        .await,
        1,
        "the chunk's lead is stored once"
    );
    assert_error(
        put_chunk(&app, &partner, &upload.id, 0, &[row(2, 9)]).await,
        409,
        "chunk_conflict",
        "chunk 0 again with other rows",
    )
    .await;
    // Chunk 1 repeats row 2's person (an earlier chunk of this file) and adds a new one.
    let second = [row(6, 1), row(7, 5)];
    let receipt = chunk_ok(&app, &partner, &upload.id, 1, &second).await;
    assert_eq!((receipt.counts.accepted, receipt.counts.duplicates), (1, 1));

    // Another process (a restarted server) on the same database knows where to resume.
    let other = app.other_process(crate::harness::dev_providers).await;
    let progress: UploadDto = app
        .client
        .get(format!(
            "{}/v1/partner/uploads/{}",
            other.base_url, upload.id
        ))
        .bearer_auth(&partner.token)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("UploadDto");
    other.finish().await;
    assert_eq!(progress.acknowledged_chunks, [0, 1]);
    assert_eq!(
        (
            progress.counts.rows,
            progress.counts.accepted,
            progress.counts.rejected
        ),
        (6, 2, 1)
    );

    // Rejected rows with their reasons, as CSV.
    let csv = app
        .get(
            &format!("/v1/partner/uploads/{}/rejections.csv", upload.id),
            &partner.token,
        )
        .await;
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/csv")
    );
    let csv = csv.text().await.expect("text");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "Name,Email,Phone,City,State,Budget,Notes,line,reasons"
    );
    assert_eq!(lines.len(), 5, "header and four rejected rows: {csv}");
    assert!(csv.contains("not-an-email") && csv.contains("not a valid email address"));
    assert!(csv.contains("duplicate of a lead already on the marketplace"));
    assert!(csv.contains("duplicate of row 2"));

    // Only the owner sees the upload; agents are not partners.
    let stranger = app.user(Role::Partner, true).await;
    assert_error(
        app.get(
            &format!("/v1/partner/uploads/{}", upload.id),
            &stranger.token,
        )
        .await,
        404,
        "not_found",
        "another partner's upload",
    )
    .await;
    assert_error(
        put_chunk(&app, &stranger, &upload.id, 2, &[row(8, 7)]).await,
        404,
        "not_found",
        "another partner's upload takes no chunks",
    )
    .await;
    assert_error(
        app.get("/v1/partner/uploads", &agent.token).await,
        403,
        "forbidden",
        "agents have no uploads",
    )
    .await;

    // The listed leads were routed: the Mumbai agent heard of both.
    let matched = scalar(
        &app,
        "SELECT COUNT(*) FROM events e JOIN leads l ON l.id = e.lead_id \
         WHERE e.kind = 'lead.matched' AND l.upload_id = $1",
        upload_id,
    )
    .await;
    assert!(
        matched >= 2,
        "each listed lead reached a matching agent: {matched}"
    );

    // Completed: no more chunks, but a retry of a stored chunk still gets its answer.
    let done = app
        .post(
            &format!("/v1/partner/uploads/{}/complete", upload.id),
            &partner.token,
            &json!({}),
        )
        .await;
    assert_eq!(done.status(), 200);
    let done: UploadDto = done.json().await.expect("UploadDto");
    assert_eq!(done.status, UploadStatus::Completed);
    assert!(
        chunk_ok(&app, &partner, &upload.id, 1, &second)
            .await
            .replayed
    );
    assert_error(
        put_chunk(&app, &partner, &upload.id, 2, &[row(8, 7)]).await,
        409,
        "upload_closed",
        "a completed upload takes no new chunks",
    )
    .await;

    // A later upload of the same people: the partner's own earlier rows count; another
    // partner's copy is a duplicate of the marketplace's lead.
    let later = create(&app, &partner, "later.csv", 1).await;
    let receipt = chunk_ok(&app, &partner, &later.id, 0, &[row(2, 1)]).await;
    assert_eq!(receipt.counts.duplicates, 1);
    let csv = app
        .get(
            &format!("/v1/partner/uploads/{}/rejections.csv", later.id),
            &partner.token,
        )
        .await
        .text()
        .await
        .expect("csv");
    assert!(csv.contains("in one of your earlier uploads"), "{csv}");
    let theirs = create(&app, &stranger, "theirs.csv", 1).await;
    let receipt = chunk_ok(&app, &stranger, &theirs.id, 0, &[row(2, 1)]).await;
    assert_eq!(receipt.counts.duplicates, 1);

    // A platform-owned lead of a person the partner uploaded (unsold) wins: the partner's
    // lead leaves the marketplace.
    let admin = app.user(Role::Admin, true).await;
    let platform = app
        .post(
            "/v1/admin/leads",
            &admin.token,
            &json!({"category": "real-estate/buy", "title": "2BHK in Andheri", "country": "IN",
                    "region": "Maharashtra", "city": "Mumbai", "budgetMin": "5000000",
                    "budgetMax": "9000000", "name": "Person 5",
                    "email": "person5@acme-realty.in"}),
        )
        .await;
    assert_eq!(platform.status(), 201);
    let status: String = with_pool!(&app.db, pool => {
        sqlx::query_scalar("SELECT status FROM leads WHERE contact_email = $1 AND partner_id = $2")
            .bind("person5@acme-realty.in")
            .bind(partner.id)
            .fetch_one(pool)
            .await
            .expect("the partner's lead")
    });
    assert_eq!(
        status, "withdrawn",
        "platform-owned leads win over partner uploads"
    );
    app.finish().await;
}

on_both_engines!(the_first_hundred_list_then_an_admin_reviews_and_may_suspend);
async fn the_first_hundred_list_then_an_admin_reviews_and_may_suspend(engine: Engine) {
    let app = spawn_app(engine).await;
    let partner = app.user(Role::Partner, true).await;
    let admin = app.user(Role::Admin, true).await;
    let upload = create(&app, &partner, "big.csv", 105).await;
    let rows: Vec<Value> = (0..105).map(|i| row(i + 2, i)).collect();
    let receipt = chunk_ok(&app, &partner, &upload.id, 0, &rows).await;
    assert_eq!(
        (
            receipt.counts.accepted,
            receipt.counts.listed,
            receipt.counts.awaiting_review
        ),
        (105, 100, 5),
        "the first 100 leads list without review"
    );
    let dashboard = app.get_json("/v1/partner/dashboard", &partner.token).await;
    assert_eq!(
        (
            dashboard["review"].as_str(),
            dashboard["listed"].as_u64(),
            dashboard["awaitingReview"].as_u64()
        ),
        (Some("pending"), Some(100), Some(5))
    );
    let partner_id = partner.id;
    let listed = |app: &TestApp| {
        let db = app.db.clone();
        async move {
            let n: i64 = with_pool!(&db, pool => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM leads WHERE partner_id = $1 AND status = 'listed'",
                )
                .bind(partner_id)
                .fetch_one(pool)
                .await
                .expect("count")
            });
            n
        }
    };
    assert_eq!(listed(&app).await, 100);

    let partners = app.get_json("/v1/admin/partners", &admin.token).await;
    let partner_id_text = partner.id.to_string();
    let me = partners
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|p| p["id"].as_str() == Some(partner_id_text.as_str()))
        })
        .expect("the partner is listed for admins");
    assert_eq!(me["review"], "pending");
    assert_eq!(me["score"]["breakdown"].as_array().map(Vec::len), Some(3));

    let path = format!("/v1/admin/partners/{}/decision", partner.id);
    let decide = |action: &str| json!({ "action": action });
    assert_error(
        app.post(&path, &partner.token, &decide("approve")).await,
        403,
        "forbidden",
        "only admins review partners",
    )
    .await;
    let approved = app.post(&path, &admin.token, &decide("approve")).await;
    assert_eq!(approved.status(), 200);
    assert_eq!(listed(&app).await, 105, "approval lists the drafts");

    let suspended = app.post(&path, &admin.token, &decide("suspend")).await;
    assert_eq!(suspended.status(), 200);
    let body: Value = suspended.json().await.expect("json");
    assert_eq!(body["review"], "suspended");
    assert_eq!(
        listed(&app).await,
        0,
        "a suspended partner's leads leave the marketplace"
    );
    assert_error(
        app.post(
            "/v1/partner/uploads",
            &partner.token,
            &json!({"fileName": "more.csv", "category": null, "columns": columns(),
                    "rowCount": 1, "contentHash": hash_of("more.csv")}),
        )
        .await,
        403,
        "partner_suspended",
        "a suspended partner uploads nothing",
    )
    .await;
    assert_eq!(
        app.post(&path, &admin.token, &decide("unsuspend"))
            .await
            .status(),
        200
    );
    assert_eq!(listed(&app).await, 105, "unsuspended, they are back");
    app.finish().await;
}

/// MillionVerifier stands in here as a local HTTP server answering its documented `result`
/// values; each maps to the marketplace's status, and an unreachable service leaves `pending`.
#[tokio::test]
async fn millionverifier_results_become_verification_statuses() {
    use leadmart_server::uploads::verify::{EmailVerification, MillionVerifier};
    use leadmart_shared::contact::Email;
    use leadmart_shared::lead::VerificationStatus as V;
    let service = axum::Router::new().route(
        "/api/v3/",
        axum::routing::get(
            |axum::extract::Query(q): axum::extract::Query<
                std::collections::HashMap<String, String>,
            >| async move {
                let email = q.get("email").cloned().unwrap_or_default();
                let result = email.split('@').next().unwrap_or_default().to_owned();
                assert_eq!(q.get("api").map(String::as_str), Some("test-key"));
                axum::Json(json!({"email": email, "result": result, "quality": ""}))
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, service).await;
    });
    let verifier = EmailVerification::MillionVerifier(std::sync::Arc::new(MillionVerifier::new(
        &base, "test-key",
    )));
    let emails: Vec<Email> = [
        "ok",
        "catch_all",
        "unknown",
        "invalid",
        "disposable",
        "error",
    ]
    .iter()
    .map(|r| Email::parse(&format!("{r}@acme.in")).expect("email"))
    .collect();
    let mut asked: Vec<Option<&Email>> = emails.iter().map(Some).collect();
    asked.push(None);
    assert_eq!(
        verifier.verify_all(&asked).await,
        [
            V::Valid,
            V::CatchAll,
            V::Risky,
            V::Invalid,
            V::Invalid,
            V::Pending,
            V::Pending
        ]
    );
    server.abort();
    let _ = server.await;
    let unreachable = EmailVerification::MillionVerifier(std::sync::Arc::new(
        MillionVerifier::new(&base, "test-key"),
    ));
    assert_eq!(
        unreachable.verify_all(&[Some(&emails[0])]).await,
        [V::Pending],
        "nothing learned, nothing claimed"
    );
    assert_eq!(
        EmailVerification::NotConfigured
            .verify_all(&[Some(&emails[0])])
            .await,
        [V::Pending],
        "without a chosen provider nothing is verified"
    );
}

on_both_engines!(the_demo_partner_has_a_past_upload_to_show);
async fn the_demo_partner_has_a_past_upload_to_show(engine: Engine) {
    let app = crate::harness::spawn_app_seeded(engine, 60).await;
    let token = app
        .sign_in(
            leadmart_server::demo::DEMO_PARTNER_EMAIL,
            leadmart_server::demo::DEMO_PASSWORD,
        )
        .await;
    let uploads: Vec<UploadDto> = app
        .get("/v1/partner/uploads", &token)
        .await
        .json()
        .await
        .expect("uploads");
    assert_eq!(uploads.len(), 1, "one past upload");
    let past = &uploads[0];
    assert_eq!(past.status, UploadStatus::Completed);
    assert!(past.counts.accepted >= 20 && past.counts.rejected == 2 && past.counts.duplicates == 1);
    let csv = app
        .get(
            &format!("/v1/partner/uploads/{}/rejections.csv", past.id),
            &token,
        )
        .await
        .text()
        .await
        .expect("csv");
    assert_eq!(
        csv.lines().count(),
        4,
        "a header and three rejected rows: {csv}"
    );
    let dashboard = app.get_json("/v1/partner/dashboard", &token).await;
    assert_eq!(dashboard["review"], "approved");
    assert!(
        dashboard["score"]["score"].as_u64().is_some_and(|s| s > 50),
        "{dashboard}"
    );
    app.finish().await;
}
