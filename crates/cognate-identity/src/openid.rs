//! Identity-pool OpenID tokens (GetOpenIdToken, GetOpenIdTokenForDeveloperIdentity): signed
//! with one Cognate key per deployment, created on first use and kept sealed in the store,
//! published as a JWKS at `<issuer>/.well-known/jwks_uri`.
//!
//! Cognito signs these with RS512 (one observed header); Cognate signs RS256, the one
//! algorithm `cognate-crypto` implements, which every OIDC verifier accepts.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use cognate_crypto::jwt::{decode_and_verify_jwt, encode_jwt};
use cognate_crypto::signing::SigningKey;
use cognate_domain::arn::identity_pool_arn;
use cognate_store::IdentityTokenKeyRecord;
use cognate_wire::ApiError;

use crate::errors::{internal, not_authorized, store_failure};
use crate::logins::expired;
use crate::service::IdentityService;

/// The `Logins` key of an identity-pool token, and its provider name in `amr`.
pub const IDENTITY_PROVIDER: &str = "cognito-identity.amazonaws.com";
/// GetOpenIdToken's lifetime (API reference: "valid for 10 minutes").
pub const OPENID_TOKEN_SECONDS: i64 = 600;
/// GetOpenIdTokenForDeveloperIdentity's default and maximum `TokenDuration`.
pub const DEVELOPER_TOKEN_DEFAULT_SECONDS: i64 = 900;
pub const DEVELOPER_TOKEN_MAX_SECONDS: i64 = 86_400;

const POOL_ARN_CLAIM: &str = "https://cognito-identity.amazonaws.com/identity-pool-arn";
const TAGS_CLAIM: &str = "https://aws.amazon.com/tags";

fn sealing_context(kid: &str) -> Vec<u8> {
    format!("cognate/identity-token-key/{kid}").into_bytes()
}

/// What an identity-pool token says.
pub struct TokenContent<'a> {
    pub identity_id: &'a str,
    pub identity_pool_id: &'a str,
    /// `["authenticated", provider, detail]` or `["unauthenticated"]`.
    pub amr: &'a [String],
    pub principal_tags: &'a BTreeMap<String, String>,
    pub issued_at_s: i64,
    pub lifetime_s: i64,
}

pub fn claims(svc: &IdentityService, content: &TokenContent<'_>) -> Value {
    let mut claims = json!({
        "sub": content.identity_id,
        "aud": content.identity_pool_id,
        "amr": content.amr,
        POOL_ARN_CLAIM: identity_pool_arn(
            &svc.config.region,
            &svc.config.account_id,
            content.identity_pool_id,
        ),
        "iss": svc.config.openid_issuer,
        "exp": content.issued_at_s.saturating_add(content.lifetime_s),
        "iat": content.issued_at_s,
    });
    if !content.principal_tags.is_empty() {
        // Observed shape: each tag's value as a one-element list.
        let tags: Map<String, Value> = content
            .principal_tags
            .iter()
            .map(|(k, v)| (k.clone(), json!([v])))
            .collect();
        claims[TAGS_CLAIM] = json!({ "principal_tags": tags });
    }
    claims
}

/// The principal tags an identity-pool token carries.
pub fn principal_tags(claims: &Map<String, Value>) -> BTreeMap<String, String> {
    claims
        .get(TAGS_CLAIM)
        .and_then(|t| t.get("principal_tags"))
        .and_then(Value::as_object)
        .map(|tags| {
            tags.iter()
                .filter_map(|(k, v)| {
                    let value = v.as_array().and_then(|a| a.first()).unwrap_or(v);
                    value.as_str().map(|s| (k.clone(), s.to_owned()))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `amr` of an identity-pool token.
pub fn amr(claims: &Map<String, Value>) -> Vec<String> {
    claims
        .get("amr")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

pub async fn sign(svc: &IdentityService, content: &TokenContent<'_>) -> Result<String, ApiError> {
    let key = signing_key(svc).await?;
    encode_jwt(&json!({"typ": "JWS"}), &claims(svc, content), &key)
        .map_err(|e| internal("signing an identity token", e))
}

/// Verifies an identity-pool token of this deployment: signature, issuer and expiry. The
/// audience is the caller's to check.
pub async fn verify(
    svc: &IdentityService,
    token: &str,
    now_ms: i64,
) -> Result<Map<String, Value>, ApiError> {
    let invalid = || not_authorized("Invalid login token. Couldn't verify signed token.");
    let key = signing_key(svc).await?;
    let claims = decode_and_verify_jwt(token, std::slice::from_ref(key.public_key()))
        .map_err(|_| invalid())?
        .claims;
    if claims.get("iss").and_then(Value::as_str) != Some(svc.config.openid_issuer.as_str()) {
        return Err(not_authorized(
            "Invalid login token. Issuer doesn't match providerName",
        ));
    }
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or_else(invalid)?;
    let now_s = now_ms.div_euclid(1000);
    if now_s >= exp {
        return Err(expired(now_s, exp));
    }
    Ok(claims)
}

/// The JWKS document that publishes the identity-token key.
pub async fn jwks(svc: &IdentityService) -> Result<Value, ApiError> {
    let key = signing_key(svc).await?;
    Ok(json!({ "keys": [key.public_jwk()] }))
}

/// The deployment's key: cached once opened; otherwise the stored one, or a new one that
/// the store keeps unless another node stored its own first.
async fn signing_key(svc: &IdentityService) -> Result<Arc<SigningKey>, ApiError> {
    if let Ok(cached) = svc.openid_key.read()
        && let Some(key) = cached.as_ref()
    {
        return Ok(key.clone());
    }
    let candidate = tokio::task::spawn_blocking(SigningKey::generate)
        .await
        .map_err(|e| internal("identity key task", e))?
        .map_err(|e| internal("generating the identity key", e))?;
    let kid = candidate.kid().to_owned();
    let private = candidate
        .to_pkcs8_der()
        .map_err(|e| internal("encoding the identity key", e))?;
    let sealed = svc
        .kek
        .seal(&private, &sealing_context(&kid))
        .map_err(|e| internal("sealing the identity key", e))?;
    let stored = svc
        .store
        .identity_token_key(&IdentityTokenKeyRecord {
            kid: kid.clone(),
            public_jwk: candidate.public_jwk(),
            sealed_private_key: sealed,
            created_ms: 0,
        })
        .await
        .map_err(store_failure)?;
    let key = if stored.kid == kid {
        candidate
    } else {
        let der = svc
            .kek
            .open(&stored.sealed_private_key, &sealing_context(&stored.kid))
            .map_err(|e| internal("opening the identity key", e))?;
        SigningKey::from_pkcs8(&der, stored.kid.clone())
            .map_err(|e| internal("parsing the identity key", e))?
    };
    let key = Arc::new(key);
    if let Ok(mut cached) = svc.openid_key.write() {
        *cached = Some(key.clone());
    }
    Ok(key)
}
