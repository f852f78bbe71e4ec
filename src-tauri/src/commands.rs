//! Tauri commands: parse, call a module, map the error. Nothing else belongs here.

use std::path::PathBuf;
use std::time::Duration;

use tauri::State;
use tauri_specta::Event as _;

use leadmart_shared::analytics::SpendingSummary;
use leadmart_shared::csv_rules::LeadField;
use leadmart_shared::messages::{TemplateKind, TemplateText};
use leadmart_shared::pipeline::{ContactChannel, ContactOutcome, PipelineStage};
use leadmart_shared::refund::RefundReason;
use leadmart_shared::wire::inventory::{
    InventoryFilter, InventoryPage, ListingAction, ListingChanged,
};
use leadmart_shared::wire::partner::{
    AdminPartnerDto, PartnerAction, PartnerDashboard, PartnerEarnings, PayoutDto, UploadDto,
};
use leadmart_shared::wire::{
    AdminOverviewDto, AdminRefundDto, AgentPreferencesDto, AuditEntryDto, AutoRechargeDto,
    CreditAmount, CreditBalance, CreditPackageDto, CreditPurchaseResult, CreditValueDto,
    LeadPreviewDto, LedgerPage, MeDto, PurchaseQuote, PurchaseResponse, PurchasedLead, RefundDto,
};
use rust_decimal::Decimal;

use crate::AppCore;
use crate::admin;
use crate::analytics::{self, AnalyticsView};
use crate::billing;
use crate::cache::{BriefcaseQuery, SearchHit};
use crate::contact::{self, ContactOpened};
use crate::dashboard::{self, DashboardView};
use crate::error::AppError;
use crate::events::ImportProgressEvent;
use crate::export::{self, ExportFormat, Exported};
use crate::import::{self, ImportDraft, ImportSummary, KeptUpload, SavedFile, UploadView};
use crate::marketplace::{self, BrowseFilters, BrowsePage, MarketplaceFeed};
use crate::messages::{self, DraftMessage, TemplatesView};
use crate::my_leads::{self, MyLeadView, MyLeadsView};
use crate::sync::SyncStatus;
use crate::{partner, preferences, purchases};
use leadmart_shared::performance::DateRange;

/// Who is signed in (restored from the keychain), or `null`.
#[tauri::command]
#[specta::specta]
pub async fn current_user(core: State<'_, AppCore>) -> Result<Option<MeDto>, AppError> {
    crate::desktop::interactive();
    core.session.current_user().await
}

#[tauri::command]
#[specta::specta]
pub async fn sign_in(
    core: State<'_, AppCore>,
    email: String,
    password: String,
) -> Result<MeDto, AppError> {
    core.session.sign_in(email, password).await
}

/// Signs out; refuses with `unsent_edits` while edits wait, unless `even_with_unsent`.
#[tauri::command]
#[specta::specta]
pub async fn sign_out(core: State<'_, AppCore>, even_with_unsent: bool) -> Result<(), AppError> {
    crate::sync::sign_out(&core.session, even_with_unsent).await
}

/// The marketplace feed: live when the API answers, else the cached page marked offline.
#[tauri::command]
#[specta::specta]
pub async fn load_marketplace_feed(core: State<'_, AppCore>) -> Result<MarketplaceFeed, AppError> {
    let cache = core.session.cache().await?;
    marketplace::load_feed(&core.session, &cache, chrono::Utc::now()).await
}

// ---- Marketplace ------------------------------------------------------------------------

/// Available Leads: one page with the filter bar's filters and sort.
#[tauri::command]
#[specta::specta]
pub async fn browse_marketplace(
    core: State<'_, AppCore>,
    filters: BrowseFilters,
) -> Result<BrowsePage, AppError> {
    let cache = core.session.cache().await?;
    marketplace::browse(&core.session, &cache, &filters).await
}

/// The preview modal (counts a view): masked lead, score breakdown, price, views, claims.
#[tauri::command]
#[specta::specta]
pub async fn preview_lead(
    core: State<'_, AppCore>,
    lead_id: String,
) -> Result<LeadPreviewDto, AppError> {
    marketplace::preview(&core.session, &lead_id).await
}

/// Buys a lead (retries reuse the attempt's Idempotency-Key); answers the full lead.
#[tauri::command]
#[specta::specta]
pub async fn purchase_lead(
    core: State<'_, AppCore>,
    lead_id: String,
) -> Result<PurchaseResponse, AppError> {
    let cache = core.session.cache().await?;
    purchases::purchase(&core.session, &cache, &lead_id, chrono::Utc::now()).await
}

