//! The Cognate server: configuration, start-up, routing and shutdown. This is the only
//! crate that names a storage backend.

pub mod config;
mod router;
mod shutdown;
mod startup;
mod telemetry;

pub use startup::serve;
