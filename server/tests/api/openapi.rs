//! `GET /v1/openapi.json` documents every endpoint.

use crate::harness::{Engine, spawn_app};
use crate::on_both_engines;

on_both_engines!(the_openapi_document_lists_the_endpoints);
async fn the_openapi_document_lists_the_endpoints(engine: Engine) {
    let app = spawn_app(engine).await;
    let doc = app.get_json("/v1/openapi.json", "").await;
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "an OpenAPI 3 document"
    );
    for (path, method) in [
        ("/v1/marketplace/leads/{id}/purchase", "post"),
        ("/v1/me/preferences", "put"),
        ("/v1/my/leads/{id}", "patch"),
        ("/v1/admin/refunds/{id}/decision", "post"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is documented"
        );
    }
    assert!(
        doc["paths"]["/v1/marketplace/leads/{id}/purchase"]["post"]["responses"]["4XX"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("insufficient_credits")),
        "error codes are listed"
    );
    app.finish().await;
}

on_both_engines!(every_documented_error_code_is_one_the_app_knows);
/// The document lists codes as text; each must be in the shared `ApiErrorCode` list the app
/// and the UI switch on, so the two cannot drift.
async fn every_documented_error_code_is_one_the_app_knows(engine: Engine) {
    use leadmart_shared::error_code::ApiErrorCode;
    let app = spawn_app(engine).await;
    let doc = app.get_json("/v1/openapi.json", "").await;
    let mut seen = 0;
    for operations in doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
    {
        for operation in operations.as_object().into_iter().flat_map(|o| o.values()) {
            let described = operation["responses"]["4XX"]["description"].as_str();
            let Some(codes) = described.and_then(|d| d.strip_prefix("error codes: ")) else {
                continue;
            };
            for code in codes.split(", ") {
                seen += 1;
                assert_ne!(
                    ApiErrorCode::parse(code),
                    ApiErrorCode::Unknown,
                    "{code} is documented but missing from ApiErrorCode: the UI could not name it"
                );
            }
        }
    }
    assert!(seen > 0, "the document lists error codes");
    app.finish().await;
}
