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
