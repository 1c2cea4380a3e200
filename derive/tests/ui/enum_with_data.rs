use behavior_derive::BehaviorEnum;

#[derive(BehaviorEnum)]
pub enum Shape {
    Square,
    Circle(f64),
}

fn main() {}
