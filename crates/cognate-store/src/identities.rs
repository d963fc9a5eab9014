//! Identities of identity pools, the logins linked to them, the temporary credentials
//! issued for them, and the key that signs identity-pool OpenID tokens.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde_json::Value;

use crate::{Page, PageRequest, StoreError};

/// One login linked to an identity: a provider and the subject it vouches for. For a
/// user pool the provider is the identity pool's configured provider name and the subject
/// the user's `sub`; for a developer provider, its name and the developer user identifier.
/// Unique per identity pool: a login belongs to at most one identity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LoginKey {
    pub provider: String,
    pub subject: String,
}

impl LoginKey {
    pub fn new(provider: impl Into<String>, subject: impl Into<String>) -> Self {
        Self {
            provider: provider.into(),
            subject: subject.into(),
        }
    }
}

/// An identity (`<region>:<uuid>`) of an identity pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityRecord {
    pub id: String,
    pub pool_id: String,
    pub created_ms: i64,
    pub modified_ms: i64,
    /// Linked logins, ordered by provider then subject. Empty: unauthenticated.
    pub logins: Vec<LoginKey>,
    /// Set when a merge made this identity part of another: it is disabled, and its
    /// logins now belong to that identity.
    pub merged_into: Option<String>,
}

impl IdentityRecord {
    pub fn disabled(&self) -> bool {
        self.merged_into.is_some()
    }
}

/// Temporary credentials issued by the built-in STS. The access key id is the key; the
/// secret key arrives sealed and the session token only as a keyed hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsSessionRecord {
    /// `ASIA…`.
    pub access_key_id: String,
    pub sealed_secret: Vec<u8>,
    pub session_token_hash: Vec<u8>,
    pub identity_id: String,
    pub identity_pool_id: String,
    pub role_arn: String,
    /// `RoleSessionName`: `CognitoIdentityCredentials` for the enhanced flow.
    pub session_name: String,
    /// The `amr` of the identity-pool token the session was issued for.
    pub amr: Vec<String>,
    pub principal_tags: BTreeMap<String, String>,
    pub issued_ms: i64,
    pub expires_ms: i64,
}

/// The key that signs identity-pool OpenID tokens (one per deployment).
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityTokenKeyRecord {
    pub kid: String,
    pub public_jwk: Value,
    /// PKCS#8 DER sealed under the key-encryption key.
    pub sealed_private_key: Vec<u8>,
    pub created_ms: i64,
}

/// Identities, their logins, issued credentials.
#[async_trait]
pub trait IdentityStore: Send + Sync {
    /// Creates an identity with its logins. `Conflict(IdentityLogin)` if one of the logins
    /// belongs to an identity already; `NotFound` if the identity pool is gone.
    async fn create_identity(&self, identity: &IdentityRecord) -> Result<(), StoreError>;

    /// The identity, or `None`.
    async fn get_identity(&self, id: &str) -> Result<Option<IdentityRecord>, StoreError>;

    /// The identity of the pool a login is linked to, or `None`.
    async fn find_identity_by_login(
        &self,
        pool_id: &str,
        login: &LoginKey,
    ) -> Result<Option<IdentityRecord>, StoreError>;

    /// Links logins to an identity (already linked ones to it are left alone) and sets
    /// its modification time. `Conflict(IdentityLogin)` if one belongs to another
    /// identity (nothing is linked then); `NotFound` if the identity is gone.
    async fn link_logins(
        &self,
        id: &str,
        logins: &[LoginKey],
        now_ms: i64,
    ) -> Result<(), StoreError>;

    /// Removes those of `logins` linked to the identity and sets its modification time.
    /// `NotFound` if the identity is gone.
    async fn unlink_logins(
        &self,
        id: &str,
        logins: &[LoginKey],
        now_ms: i64,
    ) -> Result<(), StoreError>;

    /// Moves every login of `source_id` to `target_id` and marks the source merged into
    /// the target, atomically. `NotFound` if either is gone or they are in different pools.
    async fn merge_identities(
        &self,
        source_id: &str,
        target_id: &str,
        now_ms: i64,
    ) -> Result<(), StoreError>;

    /// The pool's identities by creation time, then id; merged ones left out if `hide_disabled`.
    async fn list_identities(
        &self,
        pool_id: &str,
        hide_disabled: bool,
        page: &PageRequest,
    ) -> Result<Page<IdentityRecord>, StoreError>;

    /// Deletes the identity and its logins. `NotFound` if absent.
    async fn delete_identity(&self, id: &str) -> Result<(), StoreError>;

    /// Stores issued credentials. `Conflict(Other)` if the access key id exists.
    async fn put_sts_session(&self, session: &StsSessionRecord) -> Result<(), StoreError>;

    /// Issued credentials by access key id, or `None`.
    async fn get_sts_session(
        &self,
        access_key_id: &str,
    ) -> Result<Option<StsSessionRecord>, StoreError>;

    /// The identity-token key: the stored one, or `candidate` stored and returned if there
    /// is none yet. Atomic, so racing nodes all end up with the same key.
    async fn identity_token_key(
        &self,
        candidate: &IdentityTokenKeyRecord,
    ) -> Result<IdentityTokenKeyRecord, StoreError>;
}
