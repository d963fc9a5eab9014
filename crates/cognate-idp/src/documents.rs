//! Moving between wire types and the JSON documents the store keeps.
//!
//! Stored documents use AWS's member names, so the conversion is serde in both directions;
//! a failure here means a stored document no longer fits the model, which is a bug.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use cognate_wire::{ApiError, Timestamp};

use crate::errors::internal;

pub fn to_document<T: Serialize>(value: &T) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(|e| internal("encoding a document", e))
}

pub fn to_object<T: Serialize>(value: &T) -> Result<Map<String, Value>, ApiError> {
    match to_document(value)? {
        Value::Object(object) => Ok(object),
        _ => Ok(Map::new()),
    }
}

pub fn from_document<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|e| internal("decoding a stored document", e))
}

/// Epoch milliseconds as the wire's epoch-seconds timestamp.
pub fn timestamp(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms)
}

/// The same, as a JSON value, for documents assembled as JSON.
pub fn timestamp_value(ms: i64) -> Value {
    serde_json::to_value(Timestamp::from_millis(ms)).unwrap_or(Value::Null)
}
