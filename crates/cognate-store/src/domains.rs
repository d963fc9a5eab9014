//! User pool domains (prefix and custom).

use async_trait::async_trait;
use serde_json::Value;

use crate::StoreError;

/// A domain that serves a pool's hosted pages and OAuth endpoints.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainRecord {
    /// The prefix or the custom FQDN; unique across all pools.
    pub domain: String,
    /// Owning pool.
    pub pool_id: String,
    /// True for a custom domain (`CustomDomainConfig` given), false for a prefix.
    /// A pool may hold one of each.
    pub custom: bool,
    /// `CustomDomainConfig`, `ManagedLoginVersion` and the like; opaque to the store.
    pub settings: Value,
    /// Creation time, epoch milliseconds.
    pub created_ms: i64,
    /// Last modification time, epoch milliseconds.
    pub modified_ms: i64,
}

/// User pool domains.
#[async_trait]
pub trait DomainStore: Send + Sync {
    /// `Conflict(Domain)` if the name is taken anywhere; `Conflict(PoolHasDomain)` if
    /// the pool already has a domain of that kind; `NotFound` if the pool is gone.
    async fn create_domain(&self, domain: &DomainRecord) -> Result<(), StoreError>;

    /// The domain by name (the `Host` header lookup), or `None`.
    async fn get_domain(&self, domain: &str) -> Result<Option<DomainRecord>, StoreError>;

    /// The pool's domains: the prefix domain first, then the custom one.
    async fn domains_for_pool(&self, pool_id: &str) -> Result<Vec<DomainRecord>, StoreError>;

    /// Replaces settings and modification time (name, pool and kind stay).
    /// `NotFound` if gone.
    async fn update_domain(&self, domain: &DomainRecord) -> Result<(), StoreError>;

    /// `NotFound` if absent.
    async fn delete_domain(&self, domain: &str) -> Result<(), StoreError>;
}
