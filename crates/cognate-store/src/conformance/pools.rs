//! User pools, signing keys, tags, pool documents, cascade delete.

use std::collections::BTreeMap;

use serde_json::json;

use super::fixtures::*;
use crate::{
    ALL_CLIENTS_KEY, Constraint, PageRequest, StoreError, TagChange, document_kind as kind,
};

pub async fn user_pool_crud(store: DynStore) {
    assert_eq!(store.count_user_pools().await.unwrap(), 0);
    let p = pool("us-east-1_crud", 1_000);
    // Same creation time: keys are ordered by kid as the tie-breaker.
    let keys = vec![
        signing_key(&p.id, "kid-b", 1_000),
        signing_key(&p.id, "kid-a", 1_000),
        signing_key(&p.id, "kid-c", 500),
    ];
    store.create_user_pool(&p, &keys).await.unwrap();
    assert_eq!(store.get_user_pool(&p.id).await.unwrap(), Some(p.clone()));
    assert_eq!(store.get_user_pool("us-east-1_none").await.unwrap(), None);
    let expected_keys = vec![keys[2].clone(), keys[1].clone(), keys[0].clone()];
    assert_eq!(store.signing_keys(&p.id).await.unwrap(), expected_keys);
    assert!(
        store
            .signing_keys("us-east-1_none")
            .await
            .unwrap()
            .is_empty()
    );

    assert_eq!(
        store.create_user_pool(&p, &[]).await,
        Err(StoreError::Conflict(Constraint::UserPoolId))
    );
    // A duplicate pool name is fine: Cognito does not make names unique.
    let twin = crate::UserPoolRecord {
        id: "us-east-1_twin".into(),
        ..p.clone()
    };
    store.create_user_pool(&twin, &[]).await.unwrap();
    assert_eq!(store.count_user_pools().await.unwrap(), 2);

    // A failed create leaves nothing behind: the duplicate key aborts the pool too.
    let bad = pool("us-east-1_bad", 1_000);
    let dup_keys = [
        signing_key(&bad.id, "same", 1),
        signing_key(&bad.id, "same", 2),
    ];
    assert_eq!(
        store.create_user_pool(&bad, &dup_keys).await,
        Err(StoreError::Conflict(Constraint::SigningKeyId))
    );
    assert_eq!(store.get_user_pool(&bad.id).await.unwrap(), None);

    let mut updated = p.clone();
    updated.name = "renamed".into();
    updated.modified_ms = 2_000;
    updated.settings = json!({"MfaConfiguration": "ON"});
    updated.tags = BTreeMap::from([("k".into(), "v".into())]);
    // Identity fields are not rewritten by an update.
    updated.created_ms = 42;
    updated.arn = "arn:changed".into();
    store.update_user_pool(&updated).await.unwrap();
    let stored = store.get_user_pool(&p.id).await.unwrap().unwrap();
    assert_eq!(stored.name, "renamed");
    assert_eq!(stored.modified_ms, 2_000);
    assert_eq!(stored.settings, json!({"MfaConfiguration": "ON"}));
    assert_eq!(stored.tags, updated.tags);
    assert_eq!(stored.created_ms, p.created_ms);
    assert_eq!(stored.arn, p.arn);

    let ghost = pool("us-east-1_ghost", 1);
    assert_eq!(
        store.update_user_pool(&ghost).await,
        Err(StoreError::NotFound)
    );

    store.delete_user_pool(&p.id).await.unwrap();
    assert_eq!(store.get_user_pool(&p.id).await.unwrap(), None);
    assert!(store.signing_keys(&p.id).await.unwrap().is_empty());
    assert_eq!(
        store.delete_user_pool(&p.id).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(store.update_user_pool(&p).await, Err(StoreError::NotFound));
    assert_eq!(store.count_user_pools().await.unwrap(), 1);
}

pub async fn user_pool_tags(store: DynStore) {
    let p = pool("us-east-1_tags", 1_000);
    store.create_user_pool(&p, &[]).await.unwrap();
    let change = TagChange {
        set: BTreeMap::from([("a".into(), "1".into()), ("env".into(), "prod".into())]),
        remove: vec![],
        max_tags: 3,
    };
    let tags = store.modify_user_pool_tags(&p.id, &change).await.unwrap();
    let expected = BTreeMap::from([("a".into(), "1".into()), ("env".into(), "prod".into())]);
    assert_eq!(tags, expected);
    assert_eq!(
        store.get_user_pool(&p.id).await.unwrap().unwrap().tags,
        expected
    );

    let too_many = TagChange {
        set: BTreeMap::from([("b".into(), "2".into()), ("c".into(), "3".into())]),
        remove: vec![],
        max_tags: 3,
    };
    assert_eq!(
        store.modify_user_pool_tags(&p.id, &too_many).await,
        Err(StoreError::Conflict(Constraint::TagLimit))
    );
    assert_eq!(
        store.get_user_pool(&p.id).await.unwrap().unwrap().tags,
        expected
    );

    let untag = TagChange {
        set: BTreeMap::new(),
        remove: vec!["a".into(), "absent".into()],
        max_tags: 3,
    };
    let tags = store.modify_user_pool_tags(&p.id, &untag).await.unwrap();
    assert_eq!(tags, BTreeMap::from([("env".into(), "prod".into())]));
    // Tagging leaves the rest of the pool as it was.
    let stored = store.get_user_pool(&p.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.settings, stored.modified_ms),
        (p.settings, p.modified_ms)
    );

    assert_eq!(
        store.modify_user_pool_tags("us-east-1_none", &untag).await,
        Err(StoreError::NotFound)
    );
}

