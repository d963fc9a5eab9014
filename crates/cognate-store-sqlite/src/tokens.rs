//! Refresh tokens, families and revocation.

use async_trait::async_trait;
use cognate_store::{
    RefreshTokenRecord, RotateOutcome, StoreError, TokenStore, TokenSubject, rotation_outcome,
};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::SqliteStore;
use crate::codec::one_row;
use crate::error::map_err;

/// A token as read: `revoked` is derived from the token's own flag, its
/// family and the user's GlobalSignOut instant (see `RefreshTokenRecord`).
const TOKEN_SELECT: &str = "SELECT t.token_hash, t.pool_id, t.sub, t.client_id, t.origin_jti,
        t.auth_time_s, t.device_key, t.scopes, t.issued_ms, t.expires_ms,
        t.revoked
        OR EXISTS (SELECT 1 FROM revoked_token_families f WHERE f.origin_jti = t.origin_jti)
        OR t.issued_ms <= coalesce(
            (SELECT u.tokens_revoked_before_ms FROM users u
             WHERE u.pool_id = t.pool_id AND u.sub = t.sub), t.issued_ms),
        t.replaced_ms
    FROM refresh_tokens t WHERE t.token_hash = ?1";

fn token_from_row(row: &Row<'_>) -> rusqlite::Result<RefreshTokenRecord> {
    Ok(RefreshTokenRecord {
        token_hash: row.get(0)?,
        pool_id: row.get(1)?,
        sub: row.get(2)?,
        client_id: row.get(3)?,
        origin_jti: row.get(4)?,
        auth_time_s: row.get(5)?,
        device_key: row.get(6)?,
        scopes: row.get(7)?,
        issued_ms: row.get(8)?,
        expires_ms: row.get(9)?,
        revoked: row.get(10)?,
        replaced_ms: row.get(11)?,
    })
}

fn family_revoked(conn: &Connection, origin_jti: &str) -> Result<bool, StoreError> {
    conn.prepare_cached("SELECT 1 FROM revoked_token_families WHERE origin_jti = ?1")
        .and_then(|mut st| st.exists([origin_jti]))
        .map_err(map_err)
}

fn get_token(conn: &Connection, hash: &[u8]) -> Result<Option<RefreshTokenRecord>, StoreError> {
    conn.prepare_cached(TOKEN_SELECT)
        .and_then(|mut st| st.query_row([hash], token_from_row).optional())
        .map_err(map_err)
}

fn insert_token(conn: &Connection, t: &RefreshTokenRecord) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO refresh_tokens (token_hash, pool_id, sub, client_id, origin_jti,
             auth_time_s, device_key, scopes, issued_ms, expires_ms, revoked, replaced_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )
    .and_then(|mut st| {
        st.execute(params![
            t.token_hash,
            t.pool_id,
            t.sub,
            t.client_id,
            t.origin_jti,
            t.auth_time_s,
            t.device_key,
            t.scopes,
            t.issued_ms,
            t.expires_ms,
            t.revoked,
            t.replaced_ms
        ])
    })
    .map_err(map_err)?;
    Ok(())
}

/// Records the family as revoked and flags its tokens; `false` if the pool
/// holds no token of it.
fn revoke_family(
    conn: &Connection,
    pool_id: &str,
    origin_jti: &str,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let owner: Option<String> = conn
        .prepare_cached(
            "SELECT sub FROM refresh_tokens WHERE origin_jti = ?1 AND pool_id = ?2 LIMIT 1",
        )
        .and_then(|mut st| {
            st.query_row(params![origin_jti, pool_id], |r| r.get(0))
                .optional()
        })
        .map_err(map_err)?;
    let Some(sub) = owner else {
        return Ok(false);
    };
    conn.prepare_cached(
        "INSERT INTO revoked_token_families (origin_jti, pool_id, sub, revoked_ms)
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (origin_jti) DO NOTHING",
    )
    .and_then(|mut st| st.execute(params![origin_jti, pool_id, sub, now_ms]))
    .map_err(map_err)?;
    conn.prepare_cached(
        "UPDATE refresh_tokens SET revoked = 1
         WHERE origin_jti = ?1 AND pool_id = ?2 AND revoked = 0",
    )
    .and_then(|mut st| st.execute(params![origin_jti, pool_id]))
    .map_err(map_err)?;
    Ok(true)
}

#[async_trait]
impl TokenStore for SqliteStore {
    async fn insert_refresh_token(&self, token: &RefreshTokenRecord) -> Result<(), StoreError> {
        let t = token.clone();
        self.db.write(move |tx| insert_token(tx, &t)).await
    }

