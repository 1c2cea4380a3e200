use behavior_derive::BehaviorRecord;

#[derive(BehaviorRecord)]
#[behavior(event_type = "item")]
pub struct Item {
    /// Code.
    pub code: String,
}

fn main() {}
