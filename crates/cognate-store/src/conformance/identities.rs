//! Identities, logins, merges, STS sessions and the identity-token key.

use std::collections::BTreeMap;

use serde_json::json;

use super::fixtures::*;
use crate::{
    Constraint, IdentityRecord, IdentityTokenKeyRecord, LoginKey, StoreError, StsSessionRecord,
};

fn identity(id: &str, pool_id: &str, created_ms: i64, logins: &[(&str, &str)]) -> IdentityRecord {
    IdentityRecord {
        id: id.to_owned(),
        pool_id: pool_id.to_owned(),
        created_ms,
        modified_ms: created_ms,
        logins: logins.iter().map(|(p, s)| LoginKey::new(*p, *s)).collect(),
        merged_into: None,
    }
}

async fn two_pools(store: &DynStore) {
    for id in ["us-east-1:a", "us-east-1:b"] {
        store
            .create_identity_pool(&identity_pool(id, 1))
            .await
            .unwrap();
    }
}

pub async fn identity_crud(store: DynStore) {
    two_pools(&store).await;
    let alice = identity(
        "us-east-1:1",
        "us-east-1:a",
        10,
        &[("idp/x", "sub-a"), ("dev", "alice")],
    );
    store.create_identity(&alice).await.unwrap();
    let mut sorted = alice.clone();
    sorted.logins.sort();
    assert_eq!(
        store.get_identity(&alice.id).await.unwrap(),
        Some(sorted.clone())
    );
    assert_eq!(store.get_identity("us-east-1:none").await.unwrap(), None);
    assert_eq!(
        store.create_identity(&alice).await,
        Err(StoreError::Conflict(Constraint::IdentityId))
    );
    // A login is one identity's per pool; the same login in another pool is another login.
    assert_eq!(
        store
            .create_identity(&identity(
                "us-east-1:2",
                "us-east-1:a",
                11,
                &[("idp/x", "sub-a")]
            ))
            .await,
        Err(StoreError::Conflict(Constraint::IdentityLogin))
    );
    assert_eq!(store.get_identity("us-east-1:2").await.unwrap(), None);
    store
        .create_identity(&identity(
            "us-east-1:3",
            "us-east-1:b",
            11,
            &[("idp/x", "sub-a")],
        ))
        .await
        .unwrap();
    assert_eq!(
        store
            .create_identity(&identity("us-east-1:4", "us-east-1:none", 1, &[]))
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store
            .find_identity_by_login("us-east-1:a", &LoginKey::new("dev", "alice"))
            .await
            .unwrap(),
        Some(sorted.clone())
    );
    assert_eq!(
        store
            .find_identity_by_login("us-east-1:b", &LoginKey::new("dev", "alice"))
            .await
            .unwrap(),
        None
    );

    // Linking: own logins are left alone, another identity's refuse the whole call.
    let bob = identity("us-east-1:5", "us-east-1:a", 12, &[]);
    store.create_identity(&bob).await.unwrap();
    assert_eq!(
        store
            .link_logins(
                &bob.id,
                &[LoginKey::new("g", "1"), LoginKey::new("dev", "alice")],
                20
            )
            .await,
        Err(StoreError::Conflict(Constraint::IdentityLogin))
    );
    assert_eq!(
        store.get_identity(&bob.id).await.unwrap(),
        Some(bob.clone())
    );
    store
        .link_logins(&bob.id, &[LoginKey::new("g", "1")], 20)
        .await
        .unwrap();
    store
        .link_logins(&bob.id, &[LoginKey::new("g", "1")], 21)
        .await
        .unwrap();
    let got = store.get_identity(&bob.id).await.unwrap().unwrap();
    assert_eq!(got.logins, vec![LoginKey::new("g", "1")]);
    assert_eq!((got.created_ms, got.modified_ms), (12, 21));
    assert_eq!(
        store.link_logins("us-east-1:none", &[], 1).await,
        Err(StoreError::NotFound)
    );

    store
        .unlink_logins(&alice.id, &[LoginKey::new("dev", "alice")], 30)
        .await
        .unwrap();
    let got = store.get_identity(&alice.id).await.unwrap().unwrap();
    assert_eq!(got.logins, vec![LoginKey::new("idp/x", "sub-a")]);
    assert_eq!(got.modified_ms, 30);
    assert_eq!(
        store.unlink_logins("us-east-1:none", &[], 1).await,
        Err(StoreError::NotFound)
    );

    store.delete_identity(&alice.id).await.unwrap();
    assert_eq!(store.get_identity(&alice.id).await.unwrap(), None);
    assert_eq!(
        store.delete_identity(&alice.id).await,
        Err(StoreError::NotFound)
    );
    // Its logins went with it.
    assert_eq!(
        store
            .find_identity_by_login("us-east-1:a", &LoginKey::new("idp/x", "sub-a"))
            .await
            .unwrap(),
        None
    );
    // Deleting the pool deletes its identities.
    store.delete_identity_pool("us-east-1:a").await.unwrap();
    assert_eq!(store.get_identity(&bob.id).await.unwrap(), None);
}

