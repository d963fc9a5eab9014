//! The cognito-identity service: shared state every handler reads.

use std::sync::Arc;

use cognate_store::{IdentityPoolRecord, Store};
use cognate_wire::ApiError;

use crate::errors::{pool_not_found, store_failure};

/// Deployment facts the handlers need to build and check ARNs.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    pub region: String,
    pub account_id: String,
}

pub struct IdentityService {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) config: ServiceConfig,
}

impl IdentityService {
    pub fn new(store: Arc<dyn Store>, config: ServiceConfig) -> Self {
        Self { store, config }
    }

    /// The identity pool, or Cognito's ResourceNotFoundException.
    pub(crate) async fn pool(&self, pool_id: &str) -> Result<IdentityPoolRecord, ApiError> {
        self.store
            .get_identity_pool(pool_id)
            .await
            .map_err(store_failure)?
            .ok_or_else(|| pool_not_found(pool_id))
    }
}
