//! The sign-in engine: flows and challenges as a state machine whose state travels in a
//! sealed Session.

pub(crate) mod after_sign_up;
mod choice;
mod device;
pub(crate) mod lockout;
mod mfa;
pub(crate) mod mfa_attempts;
mod outcome;
mod password;
mod refresh;
pub mod session;
mod srp;
mod webauthn;

pub use choice::get_user_auth_factors;

use std::collections::BTreeMap;

use cognate_crypto::keyed_hash::keyed_hash;
use cognate_store::StoreError;
use cognate_wire::idp::*;
use cognate_wire::{ApiError, ErrorCode, RequestContext};

use crate::clients::settings::effective_auth_flows;
use crate::errors::store_failure;
use crate::service::IdpService;
use crate::users::PoolRules;
use crate::users::lookup::ClientRules;

use outcome::{Outcome, missing_parameter};

/// Operations of this area that are implemented.
pub const IMPLEMENTED: &[&str] = &[
    "AdminInitiateAuth",
    "AdminRespondToAuthChallenge",
    "GetTokensFromRefreshToken",
    "GetUserAuthFactors",
    "InitiateAuth",
    "RespondToAuthChallenge",
    "RevokeToken",
];

/// Whether the client allows a flow under its current or legacy `ExplicitAuthFlows` name.
fn allows(client: &ClientRules, names: &[&str]) -> bool {
    effective_auth_flows(&client.record.settings)
        .iter()
        .any(|flow| names.contains(&flow.as_str()))
}

fn flow_not_enabled(flow: AuthFlowType) -> ApiError {
    ApiError::invalid_parameter(format!(
        "{} flow not enabled for this client",
        flow.as_str()
    ))
}

fn not_supported() -> ApiError {
    ApiError::invalid_parameter("Initiate Auth method not supported.")
}

fn parameters(
    map: Option<&cognate_wire::Sensitive<BTreeMap<String, String>>>,
) -> BTreeMap<String, String> {
    map.map(|m| m.expose().clone()).unwrap_or_default()
}

/// REFRESH_TOKEN_AUTH / REFRESH_TOKEN, from either entry point.
async fn refresh_flow(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    flow: AuthFlowType,
    params: &BTreeMap<String, String>,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    if !allows(client, &["ALLOW_REFRESH_TOKEN_AUTH"]) && !legacy_flows(client) {
        return Err(flow_not_enabled(flow));
    }
    // Cognito: "You can't authenticate with REFRESH_TOKEN_AUTH in app clients with refresh
    // token rotation enabled"; rotation happens only in GetTokensFromRefreshToken. The
    // wording of the refusal is Cognate's (Cognito's is not documented).
    if refresh::rotation_grace_ms(client).is_some() {
        return Err(outcome::not_authorized(
            "Refresh token rotation is enabled for this client; refresh with GetTokensFromRefreshToken.",
        ));
    }
    let token = params
        .get("REFRESH_TOKEN")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| missing_parameter("REFRESH_TOKEN"))?;
    // SECRET_HASH in refresh flows hashes the token owner's username (sub in pools that sign
    // in by email or phone, where the two are the same).
    let record = refresh::live_token(svc, pool, client, token, now_ms).await?;
    if let Some(user) = svc
        .store
        .get_user_by_sub(pool.id(), &record.sub)
        .await
        .map_err(store_failure)?
    {
        let provided = params.get("SECRET_HASH").map(String::as_str);
        if svc
            .check_secret_hash(client, &user.username, provided)
            .await
            .is_err()
        {
            svc.check_secret_hash(client, &user.sub, provided).await?;
        }
    }
    // JS sends DEVICE_KEY always, null when it has none.
    let device_key = params
        .get("DEVICE_KEY")
        .map(String::as_str)
        .filter(|k| !k.is_empty() && *k != "null");
    Ok(Outcome::Tokens(
        refresh::refresh(svc, pool, client, token, device_key, now_ms).await?,
    ))
}

/// USER_SRP_AUTH: allowed by `ALLOW_USER_SRP_AUTH`, and by every legacy configuration but
/// `CUSTOM_AUTH_FLOW_ONLY` (legacy clients could always use SRP).
fn allows_srp(client: &ClientRules) -> bool {
    allows(client, &["ALLOW_USER_SRP_AUTH"])
        || (legacy_flows(client) && !allows(client, &["CUSTOM_AUTH_FLOW_ONLY"]))
}

/// Legacy `ExplicitAuthFlows` values always allowed refresh.
fn legacy_flows(client: &ClientRules) -> bool {
    effective_auth_flows(&client.record.settings)
        .iter()
        .all(|flow| !flow.starts_with("ALLOW_"))
}

