//! Connecting and migrating: once across nodes, never backwards.

use cognate_store::{GroupRecord, GroupStore, StoreError, UserPoolRecord, UserPoolStore};
use cognate_store_postgres::PostgresStore;

use crate::support::{drop_schema, fresh_schema, raw_client, test_url};

fn pool(id: &str) -> UserPoolRecord {
    UserPoolRecord {
        id: id.into(),
        name: "n".into(),
        arn: "arn".into(),
        created_ms: 1,
        modified_ms: 1,
        settings: serde_json::json!({}),
        tags: Default::default(),
    }
}

/// Two nodes starting at once on an empty schema: both come up, and each
/// migration ran once (a second run of the DDL would fail, not just repeat).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_connects_migrate_exactly_once() {
    let Some(url) = test_url() else { return };
    let schema = fresh_schema();
    let (a, b, c) = tokio::join!(
        PostgresStore::connect_with_schema(&url, &schema),
        PostgresStore::connect_with_schema(&url, &schema),
        PostgresStore::connect_with_schema(&url, &schema),
    );
    let (a, b, _c) = (a.unwrap(), b.unwrap(), c.unwrap());
    let rows = raw_client(&url)
        .await
        .query(
            &format!("SELECT version, name FROM {schema}.schema_migrations ORDER BY version"),
            &[],
        )
        .await
        .unwrap();
    let applied: Vec<(i64, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(
        applied,
        vec![
            (1, "0001_management".to_owned()),
            (2, "0002_users".to_owned()),
            (3, "0003_counter_slots".to_owned()),
            (4, "0004_signing_key_rotation".to_owned())
        ]
    );
    // Both nodes see one database.
    a.create_user_pool(&pool("p1"), &[]).await.unwrap();
    assert!(b.get_user_pool("p1").await.unwrap().is_some());
    drop_schema(&url, &schema).await;
}

#[tokio::test]
async fn a_newer_schema_is_refused() {
    let Some(url) = test_url() else { return };
    let schema = fresh_schema();
    let store = PostgresStore::connect_with_schema(&url, &schema)
        .await
        .unwrap();
    store.create_user_pool(&pool("p1"), &[]).await.unwrap();
    drop(store);
    raw_client(&url)
        .await
        .execute(
            &format!("INSERT INTO {schema}.schema_migrations VALUES (999, '0999_future', 0)"),
            &[],
        )
        .await
        .unwrap();
    let err = PostgresStore::connect_with_schema(&url, &schema)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        StoreError::SchemaTooNew {
            found: 999,
            supported: PostgresStore::schema_version()
        }
    );
    assert!(err.to_string().contains("refusing to start"), "{err}");
    drop_schema(&url, &schema).await;
}

#[tokio::test]
async fn reconnecting_keeps_data_and_migrations() {
    let Some(url) = test_url() else { return };
    let schema = fresh_schema();
    let store = PostgresStore::connect_with_schema(&url, &schema)
        .await
        .unwrap();
    store.create_user_pool(&pool("p1"), &[]).await.unwrap();
    drop(store);
    let store = PostgresStore::connect_with_schema(&url, &schema)
        .await
        .unwrap();
    assert!(store.get_user_pool("p1").await.unwrap().is_some());
    drop_schema(&url, &schema).await;
}

#[tokio::test]
async fn schemas_isolate_stores() {
    let Some(url) = test_url() else { return };
    let (s1, s2) = (fresh_schema(), fresh_schema());
    let a = PostgresStore::connect_with_schema(&url, &s1).await.unwrap();
    let b = PostgresStore::connect_with_schema(&url, &s2).await.unwrap();
    a.create_user_pool(&pool("p1"), &[]).await.unwrap();
    b.create_user_pool(&pool("p1"), &[]).await.unwrap();
    a.create_group(&GroupRecord {
        pool_id: "p1".into(),
        name: "g".into(),
        description: None,
        role_arn: None,
        precedence: None,
        created_ms: 1,
        modified_ms: 1,
    })
    .await
    .unwrap();
    assert!(b.get_group("p1", "g").await.unwrap().is_none());
    drop_schema(&url, &s1).await;
    drop_schema(&url, &s2).await;
}

#[tokio::test]
async fn unsafe_schema_names_are_refused() {
    // No database needed: the name is checked before connecting.
    for bad in ["", "Upper", "semi;colon", "1digit", "space name", "a-b"] {
        assert!(
            matches!(
                PostgresStore::connect_with_schema("postgres://127.0.0.1:1/x", bad).await,
                Err(StoreError::Internal(_))
            ),
            "{bad:?}"
        );
    }
}
