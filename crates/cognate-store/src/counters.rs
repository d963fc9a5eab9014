//! Counters shared by every node: lockout after failed sign-ins, rate limits.

use async_trait::async_trait;

use crate::StoreError;

/// A counter's state after a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CounterState {
    /// Hits in the current run (or window).
    pub count: i64,
    /// First hit of the current run (or start of the window), epoch milliseconds.
    pub first_ms: i64,
    /// Latest hit, epoch milliseconds.
    pub last_ms: i64,
}

/// The key of a counter that belongs to a user, so deleting the user (or its
/// pool) deletes the counter too. Other counters (per IP, per pool) may use
/// any key that does not start with `user/`.
pub fn user_counter_key(pool_id: &str, sub: &str, name: &str) -> String {
    format!("{}{name}", user_counter_prefix(pool_id, sub))
}

/// Common start of every [`user_counter_key`] of one user.
pub fn user_counter_prefix(pool_id: &str, sub: &str) -> String {
    format!("{}{sub}/", pool_counter_prefix(pool_id))
}

/// Common start of every [`user_counter_key`] of one pool.
pub fn pool_counter_prefix(pool_id: &str) -> String {
    format!("user/{pool_id}/")
}

/// Counters. Each call is atomic across nodes.
#[async_trait]
pub trait CounterStore: Send + Sync {
    /// Counts a hit: the count restarts at 1 when the previous hit is
    /// `window_ms` or more in the past (a run of hits with no pause that
    /// long), otherwise it grows by one. Returns the state after the hit.
    async fn counter_hit(
        &self,
        key: &str,
        now_ms: i64,
        window_ms: i64,
    ) -> Result<CounterState, StoreError>;

    /// The counter, or `None` if it was never hit (or was reset).
    async fn counter_get(&self, key: &str) -> Result<Option<CounterState>, StoreError>;

    /// Forgets the counter. Resetting an absent counter is fine.
    async fn counter_reset(&self, key: &str) -> Result<(), StoreError>;

    /// Fixed-window rate limit: a window opens at the first hit and lasts
    /// `window_ms`; returns whether this hit is within `limit` for the
    /// current window. Refused hits are not counted beyond `limit + 1`.
    async fn window_hit(
        &self,
        key: &str,
        now_ms: i64,
        window_ms: i64,
        limit: i64,
    ) -> Result<bool, StoreError>;

    /// Deletes counters whose latest hit is before `last_before_ms`, so keys
    /// that see no traffic (source addresses) do not pile up. Returns how
    /// many went.
    async fn purge_counters(&self, last_before_ms: i64) -> Result<u64, StoreError>;

    /// The eight integer slots stored under `key` (lockout state), or `None` when
    /// nothing is stored.
    async fn counter_slots_get(&self, key: &str) -> Result<Option<[i64; 8]>, StoreError>;

    /// Compare-and-set of the eight integer slots under `key`: stores `new` only if
    /// the current value is `expected` (`None`: no row). Returns whether it applied;
    /// of two calls from the same expected state exactly one applies. Slots under a
    /// [`user_counter_key`] go with the user and its pool.
    async fn counter_slots_cas(
        &self,
        key: &str,
        expected: Option<[i64; 8]>,
        new: [i64; 8],
        now_ms: i64,
    ) -> Result<bool, StoreError>;
}