// ---- My leads ---------------------------------------------------------------------------

#[tauri::command]
#[specta::specta]
pub async fn my_leads(core: State<'_, AppCore>) -> Result<MyLeadsView, AppError> {
    let cache = core.session.cache().await?;
    my_leads::list(&core.session, &cache, chrono::Utc::now()).await
}

#[tauri::command]
#[specta::specta]
pub async fn my_lead(core: State<'_, AppCore>, lead_id: String) -> Result<MyLeadView, AppError> {
    let cache = core.session.cache().await?;
    my_leads::detail(&core.session, &cache, &lead_id).await
}

/// Moves a purchased lead along the pipeline; `won` needs `dealValue`.
#[tauri::command]
#[specta::specta]
pub async fn change_lead_stage(
    core: State<'_, AppCore>,
    lead_id: String,
    stage: PipelineStage,
    deal_value: Option<Decimal>,
) -> Result<PurchasedLead, AppError> {
    let now = chrono::Utc::now();
    let cache = core.session.cache().await?;
    my_leads::change_stage(&core.session, &cache, &lead_id, stage, deal_value, now).await
}

#[tauri::command]
#[specta::specta]
pub async fn add_lead_note(
    core: State<'_, AppCore>,
    lead_id: String,
    body: String,
) -> Result<PurchasedLead, AppError> {
    let cache = core.session.cache().await?;
    my_leads::add_note(&core.session, &cache, &lead_id, body, chrono::Utc::now()).await
}

/// Says what came of a logged contact attempt (reached, no answer, wrong number, bounced).
#[tauri::command]
#[specta::specta]
pub async fn mark_contact_outcome(
    core: State<'_, AppCore>,
    lead_id: String,
    attempt_at: chrono::DateTime<chrono::Utc>,
    outcome: ContactOutcome,
) -> Result<PurchasedLead, AppError> {
    let now = chrono::Utc::now();
    let cache = core.session.cache().await?;
    my_leads::mark_contact(&core.session, &cache, &lead_id, attempt_at, outcome, now).await
}

/// Sends an edit the marketplace refused once more (it goes to the end of the outbox).
#[tauri::command]
#[specta::specta]
pub async fn retry_sync_edit(core: State<'_, AppCore>, seq: u32) -> Result<(), AppError> {
    let cache = core.session.cache().await?;
    my_leads::retry_edit(&core.session, &cache, seq, chrono::Utc::now()).await
}

/// Drops an edit the marketplace refused.
#[tauri::command]
#[specta::specta]
pub async fn discard_sync_edit(core: State<'_, AppCore>, seq: u32) -> Result<(), AppError> {
    let cache = core.session.cache().await?;
    my_leads::discard_edit(&cache, seq).await
}

/// Exports the purchased leads in `lead_ids` (all when `None`) as CSV or vCards to a file the
/// agent chooses; `None` when they cancelled the dialog. Works offline.
#[tauri::command]
#[specta::specta]
pub async fn export_my_leads(
    core: State<'_, AppCore>,
    format: ExportFormat,
    lead_ids: Option<Vec<String>>,
) -> Result<Option<Exported>, AppError> {
    let cache = core.session.cache().await?;
    let suggested = in_documents(format.file_name());
    match ask_where_to_save(&core, suggested, format.save_kind()).await? {
        Some(path) => Ok(Some(
            export::export(&cache, format, lead_ids.as_deref(), &path).await?,
        )),
        None => Ok(None),
    }
}

/// Where the agent wants a file of `kind` saved, starting at `suggested` (the OS's save
/// dialog, off the async threads); `None` when they cancelled.
async fn ask_where_to_save(
    core: &AppCore,
    suggested: PathBuf,
    kind: import::SaveKind,
) -> Result<Option<PathBuf>, AppError> {
    let dialogs = core.dialogs.clone();
    tokio::task::spawn_blocking(move || dialogs.save_as(&suggested, &kind))
        .await
        .map_err(|err| AppError::Invalid {
            message: format!("The file dialog failed: {err}"),
        })
}

/// `name` in the user's Documents folder (their home when there is none).
fn in_documents(name: &str) -> PathBuf {
    dirs::document_dir()
        .or_else(dirs::home_dir)
        .unwrap_or_default()
        .join(name)
}

