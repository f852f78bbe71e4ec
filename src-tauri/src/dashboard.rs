//! The Dashboard's six stat cards and recent activity (seed 000), computed from the purchased
//! leads (cached, so the numbers survive going offline) and the marketplace feed.

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use leadmart_shared::money::Money;
use leadmart_shared::pipeline::{PipelineStage, roi};
use leadmart_shared::refund::RefundStatus;
use leadmart_shared::wire::{LeadCard, PurchasedLead};
use rust_decimal::Decimal;
use serde::Serialize;
use specta::Type;

use crate::billing::{self, CreditValueDto};
use crate::cache::Cache;
use crate::error::AppError;
use crate::marketplace::{self, BrowseFilters, Connection};
use crate::my_leads;
use crate::session::SessionManager;

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DashboardStats {
    /// Leads listed in the last 24 hours (at most one page is counted).
    pub new_leads_today: u32,
    /// More than `new_leads_today` were listed.
    pub new_leads_today_more: bool,
    pub purchased_this_week: u32,
    pub purchased_this_month: u32,
    /// Share of purchased leads contacted, in percent; `None` before the first purchase.
    pub contact_rate_percent: Option<Decimal>,
    /// Share of purchased leads won, in percent.
    pub conversion_rate_percent: Option<Decimal>,
    /// Credits spent on leads this calendar month, net of approved refunds.
    pub spent_this_month_credits: Decimal,
    /// Their money value, when the credit value is known.
    pub spent_this_month_value: Option<Decimal>,
    pub currency: Option<String>,
    /// Deal values of won leads.
    pub revenue: Decimal,
    /// `(revenue − lead cost) / lead cost × 100`; `None` when nothing was spent or the credit
    /// value is unknown.
    pub roi_percent: Option<Decimal>,
    pub activity: Vec<ActivityItem>,
    pub connection: Connection,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    NewLead,
    Purchased,
    StageChanged,
    RefundRequested,
    RefundApproved,
    RefundDenied,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ActivityItem {
    pub kind: ActivityKind,
    pub lead_id: String,
    /// "3BHK Apartment · Andheri West"
    pub title: String,
    /// The stage moved to, for `stage_changed`.
    pub stage: Option<PipelineStage>,
    /// Price (new leads, purchases) or refunded credits.
    pub credits: Option<Decimal>,
    pub at: DateTime<Utc>,
}

const ACTIVITY_ITEMS: usize = 8;

fn percent(part: usize, whole: usize) -> Option<Decimal> {
    (whole > 0).then(|| {
        (Decimal::from(part as u64) * Decimal::ONE_HUNDRED / Decimal::from(whole as u64))
            .round_dp(0)
    })
}

fn month_start(now: DateTime<Utc>) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0)
        .single()
        .unwrap_or(now)
}

fn refunded(lead: &PurchasedLead) -> bool {
    lead.refund
        .as_ref()
        .is_some_and(|r| r.status == RefundStatus::Approved)
}

fn label(card: &LeadCard) -> String {
    if card.area.is_empty() {
        format!("{} · {}", card.title, card.city)
    } else {
        format!("{} · {}", card.title, card.area)
    }
}

