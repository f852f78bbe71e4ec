use chrono::{DateTime, Duration, TimeZone, Utc};
use leadmart_shared::analytics::{
    ActivityKind, MARKETPLACE_TIME_ZONE, dashboard_stats, month_start, net_cost, spending_summary,
};
use leadmart_shared::lead::VerificationStatus;
use leadmart_shared::money::CreditValue;
use leadmart_shared::pipeline::PipelineStage;
use leadmart_shared::refund::{RefundReason, RefundStatus};
use leadmart_shared::wire::{
    ContactDto, LeadCard, LeadPreviewDto, MonthlySpend, PurchaseQuote, PurchasedLead, RefundDto,
};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::collections::BTreeMap;

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).single().unwrap()
}

fn card(id: u32, currency: &str, listed_at: DateTime<Utc>) -> LeadCard {
    LeadCard {
        id: id.to_string(),
        category: "real-estate/buy".into(),
        title: "3BHK Apartment".into(),
        country: "IN".into(),
        region: "MH".into(),
        city: "Mumbai".into(),
        area: "Andheri West".into(),
        currency: currency.into(),
        budget_min: dec!(9000000),
        budget_max: dec!(11000000),
        urgency: "this_week".into(),
        score: 80,
        price_credits: dec!(4.5),
        exclusivity: "shared".into(),
        max_buyers: 3,
        purchases: 1,
        views: 2,
        listed_at,
    }
}

#[derive(Debug, Clone, Copy)]
struct Bought {
    currency: &'static str,
    price: Decimal,
    at: DateTime<Utc>,
    stage: PipelineStage,
    deal: Option<Decimal>,
    refund: Option<(RefundStatus, Decimal)>,
}

fn lead(id: u32, b: &Bought) -> PurchasedLead {
    let card = card(id, b.currency, b.at - Duration::hours(1));
    PurchasedLead {
        purchase_id: format!("p{id}"),
        lead: LeadPreviewDto {
            card,
            description: String::new(),
            attributes: BTreeMap::new(),
            postal_code: None,
            score_breakdown: vec![],
            freshness: 90,
            verification_status: VerificationStatus::Valid,
            phone_verified: true,
            expires_at: None,
        },
        contact: Some(ContactDto {
            name: "Rajesh".into(),
            email: None,
            phone: Some("+919820012345".into()),
            phone_display: None,
            address: None,
        }),
        price_paid: b.price,
        purchased_at: b.at,
        refund_deadline: b.at + Duration::days(7),
        stage: b.stage,
        deal_value: b.deal,
        notes: vec![],
        contact_log: vec![],
        updated_at: b.at,
        stage_history: vec![],
        refund: b.refund.map(|(status, credits)| RefundDto {
            id: format!("r{id}"),
            purchase_id: format!("p{id}"),
            lead_id: id.to_string(),
            reason: RefundReason::WrongNumber,
            note: String::new(),
            status,
            credits,
            requested_at: b.at + Duration::hours(2),
            decided_at: (status != RefundStatus::Requested).then(|| b.at + Duration::hours(3)),
            decision_note: None,
        }),
    }
}

fn rupee() -> CreditValue {
    CreditValue::default()
}

fn bought() -> impl Strategy<Value = Bought> {
    let stage = prop_oneof![
        Just(PipelineStage::New),
        Just(PipelineStage::Contacted),
        Just(PipelineStage::Quoted),
        Just(PipelineStage::Won),
        Just(PipelineStage::Lost),
    ];
    let refund = prop_oneof![
        Just(None),
        Just(Some(RefundStatus::Requested)),
        Just(Some(RefundStatus::Approved)),
        Just(Some(RefundStatus::Denied)),
    ];
    (
        prop_oneof![Just("INR"), Just("USD"), Just("ZAR")],
        1i64..100_000,
        0i64..90 * 24 * 60,
        stage,
        0i64..10_000_000,
        refund,
        0u32..=100,
    )
        .prop_map(|(currency, cents, ago, stage, deal, refund, part)| {
            let price = Decimal::new(cents, 2);
            Bought {
                currency,
                price,
                at: utc(2026, 3, 31, 12, 0) - Duration::minutes(ago),
                stage,
                deal: (stage == PipelineStage::Won).then(|| Decimal::new(deal, 2)),
                // A refund of some part of the price, up to all of it.
                refund: refund.map(|s| (s, (price * Decimal::from(part) / dec!(100)).round_dp(2))),
            }
        })
}

