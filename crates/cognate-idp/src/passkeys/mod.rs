//! Passkeys: StartWebAuthnRegistration, CompleteWebAuthnRegistration,
//! ListWebAuthnCredentials, DeleteWebAuthnCredential. The WEB_AUTHN sign-in challenge is in
//! `auth/webauthn.rs`; both use the pool's relying party from `relying_party.rs`.
//!
//! A started registration's state (challenge, policy, excluded credentials) is sealed under
//! the key-encryption key and kept in the store, one per user, so Complete may reach any
//! node; it is taken (deleted) before it is checked, so each challenge is answered once.

pub mod relying_party;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use webauthn_rs_core::proto::{
    COSEAlgorithm, Credential, RegisterPublicKeyCredential, RegistrationState,
};

use cognate_store::{Constraint, PageRequest, StoreError, UserRecord, WebAuthnCredentialRecord};
use cognate_wire::idp::{
    CompleteWebAuthnRegistrationRequest, CompleteWebAuthnRegistrationResponse,
    DeleteWebAuthnCredentialRequest, DeleteWebAuthnCredentialResponse,
    ListWebAuthnCredentialsRequest, ListWebAuthnCredentialsResponse,
    StartWebAuthnRegistrationRequest, StartWebAuthnRegistrationResponse,
    WebAuthnCredentialDescription,
};
use cognate_wire::{ApiError, ErrorCode, RequestContext, Timestamp};

use crate::errors::{internal, limit_exceeded, store_failure};
use crate::paging::page_request;
use crate::service::IdpService;
use crate::users::PoolRules;
use relying_party::{CEREMONY_TIMEOUT_MS, MAX_PASSKEYS_PER_USER, registration_error};

/// Operations of this area that are implemented.
pub const IMPLEMENTED: &[&str] = &[
    "CompleteWebAuthnRegistration",
    "DeleteWebAuthnCredential",
    "ListWebAuthnCredentials",
    "StartWebAuthnRegistration",
];

/// Binds sealed registration states to their purpose; pool and sub are appended.
const SEALING_CONTEXT: &str = "cognate/webauthn-registration/v1";

/// What Start leaves for Complete.
#[derive(Serialize, Deserialize)]
struct PendingRegistration {
    /// The app client whose access token started it.
    client_id: String,
    state: RegistrationState,
}

fn sealing_context(pool_id: &str, sub: &str) -> Vec<u8> {
    format!("{SEALING_CONTEXT}/{pool_id}/{sub}").into_bytes()
}

/// Passkeys are usable when the pool allows WEB_AUTHN as a first factor, or as MFA
/// (`FactorConfiguration`).
pub fn enabled(pool: &PoolRules) -> bool {
    let settings = &pool.record.settings;
    let first_factor = settings
        .pointer("/Policies/SignInPolicy/AllowedFirstAuthFactors")
        .and_then(Value::as_array)
        .is_some_and(|factors| factors.iter().any(|f| f == "WEB_AUTHN"));
    let multi_factor = settings
        .pointer("/WebAuthnConfiguration/FactorConfiguration")
        .and_then(Value::as_str)
        == Some("MULTI_FACTOR_WITH_USER_VERIFICATION");
    first_factor || multi_factor
}

fn not_enabled() -> ApiError {
    ApiError::new(
        ErrorCode::WebAuthnNotEnabledException,
        "Passkey authentication is not enabled for this user pool.",
    )
}

fn challenge_not_found() -> ApiError {
    ApiError::new(
        ErrorCode::WebAuthnChallengeNotFoundException,
        "No passkey registration is in progress for this user; start one first.",
    )
}

/// Every passkey of the user (at most [`MAX_PASSKEYS_PER_USER`], so one page).
pub(crate) async fn user_passkeys(
    svc: &IdpService,
    pool_id: &str,
    sub: &str,
) -> Result<Vec<WebAuthnCredentialRecord>, ApiError> {
    let page = PageRequest::first(cognate_store::MAX_PAGE_LIMIT);
    Ok(svc
        .store
        .list_webauthn_credentials(pool_id, sub, &page)
        .await
        .map_err(store_failure)?
        .items)
}

/// The library's credential inside a stored record.
pub(crate) fn stored_credential(record: &WebAuthnCredentialRecord) -> Result<Credential, ApiError> {
    serde_json::from_value(record.credential.clone())
        .map_err(|e| internal("reading a stored passkey", e))
}

