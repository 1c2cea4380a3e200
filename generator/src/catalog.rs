//! The shop's products: stable SKUs, names, categories and prices, and a popularity that
//! follows Zipf's law, as real catalogs do (a few products get most of the views).

use std::sync::Arc;

use behavior_runtime::Faker;
use rand::RngExt;
use rand_distr::{Distribution, Zipf};

use behavior_schema::Money;

const CATEGORIES: &[&str] = &[
    "shoes/running",
    "shoes/casual",
    "bags/backpacks",
    "bags/totes",
    "outerwear/jackets",
    "outerwear/rain",
    "tops/shirts",
    "tops/knitwear",
    "accessories/hats",
    "accessories/socks",
];
const ADJECTIVES: &[&str] = &[
    "Trail", "Urban", "Classic", "Light", "Storm", "Cloud", "Alpine", "Harbor",
];
const NOUNS: &[&str] = &[
    "Runner", "Pack", "Tote", "Shell", "Tee", "Sweater", "Cap", "Sock",
];

#[derive(Clone, Debug)]
pub struct Product {
    pub sku: String,
    pub name: String,
    pub category: &'static str,
    /// The price in every currency's units (a simplification: one price list).
    pub price: Money,
}

pub struct Catalog {
    /// Shared, so a session holds on to the product it shows without copying its strings.
    pub products: Vec<Arc<Product>>,
    popularity: Zipf<f64>,
}

impl Catalog {
    /// `size` products; popularity rank i has weight 1 / i^exponent.
    pub fn new(faker: &mut Faker, size: u32, exponent: f64) -> Self {
        let size = size.max(1);
        let products = (0..size)
            .map(|i| {
                let dollars = faker.rng.random_range(4..200i128);
                Arc::new(Product {
                    sku: format!("SKU-{:06}", i + 1),
                    name: format!(
                        "{} {}",
                        ADJECTIVES[faker.index(ADJECTIVES.len())],
                        NOUNS[faker.index(NOUNS.len())]
                    ),
                    category: CATEGORIES[faker.index(CATEGORIES.len())],
                    price: Money::from_units(dollars * 100 + 99),
                })
            })
            .collect();
        // Zipf::new fails only for n < 1 or a negative exponent, both excluded here.
        let popularity =
            Zipf::new(f64::from(size), exponent.max(0.0)).unwrap_or_else(|_| unreachable!());
        Self {
            products,
            popularity,
        }
    }

    /// A product drawn by popularity (rank 1 most often).
    pub fn pick(&self, faker: &mut Faker) -> &Arc<Product> {
        let rank = self.popularity.sample(&mut faker.rng) as usize;
        &self.products[rank.clamp(1, self.products.len()) - 1]
    }
}
