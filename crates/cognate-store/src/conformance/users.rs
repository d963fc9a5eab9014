//! Users: records, aliases, ListUsers filters and paging, group membership.

use serde_json::json;

use super::fixtures::*;
use crate::{
    AliasChange, Constraint, PageRequest, StoreError, UserFilter, UserRecord, user_counter_key,
};

fn filter(attribute: &str, prefix: bool, value: &str) -> UserFilter {
    UserFilter {
        attribute: attribute.to_owned(),
        prefix,
        value: value.to_owned(),
    }
}

/// Usernames of one listing, read page by page with `limit`.
async fn listed(store: &DynStore, pool: &str, f: Option<&UserFilter>, limit: u32) -> Vec<String> {
    collect_pages(limit, |page| {
        let store = store.clone();
        let f = f.cloned();
        let pool = pool.to_owned();
        async move { store.list_users(&pool, f.as_ref(), &page).await }
    })
    .await
    .into_iter()
    .map(|u| u.username)
    .collect()
}

pub async fn user_crud(store: DynStore) {
    let (p, q) = ("us-east-1_u1", "us-east-1_u2");
    let alice = user(p, "sub-a", "Alice", 1_000);
    assert_eq!(
        store.create_user(&alice, &[], false).await,
        Err(StoreError::NotFound),
        "no pool"
    );
    create_pool(&store, p).await;
    create_pool(&store, q).await;
    assert_eq!(store.count_users(p).await.unwrap(), 0);
    create_user(&store, &alice).await;

    assert_eq!(
        store.get_user(p, "alice").await.unwrap(),
        Some(alice.clone())
    );
    assert_eq!(
        store.get_user_by_sub(p, "sub-a").await.unwrap(),
        Some(alice.clone())
    );
    assert_eq!(store.get_user(p, "Alice").await.unwrap(), None, "by key");
    assert_eq!(store.get_user(q, "alice").await.unwrap(), None);
    assert_eq!(store.get_user_by_sub(q, "sub-a").await.unwrap(), None);

    assert_eq!(
        store
            .create_user(&user(p, "sub-b", "ALICE", 2), &[], false)
            .await,
        Err(StoreError::Conflict(Constraint::Username))
    );
    assert_eq!(
        store
            .create_user(&user(p, "sub-a", "other", 2), &[], false)
            .await,
        Err(StoreError::Conflict(Constraint::UserSub))
    );
    // Usernames and subs are per pool.
    create_user(&store, &user(q, "sub-a", "alice", 2)).await;
    // A user without attributes, password or expiry.
    let bare = UserRecord {
        password_hash: None,
        password_expires_ms: None,
        srp_verifier_sealed: None,
        enabled: false,
        status: "EXTERNAL_PROVIDER".into(),
        extra: json!({}),
        ..bare_user(p, "sub-bare", "bare", &[])
    };
    create_user(&store, &bare).await;
    assert_eq!(
        store.get_user_by_sub(p, "sub-bare").await.unwrap(),
        Some(bare.clone())
    );
    // Attribute names are unique in a record.
    let twice = bare_user(p, "sub-t", "twice", &[("email", "a"), ("email", "b")]);
    assert!(matches!(
        store.create_user(&twice, &[], false).await,
        Err(StoreError::Internal(_))
    ));
    assert_eq!(store.get_user(p, "twice").await.unwrap(), None);
    assert_eq!(store.count_users(p).await.unwrap(), 2);

    // Update replaces the mutable fields; identity fields stay.
    let mut updated = alice.clone();
    updated.status = "RESET_REQUIRED".into();
    updated.enabled = false;
    updated.password_hash = None;
    updated.password_expires_ms = None;
    updated.srp_verifier_sealed = None;
    updated.attributes = vec![
        ("email".into(), "new@example.com".into()),
        ("family_name".into(), "Liddell".into()),
        ("name".into(), "Name of Alice".into()),
    ];
    updated.modified_ms = 5_000;
    updated.tokens_revoked_before_ms = 4_000;
    updated.extra = json!({"PasswordHistory": []});
    updated.username = "ignored".into();
    updated.username_key = "ignored".into();
    updated.created_ms = 1;
    store
        .update_user(&updated, &AliasChange::default())
        .await
        .unwrap();
    let expected = UserRecord {
        username: alice.username.clone(),
        username_key: alice.username_key.clone(),
        created_ms: alice.created_ms,
        ..updated.clone()
    };
    assert_eq!(
        store.get_user_by_sub(p, "sub-a").await.unwrap(),
        Some(expected.clone())
    );
    assert_eq!(store.get_user(p, "ignored").await.unwrap(), None);

    // The GlobalSignOut epoch never moves back.
    let stale = UserRecord {
        tokens_revoked_before_ms: 0,
        modified_ms: 6_000,
        ..expected.clone()
    };
    store
        .update_user(&stale, &AliasChange::default())
        .await
        .unwrap();
    let stored = store.get_user_by_sub(p, "sub-a").await.unwrap().unwrap();
    assert_eq!(stored.tokens_revoked_before_ms, 4_000);
    assert_eq!(stored.modified_ms, 6_000);

    // Removing every attribute, then adding some back.
    for attributes in [vec![], alice.attributes.clone()] {
        let next = UserRecord {
            attributes: attributes.clone(),
            ..stored.clone()
        };
        store
            .update_user(&next, &AliasChange::default())
            .await
            .unwrap();
        assert_eq!(
            store
                .get_user(p, "alice")
                .await
                .unwrap()
                .unwrap()
                .attributes,
            attributes
        );
    }

    let ghost = user(p, "sub-ghost", "ghost", 1);
    assert_eq!(
        store.update_user(&ghost, &AliasChange::default()).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.update_user(&twice, &AliasChange::default()).await,
        Err(StoreError::Internal(
            "attribute \"email\" given twice".into()
        ))
    );

    store.delete_user(p, "sub-a").await.unwrap();
    assert_eq!(store.get_user(p, "alice").await.unwrap(), None);
    assert_eq!(store.get_user_by_sub(p, "sub-a").await.unwrap(), None);
    assert_eq!(
        store.delete_user(p, "sub-a").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.update_user(&alice, &AliasChange::default()).await,
        Err(StoreError::NotFound)
    );
    assert!(store.get_user(q, "alice").await.unwrap().is_some());
    assert_eq!(store.count_users(p).await.unwrap(), 1);
    // The username is free again, with a new sub.
    create_user(&store, &user(p, "sub-a2", "alice", 9)).await;
}