/// Exports the Analytics page's funnel and tables for `range` as CSV to a file the agent
/// chooses; `None` when they cancelled.
#[tauri::command]
#[specta::specta]
pub async fn export_analytics(
    core: State<'_, AppCore>,
    range: DateRange,
) -> Result<Option<Exported>, AppError> {
    let cache = core.session.cache().await?;
    let view = analytics::view(&core.session, &cache, &range, chrono::Utc::now()).await?;
    let suggested = in_documents("leadmart-analytics.csv");
    let Some(path) = ask_where_to_save(&core, suggested, export::ANALYTICS).await? else {
        return Ok(None);
    };
    Ok(Some(export::save_analytics(&view.report, &path)?))
}

/// The Analytics page for the leads bought in `range` (works offline).
#[tauri::command]
#[specta::specta]
pub async fn analytics_report(
    core: State<'_, AppCore>,
    range: DateRange,
) -> Result<AnalyticsView, AppError> {
    let cache = core.session.cache().await?;
    analytics::view(&core.session, &cache, &range, chrono::Utc::now()).await
}

/// What the briefcase sync is doing (then follow `SyncStatusChanged`).
#[tauri::command]
#[specta::specta]
pub fn sync_status(core: State<'_, AppCore>) -> SyncStatus {
    core.session.sync().status()
}

/// Stops a long sync after its current page; nothing syncs until [`resume_sync`].
#[tauri::command]
#[specta::specta]
pub fn pause_sync(core: State<'_, AppCore>) {
    core.session.sync().pause();
}

#[tauri::command]
#[specta::specta]
pub fn resume_sync(core: State<'_, AppCore>) {
    core.session.sync().resume();
}

/// Searches the purchased leads on this computer: works offline, answers in milliseconds.
#[tauri::command]
#[specta::specta]
pub async fn search_my_leads(
    core: State<'_, AppCore>,
    query: BriefcaseQuery,
) -> Result<Vec<SearchHit>, AppError> {
    let cache = core.session.cache().await?;
    Ok(cache.search_purchased(&query).await?)
}

/// The agent has read that their offline copy was set aside and downloaded again.
#[tauri::command]
#[specta::specta]
pub async fn dismiss_cache_reset(core: State<'_, AppCore>) -> Result<(), AppError> {
    let cache = core.session.cache().await?;
    Ok(cache.dismiss_cache_reset().await?)
}

#[tauri::command]
#[specta::specta]
pub async fn request_refund(
    core: State<'_, AppCore>,
    lead_id: String,
    reason: RefundReason,
    note: String,
) -> Result<PurchasedLead, AppError> {
    let cache = core.session.cache().await?;
    my_leads::request_refund(&core.session, &cache, &lead_id, reason, note).await
}

/// Calls, emails, WhatsApps or texts a purchased lead through the OS, and logs the attempt.
#[tauri::command]
#[specta::specta]
pub async fn open_contact(
    app: tauri::AppHandle,
    core: State<'_, AppCore>,
    lead_id: String,
    channel: ContactChannel,
) -> Result<ContactOpened, AppError> {
    let opener = crate::SystemOpener(app);
    let now = chrono::Utc::now();
    let cache = core.session.cache().await?;
    contact::open_contact(&core.session, &cache, &opener, &lead_id, channel, now).await
}

// ---- Messages ------------------------------------------------------------------------

/// The message templates (the agent's own wording where they rewrote one) and their variables.
#[tauri::command]
#[specta::specta]
pub async fn message_templates(core: State<'_, AppCore>) -> Result<TemplatesView, AppError> {
    messages::templates(&core.session.cache().await?).await
}

#[tauri::command]
#[specta::specta]
pub async fn save_message_template(
    core: State<'_, AppCore>,
    kind: TemplateKind,
    subject: String,
    body: String,
) -> Result<TemplatesView, AppError> {
    let cache = core.session.cache().await?;
    let text = TemplateText { subject, body };
    messages::save_template(&cache, kind, text, chrono::Utc::now()).await
}

#[tauri::command]
#[specta::specta]
pub async fn reset_message_template(
    core: State<'_, AppCore>,
    kind: TemplateKind,
) -> Result<TemplatesView, AppError> {
    messages::reset_template(&core.session.cache().await?, kind).await
}

/// Template `kind` filled for a bought lead.
#[tauri::command]
#[specta::specta]
pub async fn draft_message(
    core: State<'_, AppCore>,
    lead_id: String,
    kind: TemplateKind,
) -> Result<DraftMessage, AppError> {
    let cache = core.session.cache().await?;
    messages::draft(&core.session, &cache, &lead_id, kind).await
}

