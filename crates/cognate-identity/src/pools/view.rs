//! A typed view of the parts of an identity pool's configuration that the identity and
//! credential operations read.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use cognate_store::IdentityPoolRecord;
use cognate_wire::identity::{CognitoIdentityProvider, RoleMapping};

use super::settings;

/// Principal-tag mapping of one provider (SetPrincipalTagAttributeMap).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
pub struct TagMap {
    #[serde(rename = "UseDefaults", default)]
    pub use_defaults: bool,
    #[serde(rename = "PrincipalTags", default)]
    pub principal_tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PoolView {
    #[serde(rename = "AllowUnauthenticatedIdentities", default)]
    pub allow_unauthenticated: bool,
    #[serde(rename = "AllowClassicFlow", default)]
    pub allow_classic_flow: bool,
    #[serde(rename = "DeveloperProviderName", default)]
    pub developer_provider_name: Option<String>,
    #[serde(rename = "CognitoIdentityProviders", default)]
    pub cognito_providers: Vec<CognitoIdentityProvider>,
    #[serde(rename = "Roles", default)]
    pub roles: BTreeMap<String, String>,
    #[serde(rename = "RoleMappings", default)]
    pub role_mappings: BTreeMap<String, RoleMapping>,
    #[serde(rename = "PrincipalTagAttributeMaps", default)]
    pub tag_maps: BTreeMap<String, TagMap>,
}

impl PoolView {
    /// The view of a stored pool; a document that no longer reads is treated as empty
    /// configuration (nothing allowed), and logged.
    pub fn of(record: &IdentityPoolRecord) -> Self {
        serde_json::from_value(record.settings.clone()).unwrap_or_else(|error| {
            tracing::error!(%error, identity_pool_id = %record.id, "unreadable identity pool settings");
            Self::default()
        })
    }
}

/// The stored document with one member replaced (or removed when `value` is `None`).
pub fn with_member(record: &IdentityPoolRecord, key: &str, value: Option<Value>) -> Value {
    let mut doc = record.settings.as_object().cloned().unwrap_or_default();
    match value {
        Some(value) => doc.insert(key.into(), value),
        None => doc.remove(key),
    };
    Value::Object(doc)
}

pub use settings::{PRINCIPAL_TAG_MAPS, ROLE_MAPPINGS, ROLES};
