//! One-time codes.

use async_trait::async_trait;
use cognate_store::{CodeCheck, CodeRecord, CodeStore, StoreError, hashes_match};
use rusqlite::{OptionalExtension, params};

use crate::SqliteStore;
use crate::codec::one_row;
use crate::error::map_err;

#[async_trait]
impl CodeStore for SqliteStore {
    async fn put_code(&self, code: &CodeRecord) -> Result<(), StoreError> {
        let c = code.clone();
        self.db
            .write(move |tx| {
                tx.prepare_cached(
                    "INSERT INTO codes (pool_id, sub, purpose, code_hash, created_ms, expires_ms,
                         attempts_left)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (pool_id, sub, purpose) DO UPDATE SET
                         code_hash = excluded.code_hash, created_ms = excluded.created_ms,
                         expires_ms = excluded.expires_ms, attempts_left = excluded.attempts_left",
                )
                .and_then(|mut st| {
                    st.execute(params![
                        c.pool_id,
                        c.sub,
                        c.purpose,
                        c.code_hash,
                        c.created_ms,
                        c.expires_ms,
                        c.attempts_left
                    ])
                })
                .map_err(map_err)?;
                Ok(())
            })
            .await
    }

    async fn check_code(
        &self,
        pool_id: &str,
        sub: &str,
        purpose: &str,
        candidate_hash: &[u8],
        now_ms: i64,
    ) -> Result<CodeCheck, StoreError> {
        let (pool_id, sub, purpose) = (pool_id.to_owned(), sub.to_owned(), purpose.to_owned());
        let candidate = candidate_hash.to_vec();
        // A write transaction from the start: BEGIN IMMEDIATE holds the
        // database lock across read and write, so two checks take turns and
        // only one can see (and consume) a matching code.
        self.db
            .write(move |tx| {
                let found: Option<(Vec<u8>, i64, i32)> = tx
                    .prepare_cached(
                        "SELECT code_hash, expires_ms, attempts_left FROM codes
                         WHERE pool_id = ?1 AND sub = ?2 AND purpose = ?3",
                    )
                    .and_then(|mut st| {
                        st.query_row(params![pool_id, sub, purpose], |r| {
                            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                        })
                        .optional()
                    })
                    .map_err(map_err)?;
                let Some((hash, expires_ms, attempts_left)) = found else {
                    return Ok(CodeCheck::NoCode);
                };
                if now_ms >= expires_ms {
                    return Ok(CodeCheck::Expired);
                }
                if attempts_left <= 0 {
                    return Ok(CodeCheck::TooManyAttempts);
                }
                if hashes_match(&hash, &candidate) {
                    tx.prepare_cached(
                        "DELETE FROM codes WHERE pool_id = ?1 AND sub = ?2 AND purpose = ?3",
                    )
                    .and_then(|mut st| st.execute(params![pool_id, sub, purpose]))
                    .map_err(map_err)?;
                    return Ok(CodeCheck::Accepted);
                }
                tx.prepare_cached(
                    "UPDATE codes SET attempts_left = attempts_left - 1
                     WHERE pool_id = ?1 AND sub = ?2 AND purpose = ?3",
                )
                .and_then(|mut st| st.execute(params![pool_id, sub, purpose]))
                .map_err(map_err)?;
                Ok(CodeCheck::Mismatch {
                    attempts_left: attempts_left - 1,
                })
            })
            .await
    }

    async fn delete_code(&self, pool_id: &str, sub: &str, purpose: &str) -> Result<(), StoreError> {
        let (pool_id, sub, purpose) = (pool_id.to_owned(), sub.to_owned(), purpose.to_owned());
        self.db
            .write(move |tx| {
                let changed = tx
                    .prepare_cached(
                        "DELETE FROM codes WHERE pool_id = ?1 AND sub = ?2 AND purpose = ?3",
                    )
                    .and_then(|mut st| st.execute(params![pool_id, sub, purpose]))
                    .map_err(map_err)?;
                one_row(changed)
            })
            .await
    }
}
