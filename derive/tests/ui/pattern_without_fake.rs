use behavior_derive::BehaviorRecord;

#[derive(BehaviorRecord)]
pub struct Item {
    /// Code.
    #[behavior(pattern = "^[A-Z]{3}$")]
    pub code: String,
}

fn main() {}
