//! Concurrency: atomic use cases hold under real parallel calls.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::Barrier;

use super::fixtures::*;
use crate::{Constraint, StoreError, TagChange};

const ROUNDS: usize = 10;

/// Runs `n` copies of `op` released at the same instant, returning their results.
async fn race<T, F, Fut>(n: usize, op: F) -> Vec<Result<T, StoreError>>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<T, StoreError>> + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            let fut = op(i);
            tokio::spawn(async move {
                barrier.wait().await;
                fut.await
            })
        })
        .collect();
    let mut results = Vec::with_capacity(n);
    for handle in handles {
        results.push(handle.await.unwrap());
    }
    results
}

fn assert_one_winner<T: std::fmt::Debug>(results: &[Result<T, StoreError>], loser: &StoreError) {
    let wins = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 1, "exactly one call must win: {results:?}");
    for r in results {
        if let Err(e) = r {
            assert_eq!(e, loser, "the loser must see the named conflict");
        }
    }
}

pub async fn race_create_group_one_wins(store: DynStore) {
    let p = "us-east-1_race";
    create_pool(&store, p).await;
    for round in 0..ROUNDS {
        let name = format!("g{round}");
        let results = race(2, |i| {
            let store = store.clone();
            let g = group(p, &name, i as i64);
            async move { store.create_group(&g).await }
        })
        .await;
        assert_one_winner(&results, &StoreError::Conflict(Constraint::GroupName));
    }
    assert_eq!(store.count_groups(p).await.unwrap(), ROUNDS as u64);
}

pub async fn race_create_client_one_wins(store: DynStore) {
    create_pool(&store, "us-east-1_ra").await;
    create_pool(&store, "us-east-1_rb").await;
    for round in 0..ROUNDS {
        let id = format!("client{round}");
        // The two callers use different pools: the id is global.
        let results = race(2, |i| {
            let store = store.clone();
            let pool = if i == 0 {
                "us-east-1_ra"
            } else {
                "us-east-1_rb"
            };
            let c = client(pool, &id, 1);
            async move { store.create_client(&c).await }
        })
        .await;
        assert_one_winner(&results, &StoreError::Conflict(Constraint::ClientId));
    }
}

pub async fn race_add_client_secret_respects_limit(store: DynStore) {
    let p = "us-east-1_rsec";
    create_pool(&store, p).await;
    for round in 0..ROUNDS {
        let cid = format!("c{round}");
        store.create_client(&client(p, &cid, 1)).await.unwrap();
        store
            .add_client_secret(&secret(p, &cid, "existing", 1), 2)
            .await
            .unwrap();
        let results = race(2, |i| {
            let store = store.clone();
            let s = secret(p, &cid, &format!("new{i}"), 2);
            async move { store.add_client_secret(&s, 2).await }
        })
        .await;
        assert_one_winner(
            &results,
            &StoreError::Conflict(Constraint::ClientSecretLimit),
        );
        assert_eq!(store.list_client_secrets(p, &cid).await.unwrap().len(), 2);
    }
}

pub async fn race_tag_changes_are_not_lost(store: DynStore) {
    let p = "us-east-1_rtag";
    store.create_user_pool(&pool(p, 1), &[]).await.unwrap();
    let n = 8;
    let results = race(n, |i| {
        let store = store.clone();
        let change = TagChange {
            set: BTreeMap::from([(format!("k{i}"), format!("v{i}"))]),
            remove: vec![],
            max_tags: 50,
        };
        async move { store.modify_user_pool_tags(p, &change).await }
    })
    .await;
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
    let tags = store.get_user_pool(p).await.unwrap().unwrap().tags;
    // Every concurrent change survives, plus the tag the pool was created with.
    assert_eq!(tags.len(), n + 1, "{tags:?}");
}
