//! The marketplace feed: live from a real server into the real cache file, then from the cache
//! alone, marked offline, once the server is gone.

use leadmart_app::marketplace::{Connection, load_feed};
use leadmart_server::demo;

use crate::support::{session_for as signed_out_session, start_server};

#[tokio::test]
async fn feed_is_cached_online_and_served_from_cache_offline() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let session = signed_out_session(&server.url, dir.path()).await;
    let cache = session.cache().await.expect("the signed-out cache");
    let first_sync = chrono::Utc::now();

    let live = load_feed(&session, &cache, first_sync)
        .await
        .expect("live feed");
    assert_eq!(live.connection, Connection::Online);
    assert_eq!(
        live.leads.len(),
        demo::DEMO_LEADS.len(),
        "every demo lead arrives"
    );
    assert_eq!(live.last_synced_at, Some(first_sync));

    let url = server.url.clone();
    server.stop().await;
    // Reopen the cache from disk, as a restarted app would.
    drop((session, cache));
    let session = signed_out_session(&url, dir.path()).await;
    let cache = session.cache().await.expect("the signed-out cache reopens");

    let later = first_sync + chrono::Duration::minutes(5);
    let offline = load_feed(&session, &cache, later)
        .await
        .expect("offline feed");
    assert_eq!(
        offline.connection,
        Connection::Offline,
        "a dead server means offline"
    );
    assert_eq!(
        offline.leads, live.leads,
        "the cached page is exactly what was fetched"
    );
    assert_eq!(
        offline.last_synced_at.map(|t| t.timestamp_millis()),
        Some(first_sync.timestamp_millis()),
        "offline shows when the data was fetched, not now"
    );
}

#[tokio::test]
async fn offline_before_any_sync_is_an_empty_offline_feed() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Nothing listens on port 9 (discard) on loopback in the test sandbox.
    let session = signed_out_session("http://127.0.0.1:9", dir.path()).await;
    let cache = session.cache().await.expect("cache");
    let feed = load_feed(&session, &cache, chrono::Utc::now())
        .await
        .expect("feed");
    assert_eq!(feed.connection, Connection::Offline);
    assert!(feed.leads.is_empty());
    assert_eq!(feed.last_synced_at, None);
}
