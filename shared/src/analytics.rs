//! The buyer's numbers: the Dashboard's statistics and recent activity ([`dashboard_stats`]) and
//! the Billing page's monthly spending ([`spending_summary`]). The app calls these on what it
//! has (cached purchases, the last listings) and shows the result; it computes nothing itself.
//!
//! Rules:
//! - Spend is net of approved refunds, per lead, never below zero.
//! - Rates (contact, conversion) are fractions in `0..=1`; ROI is the net fraction
//!   `(revenue − spend) / spend` (11.8 is 1,180%).
//! - Amounts in different currencies are never added: deal values are grouped by their lead's
//!   currency, and ROI exists only where revenue and spend share the credit's currency.
//! - "This month" and "today" are the agent's calendar, in their IANA time zone.

use crate::money::{CreditValue, Credits, Money};
use crate::pipeline::{PipelineStage, roi};
use crate::refund::RefundStatus;
use crate::wire::{CreditAmount, LeadCard, MonthlySpend, PurchasedLead};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;
use specta::Type;

pub use crate::local_time::MARKETPLACE_TIME_ZONE;

/// How many items the Dashboard's recent activity lists.
pub const ACTIVITY_ITEMS: usize = 8;

/// Decimal places of a rate sent to the UI (a percentage with two decimals).
const RATE_DP: u32 = 4;

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DashboardStats {
    /// Leads listed since midnight in the agent's time zone (at most one page is counted).
    pub new_leads_today: u32,
    /// More than `new_leads_today` were listed.
    pub new_leads_today_more: bool,
    /// Bought in the last 7 days.
    pub purchased_this_week: u32,
    /// Bought this calendar month in the agent's time zone.
    pub purchased_this_month: u32,
    /// Share of purchased leads contacted, `0..=1`; `None` before the first purchase.
    pub contact_rate: Option<Decimal>,
    /// Share of purchased leads won, `0..=1`.
    pub conversion_rate: Option<Decimal>,
    /// Credits spent on leads bought this month, net of approved refunds, with their worth.
    pub spent_this_month: CreditAmount,
    /// Credits spent on all purchased leads, net of approved refunds.
    pub spent_total: CreditAmount,
    /// Outcomes per currency of the leads (deal values are in the lead's currency).
    pub by_currency: Vec<CurrencyOutcome>,
    /// ROI in the credit's currency, as a net fraction; `None` when nothing was spent there or
    /// the credit value is unknown.
    pub roi: Option<Decimal>,
    pub activity: Vec<ActivityItem>,
}

/// The leads whose budgets and deals are in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CurrencyOutcome {
    /// ISO 4217 code of the leads' budgets and deal values.
    pub currency: String,
    pub leads: u32,
    pub won: u32,
    /// Deal values of the won leads, in `currency`.
    pub revenue: Decimal,
    /// Net credits spent on these leads; their worth is in the credit's currency.
    pub spent: CreditAmount,
    /// `(revenue − spend) / spend`, only when the credit's currency is `currency`.
    pub roi: Option<Decimal>,
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

/// The instant a local calendar time happens in `tz`; the first instant after it when a DST
/// change skips it.
fn local_instant(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    (0..3).find_map(|hours| {
        tz.from_local_datetime(&(local + Duration::hours(hours)))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    })
}

/// Midnight starting the agent's day that holds `now`.
pub fn day_start(now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let date = now.with_timezone(&tz).date_naive();
    local_instant(tz, date.and_time(chrono::NaiveTime::MIN)).unwrap_or(now)
}

