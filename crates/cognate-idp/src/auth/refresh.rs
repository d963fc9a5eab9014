//! New tokens from a refresh token (REFRESH_TOKEN_AUTH, GetTokensFromRefreshToken), and
//! RevokeToken.

use serde_json::Value;

use cognate_crypto::ids;
use cognate_crypto::keyed_hash::keyed_hash;
use cognate_store::{RefreshTokenRecord, RotateOutcome, StoreError};
use cognate_wire::idp::AuthenticationResultType;
use cognate_wire::{ApiError, ErrorCode, Sensitive};

use crate::auth::outcome::not_authorized;
use crate::auth::password::disabled;
use crate::errors::{internal, store_failure};
use crate::service::IdpService;
use crate::tokens::issue::SignInEvent;
use crate::users::PoolRules;
use crate::users::lookup::ClientRules;

/// Bytes of randomness in a refresh token (as at sign-in).
const REFRESH_TOKEN_BYTES: usize = 64;

pub fn invalid_refresh_token() -> ApiError {
    not_authorized("Invalid Refresh Token.")
}

/// The client's `RefreshTokenRotation`: grace period in milliseconds when enabled.
pub fn rotation_grace_ms(client: &ClientRules) -> Option<i64> {
    let rotation = client.record.settings.get("RefreshTokenRotation")?;
    if rotation.get("Feature").and_then(Value::as_str) != Some("ENABLED") {
        return None;
    }
    let seconds = rotation
        .get("RetryGracePeriodSeconds")
        .and_then(Value::as_i64)
        .unwrap_or(0)
        .clamp(0, 60);
    Some(seconds * 1000)
}

fn revoked() -> ApiError {
    not_authorized("Refresh Token has been revoked")
}

fn reused() -> ApiError {
    ApiError::new(
        ErrorCode::RefreshTokenReuseException,
        "Refresh token has been reused.",
    )
}

/// The stored token for `token` if it is this client's, whatever its state.
async fn find_token(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    token: &str,
) -> Result<RefreshTokenRecord, ApiError> {
    let hash = keyed_hash(&svc.token_key, token.as_bytes());
    let record = svc
        .store
        .get_refresh_token(&hash)
        .await
        .map_err(store_failure)?
        .filter(|r| r.pool_id == pool.id())
        .ok_or_else(invalid_refresh_token)?;
    // Cognito's answer since 2022 for a token of the same pool issued to another client.
    if record.client_id != client.id() {
        return Err(not_authorized("Refresh Token has different Client."));
    }
    Ok(record)
}

/// Why a stored token cannot be used at `now_ms`, if it cannot.
fn unusable(record: &RefreshTokenRecord, rotation: bool, now_ms: i64) -> Option<ApiError> {
    if record.revoked {
        // A rotated-out token whose family died (by its own reuse, typically) is reuse.
        return Some(if rotation && record.replaced_ms.is_some() {
            reused()
        } else {
            revoked()
        });
    }
    (now_ms >= record.expires_ms).then(|| not_authorized("Refresh Token has expired"))
}

/// The stored token for `token`, if it is this client's and still usable.
pub async fn live_token(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    token: &str,
    now_ms: i64,
) -> Result<RefreshTokenRecord, ApiError> {
    let record = find_token(svc, pool, client, token).await?;
    match unusable(&record, rotation_grace_ms(client).is_some(), now_ms) {
        Some(error) => Err(error),
        None => Ok(record),
    }
}

