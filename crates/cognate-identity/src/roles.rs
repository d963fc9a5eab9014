//! Roles of an identity pool: SetIdentityPoolRoles, GetIdentityPoolRoles, and the choice of
//! a role for the enhanced flow (developer guide, role-based access control).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use cognate_wire::identity::{
    AmbiguousRoleResolutionType, GetIdentityPoolRolesInput, GetIdentityPoolRolesResponse,
    MappingRule, MappingRuleMatchType, RoleMapping, RoleMappingType, SetIdentityPoolRolesInput,
};
use cognate_wire::{ApiError, RequestContext};

use crate::errors::{invalid_pool_configuration, not_authorized, pool_store_failure};
use crate::pools::view::{PoolView, ROLE_MAPPINGS, ROLES, with_member};
use crate::service::IdentityService;

pub const AUTHENTICATED: &str = "authenticated";
pub const UNAUTHENTICATED: &str = "unauthenticated";
/// Rules per provider (developer guide: "up to 25 rules", not adjustable).
const MAX_RULES: usize = 25;

pub async fn set(
    svc: &IdentityService,
    ctx: &RequestContext,
    input: SetIdentityPoolRolesInput,
) -> Result<(), ApiError> {
    check_roles(&input.roles)?;
    let mappings = input.role_mappings.unwrap_or_default();
    for (provider, mapping) in &mappings {
        check_mapping(provider, mapping)?;
    }
    let mut record = svc.pool(&input.identity_pool_id).await?;
    let roles =
        serde_json::to_value(&input.roles).map_err(|e| crate::errors::internal("roles", e))?;
    record.settings = with_member(&record, ROLES, Some(roles));
    let mappings = (!mappings.is_empty())
        .then(|| serde_json::to_value(&mappings))
        .transpose()
        .map_err(|e| crate::errors::internal("role mappings", e))?;
    record.settings = with_member(&record, ROLE_MAPPINGS, mappings);
    record.modified_ms = ctx.now_ms;
    svc.store
        .update_identity_pool(&record)
        .await
        .map_err(pool_store_failure(&record.id))
}

pub async fn get(
    svc: &IdentityService,
    _ctx: &RequestContext,
    input: GetIdentityPoolRolesInput,
) -> Result<GetIdentityPoolRolesResponse, ApiError> {
    let record = svc.pool(&input.identity_pool_id).await?;
    let view = PoolView::of(&record);
    Ok(GetIdentityPoolRolesResponse {
        identity_pool_id: Some(record.id),
        roles: Some(view.roles),
        role_mappings: (!view.role_mappings.is_empty()).then_some(view.role_mappings),
    })
}

fn check_roles(roles: &BTreeMap<String, String>) -> Result<(), ApiError> {
    for (kind, arn) in roles {
        if kind != AUTHENTICATED && kind != UNAUTHENTICATED {
            // Cognito's text for another key is unconfirmed.
            return Err(ApiError::invalid_parameter(format!(
                "Invalid role type '{kind}': only 'authenticated' and 'unauthenticated' are \
                 supported."
            )));
        }
        check_role_arn(arn)?;
    }
    Ok(())
}

/// An IAM role ARN: `arn:<partition>:iam::<account>:role/<path/name>`.
fn check_role_arn(arn: &str) -> Result<(), ApiError> {
    if role_name(arn).is_some() {
        Ok(())
    } else {
        Err(ApiError::invalid_parameter(format!(
            "Invalid role ARN: {arn}"
        )))
    }
}

/// The role's name (last path segment) if `arn` is an IAM role ARN.
pub fn role_name(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    if account.is_empty() || !account.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let path = resource.strip_prefix("role/")?;
    let name = path.rsplit('/').next()?;
    (!name.is_empty()).then_some(name)
}

fn check_mapping(provider: &str, mapping: &RoleMapping) -> Result<(), ApiError> {
    if mapping.ambiguous_role_resolution.is_none() {
        return Err(ApiError::invalid_parameter(format!(
            "AmbiguousRoleResolution must be specified for provider {provider}"
        )));
    }
    if mapping.r#type == RoleMappingType::Rules {
        let rules = mapping
            .rules_configuration
            .as_ref()
            .map(|c| c.rules.as_slice())
            .unwrap_or_default();
        if rules.is_empty() {
            return Err(ApiError::invalid_parameter(format!(
                "RulesConfiguration must be specified for Rules role mapping of provider \
                 {provider}"
            )));
        }
        if rules.len() > MAX_RULES {
            return Err(ApiError::invalid_parameter(format!(
                "A role mapping can have at most {MAX_RULES} rules."
            )));
        }
        for rule in rules {
            check_role_arn(&rule.role_arn)?;
        }
    }
    Ok(())
}

/// What the role is chosen from: the pool's configuration, the login that authenticated the
/// identity (its role-mapping key and its token's claims), and the caller's CustomRoleArn.
pub struct RoleRequest<'a> {
    pub view: &'a PoolView,
    /// `None` for an unauthenticated identity.
    pub login: Option<(&'a str, &'a Map<String, Value>)>,
    pub custom_role_arn: Option<&'a str>,
}

