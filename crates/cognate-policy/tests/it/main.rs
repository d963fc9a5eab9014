//! Black-box tests of the policy crate: documents, conditions, decisions, the file.
// A test binary: a failed expectation should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod conditions;
mod documents;
mod files;
mod seed;
mod support;
