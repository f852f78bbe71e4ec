//! Working a bought lead through the API: contact buttons open OS links and log the attempt,
//! the stage moves to contacted, `won` needs a deal value, and a refund is requested with a
//! reason.

use leadmart_app::contact::{contact_url, open_contact};
use leadmart_app::error::AppError;
use leadmart_app::my_leads;
use leadmart_app::purchases::purchase;
use leadmart_server::demo::DEMO_LEADS;
use leadmart_shared::error_code::ApiErrorCode;
use leadmart_shared::pipeline::{ContactChannel, PipelineStage};
use leadmart_shared::refund::{RefundReason, RefundStatus};
use leadmart_shared::wire::ContactDto;

use crate::support::{RecordingOpener, andheri_lead, signed_in_agent, start_server};

#[test]
fn contact_links_follow_each_channel() {
    let contact = ContactDto {
        name: "Rajesh".to_owned(),
        email: Some("rajesh.sharma@example.in".to_owned()),
        phone: Some("+919820012345".to_owned()),
        phone_display: Some("+91 98200 12345".to_owned()),
        address: None,
    };
    let url = |channel| contact_url(&contact, channel).expect("a link");
    assert_eq!(url(ContactChannel::Call), "tel:+919820012345");
    assert_eq!(url(ContactChannel::Sms), "sms:+919820012345");
    assert_eq!(url(ContactChannel::WhatsApp), "https://wa.me/919820012345");
    assert_eq!(
        url(ContactChannel::Email),
        "mailto:rajesh.sharma@example.in"
    );
    let no_phone = ContactDto {
        phone: None,
        ..contact.clone()
    };
    assert!(
        matches!(
            contact_url(&no_phone, ContactChannel::Call),
            Err(AppError::Invalid { .. })
        ),
        "no phone, no call link"
    );
    let injected = ContactDto {
        email: Some("a@b.c?bcc=x@y.z".to_owned()),
        ..contact
    };
    assert!(
        contact_url(&injected, ContactChannel::Email).is_err(),
        "an email with URL parameters is refused, not opened"
    );
    let raw = ContactDto {
        phone: Some("98200 12345".to_owned()),
        email: None,
        ..injected
    };
    assert!(
        contact_url(&raw, ContactChannel::WhatsApp).is_err(),
        "a phone that is not E.164 is not opened as a link"
    );
}

#[tokio::test]
async fn contact_stage_and_refund_go_through_the_api() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let (cache, session) = signed_in_agent(dir.path(), &server).await;
    let lead_id = andheri_lead(&session, &cache).await;
    purchase(&session, &cache, &lead_id, chrono::Utc::now())
        .await
        .expect("bought");

    let opener = RecordingOpener::default();
    let opened = open_contact(
        &session,
        &cache,
        &opener,
        &lead_id,
        ContactChannel::WhatsApp,
        chrono::Utc::now(),
    )
    .await
    .expect("WhatsApp opens");
    let phone_digits = DEMO_LEADS[0].contact_phone.trim_start_matches('+');
    assert_eq!(opened.url, format!("https://wa.me/{phone_digits}"));
    assert_eq!(
        opener.opened.lock().expect("lock").as_slice(),
        std::slice::from_ref(&opened.url),
        "the OS was asked to open exactly that link"
    );
    let logged = opened.lead.expect("logged online");
    assert_eq!(
        logged.contact_log.len(),
        1,
        "the attempt is in the contact log"
    );
    assert_eq!(logged.contact_log[0].channel, ContactChannel::WhatsApp);

    let contacted = my_leads::change_stage(
        &session,
        &cache,
        &lead_id,
        PipelineStage::Contacted,
        None,
        chrono::Utc::now(),
    )
    .await
    .expect("stage change");
    assert_eq!(contacted.stage, PipelineStage::Contacted);
    assert_eq!(
        contacted.stage_history.len(),
        1,
        "the move is recorded with its time"
    );

    let won = my_leads::change_stage(
        &session,
        &cache,
        &lead_id,
        PipelineStage::Won,
        None,
        chrono::Utc::now(),
    )
    .await
    .expect_err("won needs a deal value");
    assert!(
        matches!(&won, AppError::Server { api_code, .. } if *api_code == ApiErrorCode::DealValueRequired),
        "the API's code reaches the UI: {won:?}"
    );

    let noted = my_leads::add_note(
        &session,
        &cache,
        &lead_id,
        "Wants a viewing on Saturday".to_owned(),
        chrono::Utc::now(),
    )
    .await
    .expect("note");
    assert_eq!(noted.notes.len(), 1);

    let refunded = my_leads::request_refund(
        &session,
        &cache,
        &lead_id,
        RefundReason::WrongNumber,
        "The number rings a pharmacy".to_owned(),
    )
    .await
    .expect("refund requested within the window");
    let refund = refunded.refund.expect("the lead carries its refund");
    assert_eq!(refund.status, RefundStatus::Requested);
    assert_eq!(refund.reason, RefundReason::WrongNumber);

    let cached = cache
        .purchased_lead(&lead_id)
        .await
        .expect("cache")
        .expect("cached");
    assert_eq!(
        cached.stage,
        PipelineStage::Contacted,
        "the cache follows the server's answers"
    );
    assert!(cached.refund.is_some());
}

#[tokio::test]
async fn purchased_leads_export_to_csv_and_vcard_offline() {
    use leadmart_app::export::{ExportFormat, export};

    let dir = tempfile::tempdir().expect("temp dir");
    let server = crate::support::start_server(dir.path()).await;
    let (cache, session, bought) = crate::support::agent_with_andheri(dir.path(), &server).await;
    leadmart_app::my_leads::list(&session, &cache, chrono::Utc::now())
        .await
        .expect("synced");
    server.stop().await;
    let contact = bought.contact.clone().expect("revealed");

    let csv_path = dir.path().join("leads.csv");
    let written = export(&cache, ExportFormat::Csv, None, &csv_path)
        .await
        .expect("csv export offline");
    assert_eq!(written.leads, 1);
    let mut reader = csv::Reader::from_path(&csv_path).expect("csv");
    let header = reader.headers().expect("header").clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 1);
    let cell = |name: &str| {
        let at = header.iter().position(|h| h == name).expect("column");
        rows[0][at].to_owned()
    };
    assert_eq!(cell("lead_id"), bought.lead.card.id);
    assert_eq!(cell("name"), contact.name);
    assert_eq!(Some(cell("phone")), contact.phone);
    assert_eq!(cell("status"), "new");

    let vcf_path = dir.path().join("contacts.vcf");
    let none = export(
        &cache,
        ExportFormat::Vcard,
        Some(&["0".to_owned()]),
        &vcf_path,
    )
    .await
    .expect("vcard export of nothing");
    assert_eq!(none.leads, 0, "only the chosen leads");
    export(
        &cache,
        ExportFormat::Vcard,
        Some(std::slice::from_ref(&bought.lead.card.id)),
        &vcf_path,
    )
    .await
    .expect("vcard export");
    let vcard = std::fs::read_to_string(&vcf_path).expect("vcf");
    assert!(
        vcard.starts_with("BEGIN:VCARD\r\nVERSION:3.0\r\n"),
        "{vcard}"
    );
    assert!(vcard.contains(&format!("FN:{}\r\n", contact.name)));
    assert!(vcard.contains(&format!(
        "TEL;TYPE=CELL:{}\r\n",
        contact.phone.expect("phone")
    )));
    assert!(vcard.trim_end().ends_with("END:VCARD"));
}
