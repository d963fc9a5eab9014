//! The Cognate server: configuration, start-up, routing and shutdown. This is the only
//! crate that names a storage backend.

mod authorize_cli;
pub mod authorize_http;
pub mod config;
mod keys_cli;
mod maintenance;
mod messages_cli;
mod router;
mod shutdown;
mod startup;
mod telemetry;

pub use authorize_cli::authorize;
pub use keys_cli::keys;
pub use messages_cli::messages;
pub use startup::serve;
