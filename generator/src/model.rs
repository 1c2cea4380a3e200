//! The behavioural model: sessions arriving over simulated time, each walking the shop's
//! funnel, merged into one stream ordered by event time.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

use behavior_runtime::types::Date;
use behavior_runtime::{Event, EventKind, Faker, Registry, Timestamp, Uuid};
use behavior_schema::events::{
    AddToCart, CheckoutStarted, PageView, ProductView, Purchase, RefundRequested, RemoveFromCart,
    Search,
};
use behavior_schema::{EventContext, LineItem, Money, PaymentMethod, Platform, RefundReason};
use rand::RngExt;
use rand_distr::{Distribution, Exp, Geometric};
use serde_json::Value;

use crate::catalog::Catalog;
use crate::json;
use crate::population::{Population, Visitor};

const MICROS: f64 = 1_000_000.0;

/// Conversion rates of the funnel.
#[derive(Clone, Debug)]
pub struct Funnel {
    /// Share of sessions that leave after the landing page.
    pub bounce: f64,
    /// Mean number of browsing steps (product views or searches) of a session that does not
    /// bounce; at least one.
    pub browse_steps: f64,
    /// Share of browsing steps that are searches.
    pub search_share: f64,
    /// Chance a product view leads to adding it to the cart.
    pub add_to_cart: f64,
    /// Chance, per browsing step with a non-empty cart, of removing a line.
    pub remove_from_cart: f64,
    /// Chance a session with a cart starts checkout.
    pub checkout: f64,
    /// Chance a started checkout is paid.
    pub purchase: f64,
    /// Chance a purchase is followed by a refund request.
    pub refund: f64,
    /// Chance a purchase carries the free-shipping coupon [`COUPON`], in a session from the
    /// newsletter campaign (which announces it) and in any other.
    pub coupon_from_campaign: f64,
    pub coupon: f64,
}

impl Default for Funnel {
    /// Typical of a web shop: about a third of sessions bounce, one product view in eleven
    /// adds to the cart, about 3% of sessions buy.
    fn default() -> Self {
        Self {
            bounce: 0.38,
            browse_steps: 5.0,
            search_share: 0.25,
            add_to_cart: 0.09,
            remove_from_cart: 0.05,
            checkout: 0.4,
            purchase: 0.55,
            refund: 0.12,
            coupon_from_campaign: 0.4,
            coupon: 0.03,
        }
    }
}

/// The coupon code of the newsletter: free shipping (and nothing else, so totals still add up
/// as subtotal + tax + shipping).
pub const COUPON: &str = "FREESHIP";
/// Shipping charged below [`FREE_SHIPPING_FROM`], in cents.
const SHIPPING: i128 = 499;
/// Subtotal from which shipping is free, in cents.
const FREE_SHIPPING_FROM: i128 = 5_000;

/// Local hour (in the visitor's country) at which arrivals peak when diurnal.
pub const PEAK_HOUR: f64 = 20.0;
/// Swing of the day curve: the rate goes from 0.4× the mean at 08:00 to 1.6× at 20:00.
const DAY_SWING: f64 = 0.6;

/// Mean events per session with the default funnel (measured over a simulated day; a test
/// holds it within 3%): what `--rate` divides by to get sessions per second.
pub const EVENTS_PER_SESSION: f64 = 4.4;

#[derive(Clone, Debug)]
pub struct Config {
    pub seed: u64,
    /// Size of the population of returning visitors. Sessions for which none is free
    /// (busy, or back too soon) come from first-time visitors.
    pub users: u32,
    /// Share of visitors who never sign in (no `user_id`).
    pub anonymous_share: f64,
    /// Mean session arrivals per simulated second.
    pub sessions_per_second: f64,
    /// Shape arrivals by time of day: each visitor's arrivals peak at [`PEAK_HOUR`] (20:00) in
    /// their country's local time (busy evenings, quiet nights).
    pub diurnal: bool,
    /// Simulated time of the first event emitted.
    pub start: Timestamp,
    /// Seconds simulated before `start` whose events are not emitted, so the stream starts with
    /// sessions in progress and at its full rate (0: it starts from an empty shop).
    pub warm_up_seconds: f64,
    pub products: u32,
    /// Zipf exponent of product popularity.
    pub zipf_exponent: f64,
    pub funnel: Funnel,
    /// Chance per session of one event of each type the model has no place for.
    pub default_rate: f64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            seed: 1,
            users: 200_000,
            anonymous_share: 0.6,
            sessions_per_second: 5.0,
            diurnal: true,
            start: Timestamp::from_micros(behavior_runtime::fake::FAKE_EPOCH_MICROS),
            warm_up_seconds: 0.0,
            products: 1_000,
            zipf_exponent: 1.1,
            funnel: Funnel::default(),
            default_rate: 0.02,
        }
    }
}

