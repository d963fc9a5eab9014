//! User pool domains: a prefix domain's life, the prefix rules, one domain per name and one
//! prefix per pool, a custom domain beside the prefix, update and delete only by the owner.

use aws_sdk_cognitoidentityprovider::types::{CustomDomainConfigType, DomainStatusType};

use crate::harness::{Env, code, message};
use crate::on_both_backends;

const CERTIFICATE: &str =
    "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
const OTHER_CERTIFICATE: &str =
    "arn:aws:acm:us-east-1:123456789012:certificate/66666666-7777-8888-9999-000000000000";

async fn new_pool(env: &Env, name: &str) -> String {
    env.idp
        .create_user_pool()
        .pool_name(name)
        .send()
        .await
        .unwrap()
        .user_pool()
        .unwrap()
        .id()
        .unwrap()
        .to_owned()
}

fn certificate(arn: &str) -> CustomDomainConfigType {
    CustomDomainConfigType::builder()
        .certificate_arn(arn)
        .build()
        .unwrap()
}

/// The host Cognate serves every domain from: its own URL's host.
fn served_host(env: &Env) -> String {
    let authority = env
        .server
        .url
        .split_once("://")
        .map_or(env.server.url.as_str(), |(_, rest)| rest);
    authority.split(':').next().unwrap().to_owned()
}

/// (Domain, CustomDomain) as DescribeUserPool shows them.
async fn pool_domains(env: &Env, pool: &str) -> (Option<String>, Option<String>) {
    let described = env
        .idp
        .describe_user_pool()
        .user_pool_id(pool)
        .send()
        .await
        .unwrap();
    let pool = described.user_pool().unwrap();
    (
        pool.domain().map(str::to_owned),
        pool.custom_domain().map(str::to_owned),
    )
}

/// The pool that owns `domain`, per DescribeUserPoolDomain (None when nobody does).
async fn owner(env: &Env, domain: &str) -> Option<String> {
    let described = env
        .idp
        .describe_user_pool_domain()
        .domain(domain)
        .send()
        .await
        .unwrap();
    described
        .domain_description()
        .and_then(|d| d.user_pool_id())
        .map(str::to_owned)
}

async fn prefix_domain_lifecycle(env: Env) {
    let pool = new_pool(&env, "hosted").await;
    assert_eq!(pool_domains(&env, &pool).await, (None, None));
    let created = env
        .idp
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("my-app-login")
        .send()
        .await
        .unwrap();
    assert_eq!(created.managed_login_version(), Some(1));
    assert_eq!(created.cloud_front_domain(), None);

    let described = env
        .idp
        .describe_user_pool_domain()
        .domain("my-app-login")
        .send()
        .await
        .unwrap();
    let description = described.domain_description().unwrap();
    assert_eq!(description.user_pool_id(), Some(pool.as_str()));
    assert_eq!(description.aws_account_id(), Some("000000000000"));
    assert_eq!(description.domain(), Some("my-app-login"));
    assert_eq!(description.status(), Some(&DomainStatusType::Active));
    assert_eq!(description.managed_login_version(), Some(1));
    assert_eq!(description.custom_domain_config(), None);
    assert_eq!(
        pool_domains(&env, &pool).await,
        (Some("my-app-login".to_owned()), None)
    );

    env.idp
        .delete_user_pool_domain()
        .user_pool_id(&pool)
        .domain("my-app-login")
        .send()
        .await
        .unwrap();
    let described = env
        .idp
        .describe_user_pool_domain()
        .domain("my-app-login")
        .send()
        .await
        .unwrap();
    let description = described.domain_description().unwrap();
    assert_eq!(description.user_pool_id(), None);
    assert_eq!(description.domain(), None);
    assert_eq!(description.status(), None);
    assert_eq!(pool_domains(&env, &pool).await, (None, None));

    // Once deleted, the name and the pool's slot are free again.
    env.idp
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("my-app-login")
        .send()
        .await
        .unwrap();
    assert_eq!(owner(&env, "my-app-login").await, Some(pool));
}

async fn unknown_domains_describe_as_empty(env: Env) {
    let described = env
        .idp
        .describe_user_pool_domain()
        .domain("nobody-has-this")
        .send()
        .await
        .unwrap();
    let description = described.domain_description().unwrap();
    assert_eq!(description.user_pool_id(), None);
    assert_eq!(description.aws_account_id(), None);
    assert_eq!(description.domain(), None);
    assert_eq!(description.status(), None);
    assert_eq!(description.managed_login_version(), None);
}

