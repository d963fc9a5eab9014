//! Cognate's benchmark harness: one fixed workload against any Cognito-compatible
//! endpoint, and a side-by-side run of Cognate (SQLite, PostgreSQL), moto and cognito-local.

// A benchmark must read the clock: the project's rule (time only through `Clock`) exists so
// that tests can move time, which a load generator has no use for.
#![allow(clippy::disallowed_methods)]

pub mod client;
pub mod hash_ceiling;
mod oauth;
pub mod overload;
pub mod report;
pub mod selftest;
mod srp;
pub mod stats;
pub mod targets;
mod totp;
pub mod verdict;
pub mod workload;
