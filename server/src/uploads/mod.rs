//! Partner uploads (seed 001 §3): resumable chunked upload jobs. A partner creates a job with
//! the file's mapping (`POST /v1/partner/uploads`), sends its rows in numbered chunks
//! (`PUT …/{id}/chunks/{n}`: a chunk sent twice is stored once; each is validated again here,
//! see [`ingest`]), reads progress to resume after the last acknowledged chunk (`GET …/{id}`),
//! completes or cancels it, and downloads the rejected rows with their reasons
//! (`GET …/{id}/rejections.csv`). Every state lives in the database, so an upload survives a
//! restart of the server or the app. Only the partner who owns an upload sees it.

pub mod ingest;
pub mod store;
pub mod verify;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use leadmart_shared::account::Role;
use leadmart_shared::lead::Category;
use leadmart_shared::wire::ApiErrorBody;
use leadmart_shared::wire::partner::{
    ChunkReceipt, NewUpload, UploadChunk, UploadDto, UploadStatus,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::AuthUser;
use crate::error::{ApiError, JsonBody};
use crate::marketplace::parse_id;
use crate::{AppState, db};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_upload, list_uploads))
        .routes(routes!(get_upload))
        .routes(routes!(put_chunk))
        .routes(routes!(complete_upload))
        .routes(routes!(cancel_upload))
        .routes(routes!(rejections_csv))
}

/// The longest file name and the most columns an upload may declare.
const MAX_FILE_NAME: usize = 500;
const MAX_COLUMNS: usize = 200;

fn check_new(new: &NewUpload) -> Result<(), ApiError> {
    let name = new.file_name.trim();
    if name.is_empty() || name.chars().count() > MAX_FILE_NAME {
        return Err(ApiError::validation(format!(
            "fileName: 1 to {MAX_FILE_NAME} characters"
        )));
    }
    if new.columns.is_empty() || new.columns.len() > MAX_COLUMNS {
        return Err(ApiError::validation(format!(
            "columns: 1 to {MAX_COLUMNS} columns"
        )));
    }
    if new.columns.iter().all(|c| c.field.is_none()) {
        return Err(ApiError::validation(
            "columns: no column is mapped to a lead field",
        ));
    }
    if new.content_hash.len() != 64
        || !new
            .content_hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(ApiError::validation(
            "contentHash: the file's SHA-256 as 64 lower-case hex digits",
        ));
    }
    if let Some(category) = &new.category {
        Category::parse(category).map_err(|e| ApiError::validation(format!("category: {e}")))?;
    }
    Ok(())
}

/// Upload `raw_id` of `partner`; `not_found` for another partner's.
async fn owned(
    state: &AppState,
    partner: &AuthUser,
    raw_id: &str,
) -> Result<store::StoredUpload, ApiError> {
    partner.require(Role::Partner)?;
    let id = parse_id(raw_id, "upload")?;
    store::owned_upload(&state.db, id, partner.id)
        .await?
        .ok_or_else(|| ApiError::not_found("upload"))
}

/// Starts an upload job, or resumes the partner's open job of the same file (same content hash).
#[utoipa::path(
    post,
    path = "/partner/uploads",
    tag = "partner",
    request_body = NewUpload,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "A new upload job", body = UploadDto),
        (status = 200, description = "The open job of the same file, to resume", body = UploadDto),
        (status = "4XX", description = "error codes: unauthorized, forbidden, validation, partner_suspended", body = ApiErrorBody),
    )
)]
async fn create_upload(
    State(state): State<AppState>,
    partner: AuthUser,
    JsonBody(new): JsonBody<NewUpload>,
) -> Result<(StatusCode, Json<UploadDto>), ApiError> {
    partner.require(Role::Partner)?;
    check_new(&new)?;
    if crate::partners::store::is_suspended(&state.db, partner.id).await? {
        return Err(ingest::partner_suspended());
    }
    if let Some(open) = store::open_upload_of_file(&state.db, partner.id, &new.content_hash).await?
    {
        return Ok((
            StatusCode::OK,
            Json(store::upload_dto(&state.db, &open).await?),
        ));
    }
    let row = store::insert_upload(
        &state.db,
        &store::NewUploadRow {
            partner_id: partner.id,
            file_name: new.file_name.trim(),
            category: new.category.as_deref(),
            columns: &new.columns,
            row_count: new.row_count,
            content_hash: &new.content_hash,
        },
        db::now(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(store::upload_dto(&state.db, &row).await?),
    ))
}

/// The partner's uploads, newest first (at most 100): the upload history.
#[utoipa::path(
    get,
    path = "/partner/uploads",
    tag = "partner",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The uploads", body = Vec<UploadDto>),
        (status = "4XX", description = "error codes: unauthorized, forbidden", body = ApiErrorBody),
    )
)]
async fn list_uploads(
    State(state): State<AppState>,
    partner: AuthUser,
) -> Result<Json<Vec<UploadDto>>, ApiError> {
    partner.require(Role::Partner)?;
    let mut uploads = Vec::new();
    for row in store::uploads_of(&state.db, partner.id, 100).await? {
        uploads.push(store::upload_dto(&state.db, &row).await?);
    }
    Ok(Json(uploads))
}

