//! The parser's previous structure reader, a pest grammar (`dockerfile.pest`)
//! and its pair walker, kept for the tests only: the differential tests in
//! `differential.rs` hold the hand-written scanner of `builder.rs` to exactly
//! its results (trees, spans, errors) on the corpus and on mutated inputs.
//! Compiled with `cfg(test)`; nothing outside the tests may use it.

mod builder;
mod differential;
mod grammar;

pub(crate) use builder::build;
