//! Remembered devices.

use super::fixtures::*;
use super::races::race;
use crate::{DeviceRecord, PageRequest, StoreError};

fn device(pool_id: &str, sub: &str, key: &str, created_ms: i64) -> DeviceRecord {
    DeviceRecord {
        pool_id: pool_id.into(),
        sub: sub.into(),
        device_key: key.into(),
        group_key: "-AbCdEfGh".into(),
        verifier_sealed: None,
        name: None,
        remembered: false,
        last_ip: Some("127.0.0.1".into()),
        created_ms,
        modified_ms: created_ms,
        last_authenticated_ms: created_ms,
    }
}

pub async fn device_lifecycle(store: DynStore) {
    let pool_id = "us-east-1_dev";
    create_pool(&store, pool_id).await;
    create_user(&store, &user(pool_id, "sub-a", "alice", 1)).await;
    create_user(&store, &user(pool_id, "sub-b", "bob", 1)).await;

    let a1 = device(pool_id, "sub-a", "us-east-1_0001", 10);
    assert_eq!(
        store
            .create_device(&device(pool_id, "sub-none", "us-east-1_0009", 10))
            .await,
        Err(StoreError::NotFound),
        "a device needs its user"
    );
    store.create_device(&a1).await.unwrap();
    assert!(matches!(
        store.create_device(&a1).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.get_device(pool_id, "us-east-1_0001").await.unwrap(),
        Some(a1.clone())
    );
    assert_eq!(
        store.get_device(pool_id, "us-east-1_none").await.unwrap(),
        None
    );

    // Confirmation stores the verifier once, and only for the owner.
    assert_eq!(
        store
            .confirm_device(
                pool_id,
                "sub-b",
                "us-east-1_0001",
                b"sealed",
                None,
                true,
                20
            )
            .await,
        Err(StoreError::NotFound)
    );
    assert!(
        store
            .confirm_device(
                pool_id,
                "sub-a",
                "us-east-1_0001",
                b"sealed",
                Some("phone"),
                true,
                20
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .confirm_device(
                pool_id,
                "sub-a",
                "us-east-1_0001",
                b"other",
                None,
                false,
                21
            )
            .await
            .unwrap()
    );
    let confirmed = store
        .get_device(pool_id, "us-east-1_0001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(confirmed.verifier_sealed.as_deref(), Some(&b"sealed"[..]));
    assert_eq!(confirmed.name.as_deref(), Some("phone"));
    assert!(confirmed.remembered);
    assert_eq!(confirmed.modified_ms, 20);

    // Updates change status, name, address and times, never the verifier or group key.
    let mut changed = confirmed.clone();
    changed.remembered = false;
    changed.last_ip = None;
    changed.modified_ms = 30;
    changed.last_authenticated_ms = 31;
    changed.verifier_sealed = Some(b"forged".to_vec());
    changed.group_key = "other".into();
    store.update_device(&changed).await.unwrap();
    let read = store
        .get_device(pool_id, "us-east-1_0001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        read,
        DeviceRecord {
            verifier_sealed: confirmed.verifier_sealed.clone(),
            group_key: confirmed.group_key.clone(),
            ..changed.clone()
        }
    );
    let mut foreign = changed.clone();
    foreign.sub = "sub-b".into();
    assert_eq!(
        store.update_device(&foreign).await,
        Err(StoreError::NotFound)
    );

    // Listing is per user, by key, paged.
    for key in ["us-east-1_0003", "us-east-1_0002"] {
        store
            .create_device(&device(pool_id, "sub-a", key, 40))
            .await
            .unwrap();
    }
    store
        .create_device(&device(pool_id, "sub-b", "us-east-1_0004", 40))
        .await
        .unwrap();
    let keys: Vec<String> = collect_pages(2, |page| {
        let store = store.clone();
        async move { store.list_devices(pool_id, "sub-a", &page).await }
    })
    .await
    .into_iter()
    .map(|d| d.device_key)
    .collect();
    assert_eq!(keys, ["us-east-1_0001", "us-east-1_0002", "us-east-1_0003"]);

    assert_eq!(
        store
            .delete_device(pool_id, "sub-b", "us-east-1_0001")
            .await,
        Err(StoreError::NotFound)
    );
    store
        .delete_device(pool_id, "sub-a", "us-east-1_0001")
        .await
        .unwrap();
    assert_eq!(
        store.get_device(pool_id, "us-east-1_0001").await.unwrap(),
        None
    );
    assert_eq!(
        store
            .delete_device(pool_id, "sub-a", "us-east-1_0001")
            .await,
        Err(StoreError::NotFound)
    );

    // Deleting the user deletes their devices.
    store.delete_user(pool_id, "sub-a").await.unwrap();
    assert_eq!(
        store.get_device(pool_id, "us-east-1_0002").await.unwrap(),
        None
    );
    let left = store
        .list_devices(pool_id, "sub-b", &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(left.items.len(), 1);
}

pub async fn race_confirm_device_once(store: DynStore) {
    let pool_id = "us-east-1_devrace";
    create_pool(&store, pool_id).await;
    create_user(&store, &user(pool_id, "sub-a", "alice", 1)).await;
    store
        .create_device(&device(pool_id, "sub-a", "us-east-1_race", 1))
        .await
        .unwrap();
    let results = race(4, |i| {
        let store = store.clone();
        async move {
            let verifier = vec![u8::try_from(i).unwrap(); 4];
            store
                .confirm_device(pool_id, "sub-a", "us-east-1_race", &verifier, None, true, 2)
                .await
        }
    })
    .await;
    assert_eq!(
        results.iter().filter(|r| **r == Ok(true)).count(),
        1,
        "{results:?}"
    );
    assert!(results.iter().all(Result::is_ok), "{results:?}");
}
