//! User pools: create with defaults, describe, list and page, update (replace, not merge),
//! delete with deletion protection, custom attributes, CSV header, signing certificate, tags.

use aws_sdk_cognitoidentityprovider::types::{
    AttributeDataType, DeletionProtectionType, PasswordPolicyType, SchemaAttributeType,
    UserPoolPolicyType, VerifiedAttributeType,
};

use crate::harness::{Env, code, message};
use crate::on_both_backends;

fn is_pool_id(id: &str) -> bool {
    match id.split_once('_') {
        Some((region, suffix)) => {
            region == "us-east-1"
                && suffix.len() == 9
                && suffix.chars().all(|c| c.is_ascii_alphanumeric())
        }
        None => false,
    }
}

async fn create_applies_cognito_defaults(env: Env) {
    let created = env
        .idp
        .create_user_pool()
        .pool_name("defaults")
        .send()
        .await
        .unwrap();
    let pool = created.user_pool().unwrap();
    let id = pool.id().unwrap();
    assert!(is_pool_id(id), "{id}");
    assert_eq!(pool.name(), Some("defaults"));
    assert_eq!(
        pool.arn().unwrap(),
        format!("arn:aws:cognito-idp:us-east-1:000000000000:userpool/{id}")
    );
    let policy = pool.policies().unwrap().password_policy().unwrap();
    assert_eq!(policy.minimum_length(), Some(8));
    assert!(policy.require_uppercase());
    assert!(policy.require_lowercase());
    assert!(policy.require_numbers());
    assert!(policy.require_symbols());
    assert_eq!(policy.temporary_password_validity_days(), 7);
    assert_eq!(pool.mfa_configuration().map(|m| m.as_str()), Some("OFF"));
    assert_eq!(
        pool.deletion_protection().map(|d| d.as_str()),
        Some("INACTIVE")
    );
    assert_eq!(pool.estimated_number_of_users(), 0);
    let schema: Vec<&str> = pool
        .schema_attributes()
        .iter()
        .filter_map(|a| a.name())
        .collect();
    for standard in [
        "sub",
        "email",
        "phone_number",
        "email_verified",
        "updated_at",
    ] {
        assert!(
            schema.contains(&standard),
            "{standard} missing from {schema:?}"
        );
    }
    assert!(pool.creation_date().is_some());

    let described = env
        .idp
        .describe_user_pool()
        .user_pool_id(id)
        .send()
        .await
        .unwrap();
    assert_eq!(described.user_pool(), Some(pool));
}

async fn create_keeps_what_was_given(env: Env) {
    let created = env
        .idp
        .create_user_pool()
        .pool_name("seed-pool")
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(
                    PasswordPolicyType::builder()
                        .minimum_length(12)
                        .require_numbers(true)
                        .password_history_size(3)
                        .build(),
                )
                .build(),
        )
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .schema(
            SchemaAttributeType::builder()
                .name("email")
                .attribute_data_type(AttributeDataType::String)
                .required(true)
                .build(),
        )
        .schema(
            SchemaAttributeType::builder()
                .name("tenant")
                .attribute_data_type(AttributeDataType::String)
                .mutable(false)
                .build(),
        )
        .user_pool_tags("team", "identity")
        .send()
        .await
        .unwrap();
    let pool = created.user_pool().unwrap();
    let policy = pool.policies().unwrap().password_policy().unwrap();
    assert_eq!(policy.minimum_length(), Some(12));
    assert!(policy.require_numbers());
    assert!(!policy.require_uppercase());
    assert_eq!(policy.password_history_size(), Some(3));
    assert_eq!(
        pool.auto_verified_attributes(),
        &[VerifiedAttributeType::Email]
    );
    let email = pool
        .schema_attributes()
        .iter()
        .find(|a| a.name() == Some("email"))
        .unwrap();
    assert_eq!(email.required(), Some(true));
    let tenant = pool
        .schema_attributes()
        .iter()
        .find(|a| a.name() == Some("custom:tenant"))
        .unwrap();
    assert_eq!(tenant.mutable(), Some(false));
    assert_eq!(
        pool.user_pool_tags()
            .unwrap()
            .get("team")
            .map(String::as_str),
        Some("identity")
    );
}

