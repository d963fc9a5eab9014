//! `<issuer>/.well-known/jwks.json` and `<issuer>/.well-known/openid-configuration`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use cognate_domain::signing_keys::published_keys;
use cognate_store::SigningKeyRecord;
use serde_json::{Value, json};

use crate::WebState;

/// Verifiers cache keys; a short max-age lets a rotation reach them within minutes. The
/// default `--signing-key-publish-ahead-seconds` matches it, so a key set cached just before
/// a rotation expires before the new keys sign.
const CACHE_CONTROL: &str = "public, max-age=300";

pub async fn jwks(State(state): State<Arc<WebState>>, Path(pool_id): Path<String>) -> Response {
    match pool_exists(&state, &pool_id).await {
        Ok(true) => {}
        Ok(false) => return not_found(&pool_id),
        Err(response) => return response,
    }
    let keys = match state.store.signing_keys(&pool_id).await {
        Ok(keys) => keys,
        Err(error) => return unavailable(&error),
    };
    cached(Json(key_set(&keys, state.clock.now_ms())))
}

/// Every key that may have signed a token still valid, and the keys about to sign (R18):
/// never a private part, only the stored public JWK.
fn key_set(keys: &[SigningKeyRecord], now_ms: i64) -> Value {
    let published: Vec<&Value> = published_keys(keys, now_ms)
        .map(|key| &key.public_jwk)
        .collect();
    json!({ "keys": published })
}

pub async fn openid_configuration(
    State(state): State<Arc<WebState>>,
    Path(pool_id): Path<String>,
) -> Response {
    match pool_exists(&state, &pool_id).await {
        Ok(true) => {}
        Ok(false) => return not_found(&pool_id),
        Err(response) => return response,
    }
    cached(Json(discovery_document(&state.public_url, &pool_id)))
}

/// The fields Cognito publishes. The OAuth endpoints live on the same public URL.
fn discovery_document(public_url: &str, pool_id: &str) -> Value {
    let issuer = format!("{public_url}/{pool_id}");
    json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "authorization_endpoint": format!("{public_url}/oauth2/authorize"),
        "token_endpoint": format!("{public_url}/oauth2/token"),
        "userinfo_endpoint": format!("{public_url}/oauth2/userInfo"),
        "response_types_supported": ["code", "token"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    })
}

/// Whether the pool exists, or the response to send when the store cannot say.
async fn pool_exists(state: &WebState, pool_id: &str) -> Result<bool, Response> {
    // Pool ids are short and plain; anything else cannot name a pool.
    if pool_id.len() > 55
        || !pool_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Ok(false);
    }
    state
        .store
        .get_user_pool(pool_id)
        .await
        .map(|pool| pool.is_some())
        .map_err(|error| unavailable(&error))
}

fn cached(body: impl IntoResponse) -> Response {
    let mut response = body.into_response();
    if let Ok(value) = CACHE_CONTROL.parse() {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response
}

/// Pool ids are short and plain; anything else cannot name a pool.
fn plausible_pool_id(pool_id: &str) -> bool {
    pool_id.len() <= 55
        && pool_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn not_found(pool_id: &str) -> Response {
    // Only a plausible id is echoed back; anything else could be markup or a path.
    let message = if plausible_pool_id(pool_id) {
        format!("User pool {pool_id} does not exist.")
    } else {
        "User pool does not exist.".to_owned()
    };
    (StatusCode::NOT_FOUND, Json(json!({ "message": message }))).into_response()
}

fn unavailable(error: &cognate_store::StoreError) -> Response {
    tracing::error!(%error, "storage error on a well-known endpoint");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({ "message": "The service is temporarily unavailable." })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implausible_ids_are_never_echoed() {
        assert!(plausible_pool_id("us-east-1_AbC123xyz"));
        for bad in ["<script>", "a/b", "x".repeat(56).as_str(), "a b"] {
            assert!(!plausible_pool_id(bad), "{bad}");
        }
    }

    #[test]
    fn the_key_set_follows_the_rotation_schedule() {
        use cognate_domain::signing_keys::KeyUse;
        let key = |kid: &str, not_before_ms, retire_after_ms| SigningKeyRecord {
            pool_id: "us-east-1_abc".into(),
            kid: kid.into(),
            alg: "RS256".into(),
            sealed_private_key: vec![1],
            public_jwk: json!({ "kid": kid }),
            certificate_der: vec![],
            created_ms: 0,
            active: true,
            key_use: KeyUse::Id,
            not_before_ms,
            retire_after_ms,
        };
        let keys = [key("old", 0, Some(2_000)), key("new", 1_000, None)];
        let kids = |now_ms| {
            key_set(&keys, now_ms)["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["kid"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(kids(500), ["old", "new"], "published before first use");
        assert_eq!(kids(1_999), ["old", "new"]);
        assert_eq!(kids(2_000), ["new"], "gone once retired");
    }

    #[test]
    fn discovery_names_the_issuer_and_its_keys() {
        let doc = discovery_document("https://id.example.com", "us-east-1_abc");
        assert_eq!(doc["issuer"], "https://id.example.com/us-east-1_abc");
        assert_eq!(
            doc["jwks_uri"],
            "https://id.example.com/us-east-1_abc/.well-known/jwks.json"
        );
        assert_eq!(
            doc["id_token_signing_alg_values_supported"],
            json!(["RS256"])
        );
    }
}
