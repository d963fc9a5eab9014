//! Two Cognate processes on one PostgreSQL database behave as one service: a user signed up
//! on one signs in on the other, and a sign-out on one is honoured by the other at once
//! (R37: nothing security-relevant lives in one node's memory).

use cognate_testkit::{
    Backend, PostgresSchema, RawClient, ServerOptions, TestServer, postgres_url,
};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_users_sessions_and_revocations() {
    let Some(url) = postgres_url() else { return };
    let schema = PostgresSchema::create(&url).await.unwrap();
    // Both nodes must share the key-encryption key to open each other's sealed data.
    let kek = (
        "COGNATE_KEY_ENCRYPTION_KEY".to_owned(),
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".to_owned(),
    );
    let options = ServerOptions {
        backend: Backend::Postgres {
            url: url.clone(),
            schema: schema.name.clone(),
        },
        env: vec![kek],
        // Behind one load balancer every node presents the same issuer.
        extra_args: vec!["--public-url".into(), "https://id.example.test".into()],
        ..ServerOptions::default()
    };
    let a = TestServer::start(options.clone()).await.unwrap();
    let b = TestServer::start(options).await.unwrap();
    let (a, b) = (RawClient::new(&a.url), RawClient::new(&b.url));

    let pool = a
        .idp("CreateUserPool", &json!({"PoolName": "shared"}))
        .await;
    let pool_id = pool.json()["UserPool"]["Id"].as_str().unwrap().to_owned();
    let client = a
        .idp(
            "CreateUserPoolClient",
            &json!({"UserPoolId": pool_id, "ClientName": "app",
                    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}),
        )
        .await;
    let client_id = client.json()["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();

    let signed_up = a
        .idp(
            "SignUp",
            &json!({"ClientId": client_id, "Username": "ada", "Password": "Correct-Horse-9"}),
        )
        .await;
    assert_eq!(signed_up.status, 200, "{}", signed_up.body);
    let confirmed = b
        .idp(
            "AdminConfirmSignUp",
            &json!({"UserPoolId": pool_id, "Username": "ada"}),
        )
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);

    let sign_in = json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                         "AuthParameters": {"USERNAME": "ada", "PASSWORD": "Correct-Horse-9"}});
    let signed_in = b.idp("InitiateAuth", &sign_in).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    let access = signed_in.json()["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let refresh = signed_in.json()["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .unwrap()
        .to_owned();

    // A token from node B works on node A.
    let me = a.idp("GetUser", &json!({"AccessToken": access})).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["Username"], "ada");

    // Sign out on A; B refuses the access token and the refresh token at once.
    let out = a
        .idp("GlobalSignOut", &json!({"AccessToken": access}))
        .await;
    assert_eq!(out.status, 200, "{}", out.body);
    let me = b.idp("GetUser", &json!({"AccessToken": access})).await;
    assert_eq!(me.error_type(), "NotAuthorizedException", "{}", me.body);
    assert_eq!(me.message(), "Access Token has been revoked");
    let refreshed = b
        .idp(
            "InitiateAuth",
            &json!({"ClientId": client_id, "AuthFlow": "REFRESH_TOKEN_AUTH",
                    "AuthParameters": {"REFRESH_TOKEN": refresh}}),
        )
        .await;
    assert_eq!(
        refreshed.error_type(),
        "NotAuthorizedException",
        "{}",
        refreshed.body
    );

    // Lockout counters are shared: failures on both nodes add up to Cognito's limit of five
    // before the first lock (its 1 s, doubling, may expire between slow requests, so keep
    // going until a lock is seen, and never earlier than the fifth failure).
    let wrong = json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                       "AuthParameters": {"USERNAME": "ada", "PASSWORD": "Wrong-Horse-9"}});
    let mut failures = 0;
    let mut locked = false;
    for i in 0..12 {
        let node = if i % 2 == 0 { &a } else { &b };
        let refused = node.idp("InitiateAuth", &wrong).await;
        assert_eq!(
            refused.error_type(),
            "NotAuthorizedException",
            "{}",
            refused.body
        );
        if refused.message() == "Password attempts exceeded" {
            locked = true;
            break;
        }
        assert_eq!(refused.message(), "Incorrect username or password.");
        failures += 1;
    }
    assert!(locked, "no lock after {failures} failures across two nodes");
    assert!(failures >= 5, "locked after only {failures} failures");
}
