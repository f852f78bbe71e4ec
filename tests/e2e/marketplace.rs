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