proptest! {
    #[test]
    fn dashboard_numbers_hold_their_rules(list in prop::collection::vec(bought(), 0..30)) {
        let leads: Vec<PurchasedLead> =
            list.iter().enumerate().map(|(i, b)| lead(i as u32, b)).collect();
        let now = utc(2026, 3, 31, 12, 0);
        let value = rupee();
        let stats = dashboard_stats(&leads, &[], false, Some(&value), MARKETPLACE_TIME_ZONE, now);

        // Net spend = spend − approved refunds.
        let spend: Decimal = list.iter().map(|b| b.price).sum();
        let refunds: Decimal = list
            .iter()
            .filter_map(|b| b.refund.filter(|(s, _)| *s == RefundStatus::Approved).map(|(_, c)| c))
            .sum();
        prop_assert_eq!(stats.spent_total.credits, spend - refunds, "net spend is spend less approved refunds");
        prop_assert!(stats.spent_this_month.credits <= stats.spent_total.credits);
        prop_assert!(stats.spent_this_month.credits >= Decimal::ZERO);
        prop_assert_eq!(stats.spent_total.value, Some(stats.spent_total.credits * dec!(100)), "₹100 a credit");

        for r in [stats.contact_rate, stats.conversion_rate].into_iter().flatten() {
            prop_assert!((Decimal::ZERO..=Decimal::ONE).contains(&r), "a rate is a share: {}", r);
        }
        prop_assert_eq!(stats.contact_rate.is_none(), leads.is_empty());
        prop_assert!(stats.conversion_rate <= stats.contact_rate, "a won lead was contacted");
        prop_assert!(stats.purchased_this_month as usize <= leads.len());

        // Currencies are never mixed: each row holds exactly its own leads' deals.
        let mut seen = std::collections::HashSet::new();
        let mut rows_leads = 0;
        for row in &stats.by_currency {
            prop_assert!(seen.insert(row.currency.clone()), "one row per currency");
            let own: Decimal = list
                .iter()
                .filter(|b| b.currency == row.currency)
                .filter_map(|b| b.deal)
                .sum();
            prop_assert_eq!(row.revenue, own, "revenue of {} holds only {} deals", &row.currency, &row.currency);
            if row.currency != "INR" {
                prop_assert_eq!(row.roi, None, "no ROI across ₹ spend and {} revenue", &row.currency);
            }
            rows_leads += row.leads as usize;
        }
        prop_assert_eq!(rows_leads, leads.len());
        let inr = stats.by_currency.iter().find(|r| r.currency == "INR");
        prop_assert_eq!(stats.roi, inr.and_then(|r| r.roi), "the headline ROI is the ₹ row's");
    }

    #[test]
    fn spending_bars_and_average_stay_in_range(
        months in prop::collection::vec((0i64..1_000_000, 0i64..1_000_000, 0u32..50), 0..24)
    ) {
        let months: Vec<MonthlySpend> = months
            .iter()
            .enumerate()
            .map(|(i, &(spent, refunded, leads))| MonthlySpend {
                month: format!("2026-{:02}", i % 12 + 1),
                spent_credits: Decimal::new(spent, 2),
                refunded_credits: Decimal::new(refunded, 2),
                bought_credits: Decimal::ZERO,
                leads_bought: leads,
            })
            .collect();
        let summary = spending_summary(&months, None);
        let nets: Vec<Decimal> = summary.months.iter().map(|m| m.net.credits).collect();
        for (m, net) in months.iter().zip(&nets) {
            prop_assert_eq!(*net, (m.spent_credits - m.refunded_credits).max(Decimal::ZERO));
        }
        for m in &summary.months {
            prop_assert!(m.bar_percent <= 100);
            prop_assert_eq!(m.net.value, None, "no worth without a credit value");
        }
        if let Some(max) = nets.iter().max().filter(|m| !m.is_zero()) {
            let top = summary.months.iter().find(|m| m.net.credits == *max).unwrap();
            prop_assert_eq!(top.bar_percent, 100, "the highest month fills the chart");
        }
        let lo = nets.iter().min().copied().unwrap_or_default();
        let hi = nets.iter().max().copied().unwrap_or_default();
        prop_assert!(summary.average.credits >= lo && summary.average.credits <= hi, "the mean lies between the extremes");
    }

    #[test]
    fn the_quote_is_balance_minus_price(balance in 0i64..1_000_000, price in 1i64..100_000) {
        let (balance, price) = (Decimal::new(balance, 2), Decimal::new(price, 2));
        let q = PurchaseQuote::new(balance, price, Some(&rupee()));
        prop_assert_eq!(q.after.credits, balance - price);
        prop_assert_eq!(q.enough, balance >= price);
        prop_assert_eq!(q.after.value, Some((balance - price) * dec!(100)), "the worth keeps the sign");
    }
}

