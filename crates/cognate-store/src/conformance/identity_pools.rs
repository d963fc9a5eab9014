//! Identity pools.

use std::collections::BTreeMap;

use serde_json::json;

use super::fixtures::*;
use crate::{Constraint, IdentityPoolRecord, StoreError, TagChange};

pub async fn identity_pool_crud(store: DynStore) {
    assert_eq!(store.count_identity_pools().await.unwrap(), 0);
    let ip = identity_pool("us-east-1:0001", 10);
    store.create_identity_pool(&ip).await.unwrap();
    assert_eq!(
        store.create_identity_pool(&ip).await,
        Err(StoreError::Conflict(Constraint::IdentityPoolId))
    );
    // Duplicate names are allowed.
    store
        .create_identity_pool(&IdentityPoolRecord {
            id: "us-east-1:0002".into(),
            ..ip.clone()
        })
        .await
        .unwrap();
    assert_eq!(
        store.get_identity_pool(&ip.id).await.unwrap(),
        Some(ip.clone())
    );
    assert_eq!(
        store.get_identity_pool("us-east-1:none").await.unwrap(),
        None
    );
    assert_eq!(store.count_identity_pools().await.unwrap(), 2);

    let updated = IdentityPoolRecord {
        name: "renamed".into(),
        modified_ms: 20,
        created_ms: 1,
        settings: json!({"AllowUnauthenticatedIdentities": true}),
        tags: BTreeMap::new(),
        ..ip.clone()
    };
    store.update_identity_pool(&updated).await.unwrap();
    assert_eq!(
        store.get_identity_pool(&ip.id).await.unwrap(),
        Some(IdentityPoolRecord {
            created_ms: 10,
            ..updated.clone()
        })
    );
    assert_eq!(
        store
            .update_identity_pool(&identity_pool("us-east-1:none", 1))
            .await,
        Err(StoreError::NotFound)
    );

    let change = TagChange {
        set: BTreeMap::from([("a".into(), "1".into())]),
        remove: vec![],
        max_tags: 1,
    };
    assert_eq!(
        store
            .modify_identity_pool_tags(&ip.id, &change)
            .await
            .unwrap(),
        BTreeMap::from([("a".into(), "1".into())])
    );
    let over = TagChange {
        set: BTreeMap::from([("b".into(), "2".into())]),
        ..change.clone()
    };
    assert_eq!(
        store.modify_identity_pool_tags(&ip.id, &over).await,
        Err(StoreError::Conflict(Constraint::TagLimit))
    );
    assert_eq!(
        store
            .modify_identity_pool_tags("us-east-1:none", &change)
            .await,
        Err(StoreError::NotFound)
    );

    store.delete_identity_pool(&ip.id).await.unwrap();
    assert_eq!(store.get_identity_pool(&ip.id).await.unwrap(), None);
    assert_eq!(
        store.delete_identity_pool(&ip.id).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.update_identity_pool(&updated).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(store.count_identity_pools().await.unwrap(), 1);
}

pub async fn identity_pool_pagination(store: DynStore) {
    let created = [3, 1, 2, 2, 5, 1];
    for (i, at) in created.iter().enumerate() {
        store
            .create_identity_pool(&identity_pool(&format!("us-east-1:{i:04}"), *at))
            .await
            .unwrap();
    }
    let mut expected: Vec<(i64, String)> = created
        .iter()
        .enumerate()
        .map(|(i, at)| (*at, format!("us-east-1:{i:04}")))
        .collect();
    expected.sort();
    let expected: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();
    for limit in [1, 4, 60] {
        let got: Vec<String> = collect_pages(limit, |page| {
            let store = store.clone();
            async move { store.list_identity_pools(&page).await }
        })
        .await
        .into_iter()
        .map(|p| p.id)
        .collect();
        assert_eq!(got, expected, "limit {limit}");
    }
}
