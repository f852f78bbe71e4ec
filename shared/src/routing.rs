//! Routing (seed 002 step 2): when a lead is listed, find the agents to notify.
//!
//! Verified, active agents whose categories contain the lead's, whose service areas contain its
//! city or area, and whose preferences admit it; ranked premium → tier → response rate → id;
//! the top N (default 10, deliberately more than the buyer cap) are notified. Nobody? Widen to
//! agents serving the lead's region. Still nobody? Flag it to admins. Auto-buy candidates (seed
//! 000 "auto-purchase if score > 90") are returned in rank order; the server runs
//! [`crate::purchase::check_purchase`] for each, which applies their budget controls.

use crate::agent::{AgentProfile, LeadTraits};
use crate::ids::UserId;
use crate::lead::{Category, Location};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingConfig {
    pub notify_top_n: usize,
}

impl Default for RoutingConfig {
    fn default() -> Self {
        Self { notify_top_n: 10 }
    }
}

/// The lead as routing sees it.
#[derive(Debug, Clone, Copy)]
pub struct RoutableLead<'a> {
    pub category: &'a Category,
    pub location: &'a Location,
    pub traits: LeadTraits<'a>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RouteScope {
    /// Agents serving the lead's city or area.
    Exact,
    /// Nobody served the place: agents serving its region.
    Region,
    /// Nobody at all: admins are flagged.
    Unrouted,
}

