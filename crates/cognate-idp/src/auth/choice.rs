//! Choice-based sign-in (AuthFlow USER_AUTH): the first factor is the one the client
//! prefers (`PREFERRED_CHALLENGE`) when the user can use it, else the user picks one from
//! SELECT_CHALLENGE's `AvailableChallenges`. Factors: PASSWORD, PASSWORD_SRP (→
//! PASSWORD_VERIFIER), EMAIL_OTP and SMS_OTP (an eight-digit code through the outbox), and
//! WEB_AUTHN (a passkey, `auth/webauthn.rs`).
//!
//! Which factors exist is the pool's `Policies.SignInPolicy.AllowedFirstAuthFactors`
//! (PASSWORD when unset); a user has a factor when it holds what the factor needs (a
//! password, a verified email or phone number, a passkey). Every factor that ends with the
//! user verified continues through `password::after_correct_password`, so what follows a
//! first factor (status challenges, MFA) is the same for all of them.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use cognate_crypto::ids;
use cognate_domain::codes::{CodePurpose, MAX_CODE_ATTEMPTS, code_hash};
use cognate_domain::messages::{Channel, CodeDeliveryDetails, MessagePurpose, MessageTemplates};
use cognate_domain::user_status::UserStatus;
use cognate_store::{CodeCheck, CodeRecord, UserRecord};
use cognate_wire::idp::{
    AuthFactorType, ChallengeNameType, GetUserAuthFactorsRequest, GetUserAuthFactorsResponse,
};
use cognate_wire::{ApiError, ErrorCode, RequestContext, Sensitive};

use crate::auth::outcome::{
    Outcome, missing_parameter, not_authorized, session_validity_ms, spend,
};
use crate::auth::password::{self, INCORRECT, after_correct_password, prevents_existence_errors};
use crate::auth::session::{self, ChallengeState, invalid_session};
use crate::auth::{srp, webauthn};
use crate::errors::store_failure;
use crate::service::IdpService;
use crate::users::PoolRules;
use crate::users::lookup::ClientRules;

/// Digits of a passwordless sign-in code (Cognito's, not configurable).
const OTP_DIGITS: u32 = 8;

/// The pool's allowed first factors, by wire name.
pub fn allowed_first_factors(pool: &PoolRules) -> Vec<String> {
    pool.record
        .settings
        .pointer("/Policies/SignInPolicy/AllowedFirstAuthFactors")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_else(|| vec!["PASSWORD".to_owned()])
}

/// The user's value of `name` if it is verified (`<name>_verified` is "true").
fn verified(user: &UserRecord, name: &str) -> Option<String> {
    let value = |wanted: &str| {
        user.attributes
            .iter()
            .find(|(n, _)| n == wanted)
            .map(|(_, v)| v.clone())
    };
    let flag = format!("{name}_verified");
    (value(&flag).as_deref() == Some("true"))
        .then(|| value(name))
        .flatten()
        .filter(|v| !v.is_empty())
}

/// The first factors `user` can sign in with, in the order SELECT_CHALLENGE lists them.
pub async fn user_factors(
    svc: &IdpService,
    pool: &PoolRules,
    user: &UserRecord,
) -> Result<Vec<AuthFactorType>, ApiError> {
    let allowed = allowed_first_factors(pool);
    let allows = |name: &str| allowed.iter().any(|a| a == name);
    let mut factors = Vec::new();
    if allows("WEB_AUTHN") && webauthn::has_passkeys(svc, pool, user).await? {
        factors.push(AuthFactorType::WebAuthn);
    }
    if allows("EMAIL_OTP") && verified(user, "email").is_some() {
        factors.push(AuthFactorType::EmailOtp);
    }
    if allows("SMS_OTP") && verified(user, "phone_number").is_some() {
        factors.push(AuthFactorType::SmsOtp);
    }
    if allows("PASSWORD") && user.password_hash.is_some() {
        factors.push(AuthFactorType::Password);
    }
    Ok(factors)
}

/// Factors as SELECT_CHALLENGE names them: a password is offered as PASSWORD and
/// PASSWORD_SRP.
fn challenges(factors: &[AuthFactorType]) -> Vec<ChallengeNameType> {
    let mut out = Vec::new();
    for factor in factors {
        match factor {
            AuthFactorType::WebAuthn => out.push(ChallengeNameType::WebAuthn),
            AuthFactorType::EmailOtp => out.push(ChallengeNameType::EmailOtp),
            AuthFactorType::SmsOtp => out.push(ChallengeNameType::SmsOtp),
            AuthFactorType::Password => {
                out.push(ChallengeNameType::Password);
                out.push(ChallengeNameType::PasswordSrp);
            }
        }
    }
    out
}

