//! The attribute schema of a pool: Cognito's standard attributes, overridable where Cognito
//! allows it, plus `custom:` attributes.

use serde_json::{Value, json};

use cognate_wire::{ApiError, ErrorCode};

/// Minimum and maximum length of a string attribute, as Cognito writes them (strings).
type StringBounds = Option<(&'static str, &'static str)>;

/// Cognito's standard attributes: name, data type and string bounds.
const STANDARD: &[(&str, &str, StringBounds)] = &[
    ("sub", "String", Some(("1", "2048"))),
    ("name", "String", Some(("0", "2048"))),
    ("given_name", "String", Some(("0", "2048"))),
    ("family_name", "String", Some(("0", "2048"))),
    ("middle_name", "String", Some(("0", "2048"))),
    ("nickname", "String", Some(("0", "2048"))),
    ("preferred_username", "String", Some(("0", "2048"))),
    ("profile", "String", Some(("0", "2048"))),
    ("picture", "String", Some(("0", "2048"))),
    ("website", "String", Some(("0", "2048"))),
    ("email", "String", Some(("0", "2048"))),
    ("email_verified", "Boolean", None),
    ("gender", "String", Some(("0", "2048"))),
    ("birthdate", "String", Some(("10", "10"))),
    ("zoneinfo", "String", Some(("0", "2048"))),
    ("locale", "String", Some(("0", "2048"))),
    ("phone_number", "String", Some(("0", "2048"))),
    ("phone_number_verified", "Boolean", None),
    ("address", "String", Some(("0", "2048"))),
    ("updated_at", "Number", None),
    ("identities", "String", None),
];

/// Most custom attributes a pool may have.
pub const MAX_CUSTOM_ATTRIBUTES: usize = 50;

fn standard_attribute(name: &str, data_type: &str, bounds: Option<(&str, &str)>) -> Value {
    let mut attribute = json!({
        "Name": name,
        "AttributeDataType": data_type,
        "DeveloperOnlyAttribute": false,
        "Mutable": name != "sub",
        "Required": name == "sub",
    });
    if let Some((min, max)) = bounds {
        attribute["StringAttributeConstraints"] = json!({ "MinLength": min, "MaxLength": max });
    }
    if name == "updated_at" {
        attribute["NumberAttributeConstraints"] = json!({ "MinValue": "0" });
    }
    attribute
}

/// The schema a new pool gets: the standard attributes with the caller's overrides, then the
/// caller's custom attributes under `custom:`.
pub fn initial_schema(requested: Option<&Value>) -> Result<Vec<Value>, ApiError> {
    let mut schema: Vec<Value> = STANDARD
        .iter()
        .map(|(name, data_type, bounds)| standard_attribute(name, data_type, *bounds))
        .collect();
    let requested = requested
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut custom = Vec::new();
    for attribute in requested {
        let name = attribute["Name"].as_str().unwrap_or_default().to_owned();
        if let Some(existing) = schema.iter_mut().find(|a| a["Name"] == name.as_str()) {
            override_standard(existing, &attribute)?;
        } else {
            custom.push(attribute);
        }
    }
    add_custom(&mut schema, custom)?;
    Ok(schema)
}

/// A standard attribute may be made required or immutable, and its bounds changed.
fn override_standard(existing: &mut Value, requested: &Value) -> Result<(), ApiError> {
    let name = existing["Name"].as_str().unwrap_or_default().to_owned();
    if let Some(data_type) = requested.get("AttributeDataType").and_then(Value::as_str)
        && existing["AttributeDataType"] != data_type
    {
        return Err(ApiError::invalid_parameter(format!(
            "Invalid AttributeDataType input, consider using the provided AttributeDataType enum. Standard attribute {name} has type {}.",
            existing["AttributeDataType"].as_str().unwrap_or_default()
        )));
    }
    if name == "sub" {
        return Ok(());
    }
    for key in ["Required", "Mutable", "DeveloperOnlyAttribute"] {
        if let Some(flag) = requested.get(key).and_then(Value::as_bool) {
            existing[key] = Value::Bool(flag);
        }
    }
    for key in ["StringAttributeConstraints", "NumberAttributeConstraints"] {
        if let Some(constraints) = requested.get(key).filter(|c| c.is_object()) {
            existing[key] = constraints.clone();
        }
    }
    Ok(())
}

