use behavior_derive::BehaviorEvent;
use behavior_runtime::Uuid;

use crate::common::{CURRENCY_FAKER, Money, RefundReason};
use crate::context::EventContext;

/// A customer asked for (part of) an order to be refunded.
#[derive(BehaviorEvent, Clone, Debug, PartialEq)]
#[behavior(event_type = "refund_requested", version = 1)]
pub struct RefundRequested {
    #[behavior(flatten)]
    pub context: EventContext,
    /// The order concerned.
    pub order_id: Uuid,
    /// Why the refund was asked for.
    pub reason: RefundReason,
    /// Amount asked back, in `currency`.
    #[behavior(min = 0)]
    pub amount: Money,
    /// ISO 4217 code of the amount's currency.
    #[behavior(pattern = "^[A-Z]{3}$", fake = CURRENCY_FAKER)]
    pub currency: String,
    /// The customer's own words, if they gave any.
    #[behavior(max_length = 1000)]
    pub comment: Option<String>,
}
