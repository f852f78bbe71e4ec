//! Credits and spending (Billing): balance, packages with their bulk discount, buying a package,
//! the statement, monthly spending and auto-recharge. Needs the network.

use leadmart_shared::analytics::{self, SpendingSummary};
use leadmart_shared::wire::{
    AutoRechargeDto, CreditAmount, CreditBalance, CreditPackageDto, CreditPurchaseRequest,
    CreditPurchaseResult, CreditValueDto, LedgerPage, MonthlySpend, PurchaseQuote,
};
use rust_decimal::Decimal;

use crate::api::Method;
use crate::error::AppError;
use crate::session::SessionManager;

pub async fn balance(session: &SessionManager) -> Result<CreditBalance, AppError> {
    session
        .request(Method::GET, "v1/credits/balance", &[], None::<&()>)
        .await
}

pub async fn packages(session: &SessionManager) -> Result<Vec<CreditPackageDto>, AppError> {
    session
        .request(Method::GET, "v1/credits/packages", &[], None::<&()>)
        .await
}

/// The marketplace's credit value, as the server states it in its packages answer.
pub async fn value(session: &SessionManager) -> Result<Option<CreditValueDto>, AppError> {
    Ok(CreditValueDto::from_packages(&packages(session).await?))
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

pub async fn transactions(
    session: &SessionManager,
    cursor: Option<String>,
) -> Result<LedgerPage, AppError> {
    let mut query = vec![("limit", "50".to_owned())];
    if let Some(cursor) = cursor.filter(|c| !c.is_empty()) {
        query.push(("cursor", cursor));
    }
    session
        .request(Method::GET, "v1/credits/transactions", &query, None::<&()>)
        .await
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
pub async fn spending(session: &SessionManager, months: u32) -> Result<SpendingSummary, AppError> {
    let query = [("months", months.clamp(1, 24).to_string())];
    let months: Vec<MonthlySpend> = session
        .request(Method::GET, "v1/credits/spending", &query, None::<&()>)
        .await?;
    let value = value(session).await?.and_then(|v| v.to_value());
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
