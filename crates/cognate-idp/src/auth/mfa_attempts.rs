//! Bounds on MFA code guessing (R8), at two levels:
//!
//! - per session: each answer to an MFA step first spends one of [`SESSION_ATTEMPTS`]
//!   single-use slots derived from the session id (the store's single-use primitive, so
//!   concurrent answers cannot outrun it); with none left the session is dead;
//! - per user: wrong codes count on the user's MFA lockout counter with R1's schedule (five
//!   free failures, then exponential locks up to 15 minutes); a locked user's codes are
//!   refused with "Password attempts exceeded", even a correct one. It is a counter of its
//!   own: a correct password must not reset what wrong codes counted.

use std::future::Future;

use cognate_store::user_counter_key;
use cognate_wire::ApiError;

use crate::auth::lockout::{self, Outcome as Attempt};
use crate::auth::session::{ChallengeState, invalid_session};
use crate::errors::store_failure;
use crate::service::IdpService;

/// Answers one MFA session accepts, right or wrong.
pub const SESSION_ATTEMPTS: u32 = 5;

/// The counter name of wrong MFA codes.
pub const COUNTER_NAME: &str = "lockout/mfa";

/// Spends one answer slot of `state`'s session; the session is dead once all are spent.
pub async fn reserve(
    svc: &IdpService,
    state: &ChallengeState,
    now_ms: i64,
) -> Result<(), ApiError> {
    for slot in 0..SESSION_ATTEMPTS {
        if svc
            .store
            .consume_session(
                &format!("{}#answer{slot}", state.id),
                state.expires_ms,
                now_ms,
            )
            .await
            .map_err(store_failure)?
        {
            return Ok(());
        }
    }
    Err(invalid_session())
}

/// Spends every answer slot left, after a correct answer spent the session: a replay of the
/// session is then refused before any code is checked (or any TOTP step is burnt).
pub async fn close(svc: &IdpService, state: &ChallengeState, now_ms: i64) -> Result<(), ApiError> {
    for slot in 0..SESSION_ATTEMPTS {
        svc.store
            .consume_session(
                &format!("{}#answer{slot}", state.id),
                state.expires_ms,
                now_ms,
            )
            .await
            .map_err(store_failure)?;
    }
    Ok(())
}

/// Runs `check` as one attempt on the user's MFA counter: admitted first (refused while
/// locked), then recorded as a success or a failure by its verdict.
pub async fn counted<R, F>(
    svc: &IdpService,
    pool_id: &str,
    sub: &str,
    now_ms: i64,
    check: F,
) -> Result<Result<(), R>, ApiError>
where
    F: Future<Output = Result<Result<(), R>, ApiError>>,
{
    let key = user_counter_key(pool_id, sub, COUNTER_NAME);
    lockout::admit(svc.store.as_ref(), &svc.lockout, &key, now_ms).await?;
    let verdict = check.await;
    let outcome = match &verdict {
        Ok(Ok(())) => Attempt::Success,
        Ok(Err(_)) => Attempt::Failure,
        Err(_) => Attempt::Released,
    };
    lockout::record(svc.store.as_ref(), &svc.lockout, &key, outcome, now_ms).await?;
    verdict
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use cognate_crypto::envelope::Kek;
    use cognate_crypto::password::{HashParams, Hasher};
    use cognate_delivery::{Delivery, DeliveryConfig};
    use cognate_store::Store;
    use cognate_store_sqlite::SqliteStore;
    use cognate_wire::ErrorCode;

    use super::*;
    use crate::service::ServiceConfig;

    const T0: i64 = 1_800_000_000_000;

    fn service(dir: &tempfile::TempDir) -> IdpService {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("db")).unwrap());
        let kek = Arc::new(Kek::generate().unwrap());
        let delivery =
            Arc::new(Delivery::new(DeliveryConfig::default(), store.clone(), kek.clone()).unwrap());
        let hasher = Arc::new(Hasher::new(HashParams::TEST_ONLY_CHEAP).unwrap());
        IdpService::new(
            store,
            kek,
            delivery,
            hasher,
            ServiceConfig {
                region: "us-east-1".into(),
                account_id: "000000000000".into(),
                public_url: "http://127.0.0.1".into(),
                reject_common_passwords: true,
                key_cache_ms: 60_000,
                webauthn_origins: Vec::new(),
            },
        )
    }

    fn state(id: &str) -> ChallengeState {
        ChallengeState {
            id: id.into(),
            pool_id: "us-east-1_P".into(),
            client_id: "client".into(),
            sub: "sub".into(),
            username: "alice".into(),
            challenge: "SOFTWARE_TOKEN_MFA".into(),
            expires_ms: T0 + 180_000,
            data: serde_json::Value::Null,
        }
    }

    #[tokio::test]
    async fn a_session_takes_five_answers_and_none_after_close() {
        let dir = tempfile::tempdir().unwrap();
        let svc = service(&dir);
        for _ in 0..SESSION_ATTEMPTS {
            reserve(&svc, &state("s1"), T0).await.unwrap();
        }
        let dead = reserve(&svc, &state("s1"), T0).await.unwrap_err();
        assert_eq!(dead.message, "Invalid session for the user.");
        // Another session has its own slots; closed after one answer, it takes no more.
        reserve(&svc, &state("s2"), T0).await.unwrap();
        close(&svc, &state("s2"), T0).await.unwrap();
        assert!(reserve(&svc, &state("s2"), T0).await.is_err());
    }

    #[tokio::test]
    async fn five_wrong_codes_lock_the_user_on_r1s_schedule() {
        let dir = tempfile::tempdir().unwrap();
        let svc = service(&dir);
        let attempt = |now_ms: i64, right: bool| {
            let svc = &svc;
            async move {
                counted(svc, "us-east-1_P", "sub", now_ms, async move {
                    Ok::<_, ApiError>(if right { Ok(()) } else { Err(()) })
                })
                .await
            }
        };
        for i in 0..5 {
            assert_eq!(attempt(T0 + i, false).await.unwrap(), Err(()));
        }
        // Within a second of the fifth failure even the right code is refused (R8 → R1).
        let locked = attempt(T0 + 4 + 999, true).await.unwrap_err();
        assert_eq!(locked.code, ErrorCode::NotAuthorizedException);
        assert_eq!(locked.message, "Password attempts exceeded");
        // After the lock the right code is accepted and the count starts again.
        assert_eq!(attempt(T0 + 4 + 1_001, true).await.unwrap(), Ok(()));
        assert_eq!(attempt(T0 + 2_000, false).await.unwrap(), Err(()));
        // Another user's counter is untouched.
        let other = counted(&svc, "us-east-1_P", "other", T0 + 4 + 999, async {
            Ok::<_, ApiError>(Ok::<(), ()>(()))
        })
        .await;
        assert_eq!(other.unwrap(), Ok(()));
    }
}
