//! R16: no secrets in logs or plaintext at rest. A whole sign-up → confirm → sign-in →
//! refresh flow runs with `RUST_LOG=trace` and JSON logs; afterwards the canary password,
//! the confirmation code and the refresh token must appear neither in anything the server
//! wrote to stderr nor in the raw bytes of the SQLite database and its WAL.
//!
//! Delivery: on a loopback listener with no `[delivery]` table the development default is
//! to log every delivered message, codes included (`log_messages = true`), because a
//! developer reads them there. That is an explicit developer convenience, not a leak, so
//! this test passes a config file with an explicit `[delivery]` table
//! (`log_messages = false`): with it, nothing but that opt-in may ever log a code.

use std::time::Duration;

use cognate_testkit::{RawClient, ServerOptions, TestServer};
use serde_json::{Value, json};

const CANARY_PASSWORD: &str = "Canary-Pa55word-7f3a";
const USERNAME: &str = "canary-user";
const EMAIL: &str = "canary-user@example.com";

/// Whether `needle` occurs in `haystack`. A six-digit code is short enough to turn up by
/// chance inside a longer run of digits (timestamps, sizes), so for an all-digit needle an
/// occurrence counts only when it is not part of a longer digit run.
fn occurs(haystack: &[u8], needle: &[u8]) -> bool {
    let digits = needle.iter().all(u8::is_ascii_digit);
    haystack
        .windows(needle.len())
        .enumerate()
        .any(|(at, window)| {
            window == needle
                && (!digits
                    || (!at
                        .checked_sub(1)
                        .and_then(|i| haystack.get(i))
                        .is_some_and(u8::is_ascii_digit)
                        && !haystack
                            .get(at + needle.len())
                            .is_some_and(u8::is_ascii_digit)))
        })
}

/// The log without the members that are all digits by nature (timestamps with
/// microseconds), so a code is only found where it was really written.
fn log_without_timestamps(stderr: &str) -> String {
    stderr
        .lines()
        .map(|line| match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(mut object)) => {
                object.remove("timestamp");
                Value::Object(object).to_string()
            }
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ok(response: &cognate_testkit::RawResponse, what: &str) -> Value {
    assert_eq!(response.status, 200, "{what}: {}", response.body);
    response.json()
}

#[tokio::test]
async fn canaries_never_reach_logs_or_the_database() {
    let config_dir = tempfile::tempdir().unwrap();
    let config = config_dir.path().join("cognate.toml");
    // An explicit [delivery] table: messages stay in the outbox, never in the log.
    std::fs::write(&config, "[delivery]\nlog_messages = false\n").unwrap();
    let mut server = TestServer::start(ServerOptions {
        extra_args: vec![
            "--config".into(),
            config.display().to_string(),
            "--log-format".into(),
            "json".into(),
        ],
        env: vec![("RUST_LOG".into(), "trace".into())],
        ..ServerOptions::default()
    })
    .await
    .unwrap();
    let raw = RawClient::new(&server.url);

    let pool = ok(
        &raw.idp(
            "CreateUserPool",
            &json!({"PoolName": "canary", "AutoVerifiedAttributes": ["email"]}),
        )
        .await,
        "CreateUserPool",
    );
    let pool_id = pool["UserPool"]["Id"].as_str().unwrap().to_owned();
    let client = ok(
        &raw.idp(
            "CreateUserPoolClient",
            &json!({
                "UserPoolId": pool_id,
                "ClientName": "app",
                "GenerateSecret": false,
                "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            }),
        )
        .await,
        "CreateUserPoolClient",
    );
    let client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        &raw.idp(
            "SignUp",
            &json!({
                "ClientId": client_id,
                "Username": USERNAME,
                "Password": CANARY_PASSWORD,
                "UserAttributes": [{"Name": "email", "Value": EMAIL}],
            }),
        )
        .await,
        "SignUp",
    );
    let outbox: Value = reqwest::Client::new()
        .get(format!("{}/_cognate/messages", server.url))
        .query(&[("destination", EMAIL), ("limit", "1")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = outbox["messages"][0]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("a confirmation code in {outbox}"))
        .to_owned();
    ok(
        &raw.idp(
            "ConfirmSignUp",
            &json!({"ClientId": client_id, "Username": USERNAME, "ConfirmationCode": code}),
        )
        .await,
        "ConfirmSignUp",
    );
    let signed_in = ok(
        &raw.idp(
            "InitiateAuth",
            &json!({
                "ClientId": client_id,
                "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": USERNAME, "PASSWORD": CANARY_PASSWORD},
            }),
        )
        .await,
        "InitiateAuth",
    );
    let refresh_token = signed_in["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let refreshed = ok(
        &raw.idp(
            "InitiateAuth",
            &json!({
                "ClientId": client_id,
                "AuthFlow": "REFRESH_TOKEN_AUTH",
                "AuthParameters": {"REFRESH_TOKEN": refresh_token},
            }),
        )
        .await,
        "REFRESH_TOKEN_AUTH",
    );
    assert!(refreshed["AuthenticationResult"]["AccessToken"].is_string());

    // Read the database while the temporary directory is still ours, after a clean stop
    // (the WAL may or may not have been checkpointed; both files are read).
    server.terminate();
    assert_eq!(server.wait(Duration::from_secs(30)).await.unwrap(), Some(0));
    let stderr = server.stderr().await;
    assert!(
        stderr.contains("TRACE") || stderr.contains("DEBUG") || stderr.contains("\"level\""),
        "the server logged at trace level in JSON: {stderr}"
    );
    // The harness keeps the first 64 KiB of stderr; the search is only complete below that.
    assert!(
        stderr.len() < 60 * 1024,
        "stderr reached the harness's capture limit ({} bytes), so the search would be incomplete",
        stderr.len()
    );
    let log = log_without_timestamps(&stderr);

    let mut database = Vec::new();
    for entry in std::fs::read_dir(&server.data_dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("cognate.db") {
            database.push((name, std::fs::read(&path).unwrap()));
        }
    }
    assert!(
        database.iter().any(|(name, _)| name == "cognate.db"),
        "the SQLite file is in the data directory: {database:?}",
        database = database.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );

    for (what, canary) in [
        ("password", CANARY_PASSWORD),
        ("confirmation code", code.as_str()),
        ("refresh token", refresh_token.as_str()),
    ] {
        assert!(
            !occurs(log.as_bytes(), canary.as_bytes()),
            "the {what} appears in the server's log:\n{stderr}"
        );
        for (name, bytes) in &database {
            assert!(
                !occurs(bytes, canary.as_bytes()),
                "the {what} appears in plaintext in {name}"
            );
        }
    }
}

#[test]
fn digit_canaries_ignore_longer_digit_runs() {
    assert!(occurs(b"code 123456.", b"123456"));
    assert!(!occurs(b"t=1764441234567", b"123456"));
    assert!(!occurs(b"123456789", b"123456"));
    assert!(occurs(b"xx Canary-Pa55word-7f3a", b"Canary-Pa55word-7f3a"));
    assert!(occurs(b"a1234567", b"1234567"));
}
