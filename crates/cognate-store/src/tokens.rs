//! Refresh tokens, their families and revocation.

use async_trait::async_trait;

use crate::{StoreError, UserPoolRecord, UserRecord};

/// A refresh token. Only its keyed hash is stored; the hash is the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshTokenRecord {
    /// HMAC-SHA256 of the token under a KEK-derived key.
    pub token_hash: Vec<u8>,
    /// Owning pool.
    pub pool_id: String,
    /// The user it was issued to.
    pub sub: String,
    /// The client it was issued to.
    pub client_id: String,
    /// Family id: the `origin_jti` of the sign-in, kept across rotations.
    pub origin_jti: String,
    /// `auth_time` of the sign-in, epoch seconds.
    pub auth_time_s: i64,
    /// Remembered device the sign-in used, if any.
    pub device_key: Option<String>,
    /// Granted scopes, space-separated.
    pub scopes: String,
    /// Issue time, epoch milliseconds.
    pub issued_ms: i64,
    /// Absolute expiry, epoch milliseconds.
    pub expires_ms: i64,
    /// Revoked. When read, true if the token itself was revoked, its family
    /// was (RevokeToken, reuse detection), or it was issued at or before the
    /// user's `tokens_revoked_before_ms` (GlobalSignOut). Deriving it at read
    /// time means a token stored by a rotation racing a revocation on another
    /// node still comes out revoked.
    pub revoked: bool,
    /// When this token was rotated out, if it was.
    pub replaced_ms: Option<i64>,
}

/// What checking an access token needs from the store, read at once: the token-authorized
/// operations (GetUser and the others) run on every request, so one read, not three.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenSubject {
    /// The pool the token's issuer names, or `None` when it is gone.
    pub pool: Option<UserPoolRecord>,
    /// Whether the token's family (`origin_jti`) is revoked.
    pub family_revoked: bool,
    /// The token's user in that pool, or `None`.
    pub user: Option<UserRecord>,
}

/// What `rotate_refresh_token` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RotateOutcome {
    /// The old token was live: it is now replaced and the new one stored.
    Rotated,
    /// The old token was already replaced, less than the grace period ago:
    /// the new one is stored as another member of the same family.
    WithinGrace,
    /// The old token was replaced longer ago than the grace period: nothing
    /// was stored and the whole family is now revoked (reuse detection).
    Reused,
    /// The old token is revoked (see [`RefreshTokenRecord::revoked`]):
    /// nothing was stored.
    Revoked,
}

/// Refresh tokens and revocation state.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// The pool `pool_id`, whether the family `origin_jti` is revoked, and the user `sub`
    /// of that pool, read together (one round trip where the backend can).
    async fn token_subject(
        &self,
        pool_id: &str,
        sub: &str,
        origin_jti: &str,
    ) -> Result<TokenSubject, StoreError>;

    /// Stores a token. `NotFound` if the user is gone;
    /// `Conflict(RefreshToken)` if the hash exists.
    async fn insert_refresh_token(&self, token: &RefreshTokenRecord) -> Result<(), StoreError>;

    /// The token by hash, or `None`.
    async fn get_refresh_token(
        &self,
        token_hash: &[u8],
    ) -> Result<Option<RefreshTokenRecord>, StoreError>;

    /// Revokes the family (RevokeToken): every token of it, including any a
    /// concurrent rotation adds. `NotFound` if the pool holds no token of
    /// that family.
    async fn revoke_token_family(
        &self,
        pool_id: &str,
        origin_jti: &str,
        now_ms: i64,
    ) -> Result<(), StoreError>;

    /// Whether the family was revoked (RevokeToken, reuse detection, or the
    /// user's GlobalSignOut); access and ID tokens carry the family's
    /// `origin_jti` and die with it.
    async fn is_family_revoked(&self, origin_jti: &str) -> Result<bool, StoreError>;

    /// GlobalSignOut: revokes every refresh token and every token family of
    /// the user and moves the user's `tokens_revoked_before_ms` to `now_ms`,
    /// in one transaction.
    /// `NotFound` if the user is gone.
    async fn revoke_user_tokens(
        &self,
        pool_id: &str,
        sub: &str,
        now_ms: i64,
    ) -> Result<(), StoreError>;

    /// Replaces the token `old_hash` with `new` (same family) atomically:
    /// of several concurrent calls with one old token exactly one gets
    /// `Rotated`; the others see it replaced at `now_ms` and get
    /// `WithinGrace` if `grace_ms > 0`, else `Reused`. A token replaced at
    /// `t` is within grace while `now_ms - t < grace_ms`. Expiry is the
    /// caller's check (it is fixed at issue). `NotFound` if the old token
    /// does not exist; `Internal` if `new` is of another family, user or pool.
    async fn rotate_refresh_token(
        &self,
        old_hash: &[u8],
        new: &RefreshTokenRecord,
        now_ms: i64,
        grace_ms: i64,
    ) -> Result<RotateOutcome, StoreError>;
}

/// Decides a rotation from the old token as stored (its `revoked` derived as
/// on read). Backends call this between locking the old token and writing.
/// `Internal` if `new` leaves the old token's family, user or pool.
pub fn rotation_outcome(
    old: &RefreshTokenRecord,
    new: &RefreshTokenRecord,
    now_ms: i64,
    grace_ms: i64,
) -> Result<RotateOutcome, StoreError> {
    if new.origin_jti != old.origin_jti || new.pool_id != old.pool_id || new.sub != old.sub {
        return Err(StoreError::Internal(
            "a rotated refresh token must stay in its family, user and pool".into(),
        ));
    }
    Ok(if old.revoked {
        RotateOutcome::Revoked
    } else {
        match old.replaced_ms {
            None => RotateOutcome::Rotated,
            // Strictly less, and never without a grace period: a second use is then
            // reuse, even within the same millisecond or stamped a moment before the
            // rotation that beat it (a negative elapsed time).
            Some(t) if grace_ms > 0 && now_ms - t < grace_ms => RotateOutcome::WithinGrace,
            Some(_) => RotateOutcome::Reused,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(replaced_ms: Option<i64>) -> RefreshTokenRecord {
        RefreshTokenRecord {
            token_hash: b"old".to_vec(),
            pool_id: "p".into(),
            sub: "s".into(),
            client_id: "c".into(),
            origin_jti: "f".into(),
            auth_time_s: 0,
            device_key: None,
            scopes: String::new(),
            issued_ms: 0,
            expires_ms: 10_000,
            revoked: false,
            replaced_ms,
        }
    }

    #[test]
    fn grace_applies_only_when_configured_and_only_after_the_rotation() {
        let new = record(None);
        let rotate = |replaced, now, grace| rotation_outcome(&record(replaced), &new, now, grace);
        assert_eq!(rotate(None, 5, 0), Ok(RotateOutcome::Rotated));
        assert_eq!(rotate(Some(5), 5, 0), Ok(RotateOutcome::Reused));
        // A request stamped before the rotation that beat it is still a second use.
        assert_eq!(rotate(Some(5), 4, 0), Ok(RotateOutcome::Reused));
        assert_eq!(rotate(Some(5), 4, 1_000), Ok(RotateOutcome::WithinGrace));
        assert_eq!(
            rotate(Some(5), 1_004, 1_000),
            Ok(RotateOutcome::WithinGrace)
        );
        assert_eq!(rotate(Some(5), 1_005, 1_000), Ok(RotateOutcome::Reused));
    }
}
