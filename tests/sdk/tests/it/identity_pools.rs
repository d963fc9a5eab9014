//! Identity pools: create with defaults, settings kept as given, list and page, update
//! (replace; the developer provider name is fixed once set), delete, not found, provider
//! rules, tags.

use std::collections::HashMap;

use aws_sdk_cognitoidentity::types::CognitoIdentityProvider;

use crate::harness::{Env, code, message};
use crate::on_both_backends;

const USER_POOL_PROVIDER: &str = "cognito-idp.us-east-1.amazonaws.com/us-east-1_Zr231apJu";
const MISSING: &str = "us-east-1:00000000-0000-4000-8000-000000000000";

fn is_identity_pool_id(id: &str) -> bool {
    let Some(uuid) = id.strip_prefix("us-east-1:") else {
        return false;
    };
    let groups: Vec<&str> = uuid.split('-').collect();
    groups.iter().map(|g| g.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && groups.iter().all(|g| {
            g.chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        })
}

fn arn(id: &str) -> String {
    format!("arn:aws:cognito-identity:us-east-1:000000000000:identitypool/{id}")
}

fn provider(client_id: &str, check: Option<bool>) -> CognitoIdentityProvider {
    CognitoIdentityProvider::builder()
        .provider_name(USER_POOL_PROVIDER)
        .client_id(client_id)
        .set_server_side_token_check(check)
        .build()
}

async fn pool_names(env: &Env) -> Vec<String> {
    let listed = env
        .identity
        .list_identity_pools()
        .max_results(60)
        .send()
        .await
        .unwrap();
    let mut names: Vec<String> = listed
        .identity_pools()
        .iter()
        .filter_map(|p| p.identity_pool_name().map(str::to_owned))
        .collect();
    names.sort();
    names
}

async fn tags_of(env: &Env, id: &str) -> HashMap<String, String> {
    env.identity
        .list_tags_for_resource()
        .resource_arn(arn(id))
        .send()
        .await
        .unwrap()
        .tags()
        .cloned()
        .unwrap_or_default()
}

async fn create_applies_defaults(env: Env) {
    let created = env
        .identity
        .create_identity_pool()
        .identity_pool_name("plain")
        .allow_unauthenticated_identities(false)
        .send()
        .await
        .unwrap();
    let id = created.identity_pool_id();
    assert!(is_identity_pool_id(id), "{id}");
    assert_eq!(created.identity_pool_name(), "plain");
    assert!(!created.allow_unauthenticated_identities());
    assert_eq!(created.allow_classic_flow(), Some(false));
    assert_eq!(created.identity_pool_tags(), Some(&HashMap::new()));
    assert_eq!(created.developer_provider_name(), None);
    assert_eq!(created.supported_login_providers(), None);
    assert_eq!(created.cognito_identity_providers, None);
    assert_eq!(created.open_id_connect_provider_arns, None);
    assert_eq!(created.saml_provider_arns, None);

    let described = env
        .identity
        .describe_identity_pool()
        .identity_pool_id(id)
        .send()
        .await
        .unwrap();
    assert_eq!(described.identity_pool_id(), id);
    assert_eq!(described.identity_pool_name(), "plain");
    assert!(!described.allow_unauthenticated_identities());
    assert_eq!(described.allow_classic_flow(), Some(false));
    assert_eq!(described.identity_pool_tags(), Some(&HashMap::new()));
    assert_eq!(described.cognito_identity_providers, None);
    assert_eq!(tags_of(&env, id).await, HashMap::new());
}

async fn create_keeps_given_settings(env: Env) {
    let created = env
        .identity
        .create_identity_pool()
        .identity_pool_name("full")
        .allow_unauthenticated_identities(true)
        .allow_classic_flow(true)
        .supported_login_providers("graph.facebook.com", "7346241598935555")
        .developer_provider_name("login.example")
        .open_id_connect_provider_arns("arn:aws:iam::123456789012:oidc-provider/id.example.com")
        .saml_provider_arns("arn:aws:iam::123456789012:saml-provider/corp")
        .cognito_identity_providers(provider("1example23456789clientone", None))
        .cognito_identity_providers(provider("2example23456789clienttwo", Some(true)))
        .identity_pool_tags("team", "identity")
        .send()
        .await
        .unwrap();
    let id = created.identity_pool_id().to_owned();
    let described = env
        .identity
        .describe_identity_pool()
        .identity_pool_id(&id)
        .send()
        .await
        .unwrap();
    for (name, allow_unauth, classic, logins, developer, oidc, saml, providers, tags) in [
        (
            created.identity_pool_name(),
            created.allow_unauthenticated_identities(),
            created.allow_classic_flow(),
            created.supported_login_providers(),
            created.developer_provider_name(),
            created.open_id_connect_provider_arns(),
            created.saml_provider_arns(),
            created.cognito_identity_providers(),
            created.identity_pool_tags(),
        ),
        (
            described.identity_pool_name(),
            described.allow_unauthenticated_identities(),
            described.allow_classic_flow(),
            described.supported_login_providers(),
            described.developer_provider_name(),
            described.open_id_connect_provider_arns(),
            described.saml_provider_arns(),
            described.cognito_identity_providers(),
            described.identity_pool_tags(),
        ),
    ] {
        assert_eq!(name, "full");
        assert!(allow_unauth);
        assert_eq!(classic, Some(true));
        assert_eq!(
            logins,
            Some(&HashMap::from([(
                "graph.facebook.com".to_owned(),
                "7346241598935555".to_owned()
            )]))
        );
        assert_eq!(developer, Some("login.example"));
        assert_eq!(
            oidc,
            ["arn:aws:iam::123456789012:oidc-provider/id.example.com"]
        );
        assert_eq!(saml, ["arn:aws:iam::123456789012:saml-provider/corp"]);
        // ServerSideTokenCheck defaults to false.
        assert_eq!(
            providers,
            [
                provider("1example23456789clientone", Some(false)),
                provider("2example23456789clienttwo", Some(true))
            ]
        );
        assert_eq!(
            tags,
            Some(&HashMap::from([("team".to_owned(), "identity".to_owned())]))
        );
    }
}

async fn list_pages_through_identity_pools(env: Env) {
    let mut created = Vec::new();
    for i in 0..3 {
        let pool = env
            .identity
            .create_identity_pool()
            .identity_pool_name(format!("pool{i}"))
            .allow_unauthenticated_identities(false)
            .send()
            .await
            .unwrap();
        created.push(pool.identity_pool_id().to_owned());
    }
    let mut seen = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let page = env
            .identity
            .list_identity_pools()
            .max_results(2)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(page.identity_pools().len() <= 2);
        for pool in page.identity_pools() {
            let id = pool.identity_pool_id().unwrap();
            let index = created.iter().position(|c| c == id).unwrap();
            assert_eq!(
                pool.identity_pool_name(),
                Some(format!("pool{index}").as_str())
            );
            seen.push(id.to_owned());
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() || pages > 5 {
            break;
        }
    }
    assert_eq!(pages, 2);
    seen.sort();
    created.sort();
    assert_eq!(seen, created);

    for bad in [0, 61] {
        let refused = env
            .identity
            .list_identity_pools()
            .max_results(bad)
            .send()
            .await;
        assert_eq!(code(&refused), "InvalidParameterException", "{bad}");
    }
    let refused = env
        .identity
        .list_identity_pools()
        .max_results(10)
        .next_token("not-a-token")
        .send()
        .await;
    assert_eq!(code(&refused), "InvalidParameterException");
}

async fn update_replaces_the_configuration(env: Env) {
    let created = env
        .identity
        .create_identity_pool()
        .identity_pool_name("before")
        .allow_unauthenticated_identities(false)
        .allow_classic_flow(true)
        .supported_login_providers("accounts.google.com", "123.apps.googleusercontent.com")
        .cognito_identity_providers(provider("1example23456789clientone", Some(true)))
        .identity_pool_tags("team", "identity")
        .send()
        .await
        .unwrap();
    let id = created.identity_pool_id().to_owned();

    let updated = env
        .identity
        .update_identity_pool()
        .identity_pool_id(&id)
        .identity_pool_name("after")
        .allow_unauthenticated_identities(true)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.identity_pool_name(), "after");
    let described = env
        .identity
        .describe_identity_pool()
        .identity_pool_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(described.identity_pool_name(), "after");
    assert!(described.allow_unauthenticated_identities());
    // What the update left out is back to its default...
    assert_eq!(described.allow_classic_flow(), Some(false));
    assert_eq!(described.supported_login_providers(), None);
    assert_eq!(described.cognito_identity_providers, None);
    // ...except the tags, which have their own operations.
    assert_eq!(
        described.identity_pool_tags(),
        Some(&HashMap::from([("team".to_owned(), "identity".to_owned())]))
    );
    assert_eq!(pool_names(&env).await, ["after"]);

    // Providers can be given again.
    env.identity
        .update_identity_pool()
        .identity_pool_id(&id)
        .identity_pool_name("after")
        .allow_unauthenticated_identities(false)
        .cognito_identity_providers(provider("2example23456789clienttwo", None))
        .send()
        .await
        .unwrap();
    let described = env
        .identity
        .describe_identity_pool()
        .identity_pool_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.cognito_identity_providers(),
        [provider("2example23456789clienttwo", Some(false))]
    );
    assert!(!described.allow_unauthenticated_identities());
}

