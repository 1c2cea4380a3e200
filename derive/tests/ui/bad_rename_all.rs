use behavior_derive::BehaviorEnum;

#[derive(BehaviorEnum)]
#[behavior(rename_all = "camelCase")]
pub enum Platform {
    Web,
}

fn main() {}