pub async fn identity_merge(store: DynStore) {
    two_pools(&store).await;
    let source = identity("us-east-1:s", "us-east-1:a", 1, &[("dev", "one")]);
    let target = identity("us-east-1:t", "us-east-1:a", 2, &[("dev", "two")]);
    let foreign = identity("us-east-1:f", "us-east-1:b", 3, &[]);
    for i in [&source, &target, &foreign] {
        store.create_identity(i).await.unwrap();
    }
    assert_eq!(
        store.merge_identities(&source.id, &foreign.id, 5).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store
            .merge_identities(&source.id, "us-east-1:none", 5)
            .await,
        Err(StoreError::NotFound)
    );
    store
        .merge_identities(&source.id, &target.id, 9)
        .await
        .unwrap();
    let merged = store.get_identity(&source.id).await.unwrap().unwrap();
    assert!(merged.logins.is_empty());
    assert_eq!(merged.merged_into.as_deref(), Some(target.id.as_str()));
    assert!(merged.disabled());
    let owner = store.get_identity(&target.id).await.unwrap().unwrap();
    assert_eq!(
        owner.logins,
        vec![LoginKey::new("dev", "one"), LoginKey::new("dev", "two")]
    );
    assert_eq!(owner.modified_ms, 9);
    assert!(!owner.disabled());
    assert_eq!(
        store
            .find_identity_by_login("us-east-1:a", &LoginKey::new("dev", "one"))
            .await
            .unwrap()
            .map(|i| i.id),
        Some(target.id.clone())
    );

    // Listing: by creation, with or without the disabled one.
    for hide in [false, true] {
        let ids: Vec<String> = collect_pages(1, |page| {
            let store = store.clone();
            async move { store.list_identities("us-east-1:a", hide, &page).await }
        })
        .await
        .into_iter()
        .map(|i| i.id)
        .collect();
        let expected: Vec<String> = if hide {
            vec![target.id.clone()]
        } else {
            vec![source.id.clone(), target.id.clone()]
        };
        assert_eq!(ids, expected, "hide_disabled {hide}");
    }
}

pub async fn identity_pagination(store: DynStore) {
    two_pools(&store).await;
    let created = [3, 1, 2, 2, 5, 1];
    for (i, at) in created.iter().enumerate() {
        store
            .create_identity(&identity(
                &format!("us-east-1:{i:04}"),
                "us-east-1:a",
                *at,
                &[("p", &format!("s{i}"))],
            ))
            .await
            .unwrap();
    }
    store
        .create_identity(&identity("us-east-1:other", "us-east-1:b", 0, &[]))
        .await
        .unwrap();
    let mut expected: Vec<(i64, String)> = created
        .iter()
        .enumerate()
        .map(|(i, at)| (*at, format!("us-east-1:{i:04}")))
        .collect();
    expected.sort();
    let expected: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();
    for limit in [1, 4, 60] {
        let got = collect_pages(limit, |page| {
            let store = store.clone();
            async move { store.list_identities("us-east-1:a", false, &page).await }
        })
        .await;
        assert!(got.iter().all(|i| i.logins.len() == 1), "logins are listed");
        let got: Vec<String> = got.into_iter().map(|i| i.id).collect();
        assert_eq!(got, expected, "limit {limit}");
    }
}

pub async fn sts_sessions(store: DynStore) {
    let session = StsSessionRecord {
        access_key_id: "ASIAEXAMPLE000000001".into(),
        sealed_secret: vec![1, 2, 3, 0, 255],
        session_token_hash: vec![9; 32],
        identity_id: "us-east-1:i".into(),
        identity_pool_id: "us-east-1:p".into(),
        role_arn: "arn:aws:iam::000000000000:role/Auth".into(),
        session_name: "CognitoIdentityCredentials".into(),
        amr: vec!["authenticated".into(), "ünï".into()],
        principal_tags: BTreeMap::from([("team".into(), "blue".into())]),
        issued_ms: 100,
        expires_ms: 3_600_100,
    };
    store.put_sts_session(&session).await.unwrap();
    assert_eq!(
        store.get_sts_session(&session.access_key_id).await.unwrap(),
        Some(session.clone())
    );
    assert_eq!(store.get_sts_session("ASIANONE").await.unwrap(), None);
    assert!(matches!(
        store.put_sts_session(&session).await,
        Err(StoreError::Conflict(_))
    ));
}

pub async fn race_identity_token_key_one_wins(store: DynStore) {
    let candidate = |n: u8| IdentityTokenKeyRecord {
        kid: format!("kid-{n}"),
        public_jwk: json!({"kty": "RSA", "kid": format!("kid-{n}")}),
        sealed_private_key: vec![n; 8],
        created_ms: i64::from(n),
    };
    let tasks: Vec<_> = (0..8u8)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move { store.identity_token_key(&candidate(n)).await.unwrap() })
        })
        .collect();
    let mut kept = Vec::new();
    for task in tasks {
        kept.push(task.await.unwrap());
    }
    assert!(kept.windows(2).all(|w| w[0] == w[1]), "{kept:?}");
    assert_eq!(
        store.identity_token_key(&candidate(99)).await.unwrap(),
        kept[0]
    );
}

pub async fn race_login_linked_once(store: DynStore) {
    two_pools(&store).await;
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .create_identity(&identity(
                        &format!("us-east-1:{n}"),
                        "us-east-1:a",
                        n,
                        &[("p", "same")],
                    ))
                    .await
            })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => won += 1,
            Err(e) => assert_eq!(e, StoreError::Conflict(Constraint::IdentityLogin)),
        }
    }
    assert_eq!(won, 1);
}
