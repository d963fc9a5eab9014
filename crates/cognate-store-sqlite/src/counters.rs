//! Lockout and rate-limit counters, and used challenge sessions.

use async_trait::async_trait;
use cognate_store::{CounterState, CounterStore, SessionStore, StoreError};
use rusqlite::{OptionalExtension, Row, params};

use crate::SqliteStore;
use crate::error::map_err;

/// Expired session rows deleted per `consume_session`: enough to keep up
/// with the rate sessions are created, small enough to stay cheap.
const SESSION_PURGE_BATCH: i64 = 16;

fn state_from_row(row: &Row<'_>) -> rusqlite::Result<CounterState> {
    Ok(CounterState {
        count: row.get(0)?,
        first_ms: row.get(1)?,
        last_ms: row.get(2)?,
    })
}

fn slots_from_row(row: &Row<'_>) -> rusqlite::Result<[i64; 8]> {
    Ok([
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
    ])
}

#[async_trait]
impl CounterStore for SqliteStore {
    async fn counter_hit(
        &self,
        key: &str,
        now_ms: i64,
        window_ms: i64,
    ) -> Result<CounterState, StoreError> {
        let key = key.to_owned();
        self.db
            .write(move |tx| {
                // One upsert: the read and the increment cannot be split.
                // last_ms never moves back, so a node with a slow clock
                // cannot reopen a run.
                tx.prepare_cached(
                    "INSERT INTO counters (key, count, first_ms, last_ms) VALUES (?1, 1, ?2, ?2)
                     ON CONFLICT (key) DO UPDATE SET
                         count = CASE WHEN ?2 - last_ms >= ?3 THEN 1 ELSE count + 1 END,
                         first_ms = CASE WHEN ?2 - last_ms >= ?3 THEN ?2 ELSE first_ms END,
                         last_ms = max(last_ms, ?2)
                     RETURNING count, first_ms, last_ms",
                )
                .and_then(|mut st| st.query_row(params![key, now_ms, window_ms], state_from_row))
                .map_err(map_err)
            })
            .await
    }

    async fn counter_get(&self, key: &str) -> Result<Option<CounterState>, StoreError> {
        let key = key.to_owned();
        self.db
            .read(move |tx| {
                tx.prepare_cached("SELECT count, first_ms, last_ms FROM counters WHERE key = ?1")
                    .and_then(|mut st| st.query_row([key], state_from_row).optional())
                    .map_err(map_err)
            })
            .await
    }

    async fn counter_reset(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.db
            .write(move |tx| {
                tx.prepare_cached("DELETE FROM counters WHERE key = ?1")
                    .and_then(|mut st| st.execute([key]))
                    .map_err(map_err)?;
                Ok(())
            })
            .await
    }

    async fn window_hit(
        &self,
        key: &str,
        now_ms: i64,
        window_ms: i64,
        limit: i64,
    ) -> Result<bool, StoreError> {
        let key = key.to_owned();
        self.db
            .write(move |tx| {
                // A window opens at its first hit (first_ms); the count stops
                // at limit + 1, which already means "refused".
                let n: i64 = tx
                    .prepare_cached(
                        "INSERT INTO counters (key, count, first_ms, last_ms) VALUES (?1, 1, ?2, ?2)
                         ON CONFLICT (key) DO UPDATE SET
                             count = CASE WHEN ?2 - first_ms >= ?3 THEN 1
                                          ELSE min(count + 1, ?4 + 1) END,
                             first_ms = CASE WHEN ?2 - first_ms >= ?3 THEN ?2 ELSE first_ms END,
                             last_ms = max(last_ms, ?2)
                         RETURNING count",
                    )
                    .and_then(|mut st| {
                        st.query_row(params![key, now_ms, window_ms, limit], |r| r.get(0))
                    })
                    .map_err(map_err)?;
                Ok(n <= limit)
            })
            .await
    }

    async fn counter_slots_get(&self, key: &str) -> Result<Option<[i64; 8]>, StoreError> {
        let key = key.to_owned();
        self.db
            .read(move |tx| {
                tx.prepare_cached(
                    "SELECT s0, s1, s2, s3, s4, s5, s6, s7 FROM counter_slots WHERE key = ?1",
                )
                .and_then(|mut st| st.query_row([key], slots_from_row).optional())
                .map_err(map_err)
            })
            .await
    }

    async fn counter_slots_cas(
        &self,
        key: &str,
        expected: Option<[i64; 8]>,
        new: [i64; 8],
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let key = key.to_owned();
        self.db
            .write(move |tx| {
                // Writes are serialised (BEGIN IMMEDIATE), so the compare and the set
                // cannot be split.
                let current: Option<[i64; 8]> = tx
                    .prepare_cached(
                        "SELECT s0, s1, s2, s3, s4, s5, s6, s7 FROM counter_slots WHERE key = ?1",
                    )
                    .and_then(|mut st| st.query_row([&key], slots_from_row).optional())
                    .map_err(map_err)?;
                if current != expected {
                    return Ok(false);
                }
                tx.prepare_cached(
                    "INSERT INTO counter_slots (key, s0, s1, s2, s3, s4, s5, s6, s7, updated_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                     ON CONFLICT (key) DO UPDATE SET
                         s0 = ?2, s1 = ?3, s2 = ?4, s3 = ?5, s4 = ?6, s5 = ?7, s6 = ?8, s7 = ?9,
                         updated_ms = ?10",
                )
                .and_then(|mut st| {
                    st.execute(params![
                        key, new[0], new[1], new[2], new[3], new[4], new[5], new[6], new[7], now_ms
                    ])
                })
                .map_err(map_err)?;
                Ok(true)
            })
            .await
    }

    async fn purge_counters(&self, last_before_ms: i64) -> Result<u64, StoreError> {
        self.db
            .write(move |tx| {
                let n = tx
                    .prepare_cached("DELETE FROM counters WHERE last_ms < ?1")
                    .and_then(|mut st| st.execute([last_before_ms]))
                    .map_err(map_err)?;
                Ok(u64::try_from(n).unwrap_or(u64::MAX))
            })
            .await
    }
}

#[async_trait]
impl SessionStore for SqliteStore {
    async fn consume_session(
        &self,
        session_id: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let session_id = session_id.to_owned();
        self.db
            .write(move |tx| {
                let inserted = tx
                    .prepare_cached(
                        "INSERT INTO used_sessions (session_id, expires_ms) VALUES (?1, ?2)
                         ON CONFLICT (session_id) DO NOTHING",
                    )
                    .and_then(|mut st| st.execute(params![session_id, expires_ms]))
                    .map_err(map_err)?;
                // Only expired rows go, and the caller refuses an expired
                // session before consuming it, so a purged id is never
                // presented again.
                tx.prepare_cached(
                    "DELETE FROM used_sessions WHERE session_id IN (
                         SELECT session_id FROM used_sessions WHERE expires_ms < ?1 LIMIT ?2)",
                )
                .and_then(|mut st| st.execute(params![now_ms, SESSION_PURGE_BATCH]))
                .map_err(map_err)?;
                Ok(inserted == 1)
            })
            .await
    }
}
