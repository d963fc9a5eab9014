use cognate_crypto::ids;
use regex::Regex;

/// Anchored versions of the botocore cognito-idp / cognito-identity model patterns, plus
/// Cognito's observed formats.
fn full(pattern: &str) -> Regex {
    Regex::new(&format!("^(?:{pattern})$")).unwrap()
}

#[test]
fn user_pool_id_matches_model() {
    let model = full(r"[\w-]+_[0-9a-zA-Z]+"); // UserPoolIdType, 1..=55
    let exact = full(r"eu-west-3_[0-9a-zA-Z]{9}");
    for _ in 0..100 {
        let id = ids::user_pool_id("eu-west-3");
        assert!(model.is_match(&id) && exact.is_match(&id), "{id}");
        assert!(id.len() <= 55);
    }
}

#[test]
fn client_id_and_secret_match_model() {
    let client_id_model = full(r"[\w+]+"); // ClientIdType, 1..=128
    let secret_model = full(r"[\w+]+"); // ClientSecretType, 24..=64
    let id_exact = full(r"[a-z0-9]{26}");
    let secret_exact = full(r"[a-z0-9]{52}");
    for _ in 0..100 {
        let id = ids::client_id();
        assert!(
            client_id_model.is_match(&id) && id_exact.is_match(&id),
            "{id}"
        );
        let secret = ids::client_secret();
        assert!(secret_model.is_match(&secret) && secret_exact.is_match(&secret));
        assert!((24..=64).contains(&secret.len()));
    }
}

#[test]
fn client_secret_id_format() {
    // ClientSecretIdType: length 1..=128, documented as <client-id>--<epoch-create-time>.
    let client = ids::client_id();
    let id = ids::client_secret_id(&client, 1_760_000_000_123);
    assert_eq!(id, format!("{client}--1760000000123"));
    assert!(full(r"[a-z0-9]{26}--[0-9]+").is_match(&id));
    assert!((1..=128).contains(&id.len()));
}

#[test]
fn identity_ids_match_model() {
    let model = full(r"[\w-]+:[0-9a-f-]+"); // IdentityPoolId and IdentityId, 1..=55
    let v4 =
        full(r"[a-z0-9-]+:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    for region in ["us-east-1", "ap-southeast-5"] {
        for id in [ids::identity_pool_id(region), ids::identity_id(region)] {
            assert!(model.is_match(&id) && v4.is_match(&id), "{id}");
            assert!(id.len() <= 55);
        }
    }
}

#[test]
fn uuid_and_tokens() {
    assert!(
        full(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
            .is_match(&ids::uuid())
    );
    let t = ids::random_token(32);
    assert!(full(r"[A-Za-z0-9_-]{43}").is_match(&t), "{t}");
}

#[test]
fn ids_do_not_repeat() {
    let mut seen = std::collections::HashSet::new();
    for _ in 0..1000 {
        assert!(seen.insert(ids::client_id()));
        assert!(seen.insert(ids::user_pool_id("us-east-1")));
    }
}
