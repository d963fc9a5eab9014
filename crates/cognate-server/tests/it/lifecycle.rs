//! Start-up, health, restart on the same data, graceful shutdown (R36).

use std::time::Duration;

use cognate_testkit::{RawClient, ServerOptions, TestServer};
use serde_json::json;

use crate::{open_server, pool_body};

#[tokio::test]
async fn health_endpoints_answer() {
    let server = open_server().await;
    let http = reqwest::Client::new();
    for path in ["/health", "/health/live", "/health/ready"] {
        let response = http
            .get(format!("{}{path}", server.url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn data_survives_a_restart() {
    let mut server = open_server().await;
    let client = RawClient::new(&server.url);
    let created = client.idp("CreateUserPool", &pool_body("persistent")).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let pool = created.json()["UserPool"].clone();
    let id = pool["Id"].as_str().unwrap().to_owned();
    let group = client
        .idp(
            "CreateGroup",
            &json!({"UserPoolId": id, "GroupName": "admins", "Precedence": 1}),
        )
        .await;
    assert_eq!(group.status, 200, "{}", group.body);

    let temp = server.take_temp_dir();
    let data_dir = server.data_dir.clone();
    server.terminate();
    assert_eq!(server.wait(Duration::from_secs(30)).await.unwrap(), Some(0));

    let server = TestServer::start(ServerOptions {
        data_dir: Some(data_dir),
        ..ServerOptions::default()
    })
    .await
    .unwrap();
    let client = RawClient::new(&server.url);
    let described = client
        .idp("DescribeUserPool", &json!({"UserPoolId": id}))
        .await;
    assert_eq!(described.status, 200, "{}", described.body);
    assert_eq!(described.json()["UserPool"], pool);
    let group = client
        .idp(
            "GetGroup",
            &json!({"UserPoolId": id, "GroupName": "admins"}),
        )
        .await;
    assert_eq!(group.status, 200, "{}", group.body);
    assert_eq!(group.json()["Group"]["Precedence"], 1);
    drop(temp);
}

#[tokio::test]
async fn public_listener_without_credentials_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = tokio::process::Command::new(cognate_testkit::cognate_bin())
        .args(["serve", "--listen", "0.0.0.0:0", "--data-dir"])
        .arg(dir.path())
        .env_remove("COGNATE_ADMIN_CREDENTIALS")
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("refusing to listen"), "{stderr}");
}

#[tokio::test]
async fn json_logs_on_request() {
    let mut server = TestServer::start(ServerOptions {
        extra_args: vec!["--log-format".into(), "json".into()],
        env: vec![("RUST_LOG".into(), "info".into())],
        ..ServerOptions::default()
    })
    .await
    .unwrap();
    let client = RawClient::new(&server.url);
    let created = client.idp("CreateUserPool", &pool_body("logged")).await;
    assert_eq!(created.status, 200);
    server.terminate();
    server.wait(Duration::from_secs(30)).await.unwrap();
    let stderr = server.stderr().await;
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    assert!(!lines.is_empty(), "{stderr}");
    assert!(
        lines.iter().all(|line| line["level"].is_string()),
        "{stderr}"
    );
}

/// R36: on SIGTERM readiness fails at once; in-flight requests finish with 200 and are
/// durable; the process exits 0.
#[tokio::test]
async fn graceful_shutdown_finishes_in_flight_requests() {
    let mut server = TestServer::start(ServerOptions {
        extra_args: vec!["--drain-delay-seconds".into(), "1".into()],
        ..ServerOptions::default()
    })
    .await
    .unwrap();
    let client = RawClient::new(&server.url);
    let created = client.idp("CreateUserPool", &pool_body("draining")).await;
    let pool_id = created.json()["UserPool"]["Id"]
        .as_str()
        .unwrap()
        .to_owned();

    let http = reqwest::Client::new();
    let mut tasks = Vec::new();
    for i in 0..100 {
        let http = http.clone();
        let url = server.url.clone();
        let pool_id = pool_id.clone();
        tasks.push(tokio::spawn(async move {
            let result = http
                .post(format!("{url}/"))
                .header(
                    "x-amz-target",
                    "AWSCognitoIdentityProviderService.CreateGroup",
                )
                .header("content-type", "application/x-amz-json-1.1")
                .body(json!({"UserPoolId": pool_id, "GroupName": format!("g{i}")}).to_string())
                .send()
                .await;
            match result {
                Ok(response) => Some((i, response.status().as_u16())),
                // Refused before acceptance: allowed.
                Err(error) if error.is_connect() => None,
                Err(error) => panic!("request {i} broke mid-flight: {error}"),
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    server.terminate();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let ready = http
        .get(format!("{}/health/ready", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503, "readiness fails while draining");

    let mut acknowledged = Vec::new();
    for task in tasks {
        if let Some((i, status)) = task.await.unwrap() {
            assert_eq!(status, 200, "request {i} got {status}");
            acknowledged.push(i);
        }
    }
    assert_eq!(server.wait(Duration::from_secs(30)).await.unwrap(), Some(0));

    let data_dir = server.data_dir.clone();
    let _temp = server.take_temp_dir();
    let server = TestServer::start(ServerOptions {
        data_dir: Some(data_dir),
        ..ServerOptions::default()
    })
    .await
    .unwrap();
    let client = RawClient::new(&server.url);
    for i in acknowledged {
        let group = client
            .idp(
                "GetGroup",
                &json!({"UserPoolId": pool_id, "GroupName": format!("g{i}")}),
            )
            .await;
        assert_eq!(
            group.status, 200,
            "acknowledged group g{i} lost: {}",
            group.body
        );
    }
}
