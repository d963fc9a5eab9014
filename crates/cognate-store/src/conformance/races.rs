//! Concurrency: atomic use cases hold under real parallel calls.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::Barrier;

use super::fixtures::*;
use crate::{CodeCheck, CodeRecord, Constraint, RotateOutcome, StoreError, TagChange};

const ROUNDS: usize = 10;

/// Runs `n` copies of `op` released at the same instant, returning their results.
pub(crate) async fn race<T, F, Fut>(n: usize, op: F) -> Vec<Result<T, StoreError>>
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

pub async fn race_create_user_one_wins(store: DynStore) {
    let p = "us-east-1_ru";
    create_pool(&store, p).await;
    for round in 0..ROUNDS {
        // Same username, different subs: the username key decides.
        let name = format!("user{round}");
        let results = race(2, |i| {
            let store = store.clone();
            let u = user(p, &format!("sub-{round}-{i}"), &name, 1);
            async move { store.create_user(&u, &[], false).await }
        })
        .await;
        assert_one_winner(&results, &StoreError::Conflict(Constraint::Username));
        // Different usernames, same alias: the alias decides.
        let email = format!("shared{round}@example.com");
        let results = race(2, |i| {
            let store = store.clone();
            let u = user(p, &format!("sub-{round}-a{i}"), &format!("a{round}-{i}"), 1);
            let claims = [alias("email", &email)];
            async move { store.create_user(&u, &claims, false).await }
        })
        .await;
        assert_one_winner(
            &results,
            &StoreError::Conflict(Constraint::Alias("email".into())),
        );
        assert!(
            store
                .find_user_by_alias(p, "email", &email)
                .await
                .unwrap()
                .is_some()
        );
    }
    assert_eq!(store.count_users(p).await.unwrap(), 2 * ROUNDS as u64);
}

pub async fn race_check_code_accepts_once(store: DynStore) {
    let p = "us-east-1_rc";
    create_pool(&store, p).await;
    create_user(&store, &user(p, "s1", "u1", 1)).await;
    for _ in 0..ROUNDS {
        store
            .put_code(&code(p, "s1", "SIGN_UP", b"right", 10_000))
            .await
            .unwrap();
        let results = race(4, |_| {
            let store = store.clone();
            async move { store.check_code(p, "s1", "SIGN_UP", b"right", 1).await }
        })
        .await;
        let outcomes: Vec<CodeCheck> = results.into_iter().map(Result::unwrap).collect();
        let accepted = outcomes
            .iter()
            .filter(|o| **o == CodeCheck::Accepted)
            .count();
        assert_eq!(accepted, 1, "{outcomes:?}");
        assert!(
            outcomes
                .iter()
                .all(|o| matches!(o, CodeCheck::Accepted | CodeCheck::NoCode)),
            "{outcomes:?}"
        );
    }
    // Concurrent wrong guesses each spend one attempt: none is lost.
    store
        .put_code(&CodeRecord {
            attempts_left: 10,
            ..code(p, "s1", "SIGN_UP", b"right", 10_000)
        })
        .await
        .unwrap();
    let results = race(6, |_| {
        let store = store.clone();
        async move { store.check_code(p, "s1", "SIGN_UP", b"wrong", 1).await }
    })
    .await;
    let mut left: Vec<i32> = results
        .into_iter()
        .map(|r| match r.unwrap() {
            CodeCheck::Mismatch { attempts_left } => attempts_left,
            other => panic!("{other:?}"),
        })
        .collect();
    left.sort_unstable();
    assert_eq!(left, [4, 5, 6, 7, 8, 9]);
}

pub async fn race_rotate_refresh_token_once(store: DynStore) {
    let p = "us-east-1_rr";
    create_pool(&store, p).await;
    create_user(&store, &user(p, "s1", "u1", 1)).await;
    for (round, grace) in (0..ROUNDS).zip([0, 60_000].into_iter().cycle()) {
        let family = format!("fam-{round}");
        let old = format!("old-{round}").into_bytes();
        store
            .insert_refresh_token(&refresh_token(p, "s1", &old, &family, 1_000))
            .await
            .unwrap();
        let results = race(4, |i| {
            let store = store.clone();
            let new = refresh_token(
                p,
                "s1",
                format!("new-{round}-{i}").as_bytes(),
                &family,
                2_000,
            );
            let old = old.clone();
            async move { store.rotate_refresh_token(&old, &new, 2_000, grace).await }
        })
        .await;
        let outcomes: Vec<RotateOutcome> = results.into_iter().map(Result::unwrap).collect();
        let rotated = outcomes
            .iter()
            .filter(|o| **o == RotateOutcome::Rotated)
            .count();
        assert_eq!(rotated, 1, "grace {grace}: {outcomes:?}");
        let others = if grace == 0 {
            // Reuse revokes the family: a loser may then find it revoked.
            [RotateOutcome::Reused, RotateOutcome::Revoked]
        } else {
            [RotateOutcome::WithinGrace, RotateOutcome::WithinGrace]
        };
        assert!(
            outcomes
                .iter()
                .all(|o| *o == RotateOutcome::Rotated || others.contains(o)),
            "grace {grace}: {outcomes:?}"
        );
        if grace == 0 {
            assert!(store.is_family_revoked(&family).await.unwrap());
        }
    }
}

