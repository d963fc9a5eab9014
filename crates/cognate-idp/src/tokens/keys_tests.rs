//! The key cache against a real store: rotation reaches a node within the cache lifetime,
//! old tokens verify until their key retires, and the clock is moved, never slept on.

use std::sync::Arc;

use cognate_crypto::envelope::Kek;
use cognate_crypto::jwt::{decode_and_verify_jwt, encode_jwt};
use cognate_domain::Clock;
use cognate_domain::clock::ManualClock;
use cognate_domain::signing_keys::{KeyUse, RotationSchedule};
use cognate_store::{Store, UserPoolRecord};
use cognate_store_sqlite::SqliteStore;
use serde_json::json;

use super::keys::KeyCache;
use crate::keys::{new_signing_key, rotate_signing_keys};

const POOL: &str = "us-east-1_keys";
const T0: i64 = 1_700_000_000_000;
const CACHE_MS: i64 = 60_000;

struct Setup {
    store: Arc<dyn Store>,
    kek: Kek,
    clock: ManualClock,
    _dir: tempfile::TempDir,
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("db")).unwrap());
    let kek = Kek::generate().unwrap();
    let keys = [
        new_signing_key(&kek, POOL, KeyUse::Id, T0, T0)
            .await
            .unwrap(),
        new_signing_key(&kek, POOL, KeyUse::Access, T0, T0)
            .await
            .unwrap(),
    ];
    let pool = UserPoolRecord {
        id: POOL.into(),
        name: "keys".into(),
        arn: format!("arn:aws:cognito-idp:us-east-1:000000000000:userpool/{POOL}"),
        created_ms: T0,
        modified_ms: T0,
        settings: json!({}),
        tags: Default::default(),
    };
    store.create_user_pool(&pool, &keys).await.unwrap();
    Setup {
        store,
        kek,
        clock: ManualClock::new(T0),
        _dir: dir,
    }
}

