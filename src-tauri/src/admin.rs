//! The admin console (admins only: the server checks the role on every call; the app shows the
//! page to admins): the overview, the refund queue with each request's evidence and the
//! decision, and the audit log. Needs the network; the server computes every figure.

use leadmart_shared::wire::{
    AdminOverviewDto, AdminRefundDto, AuditEntryDto, RefundDecision, RefundDto,
};

use crate::api::Method;
use crate::error::AppError;
use crate::marketplace::path_segment;
use crate::session::SessionManager;

/// People, the 14-day trend and the financials of the last `days` days.
pub async fn overview(session: &SessionManager, days: u32) -> Result<AdminOverviewDto, AppError> {
    let query = [("days", days.to_string())];
    session
        .request(Method::GET, "v1/admin/overview", &query, None::<&()>)
        .await
}

/// The refunds waiting for a decision, oldest first, each with its evidence.
pub async fn refund_queue(session: &SessionManager) -> Result<Vec<AdminRefundDto>, AppError> {
    session
        .request(Method::GET, "v1/admin/refunds", &[], None::<&()>)
        .await
}

/// Approves (credits back, held commission reversed) or denies refund `refund_id`.
pub async fn decide_refund(
    session: &SessionManager,
    refund_id: &str,
    approve: bool,
    note: Option<String>,
) -> Result<RefundDto, AppError> {
    let path = format!("v1/admin/refunds/{}/decision", path_segment(refund_id)?);
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    session
        .request(
            Method::POST,
            &path,
            &[],
            Some(&RefundDecision { approve, note }),
        )
        .await
}

/// The latest sensitive actions, newest first.
pub async fn audit_log(session: &SessionManager) -> Result<Vec<AuditEntryDto>, AppError> {
    session
        .request(Method::GET, "v1/admin/audit", &[], None::<&()>)
        .await
}