/// A PREFERRED_CHALLENGE or ANSWER value; anything else is refused.
fn parse_challenge(value: &str, member: &str) -> Result<ChallengeNameType, ApiError> {
    match value {
        "PASSWORD" => Ok(ChallengeNameType::Password),
        "PASSWORD_SRP" => Ok(ChallengeNameType::PasswordSrp),
        "EMAIL_OTP" => Ok(ChallengeNameType::EmailOtp),
        "SMS_OTP" => Ok(ChallengeNameType::SmsOtp),
        "WEB_AUTHN" => Ok(ChallengeNameType::WebAuthn),
        // The wording is Cognate's.
        _ => Err(ApiError::invalid_parameter(format!(
            "{member} must be one of PASSWORD, PASSWORD_SRP, EMAIL_OTP, SMS_OTP, WEB_AUTHN."
        ))),
    }
}

fn feature_unavailable(pool: &PoolRules) -> Option<ApiError> {
    (pool
        .record
        .settings
        .get("UserPoolTier")
        .and_then(Value::as_str)
        == Some("LITE"))
    .then(|| {
        ApiError::new(
            ErrorCode::FeatureUnavailableInTierException,
            "Choice-based authentication requires the Essentials or Plus feature plan.",
        )
    })
}

/// InitiateAuth / AdminInitiateAuth with USER_AUTH, past the client's `ALLOW_USER_AUTH`.
pub async fn initiate(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    params: &BTreeMap<String, String>,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    if let Some(error) = feature_unavailable(pool) {
        return Err(error);
    }
    let username = params
        .get("USERNAME")
        .filter(|u| !u.is_empty())
        .ok_or_else(|| missing_parameter("USERNAME"))?;
    let preferred = params
        .get("PREFERRED_CHALLENGE")
        .filter(|p| !p.is_empty())
        .map(|p| parse_challenge(p, "PREFERRED_CHALLENGE"))
        .transpose()?;
    let password_allowed = allowed_first_factors(pool).iter().any(|f| f == "PASSWORD");
    // A preferred password factor comes with its proof and takes the password paths as
    // they are (their unknown-user, lockout and timing rules included).
    match preferred {
        Some(ChallengeNameType::Password) if password_allowed => {
            let _admission = svc.admit_sign_in()?;
            return password::sign_in(svc, pool, client, params, now_ms).await;
        }
        Some(ChallengeNameType::PasswordSrp) if password_allowed => {
            return srp::initiate(svc, pool, client, params, now_ms).await;
        }
        _ => {}
    }
    svc.check_secret_hash(
        client,
        username,
        params.get("SECRET_HASH").map(String::as_str),
    )
    .await?;
    let Some(user) = svc.find_user(pool, username).await? else {
        if !prevents_existence_errors(client) {
            return Err(crate::users::lookup::user_not_found());
        }
        // Hide that the user does not exist: offer what the pool allows for passwords;
        // any answer then fails as a wrong password does.
        let offered = if password_allowed {
            challenges(&[AuthFactorType::Password])
        } else {
            Vec::new()
        };
        return select(svc, pool, client, None, username, offered, now_ms);
    };
    check_can_sign_in(&user)?;
    let available = challenges(&user_factors(svc, pool, &user).await?);
    match preferred {
        Some(wanted) if available.contains(&wanted) => {
            start_factor(svc, pool, client, &user, wanted, params, now_ms).await
        }
        _ if available.is_empty() => Err(not_authorized(
            "The user has no sign-in method that this user pool allows.",
        )),
        _ => select(svc, pool, client, Some(&user), username, available, now_ms),
    }
}

fn check_can_sign_in(user: &UserRecord) -> Result<(), ApiError> {
    if !user.enabled {
        return Err(password::disabled());
    }
    if UserStatus::parse(&user.status) == Some(UserStatus::Unconfirmed) {
        return Err(ApiError::new(
            ErrorCode::UserNotConfirmedException,
            "User is not confirmed.",
        ));
    }
    Ok(())
}

