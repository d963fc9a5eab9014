//! One-time codes.

use async_trait::async_trait;
use cognate_store::{CodeCheck, CodeRecord, CodeStore, StoreError, hashes_match};

use crate::PostgresStore;
use crate::codec::one_row;
use crate::db::transact;
use crate::error::col;
use crate::sql::{execute, query_opt};

#[async_trait]
impl CodeStore for PostgresStore {
    async fn put_code(&self, c: &CodeRecord) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            execute(
                &tx,
                "INSERT INTO codes (pool_id, sub, purpose, code_hash, created_ms, expires_ms,
                     attempts_left)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (pool_id, sub, purpose) DO UPDATE SET
                     code_hash = excluded.code_hash, created_ms = excluded.created_ms,
                     expires_ms = excluded.expires_ms, attempts_left = excluded.attempts_left",
                &[
                    &c.pool_id,
                    &c.sub,
                    &c.purpose,
                    &c.code_hash,
                    &c.created_ms,
                    &c.expires_ms,
                    &c.attempts_left,
                ],
            )
            .await?;
        })
    }

    async fn check_code(
        &self,
        pool_id: &str,
        sub: &str,
        purpose: &str,
        candidate_hash: &[u8],
        now_ms: i64,
    ) -> Result<CodeCheck, StoreError> {
        transact!(self.db, |tx| {
            // The row lock makes concurrent checks take turns: the second
            // sees the first one's outcome (the code gone, or one attempt
            // fewer), so a code is accepted at most once.
            let row = query_opt(
                &tx,
                "SELECT code_hash, expires_ms, attempts_left FROM codes
                 WHERE pool_id = $1 AND sub = $2 AND purpose = $3 FOR UPDATE",
                &[&pool_id, &sub, &purpose],
            )
            .await?;
            match row {
                None => CodeCheck::NoCode,
                Some(row) => {
                    let hash: Vec<u8> = col(&row, 0)?;
                    let expires_ms: i64 = col(&row, 1)?;
                    let attempts_left: i32 = col(&row, 2)?;
                    if now_ms >= expires_ms {
                        CodeCheck::Expired
                    } else if attempts_left <= 0 {
                        CodeCheck::TooManyAttempts
                    } else if hashes_match(&hash, candidate_hash) {
                        execute(
                            &tx,
                            "DELETE FROM codes WHERE pool_id = $1 AND sub = $2 AND purpose = $3",
                            &[&pool_id, &sub, &purpose],
                        )
                        .await?;
                        CodeCheck::Accepted
                    } else {
                        execute(
                            &tx,
                            "UPDATE codes SET attempts_left = attempts_left - 1
                             WHERE pool_id = $1 AND sub = $2 AND purpose = $3",
                            &[&pool_id, &sub, &purpose],
                        )
                        .await?;
                        CodeCheck::Mismatch {
                            attempts_left: attempts_left - 1,
                        }
                    }
                }
            }
        })
    }

    async fn delete_code(&self, pool_id: &str, sub: &str, purpose: &str) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            let changed = execute(
                &tx,
                "DELETE FROM codes WHERE pool_id = $1 AND sub = $2 AND purpose = $3",
                &[&pool_id, &sub, &purpose],
            )
            .await?;
            one_row(changed)?
        })
    }
}
