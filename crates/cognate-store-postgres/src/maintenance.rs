//! Periodic purges (see `cognate_store::MaintenanceStore`).

use async_trait::async_trait;
use cognate_store::{MaintenanceStore, PURGE_BATCH, PurgeBefore, PurgeReport, StoreError};
use deadpool_postgres::Transaction;

use crate::PostgresStore;
use crate::db::transact;
use crate::sql::execute;

const IDLE_COUNTERS: &str = "DELETE FROM counters WHERE key IN
    (SELECT key FROM counters WHERE last_ms < $1 LIMIT $2)";
const IDLE_SLOTS: &str = "DELETE FROM counter_slots WHERE key IN
    (SELECT key FROM counter_slots WHERE updated_ms < $1 LIMIT $2)";
const EXPIRED_CODES: &str = "DELETE FROM codes WHERE (pool_id, sub, purpose) IN
    (SELECT pool_id, sub, purpose FROM codes WHERE expires_ms < $1 LIMIT $2)";
const EXPIRED_TOKENS: &str = "DELETE FROM refresh_tokens WHERE token_hash IN
    (SELECT token_hash FROM refresh_tokens WHERE expires_ms < $1 LIMIT $2)";
const EXPIRED_STS_SESSIONS: &str = "DELETE FROM sts_sessions WHERE access_key_id IN
    (SELECT access_key_id FROM sts_sessions WHERE expires_ms < $1 LIMIT $2)";
const SPENT_FAMILIES: &str = "DELETE FROM revoked_token_families WHERE origin_jti IN
    (SELECT f.origin_jti FROM revoked_token_families f
     WHERE f.revoked_ms < $1
       AND NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.origin_jti = f.origin_jti)
     LIMIT $2)";

async fn delete(tx: &Transaction<'_>, sql: &str, before_ms: i64) -> Result<u64, StoreError> {
    let batch = i64::try_from(PURGE_BATCH).unwrap_or(i64::MAX);
    execute(tx, sql, &[&before_ms, &batch]).await
}

#[async_trait]
impl MaintenanceStore for PostgresStore {
    async fn purge(&self, before: PurgeBefore) -> Result<PurgeReport, StoreError> {
        transact!(self.db, |tx| {
            PurgeReport {
                counters: delete(&tx, IDLE_COUNTERS, before.idle_ms).await?,
                counter_slots: delete(&tx, IDLE_SLOTS, before.idle_ms).await?,
                codes: delete(&tx, EXPIRED_CODES, before.expired_ms).await?,
                refresh_tokens: delete(&tx, EXPIRED_TOKENS, before.expired_ms).await?,
                // After the tokens, so a family whose last token just went can go too.
                token_families: delete(&tx, SPENT_FAMILIES, before.revoked_ms).await?,
                sts_sessions: delete(&tx, EXPIRED_STS_SESSIONS, before.expired_ms).await?,
            }
        })
    }
}
