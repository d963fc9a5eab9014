//! Tracked devices in the sign-in: new devices at the end of a sign-in (NewDeviceMetadata),
//! and a remembered device's proof instead of the second factor: DEVICE_SRP_AUTH →
//! DEVICE_PASSWORD_VERIFIER.
//!
//! Device SRP is the password SRP of `auth/srp.rs` with the device's verifier (from
//! ConfirmDevice), `DeviceGroupKey` in place of the pool name and `DeviceKey` in place of
//! USER_ID_FOR_SRP (cognito-auth-protocol.md §1.6). As for passwords, the challenge state
//! (`b`, `B`, `A`, user, device, expiry) is sealed into SECRET_BLOCK, and `Session` is a small
//! sealed companion with the same id that must match when sent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use cognate_crypto::ids;
use cognate_crypto::srp::{ClientPublic, PasswordVerifier, ServerChallenge};
use cognate_store::{DeviceRecord, UserRecord};
use cognate_wire::ApiError;
use cognate_wire::idp::{ChallengeNameType, NewDeviceMetadataType};

use crate::auth::mfa::{complete, open_answer};
use crate::auth::outcome::{Outcome, not_authorized, session_validity_ms, spend};
use crate::auth::password::INCORRECT;
use crate::auth::session::{self, ChallengeState, invalid_session};
use crate::auth::srp::{Claim, required, timestamp_is_fresh};
use crate::devices::{device_not_found, new_device_key, new_group_key, open_verifier};
use crate::errors::{internal, store_failure};
use crate::service::IdpService;
use crate::users::PoolRules;
use crate::users::lookup::ClientRules;

/// The user's device `key`; another user's key is refused as an unknown one is.
pub async fn owned(
    svc: &IdpService,
    user: &UserRecord,
    key: &str,
) -> Result<DeviceRecord, ApiError> {
    svc.store
        .get_device(&user.pool_id, key)
        .await
        .map_err(store_failure)?
        .filter(|d| d.sub == user.sub)
        .ok_or_else(device_not_found)
}

/// Records a sign-in from the user's device.
pub async fn touch(
    svc: &IdpService,
    user: &UserRecord,
    key: &str,
    now_ms: i64,
) -> Result<(), ApiError> {
    let mut device = owned(svc, user, key).await?;
    device.last_authenticated_ms = now_ms;
    svc.store
        .update_device(&device)
        .await
        .map_err(store_failure)
}

/// A new, unconfirmed device for the user, returned as NewDeviceMetadata.
pub async fn register(
    svc: &IdpService,
    user: &UserRecord,
    now_ms: i64,
) -> Result<NewDeviceMetadataType, ApiError> {
    let device = DeviceRecord {
        pool_id: user.pool_id.clone(),
        sub: user.sub.clone(),
        device_key: new_device_key(&svc.config.region),
        group_key: new_group_key(),
        verifier_sealed: None,
        name: None,
        remembered: false,
        last_ip: None,
        created_ms: now_ms,
        modified_ms: now_ms,
        last_authenticated_ms: now_ms,
    };
    svc.store
        .create_device(&device)
        .await
        .map_err(store_failure)?;
    Ok(NewDeviceMetadataType {
        device_key: Some(device.device_key),
        device_group_key: Some(device.group_key),
    })
}

#[derive(Serialize, Deserialize)]
struct DeviceState {
    device_key: String,
    /// DEVICE_PASSWORD_VERIFIER only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    challenge: Option<ServerChallenge>,
}

fn state_for(
    pool: &PoolRules,
    client: &ClientRules,
    user: &UserRecord,
    name: ChallengeNameType,
    data: &DeviceState,
    now_ms: i64,
) -> Result<ChallengeState, ApiError> {
    Ok(ChallengeState {
        id: ids::uuid(),
        pool_id: pool.id().to_owned(),
        client_id: client.id().to_owned(),
        sub: user.sub.clone(),
        username: user.username.clone(),
        challenge: name.as_str().to_owned(),
        expires_ms: now_ms.saturating_add(session_validity_ms(client)),
        data: serde_json::to_value(data).map_err(|e| internal("encoding a device state", e))?,
    })
}

/// DEVICE_SRP_AUTH for a remembered device. Its challenge parameters are not documented
/// (clients read none); Cognate sends USERNAME.
pub fn challenge(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    user: &UserRecord,
    device: &DeviceRecord,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    let data = DeviceState {
        device_key: device.device_key.clone(),
        challenge: None,
    };
    let state = state_for(
        pool,
        client,
        user,
        ChallengeNameType::DeviceSrpAuth,
        &data,
        now_ms,
    )?;
    Ok(Outcome::Challenge {
        name: ChallengeNameType::DeviceSrpAuth,
        session: session::seal(&svc.kek, &state)?,
        parameters: BTreeMap::from([("USERNAME".to_owned(), user.username.clone())]),
    })
}

