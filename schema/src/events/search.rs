use behavior_derive::BehaviorEvent;

use crate::context::EventContext;

/// A visitor searched the catalog.
#[derive(BehaviorEvent, Clone, Debug, PartialEq)]
#[behavior(event_type = "search", version = 1)]
pub struct Search {
    #[behavior(flatten)]
    pub context: EventContext,
    /// The query as typed.
    #[behavior(min_length = 1, max_length = 256)]
    pub query: String,
    /// How many products matched.
    pub results_count: u32,
    /// Which page of results this is, from 1.
    #[behavior(min = 1, max = 1000)]
    pub results_page: i32,
}