impl RouteScope {
    pub fn as_str(self) -> &'static str {
        match self {
            RouteScope::Exact => "exact",
            RouteScope::Region => "region",
            RouteScope::Unrouted => "unrouted",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingDecision {
    pub scope: RouteScope,
    /// In rank order, at most `notify_top_n`.
    pub notify: Vec<UserId>,
    /// Agents whose auto-buy rule fires, in rank order (exact scope only).
    pub auto_buy: Vec<UserId>,
    pub flag_admins: bool,
}

/// Premium first, then higher tier, then higher response rate, then lower id (stable, fair to
/// the earliest sign-up when all else is equal).
pub fn rank(a: &AgentProfile, b: &AgentProfile) -> Ordering {
    b.premium
        .cmp(&a.premium)
        .then_with(|| b.tier.cmp(&a.tier))
        .then_with(|| b.response_rate.cmp(&a.response_rate))
        .then_with(|| a.id.cmp(&b.id))
}

fn wants(agent: &AgentProfile, lead: &RoutableLead<'_>) -> bool {
    agent.can_receive_leads()
        && agent.serves_category(lead.category)
        && agent.preferences.admits(&lead.traits)
}

fn auto_buys(agent: &AgentProfile, lead: &RoutableLead<'_>) -> bool {
    agent.budget.auto_buy.as_ref().is_some_and(|rule| {
        lead.traits.score > rule.score_above
            && rule.max_price.is_none_or(|m| lead.traits.price <= m)
    })
}

pub fn route(
    lead: &RoutableLead<'_>,
    agents: &[AgentProfile],
    config: &RoutingConfig,
) -> RoutingDecision {
    let mut exact: Vec<&AgentProfile> = agents
        .iter()
        .filter(|a| wants(a, lead) && a.serves_location(lead.location))
        .collect();
    let scope = if !exact.is_empty() {
        RouteScope::Exact
    } else {
        exact = agents
            .iter()
            .filter(|a| wants(a, lead) && a.serves_region_of(lead.location))
            .collect();
        if exact.is_empty() {
            RouteScope::Unrouted
        } else {
            RouteScope::Region
        }
    };
    exact.sort_by(|a, b| rank(a, b));
    let auto_buy = if scope == RouteScope::Exact {
        exact
            .iter()
            .filter(|a| auto_buys(a, lead))
            .map(|a| a.id)
            .collect()
    } else {
        Vec::new()
    };
    RoutingDecision {
        scope,
        notify: exact
            .iter()
            .take(config.notify_top_n)
            .map(|a| a.id)
            .collect(),
        auto_buy,
        flag_admins: scope == RouteScope::Unrouted,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::account::Role;
    use crate::agent::{AutoBuyRule, BudgetControls, LeadPreferences, ServiceArea};
    use crate::lead::{Exclusivity, Urgency};
    use crate::money::{Credits, Rate};
    use crate::scoring::Score;

    fn agent(id: i64, premium: bool, tier: u8, response: u32, area: Option<&str>) -> AgentProfile {
        AgentProfile {
            id: UserId::new(id).unwrap(),
            role: Role::Agent,
            verified: true,
            active: true,
            premium,
            tier,
            response_rate: Rate::percent(response).unwrap(),
            categories: vec![Category::parse("home-services").unwrap()],
            service_areas: vec![
                ServiceArea::new("IN", "Maharashtra", Some("Mumbai"), area).unwrap(),
            ],
            preferences: LeadPreferences::default(),
            budget: BudgetControls::default(),
        }
    }

    fn with_lead<T>(score: u8, f: impl FnOnce(&RoutableLead<'_>) -> T) -> T {
        let category = Category::parse("home-services/plumbing").unwrap();
        let location =
            Location::new("IN", "Maharashtra", "Mumbai", Some("Andheri West"), None).unwrap();
        let lead = RoutableLead {
            category: &category,
            location: &location,
            traits: LeadTraits {
                score: Score::new(score).unwrap(),
                budget: None,
                exclusivity: Exclusivity::Shared,
                urgency: Urgency::Immediate,
                price: Credits::whole(4),
            },
        };
        f(&lead)
    }

    fn ids(v: &[UserId]) -> Vec<i64> {
        v.iter().map(|i| i.get()).collect()
    }

    #[test]
    fn ranks_premium_tier_response_id_and_caps_at_top_n() {
        let agents = vec![
            agent(5, false, 2, 90, None),
            agent(4, true, 1, 10, Some("Andheri West")),
            agent(3, false, 2, 95, None),
            agent(2, false, 1, 99, None),
            agent(1, false, 2, 95, None),
            agent(6, false, 3, 10, Some("Powai")),
            AgentProfile {
                verified: false,
                ..agent(7, true, 9, 99, None)
            },
        ];
        let d = with_lead(50, |l| {
            route(l, &agents, &RoutingConfig { notify_top_n: 4 })
        });
        assert_eq!(d.scope, RouteScope::Exact);
        assert_eq!(
            ids(&d.notify),
            [4, 1, 3, 5],
            "premium, then tier 2 by response rate then id; unverified and Powai left out"
        );
    }

    #[test]
    fn widens_to_region_then_flags_admins() {
        let powai = vec![agent(1, false, 1, 50, Some("Powai"))];
        let d = with_lead(50, |l| route(l, &powai, &RoutingConfig::default()));
        assert_eq!(
            (d.scope, ids(&d.notify), d.flag_admins),
            (RouteScope::Region, vec![1], false)
        );
        let d = with_lead(50, |l| route(l, &[], &RoutingConfig::default()));
        assert_eq!(
            (d.scope, d.notify.is_empty(), d.flag_admins),
            (RouteScope::Unrouted, true, true)
        );
    }

    use proptest::prelude::*;

    fn arbitrary_agent() -> impl Strategy<Value = AgentProfile> {
        (
            1i64..40,
            any::<bool>(),
            1u8..4,
            0u32..=100,
            prop_oneof![Just(None), Just(Some("Andheri West")), Just(Some("Powai"))],
            any::<bool>(),
            any::<bool>(),
            0u8..3,
            proptest::option::of(80u8..100),
        )
            .prop_map(
                |(id, premium, tier, response, area, verified, active, place, auto)| {
                    let mut a = agent(id, premium, tier, response, area);
                    a.verified = verified;
                    a.active = active;
                    if place == 1 {
                        // Same region, another city.
                        a.service_areas = vec![
                            ServiceArea::new("IN", "Maharashtra", Some("Pune"), None).unwrap(),
                        ];
                    } else if place == 2 {
                        a.service_areas =
                            vec![ServiceArea::new("IN", "Goa", Some("Panaji"), None).unwrap()];
                    }
                    a.budget.auto_buy = auto.map(|s| AutoBuyRule {
                        score_above: Score::new(s).unwrap(),
                        max_price: None,
                    });
                    a
                },
            )
    }

    proptest! {
        /// Whatever the agents: only agents who want the lead are notified, at most N, in
        /// rank order; the scope is the narrowest that has anyone; admins are flagged exactly
        /// when nobody is; auto-buyers are exact matches whose rule fires, in rank order.
        #[test]
        fn routing_holds_its_rules(
            mut agents in proptest::collection::vec(arbitrary_agent(), 0..25),
            top in 1usize..6,
            score in 1u8..=100,
        ) {
            agents.sort_by_key(|a| a.id);
            agents.dedup_by_key(|a| a.id);
            let config = RoutingConfig { notify_top_n: top };
            let d = with_lead(score, |l| route(l, &agents, &config));
            let (exact, region): (Vec<_>, Vec<_>) = with_lead(score, |l| {
                let wanting: Vec<&AgentProfile> = agents.iter().filter(|a| wants(a, l)).collect();
                (
                    wanting.iter().filter(|a| a.serves_location(l.location)).map(|a| a.id).collect(),
                    wanting.iter().filter(|a| a.serves_region_of(l.location)).map(|a| a.id).collect(),
                )
            });
            let pool: &Vec<UserId> = match d.scope {
                RouteScope::Exact => &exact,
                RouteScope::Region => &region,
                RouteScope::Unrouted => &exact,
            };
            prop_assert_eq!(d.scope == RouteScope::Exact, !exact.is_empty());
            prop_assert_eq!(d.scope == RouteScope::Region, exact.is_empty() && !region.is_empty());
            prop_assert_eq!(d.flag_admins, exact.is_empty() && region.is_empty());
            prop_assert_eq!(d.notify.len(), pool.len().min(top));
            prop_assert!(d.notify.iter().all(|id| pool.contains(id)));
            let profile = |id: &UserId| agents.iter().find(|a| a.id == *id).unwrap();
            prop_assert!(d.notify.windows(2).all(|w| rank(profile(&w[0]), profile(&w[1])) == Ordering::Less));
            // Nobody left out outranks someone notified.
            if let Some(last) = d.notify.last() {
                prop_assert!(pool.iter().filter(|id| !d.notify.contains(id)).all(|id| rank(profile(last), profile(id)) == Ordering::Less));
            }
            prop_assert!(d.auto_buy.iter().all(|id| exact.contains(id)));
            prop_assert!(d.auto_buy.iter().all(|id| profile(id).budget.auto_buy.as_ref().is_some_and(|r| score > r.score_above.value())));
            prop_assert!(d.auto_buy.windows(2).all(|w| rank(profile(&w[0]), profile(&w[1])) == Ordering::Less));
        }
    }

    #[test]
    fn auto_buy_fires_above_the_threshold_only() {
        let mut a = agent(1, false, 1, 50, None);
        a.budget.auto_buy = Some(AutoBuyRule {
            score_above: Score::new(90).unwrap(),
            max_price: None,
        });
        let agents = vec![a];
        assert!(
            with_lead(90, |l| route(l, &agents, &RoutingConfig::default()))
                .auto_buy
                .is_empty(),
            "90 is not > 90"
        );
        assert_eq!(
            ids(&with_lead(91, |l| route(l, &agents, &RoutingConfig::default())).auto_buy),
            [1]
        );
    }
}
