use behavior_derive::BehaviorEvent;
use behavior_runtime::Uuid;

use crate::common::{CURRENCY_FAKER, Money};
use crate::context::EventContext;

/// The visitor started checking out their cart.
#[derive(BehaviorEvent, Clone, Debug, PartialEq)]
#[behavior(event_type = "checkout_started", version = 1)]
pub struct CheckoutStarted {
    #[behavior(flatten)]
    pub context: EventContext,
    /// The cart being checked out.
    pub cart_id: Uuid,
    /// Total units in the cart.
    #[behavior(min = 1)]
    pub item_count: u32,
    /// Value of the cart before tax and shipping, in `currency`.
    #[behavior(min = 0)]
    pub cart_value: Money,
    /// ISO 4217 code of the cart's currency.
    #[behavior(pattern = "^[A-Z]{3}$", fake = CURRENCY_FAKER)]
    pub currency: String,
}
