//! Security state: one-time codes, counters, used sessions, refresh tokens.

use super::fixtures::*;
use crate::{CodeCheck, Constraint, CounterState, RotateOutcome, StoreError, user_counter_key};

pub async fn code_lifecycle(store: DynStore) {
    let p = "us-east-1_code";
    assert_eq!(
        store
            .put_code(&code(p, "s1", "SIGN_UP", b"h1", 5_000))
            .await,
        Err(StoreError::NotFound),
        "no pool, no user"
    );
    create_pool(&store, p).await;
    assert_eq!(
        store
            .put_code(&code(p, "s1", "SIGN_UP", b"h1", 5_000))
            .await,
        Err(StoreError::NotFound),
        "no user"
    );
    create_user(&store, &user(p, "s1", "u1", 1)).await;
    create_user(&store, &user(p, "s2", "u2", 1)).await;

    assert_eq!(
        store.check_code(p, "s1", "SIGN_UP", b"h1", 1_000).await,
        Ok(CodeCheck::NoCode)
    );
    store
        .put_code(&code(p, "s1", "SIGN_UP", b"h1", 5_000))
        .await
        .unwrap();
    // Codes are per user and per purpose.
    store
        .put_code(&code(p, "s1", "FORGOT_PASSWORD", b"h2", 5_000))
        .await
        .unwrap();
    store
        .put_code(&code(p, "s2", "SIGN_UP", b"h3", 5_000))
        .await
        .unwrap();

    // Wrong guesses spend attempts; then even the right code is refused.
    assert_eq!(
        store.check_code(p, "s1", "SIGN_UP", b"h2", 1_000).await,
        Ok(CodeCheck::Mismatch { attempts_left: 2 })
    );
    assert_eq!(
        store.check_code(p, "s1", "SIGN_UP", b"h", 1_000).await,
        Ok(CodeCheck::Mismatch { attempts_left: 1 })
    );
    assert_eq!(
        store.check_code(p, "s1", "SIGN_UP", b"h1x", 1_000).await,
        Ok(CodeCheck::Mismatch { attempts_left: 0 })
    );
    assert_eq!(
        store.check_code(p, "s1", "SIGN_UP", b"h1", 1_000).await,
        Ok(CodeCheck::TooManyAttempts)
    );
    // A new code replaces the old one, attempts included.
    store
        .put_code(&code(p, "s1", "SIGN_UP", b"h4", 5_000))
        .await
        .unwrap();
    assert_eq!(
        store.check_code(p, "s1", "SIGN_UP", b"h1", 1_000).await,
        Ok(CodeCheck::Mismatch { attempts_left: 2 })
    );
    assert_eq!(
        store.check_code(p, "s1", "SIGN_UP", b"h4", 4_999).await,
        Ok(CodeCheck::Accepted)
    );
    // Accepted once: the code is used up.
    assert_eq!(
        store.check_code(p, "s1", "SIGN_UP", b"h4", 4_999).await,
        Ok(CodeCheck::NoCode)
    );
    // Expiry is checked before the code and spends nothing.
    assert_eq!(
        store
            .check_code(p, "s1", "FORGOT_PASSWORD", b"h2", 5_000)
            .await,
        Ok(CodeCheck::Expired)
    );
    assert_eq!(
        store
            .check_code(p, "s1", "FORGOT_PASSWORD", b"bad", 5_001)
            .await,
        Ok(CodeCheck::Expired)
    );
    store
        .put_code(&code(p, "s1", "FORGOT_PASSWORD", b"h2", 9_000))
        .await
        .unwrap();
    assert_eq!(
        store
            .check_code(p, "s1", "FORGOT_PASSWORD", b"h2", 5_001)
            .await,
        Ok(CodeCheck::Accepted)
    );
    // Other users' codes were never touched.
    assert_eq!(
        store.check_code(p, "s2", "SIGN_UP", b"h3", 1_000).await,
        Ok(CodeCheck::Accepted)
    );
    // An empty hash never matches a stored one.
    store
        .put_code(&code(p, "s2", "SIGN_UP", b"h5", 5_000))
        .await
        .unwrap();
    assert_eq!(
        store.check_code(p, "s2", "SIGN_UP", b"", 1_000).await,
        Ok(CodeCheck::Mismatch { attempts_left: 2 })
    );
    store.delete_code(p, "s2", "SIGN_UP").await.unwrap();
    assert_eq!(
        store.delete_code(p, "s2", "SIGN_UP").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store.check_code(p, "s2", "SIGN_UP", b"h5", 1_000).await,
        Ok(CodeCheck::NoCode)
    );
}

