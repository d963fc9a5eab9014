//! AWS JSON 1.1 as the SDKs parse it: every malformed request gets the right error type,
//! status and headers, and changes nothing.

use cognate_testkit::{RawClient, RawResponse};
use serde_json::json;

use crate::open_server;

const IDP: &str = "AWSCognitoIdentityProviderService";

fn assert_error(response: &RawResponse, status: u16, code: &str) {
    assert_eq!(response.status, status, "{}", response.body);
    assert_eq!(response.error_type(), code, "{}", response.body);
    let header = response.headers["x-amzn-errortype"].to_str().unwrap();
    assert_eq!(
        header.split(':').next(),
        Some(code),
        "header and body name one code"
    );
    assert!(response.headers.contains_key("x-amzn-requestid"));
}

async fn pool_count(client: &RawClient) -> usize {
    let listed = client
        .idp("ListUserPools", &json!({"MaxResults": 60}))
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    listed.json()["UserPools"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn success_carries_request_id_and_content_type() {
    let server = open_server().await;
    let client = RawClient::new(&server.url);
    let created = client
        .idp("CreateUserPool", &json!({"PoolName": "ok"}))
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(
        created.headers["content-type"].to_str().unwrap(),
        "application/x-amz-json-1.1"
    );
    let id = created.headers["x-amzn-requestid"].to_str().unwrap();
    assert_eq!(id.len(), 36);
    assert!(created.json()["UserPool"]["Id"].is_string());
}

#[tokio::test]
async fn malformed_json_is_a_serialization_error() {
    let server = open_server().await;
    let client = RawClient::new(&server.url);
    for body in [
        &b"{not json"[..],
        b"[1,2]",
        b"\"string\"",
        b"{\"PoolName\": \"x\"} trailing",
    ] {
        let response = client
            .send(
                &format!("{IDP}.CreateUserPool"),
                "application/x-amz-json-1.1",
                body.to_vec(),
                None,
            )
            .await;
        assert_error(&response, 400, "SerializationException");
    }
    assert_eq!(pool_count(&client).await, 0);
}

#[tokio::test]
async fn wrong_member_types_are_serialization_errors() {
    let server = open_server().await;
    let client = RawClient::new(&server.url);
    let response = client.idp("CreateUserPool", &json!({"PoolName": 42})).await;
    assert_error(&response, 400, "SerializationException");
    let response = client
        .idp(
            "CreateUserPool",
            &json!({"PoolName": "x", "Policies": {"PasswordPolicy": {"MinimumLength": "eight"}}}),
        )
        .await;
    assert_error(&response, 400, "SerializationException");
    assert_eq!(pool_count(&client).await, 0);
}

#[tokio::test]
async fn constraint_violations_are_invalid_parameter_with_aws_text() {
    let server = open_server().await;
    let client = RawClient::new(&server.url);
    let response = client.idp("CreateUserPool", &json!({})).await;
    assert_error(&response, 400, "InvalidParameterException");
    assert_eq!(
        response.message(),
        "1 validation error detected: Value null at 'poolName' failed to satisfy constraint: \
         Member must not be null"
    );
    let response = client
        .idp(
            "CreateUserPool",
            &json!({"PoolName": "x", "Policies": {"PasswordPolicy": {"MinimumLength": 5}}}),
        )
        .await;
    assert_error(&response, 400, "InvalidParameterException");
    assert!(
        response
            .message()
            .contains("at 'policies.passwordPolicy.minimumLength' failed to satisfy constraint: Member must have value greater than or equal to 6"),
        "{}",
        response.message()
    );
    let response = client
        .idp(
            "CreateUserPool",
            &json!({"PoolName": "x", "MfaConfiguration": "SOMETIMES"}),
        )
        .await;
    assert_error(&response, 400, "InvalidParameterException");
    assert!(
        response
            .message()
            .contains("Member must satisfy enum value set")
    );
    assert_eq!(pool_count(&client).await, 0);
}

#[tokio::test]
async fn unknown_targets_are_unknown_operations() {
    let server = open_server().await;
    let client = RawClient::new(&server.url);
    for target in [
        format!("{IDP}.NoSuchThing"),
        "AWSCognitoIdentityService.NoSuchThing".to_owned(),
        "DynamoDB_20120810.GetItem".to_owned(),
        String::new(),
    ] {
        let response = client
            .send(&target, "application/x-amz-json-1.1", b"{}".to_vec(), None)
            .await;
        assert_error(&response, 400, "UnknownOperationException");
    }
}

#[tokio::test]
async fn wrong_content_type_is_refused() {
    let server = open_server().await;
    let client = RawClient::new(&server.url);
    let response = client
        .send(
            &format!("{IDP}.CreateUserPool"),
            "text/plain",
            json!({"PoolName": "x"}).to_string().into_bytes(),
            None,
        )
        .await;
    assert_eq!(response.status, 400, "{}", response.body);
    assert!(!response.error_type().is_empty());
    assert_eq!(pool_count(&client).await, 0);
}

#[tokio::test]
async fn huge_bodies_are_refused_before_parsing() {
    let server = open_server().await;
    let client = RawClient::new(&server.url);
    let name = "x".repeat(2 * 1024 * 1024);
    let response = client
        .idp("CreateUserPool", &json!({"PoolName": name}))
        .await;
    assert_eq!(
        response.status,
        413,
        "{}",
        &response.body[..response.body.len().min(200)]
    );
    assert_eq!(response.error_type(), "RequestEntityTooLargeException");
    assert_eq!(pool_count(&client).await, 0);
}

#[tokio::test]
async fn operations_without_a_handler_say_so() {
    let server = open_server().await;
    let client = RawClient::new(&server.url);
    let response = client
        .idp("CreateUserImportJob", &json!({"JobName": "j", "UserPoolId": "us-east-1_abc", "CloudWatchLogsRoleArn": "arn:aws:iam::000000000000:role/logs"}))
        .await;
    assert_error(&response, 400, "NotImplementedException");
    assert!(response.message().contains("CreateUserImportJob"));
}

#[tokio::test]
async fn cors_preflight_allows_the_aws_headers() {
    let server = open_server().await;
    let response = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, format!("{}/", server.url))
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let allowed = response.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap();
    assert!(allowed.contains("x-amz-target"));
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
}
