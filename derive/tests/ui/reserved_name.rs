use behavior_derive::BehaviorEvent;

#[derive(BehaviorEvent)]
#[behavior(event_type = "page_view", version = 1)]
pub struct PageView {
    /// Clashes with the envelope.
    pub event_type: String,
}

fn main() {}