/// A rotation racing a revocation never leaves a live token behind.
pub async fn race_revocation_beats_rotation(store: DynStore) {
    let p = "us-east-1_rv";
    create_pool(&store, p).await;
    create_user(&store, &user(p, "s1", "u1", 1)).await;
    for round in 0..ROUNDS {
        let family = format!("fam-{round}");
        let old = format!("old-{round}").into_bytes();
        let new = format!("new-{round}").into_bytes();
        store
            .insert_refresh_token(&refresh_token(p, "s1", &old, &family, 1_000))
            .await
            .unwrap();
        let by_family = round % 2 == 0;
        let results = race(2, |i| {
            let store = store.clone();
            let (old, new, family) = (old.clone(), new.clone(), family.clone());
            async move {
                if i == 0 {
                    let t = refresh_token(p, "s1", &new, &family, 2_000);
                    store
                        .rotate_refresh_token(&old, &t, 2_000, 0)
                        .await
                        .map(|_| ())
                } else if by_family {
                    store.revoke_token_family(p, &family, 2_000).await
                } else {
                    store.revoke_user_tokens(p, "s1", 2_000).await
                }
            }
        })
        .await;
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        for hash in [&old, &new] {
            if let Some(t) = store.get_refresh_token(hash).await.unwrap() {
                assert!(t.revoked, "round {round}: {t:?}");
            }
        }
    }
}

pub async fn race_consume_session_once(store: DynStore) {
    for round in 0..ROUNDS {
        let id = format!("session-{round}");
        let results = race(4, |_| {
            let store = store.clone();
            let id = id.clone();
            async move { store.consume_session(&id, 10_000, 1).await }
        })
        .await;
        let firsts = results.iter().filter(|r| **r == Ok(true)).count();
        assert_eq!(firsts, 1, "{results:?}");
        assert!(results.iter().all(Result::is_ok), "{results:?}");
    }
}

pub async fn race_counter_hits_are_not_lost(store: DynStore) {
    let n = 8;
    let results = race(n, |_| {
        let store = store.clone();
        async move { store.counter_hit("lockout/race", 1_000, 60_000).await }
    })
    .await;
    let mut counts: Vec<i64> = results.into_iter().map(|r| r.unwrap().count).collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=n as i64).collect::<Vec<_>>());
    let passed = race(n, |_| {
        let store = store.clone();
        async move { store.window_hit("rate/race", 1_000, 60_000, 3).await }
    })
    .await;
    assert_eq!(
        passed.iter().filter(|r| **r == Ok(true)).count(),
        3,
        "{passed:?}"
    );
}

pub async fn race_counter_slots_cas_one_wins(store: DynStore) {
    for round in 0..ROUNDS {
        let key = format!("lockout/cas-race-{round}");
        let created = race(2, |i| {
            let store = store.clone();
            let key = key.clone();
            async move { store.counter_slots_cas(&key, None, [i as i64; 8], 1).await }
        })
        .await;
        assert_eq!(
            created.iter().filter(|r| **r == Ok(true)).count(),
            1,
            "{created:?}"
        );
        assert!(created.iter().all(Result::is_ok), "{created:?}");
        let current = store.counter_slots_get(&key).await.unwrap().unwrap();
        let changed = race(2, |i| {
            let store = store.clone();
            let key = key.clone();
            async move {
                store
                    .counter_slots_cas(&key, Some(current), [10 + i as i64; 8], 2)
                    .await
            }
        })
        .await;
        assert_eq!(
            changed.iter().filter(|r| **r == Ok(true)).count(),
            1,
            "{changed:?}"
        );
        assert!(changed.iter().all(Result::is_ok), "{changed:?}");
        let after = store.counter_slots_get(&key).await.unwrap().unwrap();
        assert!(after == [10; 8] || after == [11; 8], "{after:?}");
    }
}

pub async fn race_claim_due_messages_disjoint(store: DynStore) {
    let p = "us-east-1_rm";
    create_pool(&store, p).await;
    let total = 40;
    for i in 0..total {
        store
            .enqueue_message(&message(p, &format!("m{i:02}"), "a@x", i))
            .await
            .unwrap();
    }
    let claimers = 4;
    let results = race(claimers, |_| {
        let store = store.clone();
        async move {
            let mut mine = Vec::new();
            loop {
                let batch = store.claim_due_messages(1_000, 60_000, 3).await?;
                if batch.is_empty() {
                    return Ok(mine);
                }
                mine.extend(batch.into_iter().map(|m| m.id));
            }
        }
    })
    .await;
    let mut all: Vec<String> = results.into_iter().flat_map(Result::unwrap).collect();
    let claimed = all.len();
    all.sort();
    all.dedup();
    assert_eq!(claimed, all.len(), "a message went to two claimers");
    assert_eq!(all.len(), total as usize);
}
