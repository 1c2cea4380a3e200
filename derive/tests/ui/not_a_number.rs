use behavior_derive::BehaviorRecord;

#[derive(BehaviorRecord)]
pub struct Item {
    /// Units.
    #[behavior(max = "ten")]
    pub quantity: i32,
}

fn main() {}
