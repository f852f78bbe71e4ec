//! The admin console (admins only: the server checks the role on every call; the app shows the
//! page to admins): the overview, the lead inventory with bulk unlist and relist, the refund
//! queue with each request's evidence and the decision, the partners with their scores and
//! approve / suspend, and the audit log. Needs the network; the server computes every figure.

use leadmart_shared::wire::inventory::{
    InventoryFilter, InventoryPage, ListingAction, ListingChange, ListingChanged,
};
use leadmart_shared::wire::partner::{AdminPartnerDto, PartnerAction, PartnerDecision};
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

/// A page of the lead inventory meeting `filter`.
pub async fn inventory(
    session: &SessionManager,
    filter: &InventoryFilter,
) -> Result<InventoryPage, AppError> {
    fn text(value: &Option<String>) -> Option<&str> {
        value.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
    let mut query: Vec<(&str, String)> = Vec::new();
    if let Some(status) = filter.status {
        query.push(("status", crate::export::wire_name(&status)));
    }
    for (name, value) in [
        ("category", text(&filter.category)),
        ("q", text(&filter.q)),
        ("partner", text(&filter.partner)),
    ] {
        if let Some(value) = value {
            query.push((name, value.to_owned()));
        }
    }
    for (name, value) in [("offset", filter.offset), ("limit", filter.limit)] {
        if let Some(value) = value {
            query.push((name, value.to_string()));
        }
    }
    session
        .request(Method::GET, "v1/admin/leads", &query, None::<&()>)
        .await
}

/// Unlists (or lists again) the leads `lead_ids` in one change.
pub async fn change_listing(
    session: &SessionManager,
    action: ListingAction,
    lead_ids: Vec<String>,
) -> Result<ListingChanged, AppError> {
    let change = ListingChange { action, lead_ids };
    session
        .request(Method::POST, "v1/admin/leads/listing", &[], Some(&change))
        .await
}

/// Every partner with their score and review state.
pub async fn partners(session: &SessionManager) -> Result<Vec<AdminPartnerDto>, AppError> {
    session
        .request(Method::GET, "v1/admin/partners", &[], None::<&()>)
        .await
}

/// Approves, suspends or unsuspends partner `partner_id`.
pub async fn decide_partner(
    session: &SessionManager,
    partner_id: &str,
    action: PartnerAction,
) -> Result<AdminPartnerDto, AppError> {
    let path = format!("v1/admin/partners/{}/decision", path_segment(partner_id)?);
    session
        .request(Method::POST, &path, &[], Some(&PartnerDecision { action }))
        .await
}
