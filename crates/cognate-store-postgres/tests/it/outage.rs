//! R35: a database that is gone fails calls quickly, and service resumes
//! without a restart.

use std::time::{Duration, Instant};

use cognate_store::{Health, StoreError, UserPoolStore};
use cognate_store_postgres::{PostgresOptions, PostgresStore};

use crate::support::{drop_schema, fresh_schema, raw_client, test_url};

/// Nothing listens on port 1: connecting is refused at once.
#[tokio::test]
async fn refused_connection_is_unavailable_quickly() {
    let started = Instant::now();
    let err = PostgresStore::connect("postgres://postgres@127.0.0.1:1/test")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(err.is_retryable());
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// A host that never answers (a blackholed address) still fails within the
/// acquire timeout rather than hanging.
#[tokio::test]
async fn unanswered_connection_times_out() {
    let started = Instant::now();
    let options = PostgresOptions {
        acquire_timeout: Duration::from_millis(500),
        ..PostgresOptions::default()
    };
    // 10.255.255.1 is unroutable here; the SYN goes nowhere.
    let err =
        PostgresStore::connect_with_options("postgres://postgres@10.255.255.1:5432/test", options)
            .await
            .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

/// The server kills every connection of this node (as a restart does); the
/// next calls get fresh connections instead of failing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_connections_are_replaced() {
    let Some(url) = test_url() else { return };
    let schema = fresh_schema();
    let app = format!("cognate_kill_{}", &schema["cognate_test_".len()..]);
    let sep = if url.contains('?') { '&' } else { '?' };
    let node_url = format!("{url}{sep}application_name={app}");
    let store = PostgresStore::connect_with_schema(&node_url, &schema)
        .await
        .unwrap();
    // Fill the pool with a few live connections.
    let pings = tokio::join!(store.ping(), store.ping(), store.ping(), store.ping());
    for r in [pings.0, pings.1, pings.2, pings.3] {
        r.unwrap();
    }

    let killed: i64 = raw_client(&url)
        .await
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE application_name = $1",
            &[&app],
        )
        .await
        .unwrap()
        .get(0);
    assert!(killed >= 1, "no connection of the store was found to kill");

    for i in 0..10 {
        store
            .create_user_pool(
                &cognate_store::UserPoolRecord {
                    id: format!("p{i}"),
                    name: "n".into(),
                    arn: "arn".into(),
                    created_ms: 1,
                    modified_ms: 1,
                    settings: serde_json::json!({}),
                    tags: Default::default(),
                },
                &[],
            )
            .await
            .unwrap();
    }
    store.ping().await.unwrap();
    assert_eq!(store.count_user_pools().await.unwrap(), 10);
    drop_schema(&url, &schema).await;
}
