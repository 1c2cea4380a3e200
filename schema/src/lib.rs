//! The event catalog. Each behavioral event type is one file in `src/events/`: a struct with
//! `#[derive(BehaviorEvent)]`. The build script lists them, so a new file is all it takes for
//! the generator, the converter and the exporters to pick a type up.
//!
//! - [`context`]: the fields every event carries (who, when, where);
//! - [`common`]: shared value types (money, enums, line items);
//! - [`events`]: the event types themselves.

pub mod common;
pub mod context;

include!(concat!(env!("OUT_DIR"), "/catalog.rs"));

use std::sync::OnceLock;

use behavior_runtime::Registry;

pub use common::*;
pub use context::EventContext;

/// Every registered event type and version.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    // A catalog the lake cannot take (two types claiming one name and version, two fields of
    // one name once records are flattened, no event_id or event_time) stops every binary and
    // test at start-up, with the reason, before any event is read.
    REGISTRY.get_or_init(|| {
        Registry::new(EVENT_KINDS)
            .and_then(|registry| registry.check_lake_columns().map(|()| registry))
            .unwrap_or_else(|error| panic!("the event catalog in schema/ is invalid: {error}"))
    })
}
