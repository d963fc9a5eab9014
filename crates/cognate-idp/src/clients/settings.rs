//! An app client's settings document: what CreateUserPoolClient and UpdateUserPoolClient
//! accept, with Cognito's defaults applied, and the rules Cognito checks before saving it.
//!
//! The document is the `UserPoolClientType` JSON minus the members kept in their own
//! columns (ids, name, dates) and the secret (kept sealed, apart). What Describe shows for a
//! setting the caller left out follows captured responses of the real service: present with
//! a default for `RefreshTokenValidity` (30), `TokenValidityUnits` (`{}`),
//! `AllowedOAuthFlowsUserPoolClient` (false), `EnableTokenRevocation` (true),
//! `EnablePropagateAdditionalUserContextData` (false), `AuthSessionValidity` (3) and
//! `RefreshTokenRotation` (DISABLED, 0); absent for `ExplicitAuthFlows`,
//! `PreventUserExistenceErrors`, `AccessTokenValidity`, `IdTokenValidity` and the lists,
//! whose effective defaults (see [`effective_auth_flows`]) apply where they are used.

use serde_json::{Map, Value, json};

use cognate_wire::{ApiError, ErrorCode};

use super::urls::check_redirect_url;

/// Request members that are not settings (identity, name, or the secret).
const NOT_SETTINGS: &[&str] = &[
    "UserPoolId",
    "ClientId",
    "ClientName",
    "GenerateSecret",
    "ClientSecret",
];

/// List settings Cognito leaves out of Describe when they are empty.
const LISTS: &[&str] = &[
    "ExplicitAuthFlows",
    "SupportedIdentityProviders",
    "CallbackURLs",
    "LogoutURLs",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "ReadAttributes",
    "WriteAttributes",
];

/// Flows a client has when it was saved without `ExplicitAuthFlows`.
#[allow(dead_code)]
pub const DEFAULT_AUTH_FLOWS: &[&str] = &[
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_CUSTOM_AUTH",
];

/// `ExplicitAuthFlows` values from before the `ALLOW_` names; the two kinds can't be mixed.
const LEGACY_AUTH_FLOWS: &[&str] = &[
    "ADMIN_NO_SRP_AUTH",
    "CUSTOM_AUTH_FLOW_ONLY",
    "USER_PASSWORD_AUTH",
];

/// Scopes every pool has without a resource server.
pub const STANDARD_SCOPES: &[&str] = &[
    "openid",
    "email",
    "phone",
    "profile",
    "aws.cognito.signin.user.admin",
];

/// The default refresh-token lifetime (also what 0 means), in seconds: 30 days.
const DEFAULT_REFRESH_SECONDS: i64 = 30 * 86_400;

/// The settings of a Create or Update request, with Cognito's defaults applied.
pub fn from_request(request: &Map<String, Value>, account_id: &str) -> Map<String, Value> {
    let mut settings: Map<String, Value> = request
        .iter()
        .filter(|(key, value)| !NOT_SETTINGS.contains(&key.as_str()) && !value.is_null())
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    for key in LISTS {
        if settings
            .get(*key)
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            settings.remove(*key);
        }
    }
    apply_defaults(&mut settings, account_id);
    settings
}

fn apply_defaults(settings: &mut Map<String, Value>, account_id: &str) {
    let refresh = settings.get("RefreshTokenValidity").and_then(Value::as_i64);
    if refresh.unwrap_or(0) == 0 {
        // 0 (or nothing) means 30 days, expressed in the unit the caller chose.
        let unit = unit_of(settings, "RefreshToken");
        let value = DEFAULT_REFRESH_SECONDS / unit_seconds(unit).unwrap_or(86_400);
        settings.insert("RefreshTokenValidity".into(), json!(value));
    }
    settings
        .entry("TokenValidityUnits")
        .or_insert_with(|| json!({}));
    settings
        .entry("AllowedOAuthFlowsUserPoolClient")
        .or_insert(json!(false));
    settings
        .entry("EnableTokenRevocation")
        .or_insert(json!(true));
    settings
        .entry("EnablePropagateAdditionalUserContextData")
        .or_insert(json!(false));
    settings.entry("AuthSessionValidity").or_insert(json!(3));
    // Recent responses carry the rotation setting even when it was never given (unconfirmed
    // for every region; older captures omit it).
    let rotation = settings
        .entry("RefreshTokenRotation")
        .or_insert_with(|| json!({"Feature": "DISABLED"}));
    if let Some(rotation) = rotation.as_object_mut() {
        rotation
            .entry("RetryGracePeriodSeconds")
            .or_insert(json!(0));
    }
    if let Some(analytics) = settings
        .get_mut("AnalyticsConfiguration")
        .and_then(Value::as_object_mut)
    {
        // With an application ARN Cognito uses its service-linked role, and shows it.
        if analytics.contains_key("ApplicationArn") && !analytics.contains_key("RoleArn") {
            analytics.insert(
                "RoleArn".into(),
                json!(format!(
                    "arn:aws:iam::{account_id}:role/aws-service-role/cognito-idp.amazonaws.com/AWSServiceRoleForAmazonCognitoIdp"
                )),
            );
        }
        analytics.entry("UserDataShared").or_insert(json!(false));
    }
}

