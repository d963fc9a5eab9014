//! Logins, identities and credentials in process, with a user pool whose signing key the
//! test holds, so tokens can be minted at any time (expiry needs no waiting).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;

use cognate_crypto::envelope::Kek;
use cognate_crypto::jwt::encode_jwt;
use cognate_crypto::signing::SigningKey;
use cognate_domain::signing_keys::KeyUse;
use cognate_domain::tokens::issuer;
use cognate_store::{SigningKeyRecord, UserPoolRecord, UserPoolStore};
use cognate_store_sqlite::SqliteStore;
use cognate_wire::identity::*;
use cognate_wire::{ErrorCode, RequestContext, Sensitive};

use crate::{IdentityService, ServiceConfig};

const REGION: &str = "us-east-1";
const PUBLIC_URL: &str = "http://127.0.0.1:9229";
const USER_POOL: &str = "us-east-1_Flow1";
const CLIENT: &str = "client1";
const NOW_MS: i64 = 1_700_000_000_000;

struct Fixture {
    svc: IdentityService,
    key: SigningKey,
    pool_id: String,
    _dir: tempfile::TempDir,
}

fn ctx(now_ms: i64) -> RequestContext {
    RequestContext {
        request_id: "req".into(),
        now_ms,
        region: REGION.into(),
        caller: None,
        source_ip: None,
    }
}

fn provider() -> String {
    format!("cognito-idp.{REGION}.amazonaws.com/{USER_POOL}")
}

async fn fixture(pool_settings: serde_json::Value) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("cognate.db")).unwrap());
    let key = SigningKey::generate().unwrap();
    store
        .create_user_pool(
            &UserPoolRecord {
                id: USER_POOL.into(),
                name: "p".into(),
                arn: "arn".into(),
                created_ms: 0,
                modified_ms: 0,
                settings: json!({}),
                tags: BTreeMap::new(),
            },
            &[SigningKeyRecord {
                pool_id: USER_POOL.into(),
                kid: key.kid().into(),
                alg: "RS256".into(),
                sealed_private_key: vec![0],
                public_jwk: key.public_jwk(),
                certificate_der: vec![0],
                created_ms: 0,
                active: true,
                key_use: KeyUse::Id,
                not_before_ms: 0,
                retire_after_ms: None,
            }],
        )
        .await
        .unwrap();
    let svc = IdentityService::new(
        store,
        Arc::new(Kek::generate().unwrap()),
        ServiceConfig {
            region: REGION.into(),
            account_id: "000000000000".into(),
            public_url: PUBLIC_URL.into(),
            openid_issuer: ServiceConfig::default_openid_issuer(PUBLIC_URL),
        },
    );
    let mut input = json!({
        "IdentityPoolName": "ids",
        "AllowUnauthenticatedIdentities": false,
        "CognitoIdentityProviders": [{"ProviderName": provider(), "ClientId": CLIENT}]
    });
    for (k, v) in pool_settings.as_object().unwrap() {
        input[k] = v.clone();
    }
    let pool = crate::pools::create(&svc, &ctx(NOW_MS), serde_json::from_value(input).unwrap())
        .await
        .unwrap();
    crate::roles::set(
        &svc,
        &ctx(NOW_MS),
        serde_json::from_value(json!({
            "IdentityPoolId": pool.identity_pool_id,
            "Roles": {"authenticated": "arn:aws:iam::000000000000:role/Auth"}
        }))
        .unwrap(),
    )
    .await
    .unwrap();
    Fixture {
        svc,
        key,
        pool_id: pool.identity_pool_id,
        _dir: dir,
    }
}

impl Fixture {
    fn id_token(&self, sub: &str, issued_ms: i64, lifetime_s: i64) -> String {
        let iat = issued_ms / 1000;
        encode_jwt(
            &json!({}),
            &json!({
                "sub": sub, "aud": CLIENT, "token_use": "id",
                "iss": issuer(PUBLIC_URL, USER_POOL),
                "iat": iat, "exp": iat + lifetime_s
            }),
            &self.key,
        )
        .unwrap()
    }

    fn logins(&self, token: String) -> BTreeMap<String, Sensitive<String>> {
        BTreeMap::from([(provider(), Sensitive::new(token))])
    }

    async fn get_id(&self, token: String, now_ms: i64) -> Result<String, cognate_wire::ApiError> {
        crate::identities::get_id(
            &self.svc,
            &ctx(now_ms),
            GetIdInput {
                account_id: None,
                identity_pool_id: self.pool_id.clone(),
                logins: Some(self.logins(token)),
            },
        )
        .await
        .map(|r| r.identity_id.unwrap())
    }
}

