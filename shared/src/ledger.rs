//! The double-entry ledger: every change of a balance is a [`Transfer`] between two accounts,
//! recorded as two entries that sum to zero, with a reason and a reference. Balances are sums of
//! entries; the wallet-type accounts never go below zero ([`debit`]).
//!
//! Credits (buyer wallets, marketplace revenue in credits) and money (partner commission,
//! payouts) are kept in separate transfers by type: a transfer moves one unit.

use crate::ids::{PartnerId, UserId};
use crate::money::{Credits, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use specta::Type;
use thiserror::Error;

/// An account in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "owner", rename_all = "snake_case")]
pub enum Account {
    /// A buyer's prepaid credits.
    BuyerWallet(UserId),
    /// Credits sold to buyers, against cash received (the counterpart of a credit purchase).
    CreditsIssued,
    /// Credits spent on leads.
    MarketplaceRevenue,
    /// Credits given away (refunds of platform leads, referral rewards, adjustments).
    MarketplaceExpense,
    /// Commission accrued for a partner, still held back.
    PartnerHeld(PartnerId),
    /// Commission past its holdback, payable.
    PartnerPayable(PartnerId),
    /// Money paid out to partners through the payout provider.
    PayoutsSent,
    /// The marketplace's commission expense (the other side of commission accruals).
    CommissionExpense,
}

impl Account {
    /// Accounts that hold someone's balance and must never go negative.
    pub fn must_stay_non_negative(self) -> bool {
        matches!(
            self,
            Self::BuyerWallet(_) | Self::PartnerHeld(_) | Self::PartnerPayable(_)
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LedgerReason {
    CreditPurchase,
    AutoRecharge,
    LeadPurchase,
    Refund,
    CommissionAccrual,
    CommissionRelease,
    CommissionReversal,
    Payout,
    ReferralReward,
    Adjustment,
}

/// A movement of `amount` from one account to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer<A> {
    pub from: Account,
    pub to: Account,
    pub amount: A,
    pub reason: LedgerReason,
    /// What caused it: a purchase id, a payment id, a refund id.
    pub reference: String,
}

/// One side of a transfer: `delta` is negative for the account money leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub account: Account,
    pub delta: Decimal,
}

impl<A: Copy + Into<Decimal>> Transfer<A> {
    /// The two entries; they always sum to zero.
    pub fn entries(&self) -> [Entry; 2] {
        let amount: Decimal = self.amount.into();
        [
            Entry {
                account: self.from,
                delta: -amount,
            },
            Entry {
                account: self.to,
                delta: amount,
            },
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LedgerError {
    #[error("the balance {balance} does not cover {amount}")]
    InsufficientBalance { balance: Decimal, amount: Decimal },
}

/// Takes `amount` out of a balance that must stay non-negative.
pub fn debit(balance: Credits, amount: Credits) -> Result<Credits, LedgerError> {
    balance
        .checked_sub(amount)
        .ok_or(LedgerError::InsufficientBalance {
            balance: balance.amount(),
            amount: amount.amount(),
        })
}

/// The transfers of a lead purchase: buyer wallet → revenue.
pub fn lead_purchase(buyer: UserId, price: Credits, purchase_ref: &str) -> Transfer<Credits> {
    Transfer {
        from: Account::BuyerWallet(buyer),
        to: Account::MarketplaceRevenue,
        amount: price,
        reason: LedgerReason::LeadPurchase,
        reference: purchase_ref.to_owned(),
    }
}

/// Credits bought with money: issued → buyer wallet.
pub fn credit_purchase(
    buyer: UserId,
    credits: Credits,
    payment_ref: &str,
    auto: bool,
) -> Transfer<Credits> {
    Transfer {
        from: Account::CreditsIssued,
        to: Account::BuyerWallet(buyer),
        amount: credits,
        reason: if auto {
            LedgerReason::AutoRecharge
        } else {
            LedgerReason::CreditPurchase
        },
        reference: payment_ref.to_owned(),
    }
}

/// An approved refund: revenue → buyer wallet.
pub fn refund(buyer: UserId, credits: Credits, refund_ref: &str) -> Transfer<Credits> {
    Transfer {
        from: Account::MarketplaceRevenue,
        to: Account::BuyerWallet(buyer),
        amount: credits,
        reason: LedgerReason::Refund,
        reference: refund_ref.to_owned(),
    }
}

/// Commission accrued on a sale: expense → partner held.
pub fn commission_accrual(
    partner: PartnerId,
    amount: Money,
    purchase_ref: &str,
) -> Transfer<Money> {
    Transfer {
        from: Account::CommissionExpense,
        to: Account::PartnerHeld(partner),
        amount,
        reason: LedgerReason::CommissionAccrual,
        reference: purchase_ref.to_owned(),
    }
}

/// The holdback ended: held → payable.
pub fn commission_release(
    partner: PartnerId,
    amount: Money,
    purchase_ref: &str,
) -> Transfer<Money> {
    Transfer {
        from: Account::PartnerHeld(partner),
        to: Account::PartnerPayable(partner),
        amount,
        reason: LedgerReason::CommissionRelease,
        reference: purchase_ref.to_owned(),
    }
}

/// A refund reversed a held commission: held → expense.
pub fn commission_reversal(partner: PartnerId, amount: Money, refund_ref: &str) -> Transfer<Money> {
    Transfer {
        from: Account::PartnerHeld(partner),
        to: Account::CommissionExpense,
        amount,
        reason: LedgerReason::CommissionReversal,
        reference: refund_ref.to_owned(),
    }
}

/// A payout: payable → sent.
pub fn payout(partner: PartnerId, amount: Money, payout_ref: &str) -> Transfer<Money> {
    Transfer {
        from: Account::PartnerPayable(partner),
        to: Account::PayoutsSent,
        amount,
        reason: LedgerReason::Payout,
        reference: payout_ref.to_owned(),
    }
}

/// The balance of `account` over a list of entries.
pub fn balance_of(account: Account, entries: &[Entry]) -> Decimal {
    entries
        .iter()
        .filter(|e| e.account == account)
        .map(|e| e.delta)
        .sum()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn transfers_balance_and_wallets_never_go_negative() {
        let buyer = UserId::new(1).unwrap();
        let mut entries = Vec::new();
        entries.extend(credit_purchase(buyer, Credits::whole(50), "pay-1", false).entries());
        entries.extend(lead_purchase(buyer, Credits::whole(4), "purchase-1").entries());
        entries.extend(refund(buyer, Credits::whole(4), "refund-1").entries());
        assert_eq!(
            entries.iter().map(|e| e.delta).sum::<Decimal>(),
            Decimal::ZERO,
            "double entry sums to zero"
        );
        assert_eq!(
            balance_of(Account::BuyerWallet(buyer), &entries),
            Decimal::from(50)
        );
        assert_eq!(
            balance_of(Account::MarketplaceRevenue, &entries),
            Decimal::ZERO
        );
        assert!(debit(Credits::whole(3), Credits::whole(4)).is_err());
        assert_eq!(
            debit(Credits::whole(4), Credits::whole(4)).unwrap(),
            Credits::ZERO
        );
        assert!(Account::BuyerWallet(buyer).must_stay_non_negative());
        assert!(!Account::MarketplaceRevenue.must_stay_non_negative());
    }
}