pub async fn start_registration(
    svc: &IdpService,
    ctx: &RequestContext,
    input: StartWebAuthnRegistrationRequest,
) -> Result<StartWebAuthnRegistrationResponse, ApiError> {
    let access = svc
        .authenticate_access_token(input.access_token.expose(), ctx.now_ms)
        .await?;
    let pool = &access.pool;
    if !enabled(pool) {
        return Err(not_enabled());
    }
    let rp = relying_party::for_pool(&svc.config, pool)?;
    let existing = user_passkeys(svc, pool.id(), &access.user.sub).await?;
    if existing.len() >= MAX_PASSKEYS_PER_USER {
        return Err(limit_exceeded(
            "The user has registered the maximum number of passkeys.",
        ));
    }
    let excluded = existing
        .iter()
        .map(|record| stored_credential(record).map(|c| c.cred_id))
        .collect::<Result<Vec<_>, _>>()?;
    let user = &access.user;
    let display_name = display_name(user);
    let builder = rp
        .core
        .new_challenge_register_builder(user.sub.as_bytes(), &user.username, &display_name)
        .map_err(|e| internal("starting a passkey registration", e))?
        .user_verification_policy(rp.user_verification)
        .exclude_credentials(Some(excluded))
        // Sign-in names the user first and lists their credentials, so a discoverable
        // credential is preferred, not required (see below); ES256 and RS256 are what
        // Cognito accepts.
        .require_resident_key(false)
        .credential_algorithms(vec![COSEAlgorithm::ES256, COSEAlgorithm::RS256]);
    let (options, state) = rp
        .core
        .generate_challenge_register(builder)
        .map_err(|e| internal("starting a passkey registration", e))?;
    let pending = PendingRegistration {
        client_id: access.client_id.clone(),
        state,
    };
    let plaintext =
        serde_json::to_vec(&pending).map_err(|e| internal("encoding a registration", e))?;
    let sealed = svc
        .kek
        .seal(&plaintext, &sealing_context(pool.id(), &user.sub))
        .map_err(|e| internal("sealing a registration", e))?;
    svc.store
        .put_webauthn_registration(
            pool.id(),
            &user.sub,
            &sealed,
            ctx.now_ms.saturating_add(CEREMONY_TIMEOUT_MS),
        )
        .await
        .map_err(store_failure)?;
    // PublicKeyCredentialCreationOptionsJSON: the `publicKey` member of what
    // navigator.credentials.create() takes.
    let mut document = serde_json::to_value(&options.public_key)
        .map_err(|e| internal("encoding creation options", e))?;
    // The library can only require or discourage a discoverable credential; passkey
    // providers make one when it is preferred. Cognito's exact value is not documented.
    if let Some(selection) = document
        .get_mut("authenticatorSelection")
        .and_then(Value::as_object_mut)
    {
        selection.insert("residentKey".to_owned(), Value::from("preferred"));
    }
    Ok(StartWebAuthnRegistrationResponse {
        credential_creation_options: document,
    })
}

/// The user's name for authenticators to show: `name`, else email, else the username.
fn display_name(user: &UserRecord) -> String {
    ["name", "email"]
        .iter()
        .find_map(|wanted| {
            user.attributes
                .iter()
                .find(|(name, value)| name == wanted && !value.is_empty())
                .map(|(_, value)| value.clone())
        })
        .unwrap_or_else(|| user.username.clone())
}

