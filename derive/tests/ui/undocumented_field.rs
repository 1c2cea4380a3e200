use behavior_derive::BehaviorRecord;

#[derive(BehaviorRecord)]
pub struct Item {
    pub sku: String,
}

fn main() {}