/// The role for the enhanced flow, exactly as the developer guide orders the rules.
pub fn choose(request: &RoleRequest<'_>) -> Result<String, ApiError> {
    let view = request.view;
    let Some((mapping_key, claims)) = request.login else {
        return default_role(view, UNAUTHENTICATED);
    };
    let Some(mapping) = view.role_mappings.get(mapping_key) else {
        return default_role(view, AUTHENTICATED);
    };
    let chosen = match mapping.r#type {
        RoleMappingType::Token => from_token(claims, request.custom_role_arn)?,
        RoleMappingType::Rules => from_rules(
            mapping
                .rules_configuration
                .as_ref()
                .map(|c| c.rules.as_slice())
                .unwrap_or_default(),
            claims,
            request.custom_role_arn,
        ),
    };
    match chosen {
        Some(role) => Ok(role),
        None => match mapping.ambiguous_role_resolution {
            Some(AmbiguousRoleResolutionType::AuthenticatedRole) => {
                default_role(view, AUTHENTICATED)
            }
            Some(AmbiguousRoleResolutionType::Deny) | None => Err(invalid_pool_configuration()),
        },
    }
}

fn default_role(view: &PoolView, kind: &str) -> Result<String, ApiError> {
    view.roles
        .get(kind)
        .cloned()
        .ok_or_else(invalid_pool_configuration)
}

/// Token mapping: CustomRoleArn if the token's `cognito:roles` allow it, else
/// `cognito:preferred_role`, else ambiguous (`None`).
fn from_token(
    claims: &Map<String, Value>,
    custom_role_arn: Option<&str>,
) -> Result<Option<String>, ApiError> {
    if let Some(custom) = custom_role_arn {
        // The developer guide describes `cognito:roles` both as an array and as a
        // comma-separated string; read both.
        let allowed = claim_values(claims.get("cognito:roles"));
        return if allowed
            .iter()
            .flat_map(|r| r.split(','))
            .any(|r| r.trim() == custom)
        {
            Ok(Some(custom.to_owned()))
        } else {
            // Cognito's text is unconfirmed.
            Err(not_authorized(
                "The role requested is not among the roles the token allows.",
            ))
        };
    }
    Ok(claims
        .get("cognito:preferred_role")
        .and_then(Value::as_str)
        .map(str::to_owned))
}

/// Rules mapping: the first rule (in order) whose claim matches; a CustomRoleArn that is the
/// role of some matching rule wins over the order.
fn from_rules(
    rules: &[MappingRule],
    claims: &Map<String, Value>,
    custom_role_arn: Option<&str>,
) -> Option<String> {
    let mut matching = rules.iter().filter(|rule| rule_matches(rule, claims));
    let first = matching.next()?;
    let custom = custom_role_arn.and_then(|custom| {
        std::iter::once(first)
            .chain(matching)
            .find(|rule| rule.role_arn == custom)
    });
    Some(custom.unwrap_or(first).role_arn.clone())
}

/// A claim's values as text: a string, a number or boolean as written, each element of an
/// array.
fn claim_values(claim: Option<&Value>) -> Vec<String> {
    match claim {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .flat_map(|item| claim_values(Some(item)))
            .collect(),
        Some(other) => vec![other.to_string()],
    }
}

