//! The buyer's core loop through the real window (seed 000 + 002): sign in as the demo agent,
//! filter the marketplace, preview a lead with its contact masked, buy it after a confirmation
//! that shows the balance after, see the contact revealed, mark it contacted and ask for a refund.

use anyhow::Result;
use fantoccini::{Client, Locator};
use leadmart_server::demo::{DEMO_AGENT_EMAIL, DEMO_LEADS, DEMO_PASSWORD};

use crate::harness::{
    Desktop, click, save_screenshot, select_value, sign_in, wait_for_count, wait_for_text,
    wait_until_online,
};

const ENTER: &str = "\u{E007}";

async fn text_of(app: &Client, css: &str) -> Result<String> {
    Ok(app.find(Locator::Css(css)).await?.text().await?)
}

#[tokio::test]
async fn sign_in_filter_preview_buy_contact_and_refund() -> Result<()> {
    let desktop = Desktop::start()?;
    let app = desktop.driver.launch_app().await?;
    let andheri = &DEMO_LEADS[0];

    // Signed out, the dashboard asks for sign-in; the demo agent signs in.
    wait_until_online(&app).await?;
    sign_in(&app, DEMO_AGENT_EMAIL, DEMO_PASSWORD, "Asha").await?;
    wait_for_text(&app, "[data-testid=stat-purchased-value]", "0").await?;
    wait_for_count(&app, "[data-testid=stat-cards] > div", 6).await?;
    save_screenshot(&app, "10-dashboard-signed-in").await?;

    // Available Leads: Mumbai, score 90+ leaves the seed's Andheri West 3BHK alone.
    click(&app, "[data-testid=nav-available]").await?;
    let city = app.find(Locator::Css("[data-testid=filter-city]")).await?;
    city.send_keys(&format!("Mumbai{ENTER}")).await?;
    select_value(&app, "[data-testid=filter-min-score]", "90").await?;
    let cards = wait_for_count(&app, "[data-testid=lead-card]", 1).await?;
    let card = cards[0].text().await?;
    assert!(
        card.contains("Andheri West, Mumbai") && card.contains("Score 95/100"),
        "the filters leave the Andheri West 3BHK: {card}"
    );
    save_screenshot(&app, "11-available-leads-filtered").await?;

    // Preview: score breakdown, claims, price; contact masked. (Leave the city field first: its
    // blur re-applies the filters.)
    click(&app, "[data-testid=result-count]").await?;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    click(&app, "[data-testid=lead-card] [data-testid=preview-lead]").await?;
    if let Err(err) = wait_for_count(&app, "[data-testid=masked-contact]", 1).await {
        save_screenshot(&app, "12-preview-failed").await?;
        return Err(err);
    }
    let preview = text_of(&app, "[data-testid=preview-dialog]").await?;
    for expected in [
        "0 of 1 claimed",
        "Lead quality breakdown",
        "Total",
        "Contact details hidden",
    ] {
        assert!(
            preview.contains(expected),
            "the preview shows {expected:?}: {preview}"
        );
    }
    for secret in [
        andheri.contact_name,
        andheri.contact_email,
        andheri.contact_phone,
    ] {
        assert!(
            !preview.contains(secret),
            "{secret:?} stays hidden before buying"
        );
    }
    save_screenshot(&app, "12-preview-contact-masked").await?;

    // Buy, with a confirmation that shows the price and the balance after.
    click(&app, "[data-testid=buy-now]").await?;
    let confirm = wait_for_text(&app, "[data-testid=confirm-purchase]", "Balance after").await?;
    assert!(
        confirm.contains("credits"),
        "the confirmation prices the lead: {confirm}"
    );
    save_screenshot(&app, "13-confirm-purchase").await?;
    click(&app, "[data-testid=confirm-buy]").await?;
    // Shown grouped for its region (`+91 98200 12345`), not as raw E.164.
    let grouped = leadmart_shared::contact::PhoneE164::from_e164(andheri.contact_phone)?
        .display_international();
    assert_eq!(
        grouped, "+91 98200 12345",
        "the seed phone, grouped for India"
    );
    let phone = wait_for_text(&app, "[data-testid=revealed-phone]", &grouped).await?;
    assert_eq!(
        phone, grouped,
        "buying reveals the phone, grouped for reading"
    );
    assert_eq!(
        text_of(&app, "[data-testid=revealed-name]").await?,
        andheri.contact_name
    );
    save_screenshot(&app, "14-contact-revealed").await?;

    // Work the lead: My Leads opens its detail; mark it contacted.
    click(&app, "[data-testid=open-in-my-leads]").await?;
    wait_for_text(&app, "[data-testid=contact-email]", andheri.contact_email).await?;
    select_value(&app, "[data-testid=stage-select]", "contacted").await?;
    click(&app, "[data-testid=stage-submit]").await?;
    wait_for_text(&app, "[data-testid=detail-stage]", "Contacted").await?;
    save_screenshot(&app, "15-my-lead-contacted").await?;

    // Refund request within the window, with a reason.
    click(&app, "[data-testid=refund-open]").await?;
    select_value(&app, "[data-testid=refund-reason]", "wrong_number").await?;
    app.find(Locator::Css("[data-testid=refund-note]"))
        .await?
        .send_keys("The number belongs to a pharmacy, not the buyer.")
        .await?;
    click(&app, "[data-testid=refund-submit]").await?;
    let refund = wait_for_text(&app, "[data-testid=refund-status]", "requested").await?;
    assert!(
        refund.contains("Wrong or dead number"),
        "the reason is shown: {refund}"
    );
    save_screenshot(&app, "16-refund-requested").await?;

    // The table shows the lead under Contacted.
    click(&app, "[data-testid=modal-close]").await?;
    click(&app, "[data-testid=tab-contacted]").await?;
    let rows = wait_for_count(&app, "[data-testid=my-lead-row]", 1).await?;
    let row = rows[0].text().await?;
    assert!(
        row.contains(andheri.contact_name) && row.contains("Contacted"),
        "the contacted tab lists the lead: {row}"
    );
    save_screenshot(&app, "17-my-leads-table").await?;

    // The other pages, as the agent now sees them.
    click(&app, "[data-testid=nav-billing]").await?;
    wait_for_text(&app, "[data-testid=transactions]", "Lead purchase").await?;
    save_screenshot(&app, "18-billing").await?;
    click(&app, "[data-testid=nav-settings]").await?;
    wait_for_count(&app, "[data-testid=preferences-form]", 1).await?;
    save_screenshot(&app, "19-settings").await?;
    click(&app, "[data-testid=nav-dashboard]").await?;
    wait_for_text(&app, "[data-testid=stat-purchased-value]", "1").await?;
    wait_for_text(&app, "[data-testid=recent-activity]", "You purchased").await?;
    save_screenshot(&app, "20-dashboard-after").await?;
    app.close().await?;
    Ok(())
}
