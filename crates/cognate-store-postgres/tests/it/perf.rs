//! Rough speed checks against the targets the benchmarks will hold the
//! store to (ListUsers with an email filter over 100,000 users under 5 ms).
//! Ignored by default: run with `COGNATE_TEST_POSTGRES_URL=... cargo test
//! --release -p cognate-store-postgres --test it perf -- --ignored --nocapture`.

use std::time::{Duration, Instant};

use cognate_store::{PageRequest, UserFilter, UserPoolRecord, UserPoolStore, UserStore};
use cognate_store_postgres::PostgresStore;

use crate::support::{drop_schema, fresh_schema, raw_client, test_url};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: seeds 100,000 users"]
async fn perf_filtered_list_and_get_user() {
    let Some(url) = test_url() else { return };
    let schema = fresh_schema();
    let store = PostgresStore::connect_with_schema(&url, &schema)
        .await
        .unwrap();
    let pool = "us-east-1_perf";
    store
        .create_user_pool(
            &UserPoolRecord {
                id: pool.into(),
                name: "perf".into(),
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
    // Seeded in SQL: a store call per user would measure commits, not lookups.
    // The search keys of these ASCII lower-case values are the values.
    raw_client(&url)
        .await
        .batch_execute(&format!(
            "SET search_path TO {schema};
             INSERT INTO users
             SELECT '{pool}', md5(i::text), 'user' || lpad(i::text, 6, '0'),
                    'user' || lpad(i::text, 6, '0'), 'CONFIRMED', true, 'hash', NULL, 1, 1, 0,
                    '{{}}', NULL, NULL, NULL
             FROM generate_series(0, 99999) i;
             INSERT INTO user_attributes
             SELECT '{pool}', md5(i::text), a.name, a.value, a.key
             FROM generate_series(0, 99999) i,
             LATERAL (VALUES
                 ('email', 'person' || lpad(i::text, 6, '0') || '@example.com',
                  'person' || lpad(i::text, 6, '0') || '@example.com'),
                 ('email_verified', 'true', NULL),
                 ('name', 'person ' || i, 'person ' || i),
                 ('phone_number', '+1555' || lpad(i::text, 7, '0'), '+1555' || lpad(i::text, 7, '0'))
             ) a(name, value, key);
             ANALYZE;"
        ))
        .await
        .unwrap();

    for (prefix, value) in [(false, "person054321@example.com"), (true, "person0543")] {
        let filter = UserFilter {
            attribute: "email".into(),
            prefix,
            value: value.into(),
        };
        let mut best = Duration::MAX;
        for _ in 0..50 {
            let started = Instant::now();
            let page = store
                .list_users(pool, Some(&filter), &PageRequest::first(60))
                .await
                .unwrap();
            best = best.min(started.elapsed());
            assert!(!page.items.is_empty());
        }
        println!(
            "ListUsers email {} : best {best:?}",
            if prefix { "^=" } else { "=" }
        );
        assert!(best < Duration::from_millis(5), "{best:?}");
    }
    let started = Instant::now();
    for i in 0..2_000 {
        let key = format!("user{:06}", i * 37 % 100_000);
        assert!(store.get_user(pool, &key).await.unwrap().is_some());
    }
    println!(
        "GetUser (one task, sequential): {:.0}/s",
        2_000.0 / started.elapsed().as_secs_f64()
    );
    drop(store);
    drop_schema(&url, &schema).await;
}
