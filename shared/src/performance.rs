//! The Analytics page (seed 000 §5): the agent's performance over a date range, from the leads
//! they bought (the app's cache, so it works offline). The app shows what this computes.
//!
//! Rules (besides those of [`crate::analytics`]: spend net of approved refunds, ROI the net
//! fraction `(revenue − spend) / spend`, currencies never added together):
//! - A lead is in the range when it was bought in it.
//! - The funnel counts the leads that reached each step: purchased → contacted → meeting →
//!   quoted → won. Reaching a step means its stage or a later one was reached (a lead moved
//!   straight to a meeting was contacted); a lost lead counts for the steps it passed. A logged
//!   call, email or message is contact too. Each step's rate is of the step before.
//! - Time to close: purchase to the move to `won`. Response time: purchase to the first
//!   contact (a logged contact or the move out of `new`, whichever came first).
//! - Segment tables (exclusive vs shared, category, area) give one row per segment and
//!   currency of the leads' budgets and deals.
//! - The speed-to-lead log: each lead bought in the range after its alert reached this computer
//!   (the `lead.matched` notification), with the minutes from that alert to the agent opening it,
//!   buying it and first contacting the customer; newest alert first. A lead bought before any
//!   alert of it arrived is not in it (it was not bought from an alert).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::analytics::{CurrencyOutcome, by_currency, net_cost, rate, total};
use crate::money::{CreditValue, Credits};
use crate::pipeline::PipelineStage;
use crate::wire::{CreditAmount, PurchasedLead};

/// The funnel's steps after "purchased", in order.
const STEPS: [PipelineStage; 4] = [
    PipelineStage::Contacted,
    PipelineStage::Meeting,
    PipelineStage::Quoted,
    PipelineStage::Won,
];

/// Bought in `[from, to)`; an open end is unbounded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DateRange {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl DateRange {
    fn holds(&self, at: DateTime<Utc>) -> bool {
        self.from.is_none_or(|from| at >= from) && self.to.is_none_or(|to| at < to)
    }
}

/// One step of the funnel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FunnelStep {
    /// `None` for the first step (purchased).
    pub stage: Option<PipelineStage>,
    pub leads: u32,
    /// Of the step before, `0..=1`; `None` for the first step or after an empty one.
    pub rate: Option<Decimal>,
}

/// Shortest, longest and average of a span, in whole minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Span {
    pub leads: u32,
    pub average_minutes: u32,
    pub fastest_minutes: u32,
    pub slowest_minutes: u32,
}

/// One row of a segment table.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SegmentRow {
    /// The exclusivity, category slug or area.
    pub segment: String,
    #[serde(flatten)]
    pub outcome: CurrencyOutcome,
}

/// Average values in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Averages {
    pub currency: String,
    /// Average deal value of the won leads in `currency`; `None` before the first win.
    pub deal_value: Option<Decimal>,
}

/// When a matched lead's alert reached this computer, and when the agent opened it from the
/// notification (the app's speed-to-lead log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertTimes {
    pub lead_id: String,
    pub arrived_at: DateTime<Utc>,
    pub opened_at: Option<DateTime<Utc>>,
}

/// One lead of the speed-to-lead log, its steps in minutes after the alert arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SpeedToLead {
    pub lead_id: String,
    pub title: String,
    pub area: String,
    pub alert_at: DateTime<Utc>,
    /// `None`: not opened from the notification.
    pub opened_after: Option<u32>,
    pub bought_after: u32,
    /// `None`: not contacted yet.
    pub contacted_after: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PerformanceReport {
    pub range: DateRange,
    pub leads: u32,
    /// Net of approved refunds, with its worth.
    pub spent: CreditAmount,
    /// Net spend per lead; `None` without leads.
    pub average_cost: Option<CreditAmount>,
    /// Revenue, wins and ROI per currency of the leads.
    pub by_currency: Vec<CurrencyOutcome>,
    pub averages: Vec<Averages>,
    pub funnel: Vec<FunnelStep>,
    pub time_to_close: Option<Span>,
    pub response_time: Option<Span>,
    pub by_exclusivity: Vec<SegmentRow>,
    pub by_category: Vec<SegmentRow>,
    pub by_area: Vec<SegmentRow>,
    /// Newest alert first.
    pub speed_to_lead: Vec<SpeedToLead>,
    /// Alert to purchase, over the speed-to-lead log.
    pub alert_to_purchase: Option<Span>,
    /// Alert to first contact, over the log's contacted leads.
    pub alert_to_contact: Option<Span>,
}