/// Opens the message in the mail client, WhatsApp or the SMS app and logs it.
#[tauri::command]
#[specta::specta]
pub async fn send_message(
    app: tauri::AppHandle,
    core: State<'_, AppCore>,
    lead_id: String,
    channel: ContactChannel,
    message: DraftMessage,
) -> Result<ContactOpened, AppError> {
    let opener = crate::SystemOpener(app);
    let cache = core.session.cache().await?;
    let now = chrono::Utc::now();
    messages::send(
        &core.session,
        &cache,
        &opener,
        &lead_id,
        channel,
        message,
        now,
    )
    .await
}

// ---- Admin console -------------------------------------------------------------------

#[tauri::command]
#[specta::specta]
pub async fn admin_overview(
    core: State<'_, AppCore>,
    days: u32,
) -> Result<AdminOverviewDto, AppError> {
    admin::overview(&core.session, days).await
}

#[tauri::command]
#[specta::specta]
pub async fn admin_refund_queue(core: State<'_, AppCore>) -> Result<Vec<AdminRefundDto>, AppError> {
    admin::refund_queue(&core.session).await
}

#[tauri::command]
#[specta::specta]
pub async fn decide_refund(
    core: State<'_, AppCore>,
    refund_id: String,
    approve: bool,
    note: Option<String>,
) -> Result<RefundDto, AppError> {
    admin::decide_refund(&core.session, &refund_id, approve, note).await
}

#[tauri::command]
#[specta::specta]
pub async fn audit_log(core: State<'_, AppCore>) -> Result<Vec<AuditEntryDto>, AppError> {
    admin::audit_log(&core.session).await
}

#[tauri::command]
#[specta::specta]
pub async fn admin_inventory(
    core: State<'_, AppCore>,
    filter: InventoryFilter,
) -> Result<InventoryPage, AppError> {
    admin::inventory(&core.session, &filter).await
}

#[tauri::command]
#[specta::specta]
pub async fn change_listing(
    core: State<'_, AppCore>,
    action: ListingAction,
    lead_ids: Vec<String>,
) -> Result<ListingChanged, AppError> {
    admin::change_listing(&core.session, action, lead_ids).await
}

#[tauri::command]
#[specta::specta]
pub async fn admin_partners(core: State<'_, AppCore>) -> Result<Vec<AdminPartnerDto>, AppError> {
    admin::partners(&core.session).await
}

#[tauri::command]
#[specta::specta]
pub async fn decide_partner(
    core: State<'_, AppCore>,
    partner_id: String,
    action: PartnerAction,
) -> Result<AdminPartnerDto, AppError> {
    admin::decide_partner(&core.session, &partner_id, action).await
}

// ---- Credits and billing ----------------------------------------------------------------

#[tauri::command]
#[specta::specta]
pub async fn credit_balance(core: State<'_, AppCore>) -> Result<CreditBalance, AppError> {
    let cache = core.session.cache().await?;
    billing::balance(&core.session, &cache).await
}

#[tauri::command]
#[specta::specta]
pub async fn credit_packages(core: State<'_, AppCore>) -> Result<Vec<CreditPackageDto>, AppError> {
    let cache = core.session.cache().await?;
    billing::packages(&core.session, &cache).await
}

/// What one credit is worth in the marketplace currency, when known.
#[tauri::command]
#[specta::specta]
pub async fn credit_value(core: State<'_, AppCore>) -> Result<Option<CreditValueDto>, AppError> {
    let cache = core.session.cache().await?;
    billing::value(&core.session, &cache).await
}

/// `credits` with their worth at `value` (from `credit_value`): the UI formats, never multiplies.
#[tauri::command]
#[specta::specta]
pub async fn credit_amount(
    credits: Decimal,
    value: Option<CreditValueDto>,
) -> Result<CreditAmount, AppError> {
    Ok(billing::amount(credits, value.as_ref()))
}

/// The purchase confirmation: price, balance now and after, with their worth.
#[tauri::command]
#[specta::specta]
pub async fn purchase_quote(
    balance: Decimal,
    price: Decimal,
    value: Option<CreditValueDto>,
) -> Result<PurchaseQuote, AppError> {
    Ok(billing::quote(balance, price, value.as_ref()))
}

