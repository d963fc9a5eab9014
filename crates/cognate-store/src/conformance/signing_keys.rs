//! Signing-key rotation: new keys in, replaced keys scheduled out, in one transaction.

use std::sync::Arc;

use cognate_domain::signing_keys::KeyUse;
use tokio::sync::Barrier;

use super::fixtures::*;
use crate::{Constraint, SigningKeyRecord, StoreError};

fn key_for(pool_id: &str, kid: &str, key_use: KeyUse, not_before_ms: i64) -> SigningKeyRecord {
    SigningKeyRecord {
        key_use,
        not_before_ms,
        ..signing_key(pool_id, kid, not_before_ms)
    }
}

fn retirement(keys: &[SigningKeyRecord], kid: &str) -> Option<i64> {
    keys.iter()
        .find(|key| key.kid == kid)
        .and_then(|key| key.retire_after_ms)
}

pub async fn signing_key_rotation(store: DynStore) {
    let p = pool("us-east-1_rotate", 1_000);
    let first = [
        key_for(&p.id, "id-1", KeyUse::Id, 1_000),
        key_for(&p.id, "access-1", KeyUse::Access, 1_000),
    ];
    store.create_user_pool(&p, &first).await.unwrap();

    // Replacing only the access key leaves the ID key alone.
    let access_2 = key_for(&p.id, "access-2", KeyUse::Access, 2_300);
    store
        .rotate_signing_keys(&p.id, std::slice::from_ref(&access_2), 90_000)
        .await
        .unwrap();
    let keys = store.signing_keys(&p.id).await.unwrap();
    assert_eq!(keys.len(), 3);
    assert_eq!(keys[2], access_2, "every column round-trips");
    assert_eq!(retirement(&keys, "access-1"), Some(90_000));
    assert_eq!(retirement(&keys, "id-1"), None);
    assert_eq!(retirement(&keys, "access-2"), None);

    // A second rotation retires the keys the first one added, and never moves a
    // retirement already scheduled.
    let both = [
        key_for(&p.id, "id-3", KeyUse::Id, 5_000),
        key_for(&p.id, "access-3", KeyUse::Access, 5_000),
    ];
    store
        .rotate_signing_keys(&p.id, &both, 50_000)
        .await
        .unwrap();
    let keys = store.signing_keys(&p.id).await.unwrap();
    assert_eq!(keys.len(), 5, "rotation keeps every row");
    assert_eq!(retirement(&keys, "access-1"), Some(90_000));
    assert_eq!(retirement(&keys, "access-2"), Some(50_000));
    assert_eq!(retirement(&keys, "id-1"), Some(50_000));
    assert_eq!(retirement(&keys, "id-3"), None);
    assert_eq!(retirement(&keys, "access-3"), None);

    // A taken kid aborts the whole rotation: nothing inserted, nothing retired.
    let clash = [
        key_for(&p.id, "id-4", KeyUse::Id, 6_000),
        key_for(&p.id, "access-3", KeyUse::Access, 6_000),
    ];
    assert_eq!(
        store.rotate_signing_keys(&p.id, &clash, 60_000).await,
        Err(StoreError::Conflict(Constraint::SigningKeyId))
    );
    assert_eq!(store.signing_keys(&p.id).await.unwrap(), keys);

    assert_eq!(
        store
            .rotate_signing_keys(
                "us-east-1_gone",
                &[key_for("us-east-1_gone", "x", KeyUse::Id, 1)],
                2
            )
            .await,
        Err(StoreError::NotFound)
    );
}

pub async fn race_signing_key_rotations(store: DynStore) {
    let p = pool("us-east-1_rotrace", 1_000);
    store
        .create_user_pool(
            &p,
            &[
                key_for(&p.id, "id-0", KeyUse::Id, 1_000),
                key_for(&p.id, "access-0", KeyUse::Access, 1_000),
            ],
        )
        .await
        .unwrap();
    const ROTATIONS: usize = 4;
    let barrier = Arc::new(Barrier::new(ROTATIONS));
    let handles: Vec<_> = (1..=ROTATIONS)
        .map(|i| {
            let (store, barrier, pool_id) = (store.clone(), barrier.clone(), p.id.clone());
            tokio::spawn(async move {
                let keys = [
                    key_for(&pool_id, &format!("id-{i}"), KeyUse::Id, 2_000),
                    key_for(&pool_id, &format!("access-{i}"), KeyUse::Access, 2_000),
                ];
                barrier.wait().await;
                store.rotate_signing_keys(&pool_id, &keys, 9_000).await
            })
        })
        .collect();
    for handle in handles {
        handle.await.unwrap().unwrap();
    }
    let keys = store.signing_keys(&p.id).await.unwrap();
    assert_eq!(keys.len(), 2 + 2 * ROTATIONS);
    for key_use in KeyUse::ALL {
        let current: Vec<_> = keys
            .iter()
            .filter(|key| key.key_use == key_use && key.retire_after_ms.is_none())
            .collect();
        assert_eq!(
            current.len(),
            1,
            "one current {key_use:?} key after concurrent rotations: {keys:?}"
        );
    }
}
