//! R33: the dispatcher never panics, whatever the body.

use proptest::prelude::*;
use serde_json::Value;

use crate::dispatch::{call, call_identity};

/// Cases per operation. The operations below cover nested structures, lists, maps (of
/// structures too), enums, sensitive members and blobs.
const CASES: u32 = 2_500;

/// Member names the model uses, so that generated objects reach the validators and the
/// typed deserialisers rather than being ignored as unknown members.
const NAMES: &[&str] = &[
    "UserPoolId",
    "Username",
    "PoolName",
    "Policies",
    "PasswordPolicy",
    "MinimumLength",
    "UserAttributes",
    "Name",
    "Value",
    "MfaConfiguration",
    "TemporaryPassword",
    "ClientMetadata",
    "LambdaConfig",
    "Schema",
    "AttributeDataType",
    "ImageFile",
    "CSS",
    "ClientId",
    "DesiredDeliveryMediums",
    "UserPoolTags",
    "StringAttributeConstraints",
    "MaxLength",
    "IdentityPoolId",
    "Roles",
    "RoleMappings",
    "Type",
    "AmbiguousRoleResolution",
    "RulesConfiguration",
    "Rules",
    "Claim",
    "MatchType",
];

fn object(inner: impl Strategy<Value = Value>) -> impl Strategy<Value = Value> {
    prop::collection::vec((prop::sample::select(NAMES), inner), 0..6).prop_map(|entries| {
        Value::Object(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        "(us-east-1_[a-z0-9]{1,8}|[A-Z_]{1,10}|aGVsbG8=)".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            object(inner),
        ]
    })
}

/// Members that make the operation's input valid, so that random extra members get past
/// the required checks and reach the typed deserialiser and the handler.
fn valid_base(operation: &str) -> Value {
    match operation {
        "CreateUserPool" => serde_json::json!({"PoolName": "pool"}),
        "SetUICustomization" => serde_json::json!({"UserPoolId": "us-east-1_abc"}),
        "SetIdentityPoolRoles" => {
            serde_json::json!({"IdentityPoolId": "us-east-1:00ab", "Roles": {}})
        }
        _ => serde_json::json!({"UserPoolId": "us-east-1_abc", "Username": "bob"}),
    }
}

fn body(operation: &'static str) -> impl Strategy<Value = Vec<u8>> {
    let based = object(json_value()).prop_map(move |extra| {
        let mut base = valid_base(operation);
        if let (Value::Object(base), Value::Object(extra)) = (&mut base, extra) {
            base.extend(extra);
        }
        base.to_string().into_bytes()
    });
    prop_oneof![
        3 => based,
        2 => object(json_value()).prop_map(|v| v.to_string().into_bytes()),
        1 => json_value().prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ]
}

fn run(operation: &'static str) {
    let config = ProptestConfig {
        cases: CASES,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(body in body(operation))| {
        // Any result is fine; only a panic fails.
        let _ = if operation == "SetIdentityPoolRoles" {
            call_identity(operation, &body)
        } else {
            call(operation, &body)
        };
    });
}

#[test]
fn dispatch_never_panics_create_user_pool() {
    run("CreateUserPool");
}

#[test]
fn dispatch_never_panics_admin_create_user() {
    run("AdminCreateUser");
}

#[test]
fn dispatch_never_panics_admin_get_user() {
    run("AdminGetUser");
}

#[test]
fn dispatch_never_panics_set_ui_customization() {
    run("SetUICustomization");
}

#[test]
fn dispatch_never_panics_set_identity_pool_roles() {
    run("SetIdentityPoolRoles");
}
