//! A pool's token-signing key: generated with the pool, sealed before it is stored.

use cognate_crypto::certificate::self_signed_certificate;
use cognate_crypto::envelope::Kek;
use cognate_crypto::signing::SigningKey;
use cognate_store::SigningKeyRecord;
use cognate_wire::ApiError;

use crate::errors::internal;

/// Ties a sealed key to its pool and kid, so a sealed blob copied to another row fails to open.
pub fn sealing_context(pool_id: &str, kid: &str) -> Vec<u8> {
    format!("cognate/signing-key/{pool_id}/{kid}").into_bytes()
}

/// Generates an RSA key and its certificate. RSA key generation takes tens of milliseconds
/// (and varies widely), so it runs on the blocking pool rather than on a request thread.
pub async fn new_signing_key(
    kek: &Kek,
    pool_id: &str,
    now_ms: i64,
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
    })
}
