//! Money and credits: exact decimal amounts with two places, never floats.
//!
//! Owns [`Credits`] (what buyers spend), [`Money`] (amounts in the marketplace currency),
//! [`Rate`] (a fraction such as a commission rate), the credit packages with their bulk discount,
//! the auto-recharge rule and the en-IN lakh/crore display used in notifications.
//!
//! Amounts are non-negative: a debit is a separate operation ([`Credits::checked_sub`]) that
//! refuses to go below zero, which is how "a balance never goes below zero" is enforced.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// Decimal places of every amount.
pub const SCALE: u32 = 2;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AmountError {
    #[error("an amount must not be negative, got {0}")]
    Negative(Decimal),
    #[error("an amount has at most {SCALE} decimal places, got {0}")]
    TooPrecise(Decimal),
    #[error("not a decimal amount: {0:?}")]
    NotANumber(String),
    #[error("a rate must be between 0 and 1, got {0}")]
    RateOutOfRange(Decimal),
    #[error("amount overflow")]
    Overflow,
}

/// Rounds half-up (away from zero, which for our non-negative amounts is up) to two places.
pub fn round_half_up(value: Decimal) -> Decimal {
    let mut rounded = value.round_dp_with_strategy(SCALE, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(SCALE);
    rounded
}

fn exact_amount(value: Decimal) -> Result<Decimal, AmountError> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(AmountError::Negative(value));
    }
    if value.normalize().scale() > SCALE {
        return Err(AmountError::TooPrecise(value));
    }
    let mut exact = value;
    exact.rescale(SCALE);
    // `-0.00` is zero; keep one spelling of it.
    exact.set_sign_positive(true);
    Ok(exact)
}