/// Whether a rule's claim matches. An array claim matches if one of its values does
/// (NotEqual: if none is equal). A missing claim never matches, NotEqual included.
fn rule_matches(rule: &MappingRule, claims: &Map<String, Value>) -> bool {
    let values = claim_values(claims.get(&rule.claim));
    if values.is_empty() {
        return false;
    }
    let value = rule.value.as_str();
    match rule.match_type {
        MappingRuleMatchType::Equals => values.iter().any(|v| v == value),
        MappingRuleMatchType::NotEqual => values.iter().all(|v| v != value),
        MappingRuleMatchType::Contains => values.iter().any(|v| v.contains(value)),
        MappingRuleMatchType::StartsWith => values.iter().any(|v| v.starts_with(value)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const AUTH: &str = "arn:aws:iam::000000000000:role/Auth";
    const UNAUTH: &str = "arn:aws:iam::000000000000:role/Unauth";
    const ADMIN: &str = "arn:aws:iam::000000000000:role/Admin";
    const EDITOR: &str = "arn:aws:iam::000000000000:role/Editor";
    const KEY: &str = "cognito-idp.us-east-1.amazonaws.com/us-east-1_A:client";

    fn view(mapping: Option<Value>) -> PoolView {
        let mut doc = json!({"Roles": {"authenticated": AUTH, "unauthenticated": UNAUTH}});
        if let Some(mapping) = mapping {
            doc["RoleMappings"] = json!({ KEY: mapping });
        }
        serde_json::from_value(doc).unwrap()
    }

    fn claims(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    fn choose_for(
        view: &PoolView,
        claims: &Map<String, Value>,
        custom: Option<&str>,
    ) -> Result<String, ApiError> {
        choose(&RoleRequest {
            view,
            login: Some((KEY, claims)),
            custom_role_arn: custom,
        })
    }

    #[test]
    fn defaults_without_a_mapping() {
        let v = view(None);
        assert_eq!(
            choose(&RoleRequest {
                view: &v,
                login: None,
                custom_role_arn: None
            })
            .unwrap(),
            UNAUTH
        );
        assert_eq!(choose_for(&v, &claims(json!({})), None).unwrap(), AUTH);
        let empty = PoolView::default();
        assert_eq!(
            choose(&RoleRequest {
                view: &empty,
                login: None,
                custom_role_arn: None
            })
            .unwrap_err(),
            invalid_pool_configuration()
        );
    }

    #[test]
    fn token_mapping_prefers_custom_then_preferred_then_ambiguity() {
        let deny = view(Some(
            json!({"Type": "Token", "AmbiguousRoleResolution": "Deny"}),
        ));
        let fallback = view(Some(
            json!({"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"}),
        ));
        let admin = claims(json!({
            "cognito:preferred_role": ADMIN,
            "cognito:roles": [ADMIN, EDITOR]
        }));
        assert_eq!(choose_for(&deny, &admin, None).unwrap(), ADMIN);
        assert_eq!(choose_for(&deny, &admin, Some(EDITOR)).unwrap(), EDITOR);
        assert!(choose_for(&deny, &admin, Some(AUTH)).is_err());
        let tied = claims(json!({"cognito:roles": [ADMIN, EDITOR]}));
        assert_eq!(
            choose_for(&deny, &tied, None).unwrap_err(),
            invalid_pool_configuration()
        );
        assert_eq!(choose_for(&fallback, &tied, None).unwrap(), AUTH);
        // The comma-separated form of cognito:roles is read too.
        let text = claims(json!({"cognito:roles": format!("{ADMIN},{EDITOR}")}));
        assert_eq!(choose_for(&deny, &text, Some(EDITOR)).unwrap(), EDITOR);
    }

    #[test]
    fn rules_apply_in_order() {
        let rules = view(Some(json!({
            "Type": "Rules",
            "AmbiguousRoleResolution": "Deny",
            "RulesConfiguration": {"Rules": [
                {"Claim": "custom:dept", "MatchType": "Equals", "Value": "eng", "RoleARN": EDITOR},
                {"Claim": "custom:dept", "MatchType": "StartsWith", "Value": "e", "RoleARN": ADMIN},
                {"Claim": "custom:tier", "MatchType": "NotEqual", "Value": "free", "RoleARN": ADMIN}
            ]}
        })));
        assert_eq!(
            choose_for(&rules, &claims(json!({"custom:dept": "eng"})), None).unwrap(),
            EDITOR
        );
        assert_eq!(
            choose_for(&rules, &claims(json!({"custom:dept": "eng"})), Some(ADMIN)).unwrap(),
            ADMIN
        );
        assert_eq!(
            choose_for(&rules, &claims(json!({"custom:dept": "exec"})), None).unwrap(),
            ADMIN
        );
        assert_eq!(
            choose_for(&rules, &claims(json!({"custom:tier": "pro"})), None).unwrap(),
            ADMIN
        );
        // NotEqual does not match a missing claim; nothing matches → Deny.
        assert_eq!(
            choose_for(&rules, &claims(json!({"custom:tier": "free"})), None).unwrap_err(),
            invalid_pool_configuration()
        );
        assert!(choose_for(&rules, &claims(json!({})), None).is_err());
        // Contains over an array claim.
        let groups = view(Some(json!({
            "Type": "Rules",
            "AmbiguousRoleResolution": "AuthenticatedRole",
            "RulesConfiguration": {"Rules": [
                {"Claim": "cognito:groups", "MatchType": "Contains", "Value": "adm", "RoleARN": ADMIN}
            ]}
        })));
        assert_eq!(
            choose_for(
                &groups,
                &claims(json!({"cognito:groups": ["x", "admins"]})),
                None
            )
            .unwrap(),
            ADMIN
        );
        assert_eq!(
            choose_for(&groups, &claims(json!({"cognito:groups": ["x"]})), None).unwrap(),
            AUTH
        );
    }

    #[test]
    fn role_arns_and_names() {
        assert_eq!(role_name(ADMIN), Some("Admin"));
        assert_eq!(
            role_name("arn:aws:iam::000000000000:role/path/to/Name"),
            Some("Name")
        );
        for bad in [
            "arn:aws:iam::000000000000:user/Admin",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::acct:role/Admin",
            "arn:aws:iam::000000000000:role/",
            "Admin",
        ] {
            assert_eq!(role_name(bad), None, "{bad}");
        }
        assert!(check_roles(&BTreeMap::from([("guest".into(), ADMIN.into())])).is_err());
        assert!(check_roles(&BTreeMap::from([("authenticated".into(), "x".into())])).is_err());
    }
}
