//! Purging: what no rule can need any more goes; everything else stays.

use super::fixtures::*;
use std::collections::BTreeMap;

use crate::{CodeCheck, PurgeBefore, PurgeReport, RefreshTokenRecord, StsSessionRecord};

const DAY: i64 = 86_400_000;

pub async fn purge_keeps_what_rules_still_need(store: DynStore) {
    let p = "us-east-1_purge";
    create_pool(&store, p).await;
    create_user(&store, &user(p, "s1", "u1", 1)).await;
    let now = 100 * DAY;
    let before = PurgeBefore {
        idle_ms: now - DAY,
        expired_ms: now - 7 * DAY,
        revoked_ms: now - DAY,
    };

    // Counters and lockout slots: idle ones go, recent ones stay.
    store
        .counter_hit("ip/old", now - 2 * DAY, 1_000)
        .await
        .unwrap();
    store
        .counter_hit("ip/new", now - 1_000, 1_000)
        .await
        .unwrap();
    assert!(
        store
            .counter_slots_cas("lock/old", None, [1; 8], now - 2 * DAY)
            .await
            .unwrap()
    );
    assert!(
        store
            .counter_slots_cas("lock/new", None, [2; 8], now - 1_000)
            .await
            .unwrap()
    );
    // Codes: long expired ones go; one just expired stays, to be answered "expired".
    store
        .put_code(&code(p, "s1", "SIGN_UP", b"old", now - 8 * DAY))
        .await
        .unwrap();
    store
        .put_code(&code(p, "s1", "FORGOT_PASSWORD", b"recent", now - 1_000))
        .await
        .unwrap();
    // Refresh tokens: long expired go. A revoked family goes once no token of it is left
    // and its revocation is older than any access token could live.
    let token = |hash: &[u8], family: &str, expires_ms: i64| RefreshTokenRecord {
        expires_ms,
        ..refresh_token(p, "s1", hash, family, 1_000)
    };
    store
        .insert_refresh_token(&token(b"gone", "fam-gone", now - 8 * DAY))
        .await
        .unwrap();
    store
        .insert_refresh_token(&token(b"live", "fam-live", now + DAY))
        .await
        .unwrap();
    store
        .insert_refresh_token(&token(b"lapsed", "fam-lapsed", now - 2 * DAY))
        .await
        .unwrap();
    store
        .revoke_token_family(p, "fam-gone", now - 2 * DAY)
        .await
        .unwrap();
    store
        .revoke_token_family(p, "fam-live", now - 2 * DAY)
        .await
        .unwrap();

    let report = store.purge(before).await.unwrap();
    assert_eq!(
        report,
        PurgeReport {
            counters: 1,
            counter_slots: 1,
            codes: 1,
            refresh_tokens: 1,
            token_families: 1,
            sts_sessions: 0,
        }
    );
    assert!(!report.more_may_remain());
    assert_eq!(report.total(), 5);

    assert!(store.counter_get("ip/old").await.unwrap().is_none());
    assert!(store.counter_get("ip/new").await.unwrap().is_some());
    assert_eq!(store.counter_slots_get("lock/old").await.unwrap(), None);
    assert_eq!(
        store.counter_slots_get("lock/new").await.unwrap(),
        Some([2; 8])
    );
    assert_eq!(
        store.check_code(p, "s1", "SIGN_UP", b"old", now).await,
        Ok(CodeCheck::NoCode)
    );
    assert_eq!(
        store
            .check_code(p, "s1", "FORGOT_PASSWORD", b"recent", now)
            .await,
        Ok(CodeCheck::Expired)
    );
    assert!(store.get_refresh_token(b"gone").await.unwrap().is_none());
    assert!(store.get_refresh_token(b"lapsed").await.unwrap().is_some());
    assert!(!store.is_family_revoked("fam-gone").await.unwrap());
    // Still has a token: the revocation must stay with it.
    assert!(store.is_family_revoked("fam-live").await.unwrap());
    assert!(
        store
            .get_refresh_token(b"live")
            .await
            .unwrap()
            .unwrap()
            .revoked
    );

    // A second purge finds nothing; purging is idempotent.
    assert_eq!(store.purge(before).await.unwrap(), PurgeReport::default());
}

pub async fn purge_expired_sts_sessions(store: DynStore) {
    let now = 100 * DAY;
    let before = PurgeBefore {
        idle_ms: now - DAY,
        expired_ms: now - 7 * DAY,
        revoked_ms: now - DAY,
    };
    let session = |key: &str, expires_ms: i64| StsSessionRecord {
        access_key_id: key.into(),
        sealed_secret: vec![1, 2, 3],
        session_token_hash: vec![9; 32],
        identity_id: "us-east-1:i".into(),
        identity_pool_id: "us-east-1:p".into(),
        role_arn: "arn:aws:iam::000000000000:role/Auth".into(),
        session_name: "CognitoIdentityCredentials".into(),
        amr: vec!["authenticated".into()],
        principal_tags: BTreeMap::new(),
        issued_ms: expires_ms - 3_600_000,
        expires_ms,
    };
    // Long expired: gone. Just expired: kept, so its caller still hears ExpiredToken.
    // Live: kept.
    for (key, expires_ms) in [
        ("ASIAPURGEGONE0000001", now - 8 * DAY),
        ("ASIAPURGELAPSED00001", now - 1_000),
        ("ASIAPURGELIVE0000001", now + 3_600_000),
    ] {
        store
            .put_sts_session(&session(key, expires_ms))
            .await
            .unwrap();
    }

    let report = store.purge(before).await.unwrap();
    assert_eq!(report.sts_sessions, 1);
    assert_eq!(report.total(), 1);
    assert!(
        store
            .get_sts_session("ASIAPURGEGONE0000001")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .get_sts_session("ASIAPURGELAPSED00001")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .get_sts_session("ASIAPURGELIVE0000001")
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(store.purge(before).await.unwrap(), PurgeReport::default());
}