    async fn get_refresh_token(
        &self,
        token_hash: &[u8],
    ) -> Result<Option<RefreshTokenRecord>, StoreError> {
        let hash = token_hash.to_vec();
        self.db.read(move |tx| get_token(tx, &hash)).await
    }

    async fn revoke_token_family(
        &self,
        pool_id: &str,
        origin_jti: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let (pool_id, origin_jti) = (pool_id.to_owned(), origin_jti.to_owned());
        self.db
            .write(move |tx| {
                if revoke_family(tx, &pool_id, &origin_jti, now_ms)? {
                    Ok(())
                } else {
                    Err(StoreError::NotFound)
                }
            })
            .await
    }

    async fn is_family_revoked(&self, origin_jti: &str) -> Result<bool, StoreError> {
        let origin_jti = origin_jti.to_owned();
        self.db
            .read(move |tx| family_revoked(tx, &origin_jti))
            .await
    }

    async fn token_subject(
        &self,
        pool_id: &str,
        sub: &str,
        origin_jti: &str,
    ) -> Result<TokenSubject, StoreError> {
        let (pool_id, sub, origin_jti) =
            (pool_id.to_owned(), sub.to_owned(), origin_jti.to_owned());
        self.db
            .read(move |tx| {
                Ok(TokenSubject {
                    pool: crate::pools::get_pool(tx, &pool_id)?,
                    family_revoked: family_revoked(tx, &origin_jti)?,
                    user: crate::users::user_by_sub(tx, &pool_id, &sub)?,
                })
            })
            .await
    }

    async fn revoke_user_tokens(
        &self,
        pool_id: &str,
        sub: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let (pool_id, sub) = (pool_id.to_owned(), sub.to_owned());
        self.db
            .write(move |tx| {
                let changed = tx
                    .prepare_cached(
                        "UPDATE users SET tokens_revoked_before_ms = max(tokens_revoked_before_ms, ?3)
                         WHERE pool_id = ?1 AND sub = ?2",
                    )
                    .and_then(|mut st| st.execute(params![pool_id, sub, now_ms]))
                    .map_err(map_err)?;
                one_row(changed)?;
                // Every family is revoked too, so access-token checks by origin_jti see the
                // sign-out with millisecond precision (a token's iat has only seconds).
                tx.prepare_cached(
                    "INSERT INTO revoked_token_families (origin_jti, pool_id, sub, revoked_ms)
                     SELECT DISTINCT origin_jti, pool_id, sub, ?3 FROM refresh_tokens
                     WHERE pool_id = ?1 AND sub = ?2
                     ON CONFLICT (origin_jti) DO NOTHING",
                )
                .and_then(|mut st| st.execute(params![pool_id, sub, now_ms]))
                .map_err(map_err)?;
                tx.prepare_cached(
                    "UPDATE refresh_tokens SET revoked = 1
                     WHERE pool_id = ?1 AND sub = ?2 AND revoked = 0",
                )
                .and_then(|mut st| st.execute(params![pool_id, sub]))
                .map_err(map_err)?;
                Ok(())
            })
            .await
    }

    async fn rotate_refresh_token(
        &self,
        old_hash: &[u8],
        new: &RefreshTokenRecord,
        now_ms: i64,
        grace_ms: i64,
    ) -> Result<RotateOutcome, StoreError> {
        let old_hash = old_hash.to_vec();
        let new = new.clone();
        // BEGIN IMMEDIATE: the read and the write below are one step for
        // every other caller, so exactly one of several racing calls sees
        // the old token unreplaced.
        self.db
            .write(move |tx| {
                let old = get_token(tx, &old_hash)?.ok_or(StoreError::NotFound)?;
                let outcome = rotation_outcome(&old, &new, now_ms, grace_ms)?;
                match outcome {
                    RotateOutcome::Rotated => {
                        tx.prepare_cached(
                            "UPDATE refresh_tokens SET replaced_ms = ?2 WHERE token_hash = ?1",
                        )
                        .and_then(|mut st| st.execute(params![old_hash, now_ms]))
                        .map_err(map_err)?;
                        insert_token(tx, &new)?;
                    }
                    RotateOutcome::WithinGrace => insert_token(tx, &new)?,
                    RotateOutcome::Reused => {
                        revoke_family(tx, &old.pool_id, &old.origin_jti, now_ms)?;
                    }
                    RotateOutcome::Revoked => {}
                }
                Ok(outcome)
            })
            .await
    }
}
