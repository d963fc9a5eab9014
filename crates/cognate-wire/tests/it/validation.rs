use cognate_wire::validate::{Input, RenderedValue, ValidationError, render_validation_message};
use cognate_wire::{identity, idp};
use serde_json::json;

fn message<T: Input>(body: serde_json::Value) -> String {
    let errors = T::validate(&body);
    assert!(!errors.is_empty(), "no error for {body}");
    render_validation_message(&errors)
}

#[test]
fn missing_required_member() {
    assert_eq!(
        message::<idp::AdminGetUserRequest>(json!({"Username": "bob"})),
        "1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not be null"
    );
    // JSON null counts as missing.
    assert_eq!(
        message::<idp::CreateUserPoolRequest>(json!({"PoolName": null})),
        "1 validation error detected: Value null at 'poolName' failed to satisfy constraint: Member must not be null"
    );
}

#[test]
fn too_long() {
    let id = format!("us-east-1_{}", "a".repeat(50));
    assert_eq!(
        message::<idp::GetCSVHeaderRequest>(json!({"UserPoolId": id})),
        format!(
            "1 validation error detected: Value '{id}' at 'userPoolId' failed to satisfy constraint: \
             Member must have length less than or equal to 55"
        )
    );
}

#[test]
fn pattern() {
    assert_eq!(
        message::<idp::GetCSVHeaderRequest>(json!({"UserPoolId": "abc"})),
        "1 validation error detected: Value 'abc' at 'userPoolId' failed to satisfy constraint: \
         Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+"
    );
}

#[test]
fn enum_values() {
    assert_eq!(
        message::<idp::CreateUserPoolRequest>(
            json!({"PoolName": "p", "MfaConfiguration": "SOMETIMES"})
        ),
        "1 validation error detected: Value 'SOMETIMES' at 'mfaConfiguration' failed to satisfy constraint: \
         Member must satisfy enum value set: [OFF, ON, OPTIONAL]"
    );
}

#[test]
fn range() {
    assert_eq!(
        message::<idp::ListUsersRequest>(json!({"UserPoolId": "us-east-1_abc", "Limit": 61})),
        "1 validation error detected: Value '61' at 'limit' failed to satisfy constraint: \
         Member must have value less than or equal to 60"
    );
}

#[test]
fn sensitive_values_are_not_echoed() {
    assert_eq!(
        message::<idp::SignUpRequest>(
            json!({"ClientId": "client", "Username": "bob", "Password": " leading space"})
        ),
        "1 validation error detected: Value at 'password' failed to satisfy constraint: \
         Member must satisfy regular expression pattern: ^[\\S]+.*[\\S]+$"
    );
}

#[test]
fn several_errors_in_member_name_order() {
    // AWS reports `password` before `username`, whatever the model's member order.
    assert_eq!(
        message::<idp::SignUpRequest>(
            json!({"ClientId": "client", "Username": "", "Password": ""})
        ),
        "3 validation errors detected: \
         Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\S]+.*[\\S]+$; \
         Value at 'username' failed to satisfy constraint: Member must have length greater than or equal to 1; \
         Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+"
    );
    assert_eq!(
        message::<idp::AdminGetUserRequest>(json!({})),
        "2 validation errors detected: \
         Value null at 'userPoolId' failed to satisfy constraint: Member must not be null; \
         Value null at 'username' failed to satisfy constraint: Member must not be null"
    );
}

#[test]
fn nested_path() {
    assert_eq!(
        message::<idp::CreateUserPoolRequest>(
            json!({"PoolName": "p", "Policies": {"PasswordPolicy": {"MinimumLength": 5}}})
        ),
        "1 validation error detected: Value '5' at 'policies.passwordPolicy.minimumLength' failed to satisfy \
         constraint: Member must have value greater than or equal to 6"
    );
}