pub async fn initiate_auth(
    svc: &IdpService,
    ctx: &RequestContext,
    input: InitiateAuthRequest,
) -> Result<InitiateAuthResponse, ApiError> {
    // Before the pool and client are read: under a flood, a refused sign-in costs no store
    // access at all (R12).
    let _admission = match input.auth_flow {
        AuthFlowType::UserPasswordAuth => Some(svc.admit_sign_in()?),
        _ => None,
    };
    let (client, pool) = svc.client_and_pool(input.client_id.expose()).await?;
    let params = parameters(input.auth_parameters.as_ref());
    let outcome = match input.auth_flow {
        AuthFlowType::AdminUserPasswordAuth | AuthFlowType::AdminNoSrpAuth => {
            return Err(not_supported());
        }
        AuthFlowType::UserPasswordAuth => {
            if !allows(&client, &["ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"]) {
                return Err(flow_not_enabled(input.auth_flow));
            }
            password::sign_in(svc, &pool, &client, &params, ctx.now_ms).await?
        }
        AuthFlowType::UserSrpAuth => {
            if !allows_srp(&client) {
                return Err(flow_not_enabled(input.auth_flow));
            }
            srp::initiate(svc, &pool, &client, &params, ctx.now_ms).await?
        }
        AuthFlowType::RefreshTokenAuth | AuthFlowType::RefreshToken => {
            refresh_flow(svc, &pool, &client, input.auth_flow, &params, ctx.now_ms).await?
        }
        AuthFlowType::UserAuth => {
            if !allows(&client, &["ALLOW_USER_AUTH"]) {
                return Err(flow_not_enabled(input.auth_flow));
            }
            match sign_up_session(input.session.as_ref()) {
                Some(text) => {
                    after_sign_up::sign_in(svc, &pool, &client, &params, text, ctx.now_ms).await?
                }
                None => choice::initiate(svc, &pool, &client, &params, ctx.now_ms).await?,
            }
        }
        _ => return Err(ApiError::not_implemented("InitiateAuth with this AuthFlow")),
    };
    let parts = outcome.into_parts();
    Ok(InitiateAuthResponse {
        challenge_name: parts.challenge_name,
        session: parts.session,
        challenge_parameters: parts.challenge_parameters,
        authentication_result: parts.authentication_result,
        available_challenges: parts.available_challenges,
    })
}

pub async fn admin_initiate_auth(
    svc: &IdpService,
    ctx: &RequestContext,
    input: AdminInitiateAuthRequest,
) -> Result<AdminInitiateAuthResponse, ApiError> {
    let _admission = match input.auth_flow {
        AuthFlowType::AdminUserPasswordAuth | AuthFlowType::AdminNoSrpAuth => {
            Some(svc.admit_sign_in()?)
        }
        _ => None,
    };
    let pool = svc.pool_rules(&input.user_pool_id).await?;
    let client = svc.client_of_pool(&pool, input.client_id.expose()).await?;
    let params = parameters(input.auth_parameters.as_ref());
    let outcome = match input.auth_flow {
        AuthFlowType::AdminUserPasswordAuth | AuthFlowType::AdminNoSrpAuth => {
            if !allows(
                &client,
                &["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"],
            ) {
                return Err(flow_not_enabled(input.auth_flow));
            }
            password::sign_in(svc, &pool, &client, &params, ctx.now_ms).await?
        }
        AuthFlowType::UserPasswordAuth => return Err(not_supported()),
        AuthFlowType::UserSrpAuth => {
            if !allows_srp(&client) {
                return Err(flow_not_enabled(input.auth_flow));
            }
            srp::initiate(svc, &pool, &client, &params, ctx.now_ms).await?
        }
        AuthFlowType::RefreshTokenAuth | AuthFlowType::RefreshToken => {
            refresh_flow(svc, &pool, &client, input.auth_flow, &params, ctx.now_ms).await?
        }
        AuthFlowType::UserAuth => {
            if !allows(&client, &["ALLOW_USER_AUTH"]) {
                return Err(flow_not_enabled(input.auth_flow));
            }
            match sign_up_session(input.session.as_ref()) {
                Some(text) => {
                    after_sign_up::sign_in(svc, &pool, &client, &params, text, ctx.now_ms).await?
                }
                None => choice::initiate(svc, &pool, &client, &params, ctx.now_ms).await?,
            }
        }
        _ => {
            return Err(ApiError::not_implemented(
                "AdminInitiateAuth with this AuthFlow",
            ));
        }
    };
    let parts = outcome.into_parts();
    Ok(AdminInitiateAuthResponse {
        challenge_name: parts.challenge_name,
        session: parts.session,
        challenge_parameters: parts.challenge_parameters,
        authentication_result: parts.authentication_result,
        available_challenges: parts.available_challenges,
    })
}