pub async fn counter_slots(store: DynStore) {
    let key = "unknown-user/us-east-1_cs/alice/lockout/password";
    let a = [1, 2, 3, 4, 5, 6, 7, 8];
    let b = [9, 10, 11, 12, 13, 14, 15, i64::MAX];
    assert_eq!(store.counter_slots_get(key).await.unwrap(), None);
    // Creating needs the absent state.
    assert!(!store.counter_slots_cas(key, Some(a), b, 1).await.unwrap());
    assert_eq!(store.counter_slots_get(key).await.unwrap(), None);
    assert!(store.counter_slots_cas(key, None, a, 1).await.unwrap());
    assert!(!store.counter_slots_cas(key, None, b, 2).await.unwrap());
    assert_eq!(store.counter_slots_get(key).await.unwrap(), Some(a));
    // Changing needs the current state, all eight slots of it.
    let mut stale = a;
    stale[7] = 0;
    assert!(
        !store
            .counter_slots_cas(key, Some(stale), b, 3)
            .await
            .unwrap()
    );
    assert!(store.counter_slots_cas(key, Some(a), b, 3).await.unwrap());
    assert_eq!(store.counter_slots_get(key).await.unwrap(), Some(b));
    assert!(store.counter_slots_cas(key, Some(b), b, 4).await.unwrap());
    assert_eq!(store.counter_slots_get(key).await.unwrap(), Some(b));

    // Slots under a user's counter key go with the user and with the pool.
    let p = "us-east-1_cslots";
    create_pool(&store, p).await;
    for sub in ["gone", "kept"] {
        create_user(&store, &user(p, sub, sub, 1)).await;
        let k = user_counter_key(p, sub, "lockout/password");
        assert!(store.counter_slots_cas(&k, None, a, 1).await.unwrap());
    }
    store.delete_user(p, "gone").await.unwrap();
    let gone = user_counter_key(p, "gone", "lockout/password");
    let kept = user_counter_key(p, "kept", "lockout/password");
    assert_eq!(store.counter_slots_get(&gone).await.unwrap(), None);
    assert_eq!(store.counter_slots_get(&kept).await.unwrap(), Some(a));
    store.delete_user_pool(p).await.unwrap();
    assert_eq!(store.counter_slots_get(&kept).await.unwrap(), None);
    assert_eq!(store.counter_slots_get(key).await.unwrap(), Some(b));
}

pub async fn counters(store: DynStore) {
    let key = "lockout/x";
    assert_eq!(store.counter_get(key).await.unwrap(), None);
    let state = |count, first_ms, last_ms| CounterState {
        count,
        first_ms,
        last_ms,
    };
    assert_eq!(
        store.counter_hit(key, 1_000, 100).await.unwrap(),
        state(1, 1_000, 1_000)
    );
    assert_eq!(
        store.counter_hit(key, 1_050, 100).await.unwrap(),
        state(2, 1_000, 1_050)
    );
    // The run continues while hits come less than a window apart.
    assert_eq!(
        store.counter_hit(key, 1_149, 100).await.unwrap(),
        state(3, 1_000, 1_149)
    );
    assert_eq!(
        store.counter_get(key).await.unwrap(),
        Some(state(3, 1_000, 1_149))
    );
    // A pause of a full window restarts it.
    assert_eq!(
        store.counter_hit(key, 1_249, 100).await.unwrap(),
        state(1, 1_249, 1_249)
    );
    // A clock behind the last hit does not move last_ms back.
    assert_eq!(
        store.counter_hit(key, 1_200, 100).await.unwrap(),
        state(2, 1_249, 1_249)
    );
    store.counter_reset(key).await.unwrap();
    assert_eq!(store.counter_get(key).await.unwrap(), None);
    store.counter_reset(key).await.unwrap();
    assert_eq!(
        store.counter_hit(key, 2_000, 100).await.unwrap(),
        state(1, 2_000, 2_000)
    );

    // Fixed windows: `limit` hits pass per window, counted from its first hit.
    let rate = "rate/pool/UserCreation";
    for i in 0..3 {
        assert!(store.window_hit(rate, 10_000 + i, 1_000, 3).await.unwrap());
    }
    for i in 0..5 {
        assert!(!store.window_hit(rate, 10_500 + i, 1_000, 3).await.unwrap());
    }
    assert!(!store.window_hit(rate, 10_999, 1_000, 3).await.unwrap());
    assert!(store.window_hit(rate, 11_000, 1_000, 3).await.unwrap());
    assert_eq!(
        store.counter_get(rate).await.unwrap(),
        Some(state(1, 11_000, 11_000))
    );
    assert!(
        store
            .window_hit("rate/other", 10_999, 1_000, 1)
            .await
            .unwrap()
    );
    assert!(
        !store
            .window_hit("rate/other", 11_000, 1_000, 0)
            .await
            .unwrap()
    );

    // Purging drops idle counters only.
    store
        .counter_hit(&user_counter_key("p", "s", "n"), 500, 100)
        .await
        .unwrap();
    assert_eq!(store.purge_counters(2_000).await.unwrap(), 1);
    assert_eq!(
        store
            .counter_get(&user_counter_key("p", "s", "n"))
            .await
            .unwrap(),
        None
    );
    assert!(store.counter_get(key).await.unwrap().is_some());
    assert!(store.counter_get(rate).await.unwrap().is_some());
    assert_eq!(store.purge_counters(2_000).await.unwrap(), 0);
}