pub async fn user_pool_pagination(store: DynStore) {
    let empty = store.list_user_pools(&PageRequest::first(3)).await.unwrap();
    assert!(empty.items.is_empty());
    assert_eq!(empty.next, None);

    let created = [5, 1, 3, 3, 3, 2, 9, 3];
    for (i, at) in created.iter().enumerate() {
        store
            .create_user_pool(&pool(&format!("us-east-1_p{i}"), *at), &[])
            .await
            .unwrap();
    }
    let mut expected: Vec<(i64, String)> = created
        .iter()
        .enumerate()
        .map(|(i, at)| (*at, format!("us-east-1_p{i}")))
        .collect();
    expected.sort();
    let expected: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();

    for limit in [1, 3, 8, 100] {
        let got: Vec<String> = collect_pages(limit, |page| {
            let store = store.clone();
            async move { store.list_user_pools(&page).await }
        })
        .await
        .into_iter()
        .map(|p| p.id)
        .collect();
        assert_eq!(got, expected, "limit {limit}");
    }

    // A page exactly as large as what is left is the last one.
    let all = store.list_user_pools(&PageRequest::first(8)).await.unwrap();
    assert_eq!(all.next, None);
    // Keyset pagination: deleting the item a cursor points at does not break it.
    let first = store.list_user_pools(&PageRequest::first(2)).await.unwrap();
    let cursor = first.next.unwrap();
    store.delete_user_pool(&first.items[1].id).await.unwrap();
    let rest = store
        .list_user_pools(&PageRequest::after(100, cursor))
        .await
        .unwrap();
    assert_eq!(
        rest.items.iter().map(|p| p.id.clone()).collect::<Vec<_>>(),
        expected[2..].to_vec()
    );
}

