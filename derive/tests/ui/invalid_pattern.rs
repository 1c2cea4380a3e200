use behavior_derive::BehaviorRecord;

#[derive(BehaviorRecord)]
pub struct Item {
    /// Code.
    #[behavior(pattern = "^[A-Z", fake = behavior_runtime::fake::Sku)]
    pub code: String,
}

fn main() {}