/// ID and access tokens for the refresh token's sign-in (same `origin_jti` and
/// `auth_time`); with rotation enabled also a new refresh token replacing this one.
pub async fn refresh(
    svc: &IdpService,
    pool: &PoolRules,
    client: &ClientRules,
    token: &str,
    device_key: Option<&str>,
    now_ms: i64,
) -> Result<AuthenticationResultType, ApiError> {
    let record = live_token(svc, pool, client, token, now_ms).await?;
    // A token issued to a tracked device refreshes only with that device's key (Cognito
    // answers a missing or other key this way, cognito-auth-protocol.md §1.6).
    if let Some(bound) = record.device_key.as_deref()
        && device_key != Some(bound)
    {
        return Err(invalid_refresh_token());
    }
    let user = svc
        .store
        .get_user_by_sub(pool.id(), &record.sub)
        .await
        .map_err(store_failure)?
        .ok_or_else(invalid_refresh_token)?;
    if !user.enabled {
        return Err(disabled());
    }
    let event = SignInEvent {
        auth_time_s: record.auth_time_s,
        origin_jti: record.origin_jti.clone(),
        device_key: record.device_key.clone(),
    };
    let mut result = svc
        .issue_tokens(pool, client, &user, &event, false, now_ms)
        .await?;
    if let Some(grace_ms) = rotation_grace_ms(client) {
        let new_token = ids::random_token(REFRESH_TOKEN_BYTES);
        let new_record = RefreshTokenRecord {
            token_hash: keyed_hash(&svc.token_key, new_token.as_bytes()).to_vec(),
            issued_ms: now_ms,
            // A rotated token lives for what remains of the original.
            expires_ms: record.expires_ms,
            revoked: false,
            replaced_ms: None,
            ..record.clone()
        };
        let outcome = svc
            .store
            .rotate_refresh_token(&record.token_hash, &new_record, now_ms, grace_ms)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => invalid_refresh_token(),
                other => store_failure(other),
            })?;
        match outcome {
            RotateOutcome::Rotated | RotateOutcome::WithinGrace => {
                result.refresh_token = Some(Sensitive::from(new_token));
            }
            RotateOutcome::Reused => return Err(reused()),
            RotateOutcome::Revoked => {
                // Revoked since it was read: by a concurrent reuse of it, or a sign-out.
                let now = find_token(svc, pool, client, token).await?;
                return Err(unusable(&now, true, now_ms).unwrap_or_else(revoked));
            }
        }
    }
    Ok(result)
}

/// The client secret given to GetTokensFromRefreshToken or RevokeToken, checked against the
/// client's secrets (required exactly when it has one).
pub async fn check_client_secret(
    svc: &IdpService,
    client: &ClientRules,
    provided: Option<&str>,
) -> Result<(), ApiError> {
    let secrets = svc
        .store
        .list_client_secrets(&client.record.pool_id, client.id())
        .await
        .map_err(store_failure)?;
    if secrets.is_empty() {
        return Ok(());
    }
    let mismatch = || {
        not_authorized(&format!(
            "Client {} is configured with secret but secret was not received or does not match",
            client.id()
        ))
    };
    let provided = provided.ok_or_else(mismatch)?;
    for secret in secrets {
        let aad = format!(
            "cognate/client-secret/{}/{}/{}",
            secret.pool_id, secret.client_id, secret.secret_id
        );
        let plain = svc
            .kek
            .open(&secret.sealed_secret, aad.as_bytes())
            .map_err(|e| internal("opening a client secret", e))?;
        if cognate_crypto::ct::constant_time_eq(&plain, provided.as_bytes()) {
            return Ok(());
        }
    }
    Err(mismatch())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::auth::test_client;

    fn record(revoked: bool, replaced_ms: Option<i64>) -> RefreshTokenRecord {
        RefreshTokenRecord {
            token_hash: vec![1],
            pool_id: "p".into(),
            sub: "s".into(),
            client_id: "c".into(),
            origin_jti: "o".into(),
            auth_time_s: 0,
            device_key: None,
            scopes: String::new(),
            issued_ms: 0,
            expires_ms: 1_000,
            revoked,
            replaced_ms,
        }
    }

    #[test]
    fn unusable_tokens_say_why() {
        let message = |r: &RefreshTokenRecord, rotation: bool, now: i64| {
            unusable(r, rotation, now).map(|e| (e.code, e.message))
        };
        assert_eq!(message(&record(false, None), false, 999), None);
        assert_eq!(
            message(&record(false, None), false, 1_000),
            Some((
                ErrorCode::NotAuthorizedException,
                "Refresh Token has expired".into()
            ))
        );
        assert_eq!(
            message(&record(true, None), true, 0),
            Some((
                ErrorCode::NotAuthorizedException,
                "Refresh Token has been revoked".into()
            ))
        );
        assert_eq!(
            message(&record(true, Some(5)), true, 0),
            Some((
                ErrorCode::RefreshTokenReuseException,
                "Refresh token has been reused.".into()
            ))
        );
        // A token rotated out within its grace period is still usable.
        assert_eq!(message(&record(false, Some(5)), true, 0), None);
    }

    #[test]
    fn rotation_grace_period() {
        assert_eq!(rotation_grace_ms(&test_client(json!({}))), None);
        let disabled = test_client(json!({"RefreshTokenRotation": {"Feature": "DISABLED"}}));
        assert_eq!(rotation_grace_ms(&disabled), None);
        let enabled = test_client(json!({
            "RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 10}
        }));
        assert_eq!(rotation_grace_ms(&enabled), Some(10_000));
        let bare = test_client(json!({"RefreshTokenRotation": {"Feature": "ENABLED"}}));
        assert_eq!(rotation_grace_ms(&bare), Some(0));
    }
}
