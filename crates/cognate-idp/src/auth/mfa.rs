//! The second factor: what follows a correct password or SRP claim, and the answers to
//! SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP, SELECT_MFA_TYPE and MFA_SETUP.
//!
//! Which step comes is `mfa::settings::next_step` (pool mode, the factors the pool offers,
//! the user's enabled and preferred factors). SMS and email codes are one-time codes of
//! purpose `SignInMfa` (keyed hashes, five wrong tries each, R7); TOTP codes are checked by
//! `mfa::software_token`. Every answer spends one of the session's answer slots and counts
//! on the user's MFA lockout counter (`mfa_attempts`, R8); a correct answer spends the
//! session itself, so it is single use after success (R9).
//!
//! Challenge parameters: the delivery pair for SMS and email as Cognito sends them
//! (cognito-auth-protocol.md §3.2, masked as `cognate_domain::messages` masks), and
//! `USER_ID_FOR_SRP` in every challenge, which clients read to name the user (the reference
//! recommends it; Cognito's exact set for each MFA challenge is not confirmed).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use cognate_crypto::ids;
use cognate_domain::codes::{CodePurpose, code_hash};
use cognate_domain::messages::{Channel, CodeDeliveryDetails, MessagePurpose};
use cognate_store::{CodeCheck, UserRecord};
use cognate_wire::idp::ChallengeNameType;
use cognate_wire::{ApiError, ErrorCode};

use crate::auth::outcome::{Outcome, missing_parameter, session_validity_ms, spend};
use crate::auth::password::disabled;
use crate::auth::session::{self, ChallengeState, invalid_session};
use crate::auth::{device, mfa_attempts};
use crate::devices::DeviceConfig;
use crate::errors::{internal, store_failure};
use crate::mfa::settings::{Factor, Facts, Mode, Step, UserMfa, next_step};
use crate::mfa::software_token::{TotpRefusal, accept_code, code_used, open_secret};
use crate::service::IdpService;
use crate::tokens::issue::SignInEvent;
use crate::users::PoolRules;
use crate::users::lookup::ClientRules;

/// What an MFA session carries besides [`ChallengeState`]'s fields.
#[derive(Debug, Default, Serialize, Deserialize)]
struct MfaState {
    /// SELECT_MFA_TYPE's choices, MFA_SETUP's offer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    factors: Vec<Factor>,
    /// MFA_SETUP: VerifySoftwareToken accepted a code in this session.
    #[serde(default)]
    verified: bool,
    /// The tracked device the sign-in came with, already checked to be the user's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    device_key: Option<String>,
    /// MFA_SETUP answered with `EMAIL`: the address the EMAIL_OTP code went to, which
    /// becomes the user's verified email and email MFA once the code is answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    setup_email: Option<String>,
}

fn challenge_name(factor: Factor) -> ChallengeNameType {
    match factor {
        Factor::Sms => ChallengeNameType::SmsMfa,
        Factor::Totp => ChallengeNameType::SoftwareTokenMfa,
        Factor::Email => ChallengeNameType::EmailOtp,
    }
}

fn answer_key(factor: Factor) -> &'static str {
    match factor {
        Factor::Sms => "SMS_MFA_CODE",
        Factor::Totp => "SOFTWARE_TOKEN_MFA_CODE",
        Factor::Email => "EMAIL_OTP_CODE",
    }
}

fn attribute<'a>(user: &'a UserRecord, name: &str) -> Option<&'a str> {
    user.attributes
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// What a correct first factor leads to: a remembered device's check instead of MFA, an MFA
/// step, or tokens. `device_key` is the DEVICE_KEY the client sent, if any.
pub async fn after_first_factor(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    user: &UserRecord,
    device_key: Option<&str>,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    let devices = DeviceConfig::of(&pool.record.settings);
    let device = match (devices, device_key) {
        (Some(_), Some(key)) if !key.is_empty() => Some(device::owned(svc, user, key).await?),
        _ => None,
    };
    let mode = Mode::of(&pool.record.settings);
    let offered = crate::mfa_config::offered_factors(&pool.record.settings);
    let mfa = UserMfa::of(user);
    let step = next_step(mode, &offered, &mfa, Facts::of(user, &mfa));
    // A remembered device stands in for the second factor, only where one is asked for and
    // the pool says so (ChallengeRequiredOnNewDevice: "when true, a remembered device can
    // sign in with device authentication instead of" MFA); otherwise every device, new or
    // remembered, passes the pool's MFA. With MFA off there is nothing to stand in for.
    if let Some(device) = device
        .as_ref()
        .filter(|_| devices.is_some_and(|c| c.challenge_required_on_new_device))
        .filter(|d| d.remembered && d.verifier_sealed.is_some())
        && step != Step::Done
    {
        return device::challenge(svc, pool, client, user, device, now_ms);
    }
    let device_key = device.map(|d| d.device_key);
    let state = |factors: Vec<Factor>| MfaState {
        factors,
        device_key: device_key.clone(),
        ..MfaState::default()
    };
    match step {
        Step::Done => complete(svc, pool, client, user, device_key.as_deref(), now_ms).await,
        Step::Challenge(factor) => {
            challenge(svc, pool, client, user, factor, state(Vec::new()), now_ms).await
        }
        Step::Select(factors) => {
            let choices: Vec<&str> = factors.iter().map(|f| f.as_str()).collect();
            let parameters = BTreeMap::from([(
                "MFAS_CAN_CHOOSE".to_owned(),
                Value::from(choices).to_string(),
            )]);
            issue(
                svc,
                pool,
                client,
                user,
                ChallengeNameType::SelectMfaType,
                state(factors),
                parameters,
                now_ms,
            )
        }
        Step::Setup(factors) => {
            let offer: Vec<&str> = factors.iter().map(|f| f.as_str()).collect();
            let parameters =
                BTreeMap::from([("MFAS_CAN_SETUP".to_owned(), Value::from(offer).to_string())]);
            issue(
                svc,
                pool,
                client,
                user,
                ChallengeNameType::MfaSetup,
                state(factors),
                parameters,
                now_ms,
            )
        }
    }
}

