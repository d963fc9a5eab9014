//! Single use of challenge sessions.

use async_trait::async_trait;

use crate::StoreError;

/// Remembers which sealed auth sessions were used.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Marks the session used: `true` the first time, `false` ever after
    /// (also under concurrent calls). `expires_ms` is the session's own
    /// expiry; rows of sessions expired before `now_ms` are purged along the
    /// way (a few per call), which is safe because the caller refuses an
    /// expired session before consuming it.
    async fn consume_session(
        &self,
        session_id: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError>;
}
