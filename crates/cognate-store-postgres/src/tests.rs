//! Tests of the internals that need a live server: error mapping against the
//! real schema, retries and timeouts. They use `COGNATE_TEST_POSTGRES_URL`
//! like the integration tests (skip locally, fail under `CI=true`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use cognate_store::{Constraint, StoreError};

use crate::db::transact;
use crate::error::map_pg;
use crate::{PostgresOptions, PostgresStore};

fn test_url() -> Option<String> {
    match std::env::var("COGNATE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("COGNATE_TEST_POSTGRES_URL must be set when CI=true")
        }
        _ => {
            eprintln!("skipping PostgreSQL test: COGNATE_TEST_POSTGRES_URL is not set");
            None
        }
    }
}

struct Fixture {
    store: PostgresStore,
    url: String,
    schema: String,
}

impl Fixture {
    async fn new(query_timeout: Duration) -> Option<Self> {
        let url = test_url()?;
        let schema = format!("cognate_unit_{}", uuid::Uuid::new_v4().simple());
        let options = PostgresOptions {
            schema: Some(schema.clone()),
            query_timeout,
            ..PostgresOptions::default()
        };
        let store = PostgresStore::connect_with_options(&url, options)
            .await
            .unwrap();
        Some(Self { store, url, schema })
    }

    /// Runs raw SQL through the store's own pool and maps the error.
    async fn run(&self, sql: &str) -> Result<(), StoreError> {
        let client = self.store.db.client().await?;
        client.batch_execute(sql).await.map_err(map_pg)
    }

