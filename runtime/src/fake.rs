//! Fake values: the hook the generator builds on.
//!
//! Every field gets a value that satisfies its declared rules; a field can name a better source
//! with `#[behavior(fake = <expr>)]`, where the expression is any `fake` crate faker (or one of
//! the small fakers below). Everything draws from one seeded RNG, so a seed fixes the output.

use fake::{Dummy, Fake};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

use crate::descriptor::Rules;
use crate::types::Timestamp;

pub use uuid::Uuid;

/// 2026-01-01T00:00:00Z: fake timestamps fall in the 30 days after it unless a model sets time.
pub const FAKE_EPOCH_MICROS: i64 = 1_767_225_600_000_000;

/// The seeded source of every fake value.
pub struct Faker {
    pub rng: SmallRng,
}

impl Faker {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: SmallRng::seed_from_u64(seed),
        }
    }

    /// A value from any `fake` faker (what `#[behavior(fake = ...)]` expands to).
    pub fn with<T: Dummy<F>, F>(&mut self, faker: &F) -> T {
        T::dummy_with_rng(faker, &mut self.rng)
    }

    /// A uniform index in `0..n` (`n > 0`).
    pub fn index(&mut self, n: usize) -> usize {
        self.rng.random_range(0..n.max(1))
    }

    /// Inclusive numeric range for a fake number: the declared bounds, else the defaults.
    pub fn bounds(&self, rules: &Rules, default_lo: f64, default_hi: f64) -> (f64, f64) {
        let lo = rules.minimum.unwrap_or(default_lo);
        let hi = rules
            .maximum
            .unwrap_or(default_hi.max(lo + (default_hi - default_lo)));
        // Only a declared maximum below the default minimum gets here; the derive has checked
        // that declared bounds are ordered.
        (lo.min(hi), hi)
    }

    /// A word-like string within the declared length bounds.
    pub fn text(&mut self, rules: &Rules) -> String {
        let min = rules.min_length.unwrap_or(1) as usize;
        let max = (rules.max_length.unwrap_or(24) as usize).max(min);
        let mut text: String = fake::faker::lorem::en::Word().fake_with_rng(&mut self.rng);
        while text.chars().count() < min {
            text.push('x');
        }
        text.chars().take(max).collect()
    }

    pub fn timestamp(&mut self) -> Timestamp {
        let offset = self.rng.random_range(0..30 * 86_400_000_000i64);
        Timestamp(FAKE_EPOCH_MICROS + offset)
    }

    /// A random (version 4) UUID from the seeded RNG.
    pub fn uuid(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.rng.random()).into_uuid()
    }
}

/// Faker: one of a fixed list of values.
pub struct OneOf(pub &'static [&'static str]);

impl Dummy<OneOf> for String {
    fn dummy_with_rng<R: RngExt + ?Sized>(config: &OneOf, rng: &mut R) -> Self {
        config.0[rng.random_range(0..config.0.len())].to_string()
    }
}

/// Faker: `https://shop.example/<path>` URLs.
pub struct ShopUrl;

impl Dummy<ShopUrl> for String {
    fn dummy_with_rng<R: RngExt + ?Sized>(_: &ShopUrl, rng: &mut R) -> Self {
        const PATHS: &[&str] = &[
            "",
            "products",
            "search",
            "cart",
            "checkout",
            "category/shoes",
            "category/bags",
            "help",
        ];
        format!(
            "https://shop.example/{}",
            PATHS[rng.random_range(0..PATHS.len())]
        )
    }
}

/// Faker: an ISO 3166 alpha-2 country code.
pub struct CountryCode;

impl Dummy<CountryCode> for String {
    fn dummy_with_rng<R: RngExt + ?Sized>(_: &CountryCode, rng: &mut R) -> Self {
        const CODES: &[&str] = &[
            "US", "GB", "DE", "FR", "NL", "ES", "IT", "SE", "PL", "CA", "BR", "JP", "IN", "AU",
        ];
        CODES[rng.random_range(0..CODES.len())].to_string()
    }
}

/// Faker: an SKU such as `SKU-004211`.
pub struct Sku;

impl Dummy<Sku> for String {
    fn dummy_with_rng<R: RngExt + ?Sized>(_: &Sku, rng: &mut R) -> Self {
        format!("SKU-{:06}", rng.random_range(0..1_000_000))
    }
}
