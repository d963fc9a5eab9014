//! R30: admin operations need a valid SigV4 signature when credentials are configured;
//! public operations never do. Refused calls change nothing.

use cognate_protocol::sigv4::Credentials;
use cognate_testkit::{ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY, RawClient, ServerOptions, TestServer};
use serde_json::json;

const CREATE_POOL: &str = "AWSCognitoIdentityProviderService.CreateUserPool";

async fn signed_server() -> TestServer {
    TestServer::start(ServerOptions {
        admin_credentials: Some(format!(
            "{ADMIN_ACCESS_KEY}:{ADMIN_SECRET_KEY},SECONDKEY:second-secret"
        )),
        ..ServerOptions::default()
    })
    .await
    .expect("server starts")
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Who signs a request, for which service, at what time (none: unsigned).
type Signature<'a> = Option<(&'a Credentials, &'a str, i64)>;

async fn create_pool(client: &RawClient, signature: Signature<'_>) -> cognate_testkit::RawResponse {
    client
        .send(
            CREATE_POOL,
            "application/x-amz-json-1.1",
            json!({"PoolName": "signed"}).to_string().into_bytes(),
            signature,
        )
        .await
}

async fn pool_count(client: &RawClient) -> usize {
    let listed = client
        .idp_signed("ListUserPools", &json!({"MaxResults": 60}))
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    listed.json()["UserPools"].as_array().map_or(0, Vec::len)
}

fn creds(id: &str, secret: &str) -> Credentials {
    Credentials {
        access_key_id: id.into(),
        secret_access_key: secret.into(),
    }
}

#[tokio::test]
async fn refused_signatures_change_nothing() {
    let server = signed_server().await;
    let client = RawClient::new(&server.url);
    let good = creds(ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY);
    let wrong_secret = creds(ADMIN_ACCESS_KEY, "not-the-secret");
    let unknown_key = creds("AKIDUNKNOWN", ADMIN_SECRET_KEY);

    let cases: Vec<(Signature<'_>, &str)> = vec![
        (None, "MissingAuthenticationTokenException"),
        (
            Some((&wrong_secret, "cognito-idp", now())),
            "InvalidSignatureException",
        ),
        (
            Some((&unknown_key, "cognito-idp", now())),
            "UnrecognizedClientException",
        ),
        (
            Some((&good, "cognito-idp", now() - 20 * 60)),
            "InvalidSignatureException",
        ),
        (
            Some((&good, "cognito-idp", now() + 20 * 60)),
            "InvalidSignatureException",
        ),
        (Some((&good, "s3", now())), "InvalidSignatureException"),
    ];
    for (signature, expected) in cases {
        let response = create_pool(&client, signature).await;
        assert_eq!(response.status, 400, "{}", response.body);
        assert_eq!(response.error_type(), expected, "{}", response.body);
    }
    assert_eq!(pool_count(&client).await, 0);

    let expired = create_pool(&client, Some((&good, "cognito-idp", now() - 20 * 60))).await;
    assert!(
        expired.message().starts_with("Signature expired"),
        "{}",
        expired.message()
    );
}

#[tokio::test]
async fn every_configured_key_works() {
    let server = signed_server().await;
    let client = RawClient::new(&server.url);
    for key in [
        creds(ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY),
        creds("SECONDKEY", "second-secret"),
    ] {
        let response = create_pool(&client, Some((&key, "cognito-idp", now()))).await;
        assert_eq!(response.status, 200, "{}", response.body);
    }
    // Within the allowed skew.
    let key = creds(ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY);
    let response = create_pool(&client, Some((&key, "cognito-idp", now() - 10 * 60))).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(pool_count(&client).await, 3);
}

#[tokio::test]
async fn public_operations_need_no_signature() {
    let server = signed_server().await;
    let client = RawClient::new(&server.url);
    // SignUp is public in Cognito: whatever it answers, it is not an authentication error.
    let response = client
        .idp(
            "SignUp",
            &json!({"ClientId": "abc", "Username": "u", "Password": "p4ssWord!"}),
        )
        .await;
    let code = response.error_type();
    assert!(
        !matches!(
            code.as_str(),
            "MissingAuthenticationTokenException"
                | "InvalidSignatureException"
                | "UnrecognizedClientException"
        ),
        "{}",
        response.body
    );
    // And a Bearer header on a public call (pycognito sends one) is ignored.
    let response = reqwest::Client::new()
        .post(format!("{}/", server.url))
        .header("x-amz-target", "AWSCognitoIdentityProviderService.GetUser")
        .header("content-type", "application/x-amz-json-1.1")
        .header("authorization", "Bearer abc.def.ghi")
        .body(json!({"AccessToken": "abc.def.ghi"}).to_string())
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_ne!(body["__type"], "IncompleteSignatureException");
    assert_ne!(body["__type"], "MissingAuthenticationTokenException");
}

#[tokio::test]
async fn identity_admin_operations_are_signed_too() {
    let server = signed_server().await;
    let client = RawClient::new(&server.url);
    let response = client
        .send(
            "AWSCognitoIdentityService.ListIdentityPools",
            "application/x-amz-json-1.1",
            json!({"MaxResults": 10}).to_string().into_bytes(),
            None,
        )
        .await;
    assert_eq!(response.error_type(), "MissingAuthenticationTokenException");
    let key = creds(ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY);
    let response = client
        .send(
            "AWSCognitoIdentityService.ListIdentityPools",
            "application/x-amz-json-1.1",
            json!({"MaxResults": 10}).to_string().into_bytes(),
            Some((&key, "cognito-identity", now())),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
}
