//! Purchase eligibility (DESIGN.md "Purchase rules", seed 002 step 5, seed 000 budget controls)
//! and the plan of a purchase.
//!
//! [`check_purchase`] returns the *first* failed rule as a typed reason with a stable code the
//! API sends and the UI switches on. The server runs it inside the transaction that then
//! applies [`PurchasePlan`] (debit, purchase record, purchases count, close at cap, commission),
//! so the check and the effect see the same rows.

use crate::agent::AgentProfile;
use crate::commission::{Commission, CommissionConfig, PartnerStanding, commission};
use crate::ids::LeadId;
use crate::lead::{BuyerCap, Category, Lead, ListingStatus, Location};
use crate::money::{CreditValue, Credits};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The lead as purchase rules see it.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadOffer {
    pub id: LeadId,
    pub category: Category,
    pub location: Location,
    pub status: ListingStatus,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub cap: BuyerCap,
    pub purchases: u32,
    /// `Some` for partner-supplied leads: they accrue commission.
    pub partner: Option<PartnerStanding>,
}

impl LeadOffer {
    pub fn of(lead: &Lead, partner: Option<PartnerStanding>) -> Self {
        Self {
            id: lead.id,
            category: lead.category.clone(),
            location: lead.location.clone(),
            status: lead.status,
            created_at: lead.created_at,
            expires_at: lead.expires_at,
            cap: lead.cap,
            purchases: lead.purchases,
            partner,
        }
    }
}

/// The buyer's side at the moment of purchase.
#[derive(Debug, Clone, Copy)]
pub struct BuyerState<'a> {
    pub profile: &'a AgentProfile,
    pub balance: Credits,
    /// Credits spent on leads since the start of the buyer's day.
    pub spent_today: Credits,
    pub already_purchased: bool,
}

/// Why a purchase is refused. Checked in this order; the first failure wins.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum PurchaseDenied {
    #[error("only agents can buy leads")]
    NotAnAgent,
    #[error("your agent account is not verified yet")]
    AgentNotVerified,
    #[error("your agent account is not active")]
    AgentInactive,
    #[error("this lead is not on the marketplace")]
    LeadNotListed,
    #[error("this lead has expired")]
    LeadExpired,
    #[error("this lead has been bought by the maximum number of buyers")]
    LeadSoldOut,
    #[error("you have already bought this lead")]
    AlreadyPurchased,
    #[error("this lead's category is not one of yours")]
    CategoryNotServed,
    #[error("this lead is outside your service areas")]
    OutsideServiceArea,
    #[error("the price {price} is above your per-lead maximum {max}")]
    PerLeadMaxExceeded { price: Credits, max: Credits },
    #[error("buying for {price} would pass your daily limit of {limit} ({spent} spent today)")]
    DailyLimitReached {
        limit: Credits,
        spent: Credits,
        price: Credits,
    },
    #[error("the lead costs {price} credits and your balance is {balance}")]
    InsufficientCredits { balance: Credits, price: Credits },
}

impl PurchaseDenied {
    /// The stable code of the API error body (`insufficient_credits`, `lead_sold_out`, …), from
    /// the one list server and app share: [`crate::error_code::ApiErrorCode`].
    pub fn code(&self) -> &'static str {
        crate::error_code::ApiErrorCode::from(self).as_str()
    }
}