async fn invalid_prefixes_are_refused(env: Env) {
    let pool = new_pool(&env, "prefixes").await;
    for bad in ["My_App", "-leading", "trailing-", "has.dot"] {
        let refused = env
            .idp
            .create_user_pool_domain()
            .user_pool_id(&pool)
            .domain(bad)
            .send()
            .await;
        assert_eq!(code(&refused), "InvalidParameterException", "{bad}");
        assert!(
            message(&refused).starts_with("The domain name contains an invalid character."),
            "{bad}: {}",
            message(&refused)
        );
        assert_eq!(owner(&env, bad).await, None);
    }
    for (bad, word) in [
        ("aws-login", "aws"),
        ("myamazonapp", "amazon"),
        ("login-cognito", "cognito"),
    ] {
        let refused = env
            .idp
            .create_user_pool_domain()
            .user_pool_id(&pool)
            .domain(bad)
            .send()
            .await;
        assert_eq!(code(&refused), "InvalidParameterException", "{bad}");
        assert_eq!(
            message(&refused),
            format!("Domain cannot contain reserved word: {word}")
        );
        assert_eq!(owner(&env, bad).await, None);
    }
    assert_eq!(pool_domains(&env, &pool).await, (None, None));

    let missing_pool = env
        .idp
        .create_user_pool_domain()
        .user_pool_id("us-east-1_NoSuchPoo")
        .domain("orphan-domain")
        .send()
        .await;
    assert_eq!(code(&missing_pool), "ResourceNotFoundException");
    assert_eq!(owner(&env, "orphan-domain").await, None);
}

async fn one_pool_per_domain_and_one_prefix_per_pool(env: Env) {
    let first = new_pool(&env, "first").await;
    let second = new_pool(&env, "second").await;
    env.idp
        .create_user_pool_domain()
        .user_pool_id(&first)
        .domain("shared-name")
        .send()
        .await
        .unwrap();

    let taken = env
        .idp
        .create_user_pool_domain()
        .user_pool_id(&second)
        .domain("shared-name")
        .send()
        .await;
    assert_eq!(code(&taken), "InvalidParameterException");
    assert_eq!(
        message(&taken),
        "Domain already associated with another user pool."
    );
    assert_eq!(owner(&env, "shared-name").await, Some(first.clone()));
    assert_eq!(pool_domains(&env, &second).await, (None, None));

    let second_prefix = env
        .idp
        .create_user_pool_domain()
        .user_pool_id(&first)
        .domain("another-name")
        .send()
        .await;
    assert_eq!(code(&second_prefix), "InvalidParameterException");
    assert_eq!(
        message(&second_prefix),
        "User pool already has a domain configured."
    );
    assert_eq!(owner(&env, "another-name").await, None);
    assert_eq!(
        pool_domains(&env, &first).await,
        (Some("shared-name".to_owned()), None)
    );

    // The other pool can have a name of its own.
    env.idp
        .create_user_pool_domain()
        .user_pool_id(&second)
        .domain("another-name")
        .send()
        .await
        .unwrap();
    assert_eq!(owner(&env, "another-name").await, Some(second));
}

async fn custom_domain_beside_a_prefix(env: Env) {
    let pool = new_pool(&env, "branded").await;
    env.idp
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("branded-login")
        .send()
        .await
        .unwrap();
    let created = env
        .idp
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("auth.example.com")
        .custom_domain_config(certificate(CERTIFICATE))
        .send()
        .await
        .unwrap();
    assert_eq!(
        created.cloud_front_domain(),
        Some(served_host(&env).as_str())
    );
    assert_eq!(created.managed_login_version(), Some(1));

    let described = env
        .idp
        .describe_user_pool_domain()
        .domain("auth.example.com")
        .send()
        .await
        .unwrap();
    let description = described.domain_description().unwrap();
    assert_eq!(description.user_pool_id(), Some(pool.as_str()));
    assert_eq!(description.domain(), Some("auth.example.com"));
    assert_eq!(description.status(), Some(&DomainStatusType::Active));
    assert_eq!(
        description.custom_domain_config(),
        Some(&certificate(CERTIFICATE))
    );
    assert_eq!(
        pool_domains(&env, &pool).await,
        (
            Some("branded-login".to_owned()),
            Some("auth.example.com".to_owned())
        )
    );

    // One custom domain per pool.
    let second_custom = env
        .idp
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("login.example.com")
        .custom_domain_config(certificate(CERTIFICATE))
        .send()
        .await;
    assert_eq!(code(&second_custom), "InvalidParameterException");
    assert_eq!(owner(&env, "login.example.com").await, None);

    // The custom domain is taken for every other pool too.
    let other = new_pool(&env, "copycat").await;
    let taken = env
        .idp
        .create_user_pool_domain()
        .user_pool_id(&other)
        .domain("auth.example.com")
        .custom_domain_config(certificate(OTHER_CERTIFICATE))
        .send()
        .await;
    assert_eq!(code(&taken), "InvalidParameterException");
    assert_eq!(
        message(&taken),
        "Domain already associated with another user pool."
    );
    assert_eq!(owner(&env, "auth.example.com").await, Some(pool.clone()));

    // Its certificate can be changed.
    let updated = env
        .idp
        .update_user_pool_domain()
        .user_pool_id(&pool)
        .domain("auth.example.com")
        .custom_domain_config(certificate(OTHER_CERTIFICATE))
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated.cloud_front_domain(),
        Some(served_host(&env).as_str())
    );
    let described = env
        .idp
        .describe_user_pool_domain()
        .domain("auth.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        described
            .domain_description()
            .unwrap()
            .custom_domain_config(),
        Some(&certificate(OTHER_CERTIFICATE))
    );

    env.idp
        .delete_user_pool_domain()
        .user_pool_id(&pool)
        .domain("auth.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        pool_domains(&env, &pool).await,
        (Some("branded-login".to_owned()), None)
    );
}

