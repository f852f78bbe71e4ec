//! The offline briefcase in the real window: a bought lead is worked with the server gone (a
//! status change and a note, shown at once as waiting), the app restarts offline and still shows
//! them waiting, and once the server is back the waiting count goes to zero and the server has
//! them.

use anyhow::{Context, Result};
use leadmart_server::demo::{DEMO_AGENT_EMAIL, DEMO_PASSWORD};
use leadmart_shared::pipeline::PipelineStage;
use leadmart_shared::wire::{LeadPage, PurchasedLead};

use crate::harness::{
    Desktop, api_token, buy_first_of, click, save_screenshot, select_value, sign_in, wait_for_attr,
    wait_for_text, wait_until_online,
};

/// Buys a lead for the demo agent through the API (the buying screens have their own test):
/// its id, the customer's name, and the agent's access token.
async fn buy_a_lead(api: &str) -> Result<(String, String, String)> {
    let http = reqwest::Client::new();
    let token = api_token(&http, api, DEMO_AGENT_EMAIL).await?;
    let page: LeadPage = http
        .get(format!("{api}/v1/marketplace/leads?limit=50"))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let (lead_id, name) = buy_first_of(
        &http,
        api,
        &token,
        page.leads.into_iter().map(|lead| lead.id),
    )
    .await?;
    Ok((lead_id, name, token))
}

#[tokio::test]
async fn edits_made_offline_wait_survive_a_restart_and_sync() -> Result<()> {
    let mut desktop = Desktop::start()?;
    let api = desktop.api_url().to_owned();
    let (lead_id, customer, token) = buy_a_lead(&api).await?;
    let app = desktop.driver.launch_app().await?;
    sign_in(&app, DEMO_AGENT_EMAIL, DEMO_PASSWORD, "Asha").await?;
    click(&app, "[data-testid=nav-my-leads]").await?;
    wait_for_text(&app, "[data-testid=row-stage]", "New").await?;

    // Offline, the briefcase is searched on this computer: the first letters of the name.
    desktop.stop_server();
    let first_name = customer.split_whitespace().next().context("a name")?;
    let typed: String = first_name.chars().take(3).collect();
    app.find(fantoccini::Locator::Css("[data-testid=briefcase-search]"))
        .await?
        .send_keys(&typed)
        .await?;
    wait_for_text(&app, "[data-testid=search-match]", first_name).await?;
    save_screenshot(&app, "briefcase-00-searched-offline").await?;
    click(&app, "[data-testid=my-lead-row] td").await?;
    wait_for_text(&app, "[data-testid=detail-stage]", "New").await?;
    select_value(&app, "[data-testid=stage-select]", "contacted").await?;
    click(&app, "[data-testid=stage-submit]").await?;
    wait_for_text(&app, "[data-testid=detail-stage]", "Contacted").await?;
    let note = app
        .find(fantoccini::Locator::Css("[data-testid=note-input]"))
        .await?;
    note.send_keys("Asked for a Saturday viewing").await?;
    click(&app, "[data-testid=note-submit]").await?;
    wait_for_text(&app, "[data-testid=note-pending]", "waiting to sync").await?;
    wait_for_text(
        &app,
        "[data-testid=lead-pending]",
        "2 changes waiting to sync",
    )
    .await?;
    save_screenshot(&app, "briefcase-01-offline-edits-waiting").await?;
    app.close().await?;

    // Restarted, still offline: the edits are still there, still waiting.
    let app = desktop.driver.launch_app().await?;
    wait_for_attr(
        &app,
        "[data-testid=connection-status]",
        "data-connection",
        "offline",
    )
    .await?;
    wait_for_text(&app, "[data-testid=pending-count]", "2 changes to sync").await?;
    click(&app, "[data-testid=nav-my-leads]").await?;
    wait_for_text(&app, "[data-testid=row-pending]", "pending").await?;
    save_screenshot(&app, "briefcase-02-restarted-offline").await?;
    app.close().await?;

    // The server is back: the app sends them, the count goes away, the server has them once.
    desktop.restart_server()?;
    let app = desktop.driver.launch_app().await?;
    wait_until_online(&app).await?;
    click(&app, "[data-testid=nav-my-leads]").await?;
    wait_for_text(&app, "[data-testid=row-stage]", "Contacted").await?;
    for _ in 0..100 {
        if app
            .find(fantoccini::Locator::Css("[data-testid=pending-count]"))
            .await
            .is_err()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        app.find(fantoccini::Locator::Css("[data-testid=pending-count]"))
            .await
            .is_err(),
        "nothing waits to sync once the server answers"
    );
    save_screenshot(&app, "briefcase-03-synced").await?;

    // Analytics from the briefcase: the bought lead, contacted, in the funnel.
    click(&app, "[data-testid=nav-analytics]").await?;
    wait_for_text(&app, "[data-testid=metric-spent]", "Total spent").await?;
    wait_for_text(&app, "[data-testid=funnel]", "Contacted").await?;
    wait_for_text(&app, "[data-testid=by-exclusivity]", "1").await?;
    save_screenshot(&app, "briefcase-04-analytics").await?;
    click(&app, "[data-testid=nav-help]").await?;
    wait_for_text(&app, "[data-testid=help-offline]", "Working offline").await?;
    save_screenshot(&app, "briefcase-05-help").await?;
    app.close().await?;
    let lead: PurchasedLead = reqwest::Client::new()
        .get(format!("{api}/v1/my/leads/{lead_id}"))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await
        .context("the lead on the server")?;
    assert_eq!(lead.stage, PipelineStage::Contacted);
    let notes: Vec<&str> = lead.notes.iter().map(|n| n.body.as_str()).collect();
    assert_eq!(
        notes,
        vec!["Asked for a Saturday viewing"],
        "the note, once"
    );
    Ok(())
}
