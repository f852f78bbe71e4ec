//! The partner's pages (seed 001 §8, §10): the dashboard with the partner score, the upload
//! history, earnings by stage and payouts. The server computes every figure; this only fetches
//! them. Needs the network.

use leadmart_shared::wire::partner::{PartnerDashboard, PartnerEarnings, PayoutDto, UploadDto};

use crate::api::Method;
use crate::error::AppError;
use crate::session::SessionManager;

/// Uploaded, listed, sold, revenue, awaiting review and the partner score with its breakdown.
pub async fn dashboard(session: &SessionManager) -> Result<PartnerDashboard, AppError> {
    session
        .request(Method::GET, "v1/partner/dashboard", &[], None::<&()>)
        .await
}

/// Every upload the server holds for the partner, with what became of its rows.
pub async fn uploads(session: &SessionManager) -> Result<Vec<UploadDto>, AppError> {
    session
        .request(Method::GET, "v1/partner/uploads", &[], None::<&()>)
        .await
}

/// Pending, held back, payable and paid commission, the next release and the payouts.
pub async fn earnings(session: &SessionManager) -> Result<PartnerEarnings, AppError> {
    session
        .request(Method::GET, "v1/partner/earnings", &[], None::<&()>)
        .await
}

/// Pays out the whole payable balance. The server refuses below the minimum
/// (`payout_below_minimum`) and without a payout provider (`payouts_not_configured`).
pub async fn request_payout(session: &SessionManager) -> Result<PayoutDto, AppError> {
    session
        .request(Method::POST, "v1/partner/payouts", &[], None::<&()>)
        .await
}
