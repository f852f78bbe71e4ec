//! The admin console's lead inventory: every lead, filtered by status, category, words and
//! partner, newest first; and bulk unlist / relist, each bulk change one audit-log entry in its
//! own transaction. Admins only. Buyers who bought a lead keep it whatever happens here.

pub mod store;

use axum::Json;
use axum::extract::State;
use leadmart_shared::account::Role;
use leadmart_shared::lead::{LeadSource, ListingStatus};
use leadmart_shared::wire::ApiErrorBody;
use leadmart_shared::wire::inventory::{
    InventoryFilter, InventoryLead, InventoryPage, InventoryStatus, ListingAction, ListingChange,
    ListingChanged, ListingHold,
};
use rust_decimal::Decimal;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::audit::{self, AuditAction};
use crate::auth::AuthUser;
use crate::error::{ApiError, JsonBody, QueryParams};
use crate::marketplace::parse_id;
use crate::marketplace::store::{Bind, Conditions};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(inventory))
        .routes(routes!(change_listing))
}

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 200;
/// Leads one bulk change may name.
const MAX_BULK: usize = 500;
/// Lead ids an audit entry's subject spells out before it counts the rest.
const SUBJECT_IDS: usize = 20;

/// The inventory: a page of leads meeting the filters, newest first.
#[utoipa::path(
    get,
    path = "/admin/leads",
    tag = "admin",
    params(InventoryFilter),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of the inventory", body = InventoryPage),
        (status = "4XX", description = "error codes: unauthorized, forbidden, bad_request, not_found", body = ApiErrorBody),
    )
)]
async fn inventory(
    State(state): State<AppState>,
    admin: AuthUser,
    QueryParams(filter): QueryParams<InventoryFilter>,
) -> Result<Json<InventoryPage>, ApiError> {
    admin.require(Role::Admin)?;
    let now = crate::db::now();
    let mut conditions = Conditions::at(now);
    if let Some(status) = filter.status {
        conditions.and_fixed(store::status_clause(status));
    }
    if let Some(category) = filter.category.as_deref().map(str::trim)
        && !category.is_empty()
    {
        conditions.and(
            "(l.category = ? OR l.category LIKE ?)",
            [
                Bind::Text(category.to_owned()),
                Bind::Text(format!("{}/%", without_wildcards(category))),
            ],
        );
    }
    for word in filter.q.as_deref().unwrap_or("").split_whitespace() {
        let pattern = format!("%{}%", without_wildcards(&word.to_lowercase()));
        conditions.and(
            "(LOWER(l.title) LIKE ? OR LOWER(l.city) LIKE ? OR LOWER(l.area) LIKE ?)",
            std::iter::repeat_n(Bind::Text(pattern), 3),
        );
    }
    if let Some(partner) = &filter.partner {
        conditions.and(
            "l.partner_id = ?",
            [Bind::Int(parse_id(partner, "partner")?)],
        );
    }
    let offset = filter.offset.unwrap_or(0);
    let limit = filter.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let mut tx = state.db.begin_read().await?;
    let (rows, total) = store::page(&mut tx, &conditions, offset, limit).await?;
    tx.commit().await?;
    let leads = rows
        .into_iter()
        .map(|row| inventory_lead(row, now))
        .collect::<Result<_, _>>()?;
    Ok(Json(InventoryPage {
        leads,
        total: u32::try_from(total).unwrap_or(u32::MAX),
        offset,
    }))
}

/// `%` and `_` typed in a filter are text, not wildcards.
fn without_wildcards(text: &str) -> String {
    text.replace(['%', '_'], "")
}

