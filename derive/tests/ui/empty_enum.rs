use behavior_derive::BehaviorEnum;

#[derive(BehaviorEnum)]
pub enum Never {}

fn main() {}
