//! Column conversions shared by the record modules.

use cognate_store::{StoreError, Tags};
use rusqlite::Row;
use rusqlite::types::Type;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Serialises a document for a TEXT column.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Internal(format!("encoding JSON: {e}")))
}

/// Reads a JSON TEXT column; corrupt JSON surfaces as a conversion error.
pub(crate) fn json_col<T: DeserializeOwned>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    serde_json::from_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
}

pub(crate) fn value_col(row: &Row<'_>, idx: usize) -> rusqlite::Result<Value> {
    json_col(row, idx)
}

pub(crate) fn tags_col(row: &Row<'_>, idx: usize) -> rusqlite::Result<Tags> {
    json_col(row, idx)
}

/// Converts a `count(*)`.
pub(crate) fn count(n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Internal(format!("negative count {n}")))
}

/// `NotFound` when a keyed UPDATE or DELETE touched no row.
pub(crate) fn one_row(changed: usize) -> Result<(), StoreError> {
    if changed == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}
