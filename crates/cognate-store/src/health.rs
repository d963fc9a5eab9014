//! Readiness probe.

use async_trait::async_trait;

use crate::StoreError;

/// Whether the database answers; behind `/health/ready`.
#[async_trait]
pub trait Health: Send + Sync {
    /// One cheap round trip. `Unavailable` when the database cannot be reached.
    async fn ping(&self) -> Result<(), StoreError>;
}