/// Generates the shared API of the two amount types. They stay separate types because adding
/// credits to rupees is a bug the compiler should catch.
macro_rules! amount_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
        #[serde(try_from = "Decimal", into = "Decimal")]
        pub struct $name(Decimal);

        impl $name {
            pub const ZERO: Self = Self(Decimal::ZERO);

            /// The only way in from outside: non-negative, at most two decimal places.
            pub fn new(value: Decimal) -> Result<Self, AmountError> {
                exact_amount(value).map(Self)
            }

            /// A whole amount (a package size, a limit in configuration).
            pub fn whole(units: u32) -> Self {
                let mut value = Decimal::from(units);
                value.rescale(SCALE);
                Self(value)
            }

            /// A computed amount, rounded half-up to two places; negative results become zero.
            pub fn rounded(value: Decimal) -> Self {
                if value.is_sign_negative() {
                    return Self::ZERO;
                }
                Self(round_half_up(value))
            }

            pub fn amount(self) -> Decimal {
                self.0
            }

            pub fn is_zero(self) -> bool {
                self.0.is_zero()
            }

            pub fn checked_add(self, other: Self) -> Option<Self> {
                self.0.checked_add(other.0).map(Self)
            }

            /// `None` when the result would be negative: the caller decides what that means
            /// (insufficient credits, a limit reached).
            pub fn checked_sub(self, other: Self) -> Option<Self> {
                if other.0 > self.0 {
                    return None;
                }
                self.0.checked_sub(other.0).map(Self)
            }

            /// `self × factor`, rounded half-up to two places.
            pub fn times(self, factor: Decimal) -> Self {
                Self::rounded(self.0.checked_mul(factor).unwrap_or(Decimal::MAX))
            }

            /// Sum of many amounts; `None` on overflow.
            pub fn sum<I: IntoIterator<Item = Self>>(items: I) -> Option<Self> {
                items.into_iter().try_fold(Self::ZERO, Self::checked_add)
            }
        }

        impl TryFrom<Decimal> for $name {
            type Error = AmountError;
            fn try_from(value: Decimal) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl From<$name> for Decimal {
            fn from(value: $name) -> Decimal {
                value.0
            }
        }

        impl FromStr for $name {
            type Err = AmountError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let value = Decimal::from_str_exact(s.trim())
                    .map_err(|_| AmountError::NotANumber(s.to_owned()))?;
                Self::new(value)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

amount_type!(
    /// Credits, the marketplace's prepaid unit (default 1 credit = ₹100). Two decimals.
    Credits
);
impl Credits {
    /// The amount in hundredths of a credit, exactly (two decimals by construction): how
    /// storage keeps prices it must compare as numbers on every engine.
    pub fn hundredths(self) -> Option<i64> {
        let mut scaled = self.0 * Decimal::ONE_HUNDRED;
        scaled.rescale(0);
        i64::try_from(scaled).ok()
    }

    /// The inverse of [`Credits::hundredths`].
    pub fn from_hundredths(hundredths: i64) -> Result<Self, AmountError> {
        Self::new(Decimal::new(hundredths, SCALE))
    }
}

amount_type!(
    /// An amount in the marketplace currency (budgets, deal values, package prices, payouts).
    Money
);

/// A fraction in `[0, 1]` (commission rates, pass rates, discounts, response rates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct Rate(Decimal);

impl Rate {
    pub const ZERO: Self = Self(Decimal::ZERO);
    pub const ONE: Self = Self(Decimal::ONE);

    pub fn new(value: Decimal) -> Result<Self, AmountError> {
        if value < Decimal::ZERO || value > Decimal::ONE {
            return Err(AmountError::RateOutOfRange(value));
        }
        Ok(Self(value))
    }

    /// `percent / 100`, e.g. `Rate::percent(30)` is 0.30.
    pub fn percent(percent: u32) -> Result<Self, AmountError> {
        Self::new(Decimal::new(i64::from(percent), 2))
    }

    pub fn value(self) -> Decimal {
        self.0
    }

    /// Adds two rates, saturating at 1.
    pub fn saturating_add(self, other: Self) -> Self {
        Self(self.0.saturating_add(other.0).min(Decimal::ONE))
    }
}

impl TryFrom<Decimal> for Rate {
    type Error = AmountError;
    fn try_from(value: Decimal) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Rate> for Decimal {
    fn from(value: Rate) -> Decimal {
        value.0
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", (self.0 * Decimal::ONE_HUNDRED).normalize())
    }
}

/// ISO 4217 code of the marketplace currency, e.g. `INR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CurrencyCode([u8; 3]);

impl CurrencyCode {
    pub const INR: Self = Self(*b"INR");

    pub fn new(code: &str) -> Result<Self, AmountError> {
        match code.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_uppercase()) => Ok(Self([*a, *b, *c])),
            _ => Err(AmountError::NotANumber(code.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        // Constructed only from three ASCII upper-case letters.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl TryFrom<String> for CurrencyCode {
    type Error = AmountError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(&value)
    }
}

impl From<CurrencyCode> for String {
    fn from(value: CurrencyCode) -> String {
        value.as_str().to_owned()
    }
}

impl fmt::Display for CurrencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The nominal value of one credit (default ₹100) and the marketplace currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditValue {
    pub currency: CurrencyCode,
    pub per_credit: Money,
}

impl Default for CreditValue {
    fn default() -> Self {
        Self {
            currency: CurrencyCode::INR,
            per_credit: Money::whole(100),
        }
    }
}

impl CreditValue {
    /// The nominal money value of an amount of credits (a balance card: 15 credits = ₹1,500).
    pub fn to_money(&self, credits: Credits) -> Money {
        Money::rounded(credits.amount() * self.per_credit.amount())
    }

    /// How many credits a money amount is worth at the nominal value, rounded half-up.
    /// `None` when a credit has no value configured.
    pub fn to_credits(&self, money: Money) -> Option<Credits> {
        let per = self.per_credit.amount();
        if per.is_zero() {
            return None;
        }
        Some(Credits::rounded(money.amount() / per))
    }
}

/// A credit package: so many credits for so much money (seed 000: 10 for ₹1,000 … 250 for ₹18,750).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditPackage {
    /// Stable identifier the client sends back, e.g. `pack-50`.
    pub code: String,
    pub credits: Credits,
    pub price: Money,
}

impl CreditPackage {
    /// Price of one credit in this package; `None` for an empty package.
    pub fn price_per_credit(&self) -> Option<Money> {
        if self.credits.is_zero() {
            return None;
        }
        Some(Money::rounded(self.price.amount() / self.credits.amount()))
    }

    /// The bulk discount against the nominal credit value, as a rate (50 for ₹4,500 saves 10%).
    pub fn discount(&self, value: &CreditValue) -> Rate {
        let nominal = value.to_money(self.credits).amount();
        if nominal.is_zero() || self.price.amount() >= nominal {
            return Rate::ZERO;
        }
        let saved = (nominal - self.price.amount()) / nominal;
        Rate::new(saved.round_dp(4)).unwrap_or(Rate::ZERO)
    }
}

/// The packages on sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditPackages(pub Vec<CreditPackage>);

impl Default for CreditPackages {
    fn default() -> Self {
        let pack = |credits: u32, price: u32| CreditPackage {
            code: format!("pack-{credits}"),
            credits: Credits::whole(credits),
            price: Money::whole(price),
        };
        Self(vec![
            pack(10, 1_000),
            pack(50, 4_500),
            pack(100, 8_000),
            pack(250, 18_750),
        ])
    }
}

impl CreditPackages {
    pub fn find(&self, code: &str) -> Option<&CreditPackage> {
        self.0.iter().find(|p| p.code == code)
    }
}

/// Auto-recharge (seed 000: when the balance drops below 5 credits, buy 50 for ₹4,500).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoRecharge {
    pub enabled: bool,
    pub below: Credits,
    pub package_code: String,
}

impl AutoRecharge {
    /// The package to buy now, if the balance has dropped below the threshold.
    pub fn due<'a>(
        &self,
        balance: Credits,
        packages: &'a CreditPackages,
    ) -> Option<&'a CreditPackage> {
        if !self.enabled || balance >= self.below {
            return None;
        }
        packages.find(&self.package_code)
    }
}

