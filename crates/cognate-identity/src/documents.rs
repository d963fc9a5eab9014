//! Moving between wire types and the JSON documents the store keeps.
//!
//! Stored documents use AWS's member names, so the conversion is serde in both directions;
//! a failure here means a stored document no longer fits the model, which is a bug.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use cognate_wire::ApiError;

use crate::errors::internal;

/// A wire structure as a JSON object (members under their AWS names).
pub fn to_object<T: Serialize>(value: &T) -> Result<Map<String, Value>, ApiError> {
    match serde_json::to_value(value).map_err(|e| internal("encoding a document", e))? {
        Value::Object(object) => Ok(object),
        other => Err(internal(
            "encoding a document",
            format!("expected an object, got {other}"),
        )),
    }
}

pub fn from_object<T: DeserializeOwned>(object: Map<String, Value>) -> Result<T, ApiError> {
    serde_json::from_value(Value::Object(object))
        .map_err(|e| internal("decoding a stored document", e))
}