async fn developer_provider_name_is_fixed_once_set(env: Env) {
    let created = env
        .identity
        .create_identity_pool()
        .identity_pool_name("developer")
        .allow_unauthenticated_identities(false)
        .developer_provider_name("login.example")
        .send()
        .await
        .unwrap();
    let id = created.identity_pool_id().to_owned();
    let changed = env
        .identity
        .update_identity_pool()
        .identity_pool_id(&id)
        .identity_pool_name("renamed")
        .allow_unauthenticated_identities(true)
        .developer_provider_name("login.other")
        .send()
        .await;
    assert_eq!(code(&changed), "InvalidParameterException");
    assert_eq!(
        message(&changed),
        "Developer provider name cannot be changed once set."
    );
    let described = env
        .identity
        .describe_identity_pool()
        .identity_pool_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(described.identity_pool_name(), "developer");
    assert!(!described.allow_unauthenticated_identities());
    assert_eq!(described.developer_provider_name(), Some("login.example"));

    // Leaving it out, or naming it again, keeps it.
    env.identity
        .update_identity_pool()
        .identity_pool_id(&id)
        .identity_pool_name("renamed")
        .allow_unauthenticated_identities(false)
        .send()
        .await
        .unwrap();
    let described = env
        .identity
        .describe_identity_pool()
        .identity_pool_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(described.identity_pool_name(), "renamed");
    assert_eq!(described.developer_provider_name(), Some("login.example"));
    env.identity
        .update_identity_pool()
        .identity_pool_id(&id)
        .identity_pool_name("renamed")
        .allow_unauthenticated_identities(false)
        .developer_provider_name("login.example")
        .send()
        .await
        .unwrap();

    // A pool without one can be given one.
    let other = env
        .identity
        .create_identity_pool()
        .identity_pool_name("later")
        .allow_unauthenticated_identities(false)
        .send()
        .await
        .unwrap();
    let updated = env
        .identity
        .update_identity_pool()
        .identity_pool_id(other.identity_pool_id())
        .identity_pool_name("later")
        .allow_unauthenticated_identities(false)
        .developer_provider_name("login.later")
        .send()
        .await
        .unwrap();
    assert_eq!(updated.developer_provider_name(), Some("login.later"));
}

