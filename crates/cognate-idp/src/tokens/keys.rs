//! A pool's signing keys, opened once and kept in memory for a short while.
//!
//! Several nodes may share one database, and `cognate keys rotate` changes a pool's keys
//! without telling them; so each node rereads a pool's key rows once its cached copy is
//! older than the cache lifetime (a minute by default). Rotation publishes new keys ahead
//! of their first use and keeps the old ones while tokens they signed may live, and both
//! margins count the cache lifetime in (`cognate_domain::signing_keys::RotationSchedule`),
//! so a node that learns late signs with a key every verifier still accepts.
//!
//! The cached rows carry their windows, and which key signs or verifies is decided per
//! request at the request's own time. A reread costs one query: keys already opened are
//! reused by kid, so only new keys pay for the unsealing and the PKCS#8 parse.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use cognate_crypto::envelope::Kek;
use cognate_crypto::signing::{PublicKey, SigningKey};
use cognate_domain::signing_keys::{KeyUse, KeyWindow, ScheduledKey, published_keys, signing_key};
use cognate_store::{SigningKeyRecord, Store};
use cognate_wire::ApiError;

use crate::errors::{internal, store_failure};
use crate::keys::sealing_context;

/// One key of a pool as loaded: its schedule, its public half, and its private half unless
/// it can no longer sign.
struct LoadedKey {
    key_use: KeyUse,
    window: KeyWindow,
    active: bool,
    public: PublicKey,
    private: Option<Arc<SigningKey>>,
}

impl ScheduledKey for LoadedKey {
    fn key_use(&self) -> KeyUse {
        self.key_use
    }

    fn window(&self) -> KeyWindow {
        self.window
    }

    fn enabled(&self) -> bool {
        self.active && self.private.is_some()
    }
}

/// A pool's keys as read at `loaded_ms`.
pub struct PoolKeys {
    keys: Vec<LoadedKey>,
    loaded_ms: i64,
}

impl PoolKeys {
    /// The key that signs `key_use` tokens at `now_ms`.
    pub fn signer(&self, key_use: KeyUse, now_ms: i64) -> Result<Arc<SigningKey>, ApiError> {
        signing_key(&self.keys, key_use, now_ms)
            .and_then(|key| key.private.clone())
            .ok_or_else(|| internal("signing keys", "pool has no key that may sign now"))
    }

    /// The keys a token may be signed with at `now_ms`: those published on `jwks.json`.
    pub fn verifiers(&self, now_ms: i64) -> impl Iterator<Item = &PublicKey> {
        published_keys(&self.keys, now_ms).map(|key| &key.public)
    }

    /// The published key named `kid`, if any: a retired key verifies nothing.
    pub fn verifier(&self, kid: &str, now_ms: i64) -> Option<&PublicKey> {
        self.verifiers(now_ms).find(|key| key.kid() == kid)
    }

    fn knows(&self, kid: &str) -> bool {
        self.keys.iter().any(|key| key.public.kid() == kid)
    }

    fn private(&self, kid: &str) -> Option<Arc<SigningKey>> {
        self.keys
            .iter()
            .find(|key| key.public.kid() == kid)
            .and_then(|key| key.private.clone())
    }
}

/// A token naming a kid this node has not loaded makes it reread the pool's keys at most
/// this often: enough to follow another node that learned of a rotation first, too rarely
/// for forged kids to load the database.
const UNKNOWN_KID_REREAD_MS: i64 = 1_000;

pub struct KeyCache {
    ttl_ms: i64,
    pools: RwLock<HashMap<String, Arc<PoolKeys>>>,
}

impl KeyCache {
    /// Keys are reread after `ttl_ms`.
    pub fn new(ttl_ms: i64) -> Self {
        Self {
            ttl_ms,
            pools: RwLock::default(),
        }
    }

    /// The pool's keys, reread if the cached copy is older than the cache lifetime.
    pub async fn for_pool(
        &self,
        store: &dyn Store,
        kek: &Kek,
        pool_id: &str,
        now_ms: i64,
    ) -> Result<Arc<PoolKeys>, ApiError> {
        let cached = self.read(pool_id);
        match cached {
            // A clock stepping back counts as fresh rather than forcing rereads.
            Some(keys) if now_ms.saturating_sub(keys.loaded_ms) < self.ttl_ms => Ok(keys),
            previous => self.load(store, kek, pool_id, now_ms, previous).await,
        }
    }

    /// Like [`for_pool`](Self::for_pool), but a `kid` the cached copy does not know
    /// rereads the keys (at most once a second per pool).
    pub async fn for_verifying(
        &self,
        store: &dyn Store,
        kek: &Kek,
        pool_id: &str,
        kid: &str,
        now_ms: i64,
    ) -> Result<Arc<PoolKeys>, ApiError> {
        let keys = self.for_pool(store, kek, pool_id, now_ms).await?;
        if keys.knows(kid) || now_ms.saturating_sub(keys.loaded_ms) < UNKNOWN_KID_REREAD_MS {
            return Ok(keys);
        }
        self.load(store, kek, pool_id, now_ms, Some(keys)).await
    }

    /// Drops a deleted pool's keys.
    pub fn forget(&self, pool_id: &str) {
        if let Ok(mut pools) = self.pools.write() {
            pools.remove(pool_id);
        }
    }

    /// How many pools' keys are held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.pools.read().map_or(0, |pools| pools.len())
    }

    fn read(&self, pool_id: &str) -> Option<Arc<PoolKeys>> {
        self.pools.read().ok()?.get(pool_id).cloned()
    }

    async fn load(
        &self,
        store: &dyn Store,
        kek: &Kek,
        pool_id: &str,
        now_ms: i64,
        previous: Option<Arc<PoolKeys>>,
    ) -> Result<Arc<PoolKeys>, ApiError> {
        let records = store.signing_keys(pool_id).await.map_err(store_failure)?;
        let mut keys = Vec::with_capacity(records.len());
        for record in &records {
            let window = record.window();
            // Retired keys neither sign nor verify again; leave them out.
            if !window.is_published(now_ms) {
                continue;
            }
            // A key that cannot be published must not sign either.
            let Ok(public) = PublicKey::from_jwk(&record.public_jwk) else {
                tracing::error!(pool_id, kid = %record.kid, "unreadable public signing key");
                continue;
            };
            let private = if record.active {
                let reused = previous.as_ref().and_then(|p| p.private(&record.kid));
                match reused {
                    Some(key) => Some(key),
                    None => Some(Arc::new(open(kek, pool_id, record)?)),
                }
            } else {
                None
            };
            keys.push(LoadedKey {
                key_use: record.key_use,
                window,
                active: record.active,
                public,
                private,
            });
        }
        let keys = Arc::new(PoolKeys {
            keys,
            loaded_ms: now_ms,
        });
        // Every pool has keys from its creation on, so no rows means no pool: not kept, or
        // tokens naming made-up pools would grow the cache without bound.
        if !records.is_empty()
            && let Ok(mut pools) = self.pools.write()
        {
            pools.insert(pool_id.to_owned(), keys.clone());
        }
        Ok(keys)
    }
}

fn open(kek: &Kek, pool_id: &str, record: &SigningKeyRecord) -> Result<SigningKey, ApiError> {
    let der = kek
        .open(
            &record.sealed_private_key,
            &sealing_context(pool_id, &record.kid),
        )
        .map_err(|e| internal("opening a signing key", e))?;
    SigningKey::from_pkcs8(&der, record.kid.clone())
        .map_err(|e| internal("parsing a signing key", e))
}
