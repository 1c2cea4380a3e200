use behavior_derive::BehaviorRecord;

#[derive(BehaviorRecord)]
pub struct Item {
    /// Tags: a length rule on a list.
    #[behavior(max_length = 3)]
    pub tags: Vec<String>,
    /// Name: a numeric bound on a string.
    #[behavior(min = 1)]
    pub name: Option<String>,
    /// Units: a count rule on a number.
    #[behavior(max_items = 2)]
    pub units: i32,
}

fn main() {}
