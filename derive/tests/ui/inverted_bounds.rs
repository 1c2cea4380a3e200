use behavior_derive::BehaviorRecord;

#[derive(BehaviorRecord)]
pub struct Item {
    /// Units.
    #[behavior(min = 10, max = 1)]
    pub quantity: i32,
    /// Code.
    #[behavior(min_length = 5, max_length = 2)]
    pub code: String,
    /// Tags.
    #[behavior(min_items = 3, max_items = 1)]
    pub tags: Vec<String>,
}

fn main() {}
