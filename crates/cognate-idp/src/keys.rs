//! A pool's token-signing keys: generated with the pool and by rotation, sealed before
//! they are stored.

use cognate_crypto::certificate::self_signed_certificate;
use cognate_crypto::envelope::Kek;
use cognate_crypto::signing::SigningKey;
use cognate_domain::Clock;
use cognate_domain::signing_keys::{KeyUse, RotationSchedule, RotationTimes};
use cognate_store::{SigningKeyRecord, Store, StoreError};
use cognate_wire::{ApiError, ErrorCode};

use crate::errors::{internal, pool_not_found, store_failure};

/// Ties a sealed key to its pool and kid, so a sealed blob copied to another row fails to open.
pub fn sealing_context(pool_id: &str, kid: &str) -> Vec<u8> {
    format!("cognate/signing-key/{pool_id}/{kid}").into_bytes()
}

/// Generates an RSA key and its certificate, to sign `key_use` tokens from `not_before_ms`
/// on. RSA key generation takes tens of milliseconds (and varies widely), so it runs on the
/// blocking pool rather than on a request thread.
pub async fn new_signing_key(
    kek: &Kek,
    pool_id: &str,
    key_use: KeyUse,
    now_ms: i64,
    not_before_ms: i64,
) -> Result<SigningKeyRecord, ApiError> {
    let common_name = pool_id.to_owned();
    let (key, certificate) = tokio::task::spawn_blocking(move || {
        let key = SigningKey::generate()?;
        let certificate = self_signed_certificate(&key, &common_name, now_ms.div_euclid(1000))?;
        Ok::<_, cognate_crypto::CryptoError>((key, certificate))
    })
    .await
    .map_err(|e| internal("signing key task", e))?
    .map_err(|e| internal("generating a signing key", e))?;
    let kid = key.kid().to_owned();
    let private = key
        .to_pkcs8_der()
        .map_err(|e| internal("encoding a signing key", e))?;
    let sealed = kek
        .seal(&private, &sealing_context(pool_id, &kid))
        .map_err(|e| internal("sealing a signing key", e))?;
    Ok(SigningKeyRecord {
        pool_id: pool_id.to_owned(),
        kid,
        alg: "RS256".into(),
        sealed_private_key: sealed,
        public_jwk: key.public_jwk(),
        certificate_der: certificate,
        created_ms: now_ms,
        active: true,
        key_use,
        not_before_ms,
        retire_after_ms: None,
    })
}

/// What a rotation did.
#[derive(Debug, Clone)]
pub struct Rotation {
    /// The new keys' ids and uses.
    pub new_keys: Vec<(String, KeyUse)>,
    pub times: RotationTimes,
}

/// Replaces the pool's ID-token and access-token keys on `schedule` (Cognate's operator
/// command; Cognito has no rotation API). The new keys are published at once and sign from
/// `times.new_not_before_ms`; the replaced keys are published until
/// `times.old_retire_after_ms`.
pub async fn rotate_signing_keys(
    store: &dyn Store,
    kek: &Kek,
    clock: &dyn Clock,
    pool_id: &str,
    schedule: &RotationSchedule,
) -> Result<Rotation, ApiError> {
    let current = store.signing_keys(pool_id).await.map_err(store_failure)?;
    if store
        .get_user_pool(pool_id)
        .await
        .map_err(store_failure)?
        .is_none()
    {
        return Err(pool_not_found(pool_id));
    }
    // Keys sealed under another key-encryption key would be unreadable to the servers:
    // prove this is their key before adding any.
    for key in current.iter().filter(|key| key.active) {
        if kek
            .open(&key.sealed_private_key, &sealing_context(pool_id, &key.kid))
            .is_err()
        {
            return Err(ApiError::new(
                ErrorCode::InternalErrorException,
                "This key-encryption key cannot open the pool's signing keys; \
                 use the servers' key (--key-encryption-key or the data directory's key file).",
            ));
        }
    }
    let generated_ms = clock.now_ms();
    let mut keys = Vec::with_capacity(KeyUse::ALL.len());
    for key_use in KeyUse::ALL {
        keys.push(new_signing_key(kek, pool_id, key_use, generated_ms, generated_ms).await?);
    }
    // Key generation can take a while; the schedule starts when the keys are stored.
    let times = schedule.plan(clock.now_ms());
    for key in &mut keys {
        key.not_before_ms = times.new_not_before_ms;
    }
    store
        .rotate_signing_keys(pool_id, &keys, times.old_retire_after_ms)
        .await
        .map_err(|error| match error {
            StoreError::NotFound => pool_not_found(pool_id),
            other => store_failure(other),
        })?;
    Ok(Rotation {
        new_keys: keys.into_iter().map(|key| (key.kid, key.key_use)).collect(),
        times,
    })
}
