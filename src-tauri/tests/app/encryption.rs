//! Customers' personal data at rest: the briefcase is encrypted (no contact details or notes in
//! clear on disk), a cache from before encryption is encrypted with its unsynced edits, a file
//! whose key the keychain lost is moved aside and downloaded again, and an approved refund
//! erases the lead's contact from the cache.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use leadmart_app::cache::ResetReason;
use leadmart_app::contact::open_contact;
use leadmart_app::my_leads;
use leadmart_app::secrets::CacheKeyStore;
use leadmart_shared::pipeline::ContactChannel;
use leadmart_shared::refund::{RefundReason, RefundStatus};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use crate::support::{
    Admin, RecordingOpener, agent_with_andheri, app_folder, session_for, signed_in_agent,
    start_server,
};

/// The agent's cache file in the test's app data folder.
fn cache_file(dir: &Path, user_id: &str) -> PathBuf {
    app_folder(dir).join("users").join(user_id).join("cache.db")
}

/// Every byte of the cache file and its WAL.
fn bytes_on_disk(file: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let mut name = file.as_os_str().to_owned();
        name.push(suffix);
        if let Ok(part) = std::fs::read(PathBuf::from(name)) {
            bytes.extend(part);
        }
    }
    bytes
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

/// Whether the file opens as plain SQLite (no key).
async fn opens_plain(file: &Path) -> bool {
    let Ok(mut conn) = SqliteConnectOptions::from_str("sqlite://")
        .expect("options")
        .filename(file)
        .connect()
        .await
    else {
        return false;
    };
    let read = sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sqlite_master")
        .fetch_one(&mut conn)
        .await;
    let _ = conn.close().await;
    read.is_ok()
}

/// The file opened as the app opens it, with its key from the keychain.
async fn open_with_key(file: &Path) -> sqlx::SqliteConnection {
    SqliteConnectOptions::from_str("sqlite://")
        .expect("options")
        .filename(file)
        .pragma("key", format!("\"x'{}'\"", key_of(file)))
        .connect()
        .await
        .expect("the key opens the file")
}

fn key_of(file: &Path) -> String {
    CacheKeyStore::for_file(file)
        .load()
        .expect("keychain")
        .expect("the file's key is in the keychain")
        .expose()
        .clone()
}

#[tokio::test]
async fn the_cache_file_holds_no_contact_or_note_in_clear() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let (cache, session, bought) = agent_with_andheri(dir.path(), &server).await;
    let user = session.current_user().await.expect("user").expect("agent");
    let lead_id = bought.lead.card.id.clone();
    let note = "Gate code 4417, ask for the society office";
    my_leads::add_note(
        &session,
        &cache,
        &lead_id,
        note.to_owned(),
        chrono::Utc::now(),
    )
    .await
    .expect("note");
    let listed = my_leads::list(&session, &cache, chrono::Utc::now())
        .await
        .expect("My Leads");
    let lead = listed
        .leads
        .iter()
        .find(|l| l.lead.card.id == lead_id)
        .expect("the lead is in the briefcase");
    assert!(lead.notes.iter().any(|n| n.body == note), "the note synced");
    let contact = bought.contact.clone().expect("buying reveals the contact");
    let email = contact.email.clone().expect("the seed lead has an email");
    let phone = contact.phone.clone().expect("and a phone");
    let secrets = [email.as_str(), phone.as_str(), contact.name.as_str(), note];

    let file = cache_file(dir.path(), &user.id);
    // While open (WAL and all) and after the session closes it.
    let open_bytes = bytes_on_disk(&file);
    session.sign_out().await.expect("sign out");
    let closed_bytes = bytes_on_disk(&file);
    for secret in secrets {
        assert!(
            !holds(&open_bytes, secret),
            "{secret:?} is in clear in the open cache"
        );
        assert!(
            !holds(&closed_bytes, secret),
            "{secret:?} is in clear in the cache"
        );
    }
    assert!(!opens_plain(&file).await, "the file is not plain SQLite");

    // The control: the same file, opened with its key, holds them.
    let mut conn = open_with_key(&file).await;
    let body: String = sqlx::query_scalar("SELECT body FROM purchased_leads WHERE lead_id = $1")
        .bind(&lead_id)
        .fetch_one(&mut conn)
        .await
        .expect("the lead row");
    // Closed before the test ends: a keyed connection closing as the process exits crashes it.
    conn.close().await.expect("close");
    assert!(body.contains(&email) && body.contains(note));
    server.stop().await;
}

