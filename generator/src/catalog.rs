//! The shop's products: stable SKUs, names, categories, prices and ratings, and a popularity
//! that follows Zipf's law, as real catalogs do (a few products get most of the views); and
//! what visitors search for, with the number of products each query matches.

use std::collections::HashMap;
use std::sync::Arc;

use behavior_runtime::Faker;
use rand::RngExt;
use rand_distr::{Distribution, Normal, Zipf};

use behavior_schema::Money;

/// Category paths (`parent/leaf`), what visitors type for them, and the product nouns each
/// holds, so a name says what it is.
const CATEGORIES: &[(&str, &str, &[&str])] = &[
    ("shoes/running", "running shoes", &["Runner", "Trainer"]),
    ("shoes/casual", "casual shoes", &["Sneaker", "Loafer"]),
    ("bags/backpacks", "backpacks", &["Backpack", "Daypack"]),
    ("bags/totes", "tote bags", &["Tote", "Shopper"]),
    ("outerwear/jackets", "jackets", &["Jacket", "Parka"]),
    ("outerwear/rain", "rainwear", &["Raincoat", "Poncho"]),
    ("tops/shirts", "shirts", &["Tee", "Shirt"]),
    ("tops/knitwear", "knitwear", &["Sweater", "Cardigan"]),
    ("accessories/hats", "hats", &["Cap", "Beanie"]),
    ("accessories/socks", "socks", &["Sock", "Liner"]),
];
const ADJECTIVES: &[&str] = &[
    "Trail", "Urban", "Classic", "Light", "Storm", "Cloud", "Alpine", "Harbor", "Nordic", "Summit",
];
/// Queries for what the shop does not sell: they find nothing.
const UNSOLD: &[&str] = &[
    "sandals",
    "umbrella",
    "gift card",
    "swimsuit",
    "gloves",
    "sunglasses",
    "wallet",
    "boots",
    "scarf",
    "yoga mat",
];

#[derive(Clone, Debug)]
pub struct Product {
    pub sku: String,
    pub name: String,
    pub category: &'static str,
    /// The price in every currency's units (a simplification: one price list).
    pub price: Money,
    /// Average review rating in eighths from 1 to 5; `None` for a product nobody has reviewed.
    pub rating: Option<f64>,
    /// Indices into [`Catalog`]'s queries that find this product: its noun, its name, its
    /// category (`running shoes`), its parent category (`shoes`), its adjective.
    queries: [u32; 5],
}

/// A search query and how many products it matches.
#[derive(Clone, Debug)]
pub struct Query {
    pub text: String,
    pub results: u32,
}

pub struct Catalog {
    /// Shared, so a session holds on to the product it shows without copying its strings.
    pub products: Vec<Arc<Product>>,
    popularity: Zipf<f64>,
    /// Every query a visitor can type: those that find products, then [`UNSOLD`] and
    /// misspellings, which find none.
    queries: Vec<Query>,
    /// Where the queries that find nothing start in `queries`.
    misses: usize,
}

impl Catalog {
    /// `size` products; popularity rank i has weight 1 / i^exponent.
    pub fn new(faker: &mut Faker, size: u32, exponent: f64) -> Self {
        let size = size.max(1);
        // Reviews cluster high: mean 4.2, clamped to [1, 5]. The parameters are valid.
        let stars = Normal::new(4.2f64, 0.5).unwrap_or_else(|_| unreachable!());
        let mut index: HashMap<String, u32> = HashMap::new();
        let mut queries: Vec<Query> = Vec::new();
        let mut query = |text: String| {
            let at = *index.entry(text).or_insert_with_key(|text| {
                queries.push(Query {
                    text: text.clone(),
                    results: 0,
                });
                (queries.len() - 1) as u32
            });
            queries[at as usize].results += 1;
            at
        };
        let products = (0..size)
            .map(|i| {
                let dollars = faker.rng.random_range(4..200i128);
                let (category, phrase, nouns) = CATEGORIES[faker.index(CATEGORIES.len())];
                let adjective = ADJECTIVES[faker.index(ADJECTIVES.len())];
                let noun = nouns[faker.index(nouns.len())];
                // The long tail is reviewed less often: 10% of the head, 50% of the tail
                // have no reviews.
                let reviewed = !faker
                    .rng
                    .random_bool(0.1 + 0.4 * f64::from(i) / f64::from(size));
                let rating = reviewed.then(|| {
                    let eighths = (stars.sample(&mut faker.rng) * 8.0)
                        .round()
                        .clamp(8.0, 40.0);
                    // Eighths are exact in binary, so the JSON text round-trips.
                    eighths / 8.0
                });
                let parent = category
                    .split_once('/')
                    .map_or(category, |(parent, _)| parent);
                let name = format!("{adjective} {noun}");
                let queries = [
                    query(noun.to_lowercase()),
                    query(name.to_lowercase()),
                    query(phrase.to_string()),
                    query(parent.to_string()),
                    query(adjective.to_lowercase()),
                ];
                Arc::new(Product {
                    sku: format!("SKU-{:06}", i + 1),
                    name,
                    category,
                    price: Money::from_units(dollars * 100 + 99),
                    rating,
                    queries,
                })
            })
            .collect();
        let misses = queries.len();
        let typos = CATEGORIES
            .iter()
            .flat_map(|(_, _, nouns)| nouns.iter())
            .map(|noun| {
                // A letter dropped from the middle: `sweter`, `parca`-like slips.
                let mut typo = noun.to_lowercase();
                typo.remove(typo.len() / 2);
                typo
            });
        queries.extend(
            UNSOLD
                .iter()
                .map(|q| q.to_string())
                .chain(typos)
                .filter(|text| !index.contains_key(text))
                .map(|text| Query { text, results: 0 }),
        );
        // Zipf::new fails only for n < 1 or a negative exponent, both excluded here.
        let popularity =
            Zipf::new(f64::from(size), exponent.max(0.0)).unwrap_or_else(|_| unreachable!());
        Self {
            products,
            popularity,
            queries,
            misses,
        }
    }

    /// A product drawn by popularity (rank 1 most often).
    pub fn pick(&self, faker: &mut Faker) -> &Arc<Product> {
        let rank = self.popularity.sample(&mut faker.rng) as usize;
        &self.products[rank.clamp(1, self.products.len()) - 1]
    }

    /// A query a visitor types: mostly one that finds a product they have in mind (picked by
    /// popularity), as a noun, a name, a category or an adjective; one in ten finds nothing
    /// (something the shop does not sell, or a misspelling).
    pub fn search(&self, faker: &mut Faker) -> &Query {
        if self.misses < self.queries.len() && faker.rng.random_bool(0.1) {
            return &self.queries[self.misses + faker.index(self.queries.len() - self.misses)];
        }
        let product = self.pick(faker);
        // Nouns most, then names and categories, rarely an adjective alone.
        let form = match faker.rng.random_range(0..20) {
            0..=6 => 0,
            7..=11 => 1,
            12..=15 => 2,
            16..=18 => 3,
            _ => 4,
        };
        &self.queries[product.queries[form] as usize]
    }
}
