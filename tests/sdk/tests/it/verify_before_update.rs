//! `UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate`: a changed,
//! verified email stays in effect until the new address is verified.

use aws_sdk_cognitoidentityprovider::types::{
    AliasAttributeType, AttributeType, AuthFlowType, ExplicitAuthFlowsType,
    UserAttributeUpdateSettingsType, VerifiedAttributeType,
};

use crate::harness::{Env, code as error_code};
use crate::on_both_backends;

const PASSWORD: &str = "Correct-Horse-9";

/// A pool with an email alias, verifying email automatically, holding email changes until
/// verified when `hold`: (pool id, client id).
async fn pool_and_client(env: &Env, hold: bool) -> (String, String) {
    let mut build = env
        .idp
        .create_user_pool()
        .pool_name("verify-before-update")
        .alias_attributes(AliasAttributeType::Email)
        .auto_verified_attributes(VerifiedAttributeType::Email);
    if hold {
        build = build.user_attribute_update_settings(
            UserAttributeUpdateSettingsType::builder()
                .attributes_require_verification_before_update(VerifiedAttributeType::Email)
                .build(),
        );
    }
    let pool = build
        .send()
        .await
        .unwrap()
        .user_pool()
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    let client = env
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client()
        .unwrap()
        .client_id()
        .unwrap()
        .to_owned();
    (pool, client)
}

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .unwrap()
}

fn other_code(code: &str) -> String {
    if code == "000000" {
        "111111".into()
    } else {
        "000000".into()
    }
}

async fn sign_in(
    env: &Env,
    client: &str,
    username: &str,
) -> Result<String, aws_sdk_cognitoidentityprovider::Error> {
    let out = env
        .idp
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await?;
    Ok(out
        .authentication_result()
        .expect("tokens")
        .access_token()
        .unwrap()
        .to_owned())
}

/// A confirmed user `username` with email `<username>@example.com`: its access token.
async fn confirmed_user(env: &Env, client: &str, username: &str) -> String {
    let email = format!("{username}@example.com");
    env.idp
        .sign_up()
        .client_id(client)
        .username(username)
        .password(PASSWORD)
        .user_attributes(attr("email", &email))
        .send()
        .await
        .unwrap();
    let code = crate::harness::outbox_code(env, &email)
        .await
        .expect("a code");
    env.idp
        .confirm_sign_up()
        .client_id(client)
        .username(username)
        .confirmation_code(code)
        .send()
        .await
        .unwrap();
    sign_in(env, client, username).await.unwrap()
}

/// (email, email_verified) as GetUser shows them.
async fn email_of(env: &Env, token: &str) -> (String, String) {
    let user = env.idp.get_user().access_token(token).send().await.unwrap();
    let get = |name: &str| {
        user.user_attributes()
            .iter()
            .find(|a| a.name() == name)
            .and_then(|a| a.value())
            .unwrap_or_default()
            .to_owned()
    };
    (get("email"), get("email_verified"))
}

async fn change_waits_for_verification(env: Env) {
    let (_, client) = pool_and_client(&env, true).await;
    let token = confirmed_user(&env, &client, "olga").await;

    let changed = env
        .idp
        .update_user_attributes()
        .access_token(&token)
        .user_attributes(attr("email", "olga.new@example.com"))
        .send()
        .await
        .unwrap();
    let details = changed.code_delivery_details_list();
    assert_eq!(details.len(), 1);
    assert_eq!(details[0].attribute_name(), Some("email"));

    // The old, verified address stays in effect.
    assert_eq!(
        email_of(&env, &token).await,
        ("olga@example.com".into(), "true".into())
    );
    sign_in(&env, &client, "olga@example.com").await.unwrap();
    assert!(
        sign_in(&env, &client, "olga.new@example.com")
            .await
            .is_err()
    );

    // The code went to the new address; a wrong one changes nothing.
    let code = crate::harness::outbox_code(&env, "olga.new@example.com")
        .await
        .expect("a code at the new address");
    let wrong = env
        .idp
        .verify_user_attribute()
        .access_token(&token)
        .attribute_name("email")
        .code(other_code(&code))
        .send()
        .await;
    assert_eq!(error_code(&wrong), "CodeMismatchException");
    assert_eq!(
        email_of(&env, &token).await,
        ("olga@example.com".into(), "true".into())
    );
    sign_in(&env, &client, "olga@example.com").await.unwrap();

    env.idp
        .verify_user_attribute()
        .access_token(&token)
        .attribute_name("email")
        .code(&code)
        .send()
        .await
        .unwrap();
    assert_eq!(
        email_of(&env, &token).await,
        ("olga.new@example.com".into(), "true".into())
    );
    sign_in(&env, &client, "olga.new@example.com")
        .await
        .unwrap();
    assert!(sign_in(&env, &client, "olga@example.com").await.is_err());
}

