use behavior_derive::BehaviorRecord;

#[derive(BehaviorRecord)]
pub struct Item {
    /// Code.
    pub code: String,
    /// Another code.
    #[behavior(rename = "code")]
    pub other: String,
}

fn main() {}
