use behavior_derive::BehaviorEvent;

#[derive(BehaviorEvent)]
#[behavior(event_type = "page_view", version = 1)]
pub struct PageView<T> {
    /// A field.
    pub value: T,
}

fn main() {}
