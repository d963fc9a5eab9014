//! App clients and their secrets.

use async_trait::async_trait;
use serde_json::Value;

use crate::{Page, PageRequest, StoreError};

/// An app client of a user pool.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientRecord {
    /// Owning pool.
    pub pool_id: String,
    /// Unique across all pools: sign-in requests name only the client id.
    pub client_id: String,
    /// `ClientName`.
    pub name: String,
    /// Creation time, epoch milliseconds.
    pub created_ms: i64,
    /// Last modification time, epoch milliseconds.
    pub modified_ms: i64,
    /// The client's configuration in AWS's shape; opaque to the store.
    pub settings: Value,
}

/// One secret of an app client, sealed before it reaches the store.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientSecretRecord {
    /// Owning pool.
    pub pool_id: String,
    /// Owning client.
    pub client_id: String,
    /// `ClientSecretId`, unique within the client.
    pub secret_id: String,
    /// The secret sealed by `cognate-crypto`; never plaintext.
    pub sealed_secret: Vec<u8>,
    /// Creation time, epoch milliseconds.
    pub created_ms: i64,
}

/// App clients and their secrets.
#[async_trait]
pub trait ClientStore: Send + Sync {
    /// `Conflict(ClientId)` if the id exists in any pool; `NotFound` if the pool is gone.
    async fn create_client(&self, client: &ClientRecord) -> Result<(), StoreError>;

    /// The client if it exists in that pool.
    async fn get_client(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> Result<Option<ClientRecord>, StoreError>;

    /// The client by id alone, for requests that name no pool (sign-in, OAuth).
    async fn find_client(&self, client_id: &str) -> Result<Option<ClientRecord>, StoreError>;

    /// The pool's clients ordered by client id.
    async fn list_clients(
        &self,
        pool_id: &str,
        page: &PageRequest,
    ) -> Result<Page<ClientRecord>, StoreError>;

    /// Replaces name, modification time and settings. `NotFound` if gone.
    async fn update_client(&self, client: &ClientRecord) -> Result<(), StoreError>;

    /// Deletes the client, its secrets and the pool documents keyed by its id.
    /// `NotFound` if absent.
    async fn delete_client(&self, pool_id: &str, client_id: &str) -> Result<(), StoreError>;

    /// Adds a secret unless the client already has `max_per_client`
    /// (`Conflict(ClientSecretLimit)`), checked and written atomically.
    /// `NotFound` if the client is gone.
    async fn add_client_secret(
        &self,
        secret: &ClientSecretRecord,
        max_per_client: usize,
    ) -> Result<(), StoreError>;

    /// The client's secrets, oldest first. `NotFound` if the client is gone.
    async fn list_client_secrets(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> Result<Vec<ClientSecretRecord>, StoreError>;

    /// `NotFound` if the secret (or client) does not exist.
    async fn delete_client_secret(
        &self,
        pool_id: &str,
        client_id: &str,
        secret_id: &str,
    ) -> Result<(), StoreError>;

    /// Number of clients in the pool.
    async fn count_clients(&self, pool_id: &str) -> Result<u64, StoreError>;
}