/// An upload's progress: the chunks the server holds (resume after them) and their totals.
#[utoipa::path(
    get,
    path = "/partner/uploads/{id}",
    tag = "partner",
    params(("id" = String, Path, pattern = r"^[0-9]+$", description = "The upload's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The upload", body = UploadDto),
        (status = "4XX", description = "error codes: unauthorized, forbidden, not_found", body = ApiErrorBody),
    )
)]
async fn get_upload(
    State(state): State<AppState>,
    partner: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<UploadDto>, ApiError> {
    let upload = owned(&state, &partner, &id).await?;
    Ok(Json(store::upload_dto(&state.db, &upload).await?))
}

/// Chunk `n` (from 0) of an upload's rows. Sent again with the same rows, it answers its first
/// counts (`replayed`) and stores nothing twice.
#[utoipa::path(
    put,
    path = "/partner/uploads/{id}/chunks/{n}",
    tag = "partner",
    params(
        ("id" = String, Path, pattern = r"^[0-9]+$", description = "The upload's id"),
        ("n" = String, Path, pattern = r"^[0-9]+$", description = "The chunk's number, from 0"),
    ),
    request_body = UploadChunk,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What the chunk's rows became", body = ChunkReceipt),
        (status = "4XX", description = "error codes: unauthorized, forbidden, not_found, validation, upload_closed, chunk_conflict, partner_suspended", body = ApiErrorBody),
    )
)]
async fn put_chunk(
    State(state): State<AppState>,
    partner: AuthUser,
    Path((id, n)): Path<(String, String)>,
    JsonBody(chunk): JsonBody<UploadChunk>,
) -> Result<Json<ChunkReceipt>, ApiError> {
    let upload = owned(&state, &partner, &id).await?;
    let n: u32 = n.parse().map_err(|_| ApiError::not_found("chunk number"))?;
    if upload.status()? != UploadStatus::Open {
        // A chunk already stored still answers its counts: a retry after a completion.
        if let Some(stored) = store::chunk(&state.db, upload.id, i64::from(n)).await?
            && stored.body_hash == ingest::chunk_hash(&chunk)?
        {
            return Ok(Json(ChunkReceipt {
                upload_id: upload.id.to_string(),
                chunk: n,
                counts: stored.counts(),
                replayed: true,
            }));
        }
        return Err(ingest::upload_closed());
    }
    Ok(Json(
        ingest::ingest_chunk(&state, &upload, n, &chunk, db::now()).await?,
    ))
}

async fn close(
    state: &AppState,
    partner: &AuthUser,
    id: &str,
    status: UploadStatus,
) -> Result<Json<UploadDto>, ApiError> {
    let upload = owned(state, partner, id).await?;
    if !store::close_upload(&state.db, upload.id, status, db::now()).await? {
        let current = upload.status()?;
        // Completing a completed upload (a retry) answers it again; anything else is refused.
        if current != status {
            return Err(ingest::upload_closed());
        }
    }
    let upload = store::owned_upload(&state.db, upload.id, partner.id)
        .await?
        .ok_or_else(|| ApiError::not_found("upload"))?;
    Ok(Json(store::upload_dto(&state.db, &upload).await?))
}

/// Marks the upload complete: it takes no more chunks.
#[utoipa::path(
    post,
    path = "/partner/uploads/{id}/complete",
    tag = "partner",
    params(("id" = String, Path, pattern = r"^[0-9]+$", description = "The upload's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The completed upload", body = UploadDto),
        (status = "4XX", description = "error codes: unauthorized, forbidden, not_found, upload_closed", body = ApiErrorBody),
    )
)]
async fn complete_upload(
    State(state): State<AppState>,
    partner: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<UploadDto>, ApiError> {
    close(&state, &partner, &id, UploadStatus::Completed).await
}

/// Cancels the upload: no more chunks; leads already listed stay listed.
#[utoipa::path(
    post,
    path = "/partner/uploads/{id}/cancel",
    tag = "partner",
    params(("id" = String, Path, pattern = r"^[0-9]+$", description = "The upload's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The cancelled upload", body = UploadDto),
        (status = "4XX", description = "error codes: unauthorized, forbidden, not_found, upload_closed", body = ApiErrorBody),
    )
)]
async fn cancel_upload(
    State(state): State<AppState>,
    partner: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<UploadDto>, ApiError> {
    close(&state, &partner, &id, UploadStatus::Cancelled).await
}

/// The rows the server rejected, as sent, with `line` and `reasons` columns (UTF-8 CSV).
#[utoipa::path(
    get,
    path = "/partner/uploads/{id}/rejections.csv",
    tag = "partner",
    params(("id" = String, Path, pattern = r"^[0-9]+$", description = "The upload's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The rejected rows", body = String, content_type = "text/csv"),
        (status = "4XX", description = "error codes: unauthorized, forbidden, not_found", body = ApiErrorBody),
    )
)]
async fn rejections_csv(
    State(state): State<AppState>,
    partner: AuthUser,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let upload = owned(&state, &partner, &id).await?;
    let columns = upload.columns()?;
    let mut out = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let header: Vec<&str> = columns
        .iter()
        .map(|c| c.header.as_str())
        .chain(["line", "reasons"])
        .collect();
    out.write_record(&header).map_err(ApiError::corrupt)?;
    for (line, cells, reasons) in store::rejections(&state.db, upload.id).await? {
        let mut record: Vec<String> = serde_json::from_str(&cells).map_err(ApiError::corrupt)?;
        // Short rows are padded so every record has the header's width.
        record.resize(record.len().max(columns.len()), String::new());
        record.push(line.to_string());
        record.push(reasons);
        out.write_record(&record).map_err(ApiError::corrupt)?;
    }
    let body = out.into_inner().map_err(ApiError::corrupt)?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body))
}