fn device_state(state: &ChallengeState) -> Result<DeviceState, ApiError> {
    serde_json::from_value(state.data.clone()).map_err(|_| invalid_session())
}

/// The device named in the answer: the session's, the user's, and confirmed.
async fn answered_device(
    svc: &IdpService,
    user: &UserRecord,
    data: &DeviceState,
    responses: &BTreeMap<String, String>,
) -> Result<(DeviceRecord, PasswordVerifier), ApiError> {
    let key = required(responses, "DEVICE_KEY")?;
    if key != data.device_key {
        return Err(device_not_found());
    }
    let device = owned(svc, user, key).await?;
    let verifier = open_verifier(&svc.kek, &device).ok_or_else(device_not_found)?;
    Ok((device, verifier))
}

/// Answers DEVICE_SRP_AUTH {USERNAME, DEVICE_KEY, SRP_A} with DEVICE_PASSWORD_VERIFIER.
pub async fn answer_srp_auth(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    session_text: Option<&str>,
    responses: &BTreeMap<String, String>,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    let (state, user) = open_answer(
        svc,
        pool,
        client,
        ChallengeNameType::DeviceSrpAuth,
        session_text,
        responses,
        now_ms,
    )
    .await?;
    let data = device_state(&state)?;
    // As for USER_SRP_AUTH, SRP_A is checked before any arithmetic (R10a).
    let client_public = ClientPublic::parse(required(responses, "SRP_A")?)
        .map_err(|_| not_authorized(INCORRECT))?;
    let (device, verifier) = answered_device(svc, &user, &data, responses).await?;
    spend(svc, &state, now_ms).await?;
    let salt = verifier.salt_hex();
    let server =
        tokio::task::spawn_blocking(move || ServerChallenge::new(&verifier, &client_public))
            .await
            .map_err(|e| internal("device SRP task", e))?
            .map_err(|e| internal("device SRP challenge", e))?;
    let srp_b = server.srp_b_hex();
    let next = state_for(
        pool,
        client,
        &user,
        ChallengeNameType::DevicePasswordVerifier,
        &DeviceState {
            device_key: device.device_key.clone(),
            challenge: Some(server),
        },
        now_ms,
    )?;
    let secret_block = session::seal(&svc.kek, &next)?;
    let session = session::seal(
        &svc.kek,
        &ChallengeState {
            data: serde_json::Value::Null,
            ..next
        },
    )?;
    Ok(Outcome::Challenge {
        name: ChallengeNameType::DevicePasswordVerifier,
        session,
        parameters: BTreeMap::from([
            ("SALT".to_owned(), salt),
            ("SRP_B".to_owned(), srp_b),
            ("SECRET_BLOCK".to_owned(), secret_block),
            ("USERNAME".to_owned(), user.username.clone()),
        ]),
    })
}

/// Answers DEVICE_PASSWORD_VERIFIER: the device's claim, then tokens.
pub async fn answer_password_verifier(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    session_text: Option<&str>,
    responses: &BTreeMap<String, String>,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    let claim = Claim::parse(responses)?;
    let state = session::open(&svc.kek, &claim.secret_block, client.id(), now_ms)?;
    if state.pool_id != pool.id()
        || state.challenge != ChallengeNameType::DevicePasswordVerifier.as_str()
    {
        return Err(invalid_session());
    }
    if let Some(text) = session_text.filter(|s| !s.is_empty()) {
        let companion = session::open(&svc.kek, text, client.id(), now_ms)?;
        if companion.id != state.id || !companion.data.is_null() {
            return Err(invalid_session());
        }
    }
    // The user and names are checked against the state the secret block carries.
    let (state, user) = open_answer(
        svc,
        pool,
        client,
        ChallengeNameType::DevicePasswordVerifier,
        Some(&claim.secret_block),
        responses,
        now_ms,
    )
    .await?;
    let data = device_state(&state)?;
    let (device, verifier) = answered_device(svc, &user, &data, responses).await?;
    let server = data.challenge.ok_or_else(invalid_session)?;
    spend(svc, &state, now_ms).await?;
    if !timestamp_is_fresh(claim.timestamp.unix_timestamp(), now_ms) {
        return Err(not_authorized(INCORRECT));
    }
    let (group, key) = (device.group_key.clone(), device.device_key.clone());
    let (block, signature, timestamp) = (
        claim.secret_block.clone(),
        claim.signature.clone(),
        claim.timestamp,
    );
    let holds = tokio::task::spawn_blocking(move || {
        server
            .verify_password_claim(&verifier, &group, &key, &block, timestamp, &signature)
            .is_ok()
    })
    .await
    .map_err(|e| internal("device SRP claim task", e))?;
    if !holds {
        return Err(not_authorized(INCORRECT));
    }
    complete(svc, pool, client, &user, Some(&device.device_key), now_ms).await
}
