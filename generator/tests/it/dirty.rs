//! Injected defects are counted exactly: the decoder rejects every invalid one with the
//! expected error kind, and accepts re-sends, late and out-of-order events; re-sends come
//! thousands of lines after their original, and every one is emitted before the stream ends.

use std::collections::{BTreeMap, HashMap, HashSet};

use behavior_generator::dirty::RESEND_DELAY;
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

/// Where each event id appears again, as (first line, later line) pairs.
fn repeats(lines: &[Vec<u8>]) -> Vec<(usize, usize)> {
    let mut first: HashMap<&[u8], usize> = HashMap::new();
    let mut pairs = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(at) = line.windows(12).position(|w| w == b"\"event_id\":\"") else {
            continue;
        };
        let Some(id) = line.get(at + 12..at + 48) else {
            continue;
        };
        match first.get(id) {
            Some(&j) => pairs.push((j, i)),
            None => {
                first.insert(id, i);
            }
        }
    }
    pairs
}

#[test]
fn re_sends_come_later_and_all_go_out_before_the_end() {
    let registry = behavior_schema::registry();
    let clean: Vec<Vec<u8>> = Simulation::new(registry, Config::default())
        .take(30_000)
        .collect();
    let mut dirty = Dirty::new(clean.clone().into_iter(), 0.1, 3);
    let lines: Vec<Vec<u8>> = dirty.by_ref().collect();
    let resent = dirty.counts()[&Defect::Duplicate];
    assert!(resent > 100, "{resent}");
    // Every clean line once, plus each re-send: none is left behind at the end.
    let out_of_order = dirty
        .counts()
        .get(&Defect::OutOfOrder)
        .copied()
        .unwrap_or(0);
    assert!(out_of_order > 0);
    assert_eq!(lines.len() as u64, clean.len() as u64 + resent);
    let pairs = repeats(&lines);
    assert_eq!(pairs.len() as u64, resent);
    let resends: HashSet<usize> = pairs.iter().map(|&(_, again)| again).collect();
    for (original, again) in &pairs {
        assert_eq!(
            lines[*original], lines[*again],
            "a re-send is the same bytes"
        );
        // Held back, unless the clean stream ended first: then what was held goes out at
        // the end, after the last clean line.
        let in_the_final_flush = (*again..lines.len()).all(|i| resends.contains(&i));
        assert!(
            (again - original) as u64 >= *RESEND_DELAY.start() || in_the_final_flush,
            "re-sent {} lines after the original",
            again - original
        );
    }
    let mut distances: Vec<usize> = pairs.iter().map(|(a, b)| b - a).collect();
    distances.sort_unstable();
    assert!(distances[distances.len() / 2] > 1_000, "{distances:?}");
}

#[test]
fn a_stream_cut_short_counts_only_the_re_sends_it_emitted() {
    let registry = behavior_schema::registry();
    let mut dirty = Dirty::new(Simulation::new(registry, Config::default()), 0.1, 4);
    let lines: Vec<Vec<u8>> = dirty.by_ref().take(20_000).collect();
    let resent = dirty.counts()[&Defect::Duplicate];
    assert_eq!(repeats(&lines).len() as u64, resent);
}
