//! The identity pool's configuration document: what CreateIdentityPool and
//! UpdateIdentityPool store, with Cognito's defaults applied, and the rules they enforce.
//!
//! The document is the `IdentityPool` shape without the members that live in their own
//! columns (id, name, tags). Pure functions over JSON objects, so the rules are testable
//! without a store.

use serde_json::{Map, Value};

use cognate_wire::ApiError;

/// `IdentityPool` members kept outside the settings document.
pub const ID: &str = "IdentityPoolId";
pub const NAME: &str = "IdentityPoolName";
pub const TAGS: &str = "IdentityPoolTags";

/// Set by SetIdentityPoolRoles and SetPrincipalTagAttributeMap, kept in the same document
/// (so one read gives a handler the whole configuration) but not part of `IdentityPool`:
/// DescribeIdentityPool leaves them out and UpdateIdentityPool keeps them.
pub const ROLES: &str = "Roles";
pub const ROLE_MAPPINGS: &str = "RoleMappings";
pub const PRINCIPAL_TAG_MAPS: &str = "PrincipalTagAttributeMaps";
pub const NOT_IN_IDENTITY_POOL: [&str; 3] = [ROLES, ROLE_MAPPINGS, PRINCIPAL_TAG_MAPS];

const ALLOW_CLASSIC_FLOW: &str = "AllowClassicFlow";
const DEVELOPER_PROVIDER_NAME: &str = "DeveloperProviderName";
const COGNITO_IDENTITY_PROVIDERS: &str = "CognitoIdentityProviders";
const PROVIDER_NAME: &str = "ProviderName";
const CLIENT_ID: &str = "ClientId";
const SERVER_SIDE_TOKEN_CHECK: &str = "ServerSideTokenCheck";

/// The configuration a create or update request asks for, with defaults applied.
///
/// Members the request leaves out are absent (or at their default) afterwards: Cognito
/// documents that an omitted parameter is set to its default, and UpdateIdentityPool is
/// observed to drop omitted provider lists (terraform-provider-aws #9396, #26969). Empty
/// lists and maps are kept as sent; only members never sent stay out of the document,
/// as DescribeIdentityPool leaves them out.
pub fn from_request(request: &Map<String, Value>) -> Result<Map<String, Value>, ApiError> {
    let mut settings = request.clone();
    for own_column in [ID, NAME, TAGS].into_iter().chain(NOT_IN_IDENTITY_POOL) {
        settings.remove(own_column);
    }
    settings
        .entry(ALLOW_CLASSIC_FLOW)
        .or_insert(Value::Bool(false));
    if let Some(Value::Array(providers)) = settings.get_mut(COGNITO_IDENTITY_PROVIDERS) {
        for provider in providers.iter_mut() {
            check_cognito_provider(provider)?;
            if let Value::Object(provider) = provider {
                provider
                    .entry(SERVER_SIDE_TOKEN_CHECK)
                    .or_insert(Value::Bool(false));
            }
        }
    }
    Ok(settings)
}

/// The configuration UpdateIdentityPool stores: the request's, except that a developer
/// provider name, once set, stays. Cognito documents it as unchangeable ("Once you have set
/// a developer provider name, you cannot change it") and the console as impossible to modify
/// or delete; an update that leaves it out keeps it (observed by terraform-provider-aws
/// #49985's rename test), one that names another is refused.
pub fn for_update(
    current: &Map<String, Value>,
    request: &Map<String, Value>,
) -> Result<Map<String, Value>, ApiError> {
    let mut settings = from_request(request)?;
    for key in NOT_IN_IDENTITY_POOL {
        if let Some(value) = current.get(key) {
            settings.insert(key.into(), value.clone());
        }
    }
    if let Some(Value::String(kept)) = current.get(DEVELOPER_PROVIDER_NAME) {
        match settings.get(DEVELOPER_PROVIDER_NAME) {
            None | Some(Value::Null) => {
                settings.insert(DEVELOPER_PROVIDER_NAME.into(), Value::String(kept.clone()));
            }
            Some(Value::String(asked)) if asked == kept => {}
            Some(_) => return Err(developer_provider_name_is_fixed()),
        }
    }
    Ok(settings)
}

pub fn developer_provider_name_is_fixed() -> ApiError {
    ApiError::invalid_parameter("Developer provider name cannot be changed once set.")
}

/// Cognito refuses a user-pool provider without a usable name or client id with this text
/// (observed when ProviderName was missing, and when it was given as a URL).
pub fn invalid_cognito_provider() -> ApiError {
    ApiError::invalid_parameter("Invalid Cognito Identity Provider")
}

fn check_cognito_provider(provider: &Value) -> Result<(), ApiError> {
    let text = |key: &str| provider.get(key).and_then(Value::as_str);
    let named = text(PROVIDER_NAME).is_some_and(is_user_pool_provider_name);
    let has_client = text(CLIENT_ID).is_some_and(|id| !id.is_empty());
    if named && has_client {
        Ok(())
    } else {
        Err(invalid_cognito_provider())
    }
}