/// Every purchase rule, as a pure check. `price` is the price quoted now.
pub fn check_purchase(
    buyer: &BuyerState<'_>,
    lead: &LeadOffer,
    price: Credits,
    now: DateTime<Utc>,
) -> Result<(), PurchaseDenied> {
    let agent = buyer.profile;
    if !agent.role.can_buy_leads() {
        return Err(PurchaseDenied::NotAnAgent);
    }
    if !agent.verified {
        return Err(PurchaseDenied::AgentNotVerified);
    }
    if !agent.active {
        return Err(PurchaseDenied::AgentInactive);
    }
    // A lead at its cap is reported as sold out even if its status was not updated yet.
    if lead.purchases >= lead.cap.max_buyers() || lead.status == ListingStatus::SoldOut {
        return Err(PurchaseDenied::LeadSoldOut);
    }
    if lead.status == ListingStatus::Expired || lead.expires_at.is_some_and(|e| now >= e) {
        return Err(PurchaseDenied::LeadExpired);
    }
    if lead.status != ListingStatus::Listed {
        return Err(PurchaseDenied::LeadNotListed);
    }
    if buyer.already_purchased {
        return Err(PurchaseDenied::AlreadyPurchased);
    }
    if !agent.serves_category(&lead.category) {
        return Err(PurchaseDenied::CategoryNotServed);
    }
    if !agent.serves_location(&lead.location) {
        return Err(PurchaseDenied::OutsideServiceArea);
    }
    if let Some(max) = agent.budget.per_lead_max
        && price > max
    {
        return Err(PurchaseDenied::PerLeadMaxExceeded { price, max });
    }
    if let Some(limit) = agent.budget.daily_limit {
        let after = buyer.spent_today.checked_add(price);
        if after.is_none_or(|after| after > limit) {
            return Err(PurchaseDenied::DailyLimitReached {
                limit,
                spent: buyer.spent_today,
                price,
            });
        }
    }
    if buyer.balance < price {
        return Err(PurchaseDenied::InsufficientCredits {
            balance: buyer.balance,
            price,
        });
    }
    Ok(())
}

/// What one purchase changes, for the server to apply in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchasePlan {
    pub lead: LeadId,
    pub price: Credits,
    pub balance_after: Credits,
    pub purchases_after: u32,
    /// The lead reached its buyer cap: close it (status `sold_out`).
    pub closes_lead: bool,
    /// Accrued for the partner, held back until `payable_at`.
    pub commission: Option<Commission>,
}

impl PurchasePlan {
    /// `lead` as it stands once this purchase is applied: one more buyer, closed at its cap.
    /// The server answers a purchase with it instead of reading the lead back.
    pub fn sold(&self, mut lead: Lead) -> Lead {
        lead.purchases = self.purchases_after;
        if self.closes_lead {
            lead.status = ListingStatus::SoldOut;
        }
        lead
    }
}