#[test]
fn this_month_is_the_agents_month_in_india() {
    // 1 March 00:30 IST is 28 February 19:00 UTC; 28 February 23:30 IST is 18:00 UTC.
    let now = utc(2026, 3, 10, 6, 0);
    assert_eq!(
        month_start(now, MARKETPLACE_TIME_ZONE),
        utc(2026, 2, 28, 18, 30)
    );
    let march = Bought {
        currency: "INR",
        price: dec!(4.5),
        at: utc(2026, 2, 28, 19, 0),
        stage: PipelineStage::New,
        deal: None,
        refund: None,
    };
    let february = Bought {
        at: utc(2026, 2, 28, 18, 0),
        price: dec!(3),
        ..march
    };
    let leads = [lead(1, &march), lead(2, &february)];
    let stats = dashboard_stats(&leads, &[], false, None, MARKETPLACE_TIME_ZONE, now);
    assert_eq!(
        stats.purchased_this_month, 1,
        "00:30 on 1 March in Mumbai is March, though it is still February in UTC"
    );
    assert_eq!(stats.spent_this_month.credits, dec!(4.5));
    assert_eq!(
        stats.spent_this_month.value, None,
        "unknown credit value: credits only"
    );
    let in_utc = dashboard_stats(&leads, &[], false, None, chrono_tz::UTC, now);
    assert_eq!(in_utc.purchased_this_month, 0, "in UTC both were February");
}

#[test]
fn seed_000_funnel_spend_and_roi() {
    let at = utc(2026, 3, 5, 10, 0);
    let won = Bought {
        currency: "INR",
        price: dec!(250),
        at,
        stage: PipelineStage::Won,
        deal: Some(dec!(320000)),
        refund: None,
    };
    let refunded = Bought {
        price: dec!(5),
        stage: PipelineStage::Lost,
        deal: None,
        refund: Some((RefundStatus::Approved, dec!(5))),
        ..won
    };
    let pending = Bought {
        price: dec!(5),
        stage: PipelineStage::New,
        deal: None,
        refund: Some((RefundStatus::Requested, dec!(5))),
        ..won
    };
    let dollars = Bought {
        currency: "USD",
        price: dec!(10),
        stage: PipelineStage::Won,
        deal: Some(dec!(1000)),
        refund: None,
        ..won
    };
    let leads: Vec<_> = [won, refunded, pending, dollars]
        .iter()
        .enumerate()
        .map(|(i, b)| lead(i as u32, b))
        .collect();
    assert_eq!(
        net_cost(&leads[1]).amount(),
        dec!(0),
        "an approved refund gives it all back"
    );
    assert_eq!(
        net_cost(&leads[2]).amount(),
        dec!(5),
        "a pending refund is still spent"
    );
    let now = utc(2026, 3, 20, 0, 0);
    let stats = dashboard_stats(
        &leads,
        &[],
        false,
        Some(&rupee()),
        MARKETPLACE_TIME_ZONE,
        now,
    );
    assert_eq!(stats.spent_total.credits, dec!(265));
    assert_eq!(stats.spent_total.value, Some(dec!(26500)));
    assert_eq!(
        stats.contact_rate,
        Some(dec!(0.75)),
        "3 of 4 moved past new"
    );
    assert_eq!(stats.conversion_rate, Some(dec!(0.5)));
    let inr = &stats.by_currency[0];
    assert_eq!((inr.currency.as_str(), inr.revenue), ("INR", dec!(320000)));
    // ₹3,20,000 on ₹25,500 (250 + 5 pending credits at ₹100): (320000 − 25500) / 25500.
    assert_eq!(inr.roi, Some(dec!(11.549)));
    assert_eq!(stats.roi, inr.roi);
    let usd = &stats.by_currency[1];
    assert_eq!((usd.currency.as_str(), usd.revenue), ("USD", dec!(1000)));
    assert_eq!(usd.roi, None, "$ revenue is never set against ₹ spend");
    assert_eq!(stats.activity[0].kind, ActivityKind::RefundApproved);
}

#[test]
fn new_leads_today_count_from_local_midnight() {
    // 10 March 00:10 IST = 9 March 18:40 UTC.
    let now = utc(2026, 3, 9, 20, 0);
    let cards = [
        card(1, "INR", utc(2026, 3, 9, 18, 40)),
        card(2, "INR", utc(2026, 3, 9, 18, 20)),
    ];
    let stats = dashboard_stats(&[], &cards, false, None, MARKETPLACE_TIME_ZONE, now);
    assert_eq!(stats.new_leads_today, 1, "23:50 IST yesterday is not today");
    assert_eq!(stats.contact_rate, None, "no purchases, no rate");
}

