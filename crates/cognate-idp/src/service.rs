//! The cognito-idp service: shared state every handler reads.

use std::sync::Arc;

use cognate_crypto::envelope::Kek;
use cognate_crypto::keyed_hash::{DerivedKey, purpose};
use cognate_crypto::password::Hasher;
use cognate_delivery::Delivery;
use cognate_domain::lockout::LockoutPolicy;
use cognate_store::Store;

use crate::tokens::keys::KeyCache;

/// Deployment facts the handlers need to build ids, ARNs and URLs.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    pub region: String,
    pub account_id: String,
    /// Base URL clients reach Cognate at, without a trailing slash; token issuers are
    /// `<public_url>/<userPoolId>`.
    pub public_url: String,
    /// Refuse passwords on the bundled common-password blocklist when a password is set
    /// (R14). Cognito has no such list; operators may switch it off for compatibility.
    pub reject_common_passwords: bool,
    /// How long a node keeps a pool's signing keys before rereading them, so it learns of a
    /// rotation made by another process.
    pub key_cache_ms: i64,
    /// Origins, besides `https://<relying party id>` (and its subdomains) and the public
    /// URL's, from which passkeys may be registered and used (`--webauthn-origin`).
    pub webauthn_origins: Vec<String>,
}

pub struct IdpService {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) kek: Arc<Kek>,
    pub(crate) delivery: Arc<Delivery>,
    pub(crate) hasher: Arc<Hasher>,
    pub(crate) config: ServiceConfig,
    pub(crate) keys: KeyCache,
    /// Verification codes are stored only as keyed hashes under this key.
    pub(crate) code_key: DerivedKey,
    /// Refresh tokens are looked up by a keyed hash under this key.
    pub(crate) token_key: DerivedKey,
    pub(crate) lockout: LockoutPolicy,
}

impl IdpService {
    pub fn new(
        store: Arc<dyn Store>,
        kek: Arc<Kek>,
        delivery: Arc<Delivery>,
        hasher: Arc<Hasher>,
        config: ServiceConfig,
    ) -> Self {
        Self {
            code_key: kek.derive_key(purpose::CODES),
            token_key: kek.derive_key(purpose::REFRESH_TOKENS),
            store,
            kek,
            delivery,
            hasher,
            keys: KeyCache::new(config.key_cache_ms),
            config,
            lockout: LockoutPolicy::default(),
        }
    }
}