pub async fn sessions_are_single_use(store: DynStore) {
    assert!(store.consume_session("sess-1", 5_000, 1_000).await.unwrap());
    assert!(!store.consume_session("sess-1", 5_000, 1_000).await.unwrap());
    assert!(!store.consume_session("sess-1", 5_000, 4_999).await.unwrap());
    assert!(store.consume_session("sess-2", 5_000, 1_000).await.unwrap());
    // Rows of sessions that expired are purged in passing; live ones stay.
    for i in 0..40 {
        assert!(
            store
                .consume_session(&format!("old-{i}"), 2_000, 1_000)
                .await
                .unwrap()
        );
    }
    for i in 0..10 {
        assert!(
            store
                .consume_session(&format!("new-{i}"), 99_000, 3_000)
                .await
                .unwrap()
        );
    }
    assert!(!store.consume_session("sess-1", 5_000, 4_999).await.unwrap());
    assert!(!store.consume_session("new-0", 99_000, 3_000).await.unwrap());
    // The expired rows are gone (the caller refuses such sessions itself,
    // so their ids are free to forget).
    assert!(store.consume_session("old-0", 2_000, 3_000).await.unwrap());
}

pub async fn token_subject_reads_pool_family_and_user(store: DynStore) {
    let p = "us-east-1_subj";
    let nothing = store.token_subject(p, "s1", "fam-1").await.unwrap();
    assert_eq!(
        nothing,
        crate::TokenSubject {
            pool: None,
            family_revoked: false,
            user: None,
        }
    );
    create_pool(&store, p).await;
    create_pool(&store, "us-east-1_other").await;
    create_user(&store, &user(p, "s1", "u1", 1)).await;
    store
        .insert_refresh_token(&refresh_token(p, "s1", b"t1", "fam-1", 1_000))
        .await
        .unwrap();

    let live = store.token_subject(p, "s1", "fam-1").await.unwrap();
    assert_eq!(live.pool, store.get_user_pool(p).await.unwrap());
    assert!(live.pool.is_some());
    assert!(!live.family_revoked);
    assert_eq!(live.user, store.get_user_by_sub(p, "s1").await.unwrap());
    assert!(live.user.is_some());

    // Another pool's user is not this pool's, whatever the sub.
    let foreign = store
        .token_subject("us-east-1_other", "s1", "fam-1")
        .await
        .unwrap();
    assert!(foreign.pool.is_some() && foreign.user.is_none());

    store.revoke_token_family(p, "fam-1", 2_000).await.unwrap();
    let revoked = store.token_subject(p, "s1", "fam-1").await.unwrap();
    assert!(revoked.family_revoked);
    assert_eq!(revoked.user, live.user);
}