/// The SELECT_CHALLENGE answer; `user` is `None` for a name that matches no user.
fn select(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    user: Option<&UserRecord>,
    username: &str,
    available: Vec<ChallengeNameType>,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    let names: Vec<&str> = available.iter().map(ChallengeNameType::as_str).collect();
    let state = ChallengeState {
        id: ids::uuid(),
        pool_id: pool.id().to_owned(),
        client_id: client.id().to_owned(),
        sub: user.map(|u| u.sub.clone()).unwrap_or_default(),
        username: user.map_or_else(|| username.to_owned(), |u| u.username.clone()),
        challenge: ChallengeNameType::SelectChallenge.as_str().to_owned(),
        expires_ms: now_ms.saturating_add(session_validity_ms(client)),
        data: json!({ "available": names }),
    };
    Ok(Outcome::Select {
        session: session::seal(&svc.kek, &state)?,
        available,
    })
}

/// Starts `factor` for `user`; `params` carries what the factor needs inline (PASSWORD,
/// SRP_A) and SECRET_HASH.
async fn start_factor(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    user: &UserRecord,
    factor: ChallengeNameType,
    params: &BTreeMap<String, String>,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    match factor {
        ChallengeNameType::Password => {
            let _admission = svc.admit_sign_in()?;
            password::sign_in(svc, pool, client, params, now_ms).await
        }
        ChallengeNameType::PasswordSrp => srp::initiate(svc, pool, client, params, now_ms).await,
        ChallengeNameType::EmailOtp => {
            send_otp(svc, pool, client, user, Channel::Email, now_ms).await
        }
        ChallengeNameType::SmsOtp => send_otp(svc, pool, client, user, Channel::Sms, now_ms).await,
        ChallengeNameType::WebAuthn => webauthn::challenge(svc, pool, client, user, now_ms).await,
        _ => Err(ApiError::invalid_parameter(
            "The selected challenge is not available.",
        )),
    }
}

fn otp_challenge(channel: Channel) -> ChallengeNameType {
    match channel {
        Channel::Email => ChallengeNameType::EmailOtp,
        Channel::Sms => ChallengeNameType::SmsOtp,
    }
}

/// Sends a sign-in code to the user's verified address and answers the OTP challenge.
async fn send_otp(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    user: &UserRecord,
    channel: Channel,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    let address = verified(user, channel.attribute()).ok_or_else(|| {
        ApiError::invalid_parameter("The user has no verified address for this challenge.")
    })?;
    let expires_ms = now_ms.saturating_add(session_validity_ms(client));
    let code = svc.delivery.new_code(OTP_DIGITS);
    let purpose = CodePurpose::SignInOtp;
    svc.store
        .put_code(&CodeRecord {
            pool_id: pool.id().to_owned(),
            sub: user.sub.clone(),
            purpose: purpose.as_str().to_owned(),
            code_hash: code_hash(&svc.code_key, pool.id(), &user.sub, purpose, &code).to_vec(),
            created_ms: now_ms,
            expires_ms,
            attempts_left: MAX_CODE_ATTEMPTS,
        })
        .await
        .map_err(store_failure)?;
    let templates = MessageTemplates::from_settings(&pool.record.settings);
    let rendered = templates.render(
        MessagePurpose::Authentication,
        channel,
        &code,
        &user.username,
    );
    svc.deliver(
        pool,
        user,
        MessagePurpose::Authentication,
        channel,
        &address,
        rendered.subject,
        rendered.body,
        Some(code),
        now_ms,
    )
    .await?;
    let name = otp_challenge(channel);
    let state = ChallengeState {
        id: ids::uuid(),
        pool_id: pool.id().to_owned(),
        client_id: client.id().to_owned(),
        sub: user.sub.clone(),
        username: user.username.clone(),
        challenge: name.as_str().to_owned(),
        expires_ms,
        // The MFA challenges of the same names are second factors; this marks the first.
        data: json!({ "first_factor": true }),
    };
    let details = CodeDeliveryDetails::new(channel, &address);
    Ok(Outcome::Challenge {
        name,
        session: session::seal(&svc.kek, &state)?,
        parameters: BTreeMap::from([
            (
                "CODE_DELIVERY_DELIVERY_MEDIUM".to_owned(),
                details.delivery_medium.to_owned(),
            ),
            ("CODE_DELIVERY_DESTINATION".to_owned(), details.destination),
        ]),
    })
}

