//! Value types shared by several event types.

use behavior_derive::{BehaviorEnum, BehaviorRecord};
use behavior_runtime::Decimal;
use behavior_runtime::fake::{OneOf, Sku};

/// An amount of money in the event's currency: 18 digits, 2 after the point.
pub type Money = Decimal<18, 2>;

/// The currencies the shop sells in (fake values only; any ISO 4217 code is valid).
pub const CURRENCIES: &[&str] = &["USD", "EUR", "GBP"];

/// Where the visitor is.
#[derive(BehaviorEnum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Platform {
    Web,
    Ios,
    Android,
}

/// How an order was paid.
#[derive(BehaviorEnum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaymentMethod {
    Card,
    Paypal,
    ApplePay,
    GiftCard,
}

/// Why a customer asked for a refund.
#[derive(BehaviorEnum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefundReason {
    Damaged,
    WrongItem,
    NotAsDescribed,
    ChangedMind,
    Late,
}

/// One product line of an order.
#[derive(BehaviorRecord, Clone, Debug, PartialEq)]
pub struct LineItem {
    /// Stock-keeping unit of the product.
    #[behavior(min_length = 1, max_length = 64, fake = Sku)]
    pub sku: String,
    /// Units ordered.
    #[behavior(min = 1, max = 100)]
    pub quantity: i32,
    /// Price of one unit, in the order's currency.
    #[behavior(min = 0)]
    pub unit_price: Money,
}

/// A three-letter ISO 4217 currency code, for `fake = ...` on currency fields.
pub const CURRENCY_FAKER: OneOf = OneOf(CURRENCIES);
