//! The Cognate server: configuration, start-up, routing and shutdown. This is the only
//! crate that names a storage backend.

pub mod config;
mod keys_cli;
mod maintenance;
mod messages_cli;
mod router;
mod shutdown;
mod startup;
mod telemetry;

pub use keys_cli::keys;
pub use messages_cli::messages;
pub use startup::serve;
