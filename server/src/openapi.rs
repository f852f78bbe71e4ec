//! `GET /v1/openapi.json`: the API described from the handlers' own `#[utoipa::path]`
//! attributes and the wire DTOs' `ToSchema` derives (`leadmart_shared::wire`, feature
//! `openapi`). The document comes out of the same `OpenApiRouter` that serves the routes
//! ([`crate::api`]), so a route cannot be served undocumented or documented unserved.
//!
//! Each operation's `4XX` (and, for the payment provider, `5XX`) response lists the error codes
//! it can answer as `error codes: a, b, c`; a test checks each is an `ApiErrorCode`.

use std::sync::OnceLock;

use axum::Json;
use leadmart_shared::wire::{ApiErrorBody, ApiErrorDetail};
use utoipa::Modify;
use utoipa::OpenApi as _;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

/// Name of the bearer-token security scheme that authenticated operations require.
pub const BEARER: &str = "bearer";

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Leadmart central API",
        description = "Errors are `{ error: { code, message } }`. Authenticate with \
                       `Authorization: Bearer <accessToken>`. Money and 64-bit ids are strings."
    ),
    components(schemas(ApiErrorBody, ApiErrorDetail)),
    modifiers(&BearerScheme)
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The `accessToken` of sign-in, sign-up or refresh"))
                    .build(),
            ),
        );
    }
}

/// The whole document, built once from the router it describes.
pub fn document() -> &'static OpenApi {
    static DOCUMENT: OnceLock<OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(|| crate::api().into_openapi())
}

/// The header fields and info of the document before any path is added.
pub fn base() -> OpenApi {
    ApiDoc::openapi()
}

/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    responses((status = 200, description = "An OpenAPI 3.1 document", body = Object))
)]
pub async fn openapi_json() -> Json<&'static OpenApi> {
    Json(document())
}
