//! Password sign-in (USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, ADMIN_NO_SRP_AUTH) and the
//! NEW_PASSWORD_REQUIRED answer.
//!
//! The checks run in the order Cognito reports them (cognito-auth-protocol.md §3.4): unknown
//! user, disabled, unconfirmed (before the password), lockout, password, then the status
//! after a correct password.

use std::collections::BTreeMap;

use serde_json::Value;

use cognate_domain::lockout::unknown_user_counter_key;
use cognate_domain::password_policy::PasswordSetter;
use cognate_domain::user_status::{
    AfterPassword, BeforePassword, StatusEvent, UserStatus, before_password, transition,
};
use cognate_store::{AliasChange, UserRecord};
use cognate_wire::{ApiError, ErrorCode};

use crate::auth::lockout::{self, Outcome as Attempt};
use crate::auth::outcome::{
    Outcome, missing_parameter, new_password_required, not_authorized, open_answer, spend,
};
use crate::auth::session::invalid_session;
use crate::errors::store_failure;
use crate::service::IdpService;
use crate::users::PoolRules;
use crate::users::lookup::ClientRules;

pub const INCORRECT: &str = "Incorrect username or password.";

/// Whether the client hides which users exist (`PreventUserExistenceErrors = ENABLED`).
pub fn prevents_existence_errors(client: &ClientRules) -> bool {
    client
        .record
        .settings
        .get("PreventUserExistenceErrors")
        .and_then(Value::as_str)
        == Some("ENABLED")
}

pub fn disabled() -> ApiError {
    not_authorized("User is disabled.")
}

/// Signs in with USERNAME and PASSWORD from `parameters`, already past the client's flow gate.
/// Callers hold an admission from [`IdpService::admit_sign_in`] for the whole call (R12).
pub async fn sign_in(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    parameters: &BTreeMap<String, String>,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    let username = parameters
        .get("USERNAME")
        .filter(|u| !u.is_empty())
        .ok_or_else(|| missing_parameter("USERNAME"))?;
    let password = parameters
        .get("PASSWORD")
        .filter(|p| !p.is_empty())
        .ok_or_else(|| missing_parameter("PASSWORD"))?;
    svc.refuse_if_hasher_saturated()?;
    svc.check_secret_hash(
        client,
        username,
        parameters.get("SECRET_HASH").map(String::as_str),
    )
    .await?;

    let Some(user) = svc.find_user(pool, username).await? else {
        return unknown_user(svc, pool, client, username, password, now_ms).await;
    };
    // Answers given before the password is checked still cost what a checked password
    // costs, so that response times do not tell these users apart from the others (R6).
    if !user.enabled {
        unchecked_attempt(svc, pool, username, password, now_ms).await?;
        return Err(disabled());
    }
    let status = UserStatus::parse(&user.status).unwrap_or(UserStatus::Confirmed);
    match before_password(status) {
        BeforePassword::NotConfirmed => {
            unchecked_attempt(svc, pool, username, password, now_ms).await?;
            return Err(ApiError::new(
                ErrorCode::UserNotConfirmedException,
                "User is not confirmed.",
            ));
        }
        BeforePassword::NoPassword => {
            unchecked_attempt(svc, pool, username, password, now_ms).await?;
            return Err(not_authorized(INCORRECT));
        }
        BeforePassword::CheckPassword => {}
    }

    let key = lockout::user_key(pool.id(), &user.sub);
    lockout::admit(svc.store.as_ref(), &svc.lockout, &key, now_ms).await?;
    let verified = svc
        .verify_password(password, user.password_hash.as_deref())
        .await;
    let outcome = match &verified {
        Ok(true) => Attempt::Success,
        Ok(false) => Attempt::Failure,
        Err(_) => Attempt::Released,
    };
    lockout::record(svc.store.as_ref(), &svc.lockout, &key, outcome, now_ms).await?;
    if !verified? {
        return Err(not_authorized(INCORRECT));
    }
    // Before the hash upgrade: the verifier is stored only while the hash that just
    // verified is still the current one.
    svc.backfill_srp_verifier(&user, password).await;
    svc.upgrade_password_hash(&user, password).await;
    let device_key = parameters.get("DEVICE_KEY").map(String::as_str);
    after_correct_password(svc, pool, client, &user, device_key, now_ms).await
}