/// The flows a client allows, with the default set for a client saved without any.
// Sign-in (InitiateAuth and friends) is the user; it lands with the next layer.
#[allow(dead_code)]
pub fn effective_auth_flows(settings: &Value) -> Vec<String> {
    match settings.get("ExplicitAuthFlows").and_then(Value::as_array) {
        Some(flows) if !flows.is_empty() => flows
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => DEFAULT_AUTH_FLOWS.iter().map(|f| (*f).to_owned()).collect(),
    }
}

/// What the pure rules need to know beyond the settings themselves.
pub struct Context<'a> {
    pub pool_id: &'a str,
    pub has_secret: bool,
    /// The pool's `UserPoolTier` (ESSENTIALS when unset).
    pub tier: &'a str,
    /// Names in the pool's schema, with whether each is required.
    pub schema: &'a [(String, bool)],
}

/// Every rule that needs no storage lookup, in the order Cognito reports them (as far as it
/// could be established; the order between unrelated mistakes is unconfirmed).
pub fn check(settings: &Map<String, Value>, ctx: &Context<'_>) -> Result<(), ApiError> {
    check_auth_flows(settings, ctx.tier)?;
    check_token_validity(settings)?;
    check_urls(settings)?;
    check_oauth(settings, ctx.has_secret)?;
    check_identity_providers(settings, ctx.pool_id)?;
    check_attributes(settings, ctx.schema)?;
    if flag(settings, "EnablePropagateAdditionalUserContextData") && !ctx.has_secret {
        // Documented on the member; the message is Cognate's own.
        return Err(ApiError::invalid_parameter(
            "EnablePropagateAdditionalUserContextData can only be activated in an app client that has a client secret.",
        ));
    }
    Ok(())
}

fn strings<'a>(settings: &'a Map<String, Value>, key: &str) -> Vec<&'a str> {
    settings
        .get(key)
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn flag(settings: &Map<String, Value>, key: &str) -> bool {
    settings.get(key).and_then(Value::as_bool).unwrap_or(false)
}

pub fn check_auth_flows(settings: &Map<String, Value>, tier: &str) -> Result<(), ApiError> {
    let flows = strings(settings, "ExplicitAuthFlows");
    let legacy = flows.iter().any(|f| LEGACY_AUTH_FLOWS.contains(f));
    let current = flows.iter().any(|f| f.starts_with("ALLOW_"));
    if legacy && current {
        // The rule is documented; the message is Cognate's own (unconfirmed).
        return Err(ApiError::invalid_parameter(
            "ExplicitAuthFlows cannot mix legacy values (ADMIN_NO_SRP_AUTH, CUSTOM_AUTH_FLOW_ONLY, USER_PASSWORD_AUTH) with values that begin with ALLOW_.",
        ));
    }
    if tier == "LITE" && flows.contains(&"ALLOW_USER_AUTH") {
        return Err(ApiError::new(
            ErrorCode::FeatureUnavailableInTierException,
            "ALLOW_USER_AUTH requires the Essentials or Plus feature plan.",
        ));
    }
    Ok(())
}

fn unit_of<'a>(settings: &'a Map<String, Value>, token: &str) -> &'a str {
    let default = if token == "RefreshToken" {
        "days"
    } else {
        "hours"
    };
    settings
        .get("TokenValidityUnits")
        .and_then(|units| units.get(token))
        .and_then(Value::as_str)
        .unwrap_or(default)
}

