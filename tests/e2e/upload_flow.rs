//! A partner sells (issue 10, seed 001 §3.2) through the real window: a file that is not a CSV
//! is refused with its reason; a messy CSV (Windows-1252, semicolons, a preamble line, a bad
//! email, a duplicate) reaches the importer by the drop path, its mapping and problems are shown,
//! every row is checked, the rejected rows are saved, and the file is kept as an upload. Before
//! that, the partner's Dashboard shows their upload history and partner score.
//!
//! WebDriver cannot synthesise an OS file drop: "Choose file…" hands the chosen paths to the same
//! Rust function the window's Drop event calls, and the UI gets the same `FilesDropped` event.

use anyhow::{Result, ensure};
use leadmart_server::demo::{DEMO_AGENT_EMAIL, DEMO_PARTNER_EMAIL, DEMO_PASSWORD};
use leadmart_shared::wire::{AuthSession, SignInRequest};

use crate::harness::{
    Desktop, click, save_screenshot, scroll_to, select_value, sign_in, wait_for_attr,
    wait_for_count, wait_for_text, wait_for_text_content, wait_until_online,
};

/// Generated demo leads: some are the demo partner's, from the demo's past upload.
const GENERATED_LEADS: usize = 30;

/// Windows-1252 bytes (é as 0xE9) with a title line before the header.
fn messy_file() -> Vec<u8> {
    let mut bytes = b"Exported from Agency CRM on 30/11/2026\r\n".to_vec();
    bytes.extend_from_slice(b"Name;E-mail;Mobile;City;Notes\r\n");
    bytes.extend_from_slice(
        b"Ren\xe9e Fernandes;renee@example.com;98200 11111;Mumbai;call after 6\r\n",
    );
    bytes.extend_from_slice(b"Karan Mehta;karan-at-example.com;98200 22222;Pune;\r\n");
    bytes.extend_from_slice(b"Sunita Rao;sunita@example.com;98200 33333;Pune;villa\r\n");
    bytes.extend_from_slice(b"S. Rao;SUNITA@example.com;98200 44444;Pune;\r\n");
    bytes
}

/// The demo agent buys one of the demo partner's leads through the API (the buyer's own window
/// is another test's): the first of the partner's leads the server sells them.
async fn agent_buys_a_partner_lead(desktop: &Desktop) -> Result<()> {
    let database = format!(
        "sqlite://{}?mode=ro",
        desktop.home().join("server.db").display()
    );
    let pool = sqlx::SqlitePool::connect(&database).await?;
    let theirs: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM leads WHERE partner_id IS NOT NULL ORDER BY id")
            .fetch_all(&pool)
            .await?;
    pool.close().await;
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let http = reqwest::Client::new();
    let api = desktop.api_url().trim_end_matches('/');
    let agent: AuthSession = http
        .post(format!("{api}/v1/auth/signin"))
        .json(&SignInRequest {
            email: DEMO_AGENT_EMAIL.to_owned(),
            password: DEMO_PASSWORD.to_owned(),
        })
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    for lead in theirs {
        let bought = http
            .post(format!("{api}/v1/marketplace/leads/{lead}/purchase"))
            .bearer_auth(&agent.access_token)
            .header("Idempotency-Key", format!("e2e-partner-sale-{lead}"))
            .send()
            .await?;
        // Leads outside the agent's areas are refused, and a refusal stores nothing.
        if bought.status().is_success() {
            return Ok(());
        }
    }
    anyhow::bail!("the demo agent could buy none of the demo partner's leads")
}