/// What a correct password (or SRP claim) leads to, by the user's status: a reset demand,
/// the NEW_PASSWORD_REQUIRED challenge, or the second factor (`auth/mfa.rs`) and tokens.
pub async fn after_correct_password(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    user: &UserRecord,
    device_key: Option<&str>,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    let status = UserStatus::parse(&user.status).unwrap_or(UserStatus::Confirmed);
    match cognate_domain::user_status::after_correct_password(status) {
        AfterPassword::PasswordResetRequired => Err(ApiError::new(
            ErrorCode::PasswordResetRequiredException,
            "Password reset required for the user",
        )),
        AfterPassword::NewPasswordRequired => {
            if temporary_password_expired(user.password_expires_ms, now_ms) {
                return Err(not_authorized(
                    "Temporary password has expired and must be reset by an administrator.",
                ));
            }
            new_password_required(svc, pool, client, user, now_ms)
        }
        AfterPassword::SignedIn => {
            crate::auth::mfa::after_first_factor(svc, pool, client, user, device_key, now_ms).await
        }
    }
}

/// Whether a temporary password is past its validity.
pub fn temporary_password_expired(expires_ms: Option<i64>, now_ms: i64) -> bool {
    expires_ms.is_some_and(|expires| now_ms >= expires)
}

/// The work of a checked attempt, for an answer that does not depend on the password: a
/// dummy hash between the lockout counter's admission and release, as every other answer
/// spends a hash between two counter writes (R6: measured, the writes alone told these
/// users apart). The counter is the one an unknown user of this name would have; it is
/// released rather than failed, so it never locks, and nobody's lockout moves.
async fn unchecked_attempt(
    svc: &IdpService,
    pool: &PoolRules,
    username: &str,
    password: &str,
    now_ms: i64,
) -> Result<(), ApiError> {
    let key = unknown_user_counter_key(pool.id(), &pool.sign_in.username_key(username));
    // The key can be locked from before the user existed; this answer must not change.
    let admitted = match lockout::admit(svc.store.as_ref(), &svc.lockout, &key, now_ms).await {
        Ok(()) => true,
        Err(error) if error.code == ErrorCode::NotAuthorizedException => false,
        Err(error) => return Err(error),
    };
    let verified = svc.verify_password(password, None).await;
    if admitted {
        lockout::record(
            svc.store.as_ref(),
            &svc.lockout,
            &key,
            Attempt::Released,
            now_ms,
        )
        .await?;
    }
    verified.map(|_| ())
}

/// A username that matches no user: `UserNotFoundException`, or with
/// PreventUserExistenceErrors the wrong-password answer, after the same work (a dummy hash,
/// and lockout counting under the username so lockout answers do not tell either).
async fn unknown_user(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    username: &str,
    password: &str,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    if !prevents_existence_errors(client) {
        return Err(crate::users::lookup::user_not_found());
    }
    let key = unknown_user_counter_key(pool.id(), &pool.sign_in.username_key(username));
    lockout::admit(svc.store.as_ref(), &svc.lockout, &key, now_ms).await?;
    let verified = svc.verify_password(password, None).await;
    let outcome = if verified.is_ok() {
        Attempt::Failure
    } else {
        Attempt::Released
    };
    lockout::record(svc.store.as_ref(), &svc.lockout, &key, outcome, now_ms).await?;
    verified?;
    Err(not_authorized(INCORRECT))
}

