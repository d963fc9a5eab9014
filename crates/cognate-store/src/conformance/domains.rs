//! Domains.

use serde_json::json;

use super::fixtures::*;
use crate::{Constraint, DomainRecord, StoreError};

pub async fn domain_crud(store: DynStore) {
    let (p1, p2) = ("us-east-1_d1", "us-east-1_d2");
    assert_eq!(
        store
            .create_domain(&domain("us-east-1_none", "orphan", false, 1))
            .await,
        Err(StoreError::NotFound)
    );
    create_pool(&store, p1).await;
    create_pool(&store, p2).await;

    let prefix = domain(p1, "my-prefix", false, 10);
    store.create_domain(&prefix).await.unwrap();
    assert_eq!(
        store.get_domain("my-prefix").await.unwrap(),
        Some(prefix.clone())
    );
    assert_eq!(store.get_domain("nope").await.unwrap(), None);
    assert_eq!(
        store.domains_for_pool(p1).await.unwrap(),
        vec![prefix.clone()]
    );
    assert!(store.domains_for_pool(p2).await.unwrap().is_empty());

    assert_eq!(
        store
            .create_domain(&domain(p2, "my-prefix", false, 11))
            .await,
        Err(StoreError::Conflict(Constraint::Domain))
    );
    assert_eq!(
        store
            .create_domain(&domain(p1, "second-prefix", false, 11))
            .await,
        Err(StoreError::Conflict(Constraint::PoolHasDomain))
    );
    // One prefix and one custom domain may coexist on a pool.
    let custom = domain(p1, "auth.example.com", true, 12);
    store.create_domain(&custom).await.unwrap();
    assert_eq!(
        store
            .create_domain(&domain(p1, "auth2.example.com", true, 13))
            .await,
        Err(StoreError::Conflict(Constraint::PoolHasDomain))
    );
    assert_eq!(
        store.domains_for_pool(p1).await.unwrap(),
        vec![prefix.clone(), custom.clone()]
    );

    let updated = DomainRecord {
        settings: json!({"ManagedLoginVersion": 2}),
        modified_ms: 50,
        created_ms: 1,
        // Owner and kind are fixed at creation.
        pool_id: p2.into(),
        custom: true,
        ..prefix.clone()
    };
    store.update_domain(&updated).await.unwrap();
    assert_eq!(
        store.get_domain("my-prefix").await.unwrap(),
        Some(DomainRecord {
            settings: json!({"ManagedLoginVersion": 2}),
            modified_ms: 50,
            ..prefix.clone()
        })
    );
    assert_eq!(
        store.update_domain(&domain(p1, "nope", false, 1)).await,
        Err(StoreError::NotFound)
    );

    store.delete_domain("my-prefix").await.unwrap();
    assert_eq!(store.get_domain("my-prefix").await.unwrap(), None);
    assert_eq!(store.domains_for_pool(p1).await.unwrap(), vec![custom]);
    assert_eq!(
        store.delete_domain("my-prefix").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.update_domain(&prefix).await,
        Err(StoreError::NotFound)
    );
    // Both the name and the pool's prefix slot are free again.
    store
        .create_domain(&domain(p2, "my-prefix", false, 60))
        .await
        .unwrap();
    store
        .create_domain(&domain(p1, "another", false, 61))
        .await
        .unwrap();
}
