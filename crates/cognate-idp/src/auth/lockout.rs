//! Lockout after failed password attempts (R1–R3), kept in the store so every node sees it.
//!
//! The state is [`LockoutState`]'s eight integers under one counter key, changed only by
//! compare-and-set: an attempt is admitted (and reserved) before the password is hashed,
//! and its outcome recorded afterwards, so concurrent guesses cannot outrun the count.

use std::time::Duration;

use cognate_domain::lockout::{
    Admission, COUNTER_NAME, LockoutPolicy, LockoutState, PASSWORD_ATTEMPTS_EXCEEDED,
};
use cognate_store::{Store, user_counter_key};
use cognate_wire::{ApiError, ErrorCode};

use crate::errors::store_failure;

/// Compare-and-set attempts before giving up on a contended key.
const MAX_CAS_ATTEMPTS: u32 = 64;
/// Waits for in-flight attempts before answering "too many requests".
const MAX_WAITS: u32 = 200;

/// The counter key of a known user's password failures.
pub fn user_key(pool_id: &str, sub: &str) -> String {
    user_counter_key(pool_id, sub, COUNTER_NAME)
}

pub fn locked() -> ApiError {
    ApiError::new(
        ErrorCode::NotAuthorizedException,
        PASSWORD_ATTEMPTS_EXCEEDED,
    )
}

fn busy() -> ApiError {
    ApiError::new(
        ErrorCode::TooManyRequestsException,
        "Too many requests; try again later.",
    )
}

/// How an admitted attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Failure,
    Success,
    /// The password was not checked (an error on the way).
    Released,
}

/// Admits one attempt for `key`, storing its reservation; `Password attempts exceeded` when
/// the user is locked.
pub async fn admit(
    store: &dyn Store,
    policy: &LockoutPolicy,
    key: &str,
    now_ms: i64,
) -> Result<(), ApiError> {
    let mut waits = 0;
    let mut conflicts = 0;
    loop {
        let current = store.counter_slots_get(key).await.map_err(store_failure)?;
        let state = LockoutState::from_slots(&current.unwrap_or_default());
        match policy.admit(&state, now_ms) {
            (Admission::Locked { .. }, _) => return Err(locked()),
            (Admission::Wait { retry_after_ms }, _) => {
                waits += 1;
                if waits > MAX_WAITS {
                    return Err(busy());
                }
                let pause = u64::try_from(retry_after_ms).unwrap_or(25);
                tokio::time::sleep(Duration::from_millis(pause)).await;
            }
            (Admission::Proceed, reserved) => {
                if store
                    .counter_slots_cas(key, current, reserved.to_slots(), now_ms)
                    .await
                    .map_err(store_failure)?
                {
                    return Ok(());
                }
                conflicts += 1;
                if conflicts > MAX_CAS_ATTEMPTS {
                    return Err(busy());
                }
            }
        }
    }
}

/// Records the outcome of an admitted attempt.
pub async fn record(
    store: &dyn Store,
    policy: &LockoutPolicy,
    key: &str,
    outcome: Outcome,
    now_ms: i64,
) -> Result<(), ApiError> {
    for _ in 0..MAX_CAS_ATTEMPTS {
        let current = store.counter_slots_get(key).await.map_err(store_failure)?;
        let state = LockoutState::from_slots(&current.unwrap_or_default());
        let next = match outcome {
            Outcome::Failure => policy.record_failure(&state, now_ms),
            Outcome::Success => policy.record_success(&state, now_ms),
            Outcome::Released => policy.release(&state, now_ms),
        };
        if current.is_none() && next == LockoutState::default() {
            return Ok(());
        }
        if store
            .counter_slots_cas(key, current, next.to_slots(), now_ms)
            .await
            .map_err(store_failure)?
        {
            return Ok(());
        }
    }
    Err(busy())
}
