//! Housekeeping: deleting rows that can no longer change any answer.
//!
//! Every node may run it at any time: each statement is an idempotent delete by time, so
//! two nodes purging at once only do the same work twice.

use async_trait::async_trait;

use crate::StoreError;

/// The cut-off times of one purge, all epoch milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurgeBefore {
    /// Counters and lockout slots whose latest change is older than this are idle:
    /// no window or lockout rule looks back that far.
    pub idle_ms: i64,
    /// One-time codes, refresh tokens and the built-in STS's sessions that expired before
    /// this are deleted. Kept a while after expiry, so a late attempt still hears "expired"
    /// rather than "invalid".
    pub expired_ms: i64,
    /// A revoked token family is forgotten once it has no refresh token left and was
    /// revoked before this: by then no access token of the family can still be valid.
    pub revoked_ms: i64,
}

/// How many rows of each kind one purge deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeReport {
    pub counters: u64,
    pub counter_slots: u64,
    pub codes: u64,
    pub refresh_tokens: u64,
    pub token_families: u64,
    pub sts_sessions: u64,
}

impl PurgeReport {
    pub fn total(&self) -> u64 {
        self.counters
            + self.counter_slots
            + self.codes
            + self.refresh_tokens
            + self.token_families
            + self.sts_sessions
    }
}

/// Most rows of one kind a single [`MaintenanceStore::purge`] deletes, so that one call
/// stays a short transaction however large the backlog; call again while a kind is full.
pub const PURGE_BATCH: u64 = 5_000;

#[async_trait]
pub trait MaintenanceStore: Send + Sync {
    /// Deletes idle counters and lockout slots, long-expired codes, refresh tokens and STS
    /// sessions, and
    /// revoked families with nothing left to revoke: at most [`PURGE_BATCH`] of each.
    async fn purge(&self, before: PurgeBefore) -> Result<PurgeReport, StoreError>;
}

impl PurgeReport {
    /// Whether some kind hit [`PURGE_BATCH`], so more may be waiting.
    pub fn more_may_remain(&self) -> bool {
        [
            self.counters,
            self.counter_slots,
            self.codes,
            self.refresh_tokens,
            self.token_families,
            self.sts_sessions,
        ]
        .iter()
        .any(|&n| n >= PURGE_BATCH)
    }
}