/// Event types and versions the model generates itself; every other registered one (a new
/// version of one of these included) comes from its fakes, at the default rate.
const MODELLED: &[(&str, u32)] = &[
    (PageView::EVENT_TYPE, PageView::VERSION),
    (ProductView::EVENT_TYPE, ProductView::VERSION),
    (Search::EVENT_TYPE, Search::VERSION),
    (AddToCart::EVENT_TYPE, AddToCart::VERSION),
    (RemoveFromCart::EVENT_TYPE, RemoveFromCart::VERSION),
    (CheckoutStarted::EVENT_TYPE, CheckoutStarted::VERSION),
    (Purchase::EVENT_TYPE, Purchase::VERSION),
    (RefundRequested::EVENT_TYPE, RefundRequested::VERSION),
];

/// Pending events of all open sessions, earliest first: `(time, sequence)` keeps the order
/// total and deterministic.
type Pending = BinaryHeap<Reverse<(i64, u64, Vec<u8>)>>;

/// An endless, deterministic stream of wire-format events (one JSON object each).
pub struct Simulation {
    config: Config,
    faker: Faker,
    catalog: Catalog,
    population: Population,
    unmodelled: Vec<&'static dyn EventKind>,
    pending: Pending,
    sequence: u64,
    spare: Spare,
    /// Where each event is written before it is copied out at its exact size: events wait in
    /// `pending` until their time (84 s on average), so their spare capacity would add up.
    scratch: Vec<u8>,
    /// The next candidate session start, in simulated seconds.
    next_arrival: f64,
    /// Events before this (µs) belong to the warm-up: simulated, never serialized.
    emit_from: i64,
    gap: Exp<f64>,
    /// Browsing steps after the first of a session that does not bounce.
    more_steps: Geometric,
}

impl Simulation {
    pub fn new(registry: &Registry, config: Config) -> Self {
        let mut faker = Faker::new(config.seed);
        let catalog = Catalog::new(&mut faker, config.products, config.zipf_exponent);
        let population = Population::new(&mut faker, config.users, config.anonymous_share);
        let unmodelled = registry
            .kinds()
            .iter()
            .copied()
            .filter(|k| {
                let d = k.descriptor();
                !MODELLED.contains(&(d.event_type, d.version))
            })
            .collect();
        // Mean 20 s between a visitor's actions; the rate is positive, so `new` cannot fail.
        let gap = Exp::new(1.0 / 20.0).unwrap_or_else(|_| unreachable!());
        // A probability in (0, 1]: `new` cannot fail.
        let more_steps = Geometric::new(1.0 / config.funnel.browse_steps.max(1.0))
            .unwrap_or_else(|_| unreachable!());
        let start = config.start.micros() as f64 / MICROS;
        let mut simulation = Self {
            next_arrival: start - config.warm_up_seconds.max(0.0),
            emit_from: config.start.micros(),
            config,
            faker,
            catalog,
            population,
            unmodelled,
            pending: BinaryHeap::new(),
            sequence: 0,
            spare: Spare::default(),
            scratch: Vec::with_capacity(4096),
            gap,
            more_steps,
        };
        simulation.advance_arrival();
        // The warm-up runs now, so a stream paced by the clock starts on time.
        while simulation.next_arrival < start {
            simulation.arrive();
        }
        simulation
    }

    /// The catalog the sessions browse.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Session starts per second at their peak: the mean rate, or its evening peak when diurnal.
    fn peak_rate(&self) -> f64 {
        let swing = if self.config.diurnal { DAY_SWING } else { 0.0 };
        self.config.sessions_per_second.max(1e-9) * (1.0 + swing)
    }

    /// Moves `next_arrival` to the next candidate session start: a Poisson process at the peak
    /// rate, which [`Self::arrive`] thins by the day curve (Lewis–Shedler).
    fn advance_arrival(&mut self) {
        let u: f64 = self.faker.rng.random_range(f64::EPSILON..1.0);
        self.next_arrival += -u.ln() / self.peak_rate();
    }