/// USER_AUTH's `Session`, from SignUp or ConfirmSignUp, when one is sent.
fn sign_up_session(session: Option<&cognate_wire::Sensitive<String>>) -> Option<&str> {
    session
        .map(|s| s.expose().as_str())
        .filter(|s| !s.is_empty())
}

/// Whether `session` is a USER_AUTH first-factor session (as opposed to an MFA step). A
/// session that does not open is not: the MFA handler then reports it.
fn first_factor_session(
    svc: &IdpService,
    client: &ClientRules,
    session: Option<&str>,
    now_ms: i64,
) -> bool {
    session
        .and_then(|text| session::open(&svc.kek, text, client.id(), now_ms).ok())
        .is_some_and(|state| {
            state
                .data
                .get("first_factor")
                .and_then(serde_json::Value::as_bool)
                == Some(true)
        })
}

async fn respond(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    challenge: ChallengeNameType,
    session: Option<&str>,
    responses: &BTreeMap<String, String>,
    now_ms: i64,
) -> Result<Outcome, ApiError> {
    match challenge {
        ChallengeNameType::NewPasswordRequired => {
            password::answer_new_password(svc, pool, client, session, responses, now_ms).await
        }
        ChallengeNameType::PasswordVerifier => {
            srp::answer_password_verifier(svc, pool, client, session, responses, now_ms).await
        }
        // EMAIL_OTP names both a first factor (USER_AUTH) and a second one (MFA): the
        // session says which sign-in it belongs to.
        ChallengeNameType::EmailOtp if first_factor_session(svc, client, session, now_ms) => {
            choice::answer_otp(svc, pool, client, session, responses, challenge, now_ms).await
        }
        ChallengeNameType::SmsMfa
        | ChallengeNameType::SoftwareTokenMfa
        | ChallengeNameType::EmailOtp
        | ChallengeNameType::SelectMfaType
        | ChallengeNameType::MfaSetup => {
            mfa::answer(svc, pool, client, challenge, session, responses, now_ms).await
        }
        ChallengeNameType::DeviceSrpAuth => {
            device::answer_srp_auth(svc, pool, client, session, responses, now_ms).await
        }
        ChallengeNameType::DevicePasswordVerifier => {
            device::answer_password_verifier(svc, pool, client, session, responses, now_ms).await
        }
        // Choice-based sign-in (USER_AUTH).
        ChallengeNameType::SelectChallenge => {
            choice::answer_select(svc, pool, client, session, responses, None, now_ms).await
        }
        ChallengeNameType::Password | ChallengeNameType::PasswordSrp => {
            let answer = Some(challenge);
            choice::answer_select(svc, pool, client, session, responses, answer, now_ms).await
        }
        ChallengeNameType::SmsOtp => {
            choice::answer_otp(svc, pool, client, session, responses, challenge, now_ms).await
        }
        ChallengeNameType::WebAuthn => {
            webauthn::answer(svc, pool, client, session, responses, now_ms).await
        }
        ChallengeNameType::AdminNoSrpAuth => Err(ApiError::invalid_parameter(
            "ADMIN_NO_SRP_AUTH is not a challenge that can be answered.",
        )),
        _ => Err(ApiError::not_implemented(
            "RespondToAuthChallenge with this ChallengeName",
        )),
    }
}

pub async fn respond_to_auth_challenge(
    svc: &IdpService,
    ctx: &RequestContext,
    input: RespondToAuthChallengeRequest,
) -> Result<RespondToAuthChallengeResponse, ApiError> {
    let (client, pool) = svc.client_and_pool(input.client_id.expose()).await?;
    let responses = parameters(input.challenge_responses.as_ref());
    let session = input.session.as_ref().map(|s| s.expose().as_str());
    let parts = respond(
        svc,
        &pool,
        &client,
        input.challenge_name,
        session,
        &responses,
        ctx.now_ms,
    )
    .await?
    .into_parts();
    Ok(RespondToAuthChallengeResponse {
        challenge_name: parts.challenge_name,
        session: parts.session,
        challenge_parameters: parts.challenge_parameters,
        authentication_result: parts.authentication_result,
    })
}

