//! The visitors: each has a stable device identity (anonymous id, platform, user agent) and
//! country; a share of them never sign in.

use behavior_runtime::fake::CountryCode;
use behavior_runtime::{Faker, Uuid};
use behavior_schema::Platform;
use rand::RngExt;

#[derive(Clone, Debug)]
pub struct Visitor {
    pub user_id: Option<String>,
    pub anonymous_id: Uuid,
    pub platform: Platform,
    pub user_agent: String,
    pub country: String,
    pub currency: &'static str,
}

pub fn population(faker: &mut Faker, size: u32, anonymous_share: f64) -> Vec<Visitor> {
    (0..size.max(1))
        .map(|i| {
            let platform = match faker.rng.random_range(0..10) {
                0..=5 => Platform::Web,
                6..=7 => Platform::Ios,
                _ => Platform::Android,
            };
            let user_agent = match platform {
                Platform::Web => faker.with::<String, _>(&fake::faker::internet::en::UserAgent()),
                Platform::Ios => format!(
                    "ShopApp/4.{} (iPhone; iOS 18.{})",
                    faker.index(9),
                    faker.index(4)
                ),
                Platform::Android => format!(
                    "ShopApp/4.{} (Android 15; Pixel {})",
                    faker.index(9),
                    6 + faker.index(4)
                ),
            };
            let country: String = faker.with(&CountryCode);
            let currency = match country.as_str() {
                "GB" => "GBP",
                "DE" | "FR" | "NL" | "ES" | "IT" => "EUR",
                _ => "USD",
            };
            Visitor {
                user_id: (!faker.rng.random_bool(anonymous_share.clamp(0.0, 1.0)))
                    .then(|| format!("u{:07}", i + 1)),
                anonymous_id: faker.uuid(),
                platform,
                user_agent,
                country,
                currency,
            }
        })
        .collect()
}
