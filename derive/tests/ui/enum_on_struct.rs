use behavior_derive::BehaviorEnum;

#[derive(BehaviorEnum)]
pub struct Platform {
    pub name: String,
}

fn main() {}
