use behavior_derive::BehaviorEvent;

/// An event without its name.
#[derive(BehaviorEvent)]
pub struct Nameless {
    /// A field.
    pub value: i64,
}

fn main() {}
