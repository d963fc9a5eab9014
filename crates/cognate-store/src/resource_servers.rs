//! OAuth resource servers and their custom scopes.

use async_trait::async_trait;
use serde_json::Value;

use crate::{Page, PageRequest, StoreError};

/// A resource server of a user pool.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceServerRecord {
    /// Owning pool.
    pub pool_id: String,
    /// `Identifier`, unique within the pool.
    pub identifier: String,
    /// `Name`.
    pub name: String,
    /// `Scopes` in AWS's shape; opaque to the store.
    pub scopes: Value,
    /// Creation time, epoch milliseconds.
    pub created_ms: i64,
    /// Last modification time, epoch milliseconds.
    pub modified_ms: i64,
}

/// OAuth resource servers.
#[async_trait]
pub trait ResourceServerStore: Send + Sync {
    /// `Conflict(ResourceServerIdentifier)` if taken in the pool; `NotFound` if the pool is gone.
    async fn create_resource_server(&self, server: &ResourceServerRecord)
    -> Result<(), StoreError>;

    /// The resource server, or `None`.
    async fn get_resource_server(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> Result<Option<ResourceServerRecord>, StoreError>;

    /// The pool's resource servers ordered by identifier.
    async fn list_resource_servers(
        &self,
        pool_id: &str,
        page: &PageRequest,
    ) -> Result<Page<ResourceServerRecord>, StoreError>;

    /// Replaces name, scopes and modification time. `NotFound` if gone.
    async fn update_resource_server(&self, server: &ResourceServerRecord)
    -> Result<(), StoreError>;

    /// `NotFound` if absent.
    async fn delete_resource_server(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> Result<(), StoreError>;

    /// Number of resource servers in the pool.
    async fn count_resource_servers(&self, pool_id: &str) -> Result<u64, StoreError>;
}