pub async fn complete_registration(
    svc: &IdpService,
    ctx: &RequestContext,
    input: CompleteWebAuthnRegistrationRequest,
) -> Result<CompleteWebAuthnRegistrationResponse, ApiError> {
    let access = svc
        .authenticate_access_token(input.access_token.expose(), ctx.now_ms)
        .await?;
    let pool = &access.pool;
    let sub = &access.user.sub;
    if !enabled(pool) {
        return Err(not_enabled());
    }
    let rp = relying_party::for_pool(&svc.config, pool)?;
    let registration: RegisterPublicKeyCredential =
        serde_json::from_value(input.credential.clone()).map_err(|_| {
            ApiError::invalid_parameter("The credential is not a valid passkey registration.")
        })?;
    let sealed = svc
        .store
        .take_webauthn_registration(pool.id(), sub, ctx.now_ms)
        .await
        .map_err(store_failure)?
        .ok_or_else(challenge_not_found)?;
    let pending: PendingRegistration = svc
        .kek
        .open(&sealed, &sealing_context(pool.id(), sub))
        .ok()
        .and_then(|plaintext| serde_json::from_slice(&plaintext).ok())
        .ok_or_else(challenge_not_found)?;
    if pending.client_id != access.client_id {
        return Err(ApiError::new(
            ErrorCode::WebAuthnClientMismatchException,
            "The passkey registration was started by a different app client.",
        ));
    }
    let credential = rp
        .core
        .register_credential(&registration, &pending.state, None)
        .map_err(|e| registration_error(&e))?;
    let credential_id = URL_SAFE_NO_PAD.encode(credential.cred_id.as_slice());
    let record = WebAuthnCredentialRecord {
        pool_id: pool.id().to_owned(),
        credential_id: credential_id.clone(),
        sub: sub.clone(),
        friendly_name: Some(friendly_name(&credential_id)),
        relying_party_id: rp.id.clone(),
        attachment: input
            .credential
            .get("authenticatorAttachment")
            .and_then(Value::as_str)
            .map(str::to_owned),
        transports: input
            .credential
            .pointer("/response/transports")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        credential: serde_json::to_value(&credential)
            .map_err(|e| internal("encoding a passkey", e))?,
        created_ms: ctx.now_ms,
    };
    match svc
        .store
        .add_webauthn_credential(&record, MAX_PASSKEYS_PER_USER)
        .await
    {
        Ok(()) => Ok(CompleteWebAuthnRegistrationResponse {}),
        Err(StoreError::Conflict(Constraint::WebAuthnCredentialLimit)) => Err(limit_exceeded(
            "The user has registered the maximum number of passkeys.",
        )),
        Err(StoreError::Conflict(Constraint::WebAuthnCredentialId)) => Err(ApiError::new(
            ErrorCode::WebAuthnCredentialNotSupportedException,
            "This passkey is already registered.",
        )),
        Err(other) => Err(store_failure(other)),
    }
}

/// Cognito generates the friendly name (from the authenticator's make, which needs a
/// metadata service Cognate does not consult); Cognate names the passkey by its id.
fn friendly_name(credential_id: &str) -> String {
    let short: String = credential_id.chars().take(8).collect();
    format!("Passkey {short}")
}

pub async fn list_credentials(
    svc: &IdpService,
    ctx: &RequestContext,
    input: ListWebAuthnCredentialsRequest,
) -> Result<ListWebAuthnCredentialsResponse, ApiError> {
    let access = svc
        .authenticate_access_token(input.access_token.expose(), ctx.now_ms)
        .await?;
    // MaxResults 0..=20 (the model); absent or 0 lists up to 20 (unconfirmed).
    let request = page_request(input.max_results, input.next_token, 20);
    let page = svc
        .store
        .list_webauthn_credentials(access.pool.id(), &access.user.sub, &request)
        .await
        .map_err(store_failure)?;
    Ok(ListWebAuthnCredentialsResponse {
        credentials: page
            .items
            .into_iter()
            .map(|record| WebAuthnCredentialDescription {
                credential_id: record.credential_id,
                friendly_credential_name: record.friendly_name.unwrap_or_default(),
                relying_party_id: record.relying_party_id,
                authenticator_attachment: record.attachment,
                authenticator_transports: record.transports,
                created_at: Timestamp::from_millis(record.created_ms),
            })
            .collect(),
        next_token: page.next,
    })
}

pub async fn delete_credential(
    svc: &IdpService,
    ctx: &RequestContext,
    input: DeleteWebAuthnCredentialRequest,
) -> Result<DeleteWebAuthnCredentialResponse, ApiError> {
    let access = svc
        .authenticate_access_token(input.access_token.expose(), ctx.now_ms)
        .await?;
    match svc
        .store
        .delete_webauthn_credential(access.pool.id(), &access.user.sub, &input.credential_id)
        .await
    {
        Ok(()) => Ok(DeleteWebAuthnCredentialResponse {}),
        // The wording is Cognate's; Cognito documents only the exception.
        Err(StoreError::NotFound) => Err(ApiError::new(
            ErrorCode::ResourceNotFoundException,
            "The passkey credential does not exist.",
        )),
        Err(other) => Err(store_failure(other)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pool(settings: Value) -> PoolRules {
        PoolRules::new(cognate_store::UserPoolRecord {
            id: "us-east-1_p".into(),
            name: "pool".into(),
            arn: String::new(),
            created_ms: 0,
            modified_ms: 0,
            settings,
            tags: Default::default(),
        })
    }

    #[test]
    fn passkeys_are_enabled_as_first_factor_or_mfa() {
        assert!(!enabled(&pool(json!({}))));
        assert!(!enabled(&pool(json!({
            "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]}}
        }))));
        assert!(enabled(&pool(json!({
            "Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}}
        }))));
        assert!(enabled(&pool(json!({
            "WebAuthnConfiguration": {"FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION"}
        }))));
    }

    #[test]
    fn friendly_names_are_short() {
        assert_eq!(friendly_name("abcdefghijkl"), "Passkey abcdefgh");
    }
}
