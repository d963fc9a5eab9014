//! Identities and temporary credentials with the AWS SDK for Rust, on both backends: a
//! user-pool sign-in gets one identity and credentials of the authenticated role; a forged
//! or foreign login and an unauthenticated GetId on a closed pool are refused with
//! Cognito's errors; the credentials are Cognate's (ASIA…, one hour).

use aws_sdk_cognitoidentity::types::CognitoIdentityProvider;
use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ExplicitAuthFlowsType};

use crate::harness::{Env, code, message};
use crate::on_both_backends;

const PASSWORD: &str = "Perm-Pass1-xyz";
const AUTH_ROLE: &str = "arn:aws:iam::000000000000:role/Auth";

async fn user_pool_with_user(env: &Env, name: &str, user: &str) -> (String, String, String) {
    let pool = env
        .idp
        .create_user_pool()
        .pool_name(name)
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
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client()
        .unwrap()
        .client_id()
        .unwrap()
        .to_owned();
    env.idp
        .admin_create_user()
        .user_pool_id(&pool)
        .username(user)
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    env.idp
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username(user)
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .unwrap();
    let tokens = env
        .idp
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", user)
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap();
    let id_token = tokens
        .authentication_result()
        .unwrap()
        .id_token()
        .unwrap()
        .to_owned();
    (pool, client, id_token)
}

fn key(pool: &str) -> String {
    format!("cognito-idp.us-east-1.amazonaws.com/{pool}")
}

async fn identity_pool(env: &Env, pool: &str, client: &str) -> String {
    let id = env
        .identity
        .create_identity_pool()
        .identity_pool_name("ids")
        .allow_unauthenticated_identities(false)
        .cognito_identity_providers(
            CognitoIdentityProvider::builder()
                .provider_name(key(pool))
                .client_id(client)
                .server_side_token_check(true)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .identity_pool_id()
        .to_owned();
    env.identity
        .set_identity_pool_roles()
        .identity_pool_id(&id)
        .roles("authenticated", AUTH_ROLE)
        .send()
        .await
        .unwrap();
    id
}

async fn sign_in_gets_identity_and_credentials(env: Env) {
    let (pool, client, id_token) = user_pool_with_user(&env, "a", "ada").await;
    let ipid = identity_pool(&env, &pool, &client).await;
    let identity_id = env
        .identity
        .get_id()
        .identity_pool_id(&ipid)
        .logins(key(&pool), &id_token)
        .send()
        .await
        .unwrap()
        .identity_id()
        .unwrap()
        .to_owned();
    let again = env
        .identity
        .get_id()
        .identity_pool_id(&ipid)
        .logins(key(&pool), &id_token)
        .send()
        .await
        .unwrap();
    assert_eq!(again.identity_id(), Some(identity_id.as_str()));

    let answer = env
        .identity
        .get_credentials_for_identity()
        .identity_id(&identity_id)
        .logins(key(&pool), &id_token)
        .send()
        .await
        .unwrap();
    let creds = answer.credentials().unwrap();
    assert!(creds.access_key_id().unwrap().starts_with("ASIA"));
    assert_eq!(creds.secret_key().unwrap().len(), 40);
    assert!(!creds.session_token().unwrap().is_empty());
    let lifetime = creds.expiration().unwrap().secs()
        - std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
    assert!((3_500..=3_600).contains(&lifetime), "{lifetime}");

    let described = env
        .identity
        .describe_identity()
        .identity_id(&identity_id)
        .send()
        .await
        .unwrap();
    assert_eq!(described.logins(), [key(&pool)]);
}

async fn bad_logins_and_unauthenticated_access_are_refused(env: Env) {
    let (pool, client, id_token) = user_pool_with_user(&env, "a", "ada").await;
    let (other_pool, _, foreign_token) = user_pool_with_user(&env, "b", "eve").await;
    let ipid = identity_pool(&env, &pool, &client).await;

    let unauthenticated = env.identity.get_id().identity_pool_id(&ipid).send().await;
    assert_eq!(code(&unauthenticated), "NotAuthorizedException");
    assert_eq!(
        message(&unauthenticated),
        "Unauthenticated access is not supported for this identity pool."
    );

    let mut parts: Vec<String> = id_token.split('.').map(str::to_owned).collect();
    parts[2] = parts[2].chars().rev().collect();
    let forged = env
        .identity
        .get_id()
        .identity_pool_id(&ipid)
        .logins(key(&pool), parts.join("."))
        .send()
        .await;
    assert_eq!(code(&forged), "NotAuthorizedException");
    assert_eq!(
        message(&forged),
        "Invalid login token. Couldn't verify signed token."
    );

    let foreign = env
        .identity
        .get_id()
        .identity_pool_id(&ipid)
        .logins(key(&pool), &foreign_token)
        .send()
        .await;
    assert_eq!(
        message(&foreign),
        "Invalid login token. Issuer doesn't match providerName"
    );
    let unlisted = env
        .identity
        .get_id()
        .identity_pool_id(&ipid)
        .logins(key(&other_pool), &foreign_token)
        .send()
        .await;
    assert_eq!(
        message(&unlisted),
        "Token is not from a supported provider of this identity pool."
    );
}

on_both_backends!(
    sign_in_gets_identity_and_credentials,
    bad_logins_and_unauthenticated_access_are_refused,
);
