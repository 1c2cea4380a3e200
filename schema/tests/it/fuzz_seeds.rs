//! The fuzz target's contract (`fuzz/decode_body_contract.rs`) on every committed seed, in every
//! test run and without nightly: each seed under the default limits and under each of the
//! small limits the fuzzer selects with a marker byte. What the fuzzer starts from keeps
//! passing, and a seed added for a crash it found becomes a regression test.

include!("../../../fuzz/decode_body_contract.rs");

#[test]
fn every_fuzz_seed_keeps_the_decoder_contract() {
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds");
    let mut checked = 0;
    for entry in std::fs::read_dir(&seeds).expect("fuzz/seeds") {
        let path = entry.unwrap().path();
        let seed = std::fs::read(&path).unwrap();
        check(&seed);
        for marker in LIMITS_MARKER..=u8::MAX {
            check(&[&[marker][..], &seed].concat());
        }
        checked += 1;
    }
    // The seeds the fuzz script documents: one per event type, dirty events and bodies, a
    // compressed body and a batch of bodies.
    assert!(checked >= 30, "only {checked} seeds in {}", seeds.display());
}