/// The end of a sign-in: tokens, with the device it came from (`device_key`, the user's) or,
/// in a pool that tracks devices, a new device.
pub async fn complete(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    user: &UserRecord,
    device_key: Option<&str>,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    let mut event = SignInEvent::new(now_ms);
    let mut new_device = None;
    if DeviceConfig::of(&pool.record.settings).is_some() {
        match device_key {
            Some(key) => {
                device::touch(svc, user, key, now_ms).await?;
                event.device_key = Some(key.to_owned());
            }
            None => {
                let metadata = device::register(svc, user, now_ms).await?;
                event.device_key = metadata.device_key.clone();
                new_device = Some(metadata);
            }
        }
    }
    let mut result = svc
        .issue_tokens(pool, client, user, &event, true, now_ms)
        .await?;
    result.new_device_metadata = new_device;
    Ok(Outcome::Tokens(result))
}

#[allow(clippy::too_many_arguments)]
fn issue(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    user: &UserRecord,
    name: ChallengeNameType,
    data: MfaState,
    mut parameters: BTreeMap<String, String>,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    let state = ChallengeState {
        id: ids::uuid(),
        pool_id: pool.id().to_owned(),
        client_id: client.id().to_owned(),
        sub: user.sub.clone(),
        username: user.username.clone(),
        challenge: name.as_str().to_owned(),
        expires_ms: now_ms.saturating_add(session_validity_ms(client)),
        data: serde_json::to_value(data).map_err(|e| internal("encoding an MFA state", e))?,
    };
    parameters.insert("USER_ID_FOR_SRP".to_owned(), user.username.clone());
    Ok(Outcome::Challenge {
        name,
        session: session::seal(&svc.kek, &state)?,
        parameters,
    })
}

/// The challenge of `factor`, sending its code first for SMS and email.
async fn challenge(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    user: &UserRecord,
    factor: Factor,
    data: MfaState,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    let mut parameters = BTreeMap::new();
    let channel = match factor {
        Factor::Sms => Some(Channel::Sms),
        Factor::Email => Some(Channel::Email),
        Factor::Totp => None,
    };
    if let Some(channel) = channel {
        let address = match (factor, data.setup_email.as_deref()) {
            (Factor::Email, Some(setup)) => setup,
            _ => attribute(user, channel.attribute())
                .ok_or_else(|| internal("MFA challenge", "no address for the factor"))?,
        };
        svc.send_code(
            pool,
            user,
            CodePurpose::SignInMfa,
            MessagePurpose::Authentication,
            channel,
            address,
            now_ms,
        )
        .await?;
        let details = CodeDeliveryDetails::new(channel, address);
        parameters.insert(
            "CODE_DELIVERY_DELIVERY_MEDIUM".to_owned(),
            channel.as_str().to_owned(),
        );
        parameters.insert("CODE_DELIVERY_DESTINATION".to_owned(), details.destination);
    } else if let Some(name) = UserMfa::of(user).totp_name {
        parameters.insert("FRIENDLY_DEVICE_NAME".to_owned(), name);
    }
    issue(
        svc,
        pool,
        client,
        user,
        challenge_name(factor),
        data,
        parameters,
        now_ms,
    )
}

pub(crate) fn required<'a>(
    responses: &'a BTreeMap<String, String>,
    name: &str,
) -> Result<&'a str, ApiError> {
    responses
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| missing_parameter(name))
}