async fn delete_and_unknown_pools(env: Env) {
    let expected = format!("IdentityPool '{MISSING}' not found.");
    let describe = env
        .identity
        .describe_identity_pool()
        .identity_pool_id(MISSING)
        .send()
        .await;
    assert_eq!(code(&describe), "ResourceNotFoundException");
    assert_eq!(message(&describe), expected);
    let update = env
        .identity
        .update_identity_pool()
        .identity_pool_id(MISSING)
        .identity_pool_name("ghost")
        .allow_unauthenticated_identities(false)
        .send()
        .await;
    assert_eq!(code(&update), "ResourceNotFoundException");
    assert_eq!(message(&update), expected);
    let delete = env
        .identity
        .delete_identity_pool()
        .identity_pool_id(MISSING)
        .send()
        .await;
    assert_eq!(code(&delete), "ResourceNotFoundException");
    assert_eq!(message(&delete), expected);
    assert!(pool_names(&env).await.is_empty());

    let mut ids = Vec::new();
    for name in ["keep", "drop"] {
        let created = env
            .identity
            .create_identity_pool()
            .identity_pool_name(name)
            .allow_unauthenticated_identities(false)
            .send()
            .await
            .unwrap();
        ids.push(created.identity_pool_id().to_owned());
    }
    env.identity
        .delete_identity_pool()
        .identity_pool_id(&ids[1])
        .send()
        .await
        .unwrap();
    let gone = env
        .identity
        .describe_identity_pool()
        .identity_pool_id(&ids[1])
        .send()
        .await;
    assert_eq!(code(&gone), "ResourceNotFoundException");
    assert_eq!(
        message(&gone),
        format!("IdentityPool '{}' not found.", ids[1])
    );
    let twice = env
        .identity
        .delete_identity_pool()
        .identity_pool_id(&ids[1])
        .send()
        .await;
    assert_eq!(code(&twice), "ResourceNotFoundException");
    let tags = env
        .identity
        .list_tags_for_resource()
        .resource_arn(arn(&ids[1]))
        .send()
        .await;
    assert_eq!(code(&tags), "ResourceNotFoundException");
    assert_eq!(pool_names(&env).await, ["keep"]);
}

