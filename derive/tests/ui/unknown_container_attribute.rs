use behavior_derive::BehaviorEvent;

#[derive(BehaviorEvent)]
#[behavior(event_type = "page_view", version = 1, table = "pages")]
pub struct PageView {
    /// A field.
    pub value: i64,
}

fn main() {}
