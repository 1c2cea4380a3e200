use behavior_derive::BehaviorEvent;

#[derive(BehaviorEvent)]
#[behavior(event_type = "Page View", version = 1)]
pub struct PageView {
    /// A field.
    pub value: i64,
}

fn main() {}
