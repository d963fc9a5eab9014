//! Refresh tokens, families and revocation.

use async_trait::async_trait;
use cognate_store::{
    RefreshTokenRecord, RotateOutcome, StoreError, TokenStore, TokenSubject, rotation_outcome,
};
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use crate::PostgresStore;
use crate::codec::one_row;
use crate::db::{read, transact};
use crate::error::col;
use crate::sql::{execute, query_opt};

/// A token as read: `revoked` is derived from the token's own flag, its
/// family and the user's GlobalSignOut instant (see `RefreshTokenRecord`),
/// so a token a rotation stored while another node revoked is still revoked.
macro_rules! select_token {
    ($lock:expr) => {
        concat!(
            "SELECT t.token_hash, t.pool_id, t.sub, t.client_id, t.origin_jti,
                    t.auth_time_s, t.device_key, t.scopes, t.issued_ms, t.expires_ms,
                    t.revoked
                    OR EXISTS (SELECT 1 FROM revoked_token_families f
                               WHERE f.origin_jti = t.origin_jti)
                    OR t.issued_ms <= coalesce(
                        (SELECT u.tokens_revoked_before_ms FROM users u
                         WHERE u.pool_id = t.pool_id AND u.sub = t.sub), t.issued_ms),
                    t.replaced_ms
             FROM refresh_tokens t WHERE t.token_hash = $1",
            $lock
        )
    };
}

fn token_from_row(row: &Row) -> Result<RefreshTokenRecord, StoreError> {
    Ok(RefreshTokenRecord {
        token_hash: col(row, 0)?,
        pool_id: col(row, 1)?,
        sub: col(row, 2)?,
        client_id: col(row, 3)?,
        origin_jti: col(row, 4)?,
        auth_time_s: col(row, 5)?,
        device_key: col(row, 6)?,
        scopes: col(row, 7)?,
        issued_ms: col(row, 8)?,
        expires_ms: col(row, 9)?,
        revoked: col(row, 10)?,
        replaced_ms: col(row, 11)?,
    })
}

async fn insert_token<C: GenericClient>(c: &C, t: &RefreshTokenRecord) -> Result<(), StoreError> {
    execute(
        c,
        "INSERT INTO refresh_tokens (token_hash, pool_id, sub, client_id, origin_jti,
             auth_time_s, device_key, scopes, issued_ms, expires_ms, revoked, replaced_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        &[
            &t.token_hash,
            &t.pool_id,
            &t.sub,
            &t.client_id,
            &t.origin_jti,
            &t.auth_time_s,
            &t.device_key,
            &t.scopes,
            &t.issued_ms,
            &t.expires_ms,
            &t.revoked,
            &t.replaced_ms,
        ],
    )
    .await?;
    Ok(())
}

/// Records the family as revoked and flags its tokens; `false` if the pool
/// holds no token of it.
async fn revoke_family<C: GenericClient>(
    c: &C,
    pool_id: &str,
    origin_jti: &str,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let Some(owner) = query_opt(
        c,
        "SELECT sub FROM refresh_tokens WHERE origin_jti = $1 AND pool_id = $2 LIMIT 1",
        &[&origin_jti, &pool_id],
    )
    .await?
    else {
        return Ok(false);
    };
    let sub: String = col(&owner, 0)?;
    execute(
        c,
        "INSERT INTO revoked_token_families (origin_jti, pool_id, sub, revoked_ms)
         VALUES ($1, $2, $3, $4) ON CONFLICT (origin_jti) DO NOTHING",
        &[&origin_jti, &pool_id, &sub, &now_ms],
    )
    .await?;
    execute(
        c,
        "UPDATE refresh_tokens SET revoked = true
         WHERE origin_jti = $1 AND pool_id = $2 AND NOT revoked",
        &[&origin_jti, &pool_id],
    )
    .await?;
    Ok(true)
}

async fn family_revoked<C: GenericClient>(c: &C, origin_jti: &str) -> Result<bool, StoreError> {
    Ok(query_opt(
        c,
        "SELECT 1 FROM revoked_token_families WHERE origin_jti = $1",
        &[&origin_jti],
    )
    .await?
    .is_some())
}

