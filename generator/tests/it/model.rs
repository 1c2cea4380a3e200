//! The behavioural model within stated tolerances: determinism, validity of every event,
//! time order, funnel ratios, Zipf skew, carts that add up, and the properties a reviewer
//! looks for in realistic traffic (stable product ratings, coupons that change the total,
//! payment methods the platform offers, searches with counts that fit the query, one session
//! at a time per device, an evening peak in local time).

use std::collections::{BTreeMap, HashMap, HashSet};

use behavior_generator::model::{COUPON, EVENTS_PER_SESSION, PEAK_HOUR};
use behavior_generator::population::{SESSION_GAP, utc_offset_hours};
use behavior_generator::{Config, Simulation};
use behavior_runtime::{BatchDecoder, Limits, Outcome, Timestamp};
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

/// The events of one type among 100,000 of the default model, parsed.
fn of_type(seed: u64, event_type: &str) -> Vec<Value> {
    let prefix = format!("{{\"event_type\":\"{event_type}\"");
    events(seed)
        .iter()
        .filter(|line| line.starts_with(prefix.as_bytes()))
        .map(|line| serde_json::from_slice(line).unwrap())
        .collect()
}

/// Seconds since the Unix epoch of an event's `event_time`.
fn seconds(event: &Value) -> f64 {
    Timestamp::parse(event["event_time"].as_str().unwrap())
        .unwrap()
        .micros() as f64
        / 1e6
}

