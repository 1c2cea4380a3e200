//! The converter's integration tests (the handler, and the poller over the in-process queue), as
//! one test binary: one link of the arrow, parquet and AWS stack instead of one per file.

mod handler;
mod poll;
