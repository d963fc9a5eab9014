//! Checking the access token of a token-authorized operation (GetUser, ChangePassword, ...).

use serde_json::Value;

use cognate_crypto::jwt::decode_and_verify_jwt;
use cognate_domain::tokens::{SIGNIN_SCOPE, issuer};
use cognate_store::UserRecord;
use cognate_wire::{ApiError, ErrorCode};

use crate::errors::store_failure;
use crate::service::IdpService;
use crate::users::PoolRules;

/// Who an access token speaks for.
pub struct AccessContext {
    pub pool: PoolRules,
    pub user: UserRecord,
    pub client_id: String,
}

fn not_authorized(message: &str) -> ApiError {
    ApiError::new(ErrorCode::NotAuthorizedException, message)
}

/// The pool id named by an issuer URL of ours, before the signature is checked (it only
/// picks which keys to check against).
fn pool_from_issuer(public_url: &str, claims: &Value) -> Option<String> {
    let iss = claims.get("iss")?.as_str()?;
    let pool_id = iss.strip_prefix(public_url)?.strip_prefix('/')?;
    (!pool_id.is_empty() && !pool_id.contains('/')).then(|| pool_id.to_owned())
}

/// Reads a part of a JWT without trusting it.
fn unverified_part(token: &str, index: usize) -> Option<Value> {
    use base64::Engine as _;
    let part = token.split('.').nth(index)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn unverified_claims(token: &str) -> Option<Value> {
    unverified_part(token, 1)
}

/// The header's `kid`, only to decide whether this node must reread the pool's keys.
fn unverified_kid(token: &str) -> Option<String> {
    unverified_part(token, 0)?
        .get("kid")?
        .as_str()
        .map(str::to_owned)
}

impl IdpService {
    /// Verifies signature, issuer, use, scope, expiry and revocation, and loads the user.
    pub(crate) async fn authenticate_access_token(
        &self,
        token: &str,
        now_ms: i64,
    ) -> Result<AccessContext, ApiError> {
        let invalid = || not_authorized("Invalid Access Token");
        let claims = unverified_claims(token).ok_or_else(invalid)?;
        let pool_id = pool_from_issuer(&self.config.public_url, &claims).ok_or_else(invalid)?;
        let kid = unverified_kid(token).ok_or_else(invalid)?;
        let keys = self
            .keys
            .for_verifying(self.store.as_ref(), &self.kek, &pool_id, &kid, now_ms)
            .await?;
        // Only keys published now: a retired key's tokens are refused even if unexpired.
        let key = keys.verifier(&kid, now_ms).ok_or_else(invalid)?;
        let verified =
            decode_and_verify_jwt(token, std::slice::from_ref(key)).map_err(|_| invalid())?;
        let claims = Value::Object(verified.claims);
        let expected_issuer = issuer(&self.config.public_url, &pool_id);
        if claims.get("iss").and_then(Value::as_str) != Some(expected_issuer.as_str())
            || claims.get("token_use").and_then(Value::as_str) != Some("access")
        {
            return Err(invalid());
        }
        let scopes = claims.get("scope").and_then(Value::as_str).unwrap_or("");
        if !scopes.split(' ').any(|scope| scope == SIGNIN_SCOPE) {
            return Err(invalid());
        }
        let exp = claims
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or_else(invalid)?;
        if now_ms.div_euclid(1000) >= exp {
            return Err(not_authorized("Access Token has expired"));
        }
        let origin_jti = claims
            .get("origin_jti")
            .and_then(Value::as_str)
            .ok_or_else(invalid)?;
        let sub = claims
            .get("sub")
            .and_then(Value::as_str)
            .ok_or_else(invalid)?;
        // The pool, the revocation and the user in one store read: this runs on every
        // token-authorized request. Only a verified token gets this far, so forged ones
        // cost no store access beyond the key cache.
        let subject = self
            .store
            .token_subject(&pool_id, sub, origin_jti)
            .await
            .map_err(store_failure)?;
        let pool = PoolRules::new(subject.pool.ok_or_else(invalid)?);
        if subject.family_revoked {
            return Err(not_authorized("Access Token has been revoked"));
        }
        let user = subject.user.ok_or_else(|| {
            ApiError::new(ErrorCode::UserNotFoundException, "User does not exist.")
        })?;
        if !user.enabled {
            return Err(not_authorized("User is disabled."));
        }
        let client_id = claims
            .get("client_id")
            .and_then(Value::as_str)
            .ok_or_else(invalid)?
            .to_owned();
        Ok(AccessContext {
            pool,
            user,
            client_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pools_come_only_from_our_issuer() {
        let url = "https://id.example.test";
        assert_eq!(
            pool_from_issuer(
                url,
                &json!({"iss": "https://id.example.test/us-east-1_abc"})
            ),
            Some("us-east-1_abc".into())
        );
        for iss in [
            "https://evil.test/us-east-1_abc",
            "https://id.example.test",
            "https://id.example.test/",
            "https://id.example.test/a/b",
            "https://id.example.test.evil/x",
        ] {
            assert_eq!(pool_from_issuer(url, &json!({ "iss": iss })), None, "{iss}");
        }
        assert_eq!(pool_from_issuer(url, &json!({})), None);
    }
}
