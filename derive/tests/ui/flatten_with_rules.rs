use behavior_derive::BehaviorRecord;

#[derive(BehaviorRecord)]
pub struct Inner {
    /// Code.
    pub code: String,
}

#[derive(BehaviorRecord)]
pub struct Outer {
    #[behavior(flatten, max_length = 3)]
    pub inner: Inner,
}

fn main() {}