fn inventory_lead(
    row: store::InventoryRow,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<InventoryLead, ApiError> {
    let status = ListingStatus::parse(&row.status).map_err(ApiError::corrupt)?;
    let count = |n: i32| u32::try_from(n).map_err(ApiError::corrupt);
    let (purchases, max_buyers) = (count(row.purchases)?, count(row.max_buyers)?);
    let hold = match row.held_for.as_deref() {
        None => None,
        Some("review") => Some(ListingHold::Review),
        Some("suspended") => Some(ListingHold::Suspended),
        Some("admin") => Some(ListingHold::Admin),
        Some(other) => return Err(ApiError::corrupt(format!("lead hold {other:?}"))),
    };
    Ok(InventoryLead {
        id: row.id.to_string(),
        title: row.title,
        category: row.category,
        city: row.city,
        area: row.area,
        score: u8::try_from(row.score).map_err(ApiError::corrupt)?,
        status: InventoryStatus::of(status, row.expires_at, purchases, max_buyers, now),
        hold,
        source: LeadSource::parse(&row.source).map_err(ApiError::corrupt)?,
        partner: row.partner,
        purchases,
        max_buyers,
        price: Decimal::new(row.price_x100.unwrap_or(0), 2).normalize(),
        listed_at: row.listed_at,
        expires_at: row.expires_at,
    })
}

/// Takes open leads off the marketplace, or puts back leads an admin took off (unless they
/// expired meanwhile), in one transaction with its audit-log entry.
#[utoipa::path(
    post,
    path = "/admin/leads/listing",
    tag = "admin",
    request_body = ListingChange,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The leads changed and those left as they were", body = ListingChanged),
        (status = "4XX", description = "error codes: unauthorized, forbidden, validation", body = ApiErrorBody),
    )
)]
async fn change_listing(
    State(state): State<AppState>,
    admin: AuthUser,
    JsonBody(change): JsonBody<ListingChange>,
) -> Result<Json<ListingChanged>, ApiError> {
    admin.require(Role::Admin)?;
    if change.lead_ids.is_empty() || change.lead_ids.len() > MAX_BULK {
        return Err(ApiError::validation(format!(
            "leadIds: name 1 to {MAX_BULK} leads"
        )));
    }
    let mut ids = Vec::with_capacity(change.lead_ids.len());
    for raw in &change.lead_ids {
        ids.push(
            raw.parse::<leadmart_shared::ids::LeadId>()
                .map_err(|_| ApiError::validation(format!("leadIds: {raw:?} is not a lead id")))?
                .get(),
        );
    }
    ids.sort_unstable();
    ids.dedup();
    let now = crate::db::now();
    let mut tx = state.db.begin_write().await?;
    let changed = store::change_listing(&mut tx, change.action, &ids, now).await?;
    if !changed.is_empty() {
        let (action, done) = match change.action {
            ListingAction::Unlist => (AuditAction::LeadsUnlisted, "unlisted"),
            ListingAction::Relist => (AuditAction::LeadsRelisted, "listed again"),
        };
        let detail = match changed.len() {
            1 => format!("1 lead {done}"),
            n => format!("{n} leads {done}"),
        };
        audit::record(
            &mut tx,
            admin.id,
            action,
            &leads_subject(&changed),
            &detail,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    let unchanged = ids
        .iter()
        .filter(|id| changed.binary_search(id).is_err())
        .map(ToString::to_string)
        .collect();
    Ok(Json(ListingChanged {
        changed: changed.iter().map(ToString::to_string).collect(),
        unchanged,
    }))
}

/// `lead 7`, or `leads 7, 8, 9`, or the first twenty and `and 30 more`.
fn leads_subject(ids: &[i64]) -> String {
    let shown: Vec<String> = ids
        .iter()
        .take(SUBJECT_IDS)
        .map(ToString::to_string)
        .collect();
    let noun = if ids.len() == 1 { "lead" } else { "leads" };
    let more = ids.len().saturating_sub(SUBJECT_IDS);
    if more > 0 {
        format!("{noun} {} and {more} more", shown.join(", "))
    } else {
        format!("{noun} {}", shown.join(", "))
    }
}
