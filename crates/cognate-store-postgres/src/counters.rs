//! Lockout and rate-limit counters, and used challenge sessions.

use async_trait::async_trait;
use cognate_store::{CounterState, CounterStore, SessionStore, StoreError};
use tokio_postgres::Row;

use crate::PostgresStore;
use crate::db::{read, transact};
use crate::error::col;
use crate::sql::{execute, query_one, query_opt};

/// Expired session rows deleted per `consume_session`: enough to keep up
/// with the rate sessions are created, small enough to stay cheap.
const SESSION_PURGE_BATCH: i64 = 16;

fn state_from_row(row: &Row) -> Result<CounterState, StoreError> {
    Ok(CounterState {
        count: col(row, 0)?,
        first_ms: col(row, 1)?,
        last_ms: col(row, 2)?,
    })
}

fn slots_from_row(row: &Row) -> Result<[i64; 8], StoreError> {
    Ok([
        col(row, 0)?,
        col(row, 1)?,
        col(row, 2)?,
        col(row, 3)?,
        col(row, 4)?,
        col(row, 5)?,
        col(row, 6)?,
        col(row, 7)?,
    ])
}

#[async_trait]
impl CounterStore for PostgresStore {
    async fn counter_hit(
        &self,
        key: &str,
        now_ms: i64,
        window_ms: i64,
    ) -> Result<CounterState, StoreError> {
        transact!(self.db, |tx| {
            // One upsert: concurrent hits queue on the row and none is lost.
            // last_ms never moves back, so a node with a slow clock cannot
            // reopen a run.
            state_from_row(
                &query_one(
                    &tx,
                    "INSERT INTO counters (key, count, first_ms, last_ms) VALUES ($1, 1, $2, $2)
                     ON CONFLICT (key) DO UPDATE SET
                         count = CASE WHEN $2 - counters.last_ms >= $3 THEN 1
                                      ELSE counters.count + 1 END,
                         first_ms = CASE WHEN $2 - counters.last_ms >= $3 THEN $2
                                         ELSE counters.first_ms END,
                         last_ms = GREATEST(counters.last_ms, $2)
                     RETURNING count, first_ms, last_ms",
                    &[&key, &now_ms, &window_ms],
                )
                .await?,
            )?
        })
    }

    async fn counter_get(&self, key: &str) -> Result<Option<CounterState>, StoreError> {
        read!(self.db, |client| {
            query_opt(
                &client,
                "SELECT count, first_ms, last_ms FROM counters WHERE key = $1",
                &[&key],
            )
            .await?
            .as_ref()
            .map(state_from_row)
            .transpose()?
        })
    }

    async fn counter_reset(&self, key: &str) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            execute(&tx, "DELETE FROM counters WHERE key = $1", &[&key]).await?;
        })
    }

    async fn window_hit(
        &self,
        key: &str,
        now_ms: i64,
        window_ms: i64,
        limit: i64,
    ) -> Result<bool, StoreError> {
        transact!(self.db, |tx| {
            // A window opens at its first hit (first_ms); the count stops at
            // limit + 1, which already means "refused".
            let row = query_one(
                &tx,
                "INSERT INTO counters (key, count, first_ms, last_ms) VALUES ($1, 1, $2, $2)
                 ON CONFLICT (key) DO UPDATE SET
                     count = CASE WHEN $2 - counters.first_ms >= $3 THEN 1
                                  ELSE LEAST(counters.count + 1, $4::BIGINT + 1) END,
                     first_ms = CASE WHEN $2 - counters.first_ms >= $3 THEN $2
                                     ELSE counters.first_ms END,
                     last_ms = GREATEST(counters.last_ms, $2)
                 RETURNING count",
                &[&key, &now_ms, &window_ms, &limit],
            )
            .await?;
            let n: i64 = col(&row, 0)?;
            n <= limit
        })
    }

    async fn counter_slots_get(&self, key: &str) -> Result<Option<[i64; 8]>, StoreError> {
        read!(self.db, |client| {
            query_opt(
                &client,
                "SELECT s0, s1, s2, s3, s4, s5, s6, s7 FROM counter_slots WHERE key = $1",
                &[&key],
            )
            .await?
            .as_ref()
            .map(slots_from_row)
            .transpose()?
        })
    }

    async fn counter_slots_cas(
        &self,
        key: &str,
        expected: Option<[i64; 8]>,
        new: [i64; 8],
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let [n0, n1, n2, n3, n4, n5, n6, n7] = new;
        transact!(self.db, |tx| {
            // Each statement is a single atomic compare-and-set: the conditional
            // UPDATE re-checks the row after waiting for a concurrent writer, and the
            // INSERT of an absent row loses to a concurrent one through the key.
            let changed = match expected {
                Some([e0, e1, e2, e3, e4, e5, e6, e7]) => {
                    execute(
                        &tx,
                        "UPDATE counter_slots SET
                             s0 = $2, s1 = $3, s2 = $4, s3 = $5, s4 = $6, s5 = $7, s6 = $8,
                             s7 = $9, updated_ms = $10
                         WHERE key = $1 AND s0 = $11 AND s1 = $12 AND s2 = $13 AND s3 = $14
                           AND s4 = $15 AND s5 = $16 AND s6 = $17 AND s7 = $18",
                        &[
                            &key, &n0, &n1, &n2, &n3, &n4, &n5, &n6, &n7, &now_ms, &e0, &e1, &e2,
                            &e3, &e4, &e5, &e6, &e7,
                        ],
                    )
                    .await?
                }
                None => execute(
                    &tx,
                    "INSERT INTO counter_slots (key, s0, s1, s2, s3, s4, s5, s6, s7, updated_ms)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                         ON CONFLICT (key) DO NOTHING",
                    &[&key, &n0, &n1, &n2, &n3, &n4, &n5, &n6, &n7, &now_ms],
                )
                .await?,
            };
            changed == 1
        })
    }

    async fn purge_counters(&self, last_before_ms: i64) -> Result<u64, StoreError> {
        transact!(self.db, |tx| {
            execute(
                &tx,
                "DELETE FROM counters WHERE last_ms < $1",
                &[&last_before_ms],
            )
            .await?
        })
    }
}

#[async_trait]
impl SessionStore for PostgresStore {
    async fn consume_session(
        &self,
        session_id: &str,
        expires_ms: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        transact!(self.db, |tx| {
            // A concurrent insert of the same id waits for the first to
            // commit, then does nothing: exactly one caller sees a new row.
            let inserted = execute(
                &tx,
                "INSERT INTO used_sessions (session_id, expires_ms) VALUES ($1, $2)
                 ON CONFLICT (session_id) DO NOTHING",
                &[&session_id, &expires_ms],
            )
            .await?;
            // Only expired rows go (the caller refuses an expired session
            // before consuming it); rows another purge holds are skipped
            // rather than waited for.
            execute(
                &tx,
                "DELETE FROM used_sessions WHERE session_id IN (
                     SELECT session_id FROM used_sessions WHERE expires_ms < $1
                     LIMIT $2 FOR UPDATE SKIP LOCKED)",
                &[&now_ms, &SESSION_PURGE_BATCH],
            )
            .await?;
            inserted == 1
        })
    }
}