pub async fn refresh_tokens(store: DynStore) {
    let p = "us-east-1_tok";
    create_pool(&store, p).await;
    let t1 = refresh_token(p, "s1", b"t1", "fam-1", 1_000);
    assert_eq!(
        store.insert_refresh_token(&t1).await,
        Err(StoreError::NotFound),
        "no user"
    );
    create_user(&store, &user(p, "s1", "u1", 1)).await;
    create_user(&store, &user(p, "s2", "u2", 1)).await;
    store.insert_refresh_token(&t1).await.unwrap();
    assert_eq!(
        store.insert_refresh_token(&t1).await,
        Err(StoreError::Conflict(Constraint::RefreshToken))
    );
    assert_eq!(
        store.get_refresh_token(b"t1").await.unwrap(),
        Some(t1.clone())
    );
    assert_eq!(store.get_refresh_token(b"nope").await.unwrap(), None);
    let bare = crate::RefreshTokenRecord {
        device_key: None,
        scopes: String::new(),
        ..refresh_token(p, "s1", b"t2", "fam-2", 1_000)
    };
    store.insert_refresh_token(&bare).await.unwrap();
    assert_eq!(store.get_refresh_token(b"t2").await.unwrap(), Some(bare));
    let other = refresh_token(p, "s2", b"t3", "fam-3", 1_000);
    store.insert_refresh_token(&other).await.unwrap();

    // RevokeToken: the family, nothing else.
    assert!(!store.is_family_revoked("fam-1").await.unwrap());
    store.revoke_token_family(p, "fam-1", 2_000).await.unwrap();
    store.revoke_token_family(p, "fam-1", 2_001).await.unwrap();
    assert!(store.is_family_revoked("fam-1").await.unwrap());
    assert!(
        store
            .get_refresh_token(b"t1")
            .await
            .unwrap()
            .unwrap()
            .revoked
    );
    assert!(!store.is_family_revoked("fam-2").await.unwrap());
    assert!(
        !store
            .get_refresh_token(b"t2")
            .await
            .unwrap()
            .unwrap()
            .revoked
    );
    assert_eq!(
        store.revoke_token_family(p, "fam-none", 2_000).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        store
            .revoke_token_family("us-east-1_other", "fam-2", 2_000)
            .await,
        Err(StoreError::NotFound)
    );
    // A token added to a revoked family is born revoked.
    store
        .insert_refresh_token(&refresh_token(p, "s1", b"t1b", "fam-1", 3_000))
        .await
        .unwrap();
    assert!(
        store
            .get_refresh_token(b"t1b")
            .await
            .unwrap()
            .unwrap()
            .revoked
    );

    // GlobalSignOut: every token of the user, and the user's epoch.
    store.revoke_user_tokens(p, "s1", 4_000).await.unwrap();
    assert!(
        store
            .get_refresh_token(b"t2")
            .await
            .unwrap()
            .unwrap()
            .revoked
    );
    assert!(
        !store
            .get_refresh_token(b"t3")
            .await
            .unwrap()
            .unwrap()
            .revoked
    );
    // Every family of the user is revoked (access tokens are checked by family), others not.
    assert!(store.is_family_revoked("fam-2").await.unwrap());
    assert!(!store.is_family_revoked("fam-3").await.unwrap());
    let s1 = store.get_user_by_sub(p, "s1").await.unwrap().unwrap();
    assert_eq!(s1.tokens_revoked_before_ms, 4_000);
    // An earlier instant never moves it back.
    store.revoke_user_tokens(p, "s1", 3_000).await.unwrap();
    assert_eq!(
        store
            .get_user_by_sub(p, "s1")
            .await
            .unwrap()
            .unwrap()
            .tokens_revoked_before_ms,
        4_000
    );
    // Issued at the sign-out instant: revoked; after it: live.
    store
        .insert_refresh_token(&refresh_token(p, "s1", b"t4", "fam-4", 4_000))
        .await
        .unwrap();
    store
        .insert_refresh_token(&refresh_token(p, "s1", b"t5", "fam-5", 4_001))
        .await
        .unwrap();
    assert!(
        store
            .get_refresh_token(b"t4")
            .await
            .unwrap()
            .unwrap()
            .revoked
    );
    assert!(
        !store
            .get_refresh_token(b"t5")
            .await
            .unwrap()
            .unwrap()
            .revoked
    );
    assert_eq!(
        store.revoke_user_tokens(p, "nobody", 1).await,
        Err(StoreError::NotFound)
    );
}

