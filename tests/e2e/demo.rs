//! The README's run command's demo in the real window: the demo agent signs in to months of
//! history, and My Leads, Analytics, Messages and the dashboard show it — leads in every stage,
//! won deals with revenue and ROI, conversations with what came of each attempt.

use anyhow::{Result, ensure};
use leadmart_server::demo::{DEMO_AGENT_EMAIL, DEMO_PASSWORD};

use crate::harness::{
    Desktop, click, save_screenshot, sign_in, wait_for_count_at_least, wait_for_text,
    wait_for_text_content,
};

#[tokio::test]
async fn the_demo_agent_opens_on_months_of_work() -> Result<()> {
    let desktop = Desktop::start_as_run_command()?;
    let app = desktop.driver.launch_app().await?;
    sign_in(&app, DEMO_AGENT_EMAIL, DEMO_PASSWORD, "Asha").await?;
    let purchased = wait_for_text(&app, "[data-testid=stat-purchased-value]", "").await?;
    ensure!(purchased != "0", "leads bought this week: {purchased}");
    save_screenshot(&app, "demo-00-dashboard").await?;

    click(&app, "[data-testid=nav-my-leads]").await?;
    wait_for_count_at_least(&app, "[data-testid=my-lead-row]", 30).await?;
    let stages = app
        .execute(
            "return [...document.querySelectorAll('[data-testid=row-stage]')].map(e => e.textContent)",
            vec![],
        )
        .await?;
    let stages: Vec<String> = serde_json::from_value(stages)?;
    for stage in ["New", "Contacted", "Meeting", "Quoted", "Won", "Lost"] {
        ensure!(
            stages.iter().any(|s| s == stage),
            "a lead in {stage}: {stages:?}"
        );
    }
    save_screenshot(&app, "demo-01-my-leads").await?;

    click(&app, "[data-testid=nav-analytics]").await?;
    wait_for_text(&app, "[data-testid=funnel]", "Won").await?;
    let revenue = wait_for_text(&app, "[data-testid=metric-revenue]", "").await?;
    ensure!(
        revenue.chars().any(|c| c.is_ascii_digit() && c != '0'),
        "won deals bring revenue: {revenue}"
    );
    wait_for_text(&app, "[data-testid=time-to-close]", "Fastest").await?;
    // The funnel is drawn (Chart.js on a canvas, under the window's frozen prototypes).
    wait_for_count_at_least(&app, "[data-testid=funnel-chart]", 1).await?;
    let drawn = app
        .execute(
            "const c = document.querySelector('[data-testid=funnel-chart]');\
             const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;\
             return c.width > 0 && px.some((v, i) => i % 4 === 3 && v > 0);",
            vec![],
        )
        .await?;
    ensure!(
        drawn == serde_json::Value::Bool(true),
        "the funnel chart has bars"
    );
    save_screenshot(&app, "demo-02-analytics").await?;

    click(&app, "[data-testid=nav-messages]").await?;
    // A conversation per lead worked, the latest first, with what the agent wrote.
    wait_for_count_at_least(&app, "[data-testid=conversation]", 20).await?;
    let contacted = app
        .execute(
            "const c = [...document.querySelectorAll('[data-testid=conversation]')]\
               .find(e => !e.textContent.includes('not contacted yet'));\
             c.click(); return c.dataset.leadId;",
            vec![],
        )
        .await?;
    ensure!(contacted.is_string(), "a lead was contacted: {contacted:?}");
    wait_for_count_at_least(&app, "[data-testid=thread-entry]", 1).await?;
    wait_for_text_content(&app, "[data-testid=thread]", "You ·").await?;
    save_screenshot(&app, "demo-03-messages").await?;
    app.close().await?;
    Ok(())
}
