//! AssociateSoftwareToken and VerifySoftwareToken, with an access token (a signed-in user
//! adds an authenticator) or with the Session of an MFA_SETUP challenge (a user who must
//! set one up before signing in), and the TOTP check every path shares.
//!
//! Secrets are sealed under the key-encryption key with associated data naming pool and
//! user, so a sealed secret copied to another user's row does not open. A code is accepted
//! at most once: the accepted step is recorded through the store's single-use primitive
//! under a keyed hash of (pool, user, step) (R8).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;

use cognate_crypto::envelope::Kek;
use cognate_crypto::ids;
use cognate_crypto::keyed_hash::{keyed_hash_fields, purpose};
use cognate_crypto::totp;
use cognate_store::UserRecord;
use cognate_wire::idp::{
    AssociateSoftwareTokenRequest, AssociateSoftwareTokenResponse, ChallengeNameType,
    VerifySoftwareTokenRequest, VerifySoftwareTokenResponse, VerifySoftwareTokenResponseType,
};
use cognate_wire::{ApiError, ErrorCode, RequestContext, Sensitive};

use crate::auth::mfa_attempts;
use crate::auth::session::{self, ChallengeState, invalid_session};
use crate::errors::{internal, store_failure};
use crate::mfa::settings::UserMfa;
use crate::service::IdpService;
use crate::users::PoolRules;

fn sealing_context(pool_id: &str, sub: &str) -> Vec<u8> {
    format!("cognate/totp-secret/{pool_id}/{sub}").into_bytes()
}

pub fn seal_secret(kek: &Kek, pool_id: &str, sub: &str, secret: &[u8]) -> Result<String, ApiError> {
    let sealed = kek
        .seal(secret, &sealing_context(pool_id, sub))
        .map_err(|e| internal("sealing a TOTP secret", e))?;
    Ok(STANDARD.encode(sealed))
}

/// The secret, or `None` when the stored value does not open (a damaged or copied row:
/// then no code matches).
pub fn open_secret(
    kek: &Kek,
    pool_id: &str,
    sub: &str,
    sealed: &str,
) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    let bytes = STANDARD.decode(sealed).ok()?;
    kek.open(&bytes, &sealing_context(pool_id, sub)).ok()
}

/// Why a TOTP code was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum TotpRefusal {
    /// No step within ±1 of now has this code.
    Mismatch,
    /// The code was right but already accepted once.
    Used,
}

/// Checks `code` against `secret` at `now_ms` and, when it matches, records its step as
/// used for this user. Exactly one caller can accept a given (user, step).
pub async fn accept_code(
    svc: &IdpService,
    pool_id: &str,
    sub: &str,
    secret: &[u8],
    code: &str,
    now_ms: i64,
) -> Result<Result<(), TotpRefusal>, ApiError> {
    let Some(step) = totp::matching_step(secret, code, now_ms.div_euclid(1000)) else {
        return Ok(Err(TotpRefusal::Mismatch));
    };
    let key = svc.kek.derive_key(purpose::MFA_MARKERS);
    let marker = keyed_hash_fields(
        &key,
        &[
            b"totp-step",
            pool_id.as_bytes(),
            sub.as_bytes(),
            &step.to_be_bytes(),
        ],
    );
    // The step is accepted while the clock is within one step of it; keep the marker a
    // step beyond that.
    let expires_ms = step
        .saturating_add(3)
        .saturating_mul(totp::STEP_SECONDS * 1000);
    let first = svc
        .store
        .consume_session(
            &format!("totp:{}", URL_SAFE_NO_PAD.encode(marker)),
            expires_ms,
            now_ms,
        )
        .await
        .map_err(store_failure)?;
    Ok(if first {
        Ok(())
    } else {
        Err(TotpRefusal::Used)
    })
}

/// The refusal of a reused code (Cognito's wording as commonly reported).
pub fn code_used() -> ApiError {
    ApiError::new(
        ErrorCode::ExpiredCodeException,
        "Your software token has already been used once.",
    )
}

fn verify_mismatch() -> ApiError {
    ApiError::new(
        ErrorCode::EnableSoftwareTokenMFAException,
        "Code mismatch and fail enable Software Token MFA",
    )
}

/// Exactly one of AccessToken and Session (the message is Cognate's; not confirmed).
fn one_credential<'a>(
    access_token: Option<&'a Sensitive<String>>,
    session: Option<&'a Sensitive<String>>,
) -> Result<Credential<'a>, ApiError> {
    match (access_token, session) {
        (Some(token), None) => Ok(Credential::AccessToken(token.expose())),
        (None, Some(session)) => Ok(Credential::Session(session.expose())),
        _ => Err(ApiError::invalid_parameter(
            "Exactly one of AccessToken and Session must be provided.",
        )),
    }
}

