//! Principal tags (attributes for access control): SetPrincipalTagAttributeMap,
//! GetPrincipalTagAttributeMap, and the tags a login yields.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use cognate_wire::identity::{
    GetPrincipalTagAttributeMapInput, GetPrincipalTagAttributeMapResponse,
    SetPrincipalTagAttributeMapInput, SetPrincipalTagAttributeMapResponse,
};
use cognate_wire::{ApiError, RequestContext};

use crate::errors::{internal, pool_store_failure};
use crate::logins::{LoginSource, VerifiedLogin};
use crate::openid;
use crate::pools::view::{PRINCIPAL_TAG_MAPS, PoolView, TagMap, with_member};
use crate::service::IdentityService;

/// The defaults for user pools and OIDC providers: the client (`aud`) and the user (`sub`)
/// (developer guide, attributes for access control, "Using default mappings").
fn default_map() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("client".to_owned(), "aud".to_owned()),
        ("username".to_owned(), "sub".to_owned()),
    ])
}

impl TagMap {
    fn effective(&self) -> BTreeMap<String, String> {
        if self.use_defaults {
            default_map()
        } else {
            self.principal_tags.clone()
        }
    }
}

pub async fn set(
    svc: &IdentityService,
    ctx: &RequestContext,
    input: SetPrincipalTagAttributeMapInput,
) -> Result<SetPrincipalTagAttributeMapResponse, ApiError> {
    let mut record = svc.pool(&input.identity_pool_id).await?;
    let mut maps = PoolView::of(&record).tag_maps;
    let map = TagMap {
        use_defaults: input.use_defaults.unwrap_or(false),
        principal_tags: input.principal_tags.unwrap_or_default(),
    };
    maps.insert(input.identity_provider_name.clone(), map.clone());
    let value = serde_json::to_value(&maps).map_err(|e| internal("tag maps", e))?;
    record.settings = with_member(&record, PRINCIPAL_TAG_MAPS, Some(value));
    record.modified_ms = ctx.now_ms;
    svc.store
        .update_identity_pool(&record)
        .await
        .map_err(pool_store_failure(&record.id))?;
    Ok(SetPrincipalTagAttributeMapResponse {
        identity_pool_id: Some(record.id),
        identity_provider_name: Some(input.identity_provider_name),
        use_defaults: Some(map.use_defaults),
        principal_tags: Some(map.effective()),
    })
}

/// A provider never configured reads as the defaults switched off (Cognito's answer for an
/// unconfigured provider is unconfirmed).
pub async fn get(
    svc: &IdentityService,
    _ctx: &RequestContext,
    input: GetPrincipalTagAttributeMapInput,
) -> Result<GetPrincipalTagAttributeMapResponse, ApiError> {
    let record = svc.pool(&input.identity_pool_id).await?;
    let map = PoolView::of(&record)
        .tag_maps
        .remove(&input.identity_provider_name)
        .unwrap_or_default();
    Ok(GetPrincipalTagAttributeMapResponse {
        identity_pool_id: Some(record.id),
        identity_provider_name: Some(input.identity_provider_name),
        use_defaults: Some(map.use_defaults),
        principal_tags: Some(map.effective()),
    })
}

/// The principal tags a login yields: an identity-pool token carries its own (developer
/// tags); a user-pool token's claims are mapped by the provider's tag map, if any.
pub fn for_login(view: &PoolView, login: &VerifiedLogin) -> BTreeMap<String, String> {
    match &login.source {
        LoginSource::IdentityToken { .. } => openid::principal_tags(&login.claims),
        LoginSource::UserPool { .. } => view
            .tag_maps
            .get(&login.provider)
            .map(|map| from_claims(&map.effective(), &login.claims))
            .unwrap_or_default(),
    }
}

/// Tag key → claim name, applied to claims; claims that are absent or not text (or a
/// number or boolean) are skipped.
fn from_claims(
    map: &BTreeMap<String, String>,
    claims: &Map<String, Value>,
) -> BTreeMap<String, String> {
    map.iter()
        .filter_map(|(tag, claim)| {
            let value = match claims.get(claim)? {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return None,
            };
            Some((tag.clone(), value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn claims_map_to_tags() {
        let claims =
            json!({"aud": "client1", "sub": "u-1", "custom:team": "blue", "n": 3, "list": ["x"]});
        let claims = claims.as_object().unwrap();
        let defaults = TagMap {
            use_defaults: true,
            principal_tags: BTreeMap::new(),
        };
        assert_eq!(
            from_claims(&defaults.effective(), claims),
            BTreeMap::from([
                ("client".into(), "client1".into()),
                ("username".into(), "u-1".into())
            ])
        );
        let custom = BTreeMap::from([
            ("team".to_owned(), "custom:team".to_owned()),
            ("n".to_owned(), "n".to_owned()),
            ("list".to_owned(), "list".to_owned()),
            ("gone".to_owned(), "missing".to_owned()),
        ]);
        assert_eq!(
            from_claims(&custom, claims),
            BTreeMap::from([("n".into(), "3".into()), ("team".into(), "blue".into())])
        );
    }
}
