//! The audit log's SQL.

use chrono::{DateTime, Utc};
use leadmart_shared::wire::{AuditAction, AuditEntryDto};

use crate::db::{Tx, enum_from_column, enum_to_column};
use crate::error::ApiError;
use crate::with_tx;

pub async fn insert(
    tx: &mut Tx,
    actor: i64,
    action: AuditAction,
    subject: &str,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    with_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO audit_log (at, actor_id, action, subject, detail) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(now)
        .bind(actor)
        .bind(enum_to_column(&action))
        .bind(subject)
        .bind(detail)
        .execute(conn)
        .await
        .map(|_| ())?
    });
    Ok(())
}

type EntryRow = (i64, DateTime<Utc>, String, String, String, String);

/// The newest `limit` entries, with the actor's name.
pub async fn latest(tx: &mut Tx, limit: i64) -> Result<Vec<AuditEntryDto>, ApiError> {
    let rows: Vec<EntryRow> = with_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT a.id, a.at, u.name, a.action, a.subject, a.detail FROM audit_log a \
             JOIN users u ON u.id = a.actor_id ORDER BY a.id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(conn)
        .await?
    });
    rows.into_iter()
        .map(|(id, at, actor, action, subject, detail)| {
            Ok(AuditEntryDto {
                id: id.to_string(),
                at,
                actor,
                action: enum_from_column(&action)?,
                subject,
                detail,
            })
        })
        .collect()
}