/// Opens a session issued for `challenge` in this pool and checks USERNAME (and
/// SECRET_HASH) against it.
async fn open_for(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    session_text: Option<&str>,
    challenge: ChallengeNameType,
    responses: &BTreeMap<String, String>,
    now_ms: i64,
) -> Result<(ChallengeState, String), ApiError> {
    let session_text = session_text
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing_parameter("Session"))?;
    let state = session::open(&svc.kek, session_text, client.id(), now_ms)?;
    if state.pool_id != pool.id() || state.challenge != challenge.as_str() {
        return Err(invalid_session());
    }
    let username = responses
        .get("USERNAME")
        .filter(|u| !u.is_empty())
        .ok_or_else(|| missing_parameter("USERNAME"))?
        .clone();
    svc.check_secret_hash(
        client,
        &username,
        responses.get("SECRET_HASH").map(String::as_str),
    )
    .await?;
    Ok((state, username))
}

/// The user a session names, if `username` still names that user.
async fn session_user(
    svc: &IdpService,
    pool: &PoolRules,
    state: &ChallengeState,
    username: &str,
) -> Result<Option<UserRecord>, ApiError> {
    if state.sub.is_empty() {
        return Ok(None);
    }
    let user = svc
        .store
        .get_user_by_sub(pool.id(), &state.sub)
        .await
        .map_err(store_failure)?
        .ok_or_else(invalid_session)?;
    match svc.find_user(pool, username).await? {
        Some(named) if named.sub == user.sub => Ok(Some(user)),
        _ => Err(invalid_session()),
    }
}

/// Answers SELECT_CHALLENGE with `ANSWER` (or RespondToAuthChallenge named PASSWORD or
/// PASSWORD_SRP with that session, `answer` given). The session is used once.
pub async fn answer_select(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    session_text: Option<&str>,
    responses: &BTreeMap<String, String>,
    answer: Option<ChallengeNameType>,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    let (state, username) = open_for(
        svc,
        pool,
        client,
        session_text,
        ChallengeNameType::SelectChallenge,
        responses,
        now_ms,
    )
    .await?;
    let chosen = match answer {
        Some(answer) => answer,
        None => parse_challenge(
            responses
                .get("ANSWER")
                .filter(|a| !a.is_empty())
                .ok_or_else(|| missing_parameter("ANSWER"))?,
            "ANSWER",
        )?,
    };
    let offered = state
        .data
        .get("available")
        .and_then(Value::as_array)
        .is_some_and(|list| list.iter().any(|name| name == chosen.as_str()));
    if !offered {
        return Err(ApiError::invalid_parameter(
            "The selected challenge is not available.",
        ));
    }
    let user = session_user(svc, pool, &state, &username).await?;
    spend(svc, &state, now_ms).await?;
    let mut params = responses.clone();
    params.insert("USERNAME".to_owned(), username);
    match user {
        Some(user) => {
            check_can_sign_in(&user)?;
            start_factor(svc, pool, client, &user, chosen, &params, now_ms).await
        }
        // An unknown user (existence errors prevented): the password paths answer as for
        // any unknown name, the others as a wrong password.
        None => match chosen {
            ChallengeNameType::Password | ChallengeNameType::PasswordSrp => {
                let dummy = UserRecord {
                    pool_id: pool.id().to_owned(),
                    ..unknown_placeholder()
                };
                start_factor(svc, pool, client, &dummy, chosen, &params, now_ms).await
            }
            _ => Err(not_authorized(INCORRECT)),
        },
    }
}

/// Stands in for the user in `start_factor` for the password paths, which look the user up
/// again themselves.
fn unknown_placeholder() -> UserRecord {
    UserRecord {
        pool_id: String::new(),
        sub: String::new(),
        username: String::new(),
        username_key: String::new(),
        status: String::new(),
        enabled: false,
        password_hash: None,
        password_expires_ms: None,
        srp_verifier_sealed: None,
        attributes: Vec::new(),
        created_ms: 0,
        modified_ms: 0,
        tokens_revoked_before_ms: 0,
        extra: Value::Null,
    }
}