    async fn finish(self) {
        let schema = self.schema.clone();
        drop(self.store);
        let (client, conn) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        client
            .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn every_unique_key_in_the_schema_has_a_named_constraint() {
    let Some(f) = Fixture::new(Duration::from_secs(3)).await else {
        return;
    };
    f.run("INSERT INTO user_pools VALUES ('p', 'n', 'arn', 1, 1, '{}', '{}')")
        .await
        .unwrap();
    f.run("INSERT INTO user_pools VALUES ('q', 'n', 'arn', 1, 1, '{}', '{}')")
        .await
        .unwrap();
    let cases = [
        (
            "INSERT INTO user_pools VALUES ('p', 'n', 'arn', 1, 1, '{}', '{}')",
            Constraint::UserPoolId,
        ),
        (
            "INSERT INTO signing_keys VALUES ('p', 'k', 'RS256', '\\x00', '{}', '\\x00', 1, true, 'id', 1, NULL)",
            Constraint::SigningKeyId,
        ),
        (
            "INSERT INTO clients VALUES ('c', 'p', 'n', 1, 1, '{}')",
            Constraint::ClientId,
        ),
        (
            "INSERT INTO client_secrets VALUES ('p', 'c', 's', '\\x00', 1)",
            Constraint::ClientSecretId,
        ),
        (
            "INSERT INTO groups VALUES ('p', 'g', NULL, NULL, NULL, 1, 1)",
            Constraint::GroupName,
        ),
        (
            "INSERT INTO resource_servers VALUES ('p', 'r', 'n', '[]', 1, 1)",
            Constraint::ResourceServerIdentifier,
        ),
        (
            "INSERT INTO identity_pools VALUES ('i', 'n', 1, 1, '{}', '{}')",
            Constraint::IdentityPoolId,
        ),
        (
            "INSERT INTO identities VALUES ('i:1', 'i', 1, 1, NULL)",
            Constraint::IdentityId,
        ),
        (
            "INSERT INTO identity_logins VALUES ('i', 'p', 's', 'i:1')",
            Constraint::IdentityLogin,
        ),
    ];
    for (sql, constraint) in cases {
        if constraint != Constraint::UserPoolId {
            f.run(sql).await.unwrap();
        }
        assert_eq!(
            f.run(sql).await,
            Err(StoreError::Conflict(constraint)),
            "{sql}"
        );
    }
    // A domain row can break two keys; break one at a time.
    f.run("INSERT INTO domains VALUES ('d', 'p', false, '{}', 1, 1)")
        .await
        .unwrap();
    assert_eq!(
        f.run("INSERT INTO domains VALUES ('d', 'q', false, '{}', 1, 1)")
            .await,
        Err(StoreError::Conflict(Constraint::Domain))
    );
    assert_eq!(
        f.run("INSERT INTO domains VALUES ('d2', 'p', false, '{}', 1, 1)")
            .await,
        Err(StoreError::Conflict(Constraint::PoolHasDomain))
    );
    assert_eq!(
        f.run("INSERT INTO groups VALUES ('nope', 'g', NULL, NULL, NULL, 1, 1)")
            .await,
        Err(StoreError::NotFound)
    );

    // Users: one key broken per row; the first insert succeeds.
    let user = |sub: &str, key: &str, aliases: [&str; 3]| {
        let alias = |a: &str| {
            if a.is_empty() {
                "NULL".to_owned()
            } else {
                format!("'{a}'")
            }
        };
        format!(
            "INSERT INTO users VALUES ('p', '{sub}', 'n', '{key}', 'CONFIRMED', true, NULL, NULL,
                 1, 1, 0, '{{}}', {}, {}, {}, NULL)",
            alias(aliases[0]),
            alias(aliases[1]),
            alias(aliases[2])
        )
    };
    f.run(&user("s1", "alice", ["a@x", "+1", "al"]))
        .await
        .unwrap();
    let cases = [
        (user("s1", "other", ["", "", ""]), Constraint::UserSub),
        (user("s2", "alice", ["", "", ""]), Constraint::Username),
        (
            user("s2", "bob", ["a@x", "", ""]),
            Constraint::Alias("email".into()),
        ),
        (
            user("s2", "bob", ["", "+1", ""]),
            Constraint::Alias("phone_number".into()),
        ),
        (
            user("s2", "bob", ["", "", "al"]),
            Constraint::Alias("preferred_username".into()),
        ),
    ];
    for (sql, constraint) in cases {
        assert_eq!(
            f.run(&sql).await,
            Err(StoreError::Conflict(constraint)),
            "{sql}"
        );
    }
    // Users without aliases do not collide on the empty alias columns.
    f.run(&user("s2", "bob", ["", "", ""])).await.unwrap();
    for (sql, constraint) in [
        (
            "INSERT INTO refresh_tokens VALUES ('\\x01', 'p', 's1', 'c', 'j', 1, NULL, '', 1, 2, false, NULL)",
            Constraint::RefreshToken,
        ),
        (
            "INSERT INTO outbox VALUES ('m', 'p', NULL, 'EMAIL', 'd', 'x', '\\x00', 1, 'PENDING', 0, NULL, 1)",
            Constraint::MessageId,
        ),
    ] {
        f.run(sql).await.unwrap();
        assert_eq!(
            f.run(sql).await,
            Err(StoreError::Conflict(constraint)),
            "{sql}"
        );
    }
    f.finish().await;
}

/// Every ListUsers shape can be answered from an index in order (no sort),
/// with the cursor as the seek position: the partial attribute index and
/// the "C" collation are usable by the statements as written. Sequential
/// scans are switched off because the tables are empty here, where the
/// planner would rightly prefer them.
#[tokio::test]
async fn list_users_can_read_indexes_in_order() {
    let Some(f) = Fixture::new(Duration::from_secs(3)).await else {
        return;
    };
    let client = f.store.db.client().await.unwrap();
    client
        .batch_execute("SET enable_seqscan = off; SET enable_sort = off")
        .await
        .unwrap();
    for (sql, args) in crate::users::explainable_list_users() {
        let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = args
            .iter()
            .map(|a| a.as_ref() as &(dyn tokio_postgres::types::ToSql + Sync))
            .collect();
        let rows = client
            .query(&format!("EXPLAIN {sql}"), &params)
            .await
            .unwrap();
        let plan: Vec<String> = rows.iter().map(|r| r.get::<_, String>(0)).collect();
        let plan = plan.join("\n");
        assert!(!plan.contains("Sort"), "{sql}\n{plan}");
        assert!(!plan.contains("Seq Scan on users"), "{sql}\n{plan}");
        if sql.contains("a.search_key") {
            assert!(plan.contains("user_attributes_search"), "{sql}\n{plan}");
        }
        for (order, index) in [
            ("ORDER BY u.status", "users_by_status"),
            ("ORDER BY u.enabled", "users_by_enabled"),
            ("ORDER BY u.username_key", "users_by_username"),
        ] {
            if sql.contains(order) {
                assert!(plan.contains(index), "{sql}\n{plan}");
            }
        }
    }
    drop(client);
    f.finish().await;
}

#[tokio::test]
async fn server_error_classes_map_to_store_errors() {
    let Some(f) = Fixture::new(Duration::from_secs(3)).await else {
        return;
    };
    let raise = |code: &str| {
        format!("DO $$ BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = '{code}'; END $$")
    };
    for code in ["40001", "40P01"] {
        assert_eq!(
            f.run(&raise(code)).await,
            Err(StoreError::ConcurrentModification),
            "{code}"
        );
    }
    for code in ["53100", "53300", "57P01", "57014", "08006", "58030"] {
        assert!(
            matches!(f.run(&raise(code)).await, Err(StoreError::Unavailable(_))),
            "{code}"
        );
    }
    assert!(matches!(
        f.run(&raise("22012")).await,
        Err(StoreError::Internal(_))
    ));
    f.finish().await;
}

/// Serialization failures rerun the whole transaction; after the last
/// attempt the caller sees `ConcurrentModification`.
#[tokio::test]
async fn serialization_failures_are_retried() {
    let Some(f) = Fixture::new(Duration::from_secs(3)).await else {
        return;
    };
    let attempts = Arc::new(AtomicU32::new(0));
    let result: Result<u32, StoreError> = transact!(f.store.db, |tx| {
        let n = attempts.fetch_add(1, Ordering::SeqCst) + 1;
        if n < 3 {
            tx.batch_execute(
                "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$",
            )
            .await
            .map_err(map_pg)?;
        }
        n
    });
    assert_eq!(result, Ok(3));

    attempts.store(0, Ordering::SeqCst);
    let result: Result<(), StoreError> = transact!(f.store.db, |tx| {
        attempts.fetch_add(1, Ordering::SeqCst);
        tx.batch_execute("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40P01'; END $$")
            .await
            .map_err(map_pg)?;
    });
    assert_eq!(result, Err(StoreError::ConcurrentModification));
    assert_eq!(attempts.load(Ordering::SeqCst), crate::db::MAX_ATTEMPTS);
    f.finish().await;
}

/// A query that does not come back (a hung server) fails with `Unavailable`
/// once the query timeout passes; the stuck connection is thrown away and
/// the next call works.
#[tokio::test]
#[allow(clippy::disallowed_methods)] // measures a real database timeout
async fn hung_queries_time_out_and_the_pool_recovers() {
    let Some(f) = Fixture::new(Duration::from_millis(300)).await else {
        return;
    };
    let started = Instant::now();
    let result: Result<(), StoreError> = transact!(f.store.db, |tx| {
        tx.batch_execute("SELECT pg_sleep(30)")
            .await
            .map_err(map_pg)?;
    });
    assert!(
        matches!(result, Err(StoreError::Unavailable(_))),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    for _ in 0..3 {
        cognate_store::Health::ping(&f.store).await.unwrap();
    }
    f.finish().await;
}

/// Keys stored before rotation existed keep signing what they signed: the first of a pool
/// (by creation time, then kid) ID tokens, the other access tokens.
#[tokio::test]
async fn rotation_columns_are_derived_for_existing_keys() {
    use cognate_domain::signing_keys::KeyUse;
    use cognate_store::UserPoolStore as _;

    let Some(f) = Fixture::new(Duration::from_secs(3)).await else {
        return;
    };
    // Back to the schema before 0005, with keys in its shape.
    f.run(
        "ALTER TABLE signing_keys DROP COLUMN key_use, DROP COLUMN not_before_ms,
             DROP COLUMN retire_after_ms;
         DELETE FROM schema_migrations WHERE version = 5;
         INSERT INTO user_pools VALUES ('p', 'n', 'arn', 1, 1, '{}', '{}');
         INSERT INTO signing_keys VALUES ('p', 'zz', 'RS256', '\\x00', '{}', '\\x00', 7, true);
         INSERT INTO signing_keys VALUES ('p', 'aa', 'RS256', '\\x00', '{}', '\\x00', 7, true);",
    )
    .await
    .unwrap();
    let again = PostgresStore::connect_with_schema(&f.url, &f.schema)
        .await
        .unwrap();
    let keys = again.signing_keys("p").await.unwrap();
    let summary: Vec<_> = keys
        .iter()
        .map(|k| {
            (
                k.kid.as_str(),
                k.key_use,
                k.not_before_ms,
                k.retire_after_ms,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![("aa", KeyUse::Id, 7, None), ("zz", KeyUse::Access, 7, None)]
    );
    drop(again);
    f.finish().await;
}
