//! User pools, their signing keys and pool-scoped configuration documents.

use async_trait::async_trait;
use cognate_domain::signing_keys::{KeyUse, KeyWindow, ScheduledKey};
use serde_json::Value;

use crate::{Page, PageRequest, StoreError, TagChange, Tags};

/// A user pool: indexed columns beside the canonical AWS configuration document.
#[derive(Debug, Clone, PartialEq)]
pub struct UserPoolRecord {
    /// `us-east-1_AbC123`.
    pub id: String,
    /// Not unique: Cognito allows pools with the same name.
    pub name: String,
    /// The pool's ARN.
    pub arn: String,
    /// Creation time, epoch milliseconds.
    pub created_ms: i64,
    /// Last modification time, epoch milliseconds.
    pub modified_ms: i64,
    /// The pool's configuration in AWS's shape with defaults applied; opaque to the store.
    pub settings: Value,
    /// `UserPoolTags`.
    pub tags: Tags,
}

/// One token-signing key of a pool. The private half arrives sealed.
#[derive(Debug, Clone, PartialEq)]
pub struct SigningKeyRecord {
    /// Owning pool.
    pub pool_id: String,
    /// Key id (`kid`), unique within the pool.
    pub kid: String,
    /// JWS algorithm, e.g. `RS256`.
    pub alg: String,
    /// Private key sealed by `cognate-crypto`; never plaintext.
    pub sealed_private_key: Vec<u8>,
    /// The public JWK as published on `jwks.json`.
    pub public_jwk: Value,
    /// DER certificate over the public key (SAML and `GetSigningCertificate`).
    pub certificate_der: Vec<u8>,
    /// Creation time, epoch milliseconds.
    pub created_ms: i64,
    /// Whether it may sign at all; a disabled key is still published while its window lasts.
    pub active: bool,
    /// The token type it signs.
    pub key_use: KeyUse,
    /// Signs from here on; published from creation.
    pub not_before_ms: i64,
    /// Neither signs nor is published after this; `None` until a rotation replaces it.
    pub retire_after_ms: Option<i64>,
}

impl ScheduledKey for SigningKeyRecord {
    fn key_use(&self) -> KeyUse {
        self.key_use
    }

    fn window(&self) -> KeyWindow {
        KeyWindow {
            not_before_ms: self.not_before_ms,
            retire_after_ms: self.retire_after_ms,
        }
    }

    fn enabled(&self) -> bool {
        self.active
    }
}

/// Kinds of pool-scoped documents, so every caller spells them the same way.
pub mod document_kind {
    /// `SetUICustomization`; key = client id or `ALL`.
    pub const UI_CUSTOMIZATION: &str = "ui_customization";
    /// `SetRiskConfiguration`; key = client id or `ALL`.
    pub const RISK_CONFIGURATION: &str = "risk_configuration";
    /// `SetLogDeliveryConfiguration`; key = `ALL`.
    pub const LOG_DELIVERY: &str = "log_delivery";
    /// Managed login branding; key = client id or `ALL`.
    pub const MANAGED_LOGIN_BRANDING: &str = "managed_login_branding";
}

/// The document key meaning "the whole pool" rather than one client.
pub const ALL_CLIENTS_KEY: &str = "ALL";

/// User pools and everything that belongs to a pool as a whole.
#[async_trait]
pub trait UserPoolStore: Send + Sync {
    /// Creates the pool and its first signing keys in one transaction.
    /// `Conflict(UserPoolId)` if the id is taken.
    async fn create_user_pool(
        &self,
        pool: &UserPoolRecord,
        signing_keys: &[SigningKeyRecord],
    ) -> Result<(), StoreError>;

    /// The pool, or `None`.
    async fn get_user_pool(&self, id: &str) -> Result<Option<UserPoolRecord>, StoreError>;

    /// Pools ordered by creation time, then id.
    async fn list_user_pools(&self, page: &PageRequest)
    -> Result<Page<UserPoolRecord>, StoreError>;

    /// Replaces name, modification time, settings and tags (`id`, `arn` and
    /// `created_ms` stay as stored). `NotFound` if the pool is gone.
    async fn update_user_pool(&self, pool: &UserPoolRecord) -> Result<(), StoreError>;

    /// Applies a tag change atomically and returns the resulting tags.
    /// `NotFound` if the pool is gone; `Conflict(TagLimit)` past the limit.
    async fn modify_user_pool_tags(&self, id: &str, change: &TagChange)
    -> Result<Tags, StoreError>;

    /// Deletes the pool and everything in it (keys, clients, secrets, groups,
    /// domains, resource servers, documents, users and everything theirs,
    /// outbox messages). `NotFound` if absent.
    async fn delete_user_pool(&self, id: &str) -> Result<(), StoreError>;

    /// Number of pools (for the account quota).
    async fn count_user_pools(&self) -> Result<u64, StoreError>;

    /// The pool's signing keys, oldest first. Empty if the pool does not exist.
    async fn signing_keys(&self, pool_id: &str) -> Result<Vec<SigningKeyRecord>, StoreError>;

    /// Adds `new_keys` and retires the keys they replace: every key of the pool with a use
    /// among the new keys' and no retirement time yet gets `retire_after_ms` (a time set by
    /// an earlier rotation stays, so a retention is never shortened). One transaction that
    /// locks the pool, so concurrent rotations of one pool leave one current key per use.
    /// `NotFound` if the pool is gone; `Conflict(SigningKeyId)` if a kid is taken.
    async fn rotate_signing_keys(
        &self,
        pool_id: &str,
        new_keys: &[SigningKeyRecord],
        retire_after_ms: i64,
    ) -> Result<(), StoreError>;

    /// Inserts or replaces a document. `NotFound` if the pool is gone.
    async fn put_pool_document(
        &self,
        pool_id: &str,
        kind: &str,
        key: &str,
        doc: &Value,
        now_ms: i64,
    ) -> Result<(), StoreError>;

    /// The document and its last modification time, or `None`.
    async fn get_pool_document(
        &self,
        pool_id: &str,
        kind: &str,
        key: &str,
    ) -> Result<Option<(Value, i64)>, StoreError>;

    /// Deletes a document. `NotFound` if absent.
    async fn delete_pool_document(
        &self,
        pool_id: &str,
        kind: &str,
        key: &str,
    ) -> Result<(), StoreError>;
}
