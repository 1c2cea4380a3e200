use behavior_derive::BehaviorRecord;

#[derive(BehaviorRecord)]
pub struct Item {
    /// A field.
    #[behavior(maximum_length = 3)]
    pub sku: String,
}

fn main() {}
