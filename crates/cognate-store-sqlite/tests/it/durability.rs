use std::sync::Arc;

use cognate_store::{
    ClientRecord, ClientStore, Constraint, GroupRecord, GroupStore, StoreError, UserPoolRecord,
    UserPoolStore,
};
use cognate_store_sqlite::SqliteStore;
use rusqlite::Connection;
use serde_json::json;

fn pool(id: &str) -> UserPoolRecord {
    UserPoolRecord {
        id: id.into(),
        name: "n".into(),
        arn: format!("arn:{id}"),
        created_ms: 1,
        modified_ms: 1,
        settings: json!({"a": [1, 2, {"b": null}]}),
        tags: Default::default(),
    }
}

#[tokio::test]
async fn data_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("deeper").join("cognate.db");
    {
        let store = SqliteStore::open(&path).unwrap();
        store.create_user_pool(&pool("p1"), &[]).await.unwrap();
        store
            .create_client(&ClientRecord {
                pool_id: "p1".into(),
                client_id: "c1".into(),
                name: "c".into(),
                created_ms: 1,
                modified_ms: 1,
                settings: json!({}),
            })
            .await
            .unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.get_user_pool("p1").await.unwrap(), Some(pool("p1")));
    assert!(store.find_client("c1").await.unwrap().is_some());
}

#[tokio::test]
async fn durability_settings_are_in_force() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cognate.db");
    let _store = SqliteStore::open(&path).unwrap();
    // journal_mode is persistent in the file; a fresh connection sees it.
    let conn = Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn migrations_apply_once_and_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cognate.db");
    drop(SqliteStore::open(&path).unwrap());
    drop(SqliteStore::open(&path).unwrap());
    let conn = Connection::open(&path).unwrap();
    let rows: Vec<(i64, String)> = conn
        .prepare("SELECT version, name FROM schema_migrations ORDER BY version")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        rows,
        vec![
            (1, "0001_management".to_owned()),
            (2, "0002_users".to_owned()),
            (3, "0003_counter_slots".to_owned()),
            (4, "0004_signing_key_rotation".to_owned())
        ]
    );
    assert_eq!(SqliteStore::schema_version(), 4);
}

#[tokio::test]
async fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cognate.db");
    let store = SqliteStore::open(&path).unwrap();
    store.create_user_pool(&pool("p1"), &[]).await.unwrap();
    drop(store);
    Connection::open(&path)
        .unwrap()
        .execute(
            "INSERT INTO schema_migrations VALUES (999, '0999_future', 0)",
            [],
        )
        .unwrap();
    let err = SqliteStore::open(&path).unwrap_err();
    assert_eq!(
        err,
        StoreError::SchemaTooNew {
            found: 999,
            supported: SqliteStore::schema_version()
        }
    );
    assert!(err.to_string().contains("newer than this build"), "{err}");
    // Refusing changed nothing.
    let conn = Connection::open(&path).unwrap();
    let pools: i64 = conn
        .query_row("SELECT count(*) FROM user_pools", [], |r| r.get(0))
        .unwrap();
    assert_eq!(pools, 1);
}

#[tokio::test]
async fn a_renamed_migration_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cognate.db");
    drop(SqliteStore::open(&path).unwrap());
    Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE schema_migrations SET name = 'other' WHERE version = 1",
            [],
        )
        .unwrap();
    assert!(matches!(
        SqliteStore::open(&path),
        Err(StoreError::Internal(_))
    ));
}

/// Two stores on one file behave like two processes: the file lock, not the
/// in-process mutex, decides the race.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_on_one_file_race_safely() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cognate.db");
    let a = Arc::new(SqliteStore::open(&path).unwrap());
    let b = Arc::new(SqliteStore::open(&path).unwrap());
    a.create_user_pool(&pool("p1"), &[]).await.unwrap();
    for round in 0..20 {
        let group = GroupRecord {
            pool_id: "p1".into(),
            name: format!("g{round}"),
            description: None,
            role_arn: None,
            precedence: None,
            created_ms: 1,
            modified_ms: 1,
        };
        let (ra, rb) = tokio::join!(
            {
                let a = a.clone();
                let g = group.clone();
                async move { a.create_group(&g).await }
            },
            {
                let b = b.clone();
                let g = group.clone();
                async move { b.create_group(&g).await }
            }
        );
        let results = [ra, rb];
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "{results:?}"
        );
        assert!(
            results
                .iter()
                .any(|r| r == &Err(StoreError::Conflict(Constraint::GroupName))),
            "{results:?}"
        );
    }
    assert_eq!(b.count_groups("p1").await.unwrap(), 20);
}
