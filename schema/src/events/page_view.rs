use behavior_derive::BehaviorEvent;

use crate::context::EventContext;

/// A page (or app screen) was shown.
#[derive(BehaviorEvent, Clone, Debug, PartialEq)]
#[behavior(event_type = "page_view", version = 1)]
pub struct PageView {
    #[behavior(flatten)]
    pub context: EventContext,
    /// The page's title.
    #[behavior(max_length = 256, fake = fake::faker::lorem::en::Sentence(1..4))]
    pub page_title: String,
    /// Whether this is the first page of the session.
    pub is_landing: bool,
    /// Time from navigation to a rendered page, if the client measured it.
    #[behavior(max = 600000)]
    pub load_time_ms: Option<u32>,
}
