use behavior_derive::BehaviorRecord;

#[derive(BehaviorRecord)]
pub struct Item {
    /// Code.
    #[behavior(rename = "ItemCode")]
    pub code: String,
}

fn main() {}
