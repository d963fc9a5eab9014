//! The wire view of a user: attributes (with `sub` first, as Cognito lists it), dates,
//! status.

use serde_json::json;

use cognate_store::UserRecord;
use cognate_wire::idp::{AttributeType, UserStatusType, UserType};
use cognate_wire::{Sensitive, Timestamp};

/// `(name, value)` pairs as wire attributes.
pub fn attribute_types(attributes: &[(String, String)]) -> Vec<AttributeType> {
    attributes
        .iter()
        .map(|(name, value)| AttributeType {
            name: name.clone(),
            value: Some(Sensitive::from(value.clone())),
        })
        .collect()
}

/// A user's attributes including `sub`, which the store keeps as a column.
pub fn all_attributes(user: &UserRecord) -> Vec<(String, String)> {
    let mut attributes = Vec::with_capacity(user.attributes.len() + 1);
    attributes.push(("sub".to_owned(), user.sub.clone()));
    attributes.extend(
        user.attributes
            .iter()
            .filter(|(name, _)| name != "sub")
            .cloned(),
    );
    attributes
}

pub fn status(user: &UserRecord) -> Option<UserStatusType> {
    serde_json::from_value(json!(user.status)).ok()
}

/// `UserType` for ListUsers and friends; `only` restricts the attributes (AttributesToGet).
pub fn user_type(user: &UserRecord, only: Option<&[String]>) -> UserType {
    let attributes: Vec<(String, String)> = all_attributes(user)
        .into_iter()
        .filter(|(name, _)| only.is_none_or(|names| names.iter().any(|n| n == name)))
        .collect();
    UserType {
        username: Some(Sensitive::from(user.username.clone())),
        attributes: Some(attribute_types(&attributes)),
        user_create_date: Some(Timestamp::from_millis(user.created_ms)),
        user_last_modified_date: Some(Timestamp::from_millis(user.modified_ms)),
        enabled: Some(user.enabled),
        user_status: status(user),
        ..UserType::default()
    }
}
