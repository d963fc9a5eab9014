//! The WEB_AUTHN challenge (USER_AUTH with a passkey): request options out, an assertion
//! back.
//!
//! The ceremony state (challenge, user-verification policy) travels in the sealed Session;
//! the user's credentials are read again when the answer arrives, so the Session stays
//! small and a passkey deleted meanwhile no longer counts. The Session is consumed only
//! after a valid assertion, so a replayed assertion (same Session) is refused.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use webauthn_rs_core::proto::{AllowCredentials, AuthenticationState, PublicKeyCredential};

use cognate_crypto::ids;
use cognate_store::UserRecord;
use cognate_wire::ApiError;
use cognate_wire::idp::ChallengeNameType;

use crate::auth::outcome::{
    Outcome, missing_parameter, not_authorized, open_answer, session_validity_ms, spend,
};
use crate::auth::password::after_correct_password;
use crate::auth::session::{self, ChallengeState, invalid_session};
use crate::errors::{internal, store_failure};
use crate::passkeys::{relying_party, stored_credential, user_passkeys};
use crate::service::IdpService;
use crate::users::PoolRules;
use crate::users::lookup::ClientRules;

const CHALLENGE: &str = "WEB_AUTHN";

/// Cognate's wording for a refused assertion (Cognito's is not documented).
fn refused() -> ApiError {
    not_authorized("Incorrect passkey credential.")
}

/// Whether the user has a passkey to sign in with.
pub async fn has_passkeys(
    svc: &IdpService,
    pool: &PoolRules,
    user: &UserRecord,
) -> Result<bool, ApiError> {
    Ok(!user_passkeys(svc, pool.id(), &user.sub).await?.is_empty())
}

/// The WEB_AUTHN challenge for `user`, whose passkeys are listed as allowed credentials.
pub async fn challenge(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    user: &UserRecord,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    let rp = relying_party::for_pool(&svc.config, pool)?;
    let allowed = user_passkeys(svc, pool.id(), &user.sub)
        .await?
        .iter()
        .map(|record| {
            stored_credential(record).map(|c| AllowCredentials {
                type_: "public-key".to_owned(),
                id: c.cred_id,
                transports: c.transports,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    // Started without credentials so the state holds none; they are listed in the options
    // here and looked up again when the answer arrives.
    let builder = rp
        .core
        .new_challenge_authenticate_builder(Vec::new(), Some(rp.user_verification))
        .map_err(|e| internal("starting a passkey sign-in", e))?;
    let (mut options, state) = rp
        .core
        .generate_challenge_authenticate(builder)
        .map_err(|e| internal("starting a passkey sign-in", e))?;
    options.public_key.allow_credentials = allowed;
    let validity = session_validity_ms(client);
    options.public_key.timeout = u32::try_from(validity).ok();
    let state = ChallengeState {
        id: ids::uuid(),
        pool_id: pool.id().to_owned(),
        client_id: client.id().to_owned(),
        sub: user.sub.clone(),
        username: user.username.clone(),
        challenge: CHALLENGE.to_owned(),
        expires_ms: now_ms.saturating_add(validity),
        data: serde_json::to_value(&state).map_err(|e| internal("encoding a passkey state", e))?,
    };
    let request_options = serde_json::to_string(&options.public_key)
        .map_err(|e| internal("encoding request options", e))?;
    Ok(Outcome::Challenge {
        name: ChallengeNameType::WebAuthn,
        session: session::seal(&svc.kek, &state)?,
        parameters: BTreeMap::from([("CREDENTIAL_REQUEST_OPTIONS".to_owned(), request_options)]),
    })
}

/// Answers WEB_AUTHN with `CREDENTIAL` (AuthenticationResponseJSON as a string).
pub async fn answer(
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
        CHALLENGE,
        responses,
        now_ms,
    )
    .await?;
    let credential_text = responses
        .get("CREDENTIAL")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| missing_parameter("CREDENTIAL"))?;
    let assertion: PublicKeyCredential = serde_json::from_str(credential_text)
        .map_err(|_| ApiError::invalid_parameter("CREDENTIAL is not a valid passkey response."))?;
    let ceremony: AuthenticationState =
        serde_json::from_value(state.data.clone()).map_err(|_| invalid_session())?;

    let user = svc
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
        return Err(crate::auth::password::disabled());
    }

    // Only this user's passkeys count: another user's credential is not found here.
    let credential_id = URL_SAFE_NO_PAD.encode(&assertion.raw_id);
    let passkeys = user_passkeys(svc, pool.id(), &user.sub).await?;
    let record = passkeys
        .iter()
        .find(|record| record.credential_id == credential_id)
        .ok_or_else(refused)?;
    let mut credential = stored_credential(record)?;
    let rp = relying_party::for_pool(&svc.config, pool)?;
    let result = rp
        .core
        .authenticate_single_credential(&assertion, &ceremony, &credential)
        .map_err(|error| {
            tracing::info!(%error, "passkey assertion refused");
            refused()
        })?;

    spend(svc, &state, now_ms).await?;
    // The signature counter and backup flags move forward; a failure to record them does
    // not undo a valid sign-in.
    if result.needs_update() {
        if result.counter() > credential.counter {
            credential.counter = result.counter();
        }
        credential.backup_state = result.backup_state();
        credential.backup_eligible |= result.backup_eligible();
        if let Ok(document) = serde_json::to_value(&credential)
            && let Err(error) = svc
                .store
                .update_webauthn_credential(pool.id(), &user.sub, &credential_id, &document)
                .await
        {
            tracing::warn!(%error, "recording a passkey's counter");
        }
    }
    let device_key = responses.get("DEVICE_KEY").map(String::as_str);
    after_correct_password(svc, pool, client, &user, device_key, now_ms).await
}
