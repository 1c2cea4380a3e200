//! Fuzzes the message-body decoder: arbitrary bytes as a batch of bodies, checked against the
//! decoder's contract in `fuzz/decode_body_contract.rs` (also run on the committed seeds by
//! every test run: `schema/tests/it/fuzz_seeds.rs`).
#![no_main]

include!("../decode_body_contract.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| check(data));