pub async fn user_aliases(store: DynStore) {
    let p = "us-east-1_al";
    create_pool(&store, p).await;
    create_pool(&store, "us-east-1_al2").await;
    let a = user(p, "sub-a", "a", 1);
    let b = user(p, "sub-b", "b", 1);
    store
        .create_user(
            &a,
            &[
                alias("email", "a@example.com"),
                alias("phone_number", "+15550100"),
            ],
            false,
        )
        .await
        .unwrap();
    let find = |kind: &'static str, value: &'static str| {
        let store = store.clone();
        async move {
            store
                .find_user_by_alias(p, kind, value)
                .await
                .unwrap()
                .map(|u| u.sub)
        }
    };
    assert_eq!(
        find("email", "a@example.com").await.as_deref(),
        Some("sub-a")
    );
    assert_eq!(
        find("phone_number", "+15550100").await.as_deref(),
        Some("sub-a")
    );
    assert_eq!(find("preferred_username", "a").await, None);
    assert_eq!(find("email", "A@example.com").await, None, "exact key");
    assert_eq!(
        store
            .find_user_by_alias(p, "email", "a@example.com")
            .await
            .unwrap(),
        Some(a.clone()),
        "the whole record"
    );
    assert!(matches!(
        store.find_user_by_alias(p, "nickname", "x").await,
        Err(StoreError::Internal(_))
    ));

    // Another user cannot claim a held alias; nothing of it is stored.
    assert_eq!(
        store
            .create_user(&b, &[alias("email", "a@example.com")], false)
            .await,
        Err(StoreError::Conflict(Constraint::Alias("email".into())))
    );
    assert_eq!(store.get_user(p, "b").await.unwrap(), None);
    assert!(matches!(
        store
            .create_user(&b, &[alias("nickname", "x")], false)
            .await,
        Err(StoreError::Internal(_))
    ));
    assert!(matches!(
        store
            .create_user(&b, &[alias("email", "x"), alias("email", "y")], false)
            .await,
        Err(StoreError::Internal(_))
    ));
    // Aliases are per pool.
    store
        .create_user(
            &user("us-east-1_al2", "sub-a", "a", 1),
            &[alias("email", "a@example.com")],
            false,
        )
        .await
        .unwrap();
    // ForceAliasCreation on create moves the alias.
    store
        .create_user(&b, &[alias("email", "a@example.com")], true)
        .await
        .unwrap();
    assert_eq!(
        find("email", "a@example.com").await.as_deref(),
        Some("sub-b")
    );
    assert_eq!(
        find("phone_number", "+15550100").await.as_deref(),
        Some("sub-a")
    );

    // Update: claim, conflict, take over, release.
    let claim = |kind: &str, value: &str, take_over: bool| AliasChange {
        claim: vec![alias(kind, value)],
        release: vec![],
        take_over,
    };
    store
        .update_user(&a, &claim("preferred_username", "ally", false))
        .await
        .unwrap();
    assert_eq!(
        find("preferred_username", "ally").await.as_deref(),
        Some("sub-a")
    );
    assert_eq!(
        store
            .update_user(&b, &claim("phone_number", "+15550100", false))
            .await,
        Err(StoreError::Conflict(Constraint::Alias(
            "phone_number".into()
        )))
    );
    // The failed update changed nothing, not even the record.
    assert_eq!(store.get_user(p, "b").await.unwrap(), Some(b.clone()));
    store
        .update_user(&b, &claim("phone_number", "+15550100", true))
        .await
        .unwrap();
    assert_eq!(
        find("phone_number", "+15550100").await.as_deref(),
        Some("sub-b")
    );
    // Claiming a new value of a kind replaces the user's old one.
    store
        .update_user(&b, &claim("email", "b@example.com", false))
        .await
        .unwrap();
    assert_eq!(find("email", "a@example.com").await, None);
    assert_eq!(
        find("email", "b@example.com").await.as_deref(),
        Some("sub-b")
    );
    // Re-claiming one's own alias is fine.
    store
        .update_user(&b, &claim("email", "b@example.com", false))
        .await
        .unwrap();
    store
        .update_user(
            &b,
            &AliasChange {
                claim: vec![],
                release: vec!["email".into(), "preferred_username".into()],
                take_over: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(find("email", "b@example.com").await, None);
    assert_eq!(
        find("phone_number", "+15550100").await.as_deref(),
        Some("sub-b")
    );
    assert!(matches!(
        store
            .update_user(
                &b,
                &AliasChange {
                    claim: vec![],
                    release: vec!["nickname".into()],
                    take_over: false,
                },
            )
            .await,
        Err(StoreError::Internal(_))
    ));
    // Release and claim of one kind in one change: the claim stands.
    store
        .update_user(
            &a,
            &AliasChange {
                claim: vec![alias("email", "a2@example.com")],
                release: vec!["email".into()],
                take_over: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        find("email", "a2@example.com").await.as_deref(),
        Some("sub-a")
    );
    assert_eq!(
        store
            .update_user(
                &user(p, "sub-ghost", "ghost", 1),
                &claim("email", "g@example.com", false)
            )
            .await,
        Err(StoreError::NotFound)
    );

    // Deleting a user frees its aliases.
    store.delete_user(p, "sub-a").await.unwrap();
    assert_eq!(find("preferred_username", "ally").await, None);
    store
        .update_user(&b, &claim("preferred_username", "ally", false))
        .await
        .unwrap();
    assert_eq!(
        find("preferred_username", "ally").await.as_deref(),
        Some("sub-b")
    );
}

/// (sub, username, cognito:user_status, enabled, attributes)
type Person = (
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static [(&'static str, &'static str)],
);

/// A small population with every searchable field varied.
async fn population(store: &DynStore, p: &str) {
    create_pool(store, p).await;
    let people: [Person; 9] = [
        (
            "s7",
            "carol",
            "CONFIRMED",
            true,
            &[("email", "carol@example.com"), ("given_name", "Carol")],
        ),
        (
            "s1",
            "alice",
            "CONFIRMED",
            true,
            &[("email", "Alice@Example.com"), ("family_name", "Liddell")],
        ),
        (
            "s3",
            "al",
            "UNCONFIRMED",
            false,
            &[("email", "al@example.org"), ("phone_number", "+15550100")],
        ),
        (
            "s2",
            "bob",
            "FORCE_CHANGE_PASSWORD",
            true,
            &[("email", "bob@example.com"), ("name", "Bob 100%")],
        ),
        (
            "s9",
            "b_b",
            "CONFIRMED",
            true,
            &[("email", "b_b@example.com"), ("name", "Bob 1000")],
        ),
        (
            "s4",
            "émile",
            "RESET_REQUIRED",
            true,
            &[
                ("email", "ÉMILE@example.com"),
                ("preferred_username", "Emile"),
            ],
        ),
        (
            "s5",
            "dave",
            "CONFIRMED",
            false,
            &[("phone_number", "+15550199"), ("custom:team", "x")],
        ),
        ("s8", "zed", "EXTERNAL_PROVIDER", true, &[]),
        (
            "s6",
            "al2",
            "CONFIRMED",
            true,
            &[("email", "alice@example.com")],
        ),
    ];
    for (sub, username, status, enabled, attributes) in people {
        let u = UserRecord {
            status: status.to_owned(),
            enabled,
            ..bare_user(p, sub, username, attributes)
        };
        create_user(store, &u).await;
    }
    // Another pool with look-alikes that must never show up.
    let other = format!("{p}x");
    create_pool(store, &other).await;
    create_user(
        store,
        &bare_user(&other, "s1", "alice", &[("email", "alice@example.com")]),
    )
    .await;
}

pub async fn user_list_filters(store: DynStore) {
    let p = "us-east-1_lf";
    population(&store, p).await;
    let cases: Vec<(UserFilter, Vec<&str>)> = vec![
        // Attributes ignore case and sort by the lower-cased value, then sub.
        (
            filter("email", false, "alice@example.com"),
            vec!["alice", "al2"],
        ),
        (
            filter("email", false, "ALICE@EXAMPLE.COM"),
            vec!["alice", "al2"],
        ),
        (filter("email", true, "Al"), vec!["al", "alice", "al2"]),
        (filter("email", true, "b"), vec!["b_b", "bob"]),
        // LIKE wildcards are plain characters.
        (filter("email", true, "b_"), vec!["b_b"]),
        (filter("email", true, "%"), vec![]),
        (filter("name", true, "bob 100%"), vec!["bob"]),
        (filter("name", true, "Bob 100"), vec!["bob", "b_b"]),
        (filter("email", true, "émile"), vec!["émile"]),
        (
            filter("email", true, ""),
            vec!["al", "alice", "al2", "b_b", "bob", "carol", "émile"],
        ),
        (filter("email", false, "nobody@example.com"), vec![]),
        (filter("phone_number", true, "+1555"), vec!["al", "dave"]),
        (filter("phone_number", false, "+15550199"), vec!["dave"]),
        (filter("given_name", false, "carol"), vec!["carol"]),
        (filter("family_name", true, "lid"), vec!["alice"]),
        (filter("preferred_username", false, "EMILE"), vec!["émile"]),
        (filter("name", true, "Bob"), vec!["bob", "b_b"]),
        // Username: the exact key, case-sensitive.
        (filter("username", false, "alice"), vec!["alice"]),
        (filter("username", false, "Alice"), vec![]),
        (filter("username", true, "al"), vec!["al", "al2", "alice"]),
        (filter("username", true, "b_"), vec!["b_b"]),
        // Sub.
        (filter("sub", false, "s4"), vec!["émile"]),
        (
            filter("sub", true, "s"),
            vec![
                "alice", "bob", "al", "émile", "dave", "al2", "carol", "zed", "b_b",
            ],
        ),
        // Status: Disabled before Enabled, then sub; case-sensitive.
        (filter("status", false, "Disabled"), vec!["al", "dave"]),
        (
            filter("status", false, "Enabled"),
            vec!["alice", "bob", "émile", "al2", "carol", "zed", "b_b"],
        ),
        (filter("status", false, "enabled"), vec![]),
        (
            filter("status", true, "En"),
            vec!["alice", "bob", "émile", "al2", "carol", "zed", "b_b"],
        ),
        (
            filter("status", true, ""),
            vec![
                "al", "dave", "alice", "bob", "émile", "al2", "carol", "zed", "b_b",
            ],
        ),
        // cognito:user_status ignores case; ordered by status, then sub.
        (
            filter("cognito:user_status", false, "confirmed"),
            vec!["alice", "dave", "al2", "carol", "b_b"],
        ),
        (filter("cognito:user_status", true, "UN"), vec!["al"]),
        (
            filter("cognito:user_status", true, "c"),
            vec!["alice", "dave", "al2", "carol", "b_b"],
        ),
        (filter("cognito:user_status", true, "E"), vec!["zed"]),
        (
            filter("cognito:user_status", false, "FORCE_CHANGE_PASSWORD"),
            vec!["bob"],
        ),
    ];
    for (f, expected) in cases {
        for limit in [1, 2, 60] {
            assert_eq!(
                listed(&store, p, Some(&f), limit).await,
                expected,
                "{f:?} limit {limit}"
            );
        }
    }
    // Without a filter: by username key.
    assert_eq!(
        listed(&store, p, None, 4).await,
        [
            "al", "al2", "alice", "b_b", "bob", "carol", "dave", "zed", "émile"
        ]
    );
    // Listed users come back whole.
    let page = store
        .list_users(
            p,
            Some(&filter("email", false, "bob@example.com")),
            &PageRequest::first(10),
        )
        .await
        .unwrap();
    assert_eq!(
        page.items,
        vec![store.get_user(p, "bob").await.unwrap().unwrap()]
    );
    // Custom attributes and unknown names are not searchable.
    for name in ["custom:team", "email_verified", "nickname"] {
        assert!(matches!(
            store
                .list_users(p, Some(&filter(name, false, "x")), &PageRequest::first(10))
                .await,
            Err(StoreError::Internal(_))
        ));
    }
    // Updating an attribute moves the user in the index.
    let mut bob = store.get_user(p, "bob").await.unwrap().unwrap();
    bob.attributes = vec![("email".into(), "zz@example.com".into())];
    store
        .update_user(&bob, &AliasChange::default())
        .await
        .unwrap();
    assert!(
        listed(&store, p, Some(&filter("email", true, "bob")), 10)
            .await
            .is_empty()
    );
    assert_eq!(
        listed(&store, p, Some(&filter("email", true, "ZZ")), 10).await,
        ["bob"]
    );
    assert!(
        listed(&store, p, Some(&filter("name", true, "bob 100%")), 10)
            .await
            .is_empty()
    );
    // Long values match on their first SEARCH_KEY_CHARS characters.
    let long = format!("{}@example.com", "Ж".repeat(600));
    create_user(&store, &bare_user(p, "s10", "long", &[("email", &long)])).await;
    assert_eq!(
        listed(&store, p, Some(&filter("email", false, &long)), 10).await,
        ["long"]
    );
    assert_eq!(
        listed(
            &store,
            p,
            Some(&filter("email", true, &"ж".repeat(100))),
            10
        )
        .await,
        ["long"]
    );
    assert_eq!(
        store
            .get_user(p, "long")
            .await
            .unwrap()
            .unwrap()
            .attribute("email"),
        Some(long.as_str())
    );
}

pub async fn user_list_pagination(store: DynStore) {
    let p = "us-east-1_lp";
    create_pool(&store, p).await;
    // 37 users; every third one shares an email with its neighbour so ties
    // are broken by sub.
    let mut expected_all = Vec::new();
    let mut expected_filtered = Vec::new();
    for i in 0..37 {
        let username = format!("user{i:02}");
        let email = format!("m{:02}@example.com", i / 3 * 3);
        let u = bare_user(
            p,
            &format!("sub-{:02}", 36 - i),
            &username,
            &[("email", &email)],
        );
        create_user(&store, &u).await;
        expected_all.push(username.clone());
        if email.starts_with("m1") {
            expected_filtered.push((email, u.sub.clone(), username));
        }
    }
    expected_filtered.sort();
    let expected_filtered: Vec<String> = expected_filtered.into_iter().map(|(_, _, u)| u).collect();
    let f = filter("email", true, "M1");
    for limit in [1, 2, 3, 5, 7, 60] {
        assert_eq!(
            listed(&store, p, None, limit).await,
            expected_all,
            "limit {limit}"
        );
        let got = listed(&store, p, Some(&f), limit).await;
        assert_eq!(got, expected_filtered, "filtered, limit {limit}");
    }
    assert_eq!(expected_filtered.len(), 9);

    // Cursors belong to their listing.
    let first = store
        .list_users(p, Some(&f), &PageRequest::first(2))
        .await
        .unwrap();
    let cursor = first.next.unwrap();
    assert_eq!(
        store
            .list_users(p, None, &PageRequest::after(2, cursor.clone()))
            .await,
        Err(StoreError::InvalidCursor)
    );
    assert_eq!(
        store
            .list_users(
                p,
                Some(&filter("name", true, "x")),
                &PageRequest::after(2, cursor.clone())
            )
            .await,
        Err(StoreError::InvalidCursor)
    );
    for bad in ["", "%%%", "e30"] {
        assert_eq!(
            store
                .list_users(p, Some(&f), &PageRequest::after(2, bad))
                .await,
            Err(StoreError::InvalidCursor)
        );
        assert_eq!(
            store
                .groups_for_user(p, "sub-00", &PageRequest::after(2, bad))
                .await,
            Err(StoreError::InvalidCursor)
        );
        assert_eq!(
            store
                .users_in_group(p, "g", &PageRequest::after(2, bad))
                .await,
            Err(StoreError::InvalidCursor)
        );
    }
    assert!(
        store
            .list_users("us-east-1_none", None, &PageRequest::first(5))
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

pub async fn user_groups(store: DynStore) {
    let p = "us-east-1_ug";
    create_pool(&store, p).await;
    for name in ["delta", "alpha", "charlie", "bravo"] {
        store.create_group(&group(p, name, 1)).await.unwrap();
    }
    for (sub, username) in [("s2", "u2"), ("s1", "u1"), ("s3", "u3")] {
        create_user(&store, &user(p, sub, username, 1)).await;
    }
    for g in ["delta", "alpha", "charlie"] {
        store.add_user_to_group(p, "s1", g, 10).await.unwrap();
    }
    // Idempotent.
    store.add_user_to_group(p, "s1", "alpha", 11).await.unwrap();
    for sub in ["s3", "s2"] {
        store.add_user_to_group(p, sub, "alpha", 12).await.unwrap();
    }
    assert_eq!(
        store.add_user_to_group(p, "s1", "nope", 1).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.add_user_to_group(p, "nobody", "alpha", 1).await,
        Err(StoreError::NotFound)
    );

    let names =
        |groups: Vec<crate::GroupRecord>| groups.into_iter().map(|g| g.name).collect::<Vec<_>>();
    for limit in [1, 2, 60] {
        let got = collect_pages(limit, |page| {
            let store = store.clone();
            async move { store.groups_for_user(p, "s1", &page).await }
        })
        .await;
        assert_eq!(names(got), ["alpha", "charlie", "delta"], "limit {limit}");
        let members: Vec<String> = collect_pages(limit, |page| {
            let store = store.clone();
            async move { store.users_in_group(p, "alpha", &page).await }
        })
        .await
        .into_iter()
        .map(|u| u.sub)
        .collect();
        assert_eq!(members, ["s1", "s2", "s3"], "limit {limit}");
    }
    let all = store.all_groups_for_user(p, "s1").await.unwrap();
    assert_eq!(all[0], group(p, "alpha", 1), "whole group records");
    assert_eq!(names(all), ["alpha", "charlie", "delta"]);
    let members = store
        .users_in_group(p, "alpha", &PageRequest::first(60))
        .await
        .unwrap();
    assert_eq!(
        members.items[0],
        user(p, "s1", "u1", 1),
        "whole user records"
    );
    assert!(
        store
            .all_groups_for_user(p, "nobody")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .users_in_group(p, "bravo", &PageRequest::first(5))
            .await
            .unwrap()
            .items
            .is_empty()
    );

    store
        .remove_user_from_group(p, "s1", "charlie")
        .await
        .unwrap();
    assert_eq!(
        store.remove_user_from_group(p, "s1", "charlie").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        names(store.all_groups_for_user(p, "s1").await.unwrap()),
        ["alpha", "delta"]
    );

    // Deleting a group removes its memberships; recreating it starts empty.
    store.delete_group(p, "alpha").await.unwrap();
    assert_eq!(
        names(store.all_groups_for_user(p, "s1").await.unwrap()),
        ["delta"]
    );
    assert!(store.all_groups_for_user(p, "s2").await.unwrap().is_empty());
    store.create_group(&group(p, "alpha", 2)).await.unwrap();
    assert!(
        store
            .users_in_group(p, "alpha", &PageRequest::first(5))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    // Deleting a user removes its memberships.
    store.delete_user(p, "s1").await.unwrap();
    assert!(
        store
            .users_in_group(p, "delta", &PageRequest::first(5))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(store.all_groups_for_user(p, "s1").await.unwrap().is_empty());
}

pub async fn user_delete_cascades(store: DynStore) {
    for p in ["us-east-1_dgone", "us-east-1_dkept"] {
        create_pool(&store, p).await;
        store.create_group(&group(p, "g", 1)).await.unwrap();
        for sub in ["gone", "kept"] {
            store
                .create_user(
                    &user(p, sub, sub, 1),
                    &[alias("email", &format!("{sub}@x"))],
                    false,
                )
                .await
                .unwrap();
            store.add_user_to_group(p, sub, "g", 1).await.unwrap();
            store
                .put_code(&code(p, sub, "SIGN_UP", b"h", 10_000))
                .await
                .unwrap();
            let hash = format!("{p}/{sub}").into_bytes();
            store
                .insert_refresh_token(&refresh_token(p, sub, &hash, &format!("{p}/{sub}"), 1))
                .await
                .unwrap();
            store
                .counter_hit(&user_counter_key(p, sub, "lockout"), 1, 1_000)
                .await
                .unwrap();
        }
        store
            .enqueue_message(&message(p, &format!("m-{p}"), "gone@x", 1))
            .await
            .unwrap();
    }
    store.counter_hit("ip/127.0.0.1", 1, 1_000).await.unwrap();

    // Deleting one user leaves its neighbours untouched.
    let p = "us-east-1_dgone";
    store.delete_user(p, "gone").await.unwrap();
    assert_gone(&store, p, "gone").await;
    assert_present(&store, p, "kept").await;
    // Everything of the user is gone: its sub can be reused from scratch.
    create_user(&store, &user(p, "gone", "gone", 2)).await;
    assert_eq!(
        store
            .check_code(p, "gone", "SIGN_UP", b"h", 1)
            .await
            .unwrap(),
        crate::CodeCheck::NoCode
    );
    store.delete_user(p, "gone").await.unwrap();

    // Deleting the pool deletes its users and all that is theirs.
    store.delete_user_pool(p).await.unwrap();
    assert_gone(&store, p, "kept").await;
    assert_eq!(store.count_users(p).await.unwrap(), 0);
    let msgs = store
        .list_messages(&crate::MessageQuery::default(), &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(msgs.items.len(), 1);
    assert_eq!(msgs.items[0].pool_id, "us-east-1_dkept");

    for sub in ["gone", "kept"] {
        assert_present(&store, "us-east-1_dkept", sub).await;
    }
    assert!(store.counter_get("ip/127.0.0.1").await.unwrap().is_some());
}

async fn assert_gone(store: &DynStore, p: &str, sub: &str) {
    assert_eq!(store.get_user_by_sub(p, sub).await.unwrap(), None);
    assert_eq!(
        store
            .find_user_by_alias(p, "email", &format!("{sub}@x"))
            .await
            .unwrap(),
        None
    );
    assert!(store.all_groups_for_user(p, sub).await.unwrap().is_empty());
    let hash = format!("{p}/{sub}").into_bytes();
    assert_eq!(store.get_refresh_token(&hash).await.unwrap(), None);
    assert!(
        store
            .counter_get(&user_counter_key(p, sub, "lockout"))
            .await
            .unwrap()
            .is_none()
    );
}

async fn assert_present(store: &DynStore, p: &str, sub: &str) {
    assert!(store.get_user_by_sub(p, sub).await.unwrap().is_some());
    assert!(
        store
            .find_user_by_alias(p, "email", &format!("{sub}@x"))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(store.all_groups_for_user(p, sub).await.unwrap().len(), 1);
    let hash = format!("{p}/{sub}").into_bytes();
    assert!(store.get_refresh_token(&hash).await.unwrap().is_some());
    assert!(
        store
            .counter_get(&user_counter_key(p, sub, "lockout"))
            .await
            .unwrap()
            .is_some()
    );
    // The code is still there: a wrong guess spends an attempt.
    assert_eq!(
        store
            .check_code(p, sub, "SIGN_UP", b"wrong", 2)
            .await
            .unwrap(),
        crate::CodeCheck::Mismatch { attempts_left: 2 }
    );
    store
        .put_code(&code(p, sub, "SIGN_UP", b"h", 10_000))
        .await
        .unwrap();
}

pub async fn user_srp_verifier_cas(store: DynStore) {
    let p = "us-east-1_usrp";
    create_pool(&store, p).await;
    let alice = UserRecord {
        password_hash: Some("$argon2id$current".into()),
        srp_verifier_sealed: None,
        ..user(p, "sub-a", "alice", 1_000)
    };
    create_user(&store, &alice).await;

    // A password that no longer is the current one writes nothing.
    assert_eq!(
        store
            .set_srp_verifier_if(p, "sub-a", "$argon2id$older", b"stale")
            .await,
        Ok(false)
    );
    assert_eq!(
        store.get_user_by_sub(p, "sub-a").await.unwrap(),
        Some(alice.clone())
    );

    // Only the verifier changes.
    assert_eq!(
        store
            .set_srp_verifier_if(p, "sub-a", "$argon2id$current", b"sealed-1")
            .await,
        Ok(true)
    );
    let with_verifier = UserRecord {
        srp_verifier_sealed: Some(b"sealed-1".to_vec()),
        ..alice.clone()
    };
    assert_eq!(
        store.get_user_by_sub(p, "sub-a").await.unwrap(),
        Some(with_verifier.clone())
    );
    // A verifier already there (set with its password) is never overwritten.
    assert_eq!(
        store
            .set_srp_verifier_if(p, "sub-a", "$argon2id$current", b"sealed-2")
            .await,
        Ok(false)
    );
    // Upgrading the hash keeps the verifier: the password is the same.
    assert_eq!(
        store
            .replace_password_hash_if(p, "sub-a", "$argon2id$current", "$argon2id$upgraded")
            .await,
        Ok(true)
    );
    assert_eq!(
        store.get_user_by_sub(p, "sub-a").await.unwrap(),
        Some(UserRecord {
            password_hash: Some("$argon2id$upgraded".into()),
            ..with_verifier.clone()
        })
    );
    // update_user writes and clears it.
    store
        .update_user(
            &UserRecord {
                srp_verifier_sealed: None,
                ..with_verifier.clone()
            },
            &AliasChange::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .get_user_by_sub(p, "sub-a")
            .await
            .unwrap()
            .unwrap()
            .srp_verifier_sealed,
        None
    );
    assert_eq!(
        store
            .set_srp_verifier_if(p, "sub-gone", "$argon2id$current", b"x")
            .await,
        Err(StoreError::NotFound)
    );
}

pub async fn user_password_hash_cas(store: DynStore) {
    let p = "us-east-1_upw";
    create_pool(&store, p).await;
    let alice = UserRecord {
        password_hash: Some("$2b$04$old".into()),
        password_expires_ms: Some(9_000),
        status: "FORCE_CHANGE_PASSWORD".into(),
        extra: json!({"password_history": ["$2b$04$older"]}),
        ..user(p, "sub-a", "alice", 1_000)
    };
    create_user(&store, &alice).await;

    // A stale expectation writes nothing.
    assert_eq!(
        store
            .replace_password_hash_if(p, "sub-a", "$2b$04$other", "$argon2id$new")
            .await,
        Ok(false)
    );
    assert_eq!(
        store.get_user_by_sub(p, "sub-a").await.unwrap(),
        Some(alice.clone())
    );

    // Only the hash changes: status, expiry, history and dates stay.
    assert_eq!(
        store
            .replace_password_hash_if(p, "sub-a", "$2b$04$old", "$argon2id$new")
            .await,
        Ok(true)
    );
    assert_eq!(
        store.get_user_by_sub(p, "sub-a").await.unwrap(),
        Some(UserRecord {
            password_hash: Some("$argon2id$new".into()),
            ..alice.clone()
        })
    );
    // The old hash is no longer current, so a second upgrade from it loses.
    assert_eq!(
        store
            .replace_password_hash_if(p, "sub-a", "$2b$04$old", "$argon2id$again")
            .await,
        Ok(false)
    );

    // A user without a password never matches.
    create_user(
        &store,
        &UserRecord {
            password_hash: None,
            ..user(p, "sub-b", "bob", 1_000)
        },
    )
    .await;
    assert_eq!(
        store
            .replace_password_hash_if(p, "sub-b", "", "$argon2id$new")
            .await,
        Ok(false)
    );
    assert_eq!(
        store
            .replace_password_hash_if(p, "sub-gone", "$2b$04$old", "$argon2id$new")
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store
            .replace_password_hash_if("us-east-1_none", "sub-a", "$argon2id$new", "x")
            .await,
        Err(StoreError::NotFound)
    );

    // Racing upgrades from one hash: exactly one is written.
    for round in 0..10 {
        let current = format!("$argon2id$round-{round}");
        let before = store.get_user_by_sub(p, "sub-a").await.unwrap().unwrap();
        let from = before.password_hash.clone().unwrap();
        let (a, b) = tokio::join!(
            store.replace_password_hash_if(p, "sub-a", &from, &current),
            store.replace_password_hash_if(p, "sub-a", &from, "$argon2id$loser"),
        );
        assert_eq!(
            [a.clone(), b.clone()]
                .iter()
                .filter(|r| **r == Ok(true))
                .count(),
            1,
            "{a:?} {b:?}"
        );
        let after = store.get_user_by_sub(p, "sub-a").await.unwrap().unwrap();
        let winner = if a == Ok(true) {
            current
        } else {
            "$argon2id$loser".into()
        };
        assert_eq!(after.password_hash, Some(winner.clone()));
        // Give the next round a distinct starting point.
        store
            .replace_password_hash_if(p, "sub-a", &winner, &format!("$start-{round}"))
            .await
            .unwrap();
    }
}