fn kid(token: &str) -> String {
    use base64::Engine as _;
    let header = token.split('.').next().unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .unwrap();
    let header: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_rotation_reaches_the_cache_and_old_tokens_verify_until_retirement() {
    let s = setup().await;
    let cache = KeyCache::new(CACHE_MS);
    let sign = |cache_keys: &super::keys::PoolKeys, now_ms| {
        let key = cache_keys.signer(KeyUse::Access, now_ms).unwrap();
        encode_jwt(&json!({}), &json!({"sub": "u"}), &key).unwrap()
    };
    let keys = cache
        .for_pool(s.store.as_ref(), &s.kek, POOL, s.clock.now_ms())
        .await
        .unwrap();
    let old_token = sign(&keys, s.clock.now_ms());
    let old_kid = kid(&old_token);

    // Publish five minutes ahead, keep old keys a day.
    s.clock.advance_ms(10_000);
    let schedule = RotationSchedule::from_seconds(300, 86_400, 60);
    let rotation = rotate_signing_keys(s.store.as_ref(), &s.kek, &s.clock, POOL, &schedule)
        .await
        .unwrap();
    let rotated_at = s.clock.now_ms();
    assert_eq!(rotation.times.new_not_before_ms, rotated_at + 300_000);
    assert_eq!(
        rotation.times.old_retire_after_ms,
        rotated_at + 300_000 + 86_400_000
    );
    let new_access_kid = rotation
        .new_keys
        .iter()
        .find(|(_, key_use)| *key_use == KeyUse::Access)
        .map(|(kid, _)| kid.clone())
        .unwrap();

    // Within the cache lifetime the node still has the old copy; after it, the new keys
    // are known but do not sign before their time.
    let cached = cache
        .for_pool(s.store.as_ref(), &s.kek, POOL, rotated_at)
        .await
        .unwrap();
    assert_eq!(cached.verifiers(rotated_at).count(), 2);
    let after_ttl = rotated_at + CACHE_MS;
    let reread = cache
        .for_pool(s.store.as_ref(), &s.kek, POOL, after_ttl)
        .await
        .unwrap();
    assert_eq!(
        reread.verifiers(after_ttl).count(),
        4,
        "published before first use"
    );
    assert_eq!(kid(&sign(&reread, after_ttl)), old_kid);
    let switch = rotation.times.new_not_before_ms;
    assert_eq!(kid(&sign(&reread, switch - 1)), old_kid);
    assert_eq!(kid(&sign(&reread, switch)), new_access_kid);

    // The old token verifies through the published set until its key retires.
    let retire = rotation.times.old_retire_after_ms;
    let verifies = |now_ms| {
        let published: Vec<_> = reread.verifiers(now_ms).cloned().collect();
        decode_and_verify_jwt(&old_token, &published).is_ok()
    };
    assert!(verifies(retire - 1));
    assert!(!verifies(retire));
    assert!(reread.verifier(&old_kid, retire - 1).is_some());
    assert!(
        reread.verifier(&old_kid, retire).is_none(),
        "a retired kid is refused"
    );
    let later = cache
        .for_pool(s.store.as_ref(), &s.kek, POOL, retire)
        .await
        .unwrap();
    assert_eq!(later.verifiers(retire).count(), 2, "retired keys are gone");
}

#[tokio::test]
async fn pools_without_keys_are_not_kept() {
    let s = setup().await;
    let cache = KeyCache::new(CACHE_MS);
    let now = s.clock.now_ms();
    for i in 0..50 {
        let made_up = format!("us-east-1_forged{i}");
        let keys = cache
            .for_verifying(s.store.as_ref(), &s.kek, &made_up, "kid", now)
            .await
            .unwrap();
        assert_eq!(keys.verifiers(now).count(), 0);
    }
    assert_eq!(cache.len(), 0, "made-up pools must not fill the cache");
    cache
        .for_pool(s.store.as_ref(), &s.kek, POOL, now)
        .await
        .unwrap();
    assert_eq!(cache.len(), 1);
}

#[tokio::test]
async fn an_unknown_kid_rereads_the_keys_at_most_once_a_second() {
    let s = setup().await;
    let cache = KeyCache::new(CACHE_MS);
    let now = s.clock.now_ms();
    cache
        .for_pool(s.store.as_ref(), &s.kek, POOL, now)
        .await
        .unwrap();
    // Another process rotates with no publishing ahead; another node signs at once.
    let schedule = RotationSchedule::from_seconds(0, 3_600, 60);
    let rotation = rotate_signing_keys(s.store.as_ref(), &s.kek, &s.clock, POOL, &schedule)
        .await
        .unwrap();
    let (new_kid, _) = &rotation.new_keys[0];
    let soon = cache
        .for_verifying(s.store.as_ref(), &s.kek, POOL, new_kid, now + 10)
        .await
        .unwrap();
    assert_eq!(soon.verifiers(now + 10).count(), 2, "too soon to reread");
    let later = cache
        .for_verifying(s.store.as_ref(), &s.kek, POOL, new_kid, now + 1_000)
        .await
        .unwrap();
    assert_eq!(later.verifiers(now + 1_000).count(), 4);
}

#[tokio::test]
async fn rotation_refuses_a_foreign_key_encryption_key() {
    let s = setup().await;
    let other = Kek::generate().unwrap();
    let result = rotate_signing_keys(
        s.store.as_ref(),
        &other,
        &s.clock,
        POOL,
        &RotationSchedule::default(),
    )
    .await;
    assert!(result.is_err());
    assert_eq!(s.store.signing_keys(POOL).await.unwrap().len(), 2);
    let missing = rotate_signing_keys(
        s.store.as_ref(),
        &s.kek,
        &s.clock,
        "us-east-1_none",
        &RotationSchedule::default(),
    )
    .await;
    assert!(missing.is_err_and(|e| e.code == cognate_wire::ErrorCode::ResourceNotFoundException));
}