async fn list_pages_through_every_pool(env: Env) {
    let mut created = Vec::new();
    for i in 0..3 {
        let pool = env
            .idp
            .create_user_pool()
            .pool_name(format!("p{i}"))
            .send()
            .await
            .unwrap();
        created.push(pool.user_pool().unwrap().id().unwrap().to_owned());
    }
    let mut seen = Vec::new();
    let mut token = None;
    for _ in 0..10 {
        let page = env
            .idp
            .list_user_pools()
            .max_results(2)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        assert!(page.user_pools().len() <= 2);
        seen.extend(
            page.user_pools()
                .iter()
                .filter_map(|p| p.id().map(str::to_owned)),
        );
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    seen.sort();
    created.sort();
    assert_eq!(seen, created);

    let bad = env.idp.list_user_pools().max_results(61).send().await;
    assert_eq!(code(&bad), "InvalidParameterException");
    let bad = env
        .idp
        .list_user_pools()
        .max_results(10)
        .next_token("not-a-token")
        .send()
        .await;
    assert_eq!(code(&bad), "InvalidParameterException");
}

async fn update_replaces_settings(env: Env) {
    let created = env
        .idp
        .create_user_pool()
        .pool_name("to-update")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .email_verification_message("Your code is {####}")
        .email_verification_subject("Your code")
        .send()
        .await
        .unwrap();
    let id = created.user_pool().unwrap().id().unwrap().to_owned();
    let before = created.user_pool().unwrap().last_modified_date().copied();

    env.idp
        .update_user_pool()
        .user_pool_id(&id)
        .deletion_protection(DeletionProtectionType::Active)
        .send()
        .await
        .unwrap();
    let pool = env
        .idp
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .unwrap();
    let pool = pool.user_pool().unwrap();
    assert_eq!(
        pool.deletion_protection(),
        Some(&DeletionProtectionType::Active)
    );
    // Omitted settings went back to their defaults.
    assert!(pool.auto_verified_attributes().is_empty());
    assert_eq!(pool.email_verification_message(), None);
    // What UpdateUserPool cannot change stayed.
    assert_eq!(pool.name(), Some("to-update"));
    assert!(pool.last_modified_date().copied() >= before);
}

async fn deletion_protection_blocks_delete(env: Env) {
    let created = env
        .idp
        .create_user_pool()
        .pool_name("protected")
        .deletion_protection(DeletionProtectionType::Active)
        .send()
        .await
        .unwrap();
    let id = created.user_pool().unwrap().id().unwrap().to_owned();
    let refused = env.idp.delete_user_pool().user_pool_id(&id).send().await;
    assert_eq!(code(&refused), "InvalidParameterException");
    assert!(message(&refused).contains("deletion protection"));
    env.idp
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .unwrap();

    env.idp
        .update_user_pool()
        .user_pool_id(&id)
        .deletion_protection(DeletionProtectionType::Inactive)
        .send()
        .await
        .unwrap();
    env.idp
        .delete_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .unwrap();
    let gone = env.idp.describe_user_pool().user_pool_id(&id).send().await;
    assert_eq!(code(&gone), "ResourceNotFoundException");
    assert_eq!(message(&gone), format!("User pool {id} does not exist."));
}

async fn unknown_pools_are_not_found(env: Env) {
    let missing = "us-east-1_NoSuchPoo";
    assert_eq!(
        code(
            &env.idp
                .describe_user_pool()
                .user_pool_id(missing)
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
    assert_eq!(
        code(
            &env.idp
                .update_user_pool()
                .user_pool_id(missing)
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
    assert_eq!(
        code(
            &env.idp
                .delete_user_pool()
                .user_pool_id(missing)
                .send()
                .await
        ),
        "ResourceNotFoundException"
    );
    assert_eq!(
        code(&env.idp.get_csv_header().user_pool_id(missing).send().await),
        "ResourceNotFoundException"
    );
}

async fn invalid_input_is_refused_with_aws_text(env: Env) {
    let bad = env
        .idp
        .create_user_pool()
        .pool_name("bad/name")
        .send()
        .await;
    assert_eq!(code(&bad), "InvalidParameterException");
    assert_eq!(
        message(&bad),
        "1 validation error detected: Value 'bad/name' at 'poolName' failed to satisfy constraint: \
         Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+"
    );
    let bad = env
        .idp
        .describe_user_pool()
        .user_pool_id("no-underscore")
        .send()
        .await;
    assert_eq!(code(&bad), "InvalidParameterException");
    // Nothing was created by the refused calls.
    let pools = env
        .idp
        .list_user_pools()
        .max_results(60)
        .send()
        .await
        .unwrap();
    assert!(pools.user_pools().is_empty());
}

async fn custom_attributes_csv_header_and_certificate(env: Env) {
    let created = env
        .idp
        .create_user_pool()
        .pool_name("attrs")
        .send()
        .await
        .unwrap();
    let id = created.user_pool().unwrap().id().unwrap().to_owned();
    env.idp
        .add_custom_attributes()
        .user_pool_id(&id)
        .custom_attributes(
            SchemaAttributeType::builder()
                .name("plan")
                .attribute_data_type(AttributeDataType::String)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let again = env
        .idp
        .add_custom_attributes()
        .user_pool_id(&id)
        .custom_attributes(
            SchemaAttributeType::builder()
                .name("plan")
                .attribute_data_type(AttributeDataType::String)
                .build(),
        )
        .send()
        .await;
    assert_eq!(code(&again), "InvalidParameterException");

    let header = env
        .idp
        .get_csv_header()
        .user_pool_id(&id)
        .send()
        .await
        .unwrap();
    let columns = header.csv_header();
    assert!(columns.contains(&"custom:plan".to_owned()));
    assert!(columns.contains(&"email".to_owned()));
    assert_eq!(columns.last().map(String::as_str), Some("cognito:username"));

    let certificate = env
        .idp
        .get_signing_certificate()
        .user_pool_id(&id)
        .send()
        .await
        .unwrap();
    // Base64 of a DER SEQUENCE.
    assert!(certificate.certificate().unwrap().starts_with("MII"));
}

async fn tags_on_a_pool(env: Env) {
    let created = env
        .idp
        .create_user_pool()
        .pool_name("tagged")
        .send()
        .await
        .unwrap();
    let arn = created.user_pool().unwrap().arn().unwrap().to_owned();
    env.idp
        .tag_resource()
        .resource_arn(&arn)
        .tags("env", "test")
        .tags("owner", "ci")
        .send()
        .await
        .unwrap();
    env.idp
        .untag_resource()
        .resource_arn(&arn)
        .tag_keys("owner")
        .send()
        .await
        .unwrap();
    let listed = env
        .idp
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    let tags = listed.tags().unwrap();
    assert_eq!(tags.len(), 1);
    assert_eq!(tags.get("env").map(String::as_str), Some("test"));

    let foreign = env
        .idp
        .list_tags_for_resource()
        .resource_arn("arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_Missing00")
        .send()
        .await;
    assert_eq!(code(&foreign), "ResourceNotFoundException");
}

on_both_backends!(
    create_applies_cognito_defaults,
    create_keeps_what_was_given,
    list_pages_through_every_pool,
    update_replaces_settings,
    deletion_protection_blocks_delete,
    unknown_pools_are_not_found,
    invalid_input_is_refused_with_aws_text,
    custom_attributes_csv_header_and_certificate,
    tags_on_a_pool,
);