mod performance {
    use super::*;
    use leadmart_shared::performance::{AlertTimes, DateRange, report};
    use leadmart_shared::pipeline::ContactChannel;
    use leadmart_shared::wire::{ContactLogEntry, StageChangeDto};

    /// A lead moved along `path` (each step a day after the one before, from its purchase).
    fn worked(
        id: u32,
        price: Decimal,
        path: &[PipelineStage],
        deal: Option<Decimal>,
    ) -> PurchasedLead {
        let at = utc(2026, 3, 1, 10, 0);
        let final_stage = path.last().copied().unwrap_or(PipelineStage::New);
        let mut lead = lead(
            id,
            &Bought {
                currency: "INR",
                price,
                at,
                stage: final_stage,
                deal,
                refund: None,
            },
        );
        let mut from = PipelineStage::New;
        for (day, to) in path.iter().enumerate() {
            lead.stage_history.push(StageChangeDto {
                from,
                to: *to,
                at: at + Duration::days(day as i64 + 1),
            });
            from = *to;
        }
        lead
    }

    /// Seed 000's Analytics page: 65 bought → 62 contacted → 43 meetings → 22 proposals → 4
    /// closed, ₹25,000 spent, ₹3,20,000 of deals, ROI 1,180%.
    fn seed_leads() -> Vec<PurchasedLead> {
        use PipelineStage::*;
        let mut leads = Vec::new();
        let mut id = 0;
        let mut add =
            |n: usize, path: &[PipelineStage], deal: Option<Decimal>, leads: &mut Vec<_>| {
                for _ in 0..n {
                    id += 1;
                    // 60 leads at 4 credits and 5 at 2: 250 credits, ₹25,000 at ₹100 a credit.
                    let price = if id <= 60 { dec!(4) } else { dec!(2) };
                    leads.push(worked(id, price, path, deal));
                }
            };
        add(3, &[], None, &mut leads);
        add(19, &[Contacted], None, &mut leads);
        add(21, &[Contacted, Meeting, Lost], None, &mut leads);
        add(18, &[Contacted, Meeting, Quoted, Lost], None, &mut leads);
        add(
            4,
            &[Contacted, Meeting, Quoted, Won],
            Some(dec!(80000)),
            &mut leads,
        );
        leads
    }

    #[test]
    fn the_seed_funnel_and_roi() {
        let leads = seed_leads();
        let page = report(&leads, &[], &DateRange::default(), Some(&rupee()));
        let funnel: Vec<u32> = page.funnel.iter().map(|step| step.leads).collect();
        assert_eq!(funnel, vec![65, 62, 43, 22, 4]);
        let rates: Vec<Option<Decimal>> = page.funnel.iter().map(|step| step.rate).collect();
        assert_eq!(
            rates,
            vec![
                None,
                Some(dec!(0.9538)),
                Some(dec!(0.6935)),
                Some(dec!(0.5116)),
                Some(dec!(0.1818))
            ]
        );
        assert_eq!(page.leads, 65);
        assert_eq!(page.spent.value, Some(dec!(25000)));
        let inr = &page.by_currency[0];
        assert_eq!((inr.won, inr.revenue), (4, dec!(320000)));
        assert_eq!(inr.roi, Some(dec!(11.8)), "1,180%");
        assert_eq!(page.averages[0].deal_value, Some(dec!(80000)));
        // 250 credits over 65 leads: 3.846… rounds to 3.85.
        assert_eq!(
            page.average_cost.as_ref().map(|c| c.credits),
            Some(dec!(3.85))
        );
    }

