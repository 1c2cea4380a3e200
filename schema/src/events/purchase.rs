use behavior_derive::BehaviorEvent;
use behavior_runtime::{Date, Uuid};

use crate::common::{CURRENCY_FAKER, LineItem, Money, PaymentMethod};
use crate::context::EventContext;

/// An order was placed and paid.
#[derive(BehaviorEvent, Clone, Debug, PartialEq)]
#[behavior(event_type = "purchase", version = 1)]
pub struct Purchase {
    #[behavior(flatten)]
    pub context: EventContext,
    /// The order's id.
    pub order_id: Uuid,
    /// The cart the order was placed from.
    pub cart_id: Uuid,
    /// The products ordered.
    #[behavior(min_items = 1, max_items = 100)]
    pub items: Vec<LineItem>,
    /// Sum of the line items (quantity × unit price), in `currency`.
    #[behavior(min = 0)]
    pub subtotal: Money,
    /// Tax charged.
    #[behavior(min = 0)]
    pub tax: Money,
    /// Shipping charged.
    #[behavior(min = 0)]
    pub shipping: Money,
    /// Amount paid: subtotal + tax + shipping.
    #[behavior(min = 0)]
    pub total: Money,
    /// ISO 4217 code of the order's currency.
    #[behavior(pattern = "^[A-Z]{3}$", fake = CURRENCY_FAKER)]
    pub currency: String,
    /// How the order was paid.
    pub payment_method: PaymentMethod,
    /// The coupon code applied, if any.
    #[behavior(max_length = 32)]
    pub coupon: Option<String>,
    /// Loyalty points earned with this order.
    pub loyalty_points: u64,
    /// The delivery date promised at checkout.
    pub expected_delivery: Date,
}
