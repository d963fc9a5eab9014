//! End-to-end tests: the AWS SDK for Rust against a spawned `cognate` binary, every case on
//! SQLite and on PostgreSQL. One integration binary keeps link time down.
// A test binary: a failed expectation should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// These tests drive a real process, so they measure and sign with the wall clock.
#![allow(clippy::disallowed_methods)]

mod admin_users;
mod clients;
mod common_passwords;
mod domains;
mod existence;
mod forged_tokens;
mod groups;
mod harness;
mod identity_credentials;
mod identity_pools;
mod password_policy;
mod pool_config;
mod pools;
mod resource_servers;
mod self_service;
mod sign_in;
mod srp;
mod verify_before_update;
