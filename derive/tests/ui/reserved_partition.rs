use behavior_derive::BehaviorEvent;

#[derive(BehaviorEvent)]
#[behavior(event_type = "page_view", version = 1)]
pub struct PageView {
    /// Clashes with the lake's partition column.
    pub event_date: String,
}

fn main() {}
