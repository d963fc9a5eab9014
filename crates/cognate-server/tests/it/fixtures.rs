//! Setup shared by the tests that drive sign-in over raw HTTP and read the SQLite file.

use std::path::Path;

use cognate_testkit::{RawClient, RawResponse};
use rusqlite::Connection;
use serde_json::{Value, json};

/// The body of a 200 answer; any other status fails the test, naming `what`.
pub fn ok(response: &RawResponse, what: &str) -> Value {
    assert_eq!(response.status, 200, "{what}: {}", response.body);
    response.json()
}

/// The server's SQLite file, opened beside the running server.
pub fn db(data_dir: &Path) -> Connection {
    let conn = Connection::open(data_dir.join("cognate.db")).unwrap();
    // The server holds the database open (WAL); wait for its writer rather than fail.
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    conn
}

/// A pool named `name` with a client allowing `flows`: (pool id, client id).
pub async fn pool_and_client(raw: &RawClient, name: &str, flows: &[&str]) -> (String, String) {
    let pool = ok(
        &raw.idp("CreateUserPool", &json!({"PoolName": name})).await,
        "CreateUserPool",
    );
    let pool_id = pool["UserPool"]["Id"].as_str().unwrap().to_owned();
    let client = ok(
        &raw.idp(
            "CreateUserPoolClient",
            &json!({"UserPoolId": pool_id, "ClientName": "app", "ExplicitAuthFlows": flows}),
        )
        .await,
        "CreateUserPoolClient",
    );
    let client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    (pool_id, client_id)
}

/// A CONFIRMED user with a permanent password set through the API.
pub async fn confirmed_user(raw: &RawClient, pool_id: &str, username: &str, password: &str) {
    ok(
        &raw.idp(
            "AdminCreateUser",
            &json!({"UserPoolId": pool_id, "Username": username, "MessageAction": "SUPPRESS"}),
        )
        .await,
        "AdminCreateUser",
    );
    ok(
        &raw.idp(
            "AdminSetUserPassword",
            &json!({"UserPoolId": pool_id, "Username": username,
                    "Password": password, "Permanent": true}),
        )
        .await,
        "AdminSetUserPassword",
    );
}
