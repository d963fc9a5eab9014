//! The `cognate` binary over raw HTTP: protocol errors, signatures, durability, shutdown.
//! The AWS SDK tests live in `tests/sdk`; these need byte-level control of requests.
// A test binary: a failed expectation should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// These tests drive a real process, so they measure and sign with the wall clock.
#![allow(clippy::disallowed_methods)]

mod authorize;
mod coverage;
mod crash_security_state;
mod durability;
mod fixtures;
mod hash_overload;
mod key_rotation;
mod lifecycle;
mod mfa_devices;
mod multi_node;
mod outage;
mod password_hashes;
mod protocol;
mod rate_limits;
mod secrets;
mod signatures;
mod srp_verifiers;
mod timing;
mod well_known;

use cognate_testkit::{ServerOptions, TestServer};

/// A server without admin credentials (signatures not checked; loopback only).
pub async fn open_server() -> TestServer {
    TestServer::start(ServerOptions::default())
        .await
        .expect("server starts")
}

pub fn pool_body(name: &str) -> serde_json::Value {
    serde_json::json!({ "PoolName": name })
}