/// Opens the session of a challenge answer and finds its user, checking USERNAME and
/// SECRET_HASH as every challenge answer does.
pub(crate) async fn open_answer(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    name: ChallengeNameType,
    session_text: Option<&str>,
    responses: &BTreeMap<String, String>,
    now_ms: i64,
) -> Result<(ChallengeState, UserRecord), ApiError> {
    let text = session_text
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing_parameter("Session"))?;
    let state = session::open(&svc.kek, text, client.id(), now_ms)?;
    if state.pool_id != pool.id() || state.challenge != name.as_str() {
        return Err(invalid_session());
    }
    let username = required(responses, "USERNAME")?;
    let provided = responses.get("SECRET_HASH").map(String::as_str);
    if svc
        .check_secret_hash(client, username, provided)
        .await
        .is_err()
    {
        // Clients hash the name they typed or USER_ID_FOR_SRP; both name this user.
        svc.check_secret_hash(client, &state.username, provided)
            .await?;
    }
    let user = svc
        .store
        .get_user_by_sub(pool.id(), &state.sub)
        .await
        .map_err(store_failure)?
        .ok_or_else(invalid_session)?;
    if username != user.username {
        match svc.find_user(pool, username).await? {
            Some(named) if named.sub == user.sub => {}
            _ => return Err(invalid_session()),
        }
    }
    if !user.enabled {
        return Err(disabled());
    }
    Ok((state, user))
}

/// Why a code was refused.
enum Refusal {
    Mismatch,
    Expired,
    Used,
}

/// Answers SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP, SELECT_MFA_TYPE and MFA_SETUP.
pub async fn answer(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    name: ChallengeNameType,
    session_text: Option<&str>,
    responses: &BTreeMap<String, String>,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    let (state, user) =
        open_answer(svc, pool, client, name, session_text, responses, now_ms).await?;
    let data: MfaState =
        serde_json::from_value(state.data.clone()).map_err(|_| invalid_session())?;
    let device_key = data.device_key.clone();
    let factor = match name {
        ChallengeNameType::SmsMfa => Factor::Sms,
        ChallengeNameType::SoftwareTokenMfa => Factor::Totp,
        ChallengeNameType::EmailOtp => Factor::Email,
        ChallengeNameType::SelectMfaType => {
            let answer = required(responses, "ANSWER")?;
            // The wording is Cognate's (Cognito's is not confirmed).
            let chosen = Factor::from_answer(answer)
                .filter(|f| data.factors.contains(f))
                .ok_or_else(|| ApiError::invalid_parameter("Invalid MFA type selected."))?;
            spend(svc, &state, now_ms).await?;
            let next = MfaState {
                device_key,
                ..MfaState::default()
            };
            return challenge(svc, pool, client, &user, chosen, next, now_ms).await;
        }
        ChallengeNameType::MfaSetup => {
            if let Some(address) = responses.get("EMAIL").filter(|a| !a.is_empty()) {
                let address = setup_email_address(&data, address)?;
                spend(svc, &state, now_ms).await?;
                let next = MfaState {
                    device_key,
                    setup_email: Some(address),
                    ..MfaState::default()
                };
                return challenge(svc, pool, client, &user, Factor::Email, next, now_ms).await;
            }
            if !data.verified {
                // The wording is Cognate's: the software token must be verified with this
                // session (VerifySoftwareToken) before MFA_SETUP is answered.
                return Err(ApiError::invalid_parameter(
                    "Software token MFA has not been verified for this session.",
                ));
            }
            spend(svc, &state, now_ms).await?;
            return complete(svc, pool, client, &user, device_key.as_deref(), now_ms).await;
        }
        _ => return Err(invalid_session()),
    };
    let code = required(responses, answer_key(factor))?;
    mfa_attempts::reserve(svc, &state, now_ms).await?;
    let verdict = mfa_attempts::counted(svc, pool.id(), &user.sub, now_ms, async {
        check_code(svc, pool, &user, factor, code, now_ms).await
    })
    .await?;
    match verdict {
        Ok(()) => {}
        Err(Refusal::Mismatch) => {
            // TOTP and SMS/email wordings as reported from Cognito (§3.4; the TOTP one is
            // the commonly reported text, not confirmed by the reference sheet).
            let message = if factor == Factor::Totp {
                "Invalid code received for user"
            } else {
                "Invalid code or auth state for the user."
            };
            return Err(ApiError::new(ErrorCode::CodeMismatchException, message));
        }
        Err(Refusal::Expired) => {
            return Err(ApiError::new(
                ErrorCode::ExpiredCodeException,
                "Invalid code provided, please request a code again.",
            ));
        }
        Err(Refusal::Used) => return Err(code_used()),
    }
    spend(svc, &state, now_ms).await?;
    mfa_attempts::close(svc, &state, now_ms).await?;
    let user = match (factor, data.setup_email) {
        (Factor::Email, Some(address)) => enrol_email(svc, pool, user, address, now_ms).await?,
        _ => user,
    };
    complete(svc, pool, client, &user, device_key.as_deref(), now_ms).await
}