/// Checks every rule, then computes the effects.
pub fn plan_purchase(
    buyer: &BuyerState<'_>,
    lead: &LeadOffer,
    price: Credits,
    now: DateTime<Utc>,
    credit_value: &CreditValue,
    commission_config: &CommissionConfig,
) -> Result<PurchasePlan, PurchaseDenied> {
    check_purchase(buyer, lead, price, now)?;
    let balance_after =
        buyer
            .balance
            .checked_sub(price)
            .ok_or(PurchaseDenied::InsufficientCredits {
                balance: buyer.balance,
                price,
            })?;
    let purchases_after = lead.purchases.saturating_add(1);
    Ok(PurchasePlan {
        lead: lead.id,
        price,
        balance_after,
        purchases_after,
        closes_lead: purchases_after >= lead.cap.max_buyers(),
        commission: lead.partner.as_ref().map(|p| {
            commission(
                credit_value.to_money(price),
                lead.created_at,
                now,
                p,
                commission_config,
            )
        }),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::account::Role;
    use crate::agent::{BudgetControls, LeadPreferences, ServiceArea};
    use crate::ids::UserId;
    use crate::money::{Money, Rate};
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 2, 1, 12, 0, 0).single().unwrap()
    }

    fn agent() -> AgentProfile {
        AgentProfile {
            id: UserId::new(7).unwrap(),
            role: Role::Agent,
            verified: true,
            active: true,
            premium: false,
            tier: 1,
            response_rate: Rate::percent(80).unwrap(),
            categories: vec![Category::parse("real-estate").unwrap()],
            service_areas: vec![
                ServiceArea::new("IN", "Maharashtra", Some("Mumbai"), Some("Andheri West"))
                    .unwrap(),
            ],
            preferences: LeadPreferences::default(),
            budget: BudgetControls {
                daily_limit: Some(Credits::whole(20)),
                per_lead_max: Some(Credits::whole(5)),
                auto_buy: None,
            },
        }
    }

    fn offer() -> LeadOffer {
        LeadOffer {
            id: LeadId::new(1234).unwrap(),
            category: Category::parse("real-estate/buy").unwrap(),
            location: Location::new("IN", "Maharashtra", "Mumbai", Some("Andheri West"), None)
                .unwrap(),
            status: ListingStatus::Listed,
            created_at: now() - Duration::days(2),
            expires_at: Some(now() + Duration::days(28)),
            cap: BuyerCap::shared(3).unwrap(),
            purchases: 2,
            partner: Some(PartnerStanding {
                base_rate: None,
                verification_pass_rate: Rate::percent(96).unwrap(),
                total_uploaded: 50,
            }),
        }
    }

    fn buyer(profile: &AgentProfile) -> BuyerState<'_> {
        BuyerState {
            profile,
            balance: Credits::whole(15),
            spent_today: Credits::whole(12),
            already_purchased: false,
        }
    }

    #[test]
    fn an_eligible_purchase_plans_debit_close_and_commission() {
        let a = agent();
        let plan = plan_purchase(
            &buyer(&a),
            &offer(),
            Credits::whole(4),
            now(),
            &CreditValue::default(),
            &CommissionConfig::default(),
        )
        .unwrap();
        assert_eq!(plan.balance_after, Credits::whole(11));
        assert_eq!(plan.purchases_after, 3);
        assert!(
            plan.closes_lead,
            "the third buyer of a 3-buyer lead closes it"
        );
        let c = plan.commission.unwrap();
        // ₹400 sale, fresh (2 days) + 96% pass rate → 45% = ₹180, payable 14 days later.
        assert_eq!(
            (c.rate, c.amount),
            (Rate::percent(45).unwrap(), Money::whole(180))
        );
        assert_eq!(c.payable_at, now() + Duration::days(14));
    }

    #[test]
    fn every_rule_has_its_reason() {
        let price = Credits::whole(4);
        let check = |a: &AgentProfile, f: &dyn Fn(&mut BuyerState<'_>, &mut LeadOffer)| {
            let mut b = buyer(a);
            let mut o = offer();
            f(&mut b, &mut o);
            check_purchase(&b, &o, price, now()).map_err(|e| e.code())
        };
        let a = agent();
        assert_eq!(check(&a, &|_, _| {}), Ok(()));
        assert_eq!(
            check(
                &AgentProfile {
                    role: Role::Partner,
                    ..agent()
                },
                &|_, _| {}
            ),
            Err("not_an_agent")
        );
        assert_eq!(
            check(
                &AgentProfile {
                    verified: false,
                    ..agent()
                },
                &|_, _| {}
            ),
            Err("agent_not_verified")
        );
        assert_eq!(
            check(
                &AgentProfile {
                    active: false,
                    ..agent()
                },
                &|_, _| {}
            ),
            Err("agent_inactive")
        );
        assert_eq!(
            check(&a, &|_, o| o.status = ListingStatus::Draft),
            Err("lead_not_listed")
        );
        assert_eq!(
            check(&a, &|_, o| o.expires_at = Some(now())),
            Err("lead_expired")
        );
        assert_eq!(check(&a, &|_, o| o.purchases = 3), Err("lead_sold_out"));
        assert_eq!(
            check(&a, &|b, _| b.already_purchased = true),
            Err("already_purchased")
        );
        assert_eq!(
            check(&a, &|_, o| o.category =
                Category::parse("insurance/auto").unwrap()),
            Err("category_not_served")
        );
        assert_eq!(
            check(&a, &|_, o| o.location = Location::new(
                "IN",
                "Maharashtra",
                "Mumbai",
                Some("Powai"),
                None
            )
            .unwrap()),
            Err("outside_service_area")
        );
        assert_eq!(
            check(&a, &|b, _| b.spent_today = Credits::whole(17)),
            Err("daily_limit_reached")
        );
        assert_eq!(
            check(&a, &|b, _| b.spent_today = Credits::whole(16)),
            Ok(()),
            "exactly at the limit is allowed"
        );
        assert_eq!(
            check(&a, &|b, _| b.balance =
                Credits::new("3.99".parse().unwrap()).unwrap()),
            Err("insufficient_credits")
        );
        let strict = AgentProfile {
            budget: BudgetControls {
                per_lead_max: Some(Credits::whole(3)),
                ..agent().budget
            },
            ..agent()
        };
        assert_eq!(check(&strict, &|_, _| {}), Err("per_lead_max_exceeded"));
    }

    #[test]
    fn denial_codes_serialise_as_the_api_code() {
        let json = serde_json::to_value(PurchaseDenied::InsufficientCredits {
            balance: Credits::whole(1),
            price: Credits::whole(4),
        })
        .unwrap();
        assert_eq!(json["code"], "insufficient_credits");
        assert_eq!(json["price"], "4.00");
    }
}
