//! A pool's signing keys, opened once and kept in memory.
//!
//! Keys never change once created (rotation adds a new kid), so caching them on every node
//! is safe; only the first request for a pool pays for the database read, the unsealing and
//! the PKCS#8 parse.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use cognate_crypto::envelope::Kek;
use cognate_crypto::signing::{PublicKey, SigningKey};
use cognate_store::Store;
use cognate_wire::ApiError;

use crate::errors::{internal, store_failure};
use crate::keys::sealing_context;

/// The two keys a pool signs with: ID tokens with the first, access tokens with the second,
/// as Cognito uses a different `kid` for each token type.
pub struct PoolKeys {
    pub id_token: Arc<SigningKey>,
    pub access_token: Arc<SigningKey>,
    /// Every key of the pool, for verification.
    pub public: Vec<PublicKey>,
}

#[derive(Default)]
pub struct KeyCache {
    pools: RwLock<HashMap<String, Arc<PoolKeys>>>,
}

impl KeyCache {
    pub async fn for_pool(
        &self,
        store: &dyn Store,
        kek: &Kek,
        pool_id: &str,
    ) -> Result<Arc<PoolKeys>, ApiError> {
        if let Some(keys) = self.read(pool_id) {
            return Ok(keys);
        }
        let records = store.signing_keys(pool_id).await.map_err(store_failure)?;
        let mut signing = Vec::new();
        for record in records.iter().filter(|record| record.active) {
            let der = kek
                .open(
                    &record.sealed_private_key,
                    &sealing_context(pool_id, &record.kid),
                )
                .map_err(|e| internal("opening a signing key", e))?;
            let key = SigningKey::from_pkcs8(&der, record.kid.clone())
                .map_err(|e| internal("parsing a signing key", e))?;
            signing.push(Arc::new(key));
        }
        let (Some(id_token), Some(access_token)) =
            (signing.first(), signing.get(1).or(signing.first()))
        else {
            return Err(internal("signing keys", "pool has no active signing key"));
        };
        let public = records
            .iter()
            .filter_map(|record| PublicKey::from_jwk(&record.public_jwk).ok())
            .collect();
        let keys = Arc::new(PoolKeys {
            id_token: id_token.clone(),
            access_token: access_token.clone(),
            public,
        });
        if let Ok(mut pools) = self.pools.write() {
            pools.insert(pool_id.to_owned(), keys.clone());
        }
        Ok(keys)
    }

    /// Drops a deleted pool's keys.
    pub fn forget(&self, pool_id: &str) {
        if let Ok(mut pools) = self.pools.write() {
            pools.remove(pool_id);
        }
    }

    fn read(&self, pool_id: &str) -> Option<Arc<PoolKeys>> {
        self.pools.read().ok()?.get(pool_id).cloned()
    }
}
