//! The cognito-identity service: shared state every handler reads.

use std::sync::{Arc, RwLock};

use cognate_crypto::envelope::Kek;
use cognate_crypto::signing::SigningKey;
use cognate_store::{IdentityPoolRecord, IdentityRecord, Store};
use cognate_wire::ApiError;

use crate::errors::{identity_not_found, pool_not_found, store_failure};
use crate::external_sts::ExternalSts;

/// Deployment facts the handlers need to build and check ARNs, issuers and tokens.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    pub region: String,
    pub account_id: String,
    /// Base URL of the user pools' issuers (`<public_url>/<poolId>`), without a trailing
    /// slash. Its host names Cognate's own user pools in `Logins` keys.
    pub public_url: String,
    /// `iss` of the identity-pool OpenID tokens (GetOpenIdToken and the developer variant).
    pub openid_issuer: String,
}

impl ServiceConfig {
    /// The default issuer of identity-pool OpenID tokens: `<public_url>/cognito-identity`,
    /// whose keys Cognate publishes at `<issuer>/.well-known/jwks_uri` (Cognito's path).
    pub fn default_openid_issuer(public_url: &str) -> String {
        format!("{}/cognito-identity", public_url.trim_end_matches('/'))
    }
}

pub struct IdentityService {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) kek: Arc<Kek>,
    pub(crate) config: ServiceConfig,
    /// The identity-token signing key, once opened (one per deployment, never rotated yet).
    pub(crate) openid_key: RwLock<Option<Arc<SigningKey>>>,
    /// When set, GetCredentialsForIdentity gets its credentials from this STS endpoint.
    pub(crate) external_sts: Option<ExternalSts>,
}

impl IdentityService {
    pub fn new(store: Arc<dyn Store>, kek: Arc<Kek>, config: ServiceConfig) -> Self {
        Self {
            store,
            kek,
            config,
            openid_key: RwLock::new(None),
            external_sts: None,
        }
    }

    /// External STS mode (see `external_sts`): credentials come from that endpoint.
    pub fn with_external_sts(mut self, sts: ExternalSts) -> Self {
        self.external_sts = Some(sts);
        self
    }

    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    /// The identity pool, or Cognito's ResourceNotFoundException.
    pub(crate) async fn pool(&self, pool_id: &str) -> Result<IdentityPoolRecord, ApiError> {
        self.store
            .get_identity_pool(pool_id)
            .await
            .map_err(store_failure)?
            .ok_or_else(|| pool_not_found(pool_id))
    }

    /// The identity, or Cognito's ResourceNotFoundException.
    pub(crate) async fn identity(&self, identity_id: &str) -> Result<IdentityRecord, ApiError> {
        self.store
            .get_identity(identity_id)
            .await
            .map_err(store_failure)?
            .ok_or_else(|| identity_not_found(identity_id))
    }
}
