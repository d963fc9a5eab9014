//! R18 end to end: `cognate keys rotate` against a running server's storage (SQLite and
//! PostgreSQL, where the command and the server meet only in the database). The new
//! keys are published at once; tokens signed before the rotation keep verifying (at GetUser
//! and through the JWKS) until the old keys retire, then both refuse them; fresh sign-ins
//! use the new keys once the server's key cache has expired. The schedule is shrunk to
//! seconds here; the day-long defaults are covered with explicit times in unit tests.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use cognate_crypto::jwt::decode_and_verify_jwt;
use cognate_crypto::signing::PublicKey;
use cognate_testkit::{
    Backend, PostgresSchema, RawClient, ServerOptions, TestServer, postgres_url,
};
use serde_json::{Value, json};

const PUBLIC_URL: &str = "https://id.example.test";
const PASSWORD: &str = "Correct-Horse-9";
/// Signing immediately, keeping old keys three seconds, rereading keys every second: the
/// old keys retire four seconds after the rotation.
const SCHEDULE: &str =
    "[signing_keys]\npublish_ahead_seconds = 0\nretain_seconds = 3\ncache_seconds = 1\n";

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

struct Tokens {
    id: String,
    access: String,
}

fn kid(token: &str) -> String {
    use base64::Engine as _;
    let header = token.split('.').next().unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .unwrap();
    serde_json::from_slice::<Value>(&bytes).unwrap()["kid"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn jwks(server: &TestServer, pool_id: &str) -> Vec<Value> {
    let url = format!("{}/{pool_id}/.well-known/jwks.json", server.url);
    let body: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    body["keys"].as_array().unwrap().clone()
}

fn kids(keys: &[Value]) -> BTreeSet<String> {
    keys.iter()
        .map(|key| key["kid"].as_str().unwrap().to_owned())
        .collect()
}

/// What a verifier with only the published key set concludes about a token.
fn verifies_through(keys: &[Value], token: &str) -> bool {
    let keys: Vec<PublicKey> = keys
        .iter()
        .map(|jwk| PublicKey::from_jwk(jwk).unwrap())
        .collect();
    decode_and_verify_jwt(token, &keys).is_ok()
}

async fn sign_in(client: &RawClient, client_id: &str) -> Tokens {
    let signed_in = client
        .idp(
            "InitiateAuth",
            &json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                    "AuthParameters": {"USERNAME": "ada", "PASSWORD": PASSWORD}}),
        )
        .await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    let result = &signed_in.json()["AuthenticationResult"];
    Tokens {
        id: result["IdToken"].as_str().unwrap().to_owned(),
        access: result["AccessToken"].as_str().unwrap().to_owned(),
    }
}

/// Where the server keeps its keys; `cognate keys` is pointed at the same place.
struct Deployment {
    data_dir: PathBuf,
    config: PathBuf,
    backend: Backend,
}

impl Deployment {
    fn storage_args(&self) -> Vec<String> {
        let mut args = vec![
            "--data-dir".to_owned(),
            self.data_dir.display().to_string(),
            "--config".to_owned(),
            self.config.display().to_string(),
        ];
        if let Backend::Postgres { url, schema } = &self.backend {
            args.extend([
                "--database-url".to_owned(),
                url.clone(),
                "--database-schema".to_owned(),
                schema.clone(),
            ]);
        }
        args
    }

    /// `cognate keys <action>` on the server's storage and configuration: its JSON lines.
    async fn keys(&self, action: &str, pool_id: &str) -> Vec<Value> {
        let output = tokio::process::Command::new(cognate_testkit::cognate_bin())
            .args(["keys", action, "--user-pool-id", pool_id])
            .args(self.storage_args())
            .env_remove("COGNATE_DATABASE_URL")
            .env_remove("COGNATE_CONFIG")
            .env_remove("COGNATE_KEY_ENCRYPTION_KEY")
            .output()
            .await
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }
}

async fn get_user(client: &RawClient, access: &str) -> cognate_testkit::RawResponse {
    client.idp("GetUser", &json!({"AccessToken": access})).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_keeps_old_tokens_until_their_keys_retire_sqlite() {
    rotation_keeps_old_tokens_until_their_keys_retire(Backend::Sqlite).await;
}

/// The deployment with several nodes: the command and the server meet only in the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_keeps_old_tokens_until_their_keys_retire_postgres() {
    let Some(url) = postgres_url() else { return };
    let schema = PostgresSchema::create(&url).await.unwrap();
    rotation_keeps_old_tokens_until_their_keys_retire(Backend::Postgres {
        url,
        schema: schema.name.clone(),
    })
    .await;
}