/// How long an automatic payment may wait for the provider (a Stripe Checkout the buyer never
/// completed) before it stops counting as in flight. While one is in flight no second automatic
/// payment starts; once it expires, the next purchase below the threshold may recharge again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoRechargeConfig {
    pub pending_expiry: chrono::Duration,
}

impl Default for AutoRechargeConfig {
    fn default() -> Self {
        Self {
            pending_expiry: chrono::Duration::minutes(30),
        }
    }
}

impl AutoRechargeConfig {
    /// Pending automatic payments created before this instant have expired at `now`.
    pub fn expired_before(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> chrono::DateTime<chrono::Utc> {
        now - self.pending_expiry
    }

    pub fn is_expired(
        &self,
        created_at: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> bool {
        created_at < self.expired_before(now)
    }
}

/// Compact en-IN display of a rupee amount: `₹90L`, `₹1.1Cr`, `₹4,500`.
///
/// Used where Rust writes text for people (native notifications); the UI formats with
/// `Intl.NumberFormat` itself. Lakh = 1,00,000, crore = 1,00,00,000; one decimal, trailing `.0`
/// dropped.
pub fn format_inr_compact(amount: Money) -> String {
    let value = amount.amount();
    let crore = Decimal::from(10_000_000);
    let lakh = Decimal::from(100_000);
    let short = |unit: Decimal, suffix: &str| {
        let scaled =
            (value / unit).round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
        format!("₹{}{suffix}", scaled.normalize())
    };
    if value >= crore {
        short(crore, "Cr")
    } else if value >= lakh {
        short(lakh, "L")
    } else {
        format!("₹{}", group_en_in(value))
    }
}

/// en-IN digit grouping of the whole part (`1,00,000`), keeping two decimals when not whole.
pub fn group_en_in(value: Decimal) -> String {
    let whole = value.trunc().abs().to_string();
    let fraction = value.fract().abs();
    let digits = whole.as_bytes();
    let mut out = String::with_capacity(digits.len() + digits.len() / 2 + 4);
    // Last three digits form one group; the rest go in pairs.
    let head_len = digits.len().saturating_sub(3);
    for (i, d) in digits[..head_len].iter().enumerate() {
        if i > 0 && (head_len - i).is_multiple_of(2) {
            out.push(',');
        }
        out.push(char::from(*d));
    }
    if head_len > 0 {
        out.push(',');
    }
    out.push_str(&whole[head_len..]);
    if !fraction.is_zero() {
        let mut f = fraction;
        f.rescale(SCALE);
        out.push_str(&f.to_string()[1..]);
    }
    if value.is_sign_negative() && !value.is_zero() {
        out.insert(0, '-');
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn amounts_parse_instead_of_validate() {
        assert_eq!(Credits::new(dec!(3)).unwrap().to_string(), "3.00");
        assert_eq!("4.5".parse::<Credits>().unwrap().amount(), dec!(4.50));
        assert_eq!(
            Credits::new(dec!(-0.01)),
            Err(AmountError::Negative(dec!(-0.01)))
        );
        assert!(matches!(
            Credits::new(dec!(1.005)),
            Err(AmountError::TooPrecise(_))
        ));
        assert!("1e3".parse::<Money>().is_err());
        assert!(
            serde_json::from_str::<Credits>("\"-1\"").is_err(),
            "the wire cannot smuggle negatives"
        );
        assert_eq!(
            serde_json::to_string(&Credits::whole(12)).unwrap(),
            "\"12.00\""
        );
    }

    #[test]
    fn rounding_is_half_up_to_cents() {
        assert_eq!(Credits::rounded(dec!(3.825)).amount(), dec!(3.83));
        assert_eq!(Credits::rounded(dec!(3.8249)).amount(), dec!(3.82));
        assert_eq!(Credits::rounded(dec!(-2)), Credits::ZERO);
    }

    #[test]
    fn a_balance_never_goes_below_zero() {
        let balance = Credits::whole(3);
        assert_eq!(balance.checked_sub(Credits::whole(4)), None);
        assert_eq!(balance.checked_sub(Credits::whole(3)), Some(Credits::ZERO));
    }

    #[test]
    fn seed_000_credit_packages() {
        let value = CreditValue::default();
        let packs = CreditPackages::default();
        let expected = [
            (10, 1_000, 100, 0),
            (50, 4_500, 90, 10),
            (100, 8_000, 80, 20),
            (250, 18_750, 75, 25),
        ];
        assert_eq!(packs.0.len(), expected.len());
        for (pack, (credits, price, per, saved)) in packs.0.iter().zip(expected) {
            assert_eq!(pack.credits, Credits::whole(credits));
            assert_eq!(pack.price, Money::whole(price));
            assert_eq!(
                pack.price_per_credit(),
                Some(Money::whole(per)),
                "{} credits",
                credits
            );
            assert_eq!(
                pack.discount(&value),
                Rate::percent(saved).unwrap(),
                "{} credits save {saved}%",
                credits
            );
        }
        assert_eq!(
            value.to_money(Credits::whole(15)),
            Money::whole(1_500),
            "seed: 15 credits = ₹1,500"
        );
    }

    #[test]
    fn auto_recharge_buys_below_threshold_only() {
        let packs = CreditPackages::default();
        let rule = AutoRecharge {
            enabled: true,
            below: Credits::whole(5),
            package_code: "pack-50".into(),
        };
        assert_eq!(
            rule.due(Credits::whole(5), &packs),
            None,
            "at the threshold is not below it"
        );
        assert_eq!(
            rule.due(Credits::new(dec!(4.99)).unwrap(), &packs)
                .map(|p| p.price),
            Some(Money::whole(4_500))
        );
        let off = AutoRecharge {
            enabled: false,
            ..rule
        };
        assert_eq!(off.due(Credits::ZERO, &packs), None);
    }

    #[test]
    fn a_pending_automatic_payment_expires_after_thirty_minutes() {
        let config = AutoRechargeConfig::default();
        let created = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let minutes = |m| created + chrono::Duration::minutes(m);
        assert!(!config.is_expired(created, minutes(29)), "still in flight");
        assert!(
            !config.is_expired(created, minutes(30)),
            "exactly at the expiry it still counts"
        );
        assert!(
            config.is_expired(created, minutes(31)),
            "no longer blocks auto-recharge"
        );
    }

    #[test]
    fn en_in_display() {
        assert_eq!(format_inr_compact(Money::whole(9_000_000)), "₹90L");
        assert_eq!(format_inr_compact(Money::whole(11_000_000)), "₹1.1Cr");
        assert_eq!(format_inr_compact(Money::whole(4_500)), "₹4,500");
        assert_eq!(group_en_in(dec!(32000000)), "3,20,00,000");
        assert_eq!(group_en_in(dec!(100000)), "1,00,000");
        assert_eq!(group_en_in(dec!(999)), "999");
        assert_eq!(group_en_in(dec!(1234.5)), "1,234.50");
    }

    #[test]
    fn rates_stay_in_unit_interval() {
        assert!(Rate::new(dec!(1.01)).is_err());
        assert!(Rate::new(dec!(-0.01)).is_err());
        assert_eq!(Rate::percent(30).unwrap().to_string(), "30%");
        assert_eq!(
            Rate::percent(80)
                .unwrap()
                .saturating_add(Rate::percent(40).unwrap()),
            Rate::ONE
        );
    }
}
