use behavior_derive::BehaviorRecord;

#[derive(BehaviorRecord)]
pub struct Item {
    /// A field.
    #[serde(rename = "SKU")]
    pub sku: String,
}

fn main() {}