    /// Starts the session due at `next_arrival`, if the day curve keeps it, and draws the next.
    /// The visitor is a returning one who is free (drawn by activity), else a first-time one;
    /// the curve is read in the visitor's local time, so arrivals follow each country's day.
    fn arrive(&mut self) {
        let start = self.next_arrival;
        self.advance_arrival();
        let returning = self.population.pick(&mut self.faker, start);
        let visitor = match returning {
            Some(index) => *self.population.get(index),
            None => Visitor::draw(&mut self.faker, None),
        };
        if self.config.diurnal {
            let hour = (start / 3600.0 + visitor.country().utc_offset_hours).rem_euclid(24.0);
            let curve = 1.0 + DAY_SWING * ((hour - PEAK_HOUR) * std::f64::consts::PI / 12.0).cos();
            if !self
                .faker
                .rng
                .random_bool((curve / (1.0 + DAY_SWING)).min(1.0))
            {
                return;
            }
        }
        let end = self.session(start, &visitor);
        if let Some(index) = returning {
            self.population.busy_until(index, end);
        }
    }

    fn push(&mut self, time: Timestamp, json: Vec<u8>) {
        if time.micros() < self.emit_from {
            return;
        }
        self.sequence += 1;
        self.pending
            .push(Reverse((time.micros(), self.sequence, json)));
    }

    fn emit<E: serde::Serialize>(&mut self, time: Timestamp, event: &E) {
        if time.micros() < self.emit_from {
            // Warm-up: simulated for its effect on what follows, never written.
            return;
        }
        self.scratch.clear();
        // Serializing catalog types into a Vec cannot fail.
        let _ = json::write(&mut self.scratch, event);
        let json = self.scratch.clone();
        self.push(time, json);
    }

    /// The context of the visit's next event, a think time after the last one, on
    /// `https://shop.example/{page}{detail}`. Only the id, time and page change between a
    /// visit's events, so they are rewritten in place; the caller moves the context into its
    /// event and back into `visit` after emitting it, and no event copies the visitor's strings.
    fn step(&mut self, visit: &mut Visit, page: &str, detail: &str) -> EventContext {
        visit.clock += self.gap.sample(&mut self.faker.rng);
        let context = &mut visit.context;
        context.event_id = self.faker.uuid();
        context.event_time = Timestamp::from_micros((visit.clock * MICROS) as i64);
        context.page_url.clear();
        context.page_url.push_str(SHOP_URL);
        context.page_url.push_str(page);
        context.page_url.push_str(detail);
        std::mem::replace(context, vacant_context())
    }

