//! Buying a lead. Each purchase attempt gets an `Idempotency-Key` kept in the cache until the
//! server answers, so a retry after a lost answer (timeout, dropped connection, app restart)
//! replays the first purchase instead of paying twice. Buying needs the network.

use chrono::{DateTime, Utc};
use leadmart_shared::wire::PurchaseResponse;

use crate::api::{ApiError, Method};
use crate::cache::Cache;
use crate::error::AppError;
use crate::marketplace::path_segment;
use crate::session::SessionManager;

pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// Buys `lead_id`; on success the lead, with its contact details, is saved for offline use.
pub async fn purchase(
    session: &SessionManager,
    cache: &Cache,
    lead_id: &str,
    now: DateTime<Utc>,
) -> Result<PurchaseResponse, AppError> {
    let path = format!("v1/marketplace/leads/{}/purchase", path_segment(lead_id)?);
    let key = cache
        .purchase_attempt_key(lead_id, || uuid::Uuid::new_v4().to_string(), now)
        .await?;
    let mut answer = attempt(session, &path, &key).await;
    if matches!(answer, Err(AppError::Offline { .. })) {
        // One quick retry with the same key: a dropped answer is replayed, not charged again.
        tokio::time::sleep(RETRY_AFTER).await;
        answer = attempt(session, &path, &key).await;
    }
    match &answer {
        Ok(bought) => {
            cache
                .save_purchased(std::slice::from_ref(&bought.purchase))
                .await?;
            cache.finish_purchase_attempt(lead_id).await?;
        }
        // The server may or may not have charged: keep the key for the retry.
        Err(AppError::Offline { .. }) => {}
        // A refusal (or a signed-out user) stored nothing on the server: the next try is new.
        Err(_) => cache.finish_purchase_attempt(lead_id).await?,
    }
    answer.map_err(|err| match err {
        AppError::Offline { .. } => AppError::Offline {
            message: "Buying a lead needs a connection to the marketplace. You were not charged twice: try again when you are back online.".to_owned(),
        },
        other => other,
    })
}

const RETRY_AFTER: std::time::Duration = std::time::Duration::from_millis(400);

async fn attempt(
    session: &SessionManager,
    path: &str,
    key: &str,
) -> Result<PurchaseResponse, AppError> {
    let api = session.api();
    session
        .call_signed_in(|token| async move { send(api, path, &token, key).await })
        .await
}

async fn send(
    api: &crate::api::ApiClient,
    path: &str,
    token: &str,
    key: &str,
) -> Result<PurchaseResponse, ApiError> {
    api.send_with_headers(
        Method::POST,
        path,
        Some(token),
        &[],
        None::<&()>,
        &[(IDEMPOTENCY_HEADER, key)],
    )
    .await
}
