use behavior_derive::BehaviorEvent;
use behavior_runtime::Uuid;
use behavior_runtime::fake::Sku;

use crate::common::{CURRENCY_FAKER, Money};
use crate::context::EventContext;

/// Units of a product were added to the cart.
#[derive(BehaviorEvent, Clone, Debug, PartialEq)]
#[behavior(event_type = "add_to_cart", version = 1)]
pub struct AddToCart {
    #[behavior(flatten)]
    pub context: EventContext,
    /// The cart changed.
    pub cart_id: Uuid,
    /// Stock-keeping unit of the product.
    #[behavior(min_length = 1, max_length = 64, fake = Sku)]
    pub sku: String,
    /// Units added.
    #[behavior(min = 1, max = 100)]
    pub quantity: i32,
    /// Price of one unit, in `currency`.
    #[behavior(min = 0)]
    pub unit_price: Money,
    /// ISO 4217 code of the price's currency.
    #[behavior(pattern = "^[A-Z]{3}$", fake = CURRENCY_FAKER)]
    pub currency: String,
}