    /// Generates every event of one session; returns when it ended, in simulated seconds.
    fn session(&mut self, start: f64, visitor: &Visitor) -> f64 {
        let country = visitor.country();
        let currency = country.currency;
        let mut visit = Visit {
            context: EventContext {
                user_id: visitor.user_id(),
                anonymous_id: visitor.anonymous_id,
                platform: visitor.platform,
                user_agent: visitor.user_agent().to_string(),
                country: country.code.to_string(),
                ..vacant_context()
            },
            clock: start,
        };
        visit.context.session_id = self.faker.uuid();
        let campaign = self.faker.rng.random_bool(0.2);
        visit.context.referrer = match self.faker.index(4) {
            0 => Some("https://www.google.com/".to_string()),
            1 => Some("https://www.instagram.com/".to_string()),
            _ => None,
        };
        visit.context.utm_source = campaign.then(|| "newsletter".to_string());
        visit.context.utm_medium = campaign.then(|| "email".to_string());
        visit.context.utm_campaign = campaign.then(|| "winter-sale".to_string());
        let f = self.config.funnel.clone();

        let context = self.step(&mut visit, "", "");
        let time = context.event_time;
        let load_time_ms = Some(300 + self.faker.index(900) as u32);
        let event = PageView {
            context,
            page_title: "Home".into(),
            is_landing: true,
            load_time_ms,
        };
        self.emit(time, &event);
        visit.context = event.context;

        let cart_id = self.faker.uuid();
        let mut cart: Vec<LineItem> = Vec::new();
        let steps = if self.faker.rng.random_bool(f.bounce.clamp(0.0, 1.0)) {
            0
        } else {
            1 + self.more_steps.sample(&mut self.faker.rng)
        };
        for _ in 0..steps.min(50) {
            if !cart.is_empty() && self.faker.rng.random_bool(f.remove_from_cart) {
                let line = cart.remove(self.faker.index(cart.len()));
                let context = self.step(&mut visit, "cart", "");
                let time = context.event_time;
                let event = RemoveFromCart {
                    context,
                    cart_id,
                    sku: line.sku,
                    quantity: line.quantity,
                };
                self.emit(time, &event);
                visit.context = event.context;
                continue;
            }
            if self.faker.rng.random_bool(f.search_share) {
                let found = self.catalog.search(&mut self.faker);
                let query = self.spare.copy(&found.text);
                let results_count = found.results;
                let context = self.step(&mut visit, "search", "");
                let time = context.event_time;
                let event = Search {
                    context,
                    query,
                    results_count,
                    results_page: 1,
                };
                self.emit(time, &event);
                visit.context = event.context;
                self.spare.keep([event.query]);
                continue;
            }
            let product = Arc::clone(self.catalog.pick(&mut self.faker));
            let context = self.step(&mut visit, "products/", &product.sku);
            let time = context.event_time;
            let stock_level = self.faker.rng.random_range(-5..500i64);
            let event = ProductView {
                context,
                sku: self.spare.copy(&product.sku),
                product_name: self.spare.copy(&product.name),
                category: self.spare.copy(product.category),
                price: product.price,
                currency: self.spare.copy(currency),
                stock_level,
                rating: product.rating,
            };
            self.emit(time, &event);
            visit.context = event.context;
            self.spare.keep([
                event.sku,
                event.product_name,
                event.category,
                event.currency,
            ]);
            if self.faker.rng.random_bool(f.add_to_cart) {
                let quantity = 1 + self.faker.index(3) as i32;
                let context = self.step(&mut visit, "products/", &product.sku);
                let time = context.event_time;
                let event = AddToCart {
                    context,
                    cart_id,
                    sku: product.sku.clone(),
                    quantity,
                    unit_price: product.price,
                    currency: self.spare.copy(currency),
                };
                self.emit(time, &event);
                visit.context = event.context;
                self.spare.keep([event.currency]);
                cart.push(LineItem {
                    sku: event.sku,
                    quantity,
                    unit_price: product.price,
                });
            }
        }

        if !cart.is_empty() && self.faker.rng.random_bool(f.checkout) {
            let subtotal: i128 = cart
                .iter()
                .map(|l| i128::from(l.quantity) * l.unit_price.units())
                .sum();
            let item_count: i32 = cart.iter().map(|l| l.quantity).sum();
            let context = self.step(&mut visit, "checkout", "");
            let time = context.event_time;
            let event = CheckoutStarted {
                context,
                cart_id,
                item_count: item_count as u32,
                cart_value: Money::from_units(subtotal),
                currency: self.spare.copy(currency),
            };
            self.emit(time, &event);
            visit.context = event.context;
            self.spare.keep([event.currency]);
            if self.faker.rng.random_bool(f.purchase) {
                let coupon_rate = if campaign {
                    f.coupon_from_campaign
                } else {
                    f.coupon
                };
                let coupon = self
                    .faker
                    .rng
                    .random_bool(coupon_rate.clamp(0.0, 1.0))
                    .then(|| COUPON.to_string());
                let tax = subtotal * 20 / 100;
                let shipping = if coupon.is_some() || subtotal >= FREE_SHIPPING_FROM {
                    0
                } else {
                    SHIPPING
                };
                let total = subtotal + tax + shipping;
                let context = self.step(&mut visit, "checkout/confirmation", "");
                let time = context.event_time;
                let order_id = self.faker.uuid();
                let payment_method = self.payment_method(visitor);
                let event = Purchase {
                    context,
                    order_id,
                    cart_id,
                    items: cart,
                    subtotal: Money::from_units(subtotal),
                    tax: Money::from_units(tax),
                    shipping: Money::from_units(shipping),
                    total: Money::from_units(total),
                    currency: self.spare.copy(currency),
                    payment_method,
                    coupon,
                    loyalty_points: (total / 100) as u64,
                    expected_delivery: Date(time.date().0 + 3),
                };
                self.emit(time, &event);
                visit.context = event.context;
                self.spare.keep([event.currency]);
                if self.faker.rng.random_bool(f.refund) {
                    let context = self.step(&mut visit, "account/orders", "");
                    let time = context.event_time;
                    let reason = RefundReason::ALL[self.faker.index(RefundReason::ALL.len())];
                    let event = RefundRequested {
                        context,
                        order_id,
                        reason,
                        amount: Money::from_units(total),
                        currency: self.spare.copy(currency),
                        comment: None,
                    };
                    self.emit(time, &event);
                    visit.context = event.context;
                    self.spare.keep([event.currency]);
                }
            }
        }

        // Types the model has no place for, at the default rate, in this session's context.
        for index in 0..self.unmodelled.len() {
            if self
                .faker
                .rng
                .random_bool(self.config.default_rate.clamp(0.0, 1.0))
            {
                let context = self.step(&mut visit, "", "");
                let time = context.event_time;
                let mut json = Vec::new();
                self.unmodelled[index].fake_json(&mut self.faker, &mut json);
                let json = with_context(&json, &context).unwrap_or(json);
                self.push(time, json);
                visit.context = context;
            }
        }
        visit.clock
    }

