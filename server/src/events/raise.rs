//! Which events each change raises, and for whom — queued in the change's own transaction, so
//! an event exists exactly when its change committed.

use chrono::{DateTime, Utc};
use leadmart_shared::money::Credits;
use leadmart_shared::wire::RefundDto;
use leadmart_shared::wire::events::{
    CreditsLevel, EventPayload, LeadPurchased, LeadSoldOut, RefundDecided,
};

use crate::AppState;
use crate::db::{Batch, Tx};
use crate::error::ApiError;
use crate::events::store::{self, NewEvent};

/// A purchase as its events see it.
pub struct Purchased {
    pub buyer: i64,
    pub lead_id: i64,
    pub purchase_id: i64,
    pub price: Credits,
    pub balance_after: Credits,
    /// The purchase took the lead to its buyer cap.
    pub sold_out: bool,
}

/// `lead.purchased` and `credits.changed` (and `credits.low` on crossing the mark) to the
/// buyer; `lead.sold_out` to the other agents who were shown or previewed the lead when it
/// closes. Queued at the end of the purchase's batch: one statement more for the buyer, one
/// for the sold-out audience.
pub fn purchase(
    tx: &Tx,
    batch: &mut Batch,
    state: &AppState,
    bought: &Purchased,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let lead = Some(bought.lead_id);
    let level = CreditsLevel {
        balance: bought.balance_after.amount(),
    };
    let mut buyer = vec![
        NewEvent {
            user_id: bought.buyer,
            lead_id: lead,
            payload: EventPayload::LeadPurchased(LeadPurchased {
                lead_id: bought.lead_id.to_string(),
                purchase_id: bought.purchase_id.to_string(),
                price_credits: bought.price.amount(),
            }),
        },
        NewEvent {
            user_id: bought.buyer,
            lead_id: None,
            payload: EventPayload::CreditsChanged(level.clone()),
        },
    ];
    let before = bought
        .balance_after
        .checked_add(bought.price)
        .ok_or_else(|| ApiError::corrupt("a balance beyond the credits' range"))?;
    if state
        .market
        .low_credit
        .crossed(before, bought.balance_after)
    {
        buyer.push(NewEvent {
            user_id: bought.buyer,
            lead_id: None,
            payload: EventPayload::CreditsLow(level),
        });
    }
    store::raise_into(tx, batch, &buyer, now)?;
    if bought.sold_out {
        let sold_out = EventPayload::LeadSoldOut(LeadSoldOut {
            lead_id: bought.lead_id.to_string(),
        });
        store::raise_for_lead_audience(tx, batch, bought.lead_id, bought.buyer, &sold_out, now)?;
    }
    Ok(())
}

/// `refund.decided` to the buyer, and `credits.changed` when the refund credited them
/// (`balance_after` their wallet after it).
pub async fn refund_decided(
    tx: &mut Tx,
    buyer: i64,
    refund: &RefundDto,
    balance_after: Option<Credits>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let lead_id = refund.lead_id.parse::<i64>().ok();
    let credited = if balance_after.is_some() {
        refund.credits
    } else {
        rust_decimal::Decimal::ZERO
    };
    let mut events = vec![NewEvent {
        user_id: buyer,
        lead_id,
        payload: EventPayload::RefundDecided(RefundDecided {
            refund_id: refund.id.clone(),
            lead_id: refund.lead_id.clone(),
            status: refund.status,
            credits: credited,
        }),
    }];
    if let Some(balance) = balance_after {
        events.push(NewEvent {
            user_id: buyer,
            lead_id: None,
            payload: EventPayload::CreditsChanged(CreditsLevel {
                balance: balance.amount(),
            }),
        });
    }
    store::raise(tx, &events, now).await
}

/// `credits.changed` to a buyer whose wallet a payment credited (`balance` after it).
pub async fn credits_bought(
    tx: &mut Tx,
    buyer: i64,
    balance: Credits,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let changed = NewEvent {
        user_id: buyer,
        lead_id: None,
        payload: EventPayload::CreditsChanged(CreditsLevel {
            balance: balance.amount(),
        }),
    };
    store::raise(tx, &[changed], now).await
}