#[tokio::test]
async fn one_identity_per_user_and_expired_tokens_are_refused() {
    let f = fixture(json!({})).await;
    let first = f
        .get_id(f.id_token("sub-a", NOW_MS, 3600), NOW_MS)
        .await
        .unwrap();
    let again = f
        .get_id(f.id_token("sub-a", NOW_MS + 5_000, 3600), NOW_MS + 6_000)
        .await
        .unwrap();
    assert_eq!(first, again);
    let other = f
        .get_id(f.id_token("sub-b", NOW_MS, 3600), NOW_MS)
        .await
        .unwrap();
    assert_ne!(first, other);

    // Expired: exp is 1_700_000_060; the clock is one second past it.
    let err = f
        .get_id(f.id_token("sub-a", NOW_MS, 60), NOW_MS + 61_000)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotAuthorizedException);
    assert_eq!(
        err.message,
        "Invalid login token. Token expired: 1700000061 >= 1700000060"
    );
    // At exactly exp it is already expired (Cognito's `now >= exp`).
    assert!(
        f.get_id(f.id_token("sub-a", NOW_MS, 60), NOW_MS + 60_000)
            .await
            .is_err()
    );
    assert!(
        f.get_id(f.id_token("sub-a", NOW_MS, 60), NOW_MS + 59_999)
            .await
            .is_ok()
    );

    // A token signed by a key the pool does not publish.
    let stranger = SigningKey::generate().unwrap();
    let forged = encode_jwt(
        &json!({}),
        &json!({"sub": "sub-a", "aud": CLIENT, "token_use": "id",
                "iss": issuer(PUBLIC_URL, USER_POOL), "iat": 1, "exp": i64::MAX / 2}),
        &stranger,
    )
    .unwrap();
    assert_eq!(
        f.get_id(forged, NOW_MS).await.unwrap_err().message,
        "Invalid login token. Couldn't verify signed token."
    );
}

#[tokio::test]
async fn credentials_are_stored_sealed_and_expire_within_an_hour() {
    let f = fixture(json!({})).await;
    let token = f.id_token("sub-a", NOW_MS, 3600);
    let identity_id = f.get_id(token.clone(), NOW_MS).await.unwrap();
    let answer = crate::credentials::get_credentials(
        &f.svc,
        &ctx(NOW_MS),
        GetCredentialsForIdentityInput {
            identity_id: identity_id.clone(),
            logins: Some(f.logins(token)),
            custom_role_arn: None,
        },
    )
    .await
    .unwrap();
    let creds = answer.credentials.unwrap();
    let key_id = creds.access_key_id.unwrap();
    let opened = f.svc.sts_session(&key_id).await.unwrap().unwrap();
    assert_eq!(
        opened.secret_access_key.as_str(),
        creds.secret_key.unwrap().expose().as_str()
    );
    let session_token = creds.session_token.unwrap();
    assert!(f.svc.session_token_matches(&opened, &session_token));
    assert!(
        !f.svc
            .session_token_matches(&opened, &format!("{session_token}x"))
    );
    let session = &opened.session;
    assert_eq!(session.identity_id, identity_id);
    assert_eq!(session.role_arn, "arn:aws:iam::000000000000:role/Auth");
    assert_eq!(session.expires_ms - session.issued_ms, 3_600_000);
    assert_eq!(
        session.amr,
        vec![
            "authenticated".to_owned(),
            provider(),
            format!("{}:CognitoSignIn:sub-a", provider())
        ]
    );
    // The store holds neither the secret nor the token in clear.
    let record = f.svc.store.get_sts_session(&key_id).await.unwrap().unwrap();
    let secret = opened.secret_access_key.as_bytes();
    assert!(
        !record
            .sealed_secret
            .windows(secret.len())
            .any(|w| w == secret)
    );
    assert_ne!(record.session_token_hash, session_token.as_bytes());
    assert!(
        f.svc
            .sts_session("ASIA0000000000000000")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn openid_tokens_need_the_classic_flow_and_carry_the_identity() {
    let f = fixture(json!({"AllowClassicFlow": true})).await;
    let token = f.id_token("sub-a", NOW_MS, 3600);
    let identity_id = f.get_id(token.clone(), NOW_MS).await.unwrap();
    let answer = crate::credentials::get_open_id_token(
        &f.svc,
        &ctx(NOW_MS),
        GetOpenIdTokenInput {
            identity_id: identity_id.clone(),
            logins: Some(f.logins(token)),
        },
    )
    .await
    .unwrap();
    let openid = answer.token.unwrap();
    let claims = crate::openid::verify(&f.svc, openid.expose(), NOW_MS)
        .await
        .unwrap();
    assert_eq!(claims["sub"], json!(identity_id));
    assert_eq!(claims["aud"], json!(f.pool_id));
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        600
    );
    // Ten minutes later it no longer verifies.
    let late = crate::openid::verify(&f.svc, openid.expose(), NOW_MS + 600_000).await;
    assert!(late.unwrap_err().message.contains("Token expired"));
    // The STS's basic flow honours the same token, for the pool's role only.
    let assumed = f
        .svc
        .assume_role_with_web_identity(
            openid.expose(),
            "arn:aws:iam::000000000000:role/Auth",
            "s",
            900,
            NOW_MS,
        )
        .await
        .unwrap();
    assert_eq!(assumed.subject, identity_id);
    assert_eq!(assumed.credentials.expiration_s, NOW_MS / 1000 + 900);
    assert!(matches!(
        f.svc
            .assume_role_with_web_identity(
                openid.expose(),
                "arn:aws:iam::000000000000:role/Other",
                "s",
                900,
                NOW_MS
            )
            .await,
        Err(crate::WebIdentityRefusal::AccessDenied)
    ));
}