fn unit_seconds(unit: &str) -> Option<i64> {
    match unit {
        "seconds" => Some(1),
        "minutes" => Some(60),
        "hours" => Some(3_600),
        "days" => Some(86_400),
        _ => None,
    }
}

/// A token lifetime in seconds, if the setting is present.
fn lifetime(settings: &Map<String, Value>, key: &str, token: &str) -> Option<i64> {
    let value = settings.get(key).and_then(Value::as_i64)?;
    Some(value.saturating_mul(unit_seconds(unit_of(settings, token)).unwrap_or(1)))
}

/// Access and ID tokens live 5 minutes to 1 day (1 hour when unset), refresh tokens 60
/// minutes to 10 years; access and ID tokens may not outlive the refresh token (a rule the
/// CloudFormation reference states for the same settings).
pub fn check_token_validity(settings: &Map<String, Value>) -> Result<(), ApiError> {
    let out_of_range = || ApiError::invalid_parameter("Invalid range for token validity.");
    let refresh = lifetime(settings, "RefreshTokenValidity", "RefreshToken")
        .unwrap_or(DEFAULT_REFRESH_SECONDS);
    if !(3_600..=315_360_000).contains(&refresh) {
        return Err(out_of_range());
    }
    for (key, token) in [
        ("AccessTokenValidity", "AccessToken"),
        ("IdTokenValidity", "IdToken"),
    ] {
        let seconds = lifetime(settings, key, token).unwrap_or(3_600);
        if !(300..=86_400).contains(&seconds) || seconds > refresh {
            return Err(out_of_range());
        }
    }
    Ok(())
}

fn check_urls(settings: &Map<String, Value>) -> Result<(), ApiError> {
    let callbacks = strings(settings, "CallbackURLs");
    for url in callbacks
        .iter()
        .chain(strings(settings, "LogoutURLs").iter())
    {
        check_redirect_url(url)?;
    }
    if let Some(default) = settings.get("DefaultRedirectURI").and_then(Value::as_str) {
        check_redirect_url(default)?;
        if !callbacks.contains(&default) {
            // Documented rule; the message is Cognate's own (unconfirmed).
            return Err(ApiError::invalid_parameter(format!(
                "DefaultRedirectURI {default} must be one of the CallbackURLs."
            )));
        }
    }
    Ok(())
}

/// The OAuth settings fit together. Messages as the real service sends them.
pub fn check_oauth(settings: &Map<String, Value>, has_secret: bool) -> Result<(), ApiError> {
    let flows = strings(settings, "AllowedOAuthFlows");
    let scopes = strings(settings, "AllowedOAuthScopes");
    let oauth_flow = |message: &str| ApiError::new(ErrorCode::InvalidOAuthFlowException, message);
    if flag(settings, "AllowedOAuthFlowsUserPoolClient") && (flows.is_empty() || scopes.is_empty())
    {
        return Err(ApiError::invalid_parameter(
            "AllowedOAuthFlows and AllowedOAuthScopes are required if user pool client is allowed to use OAuth flows.",
        ));
    }
    let interactive = flows.iter().any(|f| matches!(*f, "code" | "implicit"));
    if flows.contains(&"client_credentials") {
        if interactive {
            return Err(oauth_flow(
                "client_credentials flow can not be selected along with code flow or implicit flow.",
            ));
        }
        if !has_secret {
            return Err(oauth_flow(
                "client_credentials flow can not be selected if client does not have a client secret.",
            ));
        }
    }
    if interactive && strings(settings, "CallbackURLs").is_empty() {
        return Err(oauth_flow(
            "CallbackUrls can not be empty when code flow or implicit flow is selected",
        ));
    }
    Ok(())
}

/// Scope names that are neither standard nor of the `<identifier>/<name>` form, and the
/// custom ones split into (resource server identifier, scope name).
pub fn custom_scopes(settings: &Map<String, Value>) -> Result<Vec<(String, String)>, ApiError> {
    let mut custom = Vec::new();
    for scope in strings(settings, "AllowedOAuthScopes") {
        if STANDARD_SCOPES.contains(&scope) {
            continue;
        }
        // Scope names can't contain '/', identifiers can (URLs), so the last one splits.
        match scope.rsplit_once('/') {
            Some((identifier, name)) if !identifier.is_empty() && !name.is_empty() => {
                custom.push((identifier.to_owned(), name.to_owned()));
            }
            _ => return Err(scope_does_not_exist(scope)),
        }
    }
    Ok(custom)
}

