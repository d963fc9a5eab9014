//! Cognate's domain: the rules of Cognito, free of I/O. Time is always passed in.

pub mod arn;
pub mod clock;

pub use clock::{Clock, SystemClock};
