//! `GET /v1/openapi.json`.

use axum::routing::get;
use axum::{Json, Router};

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/openapi.json",
        get(|| async { Json(serde_json::json!({})) }),
    )
}
