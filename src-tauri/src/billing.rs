//! Credits and spending (Billing): balance, packages with their bulk discount, buying a package,
//! the statement, monthly spending and auto-recharge. Needs the network.

use leadmart_shared::wire::{
    AutoRechargeDto, CreditBalance, CreditPackageDto, CreditPurchaseRequest, CreditPurchaseResult,
    LedgerPage, MonthlySpend,
};
use rust_decimal::Decimal;
use serde::Serialize;
use specta::Type;

use crate::api::Method;
use crate::error::AppError;
use crate::session::SessionManager;

/// What one credit is worth in the marketplace currency (seed 000: 1 credit = ₹100).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CreditValueDto {
    pub currency: String,
    pub per_credit: Decimal,
}

/// The nominal credit value: the price per credit of an undiscounted package, else the balance's
/// value per credit. `None` when neither says.
pub fn credit_value(
    packages: &[CreditPackageDto],
    balance: Option<&CreditBalance>,
) -> Option<CreditValueDto> {
    if let Some(pack) = packages.iter().find(|p| p.save_percent.is_zero()) {
        return Some(CreditValueDto {
            currency: pack.currency.clone(),
            per_credit: pack.price_per_credit,
        });
    }
    let balance = balance.filter(|b| !b.credits.is_zero())?;
    Some(CreditValueDto {
        currency: balance.currency.clone(),
        per_credit: (balance.value / balance.credits).round_dp(2),
    })
}

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

/// The marketplace's credit value, from its packages.
pub async fn value(session: &SessionManager) -> Result<Option<CreditValueDto>, AppError> {
    Ok(credit_value(&packages(session).await?, None))
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

/// Monthly spending, oldest month first, `months` months up to this one.
pub async fn spending(
    session: &SessionManager,
    months: u32,
) -> Result<Vec<MonthlySpend>, AppError> {
    let query = [("months", months.clamp(1, 24).to_string())];
    session
        .request(Method::GET, "v1/credits/spending", &query, None::<&()>)
        .await
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