#[test]
fn list_element_path() {
    let body = json!({
        "UserPoolId": "us-east-1_abc",
        "Username": "bob",
        "UserAttributes": [{"Name": "email", "Value": "a@example.com"}, {"Value": "x"}, {"Name": "n", "Value": "v".repeat(2049)}],
    });
    assert_eq!(
        message::<idp::AdminCreateUserRequest>(body),
        "2 validation errors detected: \
         Value null at 'userAttributes.2.member.name' failed to satisfy constraint: Member must not be null; \
         Value at 'userAttributes.3.member.value' failed to satisfy constraint: Member must have length less than or equal to 2048"
    );
}

#[test]
fn scalar_collections_are_reported_as_a_whole() {
    let body = json!({"UserPoolId": "us-east-1_abc", "ClientName": "c", "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "NOPE"]});
    assert_eq!(
        message::<idp::CreateUserPoolClientRequest>(body),
        "1 validation error detected: Value '[ALLOW_USER_SRP_AUTH, NOPE]' at 'explicitAuthFlows' failed to satisfy \
         constraint: Member must satisfy constraint: [Member must satisfy enum value set: [ADMIN_NO_SRP_AUTH, \
         CUSTOM_AUTH_FLOW_ONLY, USER_PASSWORD_AUTH, ALLOW_ADMIN_USER_PASSWORD_AUTH, ALLOW_CUSTOM_AUTH, \
         ALLOW_USER_PASSWORD_AUTH, ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_AUTH]]"
    );
    let body = json!({
        "IdentityPoolName": "p",
        "AllowUnauthenticatedIdentities": false,
        "SupportedLoginProviders": {"accounts.google.com": "ok", "graph.facebook.com": "trailing space "},
    });
    assert_eq!(
        message::<identity::CreateIdentityPoolInput>(body),
        "1 validation error detected: Value '{accounts.google.com=ok, graph.facebook.com=trailing space }' at \
         'supportedLoginProviders' failed to satisfy constraint: Map value must satisfy constraint: [Member must \
         have length less than or equal to 128, Member must have length greater than or equal to 1, Member must \
         satisfy regular expression pattern: [\\w.;_/-]+]"
    );
}

#[test]
fn sensitive_maps_are_not_echoed() {
    let body = json!({"IdentityId": "us-east-1:0000", "Logins": {"": "token"}});
    assert_eq!(
        message::<identity::GetOpenIdTokenInput>(body),
        "1 validation error detected: Value at 'logins' failed to satisfy constraint: Map keys must satisfy \
         constraint: [Member must have length less than or equal to 128, Member must have length greater than or \
         equal to 1]"
    );
}

#[test]
fn wrong_json_types_are_left_to_deserialisation() {
    assert!(idp::ListUsersRequest::validate(&json!({"UserPoolId": 5, "Limit": "many"})).is_empty());
}

#[test]
fn valid_input_passes() {
    let body = json!({"PoolName": "p", "Policies": {"PasswordPolicy": {"MinimumLength": 8}}, "MfaConfiguration": "OFF"});
    assert!(idp::CreateUserPoolRequest::validate(&body).is_empty());
}

#[test]
fn message_rendering() {
    let error = ValidationError {
        path: "x".to_string(),
        value: RenderedValue::Shown("abc".to_string()),
        constraint: "Member must have length less than or equal to 2".to_string(),
    };
    assert_eq!(
        render_validation_message(std::slice::from_ref(&error)),
        "1 validation error detected: Value 'abc' at 'x' failed to satisfy constraint: Member must have length less than or equal to 2"
    );
}

#[test]
fn structures_in_maps_are_addressed_by_key() {
    let body = json!({
        "IdentityPoolId": "us-east-1:00ab",
        "Roles": {},
        "RoleMappings": {"graph.facebook.com": {"AmbiguousRoleResolution": "Deny"}},
    });
    assert_eq!(
        message::<identity::SetIdentityPoolRolesInput>(body),
        "1 validation error detected: Value null at 'roleMappings.graph.facebook.com.type' failed to satisfy \
         constraint: Member must not be null"
    );
}
