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