    #[test]
    fn spans_segments_and_range() {
        use PipelineStage::*;
        let mut fast = worked(1, dec!(5), &[Contacted, Won], Some(dec!(1000)));
        // Won 3 days after purchase; first contact logged 30 minutes after.
        fast.stage_history[1].at = fast.purchased_at + Duration::days(3);
        fast.contact_log.push(ContactLogEntry {
            id: "c1".into(),
            channel: ContactChannel::Call,
            at: fast.purchased_at + Duration::minutes(30),
            note: None,
            outcome: None,
        });
        let mut slow = worked(2, dec!(5), &[Contacted, Meeting, Won], Some(dec!(3000)));
        slow.stage_history[2].at = slow.purchased_at + Duration::days(28);
        slow.lead.card.exclusivity = "exclusive".into();
        // Skipped straight to a meeting: it was contacted too.
        let mut jumped = worked(3, dec!(5), &[Meeting], None);
        jumped.lead.card.area = String::new();
        jumped.lead.card.city = "Pune".into();
        // Bought before the range.
        let mut old = worked(4, dec!(5), &[], None);
        old.purchased_at = utc(2026, 1, 1, 0, 0);
        let leads = vec![fast, slow, jumped, old];
        let range = DateRange {
            from: Some(utc(2026, 2, 1, 0, 0)),
            to: Some(utc(2026, 4, 1, 0, 0)),
        };
        let page = report(&leads, &[], &range, Some(&rupee()));
        assert_eq!(page.leads, 3, "the lead bought before the range is out");
        let funnel: Vec<u32> = page.funnel.iter().map(|step| step.leads).collect();
        assert_eq!(
            funnel,
            vec![3, 3, 3, 2, 2],
            "a win passed the steps before; a meeting passed contact"
        );
        let close = page.time_to_close.expect("two wins");
        assert_eq!(
            (close.fastest_minutes, close.slowest_minutes),
            (3 * 1440, 28 * 1440)
        );
        assert_eq!(close.average_minutes, (3 + 28) * 1440 / 2);
        let response = page.response_time.expect("first contacts");
        assert_eq!(
            response.fastest_minutes, 30,
            "the logged call came before the move"
        );
        let segments: Vec<(&str, u32, u32)> = page
            .by_exclusivity
            .iter()
            .map(|row| (row.segment.as_str(), row.outcome.leads, row.outcome.won))
            .collect();
        assert_eq!(segments, vec![("exclusive", 1, 1), ("shared", 2, 1)]);
        let areas: Vec<&str> = page
            .by_area
            .iter()
            .map(|row| row.segment.as_str())
            .collect();
        assert_eq!(
            areas,
            vec!["Andheri West", "Pune"],
            "the city stands in for no area"
        );
    }

    #[test]
    fn the_speed_to_lead_log_times_each_step_from_the_alert() {
        use PipelineStage::*;
        let alert = |lead: &PurchasedLead, before: i64, opened: Option<i64>| AlertTimes {
            lead_id: lead.lead.card.id.clone(),
            arrived_at: lead.purchased_at - Duration::minutes(before),
            opened_at: opened.map(|m| lead.purchased_at - Duration::minutes(before - m)),
        };
        // Alerted 4 min before the purchase, opened after 1, called 10 min after buying.
        let mut quick = worked(1, dec!(5), &[Contacted], None);
        quick.contact_log.push(ContactLogEntry {
            id: "c1".into(),
            channel: ContactChannel::Call,
            at: quick.purchased_at + Duration::minutes(10),
            note: None,
            outcome: None,
        });
        quick.stage_history.clear();
        // Alerted an hour before, never opened from the notification, not contacted yet.
        let mut later = worked(2, dec!(5), &[], None);
        later.purchased_at += Duration::days(1);
        // Bought, then an alert arrived (a second match): not bought from an alert.
        let unprompted = worked(3, dec!(5), &[], None);
        // Not bought at all: no row.
        let alerts = vec![
            alert(&quick, 4, Some(1)),
            alert(&later, 60, None),
            AlertTimes {
                lead_id: unprompted.lead.card.id.clone(),
                arrived_at: unprompted.purchased_at + Duration::minutes(5),
                opened_at: None,
            },
            AlertTimes {
                lead_id: "999".into(),
                arrived_at: utc(2026, 3, 1, 9, 0),
                opened_at: None,
            },
        ];
        let leads = vec![quick.clone(), later.clone(), unprompted];
        let page = report(&leads, &alerts, &DateRange::default(), Some(&rupee()));
        let log: Vec<(&str, Option<u32>, u32, Option<u32>)> = page
            .speed_to_lead
            .iter()
            .map(|row| {
                (
                    row.lead_id.as_str(),
                    row.opened_after,
                    row.bought_after,
                    row.contacted_after,
                )
            })
            .collect();
        assert_eq!(
            log,
            vec![
                (later.lead.card.id.as_str(), None, 60, None),
                (quick.lead.card.id.as_str(), Some(1), 4, Some(14)),
            ],
            "newest alert first; only leads bought after their alert"
        );
        let to_purchase = page.alert_to_purchase.expect("two bought from alerts");
        assert_eq!(
            (
                to_purchase.fastest_minutes,
                to_purchase.slowest_minutes,
                to_purchase.average_minutes
            ),
            (4, 60, 32)
        );
        let to_contact = page.alert_to_contact.expect("one contacted");
        assert_eq!((to_contact.leads, to_contact.average_minutes), (1, 14));

        let none = report(&leads, &[], &DateRange::default(), Some(&rupee()));
        assert!(none.speed_to_lead.is_empty() && none.alert_to_purchase.is_none());
    }
}
