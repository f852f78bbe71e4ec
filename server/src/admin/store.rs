//! The operator's own writes: marking an agent verified. (The refund queue and decisions are
//! refunds' storage, [`crate::refunds::store`].)

use crate::db::Tx;
use crate::error::ApiError;
use crate::with_tx;

/// Marks agent `id` verified; `false` when no agent has that id.
pub async fn verify_agent(tx: &mut Tx, id: i64) -> Result<bool, ApiError> {
    let updated = with_tx!(tx, conn => {
        sqlx::query("UPDATE users SET verified = TRUE WHERE id = $1 AND role = 'agent'")
            .bind(id)
            .execute(conn)
            .await?
            .rows_affected()
    });
    Ok(updated > 0)
}