#[tokio::test]
async fn a_cache_from_before_encryption_is_encrypted_with_its_unsynced_edits() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let url = server.url.clone();
    let (cache, session, bought) = agent_with_andheri(dir.path(), &server).await;
    let user = session.current_user().await.expect("user").expect("agent");
    let lead_id = bought.lead.card.id.clone();
    my_leads::list(&session, &cache, chrono::Utc::now())
        .await
        .expect("synced");
    let stopped = server.stop_keeping().await;
    my_leads::add_note(
        &session,
        &cache,
        &lead_id,
        "Written offline".to_owned(),
        chrono::Utc::now(),
    )
    .await
    .expect("an offline note waits in the outbox");
    cache.close().await;
    drop(session);

    // Turn the file into what an app from before encryption left: the same data, plain.
    let file = cache_file(dir.path(), &user.id);
    let plain = file.with_extension("plain");
    let mut conn = SqliteConnectOptions::from_str("sqlite://")
        .expect("options")
        .filename(&file)
        .pragma("key", format!("\"x'{}'\"", key_of(&file)))
        .create_if_missing(true)
        .connect()
        .await
        .expect("open with the key");
    sqlx::query("ATTACH DATABASE $1 AS plain KEY ''")
        .bind(plain.to_string_lossy().into_owned())
        .execute(&mut conn)
        .await
        .expect("attach a plain file");
    sqlx::query("SELECT sqlcipher_export('plain')")
        .execute(&mut conn)
        .await
        .expect("export");
    conn.close().await.expect("close");
    for suffix in ["-wal", "-shm"] {
        let mut name = file.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
    std::fs::rename(&plain, &file).expect("the plain file in its place");
    assert!(opens_plain(&file).await, "the stand-in is plain SQLite");

    // The app starts again, offline: the session comes back from the keychain, on its cache.
    let session = session_for(&url, dir.path()).await;
    let cache = session.cache().await.expect("cache");
    let offline = my_leads::list(&session, &cache, chrono::Utc::now())
        .await
        .expect("the briefcase opens");
    assert!(offline.cache_reset.is_none(), "nothing was lost");
    assert_eq!(offline.outbox.len(), 1, "the offline note is still waiting");
    assert!(offline.leads.iter().any(|l| l.lead.card.id == lead_id));
    assert!(!opens_plain(&file).await, "the file is encrypted now");

    let server = stopped.start_again().await;
    let synced = my_leads::list(&session, &cache, chrono::Utc::now())
        .await
        .expect("sync");
    assert!(synced.outbox.is_empty(), "the note reached the server");
    server.stop().await;
}

#[tokio::test]
async fn a_file_whose_key_is_lost_is_set_aside_and_downloaded_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let (_, session, bought) = agent_with_andheri(dir.path(), &server).await;
    let user = session.current_user().await.expect("user").expect("agent");
    let lead_id = bought.lead.card.id.clone();
    session.sign_out().await.expect("sign out");
    let file = cache_file(dir.path(), &user.id);
    CacheKeyStore::for_file(&file)
        .clear()
        .expect("the keychain forgets the key");

    let (cache, session) = signed_in_agent(dir.path(), &server).await;
    let view = my_leads::list(&session, &cache, chrono::Utc::now())
        .await
        .expect("My Leads");
    let reset = view.cache_reset.clone().expect("the agent is told");
    assert_eq!(reset.reason, ResetReason::KeyMissing);
    let aside = PathBuf::from(&reset.set_aside_as);
    assert!(aside.exists(), "the unreadable file is kept");
    assert!(!opens_plain(&aside).await, "and still encrypted");
    assert!(
        view.leads.iter().any(|l| l.lead.card.id == lead_id),
        "the server's copy came back"
    );

    cache.dismiss_cache_reset().await.expect("dismiss");
    let again = my_leads::list(&session, &cache, chrono::Utc::now())
        .await
        .expect("My Leads");
    assert!(again.cache_reset.is_none());
    server.stop().await;
}

#[tokio::test]
async fn an_approved_refund_erases_the_contact_from_the_cache() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let (cache, session, bought) = agent_with_andheri(dir.path(), &server).await;
    let user = session.current_user().await.expect("user").expect("agent");
    let lead_id = bought.lead.card.id.clone();
    let contact = bought.contact.clone().expect("buying reveals the contact");
    let requested = my_leads::request_refund(
        &session,
        &cache,
        &lead_id,
        RefundReason::WrongNumber,
        "The number rings a pharmacy".to_owned(),
    )
    .await
    .expect("refund requested");
    assert!(requested.contact.is_some(), "a request alone keeps it");
    let refund_id = requested.refund.expect("the refund").id;
    Admin::of(&server).decide_refund(&refund_id, true).await;

    let view = my_leads::list(&session, &cache, chrono::Utc::now())
        .await
        .expect("My Leads");
    let lead = view
        .leads
        .iter()
        .find(|l| l.lead.card.id == lead_id)
        .expect("the refunded lead stays in the briefcase");
    assert!(lead.contact.is_none(), "its contact is erased");
    let refund = lead.refund.as_ref().expect("marked refunded");
    assert_eq!(refund.status, RefundStatus::Approved);
    assert!(refund.decided_at.is_some(), "with the time it happened");
    let refused = open_contact(
        &session,
        &cache,
        &RecordingOpener::default(),
        &lead_id,
        ContactChannel::Call,
        chrono::Utc::now(),
    )
    .await
    .expect_err("nothing left to call");
    assert!(format!("{refused:?}").contains("refunded"), "{refused:?}");

    session.sign_out().await.expect("sign out");
    let file = cache_file(dir.path(), &user.id);
    let mut conn = open_with_key(&file).await;
    let bodies: Vec<String> = sqlx::query_scalar("SELECT body FROM purchased_leads")
        .fetch_all(&mut conn)
        .await
        .expect("rows");
    conn.close().await.expect("close");
    let phone = contact.phone.expect("a phone");
    for body in bodies {
        assert!(
            !body.contains(&phone) && !body.contains(&contact.name),
            "{body}"
        );
    }
    server.stop().await;
}
