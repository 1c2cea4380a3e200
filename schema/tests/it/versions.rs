//! Two versions of one event type registered side by side: events are dispatched on
//! `schema_version` (absent means 1), each lands in its own version's batch, and an
//! unregistered version is rejected with its path.

use behavior_derive::BehaviorEvent;
use behavior_runtime::{BatchDecoder, ErrorKind, Kind, Limits, Outcome, Registry, Timestamp, Uuid};

/// A visitor created an account (first version).
#[derive(BehaviorEvent)]
#[behavior(event_type = "signup", version = 1)]
pub struct SignupV1 {
    /// The address signed up with.
    pub email: String,
}

/// A visitor created an account (a breaking change: the plan became required).
#[derive(BehaviorEvent)]
#[behavior(event_type = "signup", version = 2)]
pub struct SignupV2 {
    /// The address signed up with.
    pub email: String,
    /// The plan chosen.
    pub plan: String,
}

/// The version an event lands in, or the rejection's kind and path.
type Expected = Result<u32, (ErrorKind, &'static str)>;

fn registry() -> Registry {
    Registry::new(&[&Kind::<SignupV1>::NEW, &Kind::<SignupV2>::NEW]).unwrap()
}

#[test]
fn events_dispatch_on_schema_version() {
    let registry = registry();
    let mut decoder = BatchDecoder::new(&registry, Limits::default(), 8);
    let cases: [(&[u8], Expected); 6] = [
        (br#"{"event_type":"signup","email":"a@x"}"#, Ok(1)),
        (
            br#"{"event_type":"signup","schema_version":1,"email":"b@x"}"#,
            Ok(1),
        ),
        (
            br#"{"event_type":"signup","schema_version":2,"email":"c@x","plan":"pro"}"#,
            Ok(2),
        ),
        (
            br#"{"plan":"free","schema_version":2,"email":"d@x","event_type":"signup"}"#,
            Ok(2),
        ),
        (
            br#"{"event_type":"signup","schema_version":3,"email":"e@x"}"#,
            Err((ErrorKind::UnknownEventType, "$.schema_version")),
        ),
        (
            br#"{"event_type":"signup","email":"f@x","plan":"pro"}"#,
            Err((ErrorKind::UnknownField, "$.plan")),
        ),
    ];
    for (body, expected) in cases {
        let mut outcome = None;
        decoder.decode_body(body, |o| {
            outcome = Some(match o {
                Outcome::Accepted { kind, .. } => Ok(registry.kinds()[kind].descriptor().version),
                Outcome::Rejected { error, .. } => Err((error.kind, error.path())),
            })
        });
        let outcome = outcome.unwrap();
        let outcome = outcome
            .as_ref()
            .map(|v| *v)
            .map_err(|(kind, path)| (*kind, path.as_str()));
        assert_eq!(outcome, expected, "{}", String::from_utf8_lossy(body));
    }
    let batches = decoder.finish().unwrap();
    let rows: Vec<(u32, usize)> = batches
        .iter()
        .map(|(kind, b)| (registry.kinds()[*kind].descriptor().version, b.num_rows()))
        .collect();
    assert_eq!(rows, vec![(1, 2), (2, 2)]);
}

/// Version 1 retired, only version 2 registered: an event without `schema_version` was still
/// written for version 1, so it is rejected, not decoded as version 2.
#[test]
fn an_absent_version_means_1_even_when_only_version_2_is_registered() {
    let registry = Registry::new(&[&Kind::<SignupV2>::NEW]).unwrap();
    let mut decoder = BatchDecoder::new(&registry, Limits::default(), 8);
    let bodies: [&[u8]; 4] = [
        br#"{"event_type":"signup","email":"a@x","plan":"pro"}"#,
        br#"{"email":"b@x","plan":"pro","event_type":"signup"}"#,
        br#"{"event_type":"signup","schema_version":2,"email":"c@x","plan":"pro"}"#,
        br#"{"event_type":"signup","email":"d@x","plan":"pro","schema_version":2}"#,
    ];
    let mut outcomes = Vec::new();
    for body in bodies {
        decoder.decode_body(body, |o| {
            outcomes.push(match o {
                Outcome::Accepted { .. } => Ok(()),
                Outcome::Rejected { error, .. } => {
                    assert!(error.message.contains("without schema_version"), "{error}");
                    Err((error.kind, error.path()))
                }
            })
        });
    }
    let missing = Err((ErrorKind::UnknownEventType, "$.schema_version".to_string()));
    assert_eq!(outcomes, [missing.clone(), missing, Ok(()), Ok(())]);
}

#[test]
fn a_version_registered_twice_is_refused() {
    let error = Registry::new(&[&Kind::<SignupV1>::NEW, &Kind::<SignupV1>::NEW])
        .err()
        .unwrap();
    assert!(error.contains("signup v1"), "{error}");
}

#[test]
fn the_lake_needs_event_id_and_event_time() {
    let error = registry().check_lake_columns().err().unwrap();
    assert!(
        error.contains("signup v1") && error.contains("`event_id`"),
        "{error}"
    );
    assert!(schema_registry_passes());
}

/// An event whose time is optional: the lake could not partition it.
#[derive(BehaviorEvent)]
#[behavior(event_type = "late", version = 1)]
pub struct Late {
    /// The event's id.
    pub event_id: Uuid,
    /// When it happened, if known.
    pub event_time: Option<Timestamp>,
}

#[test]
fn an_optional_event_time_is_refused() {
    let registry = Registry::new(&[&Kind::<Late>::NEW]).unwrap();
    let error = registry.check_lake_columns().err().unwrap();
    assert!(
        error.contains("late v1") && error.contains("`event_time`") && error.contains("optional"),
        "{error}"
    );
}

/// The committed catalog has both columns in every type (through `EventContext`).
fn schema_registry_passes() -> bool {
    behavior_schema::registry().check_lake_columns().is_ok()
}
