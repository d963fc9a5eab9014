//! Signing-key rows: shared by pool creation, rotation and reads.

use cognate_domain::signing_keys::KeyUse;
use cognate_store::{SigningKeyRecord, StoreError};
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use crate::codec::{to_json, value_col};
use crate::error::col;
use crate::sql::{execute, query_opt};

/// The column list every key query reads, in [`key_from_row`]'s order.
macro_rules! key_columns {
    () => {
        "pool_id, kid, alg, sealed_private_key, public_jwk, certificate_der, created_ms, \
         active, key_use, not_before_ms, retire_after_ms"
    };
}
pub(crate) use key_columns;

pub(crate) fn key_from_row(row: &Row) -> Result<SigningKeyRecord, StoreError> {
    let key_use: &str = col(row, 8)?;
    Ok(SigningKeyRecord {
        pool_id: col(row, 0)?,
        kid: col(row, 1)?,
        alg: col(row, 2)?,
        sealed_private_key: col(row, 3)?,
        public_jwk: value_col(row, 4)?,
        certificate_der: col(row, 5)?,
        created_ms: col(row, 6)?,
        active: col(row, 7)?,
        key_use: KeyUse::parse(key_use)
            .ok_or_else(|| StoreError::Internal(format!("unknown key use {key_use:?}")))?,
        not_before_ms: col(row, 9)?,
        retire_after_ms: col(row, 10)?,
    })
}

/// Inserts keys under `pool_id`; a taken kid is `Conflict(SigningKeyId)`.
pub(crate) async fn insert_keys<C: GenericClient>(
    tx: &C,
    pool_id: &str,
    keys: &[SigningKeyRecord],
) -> Result<(), StoreError> {
    for key in keys {
        execute(
            tx,
            concat!(
                "INSERT INTO signing_keys (",
                key_columns!(),
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            ),
            &[
                &pool_id,
                &key.kid,
                &key.alg,
                &key.sealed_private_key,
                &to_json(&key.public_jwk)?,
                &key.certificate_der,
                &key.created_ms,
                &key.active,
                &key.key_use.as_str(),
                &key.not_before_ms,
                &key.retire_after_ms,
            ],
        )
        .await?;
    }
    Ok(())
}

/// The rotation inside a transaction. The pool row lock serialises rotations of one pool:
/// without it, two concurrent rotations would each retire only the keys they saw, and both
/// sets of new keys would stay current.
pub(crate) async fn rotate<C: GenericClient>(
    tx: &C,
    pool_id: &str,
    new_keys: &[SigningKeyRecord],
    retire_after_ms: i64,
) -> Result<(), StoreError> {
    query_opt(
        tx,
        "SELECT 1 FROM user_pools WHERE id = $1 FOR UPDATE",
        &[&pool_id],
    )
    .await?
    .ok_or(StoreError::NotFound)?;
    for key_use in KeyUse::ALL {
        if new_keys.iter().any(|key| key.key_use == key_use) {
            execute(
                tx,
                "UPDATE signing_keys SET retire_after_ms = $3
                 WHERE pool_id = $1 AND key_use = $2 AND retire_after_ms IS NULL",
                &[&pool_id, &key_use.as_str(), &retire_after_ms],
            )
            .await?;
        }
    }
    insert_keys(tx, pool_id, new_keys).await
}
