//! Resource servers.

use serde_json::json;

use super::fixtures::*;
use crate::{Constraint, ResourceServerRecord, StoreError};

pub async fn resource_server_crud(store: DynStore) {
    let (p1, p2) = ("us-east-1_r1", "us-east-1_r2");
    assert_eq!(
        store
            .create_resource_server(&resource_server("us-east-1_none", "https://x", 1))
            .await,
        Err(StoreError::NotFound)
    );
    create_pool(&store, p1).await;
    create_pool(&store, p2).await;

    let rs = resource_server(p1, "https://api.example.com", 10);
    store.create_resource_server(&rs).await.unwrap();
    assert_eq!(
        store
            .create_resource_server(&resource_server(p1, "https://api.example.com", 11))
            .await,
        Err(StoreError::Conflict(Constraint::ResourceServerIdentifier))
    );
    store
        .create_resource_server(&resource_server(p2, "https://api.example.com", 11))
        .await
        .unwrap();
    assert_eq!(
        store
            .get_resource_server(p1, "https://api.example.com")
            .await
            .unwrap(),
        Some(rs.clone())
    );
    assert_eq!(
        store.get_resource_server(p1, "https://nope").await.unwrap(),
        None
    );
    assert_eq!(store.count_resource_servers(p1).await.unwrap(), 1);

    let updated = ResourceServerRecord {
        name: "renamed".into(),
        scopes: json!([]),
        modified_ms: 77,
        created_ms: 1,
        ..rs.clone()
    };
    store.update_resource_server(&updated).await.unwrap();
    assert_eq!(
        store
            .get_resource_server(p1, "https://api.example.com")
            .await
            .unwrap(),
        Some(ResourceServerRecord {
            created_ms: 10,
            ..updated.clone()
        })
    );
    assert_eq!(
        store
            .update_resource_server(&resource_server(p1, "https://nope", 1))
            .await,
        Err(StoreError::NotFound)
    );

    store
        .delete_resource_server(p1, "https://api.example.com")
        .await
        .unwrap();
    assert_eq!(
        store
            .get_resource_server(p1, "https://api.example.com")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .delete_resource_server(p1, "https://api.example.com")
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.update_resource_server(&updated).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(store.count_resource_servers(p1).await.unwrap(), 0);
    assert_eq!(store.count_resource_servers(p2).await.unwrap(), 1);
}

pub async fn resource_server_pagination(store: DynStore) {
    let p = "us-east-1_rp";
    create_pool(&store, p).await;
    let ids = ["urn:c", "https://b", "https://a", "urn:a", "api"];
    for id in ids {
        store
            .create_resource_server(&resource_server(p, id, 1))
            .await
            .unwrap();
    }
    let mut expected: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
    expected.sort();
    for limit in [1, 2, 50] {
        let got: Vec<String> = collect_pages(limit, |page| {
            let store = store.clone();
            async move { store.list_resource_servers(p, &page).await }
        })
        .await
        .into_iter()
        .map(|r| r.identifier)
        .collect();
        assert_eq!(got, expected, "limit {limit}");
    }
}
