//! The operator's own writes: marking an agent verified. (The refund queue and decisions are
//! refunds' storage, [`crate::refunds::store`].)

use crate::db::Db;
use crate::error::ApiError;
use crate::with_pool;

/// Marks agent `id` verified; `false` when no agent has that id.
pub async fn verify_agent(db: &Db, id: i64) -> Result<bool, ApiError> {
    let updated = with_pool!(db, pool => {
        sqlx::query("UPDATE users SET verified = TRUE WHERE id = $1 AND role = 'agent'")
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
    });
    Ok(updated > 0)
}
