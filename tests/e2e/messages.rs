//! Messages and the refund guardian in the real window: a template filled for a bought lead is
//! sent by email (the OS's `mailto:` handler receives the subject and text) and lands in the
//! conversation; the refund request opens with that attempt as its evidence; the admin, signed
//! in on the same computer, reads it in the console's refund queue and approves; the agent's
//! balance comes back and the audit log has the decision.

use anyhow::{Context, Result, ensure};
use fantoccini::Locator;
use leadmart_server::demo::{DEMO_ADMIN_EMAIL, DEMO_AGENT_EMAIL, DEMO_PASSWORD};
use leadmart_shared::wire::{CreditBalance, PurchasedLead};

use crate::briefcase::buy_a_lead;
use crate::harness::{
    Desktop, click, save_screenshot, scroll_to, select_value, sign_in, wait_for_text,
    wait_for_text_content, wait_for_value,
};

#[tokio::test]
async fn a_template_sent_is_logged_and_becomes_refund_evidence() -> Result<()> {
    let desktop = Desktop::start()?;
    let opened = desktop.record_links("mailto")?;
    let api = desktop.api_url().to_owned();
    let (lead_id, customer, token) = buy_a_lead(&api).await?;
    let first_name = customer.split_whitespace().next().context("a name")?;
    let app = desktop.driver.launch_app().await?;
    sign_in(&app, DEMO_AGENT_EMAIL, DEMO_PASSWORD, "Asha").await?;

    click(&app, "[data-testid=nav-messages]").await?;
    wait_for_text_content(&app, "[data-testid=conversation-name]", &customer).await?;
    wait_for_text(&app, "[data-testid=thread]", "not contacted").await?;
    wait_for_value(
        &app,
        "[data-testid=composer-body]",
        &format!("Hi {first_name},"),
    )
    .await?;
    select_value(&app, "[data-testid=composer-template]", "schedule_viewing").await?;
    let body = wait_for_value(&app, "[data-testid=composer-body]", "schedule a viewing").await?;
    ensure!(body.contains("Asha Deshmukh"), "the agent signs it: {body}");
    click(&app, "[data-testid=composer-channel-email]").await?;
    let subject = wait_for_value(&app, "[data-testid=composer-subject]", "Viewing").await?;
    click(&app, "[data-testid=composer-send]").await?;
    wait_for_text(&app, "[data-testid=composer-status]", "logged").await?;
    wait_for_text(&app, "[data-testid=thread-entry]", "schedule a viewing").await?;
    save_screenshot(&app, "messages-00-sent").await?;

    // The mail app was handed the message.
    let mut link = String::new();
    for _ in 0..50 {
        link = std::fs::read_to_string(&opened).unwrap_or_default();
        if !link.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    ensure!(
        link.starts_with("mailto:") && link.contains("body=Hi%20") && link.contains("subject="),
        "the mail app got the message: {link:?}"
    );
    ensure!(
        link.contains(&subject.replace(':', "%3A").replace(' ', "%20")),
        "with the subject {subject:?}: {link:?}"
    );

    click(&app, "[data-testid=messages-tab-templates]").await?;
    wait_for_value(&app, "[data-testid=template-body]", "{first_name}").await?;
    save_screenshot(&app, "messages-01-templates").await?;

    // The refund guardian: the request opens with the email as its evidence.
    click(&app, "[data-testid=nav-my-leads]").await?;
    click(&app, "[data-testid=my-lead-row] td").await?;
    wait_for_text(&app, "[data-testid=refund-countdown]", "1 contact attempt").await?;
    click(&app, "[data-testid=refund-open]").await?;
    let evidence = wait_for_value(&app, "[data-testid=refund-note]", "Email on").await?;
    ensure!(
        evidence.contains("schedule a viewing"),
        "the evidence quotes the message: {evidence}"
    );
    scroll_to(&app, "[data-testid=refund-submit]").await?;
    save_screenshot(&app, "messages-02-refund-evidence").await?;
    click(&app, "[data-testid=refund-submit]").await?;
    wait_for_text(&app, "[data-testid=refund-status]", "requested").await?;

    // The admin signs in on the same computer, reads the same evidence and approves in the
    // console; the agent gets the credits back, and the decision is in the audit log.
    let http = reqwest::Client::new();
    let balance = || async {
        let balance: CreditBalance = http
            .get(format!("{api}/v1/credits/balance"))
            .bearer_auth(&token)
            .send()
            .await?
            .json()
            .await?;
        anyhow::Ok(balance.credits)
    };
    let before = balance().await?;
    click(&app, "[data-testid=modal-close]").await?;
    click(&app, "[data-testid=sign-out]").await?;
    sign_in(&app, DEMO_ADMIN_EMAIL, DEMO_PASSWORD, "Marketplace Admin").await?;
    click(&app, "[data-testid=nav-admin]").await?;
    wait_for_text(&app, "[data-testid=admin-financials]", "Gross lead sales").await?;
    save_screenshot(&app, "admin-00-overview").await?;
    click(&app, "[data-testid=admin-tab-refunds]").await?;
    let shown = wait_for_text(&app, "[data-testid=refund-evidence]", "Email on").await?;
    ensure!(
        shown.contains("schedule a viewing"),
        "the admin reads the evidence: {shown}"
    );
    app.find(Locator::Css("[data-testid=decision-note]"))
        .await?
        .send_keys("Evidence checked")
        .await?;
    save_screenshot(&app, "admin-01-refund-queue").await?;
    click(&app, "[data-testid=refund-approve]").await?;
    wait_for_text(
        &app,
        "[data-testid=refund-queue-empty]",
        "No refund requests",
    )
    .await?;
    click(&app, "[data-testid=admin-tab-audit]").await?;
    wait_for_text(&app, "[data-testid=audit-entry]", "Refund approved").await?;
    save_screenshot(&app, "admin-02-audit-log").await?;

    let lead: PurchasedLead = http
        .get(format!("{api}/v1/my/leads/{lead_id}"))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let after = balance().await?;
    ensure!(
        after == before + lead.price_paid,
        "the price paid comes back: {before} + {} ≠ {after}",
        lead.price_paid
    );
    let refund = lead.refund.context("the refund")?;
    ensure!(
        refund.decision_note.as_deref() == Some("Evidence checked"),
        "{refund:?}"
    );
    app.close().await?;
    Ok(())
}