/// Answers a first-factor EMAIL_OTP or SMS_OTP challenge with `EMAIL_OTP_CODE` /
/// `SMS_OTP_CODE`. A wrong code leaves the session usable (the code's attempt limit
/// bounds the guesses); the accepted code and the session are both used once.
pub async fn answer_otp(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    session_text: Option<&str>,
    responses: &BTreeMap<String, String>,
    challenge: ChallengeNameType,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    let (state, username) = open_for(
        svc,
        pool,
        client,
        session_text,
        challenge,
        responses,
        now_ms,
    )
    .await?;
    if state.data.get("first_factor") != Some(&Value::Bool(true)) {
        return Err(invalid_session());
    }
    let key = match challenge {
        ChallengeNameType::SmsOtp => "SMS_OTP_CODE",
        _ => "EMAIL_OTP_CODE",
    };
    let code = responses
        .get(key)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| missing_parameter(key))?;
    let user = session_user(svc, pool, &state, &username)
        .await?
        .ok_or_else(invalid_session)?;
    if !user.enabled {
        return Err(password::disabled());
    }
    let purpose = CodePurpose::SignInOtp;
    let candidate = code_hash(&svc.code_key, pool.id(), &user.sub, purpose, code);
    let check = svc
        .store
        .check_code(pool.id(), &user.sub, purpose.as_str(), &candidate, now_ms)
        .await
        .map_err(store_failure)?;
    match check {
        CodeCheck::Accepted => {}
        // Observed for wrong MFA codes; the passwordless wording is assumed the same.
        CodeCheck::Mismatch { .. } => {
            return Err(ApiError::new(
                ErrorCode::CodeMismatchException,
                "Invalid code or auth state for the user.",
            ));
        }
        CodeCheck::TooManyAttempts => {
            return Err(not_authorized("Too many invalid codes; sign in again."));
        }
        // The code lives as long as the session: without one, the session was already
        // used (or replaced by a later sign-in).
        CodeCheck::Expired | CodeCheck::NoCode => return Err(invalid_session()),
    }
    spend(svc, &state, now_ms).await?;
    let device_key = responses.get("DEVICE_KEY").map(String::as_str);
    after_correct_password(svc, pool, client, &user, device_key, now_ms).await
}

/// GetUserAuthFactors: the user's MFA settings and the first factors USER_AUTH offers them.
pub async fn get_user_auth_factors(
    svc: &IdpService,
    ctx: &RequestContext,
    input: GetUserAuthFactorsRequest,
) -> Result<GetUserAuthFactorsResponse, ApiError> {
    let access = svc
        .authenticate_access_token(input.access_token.expose(), ctx.now_ms)
        .await?;
    let user = &access.user;
    let extra = &user.extra;
    let mfa_list: Option<Vec<String>> = extra
        .get("UserMFASettingList")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .filter(|v: &Vec<String>| !v.is_empty());
    Ok(GetUserAuthFactorsResponse {
        username: Sensitive::from(user.username.clone()),
        preferred_mfa_setting: extra
            .get("PreferredMfaSetting")
            .and_then(Value::as_str)
            .map(str::to_owned),
        user_mfa_setting_list: mfa_list,
        configured_user_auth_factors: Some(user_factors(svc, &access.pool, user).await?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(attributes: &[(&str, &str)]) -> UserRecord {
        UserRecord {
            attributes: attributes
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            ..unknown_placeholder()
        }
    }

    #[test]
    fn only_verified_addresses_receive_codes() {
        let unverified = user(&[("email", "a@example.com"), ("email_verified", "false")]);
        assert_eq!(verified(&unverified, "email"), None);
        let verified_user = user(&[
            ("email", "a@example.com"),
            ("email_verified", "true"),
            ("phone_number", "+15550100"),
        ]);
        assert_eq!(
            verified(&verified_user, "email").as_deref(),
            Some("a@example.com")
        );
        assert_eq!(verified(&verified_user, "phone_number"), None);
    }

    #[test]
    fn a_password_is_offered_both_ways() {
        assert_eq!(
            challenges(&[AuthFactorType::EmailOtp, AuthFactorType::Password]),
            [
                ChallengeNameType::EmailOtp,
                ChallengeNameType::Password,
                ChallengeNameType::PasswordSrp
            ]
        );
    }

    #[test]
    fn challenge_names_are_checked() {
        assert_eq!(
            parse_challenge("SMS_OTP", "ANSWER").unwrap(),
            ChallengeNameType::SmsOtp
        );
        let error = parse_challenge("SMS_MFA", "ANSWER").unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidParameterException);
    }

    #[test]
    fn first_factors_default_to_password() {
        let pool = PoolRules::new(cognate_store::UserPoolRecord {
            id: "p".into(),
            name: "p".into(),
            arn: String::new(),
            created_ms: 0,
            modified_ms: 0,
            settings: json!({}),
            tags: Default::default(),
        });
        assert_eq!(allowed_first_factors(&pool), ["PASSWORD"]);
    }
}
