//! Records with every field filled, so round trips check every column.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::{
    ClientRecord, ClientSecretRecord, DomainRecord, GroupRecord, IdentityPoolRecord, Page,
    PageRequest, ResourceServerRecord, SigningKeyRecord, Store, StoreError, UserPoolRecord,
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
