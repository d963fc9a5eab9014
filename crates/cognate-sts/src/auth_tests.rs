//! `authenticate` against credentials issued by a real (SQLite) identity service: a good
//! signature passes; a tampered secret, a wrong session token, unknown or expired
//! credentials are refused with STS's codes.

use std::collections::BTreeMap;
use std::sync::Arc;

use http::{HeaderMap, HeaderValue};

use cognate_crypto::envelope::Kek;
use cognate_identity::{IdentityService, IssuedCredentials, ServiceConfig, SessionGrant};
use cognate_protocol::sigv4::{self, Credentials, SignedRequest};
use cognate_store_sqlite::SqliteStore;

use crate::auth::authenticate;

const NOW_MS: i64 = 1_700_000_000_000;
const BODY: &[u8] = b"Action=GetCallerIdentity&Version=2011-06-15";

fn service(dir: &tempfile::TempDir) -> IdentityService {
    let store = SqliteStore::open(&dir.path().join("cognate.db")).unwrap();
    IdentityService::new(
        Arc::new(store),
        Arc::new(Kek::generate().unwrap()),
        ServiceConfig {
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
            public_url: "http://127.0.0.1:1".into(),
            openid_issuer: "http://127.0.0.1:1/cognito-identity".into(),
        },
    )
}

async fn issue(svc: &IdentityService) -> IssuedCredentials {
    svc.issue_credentials(
        &SessionGrant {
            identity_id: "us-east-1:i".into(),
            identity_pool_id: "us-east-1:p".into(),
            role_arn: "arn:aws:iam::000000000000:role/Auth".into(),
            session_name: "CognitoIdentityCredentials".into(),
            amr: vec!["authenticated".into()],
            principal_tags: BTreeMap::new(),
            duration_s: 3_600,
        },
        NOW_MS,
    )
    .await
    .unwrap()
}

fn signed(key: &str, secret: &str, token: &str, at_ms: i64) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("host", HeaderValue::from_static("127.0.0.1:1"));
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
    );
    headers.insert(
        "x-amz-security-token",
        HeaderValue::from_str(token).unwrap(),
    );
    sigv4::sign(
        "POST",
        "/",
        "",
        &mut headers,
        BODY,
        &Credentials {
            access_key_id: key.into(),
            secret_access_key: secret.into(),
        },
        "us-east-1",
        "sts",
        at_ms / 1000,
    );
    headers
}

async fn check(
    svc: &IdentityService,
    headers: &HeaderMap,
    at_ms: i64,
) -> Result<String, &'static str> {
    let request = SignedRequest {
        method: "POST",
        path: "/",
        query: "",
        headers,
        body: BODY,
    };
    authenticate(svc, &request, "sts", at_ms)
        .await
        .map(|s| s.assumed_role_arn())
        .map_err(|e| e.code)
}

#[tokio::test]
async fn only_the_issued_credentials_sign_until_they_expire() {
    let dir = tempfile::tempdir().unwrap();
    let svc = service(&dir);
    let creds = issue(&svc).await;
    let (key, secret, token) = (
        creds.access_key_id.as_str(),
        creds.secret_access_key.as_str(),
        creds.session_token.as_str(),
    );
    assert_eq!(
        check(&svc, &signed(key, secret, token, NOW_MS), NOW_MS).await,
        Ok("arn:aws:sts::000000000000:assumed-role/Auth/CognitoIdentityCredentials".into())
    );
    let mut tampered = secret.to_owned();
    tampered.replace_range(0..1, if secret.starts_with('A') { "B" } else { "A" });
    assert_eq!(
        check(&svc, &signed(key, &tampered, token, NOW_MS), NOW_MS).await,
        Err("SignatureDoesNotMatch")
    );
    assert_eq!(
        check(
            &svc,
            &signed(key, secret, &format!("{token}x"), NOW_MS),
            NOW_MS
        )
        .await,
        Err("InvalidClientTokenId")
    );
    assert_eq!(
        check(
            &svc,
            &signed("ASIA0000000000000000", secret, token, NOW_MS),
            NOW_MS
        )
        .await,
        Err("InvalidClientTokenId")
    );
    assert_eq!(
        check(&svc, &HeaderMap::new(), NOW_MS).await,
        Err("MissingAuthenticationToken")
    );
    // Signed correctly, one millisecond before and at the expiry.
    let last = NOW_MS + 3_600_000 - 1;
    assert!(
        check(&svc, &signed(key, secret, token, last), last)
            .await
            .is_ok()
    );
    let expiry = NOW_MS + 3_600_000;
    assert_eq!(
        check(&svc, &signed(key, secret, token, expiry), expiry).await,
        Err("ExpiredToken")
    );
}
