//! Records with every field filled, so round trips check every column.

use std::collections::BTreeMap;
use std::sync::Arc;

use cognate_domain::signing_keys::KeyUse;
use serde_json::{Value, json};

use crate::{
    AliasClaim, ClientRecord, ClientSecretRecord, CodeRecord, DomainRecord, GroupRecord,
    IdentityPoolRecord, MessageRecord, Page, PageRequest, RefreshTokenRecord, ResourceServerRecord,
    SigningKeyRecord, Store, StoreError, UserPoolRecord, UserRecord, message_channel,
    message_status,
};

pub(crate) type DynStore = Arc<dyn Store>;

/// A settings document with nesting, numbers, nulls and non-ASCII text.
pub(crate) fn settings(tag: &str) -> Value {
    json!({
        "Tag": tag,
        "Policies": {"PasswordPolicy": {"MinimumLength": 8, "RequireSymbols": true}},
        "Numbers": [0, -1, 2.5, 1e-7, 9007199254740993_u64],
        "Nothing": null,
        "Text": "ünïcødé ✓ \"quoted\" \\ \n",
    })
}

pub(crate) fn pool(id: &str, created_ms: i64) -> UserPoolRecord {
    UserPoolRecord {
        id: id.to_owned(),
        name: format!("name of {id}"),
        arn: format!("arn:aws:cognito-idp:us-east-1:000000000000:userpool/{id}"),
        created_ms,
        modified_ms: created_ms,
        settings: settings(id),
        tags: BTreeMap::from([("env".to_owned(), "test".to_owned())]),
    }
}

pub(crate) fn signing_key(pool_id: &str, kid: &str, created_ms: i64) -> SigningKeyRecord {
    SigningKeyRecord {
        pool_id: pool_id.to_owned(),
        kid: kid.to_owned(),
        alg: "RS256".to_owned(),
        sealed_private_key: vec![0, 1, 2, 255, 254, 0, kid.len() as u8],
        public_jwk: json!({"kty": "RSA", "kid": kid, "n": "AQAB", "e": "AQAB", "use": "sig"}),
        certificate_der: vec![0x30, 0x82, 0, 0, 9],
        created_ms,
        active: true,
        key_use: KeyUse::Id,
        not_before_ms: created_ms,
        retire_after_ms: None,
    }
}

pub(crate) fn client(pool_id: &str, client_id: &str, created_ms: i64) -> ClientRecord {
    ClientRecord {
        pool_id: pool_id.to_owned(),
        client_id: client_id.to_owned(),
        name: format!("client {client_id}"),
        created_ms,
        modified_ms: created_ms,
        settings: settings(client_id),
    }
}

pub(crate) fn secret(
    pool_id: &str,
    client_id: &str,
    secret_id: &str,
    created_ms: i64,
) -> ClientSecretRecord {
    ClientSecretRecord {
        pool_id: pool_id.to_owned(),
        client_id: client_id.to_owned(),
        secret_id: secret_id.to_owned(),
        sealed_secret: format!("sealed:{secret_id}").into_bytes(),
        created_ms,
    }
}

pub(crate) fn group(pool_id: &str, name: &str, created_ms: i64) -> GroupRecord {
    GroupRecord {
        pool_id: pool_id.to_owned(),
        name: name.to_owned(),
        description: Some(format!("about {name}")),
        role_arn: Some("arn:aws:iam::000000000000:role/r".to_owned()),
        precedence: Some(3),
        created_ms,
        modified_ms: created_ms,
    }
}

pub(crate) fn domain(pool_id: &str, name: &str, custom: bool, created_ms: i64) -> DomainRecord {
    DomainRecord {
        domain: name.to_owned(),
        pool_id: pool_id.to_owned(),
        custom,
        settings: json!({"ManagedLoginVersion": 1, "Custom": custom}),
        created_ms,
        modified_ms: created_ms,
    }
}

pub(crate) fn resource_server(
    pool_id: &str,
    identifier: &str,
    created_ms: i64,
) -> ResourceServerRecord {
    ResourceServerRecord {
        pool_id: pool_id.to_owned(),
        identifier: identifier.to_owned(),
        name: format!("server {identifier}"),
        scopes: json!([{"ScopeName": "read", "ScopeDescription": "Read ✓"}]),
        created_ms,
        modified_ms: created_ms,
    }
}

pub(crate) fn identity_pool(id: &str, created_ms: i64) -> IdentityPoolRecord {
    IdentityPoolRecord {
        id: id.to_owned(),
        name: format!("identity pool {id}"),
        created_ms,
        modified_ms: created_ms,
        settings: settings(id),
        tags: BTreeMap::from([("team".to_owned(), "a".to_owned())]),
    }
}

