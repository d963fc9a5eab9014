//! ForgotPassword, ConfirmForgotPassword and ChangePassword, and the password history
//! every password change keeps.
//!
//! History lives in the user's `extra` document as `password_history` (the key and layout
//! AdminSetUserPassword and NEW_PASSWORD_REQUIRED use too): the PHC hashes of
//! earlier passwords, newest first, at most `PasswordHistorySize - 1` of them (the current
//! password is the remaining one of the last `PasswordHistorySize`).

use serde_json::{Value, json};

use cognate_domain::codes::CodePurpose;
use cognate_domain::messages::{Channel, MessagePurpose};
use cognate_domain::password_blocklist::Blocklist;
use cognate_domain::password_policy::{PasswordPolicyViolation, PasswordSetter};
use cognate_domain::user_status::{StatusEvent, UserStatus, transition};
use cognate_store::{AliasChange, StoreError, UserRecord, user_counter_key};
use cognate_wire::idp::{
    ChangePasswordRequest, ChangePasswordResponse, ConfirmForgotPasswordRequest,
    ConfirmForgotPasswordResponse, ForgotPasswordRequest, ForgotPasswordResponse,
};
use cognate_wire::{ApiError, ErrorCode, RequestContext};

use crate::auth::lockout::{self, Outcome as Attempt};
use crate::errors::{limit_exceeded, store_failure};
use crate::service::IdpService;
use crate::users::PoolRules;
use crate::users::lookup::user_not_found;
use crate::users::self_service::{
    prevents_existence_errors, simulated_delivery, transition_error, unknown_user,
};

pub(crate) const HISTORY_KEY: &str = "password_history";