async fn a_new_change_replaces_the_pending_one(env: Env) {
    let (_, client) = pool_and_client(&env, true).await;
    let token = confirmed_user(&env, &client, "pia").await;
    for address in ["pia.one@example.com", "pia.two@example.com"] {
        env.idp
            .update_user_attributes()
            .access_token(&token)
            .user_attributes(attr("email", address))
            .send()
            .await
            .unwrap();
    }
    // Asking for a code again sends it to the pending address, not the old one.
    let before = crate::harness::outbox_code(&env, "pia@example.com").await;
    env.idp
        .get_user_attribute_verification_code()
        .access_token(&token)
        .attribute_name("email")
        .send()
        .await
        .unwrap();
    assert_eq!(
        crate::harness::outbox_code(&env, "pia@example.com").await,
        before
    );
    let code = crate::harness::outbox_code(&env, "pia.two@example.com")
        .await
        .unwrap();
    env.idp
        .verify_user_attribute()
        .access_token(&token)
        .attribute_name("email")
        .code(&code)
        .send()
        .await
        .unwrap();
    assert_eq!(
        email_of(&env, &token).await,
        ("pia.two@example.com".into(), "true".into())
    );
    sign_in(&env, &client, "pia.two@example.com").await.unwrap();
}

async fn admin_change_waits_unless_verified(env: Env) {
    let (pool, client) = pool_and_client(&env, true).await;
    let token = confirmed_user(&env, &client, "quinn").await;
    env.idp
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("quinn")
        .user_attributes(attr("email", "quinn.new@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        email_of(&env, &token).await,
        ("quinn@example.com".into(), "true".into())
    );
    assert!(
        crate::harness::outbox_code(&env, "quinn.new@example.com")
            .await
            .is_some()
    );

    // Setting email_verified true with the change applies it at once.
    env.idp
        .admin_update_user_attributes()
        .user_pool_id(&pool)
        .username("quinn")
        .user_attributes(attr("email", "quinn.now@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        email_of(&env, &token).await,
        ("quinn.now@example.com".into(), "true".into())
    );
    sign_in(&env, &client, "quinn.now@example.com")
        .await
        .unwrap();
}

async fn without_the_setting_the_change_applies_at_once(env: Env) {
    let (_, client) = pool_and_client(&env, false).await;
    let token = confirmed_user(&env, &client, "rita").await;
    env.idp
        .update_user_attributes()
        .access_token(&token)
        .user_attributes(attr("email", "rita.new@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        email_of(&env, &token).await,
        ("rita.new@example.com".into(), "false".into())
    );
    // The unverified address is no alias; the old one is released.
    assert!(sign_in(&env, &client, "rita@example.com").await.is_err());
    let code = crate::harness::outbox_code(&env, "rita.new@example.com")
        .await
        .unwrap();
    env.idp
        .verify_user_attribute()
        .access_token(&token)
        .attribute_name("email")
        .code(&code)
        .send()
        .await
        .unwrap();
    sign_in(&env, &client, "rita.new@example.com")
        .await
        .unwrap();
}

on_both_backends!(
    change_waits_for_verification,
    a_new_change_replaces_the_pending_one,
    admin_change_waits_unless_verified,
    without_the_setting_the_change_applies_at_once,
);
