use cognate_wire::idp::{
    AdminGetUserRequest, AdminGetUserResponse, AttributeType, CognitoIdentityProvider,
    DeleteUserRequest, GetCSVHeaderRequest, GetCSVHeaderResponse, UserStatusType, dispatch,
};
use cognate_wire::{ApiError, ErrorCode, RequestContext, Sensitive, Timestamp, identity};
use serde_json::{Value, json};

use crate::support::{block_on, ctx};

/// Implements a few operations; everything else keeps the not-implemented default.
pub struct TestIdp;

#[async_trait::async_trait]
impl CognitoIdentityProvider for TestIdp {
    async fn admin_get_user(
        &self,
        ctx: &RequestContext,
        input: AdminGetUserRequest,
    ) -> Result<AdminGetUserResponse, ApiError> {
        if input.username.expose() == "missing" {
            return Err(ApiError::new(
                ErrorCode::UserNotFoundException,
                "User does not exist.",
            ));
        }
        Ok(AdminGetUserResponse {
            username: input.username,
            user_attributes: Some(vec![AttributeType {
                name: "email".to_string(),
                value: Some(Sensitive::new("bob@example.com".to_string())),
            }]),
            user_create_date: Some(Timestamp::from_millis(ctx.now_ms)),
            user_status: Some(UserStatusType::ForceChangePassword),
            enabled: Some(true),
            ..Default::default()
        })
    }

    async fn get_csv_header(
        &self,
        _ctx: &RequestContext,
        input: GetCSVHeaderRequest,
    ) -> Result<GetCSVHeaderResponse, ApiError> {
        Ok(GetCSVHeaderResponse {
            user_pool_id: Some(input.user_pool_id),
            csv_header: Some(vec!["name".to_string(), "email".to_string()]),
        })
    }

    async fn delete_user(
        &self,
        _ctx: &RequestContext,
        _input: DeleteUserRequest,
    ) -> Result<(), ApiError> {
        Ok(())
    }
}

pub fn call(operation: &str, body: &[u8]) -> Result<Vec<u8>, ApiError> {
    block_on(dispatch(&TestIdp, &ctx(), operation, body))
}

/// cognito-identity with no handlers at all.
pub struct NoIdentity;

impl identity::CognitoIdentity for NoIdentity {}

pub fn call_identity(operation: &str, body: &[u8]) -> Result<Vec<u8>, ApiError> {
    block_on(identity::dispatch(&NoIdentity, &ctx(), operation, body))
}

fn call_json(operation: &str, body: Value) -> Result<Value, ApiError> {
    let bytes = call(operation, body.to_string().as_bytes())?;
    Ok(serde_json::from_slice(&bytes).unwrap())
}

#[test]
fn success_round_trip_uses_the_model_names() {
    let out = call_json(
        "AdminGetUser",
        json!({"UserPoolId": "us-east-1_abc", "Username": "bob"}),
    )
    .unwrap();
    assert_eq!(
        out,
        json!({
            "Username": "bob",
            "UserAttributes": [{"Name": "email", "Value": "bob@example.com"}],
            "UserCreateDate": 1_700_000_000,
            "UserStatus": "FORCE_CHANGE_PASSWORD",
            "Enabled": true,
        })
    );
    let out = call_json("GetCSVHeader", json!({"UserPoolId": "us-east-1_abc"})).unwrap();
    assert_eq!(
        out,
        json!({"UserPoolId": "us-east-1_abc", "CSVHeader": ["name", "email"]})
    );
}

#[test]
fn unit_output_is_an_empty_object() {
    assert_eq!(
        call("DeleteUser", br#"{"AccessToken": "abc.def.ghi"}"#).unwrap(),
        b"{}"
    );
}

#[test]
fn handler_errors_pass_through() {
    let err = call(
        "AdminGetUser",
        br#"{"UserPoolId": "us-east-1_abc", "Username": "missing"}"#,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::UserNotFoundException);
}

#[test]
fn bad_json_is_a_serialization_error() {
    for body in [
        &b"{not json"[..],
        b"[1,2]",
        b"\"string\"",
        b"null",
        b"{\"UserPoolId\": \"x\"} trailing",
    ] {
        let err = call("GetCSVHeader", body).unwrap_err();
        assert_eq!(
            err.code,
            ErrorCode::SerializationException,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn empty_body_is_an_empty_object() {
    let err = call("GetCSVHeader", b"").unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidParameterException);
    assert!(
        err.message.contains("Value null at 'userPoolId'"),
        "{}",
        err.message
    );
}

#[test]
fn wrong_member_types_are_serialization_errors_without_the_value() {
    let err = call(
        "AdminGetUser",
        br#"{"UserPoolId": "us-east-1_abc", "Username": ["hunter2"]}"#,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::SerializationException);
    assert!(err.message.contains("'Username'"), "{}", err.message);

    let err = call(
        "AdminCreateUser",
        br#"{"UserPoolId": "us-east-1_abc", "Username": "bob", "TemporaryPassword": 12345678}"#,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::SerializationException);
    assert!(!err.message.contains("12345678"), "{}", err.message);

    let err = call(
        "CreateUserPool",
        br#"{"PoolName": "p", "Policies": {"PasswordPolicy": {"MinimumLength": "eight"}}}"#,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::SerializationException);
    assert!(
        err.message
            .contains("Policies.PasswordPolicy.MinimumLength"),
        "{}",
        err.message
    );
    assert!(!err.message.contains("eight"), "{}", err.message);
}

#[test]
fn validation_runs_before_the_handler() {
    let err = call(
        "AdminGetUser",
        br#"{"UserPoolId": "nope", "Username": "bob"}"#,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidParameterException);
    assert_eq!(
        err.message,
        "1 validation error detected: Value 'nope' at 'userPoolId' failed to satisfy constraint: \
         Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+"
    );
}

#[test]
fn unimplemented_operations_say_so() {
    let err = call("CreateUserPool", br#"{"PoolName": "p"}"#).unwrap_err();
    assert_eq!(err.code, ErrorCode::NotImplemented);
    assert_eq!(err.code.as_str(), "NotImplementedException");
    assert_eq!(
        err.message,
        "Cognate does not implement CreateUserPool yet."
    );
}

#[test]
fn unknown_operations() {
    let err = call("NoSuchOperation", b"{}").unwrap_err();
    assert_eq!(err.code, ErrorCode::UnknownOperationException);
}

#[test]
fn identity_dispatch_uses_invalid_parameter_too() {
    struct Nothing;
    impl identity::CognitoIdentity for Nothing {}
    let err = block_on(identity::dispatch(
        &Nothing,
        &ctx(),
        "GetId",
        br#"{"IdentityPoolId": "bad"}"#,
    ))
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidParameterException);
    assert!(
        err.message.contains("at 'identityPoolId'"),
        "{}",
        err.message
    );
    let err = block_on(identity::dispatch(
        &Nothing,
        &ctx(),
        "GetId",
        br#"{"IdentityPoolId": "us-east-1:00ab"}"#,
    ))
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotImplemented);
}

#[test]
fn sensitive_members_are_redacted_in_debug() {
    let input: AdminGetUserRequest =
        serde_json::from_value(json!({"UserPoolId": "us-east-1_abc", "Username": "bob"})).unwrap();
    let debug = format!("{input:?}");
    assert!(debug.contains("us-east-1_abc"));
    assert!(!debug.contains("bob"), "{debug}");
}
