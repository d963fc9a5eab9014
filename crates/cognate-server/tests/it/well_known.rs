//! JWKS and OpenID discovery per pool, with the issuer pinned to configuration (R29).

use cognate_testkit::{RawClient, ServerOptions, TestServer};
use serde_json::{Value, json};

const PUBLIC_URL: &str = "https://id.example.test";

async fn server_with_pool() -> (TestServer, String) {
    let server = TestServer::start(ServerOptions {
        extra_args: vec!["--public-url".into(), PUBLIC_URL.into()],
        ..ServerOptions::default()
    })
    .await
    .unwrap();
    let created = RawClient::new(&server.url)
        .idp("CreateUserPool", &json!({"PoolName": "keys"}))
        .await;
    let pool_id = created.json()["UserPool"]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    (server, pool_id)
}

async fn get(url: &str, forged_host: bool) -> (u16, Value) {
    let mut request = reqwest::Client::new().get(url);
    if forged_host {
        request = request
            .header("host", "evil.test")
            .header("x-forwarded-host", "evil.test")
            .header("x-forwarded-proto", "http");
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn jwks_publishes_two_rs256_signing_keys() {
    let (server, pool_id) = server_with_pool().await;
    let (status, body) = get(
        &format!("{}/{pool_id}/.well-known/jwks.json", server.url),
        false,
    )
    .await;
    assert_eq!(status, 200);
    let keys = body["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "ID and access tokens use different keys");
    for key in keys {
        assert_eq!(key["kty"], "RSA");
        assert_eq!(key["alg"], "RS256");
        assert_eq!(key["use"], "sig");
        assert_eq!(key["e"], "AQAB");
        assert!(key["kid"].as_str().is_some_and(|kid| !kid.is_empty()));
        assert!(key.get("d").is_none(), "no private material");
    }
    assert_ne!(keys[0]["kid"], keys[1]["kid"]);
}

#[tokio::test]
async fn discovery_issuer_comes_from_configuration_not_headers() {
    let (server, pool_id) = server_with_pool().await;
    let url = format!("{}/{pool_id}/.well-known/openid-configuration", server.url);
    for forged in [false, true] {
        let (status, doc) = get(&url, forged).await;
        assert_eq!(status, 200);
        assert_eq!(doc["issuer"], format!("{PUBLIC_URL}/{pool_id}"));
        assert_eq!(
            doc["jwks_uri"],
            format!("{PUBLIC_URL}/{pool_id}/.well-known/jwks.json")
        );
        assert!(!doc.to_string().contains("evil.test"));
    }
}

#[tokio::test]
async fn unknown_pools_have_no_keys() {
    let (server, _) = server_with_pool().await;
    for pool in ["us-east-1_Missing00", "..%2F..%2Fetc", "<script>"] {
        let (status, body) = get(
            &format!("{}/{pool}/.well-known/jwks.json", server.url),
            false,
        )
        .await;
        assert_eq!(status, 404, "{pool}");
        assert!(!body.to_string().contains("<script>"));
    }
}
