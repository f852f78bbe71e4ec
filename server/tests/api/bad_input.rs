//! Every input through the same door: bad query strings, bad bodies, huge numbers, unknown enum
//! values, foreign ids, unknown routes and methods all answer a 4xx in the
//! `{ "error": { "code", "message" } }` shape with a JSON content type — never a 5xx, never
//! the framework's plain text.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Engine, TestApp, default_preferences, spawn_app};
use crate::on_both_engines;

/// Sends `body` (raw text) to `path` and checks the answer is a coded JSON error or a success.
async fn answer(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<String>,
) -> (u16, Value) {
    let mut request = app
        .client
        .request(method.clone(), app.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let json_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    let text = response.text().await.expect("a body");
    assert!(status < 500, "{method} {path} answered {status}: {text}");
    let body: Value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{method} {path} answered non-JSON {status}: {text}"))
    };
    if status >= 400 {
        assert!(json_type, "{method} {path}: a {status} error is JSON");
        assert!(
            body["error"]["code"]
                .as_str()
                .is_some_and(|c| !c.is_empty())
                && body["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty()),
            "{method} {path}: {status} in the error shape, got {body}"
        );
    }
    (status, body)
}

on_both_engines!(bad_query_strings_answer_coded_json);
async fn bad_query_strings_answer_coded_json(engine: Engine) {
    let app = spawn_app(engine).await;
    let agent = app.agent(10, json!({})).await;
    let cases = [
        "/v1/marketplace/leads?limit=-5",
        "/v1/marketplace/leads?limit=99999999999999",
        "/v1/marketplace/leads?limit=0",
        "/v1/marketplace/leads?budgetMin=NaN",
        "/v1/marketplace/leads?budgetMin=1e400",
        "/v1/marketplace/leads?maxPrice=-3",
        "/v1/marketplace/leads?maxPrice=0.001",
        "/v1/marketplace/leads?minScore=300",
        "/v1/marketplace/leads?minFreshness=-1",
        "/v1/marketplace/leads?sort=random",
        "/v1/marketplace/leads?urgency=someday",
        "/v1/marketplace/leads?exclusivity=both",
        "/v1/marketplace/leads?category=%20%2F",
        "/v1/marketplace/leads?cursor=zzz",
        "/v1/marketplace/leads?sort=price&cursor=n1_1",
        "/v1/marketplace/leads?hasPhone=maybe",
        "/v1/marketplace/leads?maxAgeHours=-2",
        "/v1/marketplace/leads?attributes=novalue",
        "/v1/my/leads?limit=-1",
        "/v1/my/leads?stage=bogus",
        "/v1/my/leads?cursor=abc",
        "/v1/credits/transactions?cursor=abc",
        "/v1/credits/transactions?limit=x",
        "/v1/credits/spending?months=-3",
        "/v1/admin/refunds?status=maybe",
    ];
    for path in cases {
        let (status, _) = answer(&app, Method::GET, path, &agent.token, None).await;
        assert!(
            (400..500).contains(&status),
            "{path} is refused, not {status}"
        );
    }
    for (method, path, expected) in [
        (Method::GET, "/v1/no/such/route", 404),
        (Method::DELETE, "/v1/marketplace/leads", 405),
        (Method::GET, "/v1/marketplace/leads/abc", 404),
        (
            Method::GET,
            "/v1/marketplace/leads/99999999999999999999999",
            404,
        ),
        (Method::GET, "/v1/my/leads/-4", 404),
        (Method::POST, "/v1/marketplace/leads/0/purchase", 404),
    ] {
        let (status, _) = answer(&app, method.clone(), path, &agent.token, None).await;
        assert_eq!(status, expected, "{method} {path}");
    }
    app.finish().await;
}

/// Any JSON value, nested a few levels, with the awkward numbers and strings of real clients.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        Just(json!(1e300)),
        Just(json!(u64::MAX)),
        "[a-z_]{0,12}".prop_map(Value::from),
        Just(json!("-0.001")),
        Just(json!("99999999999999999999999999999")),
        Just(json!("within_3_months")),
        Just(json!("NaN")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("email".to_owned()),
                    Just("password".to_owned()),
                    Just("packageCode".to_owned()),
                    Just("categories".to_owned()),
                    Just("serviceAreas".to_owned()),
                    Just("stage".to_owned()),
                    Just("clientMutationId".to_owned()),
                    Just("at".to_owned()),
                    Just("dealValue".to_owned()),
                    Just("body".to_owned()),
                    Just("channel".to_owned()),
                    Just("reason".to_owned()),
                    Just("below".to_owned()),
                    "[a-zA-Z]{1,8}",
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A field of a valid body replaced by an arbitrary value, or the body replaced whole.
fn mutated(valid: Value) -> BoxedStrategy<Value> {
    let keys: Vec<String> = valid
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let whole = any_json();
    if keys.is_empty() {
        return whole.boxed();
    }
    let field = (proptest::sample::select(keys), any_json()).prop_map(move |(key, value)| {
        let mut body = valid.clone();
        body[key.as_str()] = value;
        body
    });
    prop_oneof![whole, field].boxed()
}

on_both_engines!(arbitrary_bodies_never_cause_a_server_error);
async fn arbitrary_bodies_never_cause_a_server_error(engine: Engine) {
    let app = spawn_app(engine).await;
    let agent = app.agent(50, json!({})).await;
    let lead = app.lead_in("Andheri West").await;
    let bought = app.lead_in("Bandra West").await;
    assert_eq!(app.buy(&agent, &bought, None).await.status(), 201);
    let targets: Vec<(Method, String, Value)> = vec![
        (
            Method::POST,
            "/v1/auth/signin".into(),
            json!({"email": "a@b.co", "password": "x"}),
        ),
        (
            Method::POST,
            "/v1/auth/signup".into(),
            json!({"email": "n@b.co", "password": "long-enough-1", "name": "N", "role": "agent"}),
        ),
        (
            Method::POST,
            "/v1/auth/refresh".into(),
            json!({"refreshToken": "x"}),
        ),
        (
            Method::POST,
            "/v1/credits/purchase".into(),
            json!({"packageCode": "pack-10"}),
        ),
        (
            Method::PUT,
            "/v1/credits/auto-recharge".into(),
            json!({"enabled": false, "below": "5", "packageCode": "pack-50"}),
        ),
        (
            Method::PUT,
            "/v1/me/preferences".into(),
            default_preferences(),
        ),
        (
            Method::PATCH,
            format!("/v1/my/leads/{bought}"),
            json!({"stage": "contacted", "clientMutationId": "m1", "dealValue": null, "at": "2026-01-01T00:00:00Z"}),
        ),
        (
            Method::POST,
            format!("/v1/my/leads/{bought}/notes"),
            json!({"body": "hi", "clientMutationId": "m2"}),
        ),
        (
            Method::POST,
            format!("/v1/my/leads/{bought}/contacts"),
            json!({"channel": "call", "clientMutationId": "m3", "at": "2026-01-01T00:00:00Z", "note": null}),
        ),
        (
            Method::POST,
            format!("/v1/my/leads/{bought}/refund"),
            json!({"reason": "wrong_number", "note": ""}),
        ),
        (
            Method::POST,
            format!("/v1/marketplace/leads/{lead}/purchase"),
            json!({}),
        ),
    ];
    let mut runner = TestRunner::deterministic();
    for (method, path, valid) in &targets {
        let strategy = mutated(valid.clone());
        for _ in 0..24 {
            let body = strategy
                .new_tree(&mut runner)
                .expect("a generated body")
                .current();
            answer(
                &app,
                method.clone(),
                path,
                &agent.token,
                Some(body.to_string()),
            )
            .await;
        }
        // Not JSON at all, and a body of the wrong type.
        answer(
            &app,
            method.clone(),
            path,
            &agent.token,
            Some("{\"unterminated".into()),
        )
        .await;
        answer(&app, method.clone(), path, &agent.token, Some("[]".into())).await;
    }
    app.finish().await;
}