/// Answers NEW_PASSWORD_REQUIRED: sets the new password (and any attributes sent as
/// `userAttributes.<name>`), confirms the user and signs them in. The session is single use.
pub async fn answer_new_password(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    session_text: Option<&str>,
    responses: &BTreeMap<String, String>,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    let (state, username) = open_answer(
        svc,
        pool,
        client,
        session_text,
        "NEW_PASSWORD_REQUIRED",
        responses,
        now_ms,
    )
    .await?;
    let new_password = responses
        .get("NEW_PASSWORD")
        .filter(|p| !p.is_empty())
        .ok_or_else(|| missing_parameter("NEW_PASSWORD"))?;

    let mut user = svc
        .store
        .get_user_by_sub(pool.id(), &state.sub)
        .await
        .map_err(store_failure)?
        .ok_or_else(invalid_session)?;
    match svc.find_user(pool, username).await? {
        Some(named) if named.sub == user.sub => {}
        _ => return Err(invalid_session()),
    }
    if !user.enabled {
        return Err(disabled());
    }

    let updates = attribute_updates(pool, client, &user, responses)?;
    let missing = pool
        .schema
        .missing_required(&cognate_domain::attributes::apply_update(
            &user.attributes,
            &updates,
        ));
    if !missing.is_empty() {
        // Observed: "name is missing", "name and address is missing".
        return Err(ApiError::invalid_parameter(format!(
            "Invalid attributes given, {} is missing",
            missing.join(" and ")
        )));
    }
    svc.check_new_password(pool, &user.username, new_password, PasswordSetter::User)?;
    let next = transition(
        UserStatus::parse(&user.status),
        StatusEvent::NewPasswordChallenge,
    )
    .map_err(|_| invalid_session())?;
    svc.check_password_history(pool, &user, new_password)
        .await?;

    spend(svc, &state, now_ms).await?;

    let aliases = if updates.is_empty() {
        AliasChange::default()
    } else {
        user.attributes = cognate_domain::attributes::apply_update(&user.attributes, &updates);
        AliasChange {
            claim: crate::users::admin::alias_claims(pool, &user.attributes),
            release: Vec::new(),
            take_over: false,
        }
    };
    svc.set_password(pool, &mut user, new_password).await?;
    user.status = next.as_str().to_owned();
    user.modified_ms = now_ms;
    svc.store
        .update_user(&user, &aliases)
        .await
        .map_err(crate::users::admin::user_write_failure)?;
    // The second factor follows the new password, as it follows a password sign-in.
    let device_key = responses.get("DEVICE_KEY").map(String::as_str);
    crate::auth::mfa::after_first_factor(svc, pool, client, &user, device_key, now_ms).await
}

/// `userAttributes.<name>` responses, checked against the schema and the client's write
/// permissions.
fn attribute_updates(
    pool: &PoolRules,
    client: &ClientRules,
    user: &UserRecord,
    responses: &BTreeMap<String, String>,
) -> Result<Vec<(String, String)>, ApiError> {
    let updates: Vec<(String, String)> = responses
        .iter()
        .filter_map(|(key, value)| {
            key.strip_prefix("userAttributes.")
                .map(|name| (name.to_owned(), value.clone()))
        })
        .collect();
    if updates.is_empty() {
        return Ok(updates);
    }
    let requested: Vec<(String, Option<String>)> = updates
        .iter()
        .map(|(name, value)| (name.clone(), Some(value.clone())))
        .collect();
    cognate_domain::attributes::validate_write(
        &pool.schema,
        &client.access,
        cognate_domain::attributes::Writer::User,
        cognate_domain::attributes::WriteMode::Update,
        &requested,
        &user.attributes,
    )
    .map_err(crate::users::admin::attribute_error)?;
    Ok(updates)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::auth::test_client;

    #[test]
    fn temporary_passwords_expire_at_their_deadline() {
        assert!(!temporary_password_expired(None, i64::MAX));
        assert!(!temporary_password_expired(Some(1_000), 999));
        assert!(temporary_password_expired(Some(1_000), 1_000));
    }

    #[test]
    fn existence_errors_are_prevented_only_when_enabled() {
        assert!(!prevents_existence_errors(&test_client(json!({}))));
        let legacy = test_client(json!({"PreventUserExistenceErrors": "LEGACY"}));
        assert!(!prevents_existence_errors(&legacy));
        let enabled = test_client(json!({"PreventUserExistenceErrors": "ENABLED"}));
        assert!(prevents_existence_errors(&enabled));
    }
}
