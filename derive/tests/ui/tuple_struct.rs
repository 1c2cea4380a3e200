use behavior_derive::BehaviorRecord;

#[derive(BehaviorRecord)]
pub struct Pair(i64, i64);

fn main() {}