/// Message observed in the service's answers (unconfirmed beyond that).
pub fn scope_does_not_exist(scope: &str) -> ApiError {
    ApiError::new(
        ErrorCode::ScopeDoesNotExistException,
        format!("Invalid scope requested: {scope}"),
    )
}

/// Cognate has no third-party identity providers yet, so only COGNITO exists.
fn check_identity_providers(settings: &Map<String, Value>, pool_id: &str) -> Result<(), ApiError> {
    for provider in strings(settings, "SupportedIdentityProviders") {
        if provider != "COGNITO" {
            return Err(ApiError::invalid_parameter(format!(
                "The provider {provider} does not exist for User Pool {pool_id}"
            )));
        }
    }
    Ok(())
}

/// Attributes a client may never write.
const NEVER_WRITABLE: &[&str] = &["sub", "email_verified", "phone_number_verified"];

/// Read and write lists name attributes of the schema; a client must be able to write every
/// required attribute and can't write the service-managed ones. Messages as the service
/// sends them (it uses the "creating" text for both Create and Update: unconfirmed for Update).
pub fn check_attributes(
    settings: &Map<String, Value>,
    schema: &[(String, bool)],
) -> Result<(), ApiError> {
    let known = |name: &str| schema.iter().any(|(n, _)| n == name);
    if strings(settings, "ReadAttributes")
        .iter()
        .any(|a| !known(a))
    {
        return Err(ApiError::invalid_parameter(
            "Invalid read attributes specified while creating a client",
        ));
    }
    let write = strings(settings, "WriteAttributes");
    if write.is_empty() {
        return Ok(());
    }
    let invalid_write = || {
        ApiError::invalid_parameter("Invalid write attributes specified while creating a client")
    };
    if write
        .iter()
        .any(|a| !known(a) || NEVER_WRITABLE.contains(a))
    {
        return Err(invalid_write());
    }
    let missing_required = schema
        .iter()
        .filter(|(name, required)| *required && !NEVER_WRITABLE.contains(&name.as_str()))
        .any(|(name, _)| !write.contains(&name.as_str()));
    if missing_required {
        return Err(invalid_write());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    fn settings(request: Value) -> Map<String, Value> {
        from_request(&object(request), "123456789012")
    }

    fn schema() -> Vec<(String, bool)> {
        vec![
            ("sub".into(), true),
            ("email".into(), true),
            ("email_verified".into(), false),
            ("name".into(), false),
            ("custom:tenant".into(), false),
        ]
    }

    fn ctx<'a>(schema: &'a [(String, bool)], has_secret: bool) -> Context<'a> {
        Context {
            pool_id: "us-east-1_abc",
            has_secret,
            tier: "ESSENTIALS",
            schema,
        }
    }

    #[test]
    fn defaults_match_what_describe_shows() {
        let s = settings(json!({"UserPoolId": "p", "ClientName": "c", "GenerateSecret": true}));
        assert_eq!(s["RefreshTokenValidity"], 30);
        assert_eq!(s["TokenValidityUnits"], json!({}));
        assert_eq!(s["AllowedOAuthFlowsUserPoolClient"], false);
        assert_eq!(s["EnableTokenRevocation"], true);
        assert_eq!(s["EnablePropagateAdditionalUserContextData"], false);
        assert_eq!(s["AuthSessionValidity"], 3);
        assert_eq!(
            s["RefreshTokenRotation"],
            json!({"Feature": "DISABLED", "RetryGracePeriodSeconds": 0})
        );
        for absent in [
            "ExplicitAuthFlows",
            "PreventUserExistenceErrors",
            "AccessTokenValidity",
            "IdTokenValidity",
            "UserPoolId",
            "ClientName",
            "GenerateSecret",
        ] {
            assert!(!s.contains_key(absent), "{absent}");
        }
        assert_eq!(
            effective_auth_flows(&Value::Object(s)),
            vec![
                "ALLOW_REFRESH_TOKEN_AUTH",
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_CUSTOM_AUTH"
            ]
        );
    }

    #[test]
    fn zero_refresh_validity_means_thirty_days_in_the_given_unit() {
        let s = settings(json!({"RefreshTokenValidity": 0}));
        assert_eq!(s["RefreshTokenValidity"], 30);
        let s = settings(json!({"TokenValidityUnits": {"RefreshToken": "hours"}}));
        assert_eq!(s["RefreshTokenValidity"], 720);
        let s = settings(json!({"RefreshTokenValidity": 10}));
        assert_eq!(s["RefreshTokenValidity"], 10);
    }

    #[test]
    fn empty_lists_are_dropped_and_explicit_values_kept() {
        let s = settings(json!({
            "ExplicitAuthFlows": [],
            "CallbackURLs": [],
            "EnableTokenRevocation": false,
            "PreventUserExistenceErrors": "ENABLED",
            "RefreshTokenRotation": {"Feature": "ENABLED"}
        }));
        assert!(!s.contains_key("ExplicitAuthFlows"));
        assert!(!s.contains_key("CallbackURLs"));
        assert_eq!(s["EnableTokenRevocation"], false);
        assert_eq!(s["PreventUserExistenceErrors"], "ENABLED");
        assert_eq!(
            s["RefreshTokenRotation"],
            json!({"Feature": "ENABLED", "RetryGracePeriodSeconds": 0})
        );
    }

    #[test]
    fn analytics_with_an_application_arn_gets_the_service_role() {
        let s = settings(
            json!({"AnalyticsConfiguration": {"ApplicationArn": "arn:aws:mobiletargeting:us-east-1:1:apps/x"}}),
        );
        assert_eq!(
            s["AnalyticsConfiguration"]["RoleArn"],
            "arn:aws:iam::123456789012:role/aws-service-role/cognito-idp.amazonaws.com/AWSServiceRoleForAmazonCognitoIdp"
        );
        assert_eq!(s["AnalyticsConfiguration"]["UserDataShared"], false);
    }

    #[test]
    fn legacy_and_allow_flows_cannot_be_mixed() {
        let mixed =
            settings(json!({"ExplicitAuthFlows": ["USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"]}));
        assert!(check_auth_flows(&mixed, "ESSENTIALS").is_err());
        let legacy =
            settings(json!({"ExplicitAuthFlows": ["ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"]}));
        assert!(check_auth_flows(&legacy, "ESSENTIALS").is_ok());
        // Observed: a list without ALLOW_REFRESH_TOKEN_AUTH is accepted today.
        let alone = settings(json!({"ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"]}));
        assert!(check_auth_flows(&alone, "ESSENTIALS").is_ok());
        let user_auth = settings(json!({"ExplicitAuthFlows": ["ALLOW_USER_AUTH"]}));
        let err = check_auth_flows(&user_auth, "LITE").unwrap_err();
        assert_eq!(err.code, ErrorCode::FeatureUnavailableInTierException);
    }

    #[test]
    fn token_validity_ranges_per_unit() {
        let ok = |v: Value| check_token_validity(&settings(v)).is_ok();
        assert!(ok(json!({})));
        assert!(ok(json!({"AccessTokenValidity": 24})));
        assert!(!ok(json!({"AccessTokenValidity": 25})));
        assert!(ok(
            json!({"AccessTokenValidity": 5, "TokenValidityUnits": {"AccessToken": "minutes"}})
        ));
        assert!(!ok(
            json!({"AccessTokenValidity": 4, "TokenValidityUnits": {"AccessToken": "minutes"}})
        ));
        assert!(!ok(
            json!({"IdTokenValidity": 299, "TokenValidityUnits": {"IdToken": "seconds"}})
        ));
        assert!(ok(
            json!({"IdTokenValidity": 1, "TokenValidityUnits": {"IdToken": "days"}})
        ));
        assert!(!ok(
            json!({"IdTokenValidity": 2, "TokenValidityUnits": {"IdToken": "days"}})
        ));
        assert!(ok(json!({"RefreshTokenValidity": 3650})));
        assert!(!ok(json!({"RefreshTokenValidity": 3651})));
        assert!(ok(
            json!({"RefreshTokenValidity": 60, "TokenValidityUnits": {"RefreshToken": "minutes"}})
        ));
        assert!(!ok(
            json!({"RefreshTokenValidity": 59, "TokenValidityUnits": {"RefreshToken": "minutes"}})
        ));
        // An access token may not outlive the refresh token.
        assert!(!ok(json!({
            "AccessTokenValidity": 2, "RefreshTokenValidity": 1,
            "TokenValidityUnits": {"RefreshToken": "hours"}
        })));
        let err = check_token_validity(&settings(json!({"AccessTokenValidity": 25}))).unwrap_err();
        assert_eq!(err.message, "Invalid range for token validity.");
    }

    #[test]
    fn default_redirect_must_be_a_callback() {
        let schema = schema();
        let s = settings(json!({
            "CallbackURLs": ["https://a.example/cb"],
            "DefaultRedirectURI": "https://b.example/cb"
        }));
        assert!(check(&s, &ctx(&schema, false)).is_err());
        let s = settings(json!({
            "CallbackURLs": ["https://a.example/cb"],
            "DefaultRedirectURI": "https://a.example/cb"
        }));
        assert!(check(&s, &ctx(&schema, false)).is_ok());
    }

    #[test]
    fn oauth_rules() {
        let rule = |v: Value, secret: bool| {
            check_oauth(&settings(v), secret).map_err(|e| (e.code, e.message))
        };
        let err = rule(json!({"AllowedOAuthFlowsUserPoolClient": true}), false).unwrap_err();
        assert_eq!(err.0, ErrorCode::InvalidParameterException);
        let err = rule(
            json!({"AllowedOAuthFlows": ["client_credentials", "code"]}),
            true,
        )
        .unwrap_err();
        assert_eq!(err.0, ErrorCode::InvalidOAuthFlowException);
        assert_eq!(
            err.1,
            "client_credentials flow can not be selected along with code flow or implicit flow."
        );
        let err = rule(json!({"AllowedOAuthFlows": ["client_credentials"]}), false).unwrap_err();
        assert_eq!(
            err.1,
            "client_credentials flow can not be selected if client does not have a client secret."
        );
        assert!(rule(json!({"AllowedOAuthFlows": ["client_credentials"]}), true).is_ok());
        let err = rule(json!({"AllowedOAuthFlows": ["code"]}), false).unwrap_err();
        assert_eq!(err.0, ErrorCode::InvalidOAuthFlowException);
        assert!(
            rule(
                json!({"AllowedOAuthFlows": ["code"], "CallbackURLs": ["https://x.example"]}),
                false
            )
            .is_ok()
        );
    }

    #[test]
    fn scopes_split_into_standard_and_custom() {
        let s = settings(json!({"AllowedOAuthScopes": [
            "openid", "aws.cognito.signin.user.admin", "api/read", "https://api.example.com/v1/write"
        ]}));
        assert_eq!(
            custom_scopes(&s).unwrap(),
            vec![
                ("api".to_owned(), "read".to_owned()),
                ("https://api.example.com/v1".to_owned(), "write".to_owned())
            ]
        );
        let err = custom_scopes(&settings(json!({"AllowedOAuthScopes": ["admin"]}))).unwrap_err();
        assert_eq!(err.code, ErrorCode::ScopeDoesNotExistException);
    }

    #[test]
    fn only_cognito_is_a_known_provider() {
        let schema = schema();
        let s = settings(json!({"SupportedIdentityProviders": ["COGNITO", "Google"]}));
        let err = check(&s, &ctx(&schema, false)).unwrap_err();
        assert_eq!(
            err.message,
            "The provider Google does not exist for User Pool us-east-1_abc"
        );
        let s = settings(json!({"SupportedIdentityProviders": ["COGNITO"]}));
        assert!(check(&s, &ctx(&schema, false)).is_ok());
    }

    #[test]
    fn attribute_permissions() {
        let schema = schema();
        let check = |v: Value| check_attributes(&settings(v), &schema).map_err(|e| e.message);
        assert!(
            check(json!({"ReadAttributes": ["email", "email_verified", "custom:tenant"]})).is_ok()
        );
        assert_eq!(
            check(json!({"ReadAttributes": ["nope"]})).unwrap_err(),
            "Invalid read attributes specified while creating a client"
        );
        assert!(check(json!({"WriteAttributes": ["email", "name"]})).is_ok());
        // Required attributes must be writable; verification flags never are.
        assert!(check(json!({"WriteAttributes": ["name"]})).is_err());
        assert!(check(json!({"WriteAttributes": ["email", "email_verified"]})).is_err());
    }

    #[test]
    fn context_data_needs_a_secret() {
        let schema = schema();
        let s = settings(json!({"EnablePropagateAdditionalUserContextData": true}));
        assert!(check(&s, &ctx(&schema, false)).is_err());
        assert!(check(&s, &ctx(&schema, true)).is_ok());
    }
}
