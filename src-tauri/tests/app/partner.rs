//! The partner's pages against a real server: the dashboard with the partner score, the upload
//! history from the demo's past upload, earnings after an agent buys one of the partner's leads
//! (held back, nothing payable yet), and a payout refused below the minimum with its code.

use leadmart_app::error::AppError;
use leadmart_app::marketplace::{self, BrowseFilters};
use leadmart_app::{partner, purchases};
use leadmart_shared::error_code::ApiErrorCode;
use leadmart_shared::wire::partner::UploadStatus;
use rust_decimal::Decimal;

use crate::support::{signed_in_agent, signed_in_partner, start_server_with_partner_leads};

/// Generated demo leads (some of them the demo partner's, some real estate in Mumbai, where
/// the demo agent buys).
const PARTNER_LEADS: usize = 30;

/// The demo partner's leads on the marketplace, read from the server's database (no API tells
/// a buyer whose lead is whose).
async fn partner_lead_ids(dir: &std::path::Path) -> Vec<String> {
    let url = format!("sqlite://{}?mode=ro", dir.join("server.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("server db");
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM leads WHERE partner_id IS NOT NULL")
        .fetch_all(&pool)
        .await
        .expect("partner leads");
    pool.close().await;
    ids.into_iter().map(|id| id.to_string()).collect()
}

#[tokio::test]
async fn the_partner_sees_their_uploads_score_and_held_back_earnings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server_with_partner_leads(dir.path(), PARTNER_LEADS).await;
    let partner_dir = dir.path().join("partner");
    let session = signed_in_partner(&partner_dir, &server).await;

    let theirs = partner_lead_ids(dir.path()).await;
    let uploads = partner::uploads(&session).await.expect("uploads");
    assert_eq!(uploads.len(), 1, "the demo's past upload: {uploads:?}");
    let past = &uploads[0];
    assert_eq!(past.file_name, "prime-leads-export.csv");
    assert_eq!(past.status, UploadStatus::Completed);
    assert_eq!(
        (
            past.counts.accepted,
            past.counts.rejected,
            past.counts.duplicates
        ),
        (u32::try_from(theirs.len()).expect("small"), 2, 1),
        "every lead of the partner came from it; two rows rejected for a bad email or phone, \
         one as a duplicate"
    );

    let dashboard = partner::dashboard(&session).await.expect("dashboard");
    assert!(
        dashboard.uploaded >= past.row_count && dashboard.listed > 0,
        "the totals include the past upload (and the demo's earlier history): {dashboard:?}"
    );
    assert_eq!(dashboard.sold, 0, "nothing sold yet");
    assert_eq!(dashboard.revenue, Decimal::ZERO);
    let labels: Vec<&str> = dashboard
        .score
        .breakdown
        .iter()
        .map(|s| s.label.as_str())
        .collect();
    assert_eq!(
        labels,
        ["Verification pass rate", "Unique rows", "Sell-through"],
        "the partner score comes with its breakdown"
    );
    let points: i32 = dashboard.score.breakdown.iter().map(|s| s.points).sum();
    assert_eq!(
        i32::from(dashboard.score.score),
        points.clamp(0, 100),
        "the score is the sum of its signals"
    );

    let before = partner::earnings(&session).await.expect("earnings");
    assert_eq!(before.currency, "INR");
    assert_eq!(
        (before.held, before.payable, before.paid),
        (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO)
    );
    assert!(before.minimum_payout > Decimal::ZERO && !before.payout_due);

    // The demo agent buys one of the partner's leads among those that match them.
    let agent_dir = dir.path().join("agent");
    let (cache, agent) = signed_in_agent(&agent_dir, &server).await;
    let filters = BrowseFilters {
        matching: true,
        ..BrowseFilters::default()
    };
    let page = marketplace::browse(&agent, &cache, &filters)
        .await
        .expect("browse");
    let lead = page
        .leads
        .iter()
        .find(|card| theirs.contains(&card.id))
        .expect("one of the partner's leads matches the demo agent");
    purchases::purchase(&agent, &cache, &lead.id, chrono::Utc::now())
        .await
        .expect("the agent buys it");
    let forbidden = partner::earnings(&agent).await.expect_err("not a partner");
    assert!(
        matches!(
            forbidden,
            AppError::Server {
                api_code: ApiErrorCode::Forbidden,
                ..
            }
        ),
        "the server itself keeps partner pages from agents: {forbidden:?}"
    );

    let after = partner::earnings(&session).await.expect("earnings");
    assert_eq!(after.commissions.len(), 1, "one sale: {after:?}");
    let commission = after.commissions[0].amount;
    assert!(commission > Decimal::ZERO);
    assert_eq!(
        (after.held, after.pending, after.payable),
        (commission, commission, Decimal::ZERO),
        "a fresh sale is held back (and still refundable), not payable"
    );
    assert!(
        after.next_release_at.is_some(),
        "the partner is told when it becomes payable"
    );
    let dashboard = partner::dashboard(&session).await.expect("dashboard");
    assert_eq!((dashboard.sold, dashboard.revenue), (1, commission));
    let uploads = partner::uploads(&session).await.expect("uploads");
    assert_eq!(
        (uploads[0].sold, uploads[0].earned),
        (1, commission),
        "the sale counts on the upload its lead came from"
    );

    let refused = partner::request_payout(&session)
        .await
        .expect_err("nothing payable yet");
    assert!(
        matches!(
            refused,
            AppError::Server {
                api_code: ApiErrorCode::PayoutBelowMinimum,
                ..
            }
        ),
        "the UI says why in words from the code: {refused:?}"
    );
    server.stop().await;
}