/// The furthest funnel step `lead` reached: 0 purchased, 1 contacted … 4 won.
fn furthest_step(lead: &PurchasedLead) -> usize {
    let rank = |stage: PipelineStage| STEPS.iter().position(|s| *s == stage).map_or(0, |i| i + 1);
    let moved = lead
        .stage_history
        .iter()
        .map(|change| rank(change.to))
        .chain([rank(lead.stage)])
        .max()
        .unwrap_or(0);
    if moved == 0 && !lead.contact_log.is_empty() {
        1
    } else {
        moved
    }
}

fn funnel(leads: &[&PurchasedLead]) -> Vec<FunnelStep> {
    let reached: Vec<usize> = leads.iter().map(|l| furthest_step(l)).collect();
    let mut steps = vec![FunnelStep {
        stage: None,
        leads: count(leads.len()),
        rate: None,
    }];
    let mut before = leads.len();
    for (i, stage) in STEPS.iter().enumerate() {
        let here = reached.iter().filter(|&&r| r > i).count();
        steps.push(FunnelStep {
            stage: Some(*stage),
            leads: count(here),
            rate: rate(here, before),
        });
        before = here;
    }
    steps
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn span(minutes: &[i64]) -> Option<Span> {
    let clamp = |m: i64| u32::try_from(m.max(0)).unwrap_or(u32::MAX);
    let sum: i64 = minutes.iter().sum();
    let n = i64::try_from(minutes.len()).ok().filter(|n| *n > 0)?;
    Some(Span {
        leads: count(minutes.len()),
        average_minutes: clamp(sum / n),
        fastest_minutes: clamp(*minutes.iter().min()?),
        slowest_minutes: clamp(*minutes.iter().max()?),
    })
}

fn won_at(lead: &PurchasedLead) -> Option<DateTime<Utc>> {
    lead.stage_history
        .iter()
        .find(|change| change.to == PipelineStage::Won)
        .map(|change| change.at)
}

fn first_contact(lead: &PurchasedLead) -> Option<DateTime<Utc>> {
    let logged = lead.contact_log.iter().map(|c| c.at);
    let moved = lead
        .stage_history
        .iter()
        .filter(|change| change.from == PipelineStage::New)
        .map(|change| change.at);
    logged.chain(moved).min()
}

fn segments(
    leads: &[&PurchasedLead],
    key: impl Fn(&PurchasedLead) -> String,
    value: Option<&CreditValue>,
) -> Vec<SegmentRow> {
    let mut names: Vec<String> = Vec::new();
    for lead in leads {
        let name = key(lead);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names.sort();
    names
        .into_iter()
        .flat_map(|name| {
            let mine: Vec<PurchasedLead> = leads
                .iter()
                .filter(|l| key(l) == name)
                .map(|l| (*l).clone())
                .collect();
            by_currency(&mine, value)
                .into_iter()
                .map(move |outcome| SegmentRow {
                    segment: name.clone(),
                    outcome,
                })
        })
        .collect()
}

/// Whole minutes from `from` to `to` (0 when `to` is earlier: clocks differ).
fn minutes_between(from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
    u32::try_from((to - from).num_minutes().max(0)).unwrap_or(u32::MAX)
}

/// The speed-to-lead log of `leads` (those in the range) from their `alerts`.
fn speed_to_lead(leads: &[&PurchasedLead], alerts: &[AlertTimes]) -> Vec<SpeedToLead> {
    // One alert per lead (the app keeps a lead's first arrival).
    let by_lead: std::collections::HashMap<&str, &AlertTimes> =
        alerts.iter().map(|a| (a.lead_id.as_str(), a)).collect();
    let mut log: Vec<SpeedToLead> = leads
        .iter()
        .filter_map(|lead| {
            let card = &lead.lead.card;
            let alert = by_lead
                .get(card.id.as_str())
                .filter(|a| a.arrived_at <= lead.purchased_at)?;
            let after = |at: DateTime<Utc>| minutes_between(alert.arrived_at, at);
            Some(SpeedToLead {
                lead_id: card.id.clone(),
                title: card.title.clone(),
                area: card.place().to_owned(),
                alert_at: alert.arrived_at,
                opened_after: alert.opened_at.map(after),
                bought_after: after(lead.purchased_at),
                contacted_after: first_contact(lead).map(after),
            })
        })
        .collect();
    log.sort_by(|a, b| b.alert_at.cmp(&a.alert_at).then(a.lead_id.cmp(&b.lead_id)));
    log
}

/// The Analytics page for the leads bought in `range`, with the credit value when known and
/// the matched leads' `alerts` (for the speed-to-lead log).
pub fn report(
    leads: &[PurchasedLead],
    alerts: &[AlertTimes],
    range: &DateRange,
    value: Option<&CreditValue>,
) -> PerformanceReport {
    let mine: Vec<&PurchasedLead> = leads
        .iter()
        .filter(|l| range.holds(l.purchased_at))
        .collect();
    let owned: Vec<PurchasedLead> = mine.iter().map(|l| (*l).clone()).collect();
    let spent = total(mine.iter().map(|l| net_cost(l).amount()));
    let average_cost = (!mine.is_empty()).then(|| {
        let per_lead = Credits::rounded(spent / Decimal::from(mine.len() as u64)).amount();
        CreditAmount::new(per_lead, value)
    });
    let by_currency = by_currency(&owned, value);
    let averages = by_currency
        .iter()
        .map(|outcome| Averages {
            currency: outcome.currency.clone(),
            deal_value: (outcome.won > 0)
                .then(|| (outcome.revenue / Decimal::from(outcome.won)).round_dp(2)),
        })
        .collect();
    let minutes = |from: DateTime<Utc>, to: DateTime<Utc>| (to - from).num_minutes();
    let closes: Vec<i64> = mine
        .iter()
        .filter_map(|l| won_at(l).map(|at| minutes(l.purchased_at, at)))
        .collect();
    let responses: Vec<i64> = mine
        .iter()
        .filter_map(|l| first_contact(l).map(|at| minutes(l.purchased_at, at)))
        .collect();
    let speed = speed_to_lead(&mine, alerts);
    let to_purchase: Vec<i64> = speed.iter().map(|s| i64::from(s.bought_after)).collect();
    let to_contact: Vec<i64> = speed
        .iter()
        .filter_map(|s| s.contacted_after.map(i64::from))
        .collect();
    PerformanceReport {
        range: range.clone(),
        leads: count(mine.len()),
        spent: CreditAmount::new(spent, value),
        average_cost,
        by_currency,
        averages,
        funnel: funnel(&mine),
        time_to_close: span(&closes),
        response_time: span(&responses),
        by_exclusivity: segments(&mine, |l| l.lead.card.exclusivity.clone(), value),
        by_category: segments(&mine, |l| l.lead.card.category.clone(), value),
        by_area: segments(&mine, |l| l.lead.card.place().to_owned(), value),
        speed_to_lead: speed,
        alert_to_purchase: span(&to_purchase),
        alert_to_contact: span(&to_contact),
    }
}
