//! The service end to end in process, over a real (SQLite, temporary) store.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;

use cognate_store_sqlite::SqliteStore;
use cognate_wire::identity::*;
use cognate_wire::{ErrorCode, RequestContext};

use crate::{IdentityService, ServiceConfig};

const REGION: &str = "eu-west-1";
const ACCOUNT: &str = "123456789012";
const USER_POOL_PROVIDER: &str = "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Zr231apJu";

struct Fixture {
    svc: IdentityService,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("cognate.db")).unwrap();
    let svc = IdentityService::new(
        Arc::new(store),
        Arc::new(cognate_crypto::envelope::Kek::generate().unwrap()),
        ServiceConfig {
            region: REGION.into(),
            account_id: ACCOUNT.into(),
            public_url: "http://127.0.0.1:9229".into(),
            openid_issuer: ServiceConfig::default_openid_issuer("http://127.0.0.1:9229"),
        },
    );
    Fixture { svc, _dir: dir }
}

fn ctx(now_ms: i64) -> RequestContext {
    RequestContext {
        request_id: "req".into(),
        now_ms,
        region: REGION.into(),
        caller: Some("AKIDEXAMPLE".into()),
        source_ip: None,
    }
}

fn create_input(name: &str) -> CreateIdentityPoolInput {
    serde_json::from_value(json!({
        "IdentityPoolName": name,
        "AllowUnauthenticatedIdentities": false
    }))
    .unwrap()
}

fn arn(pool_id: &str) -> String {
    cognate_domain::arn::identity_pool_arn(REGION, ACCOUNT, pool_id)
}

fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn create_applies_defaults_and_describe_returns_the_same_document() {
    let f = fixture();
    let created = f
        .svc
        .create_identity_pool(&ctx(1_000), create_input("my pool"))
        .await
        .unwrap();
    let (region, guid) = created.identity_pool_id.split_once(':').unwrap();
    assert_eq!(region, REGION);
    assert_eq!(guid.len(), 36);
    // Exactly the members a real DescribeIdentityPool returns for a bare pool.
    assert_eq!(
        serde_json::to_value(&created).unwrap(),
        json!({
            "IdentityPoolId": created.identity_pool_id,
            "IdentityPoolName": "my pool",
            "AllowUnauthenticatedIdentities": false,
            "AllowClassicFlow": false,
            "IdentityPoolTags": {}
        })
    );
    let described = f
        .svc
        .describe_identity_pool(
            &ctx(2_000),
            DescribeIdentityPoolInput {
                identity_pool_id: created.identity_pool_id.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(described, created);
}

#[tokio::test]
async fn create_stores_the_full_configuration() {
    let f = fixture();
    let input: CreateIdentityPoolInput = serde_json::from_value(json!({
        "IdentityPoolName": "full",
        "AllowUnauthenticatedIdentities": true,
        "AllowClassicFlow": true,
        "SupportedLoginProviders": {"graph.facebook.com": "7346241598935555"},
        "DeveloperProviderName": "login.example",
        "OpenIdConnectProviderARNs": ["arn:aws:iam::123456789012:oidc-provider/example.com"],
        "CognitoIdentityProviders": [{"ProviderName": USER_POOL_PROVIDER, "ClientId": "7lhlkkfbfb4q5kpp90urffao"}],
        "SamlProviderARNs": ["arn:aws:iam::123456789012:saml-provider/corp"],
        "IdentityPoolTags": {"env": "test"}
    }))
    .unwrap();
    let created = f.svc.create_identity_pool(&ctx(1), input).await.unwrap();
    let doc = serde_json::to_value(&created).unwrap();
    assert_eq!(
        doc["CognitoIdentityProviders"],
        json!([{"ProviderName": USER_POOL_PROVIDER, "ClientId": "7lhlkkfbfb4q5kpp90urffao", "ServerSideTokenCheck": false}])
    );
    assert_eq!(doc["DeveloperProviderName"], "login.example");
    assert_eq!(doc["AllowClassicFlow"], true);
    assert_eq!(doc["IdentityPoolTags"], json!({"env": "test"}));
    assert_eq!(
        doc["SupportedLoginProviders"],
        json!({"graph.facebook.com": "7346241598935555"})
    );
}

#[tokio::test]
async fn create_refuses_a_bad_user_pool_provider_and_too_many_tags() {
    let f = fixture();
    let bad: CreateIdentityPoolInput = serde_json::from_value(json!({
        "IdentityPoolName": "p",
        "AllowUnauthenticatedIdentities": false,
        "CognitoIdentityProviders": [{"ClientId": "769obvghue82qn3tlrbl1em0pr"}]
    }))
    .unwrap();
    let err = f.svc.create_identity_pool(&ctx(1), bad).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidParameterException);
    assert_eq!(err.message, "Invalid Cognito Identity Provider");

    let mut many = create_input("p");
    many.identity_pool_tags = Some((0..51).map(|i| (format!("k{i}"), String::new())).collect());
    let err = f.svc.create_identity_pool(&ctx(1), many).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidParameterException);
    assert_eq!(err.message, "An identity pool can have at most 50 tags.");
}

