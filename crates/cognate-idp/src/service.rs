//! The cognito-idp service: shared state every handler reads.

use std::sync::Arc;

use cognate_crypto::envelope::Kek;
use cognate_store::Store;

/// Deployment facts the handlers need to build ids, ARNs and URLs.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    pub region: String,
    pub account_id: String,
    /// Base URL clients reach Cognate at, without a trailing slash; token issuers are
    /// `<public_url>/<userPoolId>`.
    pub public_url: String,
}

pub struct IdpService {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) kek: Arc<Kek>,
    pub(crate) config: ServiceConfig,
}

impl IdpService {
    pub fn new(store: Arc<dyn Store>, kek: Arc<Kek>, config: ServiceConfig) -> Self {
        Self { store, kek, config }
    }
}