/// A user with every field set. Attributes are sorted by name, as the store
/// returns them.
pub(crate) fn user(pool_id: &str, sub: &str, username: &str, created_ms: i64) -> UserRecord {
    UserRecord {
        pool_id: pool_id.to_owned(),
        sub: sub.to_owned(),
        username: username.to_owned(),
        username_key: username.to_lowercase(),
        status: "CONFIRMED".to_owned(),
        enabled: true,
        password_hash: Some(format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA${username}")),
        password_expires_ms: Some(created_ms + 7 * 86_400_000),
        // Bytes of every value, as sealed blobs are.
        srp_verifier_sealed: Some((0..=255u8).chain([0, 0, 1]).collect()),
        attributes: vec![
            ("custom:team".to_owned(), "blue ✓".to_owned()),
            ("email".to_owned(), format!("{username}@Example.com")),
            ("email_verified".to_owned(), "true".to_owned()),
            ("name".to_owned(), format!("Name of {username}")),
        ],
        created_ms,
        modified_ms: created_ms,
        tokens_revoked_before_ms: 0,
        extra: json!({
            "PasswordHistory": ["h1", "h2"],
            "Mfa": {"Preferred": null, "Totp": false},
            "Numbers": [1.5, 9007199254740993_u64],
        }),
    }
}

/// A user with only the attributes given.
pub(crate) fn bare_user(
    pool_id: &str,
    sub: &str,
    username: &str,
    attributes: &[(&str, &str)],
) -> UserRecord {
    UserRecord {
        attributes: attributes
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect(),
        ..user(pool_id, sub, username, 1_000)
    }
}

pub(crate) fn alias(kind: &str, value_key: &str) -> AliasClaim {
    AliasClaim {
        kind: kind.to_owned(),
        value_key: value_key.to_owned(),
    }
}

pub(crate) fn code(
    pool_id: &str,
    sub: &str,
    purpose: &str,
    hash: &[u8],
    expires_ms: i64,
) -> CodeRecord {
    CodeRecord {
        pool_id: pool_id.to_owned(),
        sub: sub.to_owned(),
        purpose: purpose.to_owned(),
        code_hash: hash.to_vec(),
        created_ms: 1_000,
        expires_ms,
        attempts_left: 3,
    }
}

pub(crate) fn refresh_token(
    pool_id: &str,
    sub: &str,
    hash: &[u8],
    family: &str,
    issued_ms: i64,
) -> RefreshTokenRecord {
    RefreshTokenRecord {
        token_hash: hash.to_vec(),
        pool_id: pool_id.to_owned(),
        sub: sub.to_owned(),
        client_id: "client-1".to_owned(),
        origin_jti: family.to_owned(),
        auth_time_s: issued_ms / 1_000,
        device_key: Some("us-east-1_device".to_owned()),
        scopes: "openid email aws.cognito.signin.user.admin".to_owned(),
        issued_ms,
        expires_ms: issued_ms + 30 * 86_400_000,
        revoked: false,
        replaced_ms: None,
    }
}

pub(crate) fn message(
    pool_id: &str,
    id: &str,
    destination: &str,
    created_ms: i64,
) -> MessageRecord {
    MessageRecord {
        id: id.to_owned(),
        pool_id: pool_id.to_owned(),
        username: Some(format!("user-of-{destination}")),
        channel: message_channel::EMAIL.to_owned(),
        destination: destination.to_owned(),
        purpose: "SIGN_UP".to_owned(),
        sealed_content: vec![0, 1, 2, 254, 255],
        created_ms,
        status: message_status::PENDING.to_owned(),
        attempts: 0,
        last_error: None,
        next_attempt_ms: created_ms,
    }
}

/// Creates a user with no aliases.
pub(crate) async fn create_user(store: &DynStore, u: &UserRecord) {
    store.create_user(u, &[], false).await.unwrap();
}

/// Creates a pool with no signing keys.
pub(crate) async fn create_pool(store: &DynStore, id: &str) {
    store.create_user_pool(&pool(id, 1_000), &[]).await.unwrap();
}

/// Reads a listing page by page with `limit` and returns every item, checking
/// that each page respects the limit and that only the last page lacks a cursor.
pub(crate) async fn collect_pages<T, F, Fut>(limit: u32, mut fetch: F) -> Vec<T>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, StoreError>>,
{
    let mut all = Vec::new();
    let mut request = PageRequest::first(limit);
    for _ in 0..1_000 {
        let page = fetch(request.clone()).await.unwrap();
        assert!(page.items.len() <= limit as usize, "page over the limit");
        all.extend(page.items);
        match page.next {
            Some(next) => request = PageRequest::after(limit, next),
            None => return all,
        }
    }
    panic!("pagination did not terminate");
}