#[tokio::test]
async fn a_partner_drops_a_messy_csv_checks_it_and_keeps_it() -> Result<()> {
    let desktop = Desktop::start_with_partner_history(GENERATED_LEADS)?;
    agent_buys_a_partner_lead(&desktop).await?;
    let app = desktop.driver.launch_app().await?;
    wait_until_online(&app).await?;
    sign_in(&app, DEMO_PARTNER_EMAIL, DEMO_PASSWORD, "Prime Leads").await?;

    // The partner's Dashboard: the past upload with what became of its rows and its sale, the
    // partner score with its breakdown, and the sale's commission held back: nothing to pay out
    // yet (and why).
    wait_for_count(&app, "[data-testid=partner-upload-row]", 1).await?;
    wait_for_text_content(
        &app,
        "[data-testid=partner-upload-file]",
        "prime-leads-export.csv",
    )
    .await?;
    wait_for_text(&app, "[data-testid=partner-upload-rejected]", "2").await?;
    wait_for_text(&app, "[data-testid=partner-upload-duplicates]", "1").await?;
    wait_for_text(&app, "[data-testid=partner-upload-sold]", "1").await?;
    wait_for_text(&app, "[data-testid=partner-sold-value]", "1").await?;
    wait_for_count(&app, "[data-testid=partner-sale-row]", 1).await?;
    wait_for_text(&app, "[data-testid=partner-sale-row]", "Held back").await?;
    let held = wait_for_text(&app, "[data-testid=earnings-held-value]", "₹").await?;
    let earned = wait_for_text(&app, "[data-testid=partner-upload-earned]", "₹").await?;
    ensure!(
        held != "₹0.00" && earned != "₹0",
        "the sale's commission is held back and counted on its upload: {held:?}, {earned:?}"
    );
    wait_for_text(
        &app,
        "[data-testid=earnings-next-release]",
        "Next release of held money",
    )
    .await?;
    wait_for_text(
        &app,
        "[data-testid=partner-score] [data-testid=score-breakdown]",
        "Verification pass rate",
    )
    .await?;
    let score = wait_for_text(&app, "[data-testid=partner-score-value]", "").await?;
    ensure!(
        score.parse::<u8>().is_ok_and(|s| s <= 100),
        "the partner score is a number out of 100: {score:?}"
    );
    wait_for_text(&app, "[data-testid=partner-score]", "Approved").await?;
    wait_for_text(
        &app,
        "[data-testid=payout-disabled-reason]",
        "You can request a payout once ₹50.00 is payable.",
    )
    .await?;
    wait_for_attr(&app, "[data-testid=request-payout]", "disabled", "true").await?;
    save_screenshot(&app, "38-partner-dashboard").await?;
    scroll_to(&app, "[data-testid=partner-uploads]").await?;
    save_screenshot(&app, "39-partner-uploads").await?;

    click(&app, "[data-testid=nav-upload]").await?;
    wait_for_text(&app, "[data-testid=uploads]", "Files you keep appear here").await?;

    // A spreadsheet is refused with what to do instead.
    let sheet = desktop.home().join("leads.xlsx");
    std::fs::write(&sheet, b"PK\x03\x04")?;
    desktop.answer_open_dialog(&[&sheet])?;
    click(&app, "[data-testid=choose-file]").await?;
    wait_for_text(
        &app,
        "[data-testid=upload-refused]",
        "“leads.xlsx” is not a CSV file.",
    )
    .await?;

    let file = desktop.home().join("agency-march.csv");
    std::fs::write(&file, messy_file())?;
    desktop.answer_open_dialog(&[&file])?;
    click(&app, "[data-testid=choose-file]").await?;
    wait_for_text(&app, "[data-testid=import-file-name]", "agency-march.csv").await?;
    wait_for_text(
        &app,
        "[data-testid=import-layout]",
        "windows-1252 · semicolon-separated · Header on line 2",
    )
    .await?;
    wait_for_text(
        &app,
        "[data-testid=import-repairs]",
        "converted from windows-1252",
    )
    .await?;
    // The mapping: every column guessed (Notes as the description); the preview marks the bad
    // email cell and the duplicate row.
    wait_for_count(&app, "[data-testid=mapping-row]", 5).await?;
    for (column, field) in [
        (0, "full_name"),
        (1, "email"),
        (2, "phone"),
        (3, "city"),
        (4, "description"),
    ] {
        let value = app
            .find(fantoccini::Locator::Css(&format!(
                "[data-testid=mapping-field-{column}]"
            )))
            .await?
            .prop("value")
            .await?;
        ensure!(
            value.as_deref() == Some(field),
            "column {column} maps to {value:?}, not {field:?}"
        );
    }
    wait_for_count(&app, "[data-testid=preview-row]", 4).await?;
    save_screenshot(&app, "40-upload-mapping").await?;
    scroll_to(&app, "[data-testid=import-preview]").await?;
    wait_for_count(&app, "[data-testid=preview-row][data-ok=false]", 2).await?;
    let bad_email = wait_for_count(
        &app,
        "[data-testid=preview-row] td[data-problem=invalid_email]",
        1,
    )
    .await?;
    let cell = bad_email[0].prop("textContent").await?;
    ensure!(cell.as_deref() == Some("karan-at-example.com"), "{cell:?}");
    wait_for_text(
        &app,
        "[data-testid=row-problem]",
        "duplicate of row 5 (email matches)",
    )
    .await?;
    // WebDriver reads no text of cells cut with an ellipsis: their content is read instead.
    let rows = wait_for_count(&app, "[data-testid=preview-row]", 4).await?;
    let first = rows[0].prop("textContent").await?.unwrap_or_default();
    ensure!(first.contains("Renée Fernandes"), "{first:?}");

    // Every row checked: 2 go, 2 do not, 1 of them a duplicate; the reasons in words.
    scroll_to(&app, "[data-testid=import-summary]").await?;
    wait_for_text(&app, "[data-testid=import-summary]", "Checked 4 rows").await?;
    wait_for_text(&app, "[data-testid=summary-accepted]", "2").await?;
    wait_for_text(&app, "[data-testid=summary-rejected]", "2").await?;
    wait_for_text(&app, "[data-testid=summary-duplicates]", "1").await?;
    wait_for_text(&app, "[data-testid=summary-reasons]", "Invalid email").await?;
    wait_for_text(
        &app,
        "[data-testid=summary-reasons]",
        "Duplicate within the file",
    )
    .await?;

    // No category column: the partner chooses one (the check runs again), saves the rejected
    // rows beside the file and keeps it.
    let category = app
        .find(fantoccini::Locator::Css("[data-testid=import-category]"))
        .await?;
    category.send_keys("real-estate/buy\u{E007}").await?;
    // The summary names the category only once the check under it is done (the one before
    // it still reads "Checked 4 rows"; a click on it would land on a panel about to go).
    wait_for_text(
        &app,
        "[data-testid=summary-category]",
        "Listed under Real estate · Buy",
    )
    .await?;
    wait_for_text(&app, "[data-testid=import-summary]", "Checked 4 rows").await?;
    save_screenshot(&app, "41-upload-checked").await?;
    click(&app, "[data-testid=save-rejected]").await?;
    let rejected = desktop.home().join("agency-march-rejected.csv");
    wait_for_text(
        &app,
        "[data-testid=rejected-saved]",
        &format!("Saved 2 rejected rows to {}", rejected.display()),
    )
    .await?;
    let saved = std::fs::read_to_string(&rejected)?;
    let lines: Vec<&str> = saved.lines().collect();
    ensure!(
        lines.first() == Some(&"Name,E-mail,Mobile,City,Notes,line,reasons"),
        "{saved}"
    );
    ensure!(lines.len() == 3, "{saved}");
    ensure!(
        lines[1].starts_with("Karan Mehta,karan-at-example.com,98200 22222,Pune,,4,"),
        "{saved}"
    );

    click(&app, "[data-testid=keep-import]").await?;
    scroll_to(&app, "[data-testid=upload-notice]").await?;
    wait_for_text(
        &app,
        "[data-testid=upload-notice]",
        "Kept 2 leads from agency-march.csv, waiting to upload. The mapping is remembered as “agency-march”.",
    )
    .await?;
    wait_for_count(&app, "[data-testid=upload-row]", 1).await?;
    scroll_to(&app, "[data-testid=uploads]").await?;
    wait_for_text(&app, "[data-testid=upload-row]", "Waiting to upload").await?;
    save_screenshot(&app, "42-upload-kept").await?;

    // The same file again: its profile applies and its good rows are now duplicates of the
    // upload just kept.
    click(&app, "[data-testid=choose-file]").await?;
    wait_for_text(&app, "[data-testid=import-profile]", "“agency-march”").await?;
    scroll_to(&app, "[data-testid=import-summary]").await?;
    wait_for_text(&app, "[data-testid=summary-accepted]", "0").await?;
    wait_for_text(
        &app,
        "[data-testid=summary-reasons]",
        "In an earlier upload",
    )
    .await?;
    // The partner leaves Notes out: the mapping changes and every row is checked again.
    select_value(&app, "[data-testid=mapping-field-4]", "").await?;
    wait_for_attr(&app, "[data-testid=mapping-field-4]", "value", "").await?;
    wait_for_text(&app, "[data-testid=import-summary]", "Checked 4 rows").await?;
    save_screenshot(&app, "43-upload-again").await?;
    app.close().await?;
    Ok(())
}
