//! The walking skeleton's path: demo leads from the server appear as cards; with the server gone,
//! a relaunched app shows the same cards from its cache and says it is offline.

use anyhow::Result;
use fantoccini::Locator;
use leadmart_server::demo::DEMO_LEADS;

use crate::harness::{Desktop, save_screenshot, wait_for_attr, wait_for_count, wait_until_online};

#[tokio::test]
async fn lead_cards_online_then_from_cache_offline() -> Result<()> {
    let mut desktop = Desktop::start()?;
    let driver = &desktop.driver;

    // Online: every demo lead arrives as a card, with the seed's content and no contact details.
    let app = driver.launch_app().await?;
    wait_until_online(&app).await?;
    let cards = wait_for_count(&app, "[data-testid=lead-card]", 6).await?;
    assert_eq!(cards.len(), 6, "the dashboard shows the six newest leads");
    app.find(Locator::Css("[data-testid=nav-available]"))
        .await?
        .click()
        .await?;
    let texts = card_texts(&app, DEMO_LEADS.len()).await?;
    let andheri = texts
        .iter()
        .find(|text| text.contains("Andheri West, Mumbai"))
        .expect("the seed 000 Andheri West lead has a card");
    for expected in [
        "3BHK Apartment",
        "Score 95/100",
        "Real estate · Buy",
        "Immediate",
        "Exclusive",
    ] {
        assert!(
            andheri.contains(expected),
            "the Andheri card shows {expected:?}: {andheri}"
        );
    }
    assert!(
        andheri.contains("₹90L – ₹1.1Cr"),
        "the budget uses lakh/crore grouping (₹90L – ₹1.1Cr): {andheri}"
    );
    for lead in DEMO_LEADS {
        assert!(
            texts.iter().any(|text| text.contains(lead.title)),
            "{} has a card",
            lead.title
        );
        for secret in [lead.contact_name, lead.contact_email, lead.contact_phone] {
            assert!(
                texts.iter().all(|text| !text.contains(secret)),
                "contact detail {secret:?} must not be shown before purchase"
            );
        }
    }
    assert!(
        app.find(Locator::Css("[data-testid=offline-notice]"))
            .await
            .is_err(),
        "no offline notice while the server answers"
    );
    save_screenshot(&app, "01-online-available-leads").await?;
    app.close().await?;

    // Offline: stop the server, relaunch the app; the cache answers and the UI says so.
    desktop.stop_server();
    let driver = &desktop.driver;
    let app = driver.launch_app().await?;
    wait_for_attr(
        &app,
        "[data-testid=connection-status]",
        "data-connection",
        "offline",
    )
    .await?;
    app.find(Locator::Css("[data-testid=nav-available]"))
        .await?
        .click()
        .await?;
    let offline_texts = card_texts(&app, DEMO_LEADS.len()).await?;
    assert!(
        offline_texts
            .iter()
            .any(|text| text.contains("Andheri West, Mumbai")),
        "the cached Andheri card is still shown offline"
    );
    let notice = app
        .find(Locator::Css("[data-testid=offline-notice]"))
        .await?
        .text()
        .await?;
    assert!(
        notice.contains("offline"),
        "the offline notice says so: {notice}"
    );
    let status = app
        .find(Locator::Css("[data-testid=connection-status]"))
        .await?
        .text()
        .await?;
    assert!(
        status.contains("Offline") && status.contains("last synced"),
        "status bar: {status}"
    );
    save_screenshot(&app, "02-offline-cached-leads").await?;
    app.close().await?;
    Ok(())
}

/// The text of each lead card, once `count` of them are shown.
async fn card_texts(app: &fantoccini::Client, count: usize) -> Result<Vec<String>> {
    let mut texts = Vec::new();
    for card in wait_for_count(app, "[data-testid=lead-card]", count).await? {
        texts.push(card.text().await?);
    }
    Ok(texts)
}

/// A lead that sells out leaves the feed of an agent who previewed it at once, without a
/// refresh: another agent buys the exclusive Andheri West flat while the window shows it.
#[tokio::test]
async fn a_lead_sold_to_another_agent_leaves_the_feed_at_once() -> Result<()> {
    use anyhow::{Context, ensure};
    use leadmart_server::demo::{DEMO_AGENT_EMAIL, DEMO_PASSWORD};
    use serde_json::json;

    use crate::harness::{api_token, binary, buy_first_of, click, sign_in, wait_for_text};

    let desktop = Desktop::start()?;
    let api = desktop.api_url().trim_end_matches('/').to_owned();
    let app = desktop.driver.launch_app().await?;
    wait_until_online(&app).await?;
    sign_in(&app, DEMO_AGENT_EMAIL, DEMO_PASSWORD, "Asha").await?;
    click(&app, "[data-testid=nav-available]").await?;
    let andheri = "[data-testid=lead-card][aria-label^='3BHK Apartment in Andheri West']";
    wait_for_count(&app, andheri, 1).await?;
    let lead_id = app
        .find(Locator::Css(andheri))
        .await?
        .attr("data-lead-id")
        .await?
        .context("the card names its lead")?;
    // Previewing it puts the agent in the lead's audience.
    click(&app, &format!("{andheri} [data-testid=preview-lead]")).await?;
    wait_for_text(
        &app,
        "[data-testid=preview-dialog]",
        &format!("Lead #{lead_id}"),
    )
    .await?;
    click(&app, "[data-testid=modal-close]").await?;

    // Another agent, serving Mumbai with credits, buys it.
    let email = "rival.agent@demo.leadmart.test";
    let created = std::process::Command::new(binary("leadmart-server")?)
        .args([
            "--database-url",
            &format!("sqlite://{}", desktop.home().join("server.db").display()),
            "create-user",
            "--email",
            email,
            "--password",
            DEMO_PASSWORD,
            "--role",
            "agent",
            "--name",
            "Rival Agent",
            "--verified",
        ])
        .stdout(std::process::Stdio::null())
        .status()?;
    ensure!(created.success(), "the second agent is created");
    let http = reqwest::Client::new();
    let rival = api_token(&http, &api, email).await?;
    http.put(format!("{api}/v1/me/preferences"))
        .bearer_auth(&rival)
        .json(&json!({
            "categories": ["real-estate"],
            "serviceAreas": [{"country": "IN", "region": "Maharashtra", "city": "Mumbai", "area": null}],
            "minScore": null, "budgetMin": null, "budgetMax": null, "exclusivity": null,
            "maxPrice": null, "urgencies": [], "dailyLimit": null, "perLeadMax": null,
            "autoBuyScoreAbove": null, "autoBuyMaxPrice": null
        }))
        .send()
        .await?
        .error_for_status()?;
    http.post(format!("{api}/v1/credits/purchase"))
        .bearer_auth(&rival)
        .header("Idempotency-Key", "e2e-rival-credits")
        .json(&json!({"packageCode": "pack-50"}))
        .send()
        .await?
        .error_for_status()?;
    let (bought, _) = buy_first_of(&http, &api, &rival, [lead_id.clone()]).await?;
    ensure!(bought == lead_id, "the rival bought the flat");

    // The card leaves the first agent's window on its own.
    wait_for_count(&app, andheri, 0).await?;
    save_screenshot(&app, "04-sold-out-left-the-feed").await?;
    app.close().await?;
    Ok(())
}