fn history(user: &UserRecord) -> Vec<String> {
    user.extra
        .get(HISTORY_KEY)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The hashes a new password must differ from: the current one and the kept history,
/// `size` in all.
fn remembered(user: &UserRecord, size: u32) -> Vec<String> {
    if size == 0 {
        return Vec::new();
    }
    user.password_hash
        .iter()
        .cloned()
        .chain(history(user))
        .take(size as usize)
        .collect()
}

/// The history after `user`'s current password is replaced.
fn next_history(user: &UserRecord, size: u32) -> Vec<String> {
    let keep = (size as usize).saturating_sub(1);
    user.password_hash
        .iter()
        .cloned()
        .chain(history(user))
        .take(keep)
        .collect()
}

impl IdpService {
    /// A password about to become the user's own: the pool's policy, then the common-password
    /// blocklist with the pool's name and the user's name as context words (R14).
    /// Temporary passwords an admin hands out check only the policy (the user must replace
    /// them at the first sign-in anyway).
    pub(crate) fn check_new_password(
        &self,
        pool: &PoolRules,
        username: &str,
        password: &str,
        setter: PasswordSetter,
    ) -> Result<(), ApiError> {
        let refuse = |violation: PasswordPolicyViolation| {
            ApiError::new(
                ErrorCode::InvalidPasswordException,
                violation.message(setter),
            )
        };
        pool.password_policy.check(password).map_err(refuse)?;
        if self.config.reject_common_passwords
            && Blocklist::bundled().is_common(password, &[&pool.record.name, username])
        {
            return Err(refuse(PasswordPolicyViolation::TooCommon));
        }
        Ok(())
    }

    /// `PasswordHistoryPolicyViolationException` when `password` is one of the user's last
    /// `PasswordHistorySize` passwords.
    pub(crate) async fn check_password_history(
        &self,
        pool: &PoolRules,
        user: &UserRecord,
        password: &str,
    ) -> Result<(), ApiError> {
        for phc in remembered(user, pool.password_policy.password_history_size) {
            if self.verify_password(password, Some(&phc)).await? {
                // Same text as AdminSetUserPassword's (not confirmed against the service).
                return Err(ApiError::new(
                    ErrorCode::PasswordHistoryPolicyViolationException,
                    "The password history policy was violated.",
                ));
            }
        }
        Ok(())
    }

    /// Sets `password` as the user's password in the record (hash, SRP verifier, history;
    /// the record is written by the caller).
    pub(crate) async fn set_password(
        &self,
        pool: &PoolRules,
        user: &mut UserRecord,
        password: &str,
    ) -> Result<(), ApiError> {
        let hash = self.hash_password(password).await?;
        let verifier = self.sealed_srp_verifier(user, password).await?;
        Self::replace_password(pool, user, hash, verifier);
        Ok(())
    }

    /// Replaces the user's password with `new_hash` and its sealed SRP verifier, keeping the
    /// history the pool asks for (the record is written by the caller).
    pub(crate) fn replace_password(
        pool: &PoolRules,
        user: &mut UserRecord,
        new_hash: String,
        sealed_verifier: Vec<u8>,
    ) {
        let kept = next_history(user, pool.password_policy.password_history_size);
        if !user.extra.is_object() {
            user.extra = json!({});
        }
        if let Some(extra) = user.extra.as_object_mut() {
            if kept.is_empty() {
                extra.remove(HISTORY_KEY);
            } else {
                extra.insert(HISTORY_KEY.to_owned(), json!(kept));
            }
        }
        user.password_hash = Some(new_hash);
        user.srp_verifier_sealed = Some(sealed_verifier);
        user.password_expires_ms = None;
    }
}

/// Where a password-reset code goes: `AccountRecoverySetting` by priority, or (without
/// one) the legacy order, a verified phone number before a verified email.
fn recovery_channel(pool: &PoolRules, user: &UserRecord) -> Option<(Channel, String)> {
    let verified = |name: &str| {
        (user.attribute(&format!("{name}_verified")) == Some("true"))
            .then(|| user.attribute(name).map(str::to_owned))
            .flatten()
    };
    let email = || verified("email").map(|a| (Channel::Email, a));
    let phone = || verified("phone_number").map(|a| (Channel::Sms, a));
    let mechanisms = pool
        .record
        .settings
        .get("AccountRecoverySetting")
        .and_then(|s| s.get("RecoveryMechanisms"))
        .and_then(Value::as_array);
    let Some(mechanisms) = mechanisms.filter(|m| !m.is_empty()) else {
        return phone().or_else(email);
    };
    let mut ordered: Vec<(i64, &str)> = mechanisms
        .iter()
        .filter_map(|m| {
            Some((
                m.get("Priority")
                    .and_then(Value::as_i64)
                    .unwrap_or(i64::MAX),
                m.get("Name").and_then(Value::as_str)?,
            ))
        })
        .collect();
    ordered.sort_unstable();
    ordered.into_iter().find_map(|(_, name)| match name {
        "verified_email" => email(),
        "verified_phone_number" => phone(),
        _ => None,
    })
}

/// ForgotPassword and ConfirmForgotPassword together: at most this many per user per hour
/// (R7; Cognito allows 5–20 depending on risk).
pub(crate) const RECOVERY_LIMIT_PER_HOUR: i64 = 10;

impl IdpService {
    /// Counts one account-recovery request of `user`; `LimitExceededException` past
    /// [`RECOVERY_LIMIT_PER_HOUR`].
    async fn recovery_attempt(
        &self,
        pool: &PoolRules,
        user: &UserRecord,
        now_ms: i64,
    ) -> Result<(), ApiError> {
        let key = user_counter_key(pool.id(), &user.sub, "account_recovery");
        let allowed = self
            .store
            .window_hit(&key, now_ms, 3_600_000, RECOVERY_LIMIT_PER_HOUR)
            .await
            .map_err(store_failure)?;
        if allowed {
            Ok(())
        } else {
            Err(limit_exceeded(
                "Attempt limit exceeded, please try after some time.",
            ))
        }
    }
}

fn no_recovery_address() -> ApiError {
    ApiError::invalid_parameter(
        "Cannot reset password for the user as there is no registered/verified email or phone_number",
    )
}

pub async fn forgot_password(
    svc: &IdpService,
    ctx: &RequestContext,
    input: ForgotPasswordRequest,
) -> Result<ForgotPasswordResponse, ApiError> {
    let username = input.username.expose().as_str();
    let (client, pool) = svc
        .public_client(
            input.client_id.expose(),
            username,
            input.secret_hash.as_ref(),
        )
        .await?;
    let hide = prevents_existence_errors(&client);
    let simulated = || ForgotPasswordResponse {
        code_delivery_details: simulated_delivery(&["email".to_owned()], username),
    };
    let Some(user) = svc.find_user(&pool, username).await? else {
        return if hide {
            Ok(simulated())
        } else {
            Err(unknown_user())
        };
    };
    if !user.enabled {
        return if hide {
            Ok(simulated())
        } else {
            Err(ApiError::new(
                ErrorCode::NotAuthorizedException,
                "User is disabled.",
            ))
        };
    }
    // With existence errors hidden, a user who cannot reset answers like an unknown one
    // (R5: unknown, unconfirmed, disabled and existing users look the same).
    if let Err(error) = transition(UserStatus::parse(&user.status), StatusEvent::ForgotPassword) {
        return if hide {
            Ok(simulated())
        } else {
            Err(transition_error(error))
        };
    }
    let Some((channel, address)) = recovery_channel(&pool, &user) else {
        return if hide {
            Ok(simulated())
        } else {
            Err(no_recovery_address())
        };
    };
    svc.recovery_attempt(&pool, &user, ctx.now_ms).await?;
    let details = svc
        .send_code(
            &pool,
            &user,
            CodePurpose::ForgotPassword,
            MessagePurpose::ForgotPassword,
            channel,
            &address,
            ctx.now_ms,
        )
        .await?;
    Ok(ForgotPasswordResponse {
        code_delivery_details: Some(details),
    })
}

pub async fn confirm_forgot_password(
    svc: &IdpService,
    ctx: &RequestContext,
    input: ConfirmForgotPasswordRequest,
) -> Result<ConfirmForgotPasswordResponse, ApiError> {
    let username = input.username.expose().as_str();
    let (client, pool) = svc
        .public_client(
            input.client_id.expose(),
            username,
            input.secret_hash.as_ref(),
        )
        .await?;
    let hide = prevents_existence_errors(&client);
    let mismatch = || {
        ApiError::new(
            ErrorCode::CodeMismatchException,
            "Invalid verification code provided, please try again.",
        )
    };
    let Some(mut user) = svc.find_user(&pool, username).await? else {
        return Err(if hide { mismatch() } else { unknown_user() });
    };
    if !user.enabled {
        return Err(if hide {
            mismatch()
        } else {
            ApiError::new(ErrorCode::NotAuthorizedException, "User is disabled.")
        });
    }
    if user.status == UserStatus::ExternalProvider.as_str() {
        return Err(transition_error(
            cognate_domain::user_status::TransitionError::ExternalProvider,
        ));
    }
    let password = input.password.expose().as_str();
    // The policy first: a refused password must not use up the code.
    svc.check_new_password(&pool, &user.username, password, PasswordSetter::User)?;
    svc.recovery_attempt(&pool, &user, ctx.now_ms).await?;
    svc.check_code(
        &pool,
        &user,
        CodePurpose::ForgotPassword,
        &input.confirmation_code,
        ctx.now_ms,
    )
    .await?;
    // History only after the code: it would otherwise tell anyone a user's old passwords.
    svc.check_password_history(&pool, &user, password).await?;
    svc.set_password(&pool, &mut user, password).await?;
    // A reset confirms the user, whatever state asked for it (RESET_REQUIRED,
    // FORCE_CHANGE_PASSWORD, UNCONFIRMED).
    user.status = UserStatus::Confirmed.as_str().to_owned();
    user.modified_ms = ctx.now_ms;
    match svc.store.update_user(&user, &AliasChange::default()).await {
        Ok(()) => Ok(ConfirmForgotPasswordResponse::default()),
        Err(StoreError::NotFound) => Err(user_not_found()),
        Err(other) => Err(store_failure(other)),
    }
}

pub async fn change_password(
    svc: &IdpService,
    ctx: &RequestContext,
    input: ChangePasswordRequest,
) -> Result<ChangePasswordResponse, ApiError> {
    let access = svc
        .authenticate_access_token(input.access_token.expose(), ctx.now_ms)
        .await?;
    let pool = access.pool;
    let mut user = access.user;
    let proposed = input.proposed_password.expose().as_str();
    let wrong = || {
        ApiError::new(
            ErrorCode::NotAuthorizedException,
            "Incorrect username or password.",
        )
    };
    match (&user.password_hash, &input.previous_password) {
        (Some(phc), Some(previous)) => {
            // The previous password is a guess like any sign-in, so it shares the user's
            // lockout (R3: no path around it); Cognito answers a locked ChangePassword with
            // LimitExceededException.
            let key = lockout::user_key(pool.id(), &user.sub);
            lockout::admit(svc.store.as_ref(), &svc.lockout, &key, ctx.now_ms)
                .await
                .map_err(|e| {
                    if e.code == ErrorCode::NotAuthorizedException {
                        limit_exceeded("Attempt limit exceeded, please try after some time.")
                    } else {
                        e
                    }
                })?;
            let verified = svc
                .verify_password(previous.expose(), Some(phc.as_str()))
                .await;
            let outcome = match &verified {
                Ok(true) => Attempt::Success,
                Ok(false) => Attempt::Failure,
                Err(_) => Attempt::Released,
            };
            lockout::record(svc.store.as_ref(), &svc.lockout, &key, outcome, ctx.now_ms).await?;
            if !verified? {
                return Err(wrong());
            }
        }
        (Some(_), None) => return Err(wrong()),
        // A passwordless user sets a first password without a previous one.
        (None, _) => {}
    }
    svc.check_new_password(&pool, &user.username, proposed, PasswordSetter::User)?;
    svc.check_password_history(&pool, &user, proposed).await?;
    svc.set_password(&pool, &mut user, proposed).await?;
    user.modified_ms = ctx.now_ms;
    match svc.store.update_user(&user, &AliasChange::default()).await {
        Ok(()) => Ok(ChangePasswordResponse::default()),
        Err(StoreError::NotFound) => Err(user_not_found()),
        Err(other) => Err(store_failure(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(current: Option<&str>, history: &[&str]) -> UserRecord {
        UserRecord {
            pool_id: "p".into(),
            sub: "s".into(),
            username: "u".into(),
            username_key: "u".into(),
            status: "CONFIRMED".into(),
            enabled: true,
            password_hash: current.map(str::to_owned),
            password_expires_ms: None,
            srp_verifier_sealed: None,
            attributes: Vec::new(),
            created_ms: 0,
            modified_ms: 0,
            tokens_revoked_before_ms: 0,
            extra: json!({ HISTORY_KEY: history }),
        }
    }

    #[test]
    fn history_counts_the_current_password() {
        let u = user(Some("h3"), &["h2", "h1"]);
        assert!(remembered(&u, 0).is_empty());
        assert_eq!(remembered(&u, 1), ["h3"]);
        assert_eq!(remembered(&u, 2), ["h3", "h2"]);
        assert_eq!(remembered(&u, 24), ["h3", "h2", "h1"]);
        assert!(next_history(&u, 1).is_empty());
        assert_eq!(next_history(&u, 3), ["h3", "h2"]);
    }
}
