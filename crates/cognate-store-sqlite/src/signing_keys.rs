//! Signing-key rows: shared by pool creation, rotation and reads.

use cognate_domain::signing_keys::KeyUse;
use cognate_store::{SigningKeyRecord, StoreError};
use rusqlite::types::Type;
use rusqlite::{OptionalExtension, Row, Transaction, params};

use crate::codec::{to_json, value_col};
use crate::error::map_err;

pub(crate) const KEY_COLUMNS: &str = "pool_id, kid, alg, sealed_private_key, public_jwk, \
     certificate_der, created_ms, active, key_use, not_before_ms, retire_after_ms";

pub(crate) fn key_from_row(row: &Row<'_>) -> rusqlite::Result<SigningKeyRecord> {
    let key_use: String = row.get(8)?;
    let key_use = KeyUse::parse(&key_use).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(8, Type::Text, "unknown key use".into())
    })?;
    Ok(SigningKeyRecord {
        pool_id: row.get(0)?,
        kid: row.get(1)?,
        alg: row.get(2)?,
        sealed_private_key: row.get(3)?,
        public_jwk: value_col(row, 4)?,
        certificate_der: row.get(5)?,
        created_ms: row.get(6)?,
        active: row.get(7)?,
        key_use,
        not_before_ms: row.get(9)?,
        retire_after_ms: row.get(10)?,
    })
}

/// Inserts keys under `pool_id`; a taken kid is `Conflict(SigningKeyId)`.
pub(crate) fn insert_keys(
    tx: &Transaction<'_>,
    pool_id: &str,
    keys: &[SigningKeyRecord],
) -> Result<(), StoreError> {
    let mut insert = tx
        .prepare_cached(&format!(
            "INSERT INTO signing_keys ({KEY_COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        ))
        .map_err(map_err)?;
    for key in keys {
        insert
            .execute(params![
                pool_id,
                key.kid,
                key.alg,
                key.sealed_private_key,
                to_json(&key.public_jwk)?,
                key.certificate_der,
                key.created_ms,
                key.active,
                key.key_use.as_str(),
                key.not_before_ms,
                key.retire_after_ms,
            ])
            .map_err(map_err)?;
    }
    Ok(())
}

/// The rotation inside the writer's transaction (SQLite has one writer, so rotations of a
/// pool are already serialised).
pub(crate) fn rotate(
    tx: &Transaction<'_>,
    pool_id: &str,
    new_keys: &[SigningKeyRecord],
    retire_after_ms: i64,
) -> Result<(), StoreError> {
    tx.prepare_cached("SELECT 1 FROM user_pools WHERE id = ?1")
        .and_then(|mut st| st.query_row([pool_id], |_| Ok(())).optional())
        .map_err(map_err)?
        .ok_or(StoreError::NotFound)?;
    let mut retire = tx
        .prepare_cached(
            "UPDATE signing_keys SET retire_after_ms = ?3
             WHERE pool_id = ?1 AND key_use = ?2 AND retire_after_ms IS NULL",
        )
        .map_err(map_err)?;
    for key_use in KeyUse::ALL {
        if new_keys.iter().any(|key| key.key_use == key_use) {
            retire
                .execute(params![pool_id, key_use.as_str(), retire_after_ms])
                .map_err(map_err)?;
        }
    }
    insert_keys(tx, pool_id, new_keys)
}
