//! Token signing and verification for user pools.

pub mod issue;
pub mod keys;
pub mod verify;

#[cfg(test)]
mod keys_tests;