fn cents(value: &Value) -> i64 {
    (value.as_f64().unwrap() * 100.0).round() as i64
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
    let mut per_session: HashMap<String, usize> = HashMap::new();
    for line in events(3) {
        let e: Value = serde_json::from_slice(&line).unwrap();
        let kind = e["event_type"].as_str().unwrap().to_string();
        *by_type.entry(kind.clone()).or_default() += 1;
        *per_session
            .entry(e["session_id"].as_str().unwrap().into())
            .or_default() += 1;
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
    // Sessions: one landing page each; a bounce is that page and nothing else.
    let sessions = count("page_view");
    let bounces = per_session.values().filter(|&&n| n == 1).count() as f64;
    let bounce = bounces / sessions;
    assert!(
        (bounce - config.funnel.bounce).abs() < 0.02,
        "bounce rate {bounce}"
    );
    let browse = (count("product_view") + count("search")) / (sessions - bounces);
    assert!(
        (browse - config.funnel.browse_steps).abs() < 0.3,
        "browsing steps per session that does not bounce = {browse}"
    );
    let add_to_cart = count("add_to_cart") / count("product_view");
    assert!(
        (add_to_cart - config.funnel.add_to_cart).abs() < 0.01,
        "add to cart per product view = {add_to_cart}"
    );
    // A typical shop converts 2-4% of its sessions.
    let conversion = count("purchase") / sessions;
    assert!(
        (0.02..0.04).contains(&conversion),
        "conversion {conversion}"
    );
    // What `--rate` divides by.
    let per_session_mean = per_session.values().sum::<usize>() as f64 / sessions;
    assert!(
        (per_session_mean / EVENTS_PER_SESSION - 1.0).abs() < 0.03,
        "{per_session_mean} events per session, EVENTS_PER_SESSION says {EVENTS_PER_SESSION}"
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

#[test]
fn a_product_keeps_its_rating_and_some_have_none() {
    let mut ratings: HashMap<String, HashSet<Option<u64>>> = HashMap::new();
    for e in of_type(4, "product_view") {
        let rating = e["rating"].as_f64().map(|r| (r * 8.0) as u64);
        ratings
            .entry(e["sku"].as_str().unwrap().into())
            .or_default()
            .insert(rating);
    }
    assert!(ratings.len() > 500, "{} products viewed", ratings.len());
    let unstable: Vec<_> = ratings.iter().filter(|(_, r)| r.len() > 1).collect();
    assert!(
        unstable.is_empty(),
        "ratings change between views: {unstable:?}"
    );
    let unrated = ratings.values().filter(|r| r.contains(&None)).count();
    assert!(
        unrated > 50 && unrated < ratings.len() / 2,
        "{unrated} of {} products without reviews",
        ratings.len()
    );
}

#[test]
fn the_coupon_waives_shipping_and_totals_add_up() {
    let (mut with_coupon, mut waived) = (0, 0);
    for e in of_type(5, "purchase") {
        let (subtotal, shipping) = (cents(&e["subtotal"]), cents(&e["shipping"]));
        assert_eq!(
            cents(&e["total"]),
            subtotal + cents(&e["tax"]) + shipping,
            "{e}"
        );
        match e["coupon"].as_str() {
            Some(coupon) => {
                assert_eq!(coupon, COUPON, "{e}");
                assert_eq!(shipping, 0, "a free-shipping order paid shipping: {e}");
                with_coupon += 1;
                waived += u32::from(subtotal < 5_000);
            }
            // Without it, shipping is charged below 50.
            None => assert_eq!(shipping, if subtotal < 5_000 { 499 } else { 0 }, "{e}"),
        }
    }
    assert!(with_coupon > 20, "{with_coupon} orders with the coupon");
    assert!(waived > 0, "the coupon never changed a total");
}

#[test]
fn payment_methods_are_those_the_platform_offers() {
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    for e in of_type(6, "purchase") {
        let agent = e["user_agent"].as_str().unwrap();
        let safari = agent.contains("Safari")
            && !agent.contains("Chrome")
            && ["Mac OS X", "iPhone", "iPad"]
                .iter()
                .any(|a| agent.contains(a));
        let platform = match e["platform"].as_str().unwrap() {
            "web" if safari => "safari",
            other => other,
        };
        let method = e["payment_method"].as_str().unwrap();
        if method == "apple_pay" {
            assert!(
                matches!(platform, "ios" | "safari"),
                "Apple Pay on {platform}: {agent}"
            );
        }
        *seen
            .entry((platform.to_string(), method.to_string()))
            .or_default() += 1;
    }
    let count = |p: &str, m: &str| seen.get(&(p.into(), m.into())).copied().unwrap_or(0);
    assert!(
        count("ios", "apple_pay") > count("ios", "gift_card"),
        "{seen:?}"
    );
    assert!(
        count("android", "card") > count("android", "paypal"),
        "{seen:?}"
    );
    assert!(count("web", "card") > count("web", "gift_card"), "{seen:?}");
}

#[test]
fn searches_vary_and_their_result_counts_fit_the_query() {
    let simulation = Simulation::new(
        behavior_schema::registry(),
        Config {
            seed: 7,
            ..Config::default()
        },
    );
    let products = simulation.catalog().products.clone();
    // What each kind of query matches, counted from the catalog.
    let mut matches: HashMap<String, u32> = HashMap::new();
    for product in &products {
        let name = product.name.to_lowercase();
        let (adjective, noun) = name.split_once(' ').unwrap();
        let parent = product.category.split('/').next().unwrap();
        for key in [name.as_str(), adjective, noun, parent] {
            *matches.entry(key.to_string()).or_default() += 1;
        }
    }
    let mut counts: HashMap<String, HashSet<u64>> = HashMap::new();
    let (mut searches, mut empty) = (0, 0);
    for line in simulation.take(EVENTS) {
        let e: Value = serde_json::from_slice(&line).unwrap();
        if e["event_type"] != "search" {
            continue;
        }
        let query = e["query"].as_str().unwrap();
        let results = e["results_count"].as_u64().unwrap();
        searches += 1;
        empty += u32::from(results == 0);
        if let Some(&expected) = matches.get(query) {
            assert_eq!(results, u64::from(expected), "{query}");
        }
        if results == 0 {
            let words: Vec<&str> = query.split(' ').collect();
            assert!(
                !products.iter().any(|p| words.iter().all(|w| p
                    .name
                    .to_lowercase()
                    .split(' ')
                    .any(|n| n == *w))),
                "{query} finds products but has no results"
            );
        }
        counts.entry(query.to_string()).or_default().insert(results);
    }
    assert!(counts.len() >= 100, "{} distinct queries", counts.len());
    assert!(
        counts.values().all(|c| c.len() == 1),
        "a query's count changes"
    );
    let distinct_counts: HashSet<u64> = counts.values().flatten().copied().collect();
    assert!(distinct_counts.len() > 30, "{distinct_counts:?}");
    let share = f64::from(empty) / f64::from(searches);
    assert!(
        (0.05..0.2).contains(&share),
        "{share} of searches find nothing"
    );
}

/// Sessions as (device, start, end) in seconds, from a stream of events.
fn sessions(events: impl Iterator<Item = Value>) -> Vec<(String, f64, f64, String)> {
    let mut by_id: HashMap<String, (String, f64, f64, String)> = HashMap::new();
    for e in events {
        let t = seconds(&e);
        let session = by_id
            .entry(e["session_id"].as_str().unwrap().into())
            .or_insert_with(|| {
                let device = e["anonymous_id"].as_str().unwrap().to_string();
                (device, t, t, e["country"].as_str().unwrap().to_string())
            });
        session.1 = session.1.min(t);
        session.2 = session.2.max(t);
    }
    let mut sessions: Vec<_> = by_id.into_values().collect();
    sessions.sort_by(|a, b| (&a.0, a.1).partial_cmp(&(&b.0, b.1)).unwrap());
    sessions
}

#[test]
fn a_device_has_one_session_at_a_time_and_comes_back_after_a_gap() {
    // A small population at the default rate: visitors are often busy when drawn.
    let events = Simulation::new(
        behavior_schema::registry(),
        Config {
            seed: 8,
            users: 5_000,
            ..Config::default()
        },
    )
    .take(EVENTS)
    .map(|line| serde_json::from_slice::<Value>(&line).unwrap());
    let sessions = sessions(events);
    let mut repeats = 0;
    for pair in sessions.windows(2) {
        let ((device, _, end, _), (next_device, start, _, _)) = (&pair[0], &pair[1]);
        if device == next_device {
            repeats += 1;
            assert!(
                start - end >= SESSION_GAP - 1e-3,
                "{device}: a session starts {:.0} s after the previous one ended",
                start - end
            );
        }
    }
    assert!(repeats > 1_000, "{repeats} returning sessions");
}

#[test]
fn arrivals_peak_in_the_evening_local_time_and_activity_is_heavy_tailed() {
    // A day of traffic at 0.2 sessions per second.
    let config = Config {
        seed: 9,
        sessions_per_second: 0.2,
        ..Config::default()
    };
    let day_end = config.start.micros() as f64 / 1e6 + 86_400.0;
    let events = Simulation::new(behavior_schema::registry(), config)
        .map(|line| serde_json::from_slice::<Value>(&line).unwrap())
        .take_while(|e| seconds(e) < day_end);
    let sessions = sessions(events);
    // The circular mean of the local hour of session starts is the curve's peak.
    let (mut x, mut y) = (0.0, 0.0);
    let mut hours = [0usize; 24];
    for (_, start, _, country) in &sessions {
        let hour = (start / 3600.0 + utc_offset_hours(country)).rem_euclid(24.0);
        let angle = hour / 24.0 * std::f64::consts::TAU;
        (x, y) = (x + angle.cos(), y + angle.sin());
        hours[hour as usize] += 1;
    }
    let peak = (y.atan2(x) / std::f64::consts::TAU * 24.0).rem_euclid(24.0);
    assert!(
        (peak - PEAK_HOUR).abs() < 0.75,
        "arrivals peak at {peak:.2} h local"
    );
    let evening: usize = hours[18..22].iter().sum();
    let morning: usize = hours[6..10].iter().sum();
    assert!(evening > 2 * morning, "{hours:?}");

    // Most devices come once a day, a few many times.
    let mut per_device: HashMap<&str, usize> = HashMap::new();
    for (device, ..) in &sessions {
        *per_device.entry(device).or_default() += 1;
    }
    let mut counts: Vec<usize> = per_device.into_values().collect();
    counts.sort_unstable();
    let median = counts[counts.len() / 2];
    let p99 = counts[counts.len() * 99 / 100];
    assert!(p99 >= 4 * median, "median {median}, 99th percentile {p99}");
}