enum Credential<'a> {
    AccessToken(&'a str),
    Session(&'a str),
}

/// The MFA_SETUP state a Session carries, with its pool and user.
async fn setup_session(
    svc: &IdpService,
    text: &str,
    now_ms: i64,
) -> Result<(ChallengeState, PoolRules, UserRecord), ApiError> {
    let state = session::open_for_any_client(&svc.kek, text, now_ms)?;
    if state.challenge != ChallengeNameType::MfaSetup.as_str() {
        return Err(invalid_session());
    }
    let pool = svc.pool_rules(&state.pool_id).await?;
    let user = svc
        .store
        .get_user_by_sub(pool.id(), &state.sub)
        .await
        .map_err(store_failure)?
        .filter(|u| u.enabled)
        .ok_or_else(invalid_session)?;
    Ok((state, pool, user))
}

/// Spends `state` and seals its successor (a new id, the same expiry) with `data`.
async fn next_session(
    svc: &IdpService,
    state: &ChallengeState,
    data: serde_json::Value,
    now_ms: i64,
) -> Result<String, ApiError> {
    if !svc
        .store
        .consume_session(&state.id, state.expires_ms, now_ms)
        .await
        .map_err(store_failure)?
    {
        return Err(invalid_session());
    }
    session::seal(
        &svc.kek,
        &ChallengeState {
            id: ids::uuid(),
            data,
            ..state.clone()
        },
    )
}

async fn save(
    svc: &IdpService,
    user: &mut UserRecord,
    mfa: &UserMfa,
    now_ms: i64,
) -> Result<(), ApiError> {
    mfa.store_in(user);
    user.modified_ms = now_ms;
    svc.store
        .update_user(user, &cognate_store::AliasChange::default())
        .await
        .map_err(crate::users::admin::user_write_failure)
}

pub async fn associate(
    svc: &IdpService,
    ctx: &RequestContext,
    input: AssociateSoftwareTokenRequest,
) -> Result<AssociateSoftwareTokenResponse, ApiError> {
    let credential = one_credential(input.access_token.as_ref(), input.session.as_ref())?;
    let secret = totp::new_secret().map_err(|e| internal("TOTP secret", e))?;
    let secret_code = totp::base32_encode(&secret);
    match credential {
        Credential::AccessToken(token) => {
            let access = svc.authenticate_access_token(token, ctx.now_ms).await?;
            let mut user = access.user;
            let mut mfa = UserMfa::of(&user);
            mfa.totp_pending = Some(seal_secret(&svc.kek, access.pool.id(), &user.sub, &secret)?);
            save(svc, &mut user, &mfa, ctx.now_ms).await?;
            Ok(AssociateSoftwareTokenResponse {
                secret_code: Some(Sensitive::from(secret_code)),
                session: None,
            })
        }
        Credential::Session(text) => {
            let (state, pool, mut user) = setup_session(svc, text, ctx.now_ms).await?;
            let mut mfa = UserMfa::of(&user);
            mfa.totp_pending = Some(seal_secret(&svc.kek, pool.id(), &user.sub, &secret)?);
            let session = next_session(svc, &state, state.data.clone(), ctx.now_ms).await?;
            save(svc, &mut user, &mfa, ctx.now_ms).await?;
            Ok(AssociateSoftwareTokenResponse {
                secret_code: Some(Sensitive::from(secret_code)),
                session: Some(Sensitive::from(session)),
            })
        }
    }
}

pub async fn verify(
    svc: &IdpService,
    ctx: &RequestContext,
    input: VerifySoftwareTokenRequest,
) -> Result<VerifySoftwareTokenResponse, ApiError> {
    let credential = one_credential(input.access_token.as_ref(), input.session.as_ref())?;
    let code = input.user_code.expose();
    let (pool, mut user, state) = match credential {
        Credential::AccessToken(token) => {
            let access = svc.authenticate_access_token(token, ctx.now_ms).await?;
            (access.pool, access.user, None)
        }
        Credential::Session(text) => {
            let (state, pool, user) = setup_session(svc, text, ctx.now_ms).await?;
            // Wrong codes are bounded per session as at every MFA step.
            mfa_attempts::reserve(svc, &state, ctx.now_ms).await?;
            (pool, user, Some(state))
        }
    };
    let mut mfa = UserMfa::of(&user);
    // The message is Cognate's (Cognito's for a missing association is not confirmed).
    let pending = mfa.totp_pending.clone().ok_or_else(|| {
        ApiError::invalid_parameter("No software token has been associated with this user.")
    })?;
    let secret = open_secret(&svc.kek, pool.id(), &user.sub, &pending)
        .ok_or_else(|| internal("TOTP secret", "stored secret does not open"))?;
    let verdict = mfa_attempts::counted(svc, pool.id(), &user.sub, ctx.now_ms, async {
        accept_code(svc, pool.id(), &user.sub, &secret, code, ctx.now_ms).await
    })
    .await?;
    match verdict {
        Ok(()) => {}
        Err(TotpRefusal::Mismatch) => return Err(verify_mismatch()),
        Err(TotpRefusal::Used) => return Err(code_used()),
    }
    mfa.totp_secret = Some(pending);
    mfa.totp_pending = None;
    mfa.totp_name = input.friendly_device_name.clone().filter(|n| !n.is_empty());
    let session = match &state {
        // A user setting up MFA to sign in has it on from now (Cognate's reading of the
        // MFA_SETUP flow: the next sign-in asks for this token).
        Some(state) => {
            mfa.totp = true;
            if mfa.preferred.is_none() {
                mfa.preferred = Some(crate::mfa::settings::Factor::Totp);
            }
            let mut data = state.data.clone();
            if let Some(map) = data.as_object_mut() {
                map.insert("verified".into(), json!(true));
            } else {
                data = json!({"verified": true});
            }
            Some(next_session(svc, state, data, ctx.now_ms).await?)
        }
        // With an access token the token is verified; SetUserMFAPreference switches it on.
        None => None,
    };
    save(svc, &mut user, &mfa, ctx.now_ms).await?;
    Ok(VerifySoftwareTokenResponse {
        status: Some(VerifySoftwareTokenResponseType::Success),
        session: session.map(Sensitive::from),
    })
}