/// Midnight starting the agent's calendar month that holds `now`.
pub fn month_start(now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let local = now.with_timezone(&tz);
    NaiveDate::from_ymd_opt(local.year(), local.month(), 1)
        .and_then(|first| local_instant(tz, first.and_time(chrono::NaiveTime::MIN)))
        .unwrap_or(now)
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// `part / whole` in `0..=1`; `None` when `whole` is zero.
pub(crate) fn rate(part: usize, whole: usize) -> Option<Decimal> {
    (whole > 0).then(|| {
        (Decimal::from(part.min(whole) as u64) / Decimal::from(whole as u64)).round_dp(RATE_DP)
    })
}

pub(crate) fn total(amounts: impl Iterator<Item = Decimal>) -> Decimal {
    amounts.fold(Decimal::ZERO, Decimal::saturating_add)
}

/// What a lead cost: its price less an approved refund, never below zero.
pub fn net_cost(lead: &PurchasedLead) -> Credits {
    let price = Credits::rounded(lead.price_paid);
    match &lead.refund {
        Some(r) if r.status == RefundStatus::Approved => price
            .checked_sub(Credits::rounded(r.credits))
            .unwrap_or(Credits::ZERO),
        _ => price,
    }
}

/// `(revenue − spend) / spend` as a fraction; `None` when nothing was spent.
fn net_roi(revenue: Decimal, spend: Decimal) -> Option<Decimal> {
    let r = roi(Money::rounded(revenue), Money::rounded(spend))?;
    Some((r.net_percent / Decimal::ONE_HUNDRED).round_dp(RATE_DP))
}

fn contacted(lead: &PurchasedLead) -> bool {
    lead.stage != PipelineStage::New || !lead.contact_log.is_empty()
}

/// The Dashboard from the purchased leads, the latest listings (`new_leads`, with `more` when
/// the page was full) and the credit value when known. Pure: `now` and the agent's time zone
/// are inputs.
pub fn dashboard_stats(
    leads: &[PurchasedLead],
    new_leads: &[LeadCard],
    more: bool,
    value: Option<&CreditValue>,
    tz: Tz,
    now: DateTime<Utc>,
) -> DashboardStats {
    let week_ago = now - Duration::days(7);
    let this_month = month_start(now, tz);
    let today = day_start(now, tz);
    let bought_this_month = || leads.iter().filter(|l| l.purchased_at >= this_month);
    let spent =
        |it: &mut dyn Iterator<Item = &PurchasedLead>| total(it.map(|l| net_cost(l).amount()));
    let by_currency = by_currency(leads, value);
    let roi = value.and_then(|v| {
        by_currency
            .iter()
            .find(|c| c.currency == v.currency.as_str())
            .and_then(|c| c.roi)
    });
    let new_today: Vec<&LeadCard> = new_leads.iter().filter(|c| c.listed_at >= today).collect();
    DashboardStats {
        new_leads_today: count(new_today.len()),
        new_leads_today_more: more,
        purchased_this_week: count(leads.iter().filter(|l| l.purchased_at >= week_ago).count()),
        purchased_this_month: count(bought_this_month().count()),
        contact_rate: rate(leads.iter().filter(|l| contacted(l)).count(), leads.len()),
        conversion_rate: rate(
            leads
                .iter()
                .filter(|l| l.stage == PipelineStage::Won)
                .count(),
            leads.len(),
        ),
        spent_this_month: CreditAmount::new(spent(&mut bought_this_month()), value),
        spent_total: CreditAmount::new(spent(&mut leads.iter()), value),
        by_currency,
        roi,
        activity: activity(leads, &new_today),
    }
}

/// One row per currency of the leads, in order of first appearance.
pub(crate) fn by_currency(
    leads: &[PurchasedLead],
    value: Option<&CreditValue>,
) -> Vec<CurrencyOutcome> {
    let mut currencies: Vec<&str> = Vec::new();
    for lead in leads {
        let currency = lead.lead.card.currency.as_str();
        if !currencies.contains(&currency) {
            currencies.push(currency);
        }
    }
    currencies
        .into_iter()
        .map(|currency| {
            let mine: Vec<&PurchasedLead> = leads
                .iter()
                .filter(|l| l.lead.card.currency == currency)
                .collect();
            let credits = total(mine.iter().map(|l| net_cost(l).amount()));
            let revenue = total(mine.iter().filter_map(|l| l.deal_value));
            let spent = CreditAmount::new(credits, value);
            let roi = match (&spent.currency, spent.value) {
                (Some(c), Some(spend)) if c == currency => net_roi(revenue, spend),
                _ => None,
            };
            CurrencyOutcome {
                currency: currency.to_owned(),
                leads: count(mine.len()),
                won: count(
                    mine.iter()
                        .filter(|l| l.stage == PipelineStage::Won)
                        .count(),
                ),
                revenue,
                spent,
                roi,
            }
        })
        .collect()
}

/// The newest [`ACTIVITY_ITEMS`] events: listings, purchases, stage changes, refunds.
fn activity(leads: &[PurchasedLead], new_leads: &[&LeadCard]) -> Vec<ActivityItem> {
    let mut items = Vec::new();
    for card in new_leads {
        items.push(ActivityItem {
            kind: ActivityKind::NewLead,
            lead_id: card.id.clone(),
            title: card.title_and_place(),
            stage: None,
            credits: Some(card.price_credits),
            at: card.listed_at,
        });
    }
    for lead in leads {
        let item = |kind, stage, credits, at| ActivityItem {
            kind,
            lead_id: lead.lead.card.id.clone(),
            title: lead.lead.card.title_and_place(),
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

/// The Billing page's spending chart: each month net of refunds, with this month, last month
/// and the average.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SpendingSummary {
    /// Oldest first.
    pub months: Vec<SpendingMonth>,
    pub this_month: CreditAmount,
    pub last_month: CreditAmount,
    /// Mean net spend per month shown, rounded half-up to two places.
    pub average: CreditAmount,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SpendingMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// Spent less refunded, never below zero.
    pub net: CreditAmount,
    pub leads_bought: u32,
    /// The bar's height: this month's net spend as a share of the highest month, 0–100.
    pub bar_percent: u8,
}

/// Spent less refunded in one month, never below zero.
fn month_net(m: &MonthlySpend) -> Credits {
    Credits::rounded(m.spent_credits)
        .checked_sub(Credits::rounded(m.refunded_credits))
        .unwrap_or(Credits::ZERO)
}

pub fn spending_summary(months: &[MonthlySpend], value: Option<&CreditValue>) -> SpendingSummary {
    let nets: Vec<Decimal> = months.iter().map(|m| month_net(m).amount()).collect();
    let max = nets.iter().copied().max().unwrap_or(Decimal::ZERO);
    let bar = |net: Decimal| -> u8 {
        if max.is_zero() {
            return 0;
        }
        (net * Decimal::ONE_HUNDRED / max)
            .round()
            .to_u8()
            .unwrap_or(100)
    };
    let average = match u32::try_from(nets.len()) {
        Ok(n) if n > 0 => Credits::rounded(total(nets.iter().copied()) / Decimal::from(n)).amount(),
        _ => Decimal::ZERO,
    };
    let from_end = |back: usize| {
        nets.len()
            .checked_sub(back + 1)
            .and_then(|i| nets.get(i).copied())
            .unwrap_or(Decimal::ZERO)
    };
    SpendingSummary {
        months: months
            .iter()
            .zip(&nets)
            .map(|(m, &net)| SpendingMonth {
                month: m.month.clone(),
                net: CreditAmount::new(net, value),
                leads_bought: m.leads_bought,
                bar_percent: bar(net),
            })
            .collect(),
        this_month: CreditAmount::new(from_end(0), value),
        last_month: CreditAmount::new(from_end(1), value),
        average: CreditAmount::new(average, value),
    }
}