async fn bad_cognito_providers_are_refused(env: Env) {
    for bad in [
        "us-east-1_Zr231apJu",
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Zr231apJu",
        "cognito-idp.us-east-1.amazonaws.com/",
    ] {
        let refused = env
            .identity
            .create_identity_pool()
            .identity_pool_name("bad")
            .allow_unauthenticated_identities(false)
            .cognito_identity_providers(
                CognitoIdentityProvider::builder()
                    .provider_name(bad)
                    .client_id("1example23456789clientone")
                    .build(),
            )
            .send()
            .await;
        assert_eq!(code(&refused), "InvalidParameterException", "{bad}");
        assert_eq!(message(&refused), "Invalid Cognito Identity Provider");
    }
    assert!(pool_names(&env).await.is_empty());

    let created = env
        .identity
        .create_identity_pool()
        .identity_pool_name("good")
        .allow_unauthenticated_identities(false)
        .cognito_identity_providers(provider("1example23456789clientone", None))
        .send()
        .await
        .unwrap();
    let id = created.identity_pool_id().to_owned();
    let refused = env
        .identity
        .update_identity_pool()
        .identity_pool_id(&id)
        .identity_pool_name("good")
        .allow_unauthenticated_identities(false)
        .cognito_identity_providers(
            CognitoIdentityProvider::builder()
                .provider_name("not-a-provider")
                .client_id("2example23456789clienttwo")
                .build(),
        )
        .send()
        .await;
    assert_eq!(code(&refused), "InvalidParameterException");
    assert_eq!(message(&refused), "Invalid Cognito Identity Provider");
    let described = env
        .identity
        .describe_identity_pool()
        .identity_pool_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.cognito_identity_providers(),
        [provider("1example23456789clientone", Some(false))]
    );
}

async fn tags_on_an_identity_pool(env: Env) {
    let created = env
        .identity
        .create_identity_pool()
        .identity_pool_name("tagged")
        .allow_unauthenticated_identities(false)
        .identity_pool_tags("team", "identity")
        .send()
        .await
        .unwrap();
    let id = created.identity_pool_id().to_owned();
    env.identity
        .tag_resource()
        .resource_arn(arn(&id))
        .tags("env", "test")
        .tags("owner", "ci")
        .send()
        .await
        .unwrap();
    env.identity
        .untag_resource()
        .resource_arn(arn(&id))
        .tag_keys("owner")
        .send()
        .await
        .unwrap();
    let expected = HashMap::from([
        ("team".to_owned(), "identity".to_owned()),
        ("env".to_owned(), "test".to_owned()),
    ]);
    assert_eq!(tags_of(&env, &id).await, expected);
    let described = env
        .identity
        .describe_identity_pool()
        .identity_pool_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(described.identity_pool_tags(), Some(&expected));

    // More than 50 tags, at once or in total, are refused and change nothing.
    let many: HashMap<String, String> =
        (0..51).map(|i| (format!("k{i}"), "v".to_owned())).collect();
    let refused = env
        .identity
        .tag_resource()
        .resource_arn(arn(&id))
        .set_tags(Some(many.clone()))
        .send()
        .await;
    assert_eq!(code(&refused), "InvalidParameterException");
    let forty_nine: HashMap<String, String> =
        (0..49).map(|i| (format!("k{i}"), "v".to_owned())).collect();
    let refused = env
        .identity
        .tag_resource()
        .resource_arn(arn(&id))
        .set_tags(Some(forty_nine))
        .send()
        .await;
    assert_eq!(code(&refused), "InvalidParameterException");
    assert_eq!(tags_of(&env, &id).await, expected);
    let refused = env
        .identity
        .create_identity_pool()
        .identity_pool_name("overtagged")
        .allow_unauthenticated_identities(false)
        .set_identity_pool_tags(Some(many))
        .send()
        .await;
    assert_eq!(code(&refused), "InvalidParameterException");
    assert_eq!(pool_names(&env).await, ["tagged"]);

    let missing = env
        .identity
        .tag_resource()
        .resource_arn(arn(MISSING))
        .tags("env", "test")
        .send()
        .await;
    assert_eq!(code(&missing), "ResourceNotFoundException");
    let missing = env
        .identity
        .untag_resource()
        .resource_arn(arn(MISSING))
        .tag_keys("env")
        .send()
        .await;
    assert_eq!(code(&missing), "ResourceNotFoundException");
}

on_both_backends!(
    create_applies_defaults,
    create_keeps_given_settings,
    list_pages_through_identity_pools,
    update_replaces_the_configuration,
    developer_provider_name_is_fixed_once_set,
    delete_and_unknown_pools,
    bad_cognito_providers_are_refused,
    tags_on_an_identity_pool,
);