/// The stat cards and activity from what the app knows. Pure: `now` is an input.
pub fn summarize(
    leads: &[PurchasedLead],
    new_leads: &[LeadCard],
    new_leads_more: bool,
    value: Option<&CreditValueDto>,
    connection: Connection,
    now: DateTime<Utc>,
) -> DashboardStats {
    let week_ago = now - Duration::days(7);
    let this_month = month_start(now);
    let count = |pred: &dyn Fn(&PurchasedLead) -> bool| leads.iter().filter(|l| pred(l)).count();
    let contacted = count(&|l| l.stage != PipelineStage::New || !l.contact_log.is_empty());
    let won = count(&|l| l.stage == PipelineStage::Won);
    let net_cost = |l: &PurchasedLead| {
        if refunded(l) {
            Decimal::ZERO
        } else {
            l.price_paid
        }
    };
    let spent_this_month: Decimal = leads
        .iter()
        .filter(|l| l.purchased_at >= this_month)
        .map(net_cost)
        .sum();
    let spent_total: Decimal = leads.iter().map(net_cost).sum();
    let revenue: Decimal = leads.iter().filter_map(|l| l.deal_value).sum();
    let roi_percent = value.and_then(|v| {
        let spend = Money::new(spent_total * v.per_credit).ok()?;
        let revenue = Money::new(revenue).ok()?;
        roi(revenue, spend).map(|r| r.net_percent.round_dp(0))
    });
    let new_today: Vec<&LeadCard> = new_leads
        .iter()
        .filter(|card| card.listed_at >= now - Duration::hours(24))
        .collect();
    DashboardStats {
        new_leads_today: u32::try_from(new_today.len()).unwrap_or(u32::MAX),
        new_leads_today_more: new_leads_more,
        purchased_this_week: u32::try_from(count(&|l| l.purchased_at >= week_ago)).unwrap_or(0),
        purchased_this_month: u32::try_from(count(&|l| l.purchased_at >= this_month)).unwrap_or(0),
        contact_rate_percent: percent(contacted, leads.len()),
        conversion_rate_percent: percent(won, leads.len()),
        spent_this_month_credits: spent_this_month,
        spent_this_month_value: value.map(|v| (spent_this_month * v.per_credit).round_dp(2)),
        currency: value.map(|v| v.currency.clone()),
        revenue,
        roi_percent,
        activity: activity(leads, &new_today),
        connection,
    }
}

fn activity(leads: &[PurchasedLead], new_leads: &[&LeadCard]) -> Vec<ActivityItem> {
    let mut items = Vec::new();
    for card in new_leads {
        items.push(ActivityItem {
            kind: ActivityKind::NewLead,
            lead_id: card.id.clone(),
            title: label(card),
            stage: None,
            credits: Some(card.price_credits),
            at: card.listed_at,
        });
    }
    for lead in leads {
        let item = |kind, stage, credits, at| ActivityItem {
            kind,
            lead_id: lead.lead.card.id.clone(),
            title: label(&lead.lead.card),
            stage,
            credits,
            at,
        };
        items.push(item(
            ActivityKind::Purchased,
            None,
            Some(lead.price_paid),
            lead.purchased_at,
        ));
        for change in &lead.stage_history {
            items.push(item(
                ActivityKind::StageChanged,
                Some(change.to),
                None,
                change.at,
            ));
        }
        if let Some(refund) = &lead.refund {
            let (kind, at) = match (refund.status, refund.decided_at) {
                (RefundStatus::Approved, Some(at)) => (ActivityKind::RefundApproved, at),
                (RefundStatus::Denied, Some(at)) => (ActivityKind::RefundDenied, at),
                _ => (ActivityKind::RefundRequested, refund.requested_at),
            };
            items.push(item(kind, None, Some(refund.credits), at));
        }
    }
    items.sort_by_key(|item| std::cmp::Reverse(item.at));
    items.truncate(ACTIVITY_ITEMS);
    items
}

/// The Dashboard: stats from My Leads (cache when offline) and the last 24 hours of listings.
pub async fn stats(
    session: &SessionManager,
    cache: &Cache,
    now: DateTime<Utc>,
) -> Result<DashboardStats, AppError> {
    let mine = my_leads::list(session, cache, now).await?;
    let filters = BrowseFilters {
        max_age_hours: Some(24),
        ..BrowseFilters::default()
    };
    let listed = marketplace::browse(session, cache, &filters).await?;
    let value = match mine.connection {
        Connection::Online => billing::value(session).await.unwrap_or(None),
        Connection::Offline => None,
    };
    Ok(summarize(
        &mine.leads,
        &listed.leads,
        listed.next_cursor.is_some(),
        value.as_ref(),
        mine.connection,
        now,
    ))
}
