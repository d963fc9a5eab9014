//! App clients and client secrets.

use serde_json::json;

use super::fixtures::*;
use crate::{ALL_CLIENTS_KEY, Constraint, StoreError, document_kind as kind};

pub async fn client_crud(store: DynStore) {
    let (p1, p2) = ("us-east-1_c1", "us-east-1_c2");
    assert_eq!(
        store
            .create_client(&client("us-east-1_none", "orphan", 1))
            .await,
        Err(StoreError::NotFound)
    );
    create_pool(&store, p1).await;
    create_pool(&store, p2).await;

    let c = client(p1, "clientid1", 100);
    store.create_client(&c).await.unwrap();
    assert_eq!(
        store.create_client(&client(p1, "clientid1", 100)).await,
        Err(StoreError::Conflict(Constraint::ClientId))
    );
    // Client ids are unique across pools, not just within one.
    assert_eq!(
        store.create_client(&client(p2, "clientid1", 100)).await,
        Err(StoreError::Conflict(Constraint::ClientId))
    );
    assert_eq!(
        store.get_client(p1, "clientid1").await.unwrap(),
        Some(c.clone())
    );
    assert_eq!(store.get_client(p2, "clientid1").await.unwrap(), None);
    assert_eq!(store.get_client(p1, "other").await.unwrap(), None);
    assert_eq!(
        store.find_client("clientid1").await.unwrap(),
        Some(c.clone())
    );
    assert_eq!(store.find_client("other").await.unwrap(), None);
    assert_eq!(store.count_clients(p1).await.unwrap(), 1);
    assert_eq!(store.count_clients(p2).await.unwrap(), 0);

    let mut updated = c.clone();
    updated.name = "renamed".into();
    updated.modified_ms = 200;
    updated.settings = json!({"ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"]});
    updated.created_ms = 7;
    store.update_client(&updated).await.unwrap();
    let stored = store.get_client(p1, "clientid1").await.unwrap().unwrap();
    assert_eq!(stored.name, "renamed");
    assert_eq!(stored.modified_ms, 200);
    assert_eq!(stored.settings, updated.settings);
    assert_eq!(stored.created_ms, 100);

    let wrong_pool = crate::ClientRecord {
        pool_id: p2.into(),
        ..updated.clone()
    };
    assert_eq!(
        store.update_client(&wrong_pool).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.update_client(&client(p1, "ghost", 1)).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.delete_client(p2, "clientid1").await,
        Err(StoreError::NotFound)
    );

    store.delete_client(p1, "clientid1").await.unwrap();
    assert_eq!(store.get_client(p1, "clientid1").await.unwrap(), None);
    assert_eq!(store.find_client("clientid1").await.unwrap(), None);
    assert_eq!(
        store.delete_client(p1, "clientid1").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.update_client(&updated).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(store.count_clients(p1).await.unwrap(), 0);
}

pub async fn client_pagination(store: DynStore) {
    let (p1, p2) = ("us-east-1_cp1", "us-east-1_cp2");
    create_pool(&store, p1).await;
    create_pool(&store, p2).await;
    let ids = ["e", "a", "d", "b", "c"];
    for id in ids {
        store.create_client(&client(p1, id, 1)).await.unwrap();
    }
    store.create_client(&client(p2, "aa", 1)).await.unwrap();
    store.create_client(&client(p2, "zz", 1)).await.unwrap();
    for limit in [1, 2, 5, 60] {
        let got: Vec<String> = collect_pages(limit, |page| {
            let store = store.clone();
            async move { store.list_clients(p1, &page).await }
        })
        .await
        .into_iter()
        .map(|c| c.client_id)
        .collect();
        assert_eq!(got, ["a", "b", "c", "d", "e"], "limit {limit}");
    }
    let other: Vec<String> = collect_pages(1, |page| {
        let store = store.clone();
        async move { store.list_clients(p2, &page).await }
    })
    .await
    .into_iter()
    .map(|c| c.client_id)
    .collect();
    assert_eq!(other, ["aa", "zz"]);
    let none = collect_pages(3, |page| {
        let store = store.clone();
        async move { store.list_clients("us-east-1_none", &page).await }
    })
    .await;
    assert!(none.is_empty());
}

pub async fn client_secrets(store: DynStore) {
    let p = "us-east-1_sec";
    create_pool(&store, p).await;
    store.create_client(&client(p, "cl", 1)).await.unwrap();
    let s1 = secret(p, "cl", "s1", 20);
    let s2 = secret(p, "cl", "s2", 10);
    store.add_client_secret(&s1, 2).await.unwrap();
    store.add_client_secret(&s2, 2).await.unwrap();
    assert_eq!(
        store.add_client_secret(&secret(p, "cl", "s3", 30), 2).await,
        Err(StoreError::Conflict(Constraint::ClientSecretLimit))
    );
    assert_eq!(
        store.add_client_secret(&secret(p, "cl", "s1", 30), 5).await,
        Err(StoreError::Conflict(Constraint::ClientSecretId))
    );
    // Oldest first.
    assert_eq!(
        store.list_client_secrets(p, "cl").await.unwrap(),
        vec![s2.clone(), s1.clone()]
    );

    store.delete_client_secret(p, "cl", "s1").await.unwrap();
    assert_eq!(
        store.delete_client_secret(p, "cl", "s1").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(store.list_client_secrets(p, "cl").await.unwrap(), vec![s2]);
    store
        .add_client_secret(&secret(p, "cl", "s3", 30), 2)
        .await
        .unwrap();

    assert_eq!(
        store
            .add_client_secret(&secret(p, "ghost", "s1", 1), 2)
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store
            .add_client_secret(&secret("us-east-1_none", "cl", "s9", 1), 9)
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.list_client_secrets(p, "ghost").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.list_client_secrets("us-east-1_none", "cl").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.delete_client_secret(p, "ghost", "s3").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store
            .delete_client_secret("us-east-1_none", "cl", "s3")
            .await,
        Err(StoreError::NotFound)
    );
}

pub async fn client_delete_cascades(store: DynStore) {
    let p = "us-east-1_cdc";
    create_pool(&store, p).await;
    store.create_client(&client(p, "doomed", 1)).await.unwrap();
    store.create_client(&client(p, "other", 1)).await.unwrap();
    store
        .add_client_secret(&secret(p, "doomed", "s1", 1), 2)
        .await
        .unwrap();
    store
        .add_client_secret(&secret(p, "other", "s1", 1), 2)
        .await
        .unwrap();
    for key in ["doomed", "other", ALL_CLIENTS_KEY] {
        for k in [kind::UI_CUSTOMIZATION, kind::RISK_CONFIGURATION] {
            store
                .put_pool_document(p, k, key, &json!({"for": key}), 1)
                .await
                .unwrap();
        }
    }

    store.delete_client(p, "doomed").await.unwrap();

    for k in [kind::UI_CUSTOMIZATION, kind::RISK_CONFIGURATION] {
        assert_eq!(store.get_pool_document(p, k, "doomed").await.unwrap(), None);
        assert!(
            store
                .get_pool_document(p, k, "other")
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            store
                .get_pool_document(p, k, ALL_CLIENTS_KEY)
                .await
                .unwrap()
                .is_some()
        );
    }
    assert_eq!(
        store.list_client_secrets(p, "other").await.unwrap().len(),
        1
    );
    // A client re-created with the same id starts without the old secrets.
    store.create_client(&client(p, "doomed", 2)).await.unwrap();
    assert!(
        store
            .list_client_secrets(p, "doomed")
            .await
            .unwrap()
            .is_empty()
    );
}
