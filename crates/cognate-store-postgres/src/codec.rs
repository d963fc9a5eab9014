//! Column conversions shared by the record modules.

use cognate_store::{StoreError, Tags};
use serde_json::Value;
use tokio_postgres::Row;

use crate::error::col;

/// Serialises a document for a TEXT column.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Internal(format!("encoding JSON: {e}")))
}

pub(crate) fn json_col<T: serde::de::DeserializeOwned>(
    row: &Row,
    idx: usize,
) -> Result<T, StoreError> {
    let text: &str = col(row, idx)?;
    serde_json::from_str(text)
        .map_err(|e| StoreError::Internal(format!("corrupt JSON in column {idx}: {e}")))
}

pub(crate) fn value_col(row: &Row, idx: usize) -> Result<Value, StoreError> {
    json_col(row, idx)
}

pub(crate) fn tags_col(row: &Row, idx: usize) -> Result<Tags, StoreError> {
    json_col(row, idx)
}

/// Reads a `count(*)`.
pub(crate) fn count(row: &Row) -> Result<u64, StoreError> {
    let n: i64 = col(row, 0)?;
    u64::try_from(n).map_err(|_| StoreError::Internal(format!("negative count {n}")))
}

/// `NotFound` when a keyed UPDATE or DELETE touched no row.
pub(crate) fn one_row(changed: u64) -> Result<(), StoreError> {
    if changed == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// Rows to fetch for a page: one extra tells whether another page follows.
pub(crate) fn fetch_for(page: &cognate_store::PageRequest) -> i64 {
    i64::from(page.effective_limit()) + 1
}
