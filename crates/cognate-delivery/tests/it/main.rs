//! cognate-delivery against real transports: an SMTP server (Python's aiosmtpd), a local
//! HTTP webhook, and the SQLite outbox.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod sms;
mod smtp;
mod sqlite;
mod support;