#[tokio::test]
async fn unknown_pools_are_not_found_with_cognitos_message() {
    let f = fixture();
    let id = "eu-west-1:00000000-0000-4000-8000-000000000000";
    let expected = format!("IdentityPool '{id}' not found.");
    let err = f
        .svc
        .describe_identity_pool(
            &ctx(1),
            DescribeIdentityPoolInput {
                identity_pool_id: id.into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        (err.code, err.message.as_str()),
        (ErrorCode::ResourceNotFoundException, expected.as_str())
    );
    let err = f
        .svc
        .delete_identity_pool(
            &ctx(1),
            DeleteIdentityPoolInput {
                identity_pool_id: id.into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.message, expected);
    let update = IdentityPool {
        identity_pool_id: id.into(),
        identity_pool_name: "x".into(),
        allow_unauthenticated_identities: false,
        ..IdentityPool::default()
    };
    let err = f
        .svc
        .update_identity_pool(&ctx(1), update)
        .await
        .unwrap_err();
    assert_eq!(err.message, expected);
    let err = f
        .svc
        .list_tags_for_resource(
            &ctx(1),
            ListTagsForResourceInput {
                resource_arn: arn(id),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.message, expected);
    let err = f
        .svc
        .tag_resource(
            &ctx(1),
            TagResourceInput {
                resource_arn: arn(id),
                tags: tags(&[("a", "1")]),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.message, expected);
}

#[tokio::test]
async fn update_replaces_the_configuration_but_keeps_fixed_members() {
    let f = fixture();
    let input: CreateIdentityPoolInput = serde_json::from_value(json!({
        "IdentityPoolName": "before",
        "AllowUnauthenticatedIdentities": true,
        "AllowClassicFlow": true,
        "DeveloperProviderName": "login.example",
        "CognitoIdentityProviders": [{"ProviderName": USER_POOL_PROVIDER, "ClientId": "c1", "ServerSideTokenCheck": true}],
        "IdentityPoolTags": {"env": "test"}
    }))
    .unwrap();
    let created = f.svc.create_identity_pool(&ctx(1), input).await.unwrap();
    let id = created.identity_pool_id.clone();

    // Only the required members: everything else returns to its default, except the
    // developer provider name (fixed once set) and the tags (managed separately).
    let updated = f
        .svc
        .update_identity_pool(
            &ctx(2),
            IdentityPool {
                identity_pool_id: id.clone(),
                identity_pool_name: "after".into(),
                allow_unauthenticated_identities: false,
                ..IdentityPool::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&updated).unwrap(),
        json!({
            "IdentityPoolId": id,
            "IdentityPoolName": "after",
            "AllowUnauthenticatedIdentities": false,
            "AllowClassicFlow": false,
            "DeveloperProviderName": "login.example",
            "IdentityPoolTags": {"env": "test"}
        })
    );
    let described = f
        .svc
        .describe_identity_pool(
            &ctx(3),
            DescribeIdentityPoolInput {
                identity_pool_id: id.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(described, updated);

    // Changing the developer provider name is refused and changes nothing.
    let err = f
        .svc
        .update_identity_pool(
            &ctx(4),
            IdentityPool {
                identity_pool_id: id.clone(),
                identity_pool_name: "renamed".into(),
                allow_unauthenticated_identities: true,
                developer_provider_name: Some("login.other".into()),
                ..IdentityPool::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidParameterException);
    assert_eq!(
        f.svc
            .describe_identity_pool(
                &ctx(5),
                DescribeIdentityPoolInput {
                    identity_pool_id: id.clone()
                }
            )
            .await
            .unwrap(),
        updated
    );

    // Tags given to UpdateIdentityPool replace the pool's tags.
    let retagged = f
        .svc
        .update_identity_pool(
            &ctx(6),
            IdentityPool {
                identity_pool_id: id.clone(),
                identity_pool_name: "after".into(),
                allow_unauthenticated_identities: false,
                identity_pool_tags: Some(tags(&[("team", "x")])),
                ..IdentityPool::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(retagged.identity_pool_tags, Some(tags(&[("team", "x")])));
}

#[tokio::test]
async fn list_pages_through_pools_in_creation_order() {
    let f = fixture();
    let mut ids = Vec::new();
    for (i, name) in ["a", "b", "b"].into_iter().enumerate() {
        let created = f
            .svc
            .create_identity_pool(&ctx(10 + i as i64), create_input(name))
            .await
            .unwrap();
        ids.push(created.identity_pool_id);
    }
    let first = f
        .svc
        .list_identity_pools(
            &ctx(20),
            ListIdentityPoolsInput {
                max_results: 2,
                next_token: None,
            },
        )
        .await
        .unwrap();
    let pools = first.identity_pools.unwrap();
    assert_eq!(
        pools
            .iter()
            .map(|p| p.identity_pool_id.clone().unwrap())
            .collect::<Vec<_>>(),
        ids[..2]
    );
    assert_eq!(pools[1].identity_pool_name.as_deref(), Some("b"));
    let second = f
        .svc
        .list_identity_pools(
            &ctx(21),
            ListIdentityPoolsInput {
                max_results: 2,
                next_token: first.next_token,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        second.identity_pools.unwrap()[0]
            .identity_pool_id
            .as_deref(),
        Some(ids[2].as_str())
    );
    assert_eq!(second.next_token, None);

    let err = f
        .svc
        .list_identity_pools(
            &ctx(22),
            ListIdentityPoolsInput {
                max_results: 2,
                next_token: Some("garbage".into()),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidParameterException);

    let empty = fixture()
        .svc
        .list_identity_pools(
            &ctx(1),
            ListIdentityPoolsInput {
                max_results: 60,
                next_token: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&empty).unwrap(),
        json!({"IdentityPools": []})
    );
}

async fn listed_tags(f: &Fixture, resource_arn: &str) -> BTreeMap<String, String> {
    let input = ListTagsForResourceInput {
        resource_arn: resource_arn.to_owned(),
    };
    let listed = f.svc.list_tags_for_resource(&ctx(2), input).await.unwrap();
    listed.tags.unwrap()
}

#[tokio::test]
async fn tags_are_added_listed_removed_and_limited() {
    let f = fixture();
    let created = f
        .svc
        .create_identity_pool(&ctx(1), create_input("p"))
        .await
        .unwrap();
    let resource_arn = arn(&created.identity_pool_id);
    assert_eq!(listed_tags(&f, &resource_arn).await, BTreeMap::new());

    f.svc
        .tag_resource(
            &ctx(3),
            TagResourceInput {
                resource_arn: resource_arn.clone(),
                tags: tags(&[("a", "1"), ("b", "2")]),
            },
        )
        .await
        .unwrap();
    f.svc
        .untag_resource(
            &ctx(4),
            UntagResourceInput {
                resource_arn: resource_arn.clone(),
                tag_keys: vec!["a".into(), "absent".into()],
            },
        )
        .await
        .unwrap();
    assert_eq!(listed_tags(&f, &resource_arn).await, tags(&[("b", "2")]));

    let too_many = (0..50).map(|i| (format!("k{i}"), "v".to_owned())).collect();
    let err = f
        .svc
        .tag_resource(
            &ctx(5),
            TagResourceInput {
                resource_arn: resource_arn.clone(),
                tags: too_many,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidParameterException);
    assert_eq!(err.message, "An identity pool can have at most 50 tags.");
    assert_eq!(listed_tags(&f, &resource_arn).await, tags(&[("b", "2")]));

    // DescribeIdentityPool shows the same tags.
    let described = f
        .svc
        .describe_identity_pool(
            &ctx(6),
            DescribeIdentityPoolInput {
                identity_pool_id: created.identity_pool_id.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(described.identity_pool_tags, Some(tags(&[("b", "2")])));

    let err = f
        .svc
        .tag_resource(
            &ctx(7),
            TagResourceInput {
                resource_arn: "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_abc"
                    .into(),
                tags: tags(&[("a", "1")]),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidParameterException);
}

#[tokio::test]
async fn delete_removes_the_pool() {
    let f = fixture();
    let created = f
        .svc
        .create_identity_pool(&ctx(1), create_input("p"))
        .await
        .unwrap();
    let id = created.identity_pool_id;
    f.svc
        .delete_identity_pool(
            &ctx(2),
            DeleteIdentityPoolInput {
                identity_pool_id: id.clone(),
            },
        )
        .await
        .unwrap();
    let err = f
        .svc
        .describe_identity_pool(
            &ctx(3),
            DescribeIdentityPoolInput {
                identity_pool_id: id,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::ResourceNotFoundException);
    let listed = f
        .svc
        .list_identity_pools(
            &ctx(4),
            ListIdentityPoolsInput {
                max_results: 10,
                next_token: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(listed.identity_pools, Some(Vec::new()));
}

#[tokio::test]
async fn the_account_quota_is_enforced() {
    let f = fixture();
    for i in 0..1_000 {
        let record = cognate_store::IdentityPoolRecord {
            id: format!("{REGION}:00000000-0000-4000-8000-{i:012}"),
            name: "filler".into(),
            created_ms: 1,
            modified_ms: 1,
            settings: json!({"AllowUnauthenticatedIdentities": false, "AllowClassicFlow": false}),
            tags: BTreeMap::new(),
        };
        f.svc.store.create_identity_pool(&record).await.unwrap();
    }
    let err = f
        .svc
        .create_identity_pool(&ctx(2), create_input("one too many"))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::LimitExceededException);
}

/// Through the generated dispatcher, as the protocol layer calls it: raw JSON in and out.
#[tokio::test]
async fn raw_json_round_trip_through_dispatch() {
    let f = fixture();
    let call = |op: &'static str, body: serde_json::Value| {
        let svc = &f.svc;
        async move {
            let body = serde_json::to_vec(&body).unwrap();
            dispatch(svc, &ctx(1), op, &body)
                .await
                .map(|out| serde_json::from_slice::<serde_json::Value>(&out).unwrap())
        }
    };
    let created = call(
        "CreateIdentityPool",
        json!({"IdentityPoolName": "raw", "AllowUnauthenticatedIdentities": true,
               "CognitoIdentityProviders": [{"ProviderName": USER_POOL_PROVIDER, "ClientId": "abc"}]}),
    )
    .await
    .unwrap();
    let id = created["IdentityPoolId"].as_str().unwrap().to_owned();
    let described = call("DescribeIdentityPool", json!({"IdentityPoolId": id}))
        .await
        .unwrap();
    assert_eq!(described, created);
    assert_eq!(
        described["CognitoIdentityProviders"][0]["ServerSideTokenCheck"],
        false
    );

    let err = call("ListIdentityPools", json!({"MaxResults": 0}))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidParameterException);
    let listed = call("ListIdentityPools", json!({"MaxResults": 60}))
        .await
        .unwrap();
    assert_eq!(
        listed,
        json!({"IdentityPools": [{"IdentityPoolId": id, "IdentityPoolName": "raw"}]})
    );
    assert_eq!(
        call("DeleteIdentityPool", json!({"IdentityPoolId": id}))
            .await
            .unwrap(),
        json!({})
    );
}
