use behavior_derive::BehaviorEvent;
use behavior_runtime::fake::Sku;

use crate::common::{CURRENCY_FAKER, Money};
use crate::context::EventContext;

/// A product's detail page was viewed.
#[derive(BehaviorEvent, Clone, Debug, PartialEq)]
#[behavior(event_type = "product_view", version = 1)]
pub struct ProductView {
    #[behavior(flatten)]
    pub context: EventContext,
    /// Stock-keeping unit of the product.
    #[behavior(min_length = 1, max_length = 64, fake = Sku)]
    pub sku: String,
    /// The product's display name.
    #[behavior(max_length = 256, fake = fake::faker::lorem::en::Sentence(1..3))]
    pub product_name: String,
    /// The product's category path, such as `shoes/running`.
    #[behavior(max_length = 256)]
    pub category: String,
    /// The price shown, in `currency`.
    #[behavior(min = 0)]
    pub price: Money,
    /// ISO 4217 code of the price's currency.
    #[behavior(pattern = "^[A-Z]{3}$", fake = CURRENCY_FAKER)]
    pub currency: String,
    /// Units in stock when viewed; negative when back-ordered.
    pub stock_level: i64,
    /// Average review rating, 0 to 5, if the product has reviews.
    #[behavior(min = 0, max = 5)]
    pub rating: Option<f64>,
}
