//! Cognito identity pools (the `cognito-identity` service).

use async_trait::async_trait;
use serde_json::Value;

use crate::{Page, PageRequest, StoreError, TagChange, Tags};

/// An identity pool.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityPoolRecord {
    /// `us-east-1:<uuid>`.
    pub id: String,
    /// Not unique: Cognito allows identity pools with the same name.
    pub name: String,
    /// Creation time, epoch milliseconds.
    pub created_ms: i64,
    /// Last modification time, epoch milliseconds.
    pub modified_ms: i64,
    /// The configuration in AWS's shape; opaque to the store.
    pub settings: Value,
    /// `IdentityPoolTags`.
    pub tags: Tags,
}

/// Identity pools.
#[async_trait]
pub trait IdentityPoolStore: Send + Sync {
    /// `Conflict(IdentityPoolId)` if the id is taken.
    async fn create_identity_pool(&self, pool: &IdentityPoolRecord) -> Result<(), StoreError>;

    /// The identity pool, or `None`.
    async fn get_identity_pool(&self, id: &str) -> Result<Option<IdentityPoolRecord>, StoreError>;

    /// Identity pools ordered by creation time, then id.
    async fn list_identity_pools(
        &self,
        page: &PageRequest,
    ) -> Result<Page<IdentityPoolRecord>, StoreError>;

    /// Replaces name, modification time, settings and tags. `NotFound` if gone.
    async fn update_identity_pool(&self, pool: &IdentityPoolRecord) -> Result<(), StoreError>;

    /// Applies a tag change atomically and returns the resulting tags.
    async fn modify_identity_pool_tags(
        &self,
        id: &str,
        change: &TagChange,
    ) -> Result<Tags, StoreError>;

    /// `NotFound` if absent.
    async fn delete_identity_pool(&self, id: &str) -> Result<(), StoreError>;

    /// Number of identity pools (for the account quota).
    async fn count_identity_pools(&self) -> Result<u64, StoreError>;
}
