//! The catalog's integration tests, as one test binary: each module was a binary of its own, and
//! each linked and instantiated the same arrow, parquet and jsonschema code again (~50 s of a cold
//! build apiece).

mod fuzz_seeds;
mod independent_reader;
mod rejections;
mod roundtrip;
mod versions;
