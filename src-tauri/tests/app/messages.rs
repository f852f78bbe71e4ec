//! Messages against a real server: templates filled from the bought lead and the signed-in
//! agent, the agent's own wording kept (and checked), and a sent message opening the OS's
//! handler with the text and landing in the lead's contact log — offline too, via the outbox.

use leadmart_app::error::AppError;
use leadmart_app::marketplace::Connection;
use leadmart_app::messages::{self, DraftMessage};
use leadmart_app::my_leads;
use leadmart_server::demo::DEMO_AGENT_EMAIL;
use leadmart_shared::messages::{TemplateKind, TemplateText};
use leadmart_shared::pipeline::ContactChannel;

use crate::support::{
    RecordingOpener, agent_with_andheri, assert_cache_equals_server, lead_of, start_server,
};

#[tokio::test]
async fn a_template_fills_from_the_lead_is_kept_as_edited_and_sending_logs_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start_server(dir.path()).await;
    let (cache, session, bought) = agent_with_andheri(dir.path(), &server).await;
    let lead_id = bought.lead.card.id.clone();
    let contact = bought.contact.clone().expect("contact");
    let first_name = contact.name.split_whitespace().next().expect("a name");
    let agent = session
        .current_user()
        .await
        .expect("me")
        .expect("signed in");

    let stock = messages::templates(&cache).await.expect("templates");
    let kinds: Vec<TemplateKind> = stock.templates.iter().map(|t| t.kind).collect();
    assert_eq!(kinds, TemplateKind::ALL, "seed 000's six, in its order");
    assert!(stock.templates.iter().all(|t| !t.edited));
    assert!(stock.variables.iter().any(|v| v.marker == "{first_name}"));

    let draft = messages::draft(&session, &cache, &lead_id, TemplateKind::InitialContact)
        .await
        .expect("filled");
    assert!(
        draft.body.starts_with(&format!("Hi {first_name},")),
        "{}",
        draft.body
    );
    assert!(draft.body.contains(&agent.name) && draft.body.contains("Andheri West"));
    assert!(draft.subject.contains("Andheri West"));
    assert!(!draft.body.contains('{') && !draft.subject.contains('{'));

    let typo = TemplateText {
        subject: "Still looking?".to_owned(),
        body: "Hi {frist_name}".to_owned(),
    };
    let refused = messages::save_template(&cache, TemplateKind::FollowUp, typo, chrono::Utc::now())
        .await
        .expect_err("an unknown variable is refused");
    assert!(
        matches!(&refused, AppError::Invalid { message } if message.contains("{frist_name}")),
        "{refused:?}"
    );
    let own = TemplateText {
        subject: "Still looking in {area}?".to_owned(),
        body: "Hi {first_name}, still looking in {area}? Write to {agent_email}.".to_owned(),
    };
    let kept = messages::save_template(&cache, TemplateKind::FollowUp, own, chrono::Utc::now())
        .await
        .expect("kept");
    let follow_up = kept
        .templates
        .iter()
        .find(|t| t.kind == TemplateKind::FollowUp);
    assert!(follow_up.is_some_and(|t| t.edited && t.body.starts_with("Hi {first_name}, still")));
    let draft = messages::draft(&session, &cache, &lead_id, TemplateKind::FollowUp)
        .await
        .expect("filled");
    assert_eq!(
        draft.body,
        format!("Hi {first_name}, still looking in Andheri West? Write to {DEMO_AGENT_EMAIL}.")
    );

    // Sent by email: the mail client opens with the subject and text; the contact log has it.
    let opener = RecordingOpener::default();
    let sent = messages::send(
        &session,
        &cache,
        &opener,
        &lead_id,
        ContactChannel::Email,
        draft.clone(),
        chrono::Utc::now(),
    )
    .await
    .expect("sent");
    let email = contact.email.clone().expect("an email");
    assert!(
        sent.url.starts_with(&format!(
            "mailto:{email}?subject=Still%20looking%20in%20Andheri%20West%3F&body=Hi%20"
        )),
        "{}",
        sent.url
    );
    assert_eq!(
        opener.opened.lock().expect("lock").as_slice(),
        std::slice::from_ref(&sent.url)
    );
    let logged = sent.lead.expect("logged");
    let last = logged.contact_log.last().expect("an entry");
    assert_eq!(
        (last.channel, last.note.as_deref()),
        (ContactChannel::Email, Some(draft.body.as_str()))
    );

    let call = messages::send(
        &session,
        &cache,
        &opener,
        &lead_id,
        ContactChannel::Call,
        draft.clone(),
        chrono::Utc::now(),
    )
    .await
    .expect_err("a call carries no message");
    assert!(matches!(call, AppError::Invalid { .. }));

    // Offline: WhatsApp opens with the text and the message waits in the outbox.
    let stopped = server.stop_keeping().await;
    let thanks = messages::draft(&session, &cache, &lead_id, TemplateKind::ThankYou)
        .await
        .expect("templates fill offline");
    let message = DraftMessage {
        body: format!("{}\nSee you at 6.", thanks.body),
        ..thanks
    };
    let offline = messages::send(
        &session,
        &cache,
        &opener,
        &lead_id,
        ContactChannel::WhatsApp,
        message.clone(),
        chrono::Utc::now(),
    )
    .await
    .expect("sent offline");
    assert!(offline.url.starts_with("https://wa.me/") && offline.url.contains("?text=Hi%20"));
    let waiting = my_leads::list(&session, &cache, chrono::Utc::now())
        .await
        .expect("offline list");
    assert_eq!(waiting.connection, Connection::Offline);
    assert_eq!(waiting.outbox.len(), 1, "the message waits");

    let server = stopped.start_again().await;
    let synced = my_leads::list(&session, &cache, chrono::Utc::now())
        .await
        .expect("synced");
    assert!(synced.outbox.is_empty(), "{:?}", synced.outbox);
    let on_server = assert_cache_equals_server(&session, &cache).await;
    let worked = lead_of(&on_server.leads, &lead_id);
    let notes: Vec<(ContactChannel, Option<&str>)> = worked
        .contact_log
        .iter()
        .map(|e| (e.channel, e.note.as_deref()))
        .collect();
    assert_eq!(
        notes,
        [
            (ContactChannel::Email, Some(draft.body.as_str())),
            (ContactChannel::WhatsApp, Some(message.body.as_str())),
        ],
        "both messages, once each, in the server's contact log"
    );

    let reset = messages::reset_template(&cache, TemplateKind::FollowUp)
        .await
        .expect("reset");
    let follow_up = reset
        .templates
        .iter()
        .find(|t| t.kind == TemplateKind::FollowUp);
    assert!(follow_up.is_some_and(|t| !t.edited && t.body == TemplateKind::FollowUp.stock().body));
    server.stop().await;
}
