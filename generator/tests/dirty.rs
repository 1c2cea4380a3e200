//! Injected defects are counted exactly: the decoder rejects every invalid one with the
//! expected error kind, and accepts re-sends, late and out-of-order events.

use std::collections::BTreeMap;

use behavior_generator::{Config, Defect, Dirty, Simulation};
use behavior_runtime::{BatchDecoder, ErrorKind, Limits, Outcome};

/// The rejection each invalid defect must produce.
fn expected_kind(defect: Defect) -> Option<ErrorKind> {
    Some(match defect {
        Defect::MalformedJson | Defect::TruncatedJson => ErrorKind::MalformedJson,
        Defect::WrongType | Defect::EpochTimestamp => ErrorKind::WrongType,
        Defect::MissingField => ErrorKind::MissingField,
        Defect::UnknownEventType | Defect::MixedCaseEventType => ErrorKind::UnknownEventType,
        Defect::StringOverBound => ErrorKind::TooLong,
        Defect::InvalidUtf8 => ErrorKind::InvalidUtf8,
        Defect::Duplicate | Defect::Late | Defect::OutOfOrder => return None,
    })
}

#[test]
fn the_decoder_rejects_exactly_the_invalid_defects() {
    let registry = behavior_schema::registry();
    let clean = Simulation::new(
        registry,
        Config {
            seed: 5,
            ..Config::default()
        },
    );
    let mut dirty = Dirty::new(clean, 0.1, 5);
    let lines: Vec<Vec<u8>> = dirty.by_ref().take(50_000).collect();
    let counts = dirty.counts().clone();
    assert!(
        Defect::ALL
            .iter()
            .all(|d| counts.get(d).copied().unwrap_or(0) > 100),
        "{counts:?}"
    );

    let mut expected: BTreeMap<ErrorKind, u64> = BTreeMap::new();
    for (defect, n) in &counts {
        if let Some(kind) = expected_kind(*defect) {
            *expected.entry(kind).or_default() += n;
        }
    }
    let mut rejected: BTreeMap<ErrorKind, u64> = BTreeMap::new();
    let mut decoder = BatchDecoder::new(registry, Limits::default(), 1024);
    let mut accepted = 0u64;
    for line in &lines {
        let c = decoder.decode_body(line, |o| {
            if let Outcome::Rejected { error, .. } = o {
                *rejected.entry(error.kind).or_default() += 1;
            }
        });
        accepted += c.accepted as u64;
    }
    assert_eq!(rejected, expected);
    let invalid: u64 = counts
        .iter()
        .filter(|(d, _)| d.invalid())
        .map(|(_, n)| n)
        .sum();
    assert_eq!(accepted + invalid, lines.len() as u64);
}

#[test]
fn a_dirty_rate_of_zero_changes_nothing() {
    let registry = behavior_schema::registry();
    let clean: Vec<Vec<u8>> = Simulation::new(registry, Config::default())
        .take(2_000)
        .collect();
    let dirty: Vec<Vec<u8>> = Dirty::new(Simulation::new(registry, Config::default()), 0.0, 1)
        .take(2_000)
        .collect();
    assert_eq!(clean, dirty);
}