async fn only_the_owner_updates_or_deletes(env: Env) {
    let pool = new_pool(&env, "owner").await;
    let stranger = new_pool(&env, "stranger").await;
    env.idp
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("owned-domain")
        .send()
        .await
        .unwrap();

    let update = env
        .idp
        .update_user_pool_domain()
        .user_pool_id(&stranger)
        .domain("owned-domain")
        .managed_login_version(2)
        .send()
        .await;
    assert_eq!(code(&update), "InvalidParameterException");
    let delete = env
        .idp
        .delete_user_pool_domain()
        .user_pool_id(&stranger)
        .domain("owned-domain")
        .send()
        .await;
    assert_eq!(code(&delete), "InvalidParameterException");
    let unknown = env
        .idp
        .delete_user_pool_domain()
        .user_pool_id(&pool)
        .domain("never-created")
        .send()
        .await;
    assert_eq!(code(&unknown), "InvalidParameterException");
    let unknown = env
        .idp
        .update_user_pool_domain()
        .user_pool_id(&pool)
        .domain("never-created")
        .managed_login_version(2)
        .send()
        .await;
    assert_eq!(code(&unknown), "InvalidParameterException");
    assert_eq!(owner(&env, "never-created").await, None);

    let described = env
        .idp
        .describe_user_pool_domain()
        .domain("owned-domain")
        .send()
        .await
        .unwrap();
    let description = described.domain_description().unwrap();
    assert_eq!(description.user_pool_id(), Some(pool.as_str()));
    assert_eq!(description.managed_login_version(), Some(1));

    // The owner can move to managed login.
    let updated = env
        .idp
        .update_user_pool_domain()
        .user_pool_id(&pool)
        .domain("owned-domain")
        .managed_login_version(2)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.managed_login_version(), Some(2));
    let described = env
        .idp
        .describe_user_pool_domain()
        .domain("owned-domain")
        .send()
        .await
        .unwrap();
    assert_eq!(
        described
            .domain_description()
            .unwrap()
            .managed_login_version(),
        Some(2)
    );
    assert_eq!(
        pool_domains(&env, &pool).await,
        (Some("owned-domain".to_owned()), None)
    );
    assert_eq!(pool_domains(&env, &stranger).await, (None, None));
}

async fn a_pool_with_a_domain_cannot_be_deleted(env: Env) {
    let pool = new_pool(&env, "anchored").await;
    env.idp
        .create_user_pool_domain()
        .user_pool_id(&pool)
        .domain("anchored-login")
        .send()
        .await
        .unwrap();
    let refused = env.idp.delete_user_pool().user_pool_id(&pool).send().await;
    assert_eq!(code(&refused), "InvalidParameterException");
    assert_eq!(
        message(&refused),
        "User pool cannot be deleted. It has a domain configured that should be deleted first."
    );
    // The pool and its domain are still there.
    assert_eq!(
        pool_domains(&env, &pool).await,
        (Some("anchored-login".to_owned()), None)
    );
    assert_eq!(owner(&env, "anchored-login").await, Some(pool.clone()));

    env.idp
        .delete_user_pool_domain()
        .user_pool_id(&pool)
        .domain("anchored-login")
        .send()
        .await
        .unwrap();
    env.idp
        .delete_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    let gone = env
        .idp
        .describe_user_pool()
        .user_pool_id(&pool)
        .send()
        .await;
    assert_eq!(code(&gone), "ResourceNotFoundException");
}

on_both_backends!(
    prefix_domain_lifecycle,
    unknown_domains_describe_as_empty,
    invalid_prefixes_are_refused,
    one_pool_per_domain_and_one_prefix_per_pool,
    custom_domain_beside_a_prefix,
    only_the_owner_updates_or_deletes,
    a_pool_with_a_domain_cannot_be_deleted,
);
