//! Which relying party a pool's passkeys belong to, which origins may use them, and the
//! WebAuthn verifier (webauthn-rs) configured for both.
//!
//! RP ID: the pool's `WebAuthnConfiguration.RelyingPartyId` (SetUserPoolMfaConfig). Cognito
//! defaults it to the pool's managed-login domain; a self-hosted Cognate serves its pages at
//! `--public-url`, so the default here is that URL's host (a choice, documented in the
//! README).
//!
//! Origins: `https://<rp id>` and its subdomains (what browsers allow for that RP ID), the
//! origin of `--public-url`, and every `--webauthn-origin` the operator lists (an app served
//! elsewhere, `http://localhost:3000` in development). For the RP ID `localhost` any port of
//! `http://localhost` is allowed, as browsers treat it as secure.

use std::time::Duration;

use serde_json::Value;
use url::Url;
use webauthn_rs_core::WebauthnCore;
use webauthn_rs_core::error::WebauthnError;
use webauthn_rs_core::proto::UserVerificationPolicy;

use cognate_wire::{ApiError, ErrorCode};

use crate::service::ServiceConfig;
use crate::users::PoolRules;

/// How long a ceremony's options stay valid in the authenticator (and a started
/// registration in the store). Cognito's value is not documented.
pub const CEREMONY_TIMEOUT_MS: i64 = 5 * 60_000;

/// The most passkeys a user may register (Cognito's quota).
pub const MAX_PASSKEYS_PER_USER: usize = 20;

pub struct RelyingParty {
    pub id: String,
    pub user_verification: UserVerificationPolicy,
    pub core: WebauthnCore,
}

fn webauthn_settings(pool: &PoolRules) -> Option<&serde_json::Map<String, Value>> {
    pool.record
        .settings
        .get("WebAuthnConfiguration")
        .and_then(Value::as_object)
}

/// The pool's relying party ID: configured, or the public URL's host.
pub fn relying_party_id(config: &ServiceConfig, pool: &PoolRules) -> Option<String> {
    webauthn_settings(pool)
        .and_then(|w| w.get("RelyingPartyId"))
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .or_else(|| {
            Url::parse(&config.public_url)
                .ok()
                .and_then(|url| url.host_str().map(str::to_owned))
        })
}

/// `WebAuthnConfiguration.UserVerification`: `required`, or (the default) `preferred`.
pub fn user_verification(pool: &PoolRules) -> UserVerificationPolicy {
    match webauthn_settings(pool)
        .and_then(|w| w.get("UserVerification"))
        .and_then(Value::as_str)
    {
        Some("required") => UserVerificationPolicy::Required,
        _ => UserVerificationPolicy::Preferred,
    }
}

/// The origins allowed for `rp_id`.
pub fn allowed_origins(config: &ServiceConfig, rp_id: &str) -> Vec<Url> {
    let mut origins: Vec<Url> = Vec::new();
    let mut add = |text: &str| {
        if let Ok(url) = Url::parse(text)
            && !origins.contains(&url)
        {
            origins.push(url);
        }
    };
    add(&format!("https://{rp_id}"));
    if rp_id == "localhost" {
        add("http://localhost");
    }
    add(&config.public_url);
    for origin in &config.webauthn_origins {
        add(origin);
    }
    origins
}

pub fn configuration_missing() -> ApiError {
    ApiError::new(
        ErrorCode::WebAuthnConfigurationMissingException,
        "WebAuthn configuration is missing: set a relying party ID for the user pool.",
    )
}

/// The pool's relying party, with a verifier for its origins.
pub fn for_pool(config: &ServiceConfig, pool: &PoolRules) -> Result<RelyingParty, ApiError> {
    let id = relying_party_id(config, pool).ok_or_else(configuration_missing)?;
    let origins = allowed_origins(config, &id);
    let timeout = Duration::from_millis(CEREMONY_TIMEOUT_MS.unsigned_abs());
    // The library's "experts only" constructor: the RP name, ID, origins and policy come
    // from the pool, which the high-level builder cannot take per request.
    let core = WebauthnCore::new_unsafe_experts_only(
        &pool.record.name,
        &id,
        origins,
        timeout,
        Some(true),
        Some(id == "localhost"),
    );
    Ok(RelyingParty {
        id,
        user_verification: user_verification(pool),
        core,
    })
}

/// A failed registration ceremony as the error Cognito names for it. The messages are
/// Cognate's (Cognito's are not documented).
pub fn registration_error(error: &WebauthnError) -> ApiError {
    let (code, message) = match error {
        WebauthnError::InvalidRPOrigin => (
            ErrorCode::WebAuthnOriginNotAllowedException,
            "The origin of the passkey registration is not allowed for this user pool.",
        ),
        WebauthnError::InvalidRPIDHash => (
            ErrorCode::WebAuthnRelyingPartyMismatchException,
            "The passkey was created for a different relying party.",
        ),
        WebauthnError::MismatchedChallenge => (
            ErrorCode::WebAuthnChallengeNotFoundException,
            "The passkey registration does not answer the current challenge.",
        ),
        WebauthnError::ParseNOMFailure
        | WebauthnError::ParseCBORFailure(_)
        | WebauthnError::ParseJSONFailure(_)
        | WebauthnError::ParseBase64Failure(_)
        | WebauthnError::InvalidClientDataType => (
            ErrorCode::InvalidParameterException,
            "The credential is not a valid passkey registration.",
        ),
        _ => (
            ErrorCode::WebAuthnCredentialNotSupportedException,
            "The passkey credential is not supported.",
        ),
    };
    ApiError::new(code, message)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn config(extra: &[&str]) -> ServiceConfig {
        ServiceConfig {
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
            public_url: "https://idp.example.com:8443".into(),
            reject_common_passwords: true,
            key_cache_ms: 0,
            webauthn_origins: extra.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

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
    fn relying_party_id_is_configured_or_the_public_host() {
        let configured = pool(json!({"WebAuthnConfiguration": {"RelyingPartyId": "example.com"}}));
        assert_eq!(
            relying_party_id(&config(&[]), &configured).as_deref(),
            Some("example.com")
        );
        assert_eq!(
            relying_party_id(&config(&[]), &pool(json!({}))).as_deref(),
            Some("idp.example.com")
        );
    }

    #[test]
    fn user_verification_defaults_to_preferred() {
        assert_eq!(
            user_verification(&pool(json!({}))),
            UserVerificationPolicy::Preferred
        );
        let required = pool(json!({"WebAuthnConfiguration": {"UserVerification": "required"}}));
        assert_eq!(
            user_verification(&required),
            UserVerificationPolicy::Required
        );
    }

    #[test]
    fn origins_are_the_rp_the_public_url_and_the_configured_ones() {
        let origins: Vec<String> = allowed_origins(&config(&["http://localhost:3000"]), "x.test")
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(
            origins,
            [
                "https://x.test/",
                "https://idp.example.com:8443/",
                "http://localhost:3000/"
            ]
        );
        let local = allowed_origins(&config(&[]), "localhost");
        assert!(local.iter().any(|u| u.as_str() == "http://localhost/"));
    }
}