pub async fn user_pool_delete_cascades(store: DynStore) {
    for id in ["us-east-1_gone", "us-east-1_kept"] {
        store
            .create_user_pool(&pool(id, 1_000), &[signing_key(id, "k1", 1)])
            .await
            .unwrap();
        let client_id = format!("client-{id}");
        store
            .create_client(&client(id, &client_id, 1))
            .await
            .unwrap();
        store
            .add_client_secret(&secret(id, &client_id, "s1", 1), 2)
            .await
            .unwrap();
        store.create_group(&group(id, "admins", 1)).await.unwrap();
        store
            .create_domain(&domain(id, &format!("domain-{id}"), false, 1))
            .await
            .unwrap();
        store
            .create_resource_server(&resource_server(id, "https://api", 1))
            .await
            .unwrap();
        store
            .put_pool_document(
                id,
                kind::UI_CUSTOMIZATION,
                ALL_CLIENTS_KEY,
                &json!({"CSS": ".a{}"}),
                1,
            )
            .await
            .unwrap();
    }

    store.delete_user_pool("us-east-1_gone").await.unwrap();

    let gone = "us-east-1_gone";
    assert_eq!(store.get_user_pool(gone).await.unwrap(), None);
    assert!(store.signing_keys(gone).await.unwrap().is_empty());
    assert_eq!(
        store.find_client("client-us-east-1_gone").await.unwrap(),
        None
    );
    assert_eq!(store.count_clients(gone).await.unwrap(), 0);
    assert_eq!(store.get_group(gone, "admins").await.unwrap(), None);
    assert_eq!(store.count_groups(gone).await.unwrap(), 0);
    assert_eq!(
        store.get_domain("domain-us-east-1_gone").await.unwrap(),
        None
    );
    assert!(store.domains_for_pool(gone).await.unwrap().is_empty());
    assert_eq!(
        store
            .get_resource_server(gone, "https://api")
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.count_resource_servers(gone).await.unwrap(), 0);
    assert_eq!(
        store
            .get_pool_document(gone, kind::UI_CUSTOMIZATION, ALL_CLIENTS_KEY)
            .await
            .unwrap(),
        None
    );

    let kept = "us-east-1_kept";
    assert!(store.get_user_pool(kept).await.unwrap().is_some());
    assert_eq!(store.signing_keys(kept).await.unwrap().len(), 1);
    assert_eq!(
        store
            .list_client_secrets(kept, "client-us-east-1_kept")
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(store.get_group(kept, "admins").await.unwrap().is_some());
    assert!(
        store
            .get_domain("domain-us-east-1_kept")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .get_resource_server(kept, "https://api")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .get_pool_document(kept, kind::UI_CUSTOMIZATION, ALL_CLIENTS_KEY)
            .await
            .unwrap()
            .is_some()
    );

    // Globally unique names held by the deleted pool are free again.
    create_pool(&store, "us-east-1_new").await;
    store
        .create_domain(&domain("us-east-1_new", "domain-us-east-1_gone", false, 2))
        .await
        .unwrap();
    store
        .create_client(&client("us-east-1_new", "client-us-east-1_gone", 2))
        .await
        .unwrap();
    assert!(
        store
            .list_client_secrets("us-east-1_new", "client-us-east-1_gone")
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn pool_documents_round_trip(store: DynStore) {
    let p = "us-east-1_docs";
    create_pool(&store, p).await;
    let doc = json!({"ImageUrl": null, "CSS": ".banner { color: red; } ✓", "n": [1, 2.5]});
    assert_eq!(
        store
            .get_pool_document(p, kind::UI_CUSTOMIZATION, ALL_CLIENTS_KEY)
            .await
            .unwrap(),
        None
    );
    store
        .put_pool_document(p, kind::UI_CUSTOMIZATION, ALL_CLIENTS_KEY, &doc, 10)
        .await
        .unwrap();
    assert_eq!(
        store
            .get_pool_document(p, kind::UI_CUSTOMIZATION, ALL_CLIENTS_KEY)
            .await
            .unwrap(),
        Some((doc.clone(), 10))
    );
    // Kind and key both address the document.
    store
        .put_pool_document(
            p,
            kind::RISK_CONFIGURATION,
            ALL_CLIENTS_KEY,
            &json!({"r": 1}),
            11,
        )
        .await
        .unwrap();
    store
        .put_pool_document(p, kind::UI_CUSTOMIZATION, "client1", &json!({"c": 1}), 12)
        .await
        .unwrap();
    assert_eq!(
        store
            .get_pool_document(p, kind::UI_CUSTOMIZATION, ALL_CLIENTS_KEY)
            .await
            .unwrap(),
        Some((doc, 10))
    );

    let replacement = json!({"CSS": "x"});
    store
        .put_pool_document(p, kind::UI_CUSTOMIZATION, ALL_CLIENTS_KEY, &replacement, 20)
        .await
        .unwrap();
    assert_eq!(
        store
            .get_pool_document(p, kind::UI_CUSTOMIZATION, ALL_CLIENTS_KEY)
            .await
            .unwrap(),
        Some((replacement, 20))
    );

    store
        .delete_pool_document(p, kind::UI_CUSTOMIZATION, ALL_CLIENTS_KEY)
        .await
        .unwrap();
    assert_eq!(
        store
            .get_pool_document(p, kind::UI_CUSTOMIZATION, ALL_CLIENTS_KEY)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .delete_pool_document(p, kind::UI_CUSTOMIZATION, ALL_CLIENTS_KEY)
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store
            .get_pool_document(p, kind::RISK_CONFIGURATION, ALL_CLIENTS_KEY)
            .await
            .unwrap(),
        Some((json!({"r": 1}), 11))
    );
    assert_eq!(
        store
            .put_pool_document(
                "us-east-1_none",
                kind::LOG_DELIVERY,
                ALL_CLIENTS_KEY,
                &json!({}),
                1
            )
            .await,
        Err(StoreError::NotFound)
    );
}

pub async fn invalid_cursors_are_refused(store: DynStore) {
    create_pool(&store, "us-east-1_cur").await;
    for i in 0..3 {
        store
            .create_group(&group("us-east-1_cur", &format!("g{i}"), 1))
            .await
            .unwrap();
    }
    let groups_cursor = store
        .list_groups("us-east-1_cur", &PageRequest::first(1))
        .await
        .unwrap()
        .next
        .unwrap();
    for bad in ["", "not base64 !", "bm90IGpzb24", groups_cursor.as_str()] {
        assert_eq!(
            store.list_user_pools(&PageRequest::after(2, bad)).await,
            Err(StoreError::InvalidCursor),
            "pools with {bad:?}"
        );
    }
    for bad in ["%%%", "e30"] {
        assert_eq!(
            store
                .list_groups("us-east-1_cur", &PageRequest::after(2, bad))
                .await,
            Err(StoreError::InvalidCursor)
        );
        assert_eq!(
            store
                .list_clients("us-east-1_cur", &PageRequest::after(2, bad))
                .await,
            Err(StoreError::InvalidCursor)
        );
        assert_eq!(
            store
                .list_resource_servers("us-east-1_cur", &PageRequest::after(2, bad))
                .await,
            Err(StoreError::InvalidCursor)
        );
        assert_eq!(
            store.list_identity_pools(&PageRequest::after(2, bad)).await,
            Err(StoreError::InvalidCursor)
        );
    }
}

pub async fn health_ping(store: DynStore) {
    store.ping().await.unwrap();
}
