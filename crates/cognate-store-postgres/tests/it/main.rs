//! PostgreSQL store: the shared conformance suite plus multi-node behaviour.
//!
//! Needs `COGNATE_TEST_POSTGRES_URL` (e.g. `postgres://postgres@127.0.0.1:5432/test`).
//! Without it the cases skip, except under `CI=true`, where they fail.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// Outage tests measure how long a real database call takes to fail.
#![allow(clippy::disallowed_methods)]

mod conformance;
mod outage;
mod perf;
mod startup;
mod support;