#[tauri::command]
#[specta::specta]
pub async fn credit_transactions(
    core: State<'_, AppCore>,
    cursor: Option<String>,
) -> Result<LedgerPage, AppError> {
    let cache = core.session.cache().await?;
    billing::transactions(&core.session, &cache, cursor).await
}

#[tauri::command]
#[specta::specta]
pub async fn buy_credits(
    core: State<'_, AppCore>,
    package_code: String,
) -> Result<CreditPurchaseResult, AppError> {
    billing::buy_package(&core.session, package_code).await
}

#[tauri::command]
#[specta::specta]
pub async fn monthly_spending(
    core: State<'_, AppCore>,
    months: u32,
) -> Result<SpendingSummary, AppError> {
    let cache = core.session.cache().await?;
    billing::spending(&core.session, &cache, months).await
}

#[tauri::command]
#[specta::specta]
pub async fn get_auto_recharge(core: State<'_, AppCore>) -> Result<AutoRechargeDto, AppError> {
    billing::auto_recharge(&core.session).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_auto_recharge(
    core: State<'_, AppCore>,
    rule: AutoRechargeDto,
) -> Result<AutoRechargeDto, AppError> {
    billing::set_auto_recharge(&core.session, &rule).await
}

// ---- Dashboard and settings -------------------------------------------------------------

#[tauri::command]
#[specta::specta]
pub async fn dashboard_stats(core: State<'_, AppCore>) -> Result<DashboardView, AppError> {
    let cache = core.session.cache().await?;
    dashboard::stats(&core.session, &cache, chrono::Utc::now()).await
}

#[tauri::command]
#[specta::specta]
pub async fn get_preferences(core: State<'_, AppCore>) -> Result<AgentPreferencesDto, AppError> {
    let cache = core.session.cache().await?;
    preferences::get(&core.session, &cache).await
}

#[tauri::command]
#[specta::specta]
pub async fn update_preferences(
    core: State<'_, AppCore>,
    preferences: AgentPreferencesDto,
) -> Result<AgentPreferencesDto, AppError> {
    preferences::update(&core.session, &preferences).await
}

// ---- CSV import (partners) --------------------------------------------------------------

/// The signed-in partner's cache, or why an import cannot start.
async fn partner_cache(core: &AppCore) -> Result<crate::cache::Cache, AppError> {
    let role = core.session.current_user().await?.map(|user| user.role);
    import::partner_cache(role, core.session.cache().await?)
}

/// The one path of a drop or a pick, opened as an import draft. The window's drop handler
/// and [`pick_import_file`] both come here.
pub async fn open_import(core: &AppCore, paths: &[PathBuf]) -> Result<ImportDraft, AppError> {
    let path = import::single_csv(paths)?;
    let cache = partner_cache(core).await?;
    core.imports.open(path, Some(&cache), None).await
}

/// "Choose file…": the OS's open dialog, then exactly what a drop does — the outcome arrives
/// as a `FilesDropped` event. Answers whether a file was chosen.
#[tauri::command]
#[specta::specta]
pub async fn pick_import_file(
    app: tauri::AppHandle,
    core: State<'_, AppCore>,
) -> Result<bool, AppError> {
    let dialogs = core.dialogs.clone();
    let picked = tokio::task::spawn_blocking(move || dialogs.pick_csv())
        .await
        .map_err(|err| AppError::Invalid {
            message: format!("The file dialog failed: {err}"),
        })?;
    if picked.is_empty() {
        return Ok(false);
    }
    crate::files_dropped(app, picked).await;
    Ok(true)
}

/// Maps a column to a lead field (`null`: ignore the column); answers the new preview.
#[tauri::command]
#[specta::specta]
pub async fn set_import_mapping(
    core: State<'_, AppCore>,
    import_id: String,
    column: u32,
    field: Option<LeadField>,
) -> Result<ImportDraft, AppError> {
    core.imports.set_mapping(&import_id, column, field).await
}

/// The category of rows without one of their own (empty: none).
#[tauri::command]
#[specta::specta]
pub async fn set_import_category(
    core: State<'_, AppCore>,
    import_id: String,
    category: Option<String>,
) -> Result<ImportDraft, AppError> {
    core.imports.set_category(&import_id, category).await
}

/// Checks every row, sending `ImportProgress` events; `cancel_import` stops it.
#[tauri::command]
#[specta::specta]
pub async fn check_import(
    app: tauri::AppHandle,
    core: State<'_, AppCore>,
    import_id: String,
) -> Result<ImportSummary, AppError> {
    core.imports
        .check(&import_id, Duration::from_millis(100), move |progress| {
            if let Err(err) = ImportProgressEvent(progress).emit(&app) {
                tracing::warn!(error = %err, "import progress not sent");
            }
        })
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn cancel_import(core: State<'_, AppCore>, import_id: String) -> Result<(), AppError> {
    core.imports.cancel(&import_id)
}

/// "Save rejected rows": asks where (beside the file by default) and writes them. `null` when
/// the partner cancelled the dialog.
#[tauri::command]
#[specta::specta]
pub async fn save_rejected_rows(
    core: State<'_, AppCore>,
    import_id: String,
) -> Result<Option<SavedFile>, AppError> {
    let suggested = core.imports.suggested_rejected_path(&import_id)?;
    match ask_where_to_save(&core, suggested, import::REJECTED_ROWS).await? {
        Some(out) => core.imports.save_rejected(&import_id, &out).await.map(Some),
        None => Ok(None),
    }
}

/// Keeps the checked file as an upload (its accepted rows count against the next files) and
/// remembers its mapping for files with the same headers.
#[tauri::command]
#[specta::specta]
pub async fn keep_import(
    core: State<'_, AppCore>,
    import_id: String,
    profile_name: Option<String>,
) -> Result<KeptUpload, AppError> {
    let cache = partner_cache(&core).await?;
    core.imports
        .keep(
            &import_id,
            &cache,
            profile_name.as_deref(),
            chrono::Utc::now(),
        )
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn close_import(core: State<'_, AppCore>, import_id: String) -> Result<(), AppError> {
    core.imports.close(&import_id);
    Ok(())
}

/// The uploads kept on this computer, newest first.
#[tauri::command]
#[specta::specta]
pub async fn my_uploads(core: State<'_, AppCore>) -> Result<Vec<UploadView>, AppError> {
    let cache = partner_cache(&core).await?;
    Ok(cache
        .uploads()
        .await?
        .into_iter()
        .map(UploadView::from)
        .collect())
}

// ---- Partner dashboard and earnings ------------------------------------------------------

#[tauri::command]
#[specta::specta]
pub async fn partner_dashboard(core: State<'_, AppCore>) -> Result<PartnerDashboard, AppError> {
    partner::dashboard(&core.session).await
}

/// The uploads the server holds, with accepted, rejected, duplicates, listed, sold and earned.
#[tauri::command]
#[specta::specta]
pub async fn partner_uploads(core: State<'_, AppCore>) -> Result<Vec<UploadDto>, AppError> {
    partner::uploads(&core.session).await
}

#[tauri::command]
#[specta::specta]
pub async fn partner_earnings(core: State<'_, AppCore>) -> Result<PartnerEarnings, AppError> {
    partner::earnings(&core.session).await
}

/// "Request payout": the whole payable balance, when it has reached the minimum.
#[tauri::command]
#[specta::specta]
pub async fn request_payout(core: State<'_, AppCore>) -> Result<PayoutDto, AppError> {
    partner::request_payout(&core.session).await
}

/// What the window shows about updates now (it also hears `UpdateStatus` as it changes).
#[tauri::command]
#[specta::specta]
pub fn update_status(updates: State<'_, crate::updates::Updates>) -> crate::updates::UpdateStatus {
    updates.status()
}

/// "Restart now": installs the downloaded, verified update and restarts into it.
#[tauri::command]
#[specta::specta]
pub fn restart_to_update(
    app: tauri::AppHandle,
    updates: State<'_, crate::updates::Updates>,
) -> Result<(), AppError> {
    updates.install_and_restart(&app)
}

/// The lead a `leadmart://lead/<id>` link asked for, once (`null` when none is waiting).
#[tauri::command]
#[specta::specta]
pub fn take_open_request(requests: State<'_, crate::desktop::OpenRequests>) -> Option<String> {
    requests.take()
}

/// Whether Leadmart opens when the person signs in to the computer.
#[tauri::command]
#[specta::specta]
pub fn launch_at_login(app: tauri::AppHandle) -> Result<bool, AppError> {
    crate::desktop::launches_at_login(&app)
}

/// Opt in to (or out of) opening at login; answers the new state.
#[tauri::command]
#[specta::specta]
pub fn set_launch_at_login(app: tauri::AppHandle, on: bool) -> Result<bool, AppError> {
    crate::desktop::set_launch_at_login(&app, on)
}
