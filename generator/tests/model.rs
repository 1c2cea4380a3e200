//! The behavioural model within stated tolerances: determinism, validity of every event,
//! time order, funnel ratios, Zipf skew, and carts that add up.

use std::collections::HashMap;

use behavior_generator::{Config, Simulation};
use behavior_runtime::{BatchDecoder, Limits, Outcome};
use serde_json::Value;

const EVENTS: usize = 100_000;

fn events(seed: u64) -> Vec<Vec<u8>> {
    Simulation::new(
        behavior_schema::registry(),
        Config {
            seed,
            ..Config::default()
        },
    )
    .take(EVENTS)
    .collect()
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    assert_eq!(events(9), events(9));
    assert_ne!(events(9)[..100], events(10)[..100]);
}

#[test]
fn every_event_is_valid_and_in_time_order() {
    let registry = behavior_schema::registry();
    let schemas: Vec<Value> = registry.descriptors().map(|d| d.json_schema()).collect();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&serde_json::json!({ "anyOf": schemas }))
        .unwrap();
    let mut decoder = BatchDecoder::new(registry, Limits::default(), 1024);
    let mut previous = String::new();
    for (i, line) in events(1).iter().enumerate() {
        decoder.decode_body(line, |o| {
            if let Outcome::Rejected { error, .. } = o {
                panic!("event {i} rejected: {error}")
            }
        });
        let value: Value = serde_json::from_slice(line).unwrap();
        if i % 10 == 0 {
            assert!(
                validator.is_valid(&value),
                "event {i} fails the JSON Schema: {value}"
            );
        }
        let time = value["event_time"].as_str().unwrap().to_string();
        assert!(time >= previous, "event {i} goes back in time");
        previous = time;
    }
}

#[test]
fn funnel_zipf_and_carts_behave_as_configured() {
    let config = Config::default();
    let mut by_type: HashMap<String, usize> = HashMap::new();
    let mut views: HashMap<String, usize> = HashMap::new();
    let mut carts: HashMap<String, HashMap<String, i64>> = HashMap::new();
    for line in events(3) {
        let e: Value = serde_json::from_slice(&line).unwrap();
        let kind = e["event_type"].as_str().unwrap().to_string();
        *by_type.entry(kind.clone()).or_default() += 1;
        match kind.as_str() {
            "product_view" => *views.entry(e["sku"].as_str().unwrap().into()).or_default() += 1,
            "add_to_cart" | "remove_from_cart" => {
                let sign = if kind == "add_to_cart" { 1 } else { -1 };
                let cart = carts
                    .entry(e["cart_id"].as_str().unwrap().into())
                    .or_default();
                *cart.entry(e["sku"].as_str().unwrap().into()).or_default() +=
                    sign * e["quantity"].as_i64().unwrap();
            }
            "purchase" => {
                // Money is exact in cents: compare in cents.
                let cents = |v: &Value| (v.as_f64().unwrap() * 100.0).round() as i64;
                let mut subtotal = 0;
                let cart = &carts[e["cart_id"].as_str().unwrap()];
                for item in e["items"].as_array().unwrap() {
                    let quantity = item["quantity"].as_i64().unwrap();
                    subtotal += quantity * cents(&item["unit_price"]);
                    assert!(
                        cart.get(item["sku"].as_str().unwrap())
                            .is_some_and(|&q| q >= quantity),
                        "bought what was not in the cart"
                    );
                }
                assert_eq!(cents(&e["subtotal"]), subtotal);
                assert_eq!(
                    cents(&e["total"]),
                    subtotal + cents(&e["tax"]) + cents(&e["shipping"])
                );
            }
            _ => {}
        }
    }
    let count = |k: &str| by_type.get(k).copied().unwrap_or(0) as f64;
    let purchase_rate = count("purchase") / count("checkout_started");
    assert!(
        (purchase_rate - config.funnel.purchase).abs() < 0.05,
        "purchase/checkout = {purchase_rate}"
    );
    let browse = (count("product_view") + count("search")) / count("page_view");
    assert!(
        (browse - config.funnel.browse_steps).abs() < 0.5,
        "browsing steps per session = {browse}"
    );
    let search_share = count("search") / (count("product_view") + count("search"));
    assert!(
        (search_share - config.funnel.search_share).abs() < 0.05,
        "search share = {search_share}"
    );

    // Zipf: the share of views of the 10 most popular products, against the law's own value.
    let mut counts: Vec<usize> = views.values().copied().collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let top10 = counts.iter().take(10).sum::<usize>() as f64 / counts.iter().sum::<usize>() as f64;
    let weight = |k: u32| f64::from(k).powf(-config.zipf_exponent);
    let expected =
        (1..=10).map(weight).sum::<f64>() / (1..=config.products).map(weight).sum::<f64>();
    assert!(
        (top10 - expected).abs() < 0.05,
        "top-10 share {top10}, Zipf says {expected}"
    );
}

/// A second version of a modelled type (a data engineer's breaking change).
#[derive(behavior_derive::BehaviorEvent)]
#[behavior(event_type = "page_view", version = 2)]
pub struct PageViewV2 {
    #[behavior(flatten)]
    pub context: behavior_schema::EventContext,
    /// The page's title, now required.
    #[behavior(max_length = 256)]
    pub title: String,
}

#[test]
fn a_new_version_of_a_modelled_type_is_generated_beside_the_model() {
    let kinds: Vec<&'static dyn behavior_runtime::EventKind> = behavior_schema::EVENT_KINDS
        .iter()
        .copied()
        .chain([&behavior_runtime::Kind::<PageViewV2>::NEW as &dyn behavior_runtime::EventKind])
        .collect();
    let registry = behavior_runtime::Registry::new(&kinds).unwrap();
    let events: Vec<Vec<u8>> = Simulation::new(&registry, Config::default())
        .take(EVENTS / 10)
        .collect();
    let mut decoder = BatchDecoder::new(&registry, Limits::default(), 64);
    let mut versions: HashMap<u32, usize> = HashMap::new();
    for event in &events {
        let value: Value = serde_json::from_slice(event).unwrap();
        if value["event_type"] == "page_view" {
            *versions
                .entry(value["schema_version"].as_u64().unwrap_or(1) as u32)
                .or_default() += 1;
        }
        decoder.decode_body(event, |o| {
            if let Outcome::Rejected { error, .. } = o {
                panic!("{error}: {}", String::from_utf8_lossy(event))
            }
        });
    }
    // v1 from the model (the most frequent event); v2 from its fakes, at the default rate.
    assert!(versions.get(&1).is_some_and(|&n| n > 1_000), "{versions:?}");
    assert!(versions.get(&2).is_some_and(|&n| n > 10), "{versions:?}");
}
