//! End-to-end tests with the AWS SDK for Rust live under tests/.
