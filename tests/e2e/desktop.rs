//! The app as a desktop citizen: a second launch (here with a `leadmart://lead/<id>` link, as the
//! OS starts the app for a link) hands its arguments to the running window and exits; the
//! window comes forward on that lead's preview.

use anyhow::{Result, ensure};

use crate::harness::{
    Desktop, save_screenshot, wait_for_attr, wait_for_count, wait_for_text, wait_until_online,
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
    app.close().await?;
    Ok(())
}
