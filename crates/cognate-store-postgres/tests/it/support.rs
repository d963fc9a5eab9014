use cognate_store::conformance::Harness;
use cognate_store_postgres::PostgresStore;
use std::sync::Arc;

pub const URL_VAR: &str = "COGNATE_TEST_POSTGRES_URL";

/// The test database URL; `None` (skip) locally when unset, a failure in CI.
pub fn test_url() -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("{URL_VAR} must be set when CI=true: the PostgreSQL suite may not skip in CI")
        }
        _ => {
            eprintln!("skipping PostgreSQL test: {URL_VAR} is not set");
            None
        }
    }
}

/// A schema name no other test uses.
pub fn fresh_schema() -> String {
    format!("cognate_test_{}", uuid::Uuid::new_v4().simple())
}

/// A plain connection for inspecting or breaking things behind the store's back.
pub async fn raw_client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("raw connection");
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

pub async fn drop_schema(url: &str, schema: &str) {
    raw_client(url)
        .await
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .await
        .expect("drop test schema");
}

/// A store on its own schema, dropped again after a passing case.
pub async fn harness() -> Option<Harness> {
    let url = test_url()?;
    let schema = fresh_schema();
    let store = PostgresStore::connect_with_schema(&url, &schema)
        .await
        .expect("connect");
    Some(Harness::new(Arc::new(store)).on_finish(async move { drop_schema(&url, &schema).await }))
}
