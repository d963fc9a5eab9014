//! Passkeys and started passkey registrations.

use std::sync::Arc;

use serde_json::json;

use super::fixtures::*;
use crate::{Constraint, StoreError, WebAuthnCredentialRecord};

fn credential(pool_id: &str, sub: &str, id: &str, created_ms: i64) -> WebAuthnCredentialRecord {
    WebAuthnCredentialRecord {
        pool_id: pool_id.to_owned(),
        credential_id: id.to_owned(),
        sub: sub.to_owned(),
        friendly_name: Some(format!("key ✓ {id}")),
        relying_party_id: "auth.example.com".to_owned(),
        attachment: Some("platform".to_owned()),
        transports: vec!["internal".to_owned(), "hybrid".to_owned()],
        credential: json!({"cred_id": id, "counter": 0, "n": [1.5, 9007199254740993_u64]}),
        created_ms,
    }
}

pub async fn webauthn_credentials(store: DynStore) {
    let p = "us-east-1_wa1";
    create_pool(&store, p).await;
    create_user(&store, &user(p, "sub-a", "alice", 1)).await;
    create_user(&store, &user(p, "sub-b", "bob", 1)).await;
    assert_eq!(
        store
            .add_webauthn_credential(&credential(p, "sub-gone", "x", 1), 20)
            .await,
        Err(StoreError::NotFound)
    );

    let first = WebAuthnCredentialRecord {
        friendly_name: None,
        attachment: None,
        transports: Vec::new(),
        ..credential(p, "sub-a", "cred-1", 10)
    };
    store.add_webauthn_credential(&first, 20).await.unwrap();
    // Ids are unique in the pool, whoever registers them.
    assert_eq!(
        store
            .add_webauthn_credential(&credential(p, "sub-b", "cred-1", 11), 20)
            .await,
        Err(StoreError::Conflict(Constraint::WebAuthnCredentialId))
    );
    for (n, at) in [(2, 12), (3, 12), (4, 11)] {
        store
            .add_webauthn_credential(&credential(p, "sub-a", &format!("cred-{n}"), at), 20)
            .await
            .unwrap();
    }
    assert_eq!(
        store
            .add_webauthn_credential(&credential(p, "sub-a", "cred-5", 13), 4)
            .await,
        Err(StoreError::Conflict(Constraint::WebAuthnCredentialLimit))
    );
    store
        .add_webauthn_credential(&credential(p, "sub-b", "cred-b", 13), 1)
        .await
        .unwrap();

    // Oldest first, then by id, across pages; every field round-trips.
    let listed = collect_pages(1, |page| {
        let store = Arc::clone(&store);
        async move { store.list_webauthn_credentials(p, "sub-a", &page).await }
    })
    .await;
    let ids: Vec<&str> = listed.iter().map(|c| c.credential_id.as_str()).collect();
    assert_eq!(ids, ["cred-1", "cred-4", "cred-2", "cred-3"]);
    assert_eq!(listed[0], first);
    assert_eq!(listed[1], credential(p, "sub-a", "cred-4", 11));

    let moved = json!({"cred_id": "cred-2", "counter": 7});
    store
        .update_webauthn_credential(p, "sub-a", "cred-2", &moved)
        .await
        .unwrap();
    let page = store
        .list_webauthn_credentials(p, "sub-a", &crate::PageRequest::first(20))
        .await
        .unwrap();
    assert_eq!(page.items[2].credential, moved);
    assert_eq!(page.next, None);
    // Another user's credential is neither changed nor deleted through this user.
    assert_eq!(
        store
            .update_webauthn_credential(p, "sub-b", "cred-2", &moved)
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.delete_webauthn_credential(p, "sub-b", "cred-2").await,
        Err(StoreError::NotFound)
    );
    store
        .delete_webauthn_credential(p, "sub-a", "cred-2")
        .await
        .unwrap();
    assert_eq!(
        store.delete_webauthn_credential(p, "sub-a", "cred-2").await,
        Err(StoreError::NotFound)
    );

    // Credentials go with their user.
    store.delete_user(p, "sub-a").await.unwrap();
    let gone = store
        .list_webauthn_credentials(p, "sub-a", &crate::PageRequest::first(20))
        .await
        .unwrap();
    assert!(gone.items.is_empty());
    let kept = store
        .list_webauthn_credentials(p, "sub-b", &crate::PageRequest::first(20))
        .await
        .unwrap();
    assert_eq!(kept.items.len(), 1);
}

pub async fn webauthn_registrations(store: DynStore) {
    let p = "us-east-1_wa2";
    create_pool(&store, p).await;
    create_user(&store, &user(p, "sub-a", "alice", 1)).await;
    assert_eq!(
        store
            .put_webauthn_registration(p, "sub-gone", &[1], 100)
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.take_webauthn_registration(p, "sub-a", 0).await,
        Ok(None)
    );
    store
        .put_webauthn_registration(p, "sub-a", &[1, 2, 0, 255], 100)
        .await
        .unwrap();
    // A later start replaces the earlier one.
    store
        .put_webauthn_registration(p, "sub-a", &[3], 200)
        .await
        .unwrap();
    assert_eq!(
        store.take_webauthn_registration(p, "sub-a", 150).await,
        Ok(Some(vec![3]))
    );
    // Taken once.
    assert_eq!(
        store.take_webauthn_registration(p, "sub-a", 150).await,
        Ok(None)
    );
    // An expired registration is not returned (and is gone).
    store
        .put_webauthn_registration(p, "sub-a", &[4], 200)
        .await
        .unwrap();
    assert_eq!(
        store.take_webauthn_registration(p, "sub-a", 200).await,
        Ok(None)
    );
    store
        .put_webauthn_registration(p, "sub-a", &[5], 300)
        .await
        .unwrap();
    assert_eq!(
        store.take_webauthn_registration(p, "sub-a", 250).await,
        Ok(Some(vec![5]))
    );
}

pub async fn race_webauthn_limit_and_take(store: DynStore) {
    let p = "us-east-1_wa3";
    create_pool(&store, p).await;
    create_user(&store, &user(p, "sub-a", "alice", 1)).await;
    let adds = (0..8).map(|n| {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            store
                .add_webauthn_credential(&credential(p, "sub-a", &format!("c{n}"), n), 3)
                .await
        })
    });
    let mut added = 0;
    for add in adds.collect::<Vec<_>>() {
        match add.await.unwrap() {
            Ok(()) => added += 1,
            Err(StoreError::Conflict(Constraint::WebAuthnCredentialLimit)) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(added, 3, "the limit holds under concurrent adds");

    store
        .put_webauthn_registration(p, "sub-a", &[9], 1_000)
        .await
        .unwrap();
    let takes: Vec<_> = (0..6)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.take_webauthn_registration(p, "sub-a", 10).await })
        })
        .collect();
    let mut got = 0;
    for take in takes {
        if take.await.unwrap().unwrap().is_some() {
            got += 1;
        }
    }
    assert_eq!(got, 1, "a started registration is completed once");
}