    /// How a visitor pays: Apple Pay only where it is offered (the iOS app, Safari on Apple
    /// devices), where it takes 40% of orders; cards most often elsewhere.
    fn payment_method(&mut self, visitor: &Visitor) -> PaymentMethod {
        let roll = self.faker.rng.random_range(0..100);
        if visitor.apple_pay() {
            match roll {
                0..40 => PaymentMethod::ApplePay,
                40..80 => PaymentMethod::Card,
                80..95 => PaymentMethod::Paypal,
                _ => PaymentMethod::GiftCard,
            }
        } else {
            match roll {
                0..65 => PaymentMethod::Card,
                65..93 => PaymentMethod::Paypal,
                _ => PaymentMethod::GiftCard,
            }
        }
    }

    /// The next event and its time.
    pub fn next_timed(&mut self) -> Option<(Timestamp, Vec<u8>)> {
        loop {
            let arrival_micros = (self.next_arrival * MICROS) as i64;
            match self.pending.peek() {
                Some(Reverse((time, _, _))) if *time <= arrival_micros => {
                    return self
                        .pending
                        .pop()
                        .map(|Reverse((time, _, json))| (Timestamp::from_micros(time), json));
                }
                _ => self.arrive(),
            }
        }
    }

    /// The stream with each event's time, for pacing by the clock.
    pub fn timed(self) -> Timed {
        Timed(self)
    }
}

/// A [`Simulation`] that yields `(event_time, event)`.
pub struct Timed(Simulation);

impl Iterator for Timed {
    type Item = (Timestamp, Vec<u8>);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next_timed()
    }
}

/// Strings lent to events and taken back once they are written: an event's own text fields
/// (SKU, product name, currency...) are copied into buffers that already have room, instead of
/// being allocated and freed for every event.
#[derive(Default)]
struct Spare(Vec<String>);

impl Spare {
    fn copy(&mut self, text: &str) -> String {
        let mut string = self.0.pop().unwrap_or_default();
        string.clear();
        string.push_str(text);
        string
    }

    fn keep<const N: usize>(&mut self, strings: [String; N]) {
        self.0.extend(strings);
    }
}

/// What every event's URL starts with.
const SHOP_URL: &str = "https://shop.example/";

/// One visit in progress: the context its events share, and its clock in simulated seconds.
struct Visit {
    context: EventContext,
    clock: f64,
}

/// A context with nothing in it, which allocates nothing: what a [`Visit`] holds while its
/// context is lent to an event.
fn vacant_context() -> EventContext {
    EventContext {
        event_id: Uuid::nil(),
        event_time: Timestamp::from_micros(0),
        user_id: None,
        anonymous_id: Uuid::nil(),
        session_id: Uuid::nil(),
        platform: Platform::Web,
        user_agent: String::new(),
        country: String::new(),
        page_url: String::new(),
        referrer: None,
        utm_source: None,
        utm_medium: None,
        utm_campaign: None,
    }
}

/// A fake event's JSON with its context fields replaced by the session's.
fn with_context(json: &[u8], context: &EventContext) -> Option<Vec<u8>> {
    let Value::Object(mut event) = serde_json::from_slice(json).ok()? else {
        return None;
    };
    let Value::Object(fields) = serde_json::to_value(context).ok()? else {
        return None;
    };
    event.extend(fields);
    serde_json::to_vec(&event).ok()
}

impl Iterator for Simulation {
    type Item = Vec<u8>;

    /// The next event in time order: sessions are started until the earliest pending event
    /// precedes the next arrival, so memory holds only the sessions in progress.
    fn next(&mut self) -> Option<Vec<u8>> {
        self.next_timed().map(|(_, json)| json)
    }
}
