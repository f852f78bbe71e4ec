//! The app as a desktop citizen: a second launch (here with a `leadmart://lead/<id>` link, as the
//! OS starts the app for a link) hands its arguments to the running window and exits; the
//! window comes forward on that lead's preview. Ctrl+K jumps to any page or lead.

use anyhow::{Result, ensure};
use fantoccini::Locator;
use leadmart_server::demo::{DEMO_AGENT_EMAIL, DEMO_PASSWORD};

use crate::harness::{
    Desktop, click, save_screenshot, sign_in, wait_for_attr, wait_for_count,
    wait_for_count_at_least, wait_for_text, wait_for_text_content, wait_until_online,
};

#[tokio::test]
async fn a_link_opened_while_running_shows_that_lead_in_the_first_window() -> Result<()> {
    let desktop = Desktop::start()?;
    let app = desktop.driver.launch_app().await?;
    wait_until_online(&app).await?;
    let cards = wait_for_count(&app, "[data-testid=lead-card]", 6).await?;
    let mut chosen = None;
    for card in cards {
        let text = card.prop("textContent").await?.unwrap_or_default();
        if text.contains("Woodstock, Cape Town") {
            chosen = card.attr("data-lead-id").await?;
        }
    }
    let Some(lead) = chosen else {
        anyhow::bail!("the dashboard shows the Woodstock lead");
    };

    let status = desktop.launch_again(&[&format!("leadmart://lead/{lead}")])?;
    ensure!(
        status.success(),
        "the second launch hands over and exits: {status}"
    );

    wait_for_attr(&app, "[data-testid=nav-available]", "aria-current", "page").await?;
    wait_for_text(&app, "[data-testid=preview-dialog]", "Woodstock").await?;
    save_screenshot(&app, "60-opened-from-link").await?;
    let windows = app.windows().await?;
    ensure!(windows.len() == 1, "still one window: {}", windows.len());

    // A link to something else is ignored, and the second launch still leaves at once.
    let status = desktop.launch_again(&["leadmart://settings"])?;
    ensure!(status.success(), "{status}");
    click(&app, "[data-testid=modal-close]").await?;

    // Ctrl+K, a few letters, Enter: a page; then a lead by its area, chosen with the arrows.
    press(&app, "\u{E009}k\u{E009}").await?;
    let input = app
        .find(Locator::Css("[data-testid=palette-input]"))
        .await?;
    input.send_keys("bill").await?;
    wait_for_text_content(&app, "[data-testid=command-palette]", "Billing").await?;
    input.send_keys("\u{E007}").await?;
    wait_for_attr(&app, "[data-testid=nav-billing]", "aria-current", "page").await?;
    click(&app, "[data-testid=open-palette]").await?;
    let input = app
        .find(Locator::Css("[data-testid=palette-input]"))
        .await?;
    input.send_keys("andheri").await?;
    let shown = wait_for_count_at_least(&app, "[data-testid=palette-entry]", 2).await?;
    let second = shown[1].prop("textContent").await?.unwrap_or_default();
    save_screenshot(&app, "61-command-palette").await?;
    input.send_keys("\u{E015}\u{E007}").await?;
    let place = second
        .rsplit(" · ")
        .next()
        .unwrap_or_default()
        .split(',')
        .next()
        .unwrap_or_default()
        .to_owned();
    wait_for_text(&app, "[data-testid=preview-dialog]", &place).await?;
    click(&app, "[data-testid=modal-close]").await?;

    // Opening at login: off until chosen; on writes this person's autostart entry for this
    // binary, off removes it.
    click(&app, "[data-testid=nav-dashboard]").await?;
    sign_in(&app, DEMO_AGENT_EMAIL, DEMO_PASSWORD, "Asha").await?;
    click(&app, "[data-testid=nav-settings]").await?;
    let entry = desktop.home().join(".config/autostart/Leadmart.desktop");
    let checkbox = "[data-testid=launch-at-login]";
    wait_for_prop(&app, checkbox, "checked", false).await?;
    ensure!(!entry.exists(), "off by default");
    click(&app, checkbox).await?;
    wait_for_prop(&app, checkbox, "checked", true).await?;
    let written = std::fs::read_to_string(&entry)?;
    ensure!(
        written
            .lines()
            .any(|l| l.starts_with("Exec=") && l.contains("leadmart-app")),
        "{written}"
    );
    save_screenshot(&app, "62-settings-this-computer").await?;
    click(&app, checkbox).await?;
    wait_for_prop(&app, checkbox, "checked", false).await?;
    ensure!(!entry.exists(), "opting out removes the entry");
    app.close().await?;
    Ok(())
}

/// Polls until the boolean property `name` of the element matching `css` is `value`.
async fn wait_for_prop(app: &fantoccini::Client, css: &str, name: &str, value: bool) -> Result<()> {
    for _ in 0..100 {
        if let Ok(element) = app.find(Locator::Css(css)).await {
            let now = element.prop(name).await?.as_deref() == Some("true");
            let enabled = element.prop("disabled").await?.as_deref() != Some("true");
            if now == value && enabled {
                return Ok(());
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("{css:?} never had {name} = {value}")
}

/// Sends keys to whatever has the focus (`\u{E009}` holds and releases Control).
async fn press(app: &fantoccini::Client, keys: &str) -> Result<()> {
    app.active_element().await?.send_keys(keys).await?;
    Ok(())
}