/// Appends custom attributes, named `custom:<name>` (or `dev:custom:<name>` for
/// developer-only ones), refusing duplicates, required ones and more than fifty.
pub fn add_custom(schema: &mut Vec<Value>, requested: Vec<Value>) -> Result<(), ApiError> {
    for attribute in requested {
        let bare = attribute["Name"].as_str().unwrap_or_default();
        let bare = bare.strip_prefix("custom:").unwrap_or(bare);
        if bare.is_empty() {
            return Err(ApiError::invalid_parameter(
                "Attribute name must not be empty.",
            ));
        }
        let developer_only = attribute["DeveloperOnlyAttribute"]
            .as_bool()
            .unwrap_or(false);
        let name = if developer_only {
            format!("dev:custom:{bare}")
        } else {
            format!("custom:{bare}")
        };
        if attribute["Required"].as_bool().unwrap_or(false) {
            return Err(ApiError::invalid_parameter(
                "Required custom attributes are not supported currently.",
            ));
        }
        if schema.iter().any(|a| {
            let existing = a["Name"].as_str().unwrap_or_default();
            existing == name || existing.ends_with(&format!("custom:{bare}"))
        }) {
            return Err(ApiError::invalid_parameter(format!(
                "Existing attribute already has name {name}."
            )));
        }
        let custom_count = schema
            .iter()
            .filter(|a| a["Name"].as_str().is_some_and(|n| n.contains("custom:")))
            .count();
        if custom_count >= MAX_CUSTOM_ATTRIBUTES {
            return Err(ApiError::new(
                ErrorCode::LimitExceededException,
                format!("A user pool can have at most {MAX_CUSTOM_ATTRIBUTES} custom attributes."),
            ));
        }
        let data_type = attribute["AttributeDataType"].as_str().unwrap_or("String");
        let mut entry = json!({
            "Name": name,
            "AttributeDataType": data_type,
            "DeveloperOnlyAttribute": developer_only,
            "Mutable": attribute["Mutable"].as_bool().unwrap_or(true),
            "Required": false,
        });
        match data_type {
            "String" => {
                entry["StringAttributeConstraints"] = attribute
                    .get("StringAttributeConstraints")
                    .filter(|c| c.is_object())
                    .cloned()
                    .unwrap_or_else(|| json!({}));
            }
            "Number" => {
                entry["NumberAttributeConstraints"] = attribute
                    .get("NumberAttributeConstraints")
                    .filter(|c| c.is_object())
                    .cloned()
                    .unwrap_or_else(|| json!({}));
            }
            _ => {}
        }
        schema.push(entry);
    }
    Ok(())
}

/// Header for a user-import CSV: every standard attribute but `sub` and `identities`, the
/// custom ones, then Cognito's two bookkeeping columns.
pub fn csv_header(schema: &[Value]) -> Vec<String> {
    let mut header: Vec<String> = schema
        .iter()
        .filter_map(|a| a["Name"].as_str())
        .filter(|name| !matches!(*name, "sub" | "identities"))
        .map(str::to_owned)
        .collect();
    header.push("cognito:mfa_enabled".into());
    header.push("cognito:username".into());
    header
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(schema: &[Value]) -> Vec<&str> {
        schema.iter().filter_map(|a| a["Name"].as_str()).collect()
    }

    #[test]
    fn default_schema_is_the_standard_set() {
        let schema = initial_schema(None).unwrap();
        assert_eq!(schema.len(), STANDARD.len());
        assert_eq!(schema[0]["Name"], "sub");
        assert_eq!(schema[0]["Mutable"], false);
        assert_eq!(schema[0]["Required"], true);
        let email = schema.iter().find(|a| a["Name"] == "email").unwrap();
        assert_eq!(email["Required"], false);
        assert_eq!(email["StringAttributeConstraints"]["MaxLength"], "2048");
    }

    #[test]
    fn standard_overrides_and_custom_attributes() {
        let schema = initial_schema(Some(&json!([
            {"Name": "email", "Required": true, "AttributeDataType": "String"},
            {"Name": "tenant", "AttributeDataType": "String", "Mutable": false},
            {"Name": "level", "AttributeDataType": "Number", "DeveloperOnlyAttribute": true}
        ])))
        .unwrap();
        let email = schema.iter().find(|a| a["Name"] == "email").unwrap();
        assert_eq!(email["Required"], true);
        let names = names(&schema);
        assert!(names.contains(&"custom:tenant"));
        assert!(names.contains(&"dev:custom:level"));
    }

    #[test]
    fn refuses_required_custom_duplicates_and_wrong_types() {
        assert!(initial_schema(Some(&json!([{"Name": "x", "Required": true}]))).is_err());
        assert!(initial_schema(Some(&json!([{"Name": "x"}, {"Name": "custom:x"}]))).is_err());
        assert!(
            initial_schema(Some(
                &json!([{"Name": "email", "AttributeDataType": "Number"}])
            ))
            .is_err()
        );
    }

    #[test]
    fn custom_attribute_limit() {
        let mut schema = initial_schema(None).unwrap();
        let fifty: Vec<Value> = (0..50).map(|i| json!({"Name": format!("a{i}")})).collect();
        add_custom(&mut schema, fifty).unwrap();
        let err = add_custom(&mut schema, vec![json!({"Name": "one_more"})]).unwrap_err();
        assert_eq!(err.code, ErrorCode::LimitExceededException);
    }

    #[test]
    fn csv_header_lists_importable_columns() {
        let schema = initial_schema(Some(&json!([{"Name": "tenant"}]))).unwrap();
        let header = csv_header(&schema);
        assert_eq!(header.first().map(String::as_str), Some("name"));
        assert!(header.contains(&"custom:tenant".to_owned()));
        assert_eq!(header.last().map(String::as_str), Some("cognito:username"));
        assert!(!header.contains(&"sub".to_owned()));
    }
}