pub async fn refresh_token_rotation(store: DynStore) {
    let p = "us-east-1_rot";
    create_pool(&store, p).await;
    create_user(&store, &user(p, "s1", "u1", 1)).await;
    create_user(&store, &user(p, "s2", "u2", 1)).await;
    let t0 = refresh_token(p, "s1", b"r0", "fam", 1_000);
    store.insert_refresh_token(&t0).await.unwrap();
    let next = |hash: &[u8], issued: i64| refresh_token(p, "s1", hash, "fam", issued);

    assert_eq!(
        store
            .rotate_refresh_token(b"r0", &next(b"r1", 2_000), 2_000, 10_000)
            .await,
        Ok(RotateOutcome::Rotated)
    );
    let old = store.get_refresh_token(b"r0").await.unwrap().unwrap();
    assert_eq!(old.replaced_ms, Some(2_000));
    assert!(!old.revoked);
    assert_eq!(
        store.get_refresh_token(b"r1").await.unwrap(),
        Some(next(b"r1", 2_000))
    );
    // A retry inside the grace period gets another member of the family.
    assert_eq!(
        store
            .rotate_refresh_token(b"r0", &next(b"r1b", 11_999), 11_999, 10_000)
            .await,
        Ok(RotateOutcome::WithinGrace)
    );
    assert!(store.get_refresh_token(b"r1b").await.unwrap().is_some());
    assert_eq!(
        store
            .get_refresh_token(b"r0")
            .await
            .unwrap()
            .unwrap()
            .replaced_ms,
        Some(2_000),
        "grace counts from the first rotation"
    );
    // The chain goes on from the successor.
    assert_eq!(
        store
            .rotate_refresh_token(b"r1", &next(b"r2", 12_000), 12_000, 10_000)
            .await,
        Ok(RotateOutcome::Rotated)
    );
    // Bad successors are refused without effect.
    for bad in [
        refresh_token(p, "s1", b"x", "other-fam", 12_000),
        refresh_token(p, "s2", b"x", "fam", 12_000),
    ] {
        assert!(matches!(
            store.rotate_refresh_token(b"r2", &bad, 12_000, 0).await,
            Err(StoreError::Internal(_))
        ));
    }
    assert_eq!(store.get_refresh_token(b"x").await.unwrap(), None);
    assert_eq!(
        store
            .rotate_refresh_token(b"missing", &next(b"x", 1), 1, 0)
            .await,
        Err(StoreError::NotFound)
    );
    // After the grace period: reuse, and the whole family dies.
    assert_eq!(
        store
            .rotate_refresh_token(b"r0", &next(b"r9", 12_000), 12_000, 10_000)
            .await,
        Ok(RotateOutcome::Reused)
    );
    assert_eq!(store.get_refresh_token(b"r9").await.unwrap(), None);
    assert!(store.is_family_revoked("fam").await.unwrap());
    for hash in [&b"r0"[..], b"r1", b"r1b", b"r2"] {
        assert!(
            store
                .get_refresh_token(hash)
                .await
                .unwrap()
                .unwrap()
                .revoked,
            "{hash:?}"
        );
    }
    // A revoked token cannot rotate.
    assert_eq!(
        store
            .rotate_refresh_token(b"r2", &next(b"r3", 13_000), 13_000, 10_000)
            .await,
        Ok(RotateOutcome::Revoked)
    );
    assert_eq!(store.get_refresh_token(b"r3").await.unwrap(), None);

    // Grace 0: the second use is reuse even in the same millisecond.
    store
        .insert_refresh_token(&refresh_token(p, "s2", b"q0", "fam-q", 1_000))
        .await
        .unwrap();
    let q = |hash: &[u8]| refresh_token(p, "s2", hash, "fam-q", 20_000);
    assert_eq!(
        store
            .rotate_refresh_token(b"q0", &q(b"q1"), 20_000, 0)
            .await,
        Ok(RotateOutcome::Rotated)
    );
    assert_eq!(
        store
            .rotate_refresh_token(b"q0", &q(b"q2"), 20_000, 0)
            .await,
        Ok(RotateOutcome::Reused)
    );
    assert!(
        store
            .get_refresh_token(b"q1")
            .await
            .unwrap()
            .unwrap()
            .revoked
    );
    // GlobalSignOut also stops rotation.
    store
        .insert_refresh_token(&refresh_token(p, "s2", b"g0", "fam-g", 21_000))
        .await
        .unwrap();
    store.revoke_user_tokens(p, "s2", 21_500).await.unwrap();
    assert_eq!(
        store
            .rotate_refresh_token(
                b"g0",
                &refresh_token(p, "s2", b"g1", "fam-g", 22_000),
                22_000,
                0
            )
            .await,
        Ok(RotateOutcome::Revoked)
    );
}
