//! The steps `dispatch` runs around a handler: body → JSON → validation → typed input, and
//! typed output → body. Only the last step of each direction is generic, so the code each
//! operation adds to the binary stays small.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::validate::{self, Input};
use crate::{ApiError, ErrorCode};

/// Parses, validates and deserialises an operation's input.
pub fn decode<T: Input>(body: &[u8]) -> Result<T, ApiError> {
    let value = parse_and_validate(body, T::shape())?;
    from_value(value)
}

/// For an operation without input: the body must still be a JSON object.
pub fn decode_empty(body: &[u8]) -> Result<(), ApiError> {
    parse_object(body).map(drop)
}

pub fn encode<T: Serialize>(output: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(output).map_err(|_| ApiError::internal())
}

/// The body of an operation that has no output shape.
pub fn encode_unit() -> Vec<u8> {
    b"{}".to_vec()
}

pub fn unknown_operation(operation: &str) -> ApiError {
    // Echo the name back only when it looks like one, so the message never carries
    // arbitrary header content.
    let plain = !operation.is_empty()
        && operation.len() <= 64
        && operation.bytes().all(|b| b.is_ascii_alphanumeric());
    let message = if plain {
        format!("Unknown operation {operation}.")
    } else {
        "Unknown operation.".to_string()
    };
    ApiError::new(ErrorCode::UnknownOperationException, message)
}

fn parse_and_validate(body: &[u8], shape: &'static validate::Shape) -> Result<Value, ApiError> {
    let value = parse_object(body)?;
    let errors = validate::validate(shape, &value);
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(ApiError::invalid_parameter(
            validate::render_validation_message(&errors),
        ))
    }
}

fn parse_object(body: &[u8]) -> Result<Value, ApiError> {
    // AWS SDKs send no body at all for an input without members.
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(serde_json::Map::new()));
    }
    // serde_json's syntax errors name a line and column, never the content.
    let value: Value = serde_json::from_slice(body).map_err(|err| {
        ApiError::serialization(format!("The request body is not valid JSON: {err}."))
    })?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(ApiError::serialization(
            "The request body must be a JSON object.",
        ))
    }
}

fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let problem = without_values(&err.inner().to_string());
        ApiError::serialization(format!("Cannot read member '{path}': {problem}."))
    })
}

/// serde's messages quote the offending value (`invalid type: string "hunter2", expected
/// i32`); the value may be a secret, so every quoted part is dropped.
fn without_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    match (escaped, c) {
                        (true, _) => escaped = false,
                        (false, '\\') => escaped = true,
                        (false, '"') => break,
                        _ => {}
                    }
                }
            }
            '`' => {
                for c in chars.by_ref() {
                    if c == '`' {
                        break;
                    }
                }
            }
            _ => out.push(c),
        }
    }
    out.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" ,", ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_are_dropped() {
        assert_eq!(
            without_values("invalid type: string \"hun\\\"ter2\", expected i32"),
            "invalid type: string, expected i32"
        );
        assert_eq!(
            without_values("invalid value: integer `300`, expected u8"),
            "invalid value: integer, expected u8"
        );
    }

    #[test]
    fn unknown_operation_echoes_only_plain_names() {
        assert_eq!(unknown_operation("Nope").message, "Unknown operation Nope.");
        assert_eq!(unknown_operation("<script>").message, "Unknown operation.");
    }
}
