//! The visitors: each has a stable device identity (anonymous id, platform, user agent), a
//! country with its time zone, and an activity (how often they come back, heavy-tailed: most
//! visitors are occasional, a few are regulars); a share of them never sign in. A visitor has
//! one session at a time, and starts the next no sooner than [`SESSION_GAP`] after the last
//! one ended (what analytics tools count as a new session).

use std::sync::LazyLock;

use behavior_runtime::{Faker, Uuid};
use behavior_schema::Platform;
use fake::locales::{Data, EN};
use rand::RngExt;
use rand_distr::weighted::WeightedAliasIndex;
use rand_distr::{Distribution, LogNormal};

/// Seconds of inactivity that end a session: a visitor comes back no sooner than this.
pub const SESSION_GAP: f64 = 30.0 * 60.0;

/// Where visitors come from: code, currency, and standard-time offset from UTC in hours.
#[derive(Debug)]
pub struct Country {
    pub code: &'static str,
    pub currency: &'static str,
    pub utc_offset_hours: f64,
}

/// The visitors' countries, each equally likely (the US and Canada on Eastern time, Brazil on
/// Brasília's, Australia on Sydney's).
pub const COUNTRIES: &[Country] = &[
    country("US", "USD", -5.0),
    country("GB", "GBP", 0.0),
    country("DE", "EUR", 1.0),
    country("FR", "EUR", 1.0),
    country("NL", "EUR", 1.0),
    country("ES", "EUR", 1.0),
    country("IT", "EUR", 1.0),
    country("SE", "USD", 1.0),
    country("PL", "USD", 1.0),
    country("CA", "USD", -5.0),
    country("BR", "USD", -3.0),
    country("JP", "USD", 9.0),
    country("IN", "USD", 5.5),
    country("AU", "USD", 10.0),
];

const fn country(code: &'static str, currency: &'static str, utc_offset_hours: f64) -> Country {
    Country {
        code,
        currency,
        utc_offset_hours,
    }
}

/// The standard-time offset of a country code, in hours (0 for a code not in [`COUNTRIES`]).
pub fn utc_offset_hours(code: &str) -> f64 {
    COUNTRIES
        .iter()
        .find(|c| c.code == code)
        .map_or(0.0, |c| c.utc_offset_hours)
}

/// Every user agent a visitor can have: the web browsers of `fake`, then the shop's iOS and
/// Android apps. Visitors keep an index into it, not a string of their own.
static AGENTS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let web = EN::INTERNET_USER_AGENT.iter().map(|a| a.to_string());
    let ios = (0..9).flat_map(|app| (0..4).map(move |os| (app, os)));
    let ios = ios.map(|(app, os)| format!("ShopApp/4.{app} (iPhone; iOS 18.{os})"));
    let android = (0..9).flat_map(|app| (6..10).map(move |pixel| (app, pixel)));
    let android =
        android.map(|(app, pixel)| format!("ShopApp/4.{app} (Android 15; Pixel {pixel})"));
    web.chain(ios).chain(android).collect()
});
const IOS_AGENTS: usize = 36;
const ANDROID_AGENTS: usize = 36;

/// One visitor's device and identity, in 32 bytes: the strings are shared tables.
#[derive(Clone, Copy, Debug)]
pub struct Visitor {
    /// The account number of a visitor who signs in.
    user: Option<u32>,
    pub anonymous_id: Uuid,
    pub platform: Platform,
    agent: u16,
    country: u8,
}

impl Visitor {
    /// A new visitor: 60% on the web, 20% on each app; `user` when they sign in.
    pub fn draw(faker: &mut Faker, user: Option<u32>) -> Self {
        let web = EN::INTERNET_USER_AGENT.len();
        let (platform, agent) = match faker.rng.random_range(0..10) {
            0..=5 => (Platform::Web, faker.index(web)),
            6..=7 => (Platform::Ios, web + faker.index(IOS_AGENTS)),
            _ => (
                Platform::Android,
                web + IOS_AGENTS + faker.index(ANDROID_AGENTS),
            ),
        };
        Visitor {
            user,
            anonymous_id: faker.uuid(),
            platform,
            agent: agent as u16,
            country: faker.index(COUNTRIES.len()) as u8,
        }
    }

    /// `u0000042` for a signed-in visitor.
    pub fn user_id(&self) -> Option<String> {
        self.user.map(|n| format!("u{n:07}"))
    }

    pub fn user_agent(&self) -> &'static str {
        &AGENTS[usize::from(self.agent)]
    }

    pub fn country(&self) -> &'static Country {
        &COUNTRIES[usize::from(self.country)]
    }

    /// Whether Apple Pay is offered: the iOS app, and Safari on an Apple device.
    pub fn apple_pay(&self) -> bool {
        match self.platform {
            Platform::Ios => true,
            Platform::Android => false,
            Platform::Web => {
                let agent = self.user_agent();
                let apple = ["Mac OS X", "iPhone", "iPad"]
                    .iter()
                    .any(|a| agent.contains(a));
                apple && agent.contains("Safari") && !agent.contains("Chrome")
            }
        }
    }
}

/// The returning visitors, how active each is, and until when each is busy.
pub struct Population {
    visitors: Vec<Visitor>,
    activity: WeightedAliasIndex<f32>,
    /// Simulated second from which each visitor may start a session.
    free_from: Vec<f64>,
}

impl Population {
    /// `size` visitors; a share `anonymous_share` never signs in. Activity is log-normal
    /// (σ = 1.5): the median visitor comes back a third as often as the mean one, one in a
    /// hundred ten times as often.
    pub fn new(faker: &mut Faker, size: u32, anonymous_share: f64) -> Self {
        let size = size.max(1);
        let visitors: Vec<Visitor> = (0..size)
            .map(|i| {
                let signs_in = !faker.rng.random_bool(anonymous_share.clamp(0.0, 1.0));
                Visitor::draw(faker, signs_in.then_some(i + 1))
            })
            .collect();
        // Valid parameters: the constructor cannot fail.
        let spread = LogNormal::new(0.0f32, 1.5).unwrap_or_else(|_| unreachable!());
        let weights = (0..size)
            .map(|_| spread.sample(&mut faker.rng).min(1e6))
            .collect();
        // Positive, finite weights of at most 1e6 each: the alias table cannot fail.
        let activity = WeightedAliasIndex::new(weights).unwrap_or_else(|_| unreachable!());
        Self {
            free_from: vec![f64::NEG_INFINITY; visitors.len()],
            visitors,
            activity,
        }
    }

    pub fn len(&self) -> usize {
        self.visitors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.visitors.is_empty()
    }

    pub fn get(&self, index: usize) -> &Visitor {
        &self.visitors[index]
    }

    /// A visitor free to start a session at `time`, drawn by activity; `None` when a few
    /// draws found only busy ones (the population is too small for the arrival rate).
    pub fn pick(&self, faker: &mut Faker, time: f64) -> Option<usize> {
        (0..4)
            .map(|_| self.activity.sample(&mut faker.rng))
            .find(|&i| self.free_from[i] <= time)
    }

    /// Visitor `index` has a session ending at `end`: busy until then, plus the gap.
    pub fn busy_until(&mut self, index: usize, end: f64) {
        self.free_from[index] = end + SESSION_GAP;
    }
}