/// `<issuer host>/<userPoolId>`: AWS's own form is
/// `cognito-idp.<region>.amazonaws.com/<userPoolId>` (`.amazonaws.com.cn` in China). Any host
/// is accepted so that a pool served by Cognate can be named after its own issuer
/// (`localhost:9229/<userPoolId>`); a scheme (`https://...`) or a missing pool id is not.
/// Cognito does not check that the user pool exists (terraform's acceptance tests use
/// made-up pool ids), so neither does Cognate.
pub fn is_user_pool_provider_name(name: &str) -> bool {
    let Some((host, pool_id)) = name.rsplit_once('/') else {
        return false;
    };
    !host.is_empty() && !host.contains('/') && is_user_pool_id(pool_id)
}

/// `UserPoolIdType`: `[\w-]+_[0-9a-zA-Z]+`.
fn is_user_pool_id(id: &str) -> bool {
    let Some((region, suffix)) = id.rsplit_once('_') else {
        return false;
    };
    !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !suffix.is_empty()
        && suffix.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn defaults_are_applied_and_own_columns_removed() {
        let settings = from_request(&object(json!({
            "IdentityPoolName": "p",
            "IdentityPoolTags": {"a": "1"},
            "AllowUnauthenticatedIdentities": true,
            "CognitoIdentityProviders": [
                {"ProviderName": "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc", "ClientId": "c1"},
                {"ProviderName": "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc", "ClientId": "c2",
                 "ServerSideTokenCheck": true}
            ]
        })))
        .unwrap();
        assert_eq!(
            Value::Object(settings),
            json!({
                "AllowUnauthenticatedIdentities": true,
                "AllowClassicFlow": false,
                "CognitoIdentityProviders": [
                    {"ProviderName": "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc", "ClientId": "c1",
                     "ServerSideTokenCheck": false},
                    {"ProviderName": "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc", "ClientId": "c2",
                     "ServerSideTokenCheck": true}
                ]
            })
        );
    }

    #[test]
    fn given_values_and_empty_collections_are_kept() {
        let request = json!({
            "AllowUnauthenticatedIdentities": false,
            "AllowClassicFlow": true,
            "SupportedLoginProviders": {},
            "OpenIdConnectProviderARNs": [],
            "DeveloperProviderName": "login.example"
        });
        assert_eq!(
            Value::Object(from_request(&object(request.clone())).unwrap()),
            request
        );
    }

    #[test]
    fn cognito_providers_need_a_pool_provider_name_and_a_client() {
        for bad in [
            json!({"ClientId": "c"}),
            json!({"ProviderName": "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc"}),
            json!({"ProviderName": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc", "ClientId": "c"}),
            json!({"ProviderName": "us-east-1_abc", "ClientId": "c"}),
            json!({"ProviderName": "cognito-idp.us-east-1.amazonaws.com/", "ClientId": "c"}),
        ] {
            let request = object(json!({
                "AllowUnauthenticatedIdentities": false,
                "CognitoIdentityProviders": [bad.clone()]
            }));
            assert_eq!(
                from_request(&request),
                Err(invalid_cognito_provider()),
                "{bad}"
            );
        }
    }

    #[test]
    fn provider_names() {
        for good in [
            "cognito-idp.us-east-1.amazonaws.com/us-east-1_Zr231apJu",
            "cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_abc",
            "localhost:9229/us-east-1_abc",
        ] {
            assert!(is_user_pool_provider_name(good), "{good}");
        }
        for bad in [
            "",
            "/us-east-1_abc",
            "a/b/us-east-1_abc",
            "host/us-east-1",
            "host/_abc",
            "host/us-east-1_",
            "host/us east-1_abc",
        ] {
            assert!(!is_user_pool_provider_name(bad), "{bad}");
        }
    }

    #[test]
    fn update_resets_omitted_members_to_defaults() {
        let current = object(json!({
            "AllowUnauthenticatedIdentities": true,
            "AllowClassicFlow": true,
            "SupportedLoginProviders": {"graph.facebook.com": "123"}
        }));
        let request = object(json!({
            "IdentityPoolId": "us-east-1:1",
            "IdentityPoolName": "p",
            "AllowUnauthenticatedIdentities": false
        }));
        assert_eq!(
            Value::Object(for_update(&current, &request).unwrap()),
            json!({"AllowUnauthenticatedIdentities": false, "AllowClassicFlow": false})
        );
    }

    #[test]
    fn developer_provider_name_stays_once_set() {
        let current = object(json!({"DeveloperProviderName": "login.example"}));
        let base = json!({"AllowUnauthenticatedIdentities": false});
        let kept = for_update(&current, &object(base.clone())).unwrap();
        assert_eq!(kept["DeveloperProviderName"], "login.example");

        let mut same = base.clone();
        same["DeveloperProviderName"] = json!("login.example");
        assert!(for_update(&current, &object(same)).is_ok());

        let mut other = base.clone();
        other["DeveloperProviderName"] = json!("login.other");
        assert_eq!(
            for_update(&current, &object(other)),
            Err(developer_provider_name_is_fixed())
        );

        // A pool without one may be given one later.
        let mut first = base;
        first["DeveloperProviderName"] = json!("login.first");
        let set = for_update(&Map::new(), &object(first)).unwrap();
        assert_eq!(set["DeveloperProviderName"], "login.first");
    }
}
