//! Groups.

use super::fixtures::*;
use crate::{Constraint, GroupRecord, StoreError};

pub async fn group_crud(store: DynStore) {
    let (p1, p2) = ("us-east-1_g1", "us-east-1_g2");
    assert_eq!(
        store
            .create_group(&group("us-east-1_none", "admins", 1))
            .await,
        Err(StoreError::NotFound)
    );
    create_pool(&store, p1).await;
    create_pool(&store, p2).await;

    let full = group(p1, "admins", 10);
    let bare = GroupRecord {
        pool_id: p1.into(),
        name: "bare".into(),
        description: None,
        role_arn: None,
        precedence: None,
        created_ms: 11,
        modified_ms: 11,
    };
    store.create_group(&full).await.unwrap();
    store.create_group(&bare).await.unwrap();
    assert_eq!(
        store.create_group(&group(p1, "admins", 12)).await,
        Err(StoreError::Conflict(Constraint::GroupName))
    );
    // Names are per pool and case-sensitive.
    store.create_group(&group(p2, "admins", 12)).await.unwrap();
    store.create_group(&group(p1, "Admins", 12)).await.unwrap();

    assert_eq!(
        store.get_group(p1, "admins").await.unwrap(),
        Some(full.clone())
    );
    assert_eq!(
        store.get_group(p1, "bare").await.unwrap(),
        Some(bare.clone())
    );
    assert_eq!(store.get_group(p1, "nobody").await.unwrap(), None);
    assert_eq!(store.count_groups(p1).await.unwrap(), 3);
    assert_eq!(store.count_groups(p2).await.unwrap(), 1);

    let mut updated = full.clone();
    updated.description = None;
    updated.role_arn = Some("arn:aws:iam::000000000000:role/other".into());
    updated.precedence = Some(-5);
    updated.modified_ms = 99;
    updated.created_ms = 1;
    store.update_group(&updated).await.unwrap();
    assert_eq!(
        store.get_group(p1, "admins").await.unwrap(),
        Some(GroupRecord {
            created_ms: 10,
            ..updated.clone()
        })
    );
    assert_eq!(
        store.update_group(&group(p1, "nobody", 1)).await,
        Err(StoreError::NotFound)
    );

    store.delete_group(p1, "admins").await.unwrap();
    assert_eq!(store.get_group(p1, "admins").await.unwrap(), None);
    assert!(store.get_group(p2, "admins").await.unwrap().is_some());
    assert_eq!(
        store.delete_group(p1, "admins").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.update_group(&updated).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(store.count_groups(p1).await.unwrap(), 2);
    // The name is free again.
    store.create_group(&group(p1, "admins", 13)).await.unwrap();
}

pub async fn group_pagination(store: DynStore) {
    let p = "us-east-1_gp";
    create_pool(&store, p).await;
    create_pool(&store, "us-east-1_gq").await;
    let names = ["delta", "Alpha", "charlie", "bravo", "echo", "alpha", "ünï"];
    for name in names {
        store.create_group(&group(p, name, 1)).await.unwrap();
    }
    store
        .create_group(&group("us-east-1_gq", "x", 1))
        .await
        .unwrap();
    // Byte order, so both backends agree regardless of collation.
    let mut expected: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    expected.sort();
    for limit in [1, 2, 3, 7, 60] {
        let got: Vec<String> = collect_pages(limit, |page| {
            let store = store.clone();
            async move { store.list_groups(p, &page).await }
        })
        .await
        .into_iter()
        .map(|g| g.name)
        .collect();
        assert_eq!(got, expected, "limit {limit}");
    }
}
