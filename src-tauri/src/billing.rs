//! Credits and spending (Billing): balance, packages with their bulk discount, buying a package,
//! the statement, monthly spending and auto-recharge. Buying and settings need the network; the
//! balance and the statement fall back to what sync cached when the API does not answer.

use leadmart_shared::analytics::{self, SpendingSummary};
use leadmart_shared::money::CreditValue;
use leadmart_shared::wire::{
    AutoRechargeDto, CreditAmount, CreditBalance, CreditPackageDto, CreditPurchaseRequest,
    CreditPurchaseResult, CreditValueDto, LedgerPage, MonthlySpend, PurchaseQuote,
};
use rust_decimal::Decimal;

use crate::api::Method;
use crate::cache::Cache;
use crate::error::AppError;
use crate::marketplace::Connection;
use crate::session::SessionManager;

/// The balance; offline, the one after the newest cached statement line, worth the last credit
/// value the marketplace stated.
pub async fn balance(session: &SessionManager, cache: &Cache) -> Result<CreditBalance, AppError> {
    match session
        .request(Method::GET, "v1/credits/balance", &[], None::<&()>)
        .await
    {
        Err(offline @ AppError::Offline { .. }) => {
            let (Ok(Some(credits)), Ok(Some(value))) =
                (cache.cached_balance().await, cache.credit_value().await)
            else {
                return Err(offline);
            };
            let worth = CreditAmount::new(credits, value.to_value().as_ref());
            Ok(CreditBalance {
                credits,
                value: worth.value.unwrap_or_default(),
                currency: value.currency,
            })
        }
        other => other,
    }
}

/// The packages; the credit value they state is remembered for the offline balance.
pub async fn packages(
    session: &SessionManager,
    cache: &Cache,
) -> Result<Vec<CreditPackageDto>, AppError> {
    let packages: Vec<CreditPackageDto> = session
        .request(Method::GET, "v1/credits/packages", &[], None::<&()>)
        .await?;
    if let Some(value) = CreditValueDto::from_packages(&packages) {
        // Only a signed-in user's cache keeps it; the visitor's refuses, which is fine.
        let _ = cache.remember_credit_value(&value).await;
    }
    Ok(packages)
}

/// The marketplace's credit value, as the server states it in its packages answer (offline,
/// as it last did).
pub async fn value(
    session: &SessionManager,
    cache: &Cache,
) -> Result<Option<CreditValueDto>, AppError> {
    match packages(session, cache).await {
        Ok(packages) => Ok(CreditValueDto::from_packages(&packages)),
        Err(offline @ AppError::Offline { .. }) => match cache.credit_value().await {
            Ok(Some(value)) => Ok(Some(value)),
            _ => Err(offline),
        },
        Err(other) => Err(other),
    }
}

/// `credits` with their money worth at `value` (the UI formats amounts, it never multiplies).
pub fn amount(credits: Decimal, value: Option<&CreditValueDto>) -> CreditAmount {
    CreditAmount::new(credits, value.and_then(CreditValueDto::to_value).as_ref())
}

/// The purchase confirmation's figures: price, balance now and after.
pub fn quote(balance: Decimal, price: Decimal, value: Option<&CreditValueDto>) -> PurchaseQuote {
    PurchaseQuote::new(
        balance,
        price,
        value.and_then(CreditValueDto::to_value).as_ref(),
    )
}

/// The credit value for figures shown beside `connection`'s data: asked of the API when online,
/// as last stated offline; `None` when unknown.
pub async fn known_value(
    session: &SessionManager,
    cache: &Cache,
    connection: Connection,
) -> Option<CreditValue> {
    let value = match connection {
        Connection::Online => value(session, cache).await.unwrap_or(None),
        Connection::Offline => cache.credit_value().await.unwrap_or(None),
    };
    value.and_then(|v| v.to_value())
}

/// A page of the statement, newest first; offline, of the lines sync cached.
pub async fn transactions(
    session: &SessionManager,
    cache: &Cache,
    cursor: Option<String>,
) -> Result<LedgerPage, AppError> {
    let cursor = cursor.filter(|c| !c.is_empty());
    let mut query = vec![("limit", "50".to_owned())];
    if let Some(cursor) = cursor.clone() {
        query.push(("cursor", cursor));
    }
    match session
        .request(Method::GET, "v1/credits/transactions", &query, None::<&()>)
        .await
    {
        Err(offline @ AppError::Offline { .. }) => {
            match cache.ledger_page(cursor.as_deref(), 50).await {
                Ok(page) if !page.lines.is_empty() => Ok(page),
                _ => Err(offline),
            }
        }
        other => other,
    }
}

pub async fn buy_package(
    session: &SessionManager,
    package_code: String,
) -> Result<CreditPurchaseResult, AppError> {
    let request = CreditPurchaseRequest { package_code };
    session
        .request(Method::POST, "v1/credits/purchase", &[], Some(&request))
        .await
}

/// Monthly spending, oldest month first, `months` months up to this one, net of refunds with
/// this month, last month and the average (computed by `leadmart_shared::analytics`).
pub async fn spending(
    session: &SessionManager,
    cache: &Cache,
    months: u32,
) -> Result<SpendingSummary, AppError> {
    let query = [("months", months.clamp(1, 24).to_string())];
    let months: Vec<MonthlySpend> = session
        .request(Method::GET, "v1/credits/spending", &query, None::<&()>)
        .await?;
    let value = value(session, cache).await?.and_then(|v| v.to_value());
    Ok(analytics::spending_summary(&months, value.as_ref()))
}

pub async fn auto_recharge(session: &SessionManager) -> Result<AutoRechargeDto, AppError> {
    session
        .request(Method::GET, "v1/credits/auto-recharge", &[], None::<&()>)
        .await
}

pub async fn set_auto_recharge(
    session: &SessionManager,
    rule: &AutoRechargeDto,
) -> Result<AutoRechargeDto, AppError> {
    session
        .request(Method::PUT, "v1/credits/auto-recharge", &[], Some(rule))
        .await
}
