use std::collections::HashMap;

use behavior_derive::BehaviorRecord;

#[derive(BehaviorRecord)]
pub struct Item {
    /// Attributes.
    pub attributes: HashMap<String, String>,
}

fn main() {}
