//! Checking a `Logins` map: every entry must be a token its provider really issued, for this
//! identity pool, unexpired and (with ServerSideTokenCheck) not revoked.
//!
//! Two providers are understood: Cognate's own user pools (an ID token under
//! `cognito-idp.<region>.amazonaws.com/<poolId>` or `<public host[:port]>/<poolId>`, the key
//! Amplify derives from the token's issuer), and `cognito-identity.amazonaws.com` (an OpenID
//! token of this identity pool, from GetOpenIdTokenForDeveloperIdentity). User-pool tokens
//! are verified against the pool's published public keys read from the store, so this crate
//! needs nothing from `cognate-idp`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use cognate_crypto::jwt::decode_and_verify_jwt;
use cognate_crypto::signing::PublicKey;
use cognate_domain::signing_keys::published_keys;
use cognate_domain::tokens::issuer;
use cognate_store::LoginKey;
use cognate_wire::identity::CognitoIdentityProvider;
use cognate_wire::{ApiError, Sensitive};

use crate::errors::{not_authorized, store_failure};
use crate::openid::{self, IDENTITY_PROVIDER};
use crate::pools::view::PoolView;
use crate::service::IdentityService;

/// A login that verified.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedLogin {
    /// The provider the identity pool configured (its `ProviderName`), used for linking,
    /// principal-tag maps and `amr`.
    pub provider: String,
    /// The key of `RoleMappings`: `<ProviderName>:<clientId>` for a user pool.
    pub mapping_key: String,
    pub claims: Map<String, Value>,
    pub source: LoginSource,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LoginSource {
    /// A user-pool ID token; linked to the identity as (provider, sub).
    UserPool { sub: String },
    /// This identity pool's own OpenID token: it names the identity directly.
    IdentityToken { identity_id: String },
}

impl VerifiedLogin {
    /// The (provider, subject) pair this login is linked under, if it is linkable.
    pub fn link_key(&self) -> Option<LoginKey> {
        match &self.source {
            LoginSource::UserPool { sub } => Some(LoginKey::new(&self.provider, sub)),
            LoginSource::IdentityToken { .. } => None,
        }
    }

