//! Integration tests of cognate-wire: one binary, one module per area.
// Helpers shared by tests may fail loudly too, not only `#[test]` functions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod dispatch;
mod operations;
mod properties;
mod support;
mod validation;
