//! Test harness: runs the real `cognate` binary on a free loopback port, stops it gently
//! or with `kill -9`, and sends raw (optionally signed) AWS JSON requests.
//!
//! Only tests use this crate, so failing loudly is the right answer to a broken setup.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod postgres;
mod private_postgres;
mod raw;
mod server;

pub use postgres::{PostgresSchema, postgres_url};
pub use private_postgres::PrivatePostgres;
pub use raw::{ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY, RawClient, RawResponse};
pub use server::{Backend, ServerOptions, TestServer, cognate_bin};
