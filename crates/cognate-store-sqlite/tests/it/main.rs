//! SQLite store: the shared conformance suite plus file-level behaviour.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod conformance;
mod durability;
mod perf;