/// Checks an MFA_SETUP `EMAIL` answer: email must be among the factors offered, and the
/// value an address. Both wordings are Cognate's (Cognito's are not confirmed).
fn setup_email_address(data: &MfaState, address: &str) -> Result<String, ApiError> {
    if !data.factors.contains(&Factor::Email) {
        return Err(ApiError::invalid_parameter(
            "EMAIL_OTP is not available to set up for this user.",
        ));
    }
    let address = address.trim();
    match address.split_once('@') {
        Some((local, domain)) if !local.is_empty() && domain.contains('.') => {
            Ok(address.to_owned())
        }
        _ => Err(ApiError::invalid_parameter("Invalid email address format.")),
    }
}

/// After the EMAIL_OTP code of an email MFA setup: the address becomes the user's verified
/// email (the code proved it) and email MFA is on, preferred when nothing else is (as the
/// TOTP setup does). The user's alias claims follow the new address.
async fn enrol_email(
    svc: &IdpService,
    pool: &PoolRules,
    mut user: UserRecord,
    address: String,
    now_ms: i64,
) -> Result<UserRecord, ApiError> {
    let before = user.attributes.clone();
    user.attributes
        .retain(|(name, _)| name != "email" && name != "email_verified");
    user.attributes.push(("email".to_owned(), address));
    user.attributes
        .push(("email_verified".to_owned(), "true".to_owned()));
    let change = crate::users::self_service::alias_change(pool, &before, &user.attributes);
    let mut mfa = UserMfa::of(&user);
    mfa.email = true;
    if mfa.preferred.is_none() {
        mfa.preferred = Some(Factor::Email);
    }
    mfa.store_in(&mut user);
    user.modified_ms = now_ms;
    svc.store
        .update_user(&user, &change)
        .await
        .map_err(crate::users::admin::user_write_failure)?;
    Ok(user)
}

async fn check_code(
    svc: &IdpService,
    pool: &PoolRules,
    user: &UserRecord,
    factor: Factor,
    code: &str,
    now_ms: i64,
) -> Result<Result<(), Refusal>, ApiError> {
    if factor == Factor::Totp {
        let mfa = UserMfa::of(user);
        let Some(secret) = mfa
            .totp_secret
            .as_deref()
            .and_then(|sealed| open_secret(&svc.kek, pool.id(), &user.sub, sealed))
        else {
            return Ok(Err(Refusal::Mismatch));
        };
        return Ok(
            match accept_code(svc, pool.id(), &user.sub, &secret, code, now_ms).await? {
                Ok(()) => Ok(()),
                Err(TotpRefusal::Mismatch) => Err(Refusal::Mismatch),
                Err(TotpRefusal::Used) => Err(Refusal::Used),
            },
        );
    }
    let purpose = CodePurpose::SignInMfa;
    let candidate = code_hash(&svc.code_key, pool.id(), &user.sub, purpose, code);
    Ok(
        match svc
            .store
            .check_code(pool.id(), &user.sub, purpose.as_str(), &candidate, now_ms)
            .await
            .map_err(store_failure)?
        {
            CodeCheck::Accepted => Ok(()),
            CodeCheck::Mismatch { .. } | CodeCheck::TooManyAttempts => Err(Refusal::Mismatch),
            CodeCheck::Expired | CodeCheck::NoCode => Err(Refusal::Expired),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offering(factors: Vec<Factor>) -> MfaState {
        MfaState {
            factors,
            ..MfaState::default()
        }
    }

    #[test]
    fn an_email_setup_needs_email_offered_and_an_address() {
        let both = offering(vec![Factor::Totp, Factor::Email]);
        assert_eq!(
            setup_email_address(&both, " eve@example.com ").unwrap(),
            "eve@example.com"
        );
        for bad in ["eve", "@example.com", "eve@localhost"] {
            let err = setup_email_address(&both, bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidParameterException, "{bad}");
        }
        let totp_only = offering(vec![Factor::Totp]);
        let err = setup_email_address(&totp_only, "eve@example.com").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterException);
    }

    #[test]
    fn the_setup_address_survives_the_session() {
        let state = MfaState {
            setup_email: Some("eve@example.com".into()),
            ..MfaState::default()
        };
        let back: MfaState = serde_json::from_value(serde_json::to_value(&state).unwrap()).unwrap();
        assert_eq!(back.setup_email.as_deref(), Some("eve@example.com"));
        // Sessions issued before the field existed still open.
        let old: MfaState = serde_json::from_value(serde_json::json!({"verified": true})).unwrap();
        assert_eq!(old.setup_email, None);
    }
}
