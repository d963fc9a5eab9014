//! Cognate's domain: the rules of Cognito, free of I/O. Time is always passed in.

pub mod arn;
pub mod attributes;
pub mod clock;
pub mod codes;
pub mod lockout;
pub mod messages;
pub mod password_blocklist;
pub mod password_policy;
pub mod secret_hash;
pub mod signing_keys;
pub mod tokens;
pub mod user_filter;
pub mod user_status;

pub use clock::{Clock, SystemClock};
