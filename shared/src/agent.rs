//! What the marketplace knows about a buyer (an agent): categories, service areas, lead
//! preferences, budget controls, and the standing used to rank them (premium, tier, response
//! rate). Routing and purchase eligibility both read it; neither re-implements "serves".

use crate::account::Role;
use crate::ids::UserId;
use crate::lead::{BudgetRange, Category, Exclusivity, LeadError, Location, Urgency};
use crate::money::{Credits, Rate};
use crate::normalize::fold;
use crate::scoring::Score;
use serde::{Deserialize, Serialize};

/// A place an agent serves: a whole region, a city, or one area of a city.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceArea {
    country: String,
    region: String,
    city: Option<String>,
    area: Option<String>,
}

impl ServiceArea {
    /// `area` needs a `city`: "Andheri" means nothing without "Mumbai".
    pub fn new(
        country: &str,
        region: &str,
        city: Option<&str>,
        area: Option<&str>,
    ) -> Result<Self, LeadError> {
        let clean = |s: Option<&str>| {
            s.map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let probe = Location::new(country, region, city.unwrap_or("-"), None, None)?;
        let city = clean(city);
        let area = clean(area);
        if area.is_some() && city.is_none() {
            return Err(LeadError::MissingPlace("city for an area"));
        }
        Ok(Self {
            country: probe.country().to_owned(),
            region: probe.region().to_owned(),
            city,
            area,
        })
    }

    pub fn country(&self) -> &str {
        &self.country
    }
    pub fn region(&self) -> &str {
        &self.region
    }
    pub fn city(&self) -> Option<&str> {
        self.city.as_deref()
    }
    pub fn area(&self) -> Option<&str> {
        self.area.as_deref()
    }

    /// Whether a lead at `location` is inside this area (names compared folded).
    pub fn contains(&self, location: &Location) -> bool {
        if !location.same_region(&self.country, &self.region) {
            return false;
        }
        let city_ok = self
            .city
            .as_deref()
            .is_none_or(|c| fold(c) == fold(location.city()));
        let area_ok = match (self.area.as_deref(), location.area()) {
            (None, _) => true,
            (Some(mine), Some(theirs)) => fold(mine) == fold(theirs),
            (Some(_), None) => false,
        };
        city_ok && area_ok
    }

    /// The widened match used when nobody serves the exact place: same region.
    pub fn in_region_of(&self, location: &Location) -> bool {
        location.same_region(&self.country, &self.region)
    }
}

/// Which leads an agent wants to hear about.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LeadPreferences {
    pub min_score: Option<Score>,
    pub budget: Option<BudgetRange>,
    pub exclusivity: Option<Exclusivity>,
    pub max_price: Option<Credits>,
    /// Empty means every urgency.
    pub urgencies: Vec<Urgency>,
}

/// What a lead offers, as preferences see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeadTraits<'a> {
    pub score: Score,
    pub budget: Option<&'a BudgetRange>,
    pub exclusivity: Exclusivity,
    pub urgency: Urgency,
    pub price: Credits,
}

impl LeadPreferences {
    /// Whether a lead passes every preference the agent set. A lead without a budget passes a
    /// budget preference: the agent filters on budgets leads state, not on their absence.
    pub fn admits(&self, lead: &LeadTraits<'_>) -> bool {
        self.min_score.is_none_or(|m| lead.score >= m)
            && match (&self.budget, lead.budget) {
                (Some(mine), Some(theirs)) => mine.overlaps(theirs),
                _ => true,
            }
            && self.exclusivity.is_none_or(|e| e == lead.exclusivity)
            && self.max_price.is_none_or(|m| lead.price <= m)
            && (self.urgencies.is_empty() || self.urgencies.contains(&lead.urgency))
    }
}

/// Seed 000's auto-purchase: buy automatically when the score is above a threshold, within
/// the agent's budget controls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoBuyRule {
    /// Buy when the score is strictly above this ("if score > 90").
    pub score_above: Score,
    pub max_price: Option<Credits>,
}

/// Seed 000's budget controls, in credits (₹2,000 a day = 20 credits at ₹100).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BudgetControls {
    pub daily_limit: Option<Credits>,
    pub per_lead_max: Option<Credits>,
    pub auto_buy: Option<AutoBuyRule>,
}

/// An agent as matching, ranking and eligibility see them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentProfile {
    pub id: UserId,
    pub role: Role,
    pub verified: bool,
    pub active: bool,
    pub premium: bool,
    /// Subscription tier; higher ranks first.
    pub tier: u8,
    pub response_rate: Rate,
    pub categories: Vec<Category>,
    pub service_areas: Vec<ServiceArea>,
    pub preferences: LeadPreferences,
    pub budget: BudgetControls,
}

impl AgentProfile {
    pub fn serves_category(&self, category: &Category) -> bool {
        self.categories.iter().any(|c| c.covers(category))
    }

    pub fn serves_location(&self, location: &Location) -> bool {
        self.service_areas.iter().any(|a| a.contains(location))
    }

    pub fn serves_region_of(&self, location: &Location) -> bool {
        self.service_areas.iter().any(|a| a.in_region_of(location))
    }

    /// Verified, active agent: the only kind that gets leads.
    pub fn can_receive_leads(&self) -> bool {
        self.role == Role::Agent && self.verified && self.active
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn andheri() -> Location {
        Location::new(
            "IN",
            "Maharashtra",
            "Mumbai",
            Some("Andheri West"),
            Some("400053"),
        )
        .unwrap()
    }

    #[test]
    fn service_areas_contain_places() {
        let city = ServiceArea::new("IN", "maharashtra", Some("mumbai"), None).unwrap();
        let area =
            ServiceArea::new("IN", "Maharashtra", Some("Mumbai"), Some("andheri-west")).unwrap();
        let other_area =
            ServiceArea::new("IN", "Maharashtra", Some("Mumbai"), Some("Powai")).unwrap();
        let region = ServiceArea::new("IN", "Maharashtra", None, None).unwrap();
        assert!(city.contains(&andheri()));
        assert!(area.contains(&andheri()), "folded names match");
        assert!(!other_area.contains(&andheri()));
        assert!(other_area.in_region_of(&andheri()));
        assert!(region.contains(&andheri()));
        assert!(ServiceArea::new("IN", "MH", None, Some("Andheri")).is_err());
        let pune = Location::new("IN", "Maharashtra", "Pune", None, None).unwrap();
        assert!(!city.contains(&pune));
    }

    #[test]
    fn preferences_admit_or_refuse() {
        let prefs = LeadPreferences {
            min_score: Some(Score::new(80).unwrap()),
            max_price: Some(Credits::whole(5)),
            ..LeadPreferences::default()
        };
        let lead = |score: u8, price: u32| LeadTraits {
            score: Score::new(score).unwrap(),
            budget: None,
            exclusivity: Exclusivity::Shared,
            urgency: Urgency::Flexible,
            price: Credits::whole(price),
        };
        assert!(prefs.admits(&lead(80, 5)));
        assert!(!prefs.admits(&lead(79, 5)), "below the minimum score");
        assert!(!prefs.admits(&lead(95, 6)), "above the max price");
        assert!(
            LeadPreferences::default().admits(&lead(1, 1000)),
            "no preferences admit all"
        );
    }
}
