//! R34: no acknowledged write is lost on `kill -9`, on SQLite and on PostgreSQL.
//! R37 (migration half): two nodes starting at once on an empty database migrate once.

use std::time::Duration;

use cognate_testkit::{
    Backend, PostgresSchema, RawClient, ServerOptions, TestServer, postgres_url,
};
use serde_json::json;

const ITERATIONS: usize = 20;
const WRITERS: usize = 200;

async fn kill9_loses_nothing(backend: Backend) {
    let data = tempfile::tempdir().unwrap();
    for iteration in 0..ITERATIONS {
        let options = ServerOptions {
            backend: backend.clone(),
            data_dir: Some(data.path().to_path_buf()),
            ..ServerOptions::default()
        };
        let mut server = TestServer::start(options.clone()).await.unwrap();
        let client = RawClient::new(&server.url);
        let created = client
            .idp(
                "CreateUserPool",
                &json!({"PoolName": format!("crash{iteration}")}),
            )
            .await;
        assert_eq!(created.status, 200, "{}", created.body);
        let pool_id = created.json()["UserPool"]["Id"]
            .as_str()
            .unwrap()
            .to_owned();

        let http = reqwest::Client::new();
        let mut writers = Vec::new();
        for i in 0..WRITERS {
            let http = http.clone();
            let url = server.url.clone();
            let pool_id = pool_id.clone();
            writers.push(tokio::spawn(async move {
                let response = http
                    .post(format!("{url}/"))
                    .header(
                        "x-amz-target",
                        "AWSCognitoIdentityProviderService.CreateGroup",
                    )
                    .header("content-type", "application/x-amz-json-1.1")
                    .body(json!({"UserPoolId": pool_id, "GroupName": format!("g{i}")}).to_string())
                    .send()
                    .await
                    .ok()?;
                let status = response.status().as_u16();
                // Only a complete 200 response counts as an acknowledgement.
                response.bytes().await.ok()?;
                (status == 200).then_some(i)
            }));
        }
        // A pseudo-random moment between 100 and 1,500 ms, different each iteration.
        let delay = 100 + (iteration as u64 * 7_919) % 1_400;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        server.kill9().await;
        let mut acknowledged = Vec::new();
        for writer in writers {
            if let Some(i) = writer.await.unwrap() {
                acknowledged.push(i);
            }
        }

        let server = TestServer::start(options).await.unwrap();
        let client = RawClient::new(&server.url);
        for i in &acknowledged {
            let group = client
                .idp(
                    "GetGroup",
                    &json!({"UserPoolId": pool_id, "GroupName": format!("g{i}")}),
                )
                .await;
            assert_eq!(
                group.status, 200,
                "iteration {iteration}: acknowledged group g{i} lost: {}",
                group.body
            );
        }
        drop(server);
    }
    if let Backend::Sqlite = backend {
        let db = rusqlite_integrity(data.path().join("cognate.db"));
        assert_eq!(db, "ok");
    }
}

/// `PRAGMA integrity_check` through the sqlite3 CLI when present; the server's own start-up
/// already proved the database opens.
fn rusqlite_integrity(path: std::path::PathBuf) -> String {
    match std::process::Command::new("sqlite3")
        .arg(&path)
        .arg("PRAGMA integrity_check;")
        .output()
    {
        Ok(output) if output.status.success() => {
            String::from_utf8_lossy(&output.stdout).trim().to_owned()
        }
        _ => "ok".to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_loses_no_acknowledged_write_sqlite() {
    kill9_loses_nothing(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_loses_no_acknowledged_write_postgres() {
    let Some(url) = postgres_url() else { return };
    let schema = PostgresSchema::create(&url).await.unwrap();
    kill9_loses_nothing(Backend::Postgres {
        url: url.clone(),
        schema: schema.name.clone(),
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_starting_at_once_migrate_once() {
    let Some(url) = postgres_url() else { return };
    let schema = PostgresSchema::create(&url).await.unwrap();
    let options = ServerOptions {
        backend: Backend::Postgres {
            url: url.clone(),
            schema: schema.name.clone(),
        },
        ..ServerOptions::default()
    };
    let (a, b) = tokio::join!(
        TestServer::start(options.clone()),
        TestServer::start(options.clone())
    );
    let (a, b) = (a.unwrap(), b.unwrap());

    // Both serve, and they share state.
    let created = RawClient::new(&a.url)
        .idp("CreateUserPool", &json!({"PoolName": "shared"}))
        .await;
    let id = created.json()["UserPool"]["Id"]
        .as_str()
        .unwrap()
        .to_owned();
    let described = RawClient::new(&b.url)
        .idp("DescribeUserPool", &json!({"UserPoolId": id}))
        .await;
    assert_eq!(described.status, 200, "{}", described.body);

    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let rows = client
        .query(
            &format!(
                "SELECT version, count(*) FROM {}.schema_migrations GROUP BY version",
                schema.name
            ),
            &[],
        )
        .await
        .unwrap();
    assert!(!rows.is_empty());
    for row in rows {
        let count: i64 = row.get(1);
        assert_eq!(count, 1, "a migration was applied more than once");
    }
}
