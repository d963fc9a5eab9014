//! Rough speed checks against the targets the benchmarks will hold the
//! store to (GetUser ≥ 10,000/s, ListUsers with an email filter over 100,000
//! users under 5 ms). Ignored by default: run with
//! `cargo test --release -p cognate-store-sqlite --test it perf -- --ignored --nocapture`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cognate_store::{
    PageRequest, UserFilter, UserPoolRecord, UserPoolStore, UserStore, attribute_search_key,
};
use cognate_store_sqlite::SqliteStore;
use rusqlite::{Connection, params};

const USERS: usize = 100_000;

/// Seeds users straight through SQL in one transaction: a store call per
/// user would measure fsyncs, not lookups.
fn seed(path: &std::path::Path, pool: &str) {
    let mut conn = Connection::open(path).unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut user = tx
            .prepare(
                "INSERT INTO users VALUES (?1, ?2, ?3, ?3, 'CONFIRMED', 1, 'hash', NULL, 1, 1, 0,
                     '{}', ?4, NULL, NULL, NULL)",
            )
            .unwrap();
        let mut attribute = tx
            .prepare("INSERT INTO user_attributes VALUES (?1, ?2, ?3, ?4, ?5)")
            .unwrap();
        for i in 0..USERS {
            let sub = format!("{:08x}-0000-4000-8000-{i:012}", i * 7919 % USERS);
            let username = format!("user{i:06}");
            let email = format!("person{i:06}@example.com");
            user.execute(params![pool, sub, username, email]).unwrap();
            for (name, value) in [
                ("email", email.as_str()),
                ("email_verified", "true"),
                ("name", &format!("Person {i}")),
                ("phone_number", &format!("+1555{i:07}")),
            ] {
                attribute
                    .execute(params![
                        pool,
                        sub,
                        name,
                        value,
                        attribute_search_key(name, value)
                    ])
                    .unwrap();
            }
        }
    }
    tx.commit().unwrap();
    conn.execute_batch("ANALYZE").unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: seeds 100,000 users"]
#[allow(clippy::disallowed_methods)] // measures wall-clock time
async fn perf_get_user_and_filtered_list() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cognate.db");
    let pool = "us-east-1_perf";
    {
        let store = SqliteStore::open(&path).unwrap();
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
    }
    seed(&path, pool);
    let store = Arc::new(SqliteStore::open(&path).unwrap());

    // ListUsers, exact and prefix email filters, first page of 60.
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

    // GetUser from several tasks at once.
    let started = Instant::now();
    let tasks = 8;
    let per_task = 5_000;
    let handles: Vec<_> = (0..tasks)
        .map(|t| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                for i in 0..per_task {
                    let key = format!("user{:06}", (t * per_task + i) % USERS);
                    assert!(store.get_user(pool, &key).await.unwrap().is_some());
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    let rate = (tasks * per_task) as f64 / started.elapsed().as_secs_f64();
    println!("GetUser: {rate:.0}/s");
}
