//! The context every event carries, flattened into its top level on the wire and in tables.

use behavior_derive::BehaviorRecord;
use behavior_runtime::fake::{CountryCode, ShopUrl};
use behavior_runtime::{Timestamp, Uuid};

use crate::common::Platform;

/// Who did it, when, and where: shared by every event type.
#[derive(BehaviorRecord, Clone, Debug, PartialEq)]
pub struct EventContext {
    /// Unique id of this event, set by the producer; duplicates are re-sends of one event.
    pub event_id: Uuid,
    /// When the event happened on the client, in UTC (microseconds).
    pub event_time: Timestamp,
    /// The signed-in user's id; null for anonymous visitors.
    #[behavior(max_length = 64)]
    pub user_id: Option<String>,
    /// Stable id of the browser or device, set before sign-in.
    pub anonymous_id: Uuid,
    /// The visit this event belongs to.
    pub session_id: Uuid,
    /// Web, iOS or Android.
    pub platform: Platform,
    /// The client's User-Agent header.
    #[behavior(max_length = 512, fake = fake::faker::internet::en::UserAgent())]
    pub user_agent: String,
    /// ISO 3166-1 alpha-2 country of the visitor.
    #[behavior(pattern = "^[A-Z]{2}$", fake = CountryCode)]
    pub country: String,
    /// The page (or app screen URL) the event happened on.
    #[behavior(max_length = 2048, fake = ShopUrl)]
    pub page_url: String,
    /// The referring URL, if any.
    #[behavior(max_length = 2048)]
    pub referrer: Option<String>,
    /// Campaign source (utm_source), if the visit came from a tagged link.
    #[behavior(max_length = 128)]
    pub utm_source: Option<String>,
    /// Campaign medium (utm_medium).
    #[behavior(max_length = 128)]
    pub utm_medium: Option<String>,
    /// Campaign name (utm_campaign).
    #[behavior(max_length = 128)]
    pub utm_campaign: Option<String>,
}
