//! Messages and the refund guardian in the real window: a template filled for a bought partner
//! lead is sent by email (the OS's `mailto:` handler receives the subject and text) and lands in
//! the conversation; the agent marks it bounced; the refund request opens with that attempt and
//! its marker as evidence; the admin, signed in on the same computer, reads it in the console's
//! refund queue and approves; the agent's balance comes back, the partner's held-back
//! commission on the sale is reversed, and the audit log has the decision. Then the admin
//! unlists a lead from the inventory and undoes it, and opens the partners.

use anyhow::{Context, Result, ensure};
use fantoccini::Locator;
use leadmart_server::demo::{
    DEMO_ADMIN_EMAIL, DEMO_AGENT_EMAIL, DEMO_PARTNER_EMAIL, DEMO_PASSWORD,
};
use leadmart_shared::commission::CommissionStatus;
use leadmart_shared::wire::inventory::InventoryPage;
use leadmart_shared::wire::partner::{AdminPartnerDto, PartnerEarnings};
use leadmart_shared::wire::{CreditBalance, PurchasedLead};

use crate::harness::{
    Desktop, api_token, buy_first_of, click, save_screenshot, scroll_to, select_value, sign_in,
    wait_for_text, wait_for_text_content, wait_for_value,
};

/// The demo agent buys one of the demo partner's open leads (found through the admin's
/// inventory): `(lead id, customer's name, agent's token)`.
async fn buy_a_partner_lead(api: &str) -> Result<(String, String, String)> {
    let http = reqwest::Client::new();
    let admin = api_token(&http, api, DEMO_ADMIN_EMAIL).await?;
    let partners: Vec<AdminPartnerDto> = http
        .get(format!("{api}/v1/admin/partners"))
        .bearer_auth(&admin)
        .send()
        .await?
        .json()
        .await?;
    let partner = partners
        .iter()
        .find(|p| p.email == DEMO_PARTNER_EMAIL)
        .context("the demo partner")?;
    let open: InventoryPage = http
        .get(format!(
            "{api}/v1/admin/leads?partner={}&status=open&limit=50",
            partner.id
        ))
        .bearer_auth(&admin)
        .send()
        .await?
        .json()
        .await?;
    let agent = api_token(&http, api, DEMO_AGENT_EMAIL).await?;
    let (lead_id, name) = buy_first_of(
        &http,
        api,
        &agent,
        open.leads.into_iter().map(|lead| lead.id),
    )
    .await?;
    Ok((lead_id, name, agent))
}

#[tokio::test]
async fn a_template_sent_is_logged_and_becomes_refund_evidence() -> Result<()> {
    let desktop = Desktop::start_with_partner_history(30)?;
    let opened = desktop.record_links("mailto")?;
    let api = desktop.api_url().to_owned();
    let (lead_id, customer, token) = buy_a_partner_lead(&api).await?;
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

    // The email bounced: the agent marks it, and the refund guardian's request opens with the
    // attempt and its marker as evidence.
    click(&app, "[data-testid=nav-my-leads]").await?;
    click(&app, "[data-testid=my-lead-row] td").await?;
    wait_for_text(&app, "[data-testid=refund-countdown]", "1 contact attempt").await?;
    select_value(&app, "[data-testid=contact-outcome]", "bounced").await?;
    wait_for_text(&app, "[data-testid=refund-countdown]", "1 contact attempt").await?;
    click(&app, "[data-testid=refund-open]").await?;
    let evidence = wait_for_value(&app, "[data-testid=refund-note]", "1 bounced email").await?;
    ensure!(
        evidence.contains("schedule a viewing") && evidence.contains("— email bounced"),
        "the evidence quotes the message and its marker: {evidence}"
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
    let partner = api_token(&http, &api, DEMO_PARTNER_EMAIL).await?;
    let earnings = || async {
        let earnings: PartnerEarnings = http
            .get(format!("{api}/v1/partner/earnings"))
            .bearer_auth(&partner)
            .send()
            .await?
            .json()
            .await?;
        anyhow::Ok(earnings)
    };
    let before = balance().await?;
    let held_before = earnings().await?;
    let commission = held_before
        .commissions
        .iter()
        .find(|c| c.lead_id == lead_id)
        .context("the sale earned the partner a commission")?
        .clone();
    ensure!(
        commission.status == CommissionStatus::Held,
        "{commission:?}"
    );
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
    // The partner's held-back commission on the sale is reversed.
    let held_after = earnings().await?;
    let reversed = held_after
        .commissions
        .iter()
        .find(|c| c.lead_id == lead_id)
        .context("the commission is still listed")?;
    ensure!(
        reversed.status == CommissionStatus::Reversed,
        "{reversed:?}"
    );
    ensure!(
        held_after.held == held_before.held - commission.amount,
        "held back {} − {} ≠ {}",
        held_before.held,
        commission.amount,
        held_after.held
    );

    // The inventory: the admin unlists the newest open lead, then undoes it.
    click(&app, "[data-testid=admin-tab-inventory]").await?;
    wait_for_text(&app, "[data-testid=inventory-table]", "Open").await?;
    let row = app
        .find(Locator::Css("[data-testid=inventory-row]"))
        .await?;
    let unlisted = row
        .attr("data-lead-id")
        .await?
        .context("the row names its lead")?;
    click(&app, "[data-testid=inventory-select]").await?;
    click(&app, "[data-testid=inventory-unlist]").await?;
    wait_for_text(&app, "[data-testid=inventory-notice]", "Unlisted: 1 lead").await?;
    ensure!(
        !open_ids(&http, &api).await?.contains(&unlisted),
        "lead {unlisted} left the marketplace"
    );
    save_screenshot(&app, "admin-03-inventory").await?;
    click(&app, "[data-testid=inventory-undo]").await?;
    wait_for_text(
        &app,
        "[data-testid=inventory-notice]",
        "Listed again: 1 lead",
    )
    .await?;
    ensure!(
        open_ids(&http, &api).await?.contains(&unlisted),
        "lead {unlisted} is back"
    );
    click(&app, "[data-testid=admin-tab-partners]").await?;
    wait_for_text_content(&app, "[data-testid=admin-partner]", "Prime Leads").await?;
    save_screenshot(&app, "admin-04-partners").await?;
    app.close().await?;
    Ok(())
}

/// The ids of the leads buyers can browse now.
async fn open_ids(http: &reqwest::Client, api: &str) -> Result<Vec<String>> {
    let page: serde_json::Value = http
        .get(format!("{api}/v1/marketplace/leads?limit=100"))
        .send()
        .await?
        .json()
        .await?;
    Ok(page["leads"]
        .as_array()
        .context("leads")?
        .iter()
        .filter_map(|lead| lead["id"].as_str().map(str::to_owned))
        .collect())
}