pub async fn admin_respond_to_auth_challenge(
    svc: &IdpService,
    ctx: &RequestContext,
    input: AdminRespondToAuthChallengeRequest,
) -> Result<AdminRespondToAuthChallengeResponse, ApiError> {
    let pool = svc.pool_rules(&input.user_pool_id).await?;
    let client = svc.client_of_pool(&pool, input.client_id.expose()).await?;
    let responses = parameters(input.challenge_responses.as_ref());
    let session = input.session.as_ref().map(|s| s.expose().as_str());
    let parts = respond(
        svc,
        &pool,
        &client,
        input.challenge_name,
        session,
        &responses,
        ctx.now_ms,
    )
    .await?
    .into_parts();
    Ok(AdminRespondToAuthChallengeResponse {
        challenge_name: parts.challenge_name,
        session: parts.session,
        challenge_parameters: parts.challenge_parameters,
        authentication_result: parts.authentication_result,
    })
}

pub async fn get_tokens_from_refresh_token(
    svc: &IdpService,
    ctx: &RequestContext,
    input: GetTokensFromRefreshTokenRequest,
) -> Result<GetTokensFromRefreshTokenResponse, ApiError> {
    let (client, pool) = svc.client_and_pool(input.client_id.expose()).await?;
    refresh::check_client_secret(
        svc,
        &client,
        input.client_secret.as_ref().map(|s| s.expose().as_str()),
    )
    .await?;
    let result = refresh::refresh(
        svc,
        &pool,
        &client,
        input.refresh_token.expose(),
        input.device_key.as_deref(),
        ctx.now_ms,
    )
    .await?;
    Ok(GetTokensFromRefreshTokenResponse {
        authentication_result: Some(result),
    })
}

pub async fn revoke_token(
    svc: &IdpService,
    ctx: &RequestContext,
    input: RevokeTokenRequest,
) -> Result<RevokeTokenResponse, ApiError> {
    let (client, pool) = svc.client_and_pool(input.client_id.expose()).await?;
    refresh::check_client_secret(
        svc,
        &client,
        input.client_secret.as_ref().map(|s| s.expose().as_str()),
    )
    .await?;
    let enabled = client
        .record
        .settings
        .get("EnableTokenRevocation")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(true);
    if !enabled {
        return Err(ApiError::new(
            ErrorCode::UnsupportedOperationException,
            "Token revocation is not enabled for the client.",
        ));
    }
    let token = input.token.expose();
    // ID and access tokens are JWTs (three dot-separated parts); only refresh tokens revoke.
    if token.split('.').count() == 3 && token.starts_with("eyJ") {
        return Err(ApiError::new(
            ErrorCode::UnsupportedTokenTypeException,
            "Only refresh tokens can be revoked.",
        ));
    }
    let hash = keyed_hash(&svc.token_key, token.as_bytes());
    let record = svc
        .store
        .get_refresh_token(&hash)
        .await
        .map_err(store_failure)?
        .filter(|r| r.pool_id == pool.id() && r.client_id == client.id())
        .ok_or_else(refresh::invalid_refresh_token)?;
    match svc
        .store
        .revoke_token_family(pool.id(), &record.origin_jti, ctx.now_ms)
        .await
    {
        Ok(()) | Err(StoreError::NotFound) => Ok(RevokeTokenResponse::default()),
        Err(other) => Err(store_failure(other)),
    }
}

/// A client with the given settings, for unit tests.
#[cfg(test)]
pub(crate) fn test_client(settings: serde_json::Value) -> ClientRules {
    ClientRules {
        access: cognate_domain::attributes::ClientAttributeAccess::from_client_settings(&settings),
        record: cognate_store::ClientRecord {
            pool_id: "us-east-1_test".into(),
            client_id: "client".into(),
            name: "app".into(),
            created_ms: 0,
            modified_ms: 0,
            settings,
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn flows_default_to_srp_custom_and_refresh() {
        let plain = test_client(json!({}));
        assert!(!allows(
            &plain,
            &["ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"]
        ));
        assert!(allows(&plain, &["ALLOW_REFRESH_TOKEN_AUTH"]));
        assert!(!legacy_flows(&plain));
        let legacy = test_client(json!({"ExplicitAuthFlows": ["USER_PASSWORD_AUTH"]}));
        assert!(allows(
            &legacy,
            &["ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"]
        ));
        assert!(!allows(
            &legacy,
            &["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"]
        ));
        assert!(legacy_flows(&legacy), "legacy clients may always refresh");
    }

    #[test]
    fn error_texts() {
        assert_eq!(
            flow_not_enabled(AuthFlowType::UserPasswordAuth).message,
            "USER_PASSWORD_AUTH flow not enabled for this client"
        );
        assert_eq!(
            not_supported().message,
            "Initiate Auth method not supported."
        );
        assert_eq!(not_supported().code, ErrorCode::InvalidParameterException);
    }
}
