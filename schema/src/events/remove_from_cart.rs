use behavior_derive::BehaviorEvent;
use behavior_runtime::Uuid;
use behavior_runtime::fake::Sku;

use crate::context::EventContext;

/// Units of a product were removed from the cart.
#[derive(BehaviorEvent, Clone, Debug, PartialEq)]
#[behavior(event_type = "remove_from_cart", version = 1)]
pub struct RemoveFromCart {
    #[behavior(flatten)]
    pub context: EventContext,
    /// The cart changed.
    pub cart_id: Uuid,
    /// Stock-keeping unit of the product.
    #[behavior(min_length = 1, max_length = 64, fake = Sku)]
    pub sku: String,
    /// Units removed.
    #[behavior(min = 1, max = 100)]
    pub quantity: i32,
}
