//! Every error the derive can give, with its message and span, as `.stderr` snapshots.
//! Refresh after an intended change with `TRYBUILD=overwrite cargo test -p behavior-derive`.

#[test]
fn derive_errors() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