    /// The `amr` entries after `authenticated` (see reference §5.6; the user-pool form is
    /// inferred from API Gateway's `cognitoAuthenticationProvider`).
    pub fn amr(&self) -> Vec<String> {
        match &self.source {
            LoginSource::UserPool { sub } => vec![
                self.provider.clone(),
                format!("{}:CognitoSignIn:{sub}", self.provider),
            ],
            LoginSource::IdentityToken { .. } => self
                .claims
                .get("amr")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .filter(|v| *v != "authenticated")
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

fn invalid(detail: &str) -> ApiError {
    not_authorized(format!("Invalid login token. {detail}"))
}

/// Cognito's answer for a key no provider of the pool matches, and for a token of a
/// client the pool does not list (observed).
pub fn unsupported_provider() -> ApiError {
    not_authorized("Token is not from a supported provider of this identity pool.")
}

/// The user pool a provider name or login key names, if its host is AWS's
/// (`cognito-idp.<region>.amazonaws.com[.cn]`) or Cognate's own public host.
pub fn user_pool_of(key: &str, public_host: &str) -> Option<String> {
    let (host, pool_id) = key.rsplit_once('/')?;
    let aws = host.starts_with("cognito-idp.")
        && (host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn"));
    ((aws || host == public_host) && !pool_id.is_empty()).then(|| pool_id.to_owned())
}

/// `host[:port]` of the public URL (scheme and any path removed).
pub fn public_host(public_url: &str) -> &str {
    let rest = public_url
        .split_once("://")
        .map_or(public_url, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest)
}

/// Reads a JWT's claims without trusting them (only to pick keys and give Cognito's errors
/// in its order).
pub fn unverified_claims(token: &str) -> Option<Map<String, Value>> {
    use base64::Engine as _;
    let part = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(claims) => Some(claims),
        _ => None,
    }
}

pub fn expired(now_s: i64, exp: i64) -> ApiError {
    invalid(&format!("Token expired: {now_s} >= {exp}"))
}

impl IdentityService {
    /// Verifies every entry of `logins` for the identity pool; the first failure is the answer.
    pub(crate) async fn verify_logins(
        &self,
        pool_id: &str,
        view: &PoolView,
        logins: &BTreeMap<String, Sensitive<String>>,
        now_ms: i64,
    ) -> Result<Vec<VerifiedLogin>, ApiError> {
        let mut verified = Vec::with_capacity(logins.len());
        for (key, token) in logins {
            let token: &str = token.expose();
            let login = if key == IDENTITY_PROVIDER {
                self.verify_identity_token(pool_id, token, now_ms).await?
            } else {
                self.verify_user_pool_token(view, key, token, now_ms)
                    .await?
            };
            verified.push(login);
        }
        Ok(verified)
    }

    async fn verify_identity_token(
        &self,
        pool_id: &str,
        token: &str,
        now_ms: i64,
    ) -> Result<VerifiedLogin, ApiError> {
        let claims = openid::verify(self, token, now_ms).await?;
        if claims.get("aud").and_then(Value::as_str) != Some(pool_id) {
            return Err(invalid("Incorrect token audience."));
        }
        let identity_id = claims
            .get("sub")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("Missing a required claim: sub"))?
            .to_owned();
        Ok(VerifiedLogin {
            provider: IDENTITY_PROVIDER.to_owned(),
            mapping_key: IDENTITY_PROVIDER.to_owned(),
            claims,
            source: LoginSource::IdentityToken { identity_id },
        })
    }

    async fn verify_user_pool_token(
        &self,
        view: &PoolView,
        key: &str,
        token: &str,
        now_ms: i64,
    ) -> Result<VerifiedLogin, ApiError> {
        let host = public_host(&self.config.public_url);
        let user_pool_id = user_pool_of(key, host).ok_or_else(unsupported_provider)?;
        let providers: Vec<&CognitoIdentityProvider> = view
            .cognito_providers
            .iter()
            .filter(|p| {
                p.provider_name
                    .as_deref()
                    .and_then(|name| user_pool_of(name, host))
                    .is_some_and(|id| id == user_pool_id)
            })
            .collect();
        if providers.is_empty() {
            return Err(unsupported_provider());
        }
        let unverified =
            unverified_claims(token).ok_or_else(|| invalid("Couldn't verify signed token."))?;
        let expected_issuer = issuer(&self.config.public_url, &user_pool_id);
        if unverified.get("iss").and_then(Value::as_str) != Some(expected_issuer.as_str()) {
            return Err(invalid("Issuer doesn't match providerName"));
        }
        let records = self
            .store
            .signing_keys(&user_pool_id)
            .await
            .map_err(store_failure)?;
        // Only keys published now: a retired key's tokens are refused even if unexpired.
        let keys: Vec<PublicKey> = published_keys(&records, now_ms)
            .filter_map(|record| PublicKey::from_jwk(&record.public_jwk).ok())
            .collect();
        let claims = decode_and_verify_jwt(token, &keys)
            .map_err(|_| invalid("Couldn't verify signed token."))?
            .claims;
        let text = |name: &str| claims.get(name).and_then(Value::as_str);
        let Some(aud) = text("aud").map(str::to_owned) else {
            return Err(invalid("Missing a required claim: aud"));
        };
        if text("token_use") != Some("id") {
            return Err(invalid("Couldn't verify signed token."));
        }
        let exp = claims
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or_else(|| invalid("Missing a required claim: exp"))?;
        let now_s = now_ms.div_euclid(1000);
        if now_s >= exp {
            return Err(expired(now_s, exp));
        }
        let sub = text("sub")
            .ok_or_else(|| invalid("Missing a required claim: sub"))?
            .to_owned();
        let provider = providers
            .iter()
            .find(|p| p.client_id.as_deref() == Some(aud.as_str()))
            .ok_or_else(unsupported_provider)?;
        if provider.server_side_token_check == Some(true) {
            self.check_not_revoked(&user_pool_id, &sub, &claims).await?;
        }
        let provider_name = provider.provider_name.clone().unwrap_or_default();
        Ok(VerifiedLogin {
            mapping_key: format!("{provider_name}:{aud}"),
            provider: provider_name,
            claims,
            source: LoginSource::UserPool { sub },
        })
    }

    /// ServerSideTokenCheck: the user still exists and is enabled, and neither a
    /// GlobalSignOut since the token was issued nor a revocation of its family happened.
    /// Cognito's message is unconfirmed.
    async fn check_not_revoked(
        &self,
        user_pool_id: &str,
        sub: &str,
        claims: &Map<String, Value>,
    ) -> Result<(), ApiError> {
        let revoked = || invalid("Token has been revoked.");
        let user = self
            .store
            .get_user_by_sub(user_pool_id, sub)
            .await
            .map_err(store_failure)?
            .ok_or_else(revoked)?;
        if !user.enabled {
            return Err(revoked());
        }
        let iat_ms = claims
            .get("iat")
            .and_then(Value::as_i64)
            .unwrap_or(0)
            .saturating_mul(1000);
        if iat_ms <= user.tokens_revoked_before_ms {
            return Err(revoked());
        }
        if let Some(origin_jti) = claims.get("origin_jti").and_then(Value::as_str)
            && self
                .store
                .is_family_revoked(origin_jti)
                .await
                .map_err(store_failure)?
        {
            return Err(revoked());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_keys_name_a_user_pool_by_aws_or_own_host() {
        let host = public_host("http://127.0.0.1:9229");
        assert_eq!(host, "127.0.0.1:9229");
        assert_eq!(public_host("https://id.example.com/base"), "id.example.com");
        assert_eq!(
            user_pool_of("cognito-idp.eu-west-1.amazonaws.com/eu-west-1_A", host),
            Some("eu-west-1_A".into())
        );
        assert_eq!(
            user_pool_of("127.0.0.1:9229/us-east-1_B", host),
            Some("us-east-1_B".into())
        );
        for foreign in [
            "evil.example.com/us-east-1_B",
            "127.0.0.1:9230/us-east-1_B",
            "accounts.google.com",
            "cognito-idp.us-east-1.amazonaws.com/",
            "cognito-idp.us-east-1.amazonaws.com.evil/us-east-1_B",
        ] {
            assert_eq!(user_pool_of(foreign, host), None, "{foreign}");
        }
    }

    #[test]
    fn unverified_claims_read_only_objects() {
        use base64::Engine as _;
        let enc = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let token = format!("{}.{}.sig", enc("{}"), enc(r#"{"iss":"x"}"#));
        assert_eq!(
            unverified_claims(&token).and_then(|c| c.get("iss").cloned()),
            Some(Value::String("x".into()))
        );
        assert_eq!(unverified_claims(&format!("a.{}.c", enc("[1]"))), None);
        assert_eq!(unverified_claims("nonsense"), None);
    }

    #[test]
    fn expiry_uses_cognitos_text() {
        assert_eq!(
            expired(200, 100).message,
            "Invalid login token. Token expired: 200 >= 100"
        );
    }
}
