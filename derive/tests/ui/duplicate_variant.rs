use behavior_derive::BehaviorEnum;

#[derive(BehaviorEnum)]
pub enum Platform {
    Web,
    #[behavior(rename = "web")]
    Browser,
}

fn main() {}
