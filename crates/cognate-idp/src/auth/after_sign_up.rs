//! Sign-in straight after sign-up: SignUp and ConfirmSignUp return a `Session` that
//! InitiateAuth USER_AUTH accepts with the USERNAME, instead of a first factor (the botocore
//! model: SignUpResponse.Session, ConfirmSignUpResponse.Session, InitiateAuthRequest.Session
//! "from a ConfirmSignUp API request").
//!
//! The session is a sealed [`ChallengeState`] of kind [`SIGN_UP`], bound to pool, client and
//! user, valid for the client's AuthSessionValidity (Cognito's lifetime for it is not
//! documented; Cognate's choice) and spent on use, so it signs in once. The user must be
//! confirmed by then (an unconfirmed user is refused as in every sign-in); what follows is
//! what follows any correct first factor (`password::after_correct_password`: status
//! challenges, MFA, tokens).

use std::collections::BTreeMap;

use serde_json::Value;

use cognate_crypto::ids;
use cognate_domain::user_status::UserStatus;
use cognate_store::UserRecord;
use cognate_wire::{ApiError, ErrorCode};

use crate::auth::outcome::{Outcome, open_answer, session_validity_ms, spend};
use crate::auth::password::{after_correct_password, disabled};
use crate::auth::session::{self, ChallengeState, invalid_session};
use crate::service::IdpService;
use crate::users::PoolRules;
use crate::users::lookup::ClientRules;

/// The `challenge` a sign-up session carries; no challenge answers it, so no other path
/// accepts it.
pub const SIGN_UP: &str = "SIGN_UP";

/// A sign-up session for `user` of `client`, issued by SignUp and ConfirmSignUp.
pub fn issue(
    svc: &IdpService,
    client: &ClientRules,
    user: &UserRecord,
    now_ms: i64,
) -> Result<String, ApiError> {
    let state = ChallengeState {
        id: ids::uuid(),
        pool_id: user.pool_id.clone(),
        client_id: client.id().to_owned(),
        sub: user.sub.clone(),
        username: user.username.clone(),
        challenge: SIGN_UP.to_owned(),
        expires_ms: now_ms.saturating_add(session_validity_ms(client)),
        data: Value::Null,
    };
    session::seal(&svc.kek, &state)
}

/// InitiateAuth USER_AUTH with a sign-up session: USERNAME (and SECRET_HASH) as always, the
/// session instead of a first factor.
pub async fn sign_in(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    params: &BTreeMap<String, String>,
    session_text: &str,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    let (state, username) = open_answer(
        svc,
        pool,
        client,
        Some(session_text),
        SIGN_UP,
        params,
        now_ms,
    )
    .await?;
    let user = svc
        .find_user(pool, username)
        .await?
        .filter(|u| u.sub == state.sub)
        .ok_or_else(invalid_session)?;
    if !user.enabled {
        return Err(disabled());
    }
    if UserStatus::parse(&user.status) == Some(UserStatus::Unconfirmed) {
        return Err(ApiError::new(
            ErrorCode::UserNotConfirmedException,
            "User is not confirmed.",
        ));
    }
    spend(svc, &state, now_ms).await?;
    let device_key = params.get("DEVICE_KEY").map(String::as_str);
    after_correct_password(svc, pool, client, &user, device_key, now_ms).await
}
