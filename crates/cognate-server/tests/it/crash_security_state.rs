//! R34, second half: `kill -9` in the middle of security-relevant writes loses none that
//! was acknowledged. While SignUp, ConfirmSignUp, AdminUserGlobalSignOut and refresh-token
//! rotation run concurrently the server is killed; after a restart every acknowledged
//! sign-up exists, every acknowledged confirmation holds, every acknowledged sign-out still
//! refuses the old tokens, and every rotated-out refresh token stays dead while its
//! successor works. An unacknowledged rotation leaves exactly one usable token.

use std::time::Duration;

use cognate_testkit::{
    Backend, PostgresSchema, RawClient, ServerOptions, TestServer, postgres_url,
};
use serde_json::{Value, json};

const ITERATIONS: usize = 3;
const SIGN_UPS: usize = 40;
const CONFIRMS: usize = 20;
const SIGNED_IN: usize = 20;
const CODE: &str = "424242";
const PASSWORD: &str = "Crash-Test-Passw0rd";

/// A complete 200 response's body, or `None` (an error, or no answer before the kill).
async fn acknowledged(
    http: reqwest::Client,
    url: String,
    operation: &str,
    body: Value,
) -> Option<Value> {
    let response = http
        .post(format!("{url}/"))
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{operation}"),
        )
        .header("content-type", "application/x-amz-json-1.1")
        .body(body.to_string())
        .send()
        .await
        .ok()?;
    let status = response.status().as_u16();
    let bytes = response.bytes().await.ok()?;
    (status == 200).then(|| serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

struct Fixture {
    pool_id: String,
    client_id: String,
    /// Users signed in before the crash: (username, access token, refresh token).
    sessions: Vec<(String, String, String)>,
}

async fn set_up(client: &RawClient, iteration: usize) -> Fixture {
    let pool = client
        .idp(
            "CreateUserPool",
            &json!({
                "PoolName": format!("crash-state-{iteration}"),
                "AutoVerifiedAttributes": ["email"],
            }),
        )
        .await;
    assert_eq!(pool.status, 200, "{}", pool.body);
    let pool_id = pool.json()["UserPool"]["Id"].as_str().unwrap().to_owned();
    let app = client
        .idp(
            "CreateUserPoolClient",
            &json!({
                "UserPoolId": pool_id,
                "ClientName": "app",
                "ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                "RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 0},
            }),
        )
        .await;
    assert_eq!(app.status, 200, "{}", app.body);
    let client_id = app.json()["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    for i in 0..CONFIRMS {
        let r = client
            .idp(
                "SignUp",
                &json!({
                    "ClientId": client_id,
                    "Username": format!("pending{i}"),
                    "Password": PASSWORD,
                    "UserAttributes": [{"Name": "email", "Value": format!("pending{i}@example.com")}],
                }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let mut sessions = Vec::new();
    for i in 0..SIGNED_IN {
        let username = format!("member{i}");
        let created = client
            .idp(
                "AdminCreateUser",
                &json!({
                    "UserPoolId": pool_id,
                    "Username": username,
                    "TemporaryPassword": "Temporary-Pass-1x",
                    "MessageAction": "SUPPRESS",
                }),
            )
            .await;
        assert_eq!(created.status, 200, "{}", created.body);
        let set = client
            .idp(
                "AdminSetUserPassword",
                &json!({"UserPoolId": pool_id, "Username": username, "Password": PASSWORD, "Permanent": true}),
            )
            .await;
        assert_eq!(set.status, 200, "{}", set.body);
        let signed = client
            .idp(
                "AdminInitiateAuth",
                &json!({
                    "UserPoolId": pool_id,
                    "ClientId": client_id,
                    "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                    "AuthParameters": {"USERNAME": username, "PASSWORD": PASSWORD},
                }),
            )
            .await;
        assert_eq!(signed.status, 200, "{}", signed.body);
        let result = &signed.json()["AuthenticationResult"];
        sessions.push((
            username,
            result["AccessToken"].as_str().unwrap().to_owned(),
            result["RefreshToken"].as_str().unwrap().to_owned(),
        ));
    }
    Fixture {
        pool_id,
        client_id,
        sessions,
    }
}

/// What the crash phase got acknowledged.
#[derive(Default)]
struct Acknowledged {
    sign_ups: Vec<usize>,
    confirms: Vec<usize>,
    sign_outs: Vec<usize>,
    /// (session index, the successor refresh token).
    rotations: Vec<(usize, String)>,
    unacknowledged_rotations: Vec<usize>,
}

async fn crash_phase(server: &mut TestServer, fx: &Fixture, iteration: usize) -> Acknowledged {
    let http = reqwest::Client::new();
    let url = server.url.clone();
    let fire = |operation: &'static str, body: Value| {
        tokio::spawn(acknowledged(http.clone(), url.clone(), operation, body))
    };
    let sign_ups: Vec<_> = (0..SIGN_UPS)
        .map(|i| {
            fire(
                "SignUp",
                json!({
                    "ClientId": fx.client_id,
                    "Username": format!("new{i}"),
                    "Password": PASSWORD,
                    "UserAttributes": [{"Name": "email", "Value": format!("new{i}@example.com")}],
                }),
            )
        })
        .collect();
    let confirms: Vec<_> = (0..CONFIRMS)
        .map(|i| {
            fire(
                "ConfirmSignUp",
                json!({"ClientId": fx.client_id, "Username": format!("pending{i}"), "ConfirmationCode": CODE}),
            )
        })
        .collect();
    // Even sessions sign out, odd ones rotate their refresh token.
    let session_ops: Vec<_> = fx
        .sessions
        .iter()
        .enumerate()
        .map(|(i, (username, _, refresh))| {
            if i % 2 == 0 {
                fire(
                    "AdminUserGlobalSignOut",
                    json!({"UserPoolId": fx.pool_id, "Username": username}),
                )
            } else {
                fire(
                    "GetTokensFromRefreshToken",
                    json!({"ClientId": fx.client_id, "RefreshToken": refresh}),
                )
            }
        })
        .collect();
    // A pseudo-random moment between 30 and 430 ms, different each iteration: the writes
    // above take a few hundred milliseconds in all, so the kill lands among them.
    let delay = 30 + (iteration as u64 * 7_919) % 400;
    tokio::time::sleep(Duration::from_millis(delay)).await;
    server.kill9().await;

    let mut acked = Acknowledged::default();
    for (i, task) in sign_ups.into_iter().enumerate() {
        if task.await.unwrap().is_some() {
            acked.sign_ups.push(i);
        }
    }
    for (i, task) in confirms.into_iter().enumerate() {
        if task.await.unwrap().is_some() {
            acked.confirms.push(i);
        }
    }
    for (i, task) in session_ops.into_iter().enumerate() {
        match (i % 2 == 0, task.await.unwrap()) {
            (true, Some(_)) => acked.sign_outs.push(i),
            (true, None) => {}
            (false, Some(body)) => acked.rotations.push((
                i,
                body["AuthenticationResult"]["RefreshToken"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )),
            (false, None) => acked.unacknowledged_rotations.push(i),
        }
    }
    acked
}

async fn refresh(client: &RawClient, fx: &Fixture, token: &str) -> cognate_testkit::RawResponse {
    client
        .idp(
            "GetTokensFromRefreshToken",
            &json!({"ClientId": fx.client_id, "RefreshToken": token}),
        )
        .await
}

async fn verify(client: &RawClient, fx: &Fixture, acked: &Acknowledged, iteration: usize) {
    let status_of = |username: String| async move {
        let r = client
            .idp(
                "AdminGetUser",
                &json!({"UserPoolId": fx.pool_id, "Username": username}),
            )
            .await;
        assert_eq!(r.status, 200, "iteration {iteration}: {}", r.body);
        r.json()["UserStatus"].as_str().unwrap().to_owned()
    };
    for i in &acked.sign_ups {
        status_of(format!("new{i}")).await;
    }
    for i in &acked.confirms {
        assert_eq!(
            status_of(format!("pending{i}")).await,
            "CONFIRMED",
            "iteration {iteration}: acknowledged confirmation of pending{i} lost"
        );
    }
    for i in &acked.sign_outs {
        let (_, access, refresh_token) = &fx.sessions[*i];
        let r = client.idp("GetUser", &json!({"AccessToken": access})).await;
        assert_eq!(
            r.error_type(),
            "NotAuthorizedException",
            "iteration {iteration}: sign-out of session {i} lost: {}",
            r.body
        );
        let r = refresh(client, fx, refresh_token).await;
        assert_eq!(r.status, 400, "iteration {iteration}: {}", r.body);
    }
    for (i, successor) in &acked.rotations {
        let (_, _, old) = &fx.sessions[*i];
        // The successor first: presenting the dead token afterwards revokes the family.
        let r = refresh(client, fx, successor).await;
        assert_eq!(
            r.status, 200,
            "iteration {iteration}: acknowledged rotation of session {i} lost its successor: {}",
            r.body
        );
        let r = refresh(client, fx, old).await;
        assert_eq!(
            r.error_type(),
            "RefreshTokenReuseException",
            "iteration {iteration}: rotated-out token of session {i} works again: {}",
            r.body
        );
    }
    for i in &acked.unacknowledged_rotations {
        // Either the rotation never committed (the old token works) or it did (the old
        // token is reuse); never an error of another kind.
        let (_, _, old) = &fx.sessions[*i];
        let r = refresh(client, fx, old).await;
        assert!(
            r.status == 200 || r.error_type() == "RefreshTokenReuseException",
            "iteration {iteration}: session {i}: {}",
            r.body
        );
    }
}

async fn kill9_keeps_security_state(backend: Backend) {
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("cognate.toml");
    // The quotas would refuse most of the burst before it reaches the database; this test is
    // about what reaches it.
    std::fs::write(
        &config,
        "[rate_limits]\nuser_creation = 0\nuser_authentication = 0\n",
    )
    .unwrap();
    let options = ServerOptions {
        backend,
        data_dir: Some(data.path().join("db")),
        extra_args: vec![
            "--config".into(),
            config.display().to_string(),
            "--dev-fixed-code".into(),
            CODE.into(),
        ],
        ..ServerOptions::default()
    };
    for iteration in 0..ITERATIONS {
        let mut server = TestServer::start(options.clone()).await.unwrap();
        let fx = set_up(&RawClient::new(&server.url), iteration).await;
        let acked = crash_phase(&mut server, &fx, iteration).await;
        let server = TestServer::start(options.clone()).await.unwrap();
        verify(&RawClient::new(&server.url), &fx, &acked, iteration).await;
        eprintln!(
            "iteration {iteration}: acknowledged {} sign-ups, {} confirmations, {} sign-outs, {} rotations ({} unacknowledged)",
            acked.sign_ups.len(),
            acked.confirms.len(),
            acked.sign_outs.len(),
            acked.rotations.len(),
            acked.unacknowledged_rotations.len()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_keeps_security_state_sqlite() {
    kill9_keeps_security_state(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_keeps_security_state_postgres() {
    let Some(url) = postgres_url() else { return };
    let schema = PostgresSchema::create(&url).await.unwrap();
    kill9_keeps_security_state(Backend::Postgres {
        url: url.clone(),
        schema: schema.name.clone(),
    })
    .await;
}