async fn rotation_keeps_old_tokens_until_their_keys_retire(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let deployment = Deployment {
        data_dir: dir.path().join("data"),
        config: dir.path().join("cognate.toml"),
        backend: backend.clone(),
    };
    std::fs::write(&deployment.config, SCHEDULE).unwrap();
    let server = TestServer::start(ServerOptions {
        backend,
        data_dir: Some(deployment.data_dir.clone()),
        extra_args: vec![
            "--public-url".into(),
            PUBLIC_URL.into(),
            "--config".into(),
            deployment.config.display().to_string(),
        ],
        ..ServerOptions::default()
    })
    .await
    .unwrap();
    let client = RawClient::new(&server.url);
    let pool = client
        .idp("CreateUserPool", &json!({"PoolName": "rotating"}))
        .await;
    let pool_id = pool.json()["UserPool"]["Id"].as_str().unwrap().to_owned();
    let app = client
        .idp(
            "CreateUserPoolClient",
            &json!({"UserPoolId": pool_id, "ClientName": "app",
                    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}),
        )
        .await;
    let client_id = app.json()["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    let signed_up = client
        .idp(
            "SignUp",
            &json!({"ClientId": client_id, "Username": "ada", "Password": PASSWORD}),
        )
        .await;
    assert_eq!(signed_up.status, 200, "{}", signed_up.body);
    let confirmed = client
        .idp(
            "AdminConfirmSignUp",
            &json!({"UserPoolId": pool_id, "Username": "ada"}),
        )
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);

    let old = sign_in(&client, &client_id).await;
    let old_kids = BTreeSet::from([kid(&old.id), kid(&old.access)]);
    assert_eq!(old_kids.len(), 2, "ID and access tokens use different keys");
    assert_eq!(kids(&jwks(&server, &pool_id).await), old_kids);

    let rotated = deployment.keys("rotate", &pool_id).await;
    let rotation = &rotated[0];
    let retire_after_s = rotation["old_retire_after_ms"].as_i64().unwrap() / 1000;
    let new_kid = |key_use: &str| {
        rotation["new_keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|key| key["use"] == key_use)
            .unwrap()["kid"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let new_kids = BTreeSet::from([new_kid("id"), new_kid("access")]);

    // Both generations are published; the old token still works and still verifies.
    let published = jwks(&server, &pool_id).await;
    assert_eq!(kids(&published), &old_kids | &new_kids);
    for key in &published {
        assert!(key.get("d").is_none(), "no private parts: {key}");
    }
    assert!(verifies_through(&published, &old.access));
    assert!(verifies_through(&published, &old.id));
    let me = get_user(&client, &old.access).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert!(
        now_unix() < retire_after_s,
        "the machine was too slow to check before the old keys retired"
    );
    let listed = deployment.keys("list", &pool_id).await;
    let states: BTreeSet<(String, String)> = listed
        .iter()
        .map(|key| {
            (
                key["kid"].as_str().unwrap().to_owned(),
                key["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String)> = old_kids
        .iter()
        .map(|kid| (kid.clone(), "retiring".to_owned()))
        .chain(
            new_kids
                .iter()
                .map(|kid| (kid.clone(), "current".to_owned())),
        )
        .collect();
    assert_eq!(states, expected);

    // Once the server's key cache has expired, fresh sign-ins use the new keys.
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let fresh = sign_in(&client, &client_id).await;
    assert_eq!(kid(&fresh.id), new_kid("id"));
    assert_eq!(kid(&fresh.access), new_kid("access"));
    assert_eq!(get_user(&client, &fresh.access).await.status, 200);

    // After the retention the old keys are gone and their unexpired tokens are refused.
    while now_unix() <= retire_after_s {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let published = jwks(&server, &pool_id).await;
    assert_eq!(kids(&published), new_kids);
    assert!(!verifies_through(&published, &old.access));
    assert!(verifies_through(&published, &fresh.access));
    let me = get_user(&client, &old.access).await;
    assert_eq!(me.error_type(), "NotAuthorizedException", "{}", me.body);
    assert_eq!(get_user(&client, &fresh.access).await.status, 200);
}