#[async_trait]
impl TokenStore for PostgresStore {
    async fn insert_refresh_token(&self, token: &RefreshTokenRecord) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            insert_token(&tx, token).await?;
        })
    }

    async fn get_refresh_token(
        &self,
        token_hash: &[u8],
    ) -> Result<Option<RefreshTokenRecord>, StoreError> {
        read!(self.db, |client| {
            query_opt(&client, select_token!(""), &[&token_hash])
                .await?
                .as_ref()
                .map(token_from_row)
                .transpose()?
        })
    }

    async fn revoke_token_family(
        &self,
        pool_id: &str,
        origin_jti: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            if !revoke_family(&tx, pool_id, origin_jti, now_ms).await? {
                return Err(StoreError::NotFound);
            }
        })
    }

    async fn is_family_revoked(&self, origin_jti: &str) -> Result<bool, StoreError> {
        read!(self.db, |client| {
            family_revoked(&client, origin_jti).await?
        })
    }

    async fn token_subject(
        &self,
        pool_id: &str,
        sub: &str,
        origin_jti: &str,
    ) -> Result<TokenSubject, StoreError> {
        read!(self.db, |client| {
            // Issued together on one connection, the three queries are pipelined: one
            // round trip's wait instead of three. They run outside a transaction, so they
            // may see different commits; each answer is as fresh as one read would be.
            let (pool, family_revoked, user) = tokio::try_join!(
                crate::pools::get_pool(&client, pool_id),
                family_revoked(&client, origin_jti),
                crate::users::user_by_sub(&client, pool_id, sub),
            )?;
            TokenSubject {
                pool,
                family_revoked,
                user,
            }
        })
    }

    async fn revoke_user_tokens(
        &self,
        pool_id: &str,
        sub: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            let changed = execute(
                &tx,
                "UPDATE users SET tokens_revoked_before_ms = GREATEST(tokens_revoked_before_ms, $3)
                 WHERE pool_id = $1 AND sub = $2",
                &[&pool_id, &sub, &now_ms],
            )
            .await?;
            one_row(changed)?;
            // Every family is revoked too, so access-token checks by origin_jti see the
            // sign-out with millisecond precision (a token's iat has only seconds).
            execute(
                &tx,
                "INSERT INTO revoked_token_families (origin_jti, pool_id, sub, revoked_ms)
                 SELECT DISTINCT origin_jti, pool_id, sub, $3::BIGINT FROM refresh_tokens
                 WHERE pool_id = $1 AND sub = $2
                 ON CONFLICT (origin_jti) DO NOTHING",
                &[&pool_id, &sub, &now_ms],
            )
            .await?;
            execute(
                &tx,
                "UPDATE refresh_tokens SET revoked = true
                 WHERE pool_id = $1 AND sub = $2 AND NOT revoked",
                &[&pool_id, &sub],
            )
            .await?;
        })
    }

    async fn rotate_refresh_token(
        &self,
        old_hash: &[u8],
        new: &RefreshTokenRecord,
        now_ms: i64,
        grace_ms: i64,
    ) -> Result<RotateOutcome, StoreError> {
        transact!(self.db, |tx| {
            // The row lock makes racing rotations of one token take turns;
            // the later ones read the token as the first left it (replaced).
            let old = query_opt(&tx, select_token!(" FOR UPDATE OF t"), &[&old_hash])
                .await?
                .as_ref()
                .map(token_from_row)
                .transpose()?
                .ok_or(StoreError::NotFound)?;
            let outcome = rotation_outcome(&old, new, now_ms, grace_ms)?;
            match outcome {
                RotateOutcome::Rotated => {
                    execute(
                        &tx,
                        "UPDATE refresh_tokens SET replaced_ms = $2 WHERE token_hash = $1",
                        &[&old_hash, &now_ms],
                    )
                    .await?;
                    insert_token(&tx, new).await?;
                }
                RotateOutcome::WithinGrace => insert_token(&tx, new).await?,
                RotateOutcome::Reused => {
                    revoke_family(&tx, &old.pool_id, &old.origin_jti, now_ms).await?;
                }
                RotateOutcome::Revoked => {}
            }
            outcome
        })
    }
}
