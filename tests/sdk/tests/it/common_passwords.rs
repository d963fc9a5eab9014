//! R14: the common-password blocklist on every path that sets a user's own password
//! (SignUp, ChangePassword, ConfirmForgotPassword, AdminSetUserPassword with Permanent, the
//! NEW_PASSWORD_REQUIRED answer), with the pool's and user's names as context words, and
//! `--allow-common-passwords` restoring Cognito's behaviour.

use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType, MessageActionType,
    PasswordPolicyType, UserPoolPolicyType, VerifiedAttributeType,
};
use cognate_testkit::{ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY, ServerOptions, TestServer};

use crate::harness::{Env, clients, code, message, outbox_code};
use crate::on_both_backends;

const POOL_NAME: &str = "acme-rockets";
const TOO_COMMON: &str = "Password does not conform to policy: Password is too common";
const ADMIN_TOO_COMMON: &str =
    "Password did not conform with password policy: Password is too common";
const GOOD: &str = "Velvet-Otter-42";
/// On the list, a listed word with a short suffix, the pool's name with one.
const COMMON: [&str; 5] = [
    "password123",
    "Password1!",
    "qwertyuiop",
    "Acme-Rockets",
    "acme-rockets99",
];

/// A pool whose policy lets every `COMMON` entry through, so only the blocklist refuses.
async fn pool_and_client(idp: &aws_sdk_cognitoidentityprovider::Client) -> (String, String) {
    let pool = idp
        .create_user_pool()
        .pool_name(POOL_NAME)
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(
                    PasswordPolicyType::builder()
                        .minimum_length(8)
                        .require_uppercase(false)
                        .require_lowercase(false)
                        .require_numbers(false)
                        .require_symbols(false)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .user_pool()
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    let client = idp
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

fn email(username: &str) -> AttributeType {
    AttributeType::builder()
        .name("email")
        .value(format!("{username}@example.com"))
        .build()
        .unwrap()
}

/// An admin-created user with a temporary password (FORCE_CHANGE_PASSWORD).
async fn invited(env: &Env, pool: &str, username: &str) {
    env.idp
        .admin_create_user()
        .user_pool_id(pool)
        .username(username)
        .temporary_password("Temporary-Pass-1x")
        .user_attributes(email(username))
        .user_attributes(
            AttributeType::builder()
                .name("email_verified")
                .value("true")
                .build()
                .unwrap(),
        )
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
}

async fn access_token(env: &Env, client: &str, username: &str, password: &str) -> String {
    env.idp
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .unwrap()
        .authentication_result()
        .unwrap()
        .access_token()
        .unwrap()
        .to_owned()
}

fn assert_refused<T: std::fmt::Debug, E>(r: &Result<T, E>, expected: &str, context: &str)
where
    E: aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata + std::fmt::Debug,
{
    assert_eq!(code(r), "InvalidPasswordException", "{context}");
    assert_eq!(message(r), expected, "{context}");
}

async fn common_passwords_are_refused_wherever_a_password_is_set(env: Env) {
    let (pool, client) = pool_and_client(&env.idp).await;
    // ChangePassword and AdminSetUserPassword on a confirmed user.
    invited(&env, &pool, "target").await;
    env.idp
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("target")
        .password(GOOD)
        .permanent(true)
        .send()
        .await
        .unwrap();
    let access = access_token(&env, &client, "target", GOOD).await;
    // NEW_PASSWORD_REQUIRED on an invited user.
    invited(&env, &pool, "newbie").await;
    let challenge = env
        .idp
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "newbie")
        .auth_parameters("PASSWORD", "Temporary-Pass-1x")
        .send()
        .await
        .unwrap();
    let session = challenge.session().unwrap().to_owned();
    // ConfirmForgotPassword on a user with a code in hand.
    invited(&env, &pool, "forgetful").await;
    env.idp
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("forgetful")
        .password(GOOD)
        .permanent(true)
        .send()
        .await
        .unwrap();
    env.idp
        .forgot_password()
        .client_id(&client)
        .username("forgetful")
        .send()
        .await
        .unwrap();
    let reset_code = outbox_code(&env, "forgetful@example.com").await.unwrap();

    for password in COMMON {
        let r = env
            .idp
            .sign_up()
            .client_id(&client)
            .username("newcomer")
            .password(password)
            .user_attributes(email("newcomer"))
            .send()
            .await;
        assert_refused(&r, TOO_COMMON, &format!("SignUp {password}"));
        let r = env
            .idp
            .change_password()
            .access_token(&access)
            .previous_password(GOOD)
            .proposed_password(password)
            .send()
            .await;
        assert_refused(&r, TOO_COMMON, &format!("ChangePassword {password}"));
        let r = env
            .idp
            .admin_set_user_password()
            .user_pool_id(&pool)
            .username("target")
            .password(password)
            .permanent(true)
            .send()
            .await;
        assert_refused(
            &r,
            ADMIN_TOO_COMMON,
            &format!("AdminSetUserPassword {password}"),
        );
        let r = env
            .idp
            .respond_to_auth_challenge()
            .client_id(&client)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(&session)
            .challenge_responses("USERNAME", "newbie")
            .challenge_responses("NEW_PASSWORD", password)
            .send()
            .await;
        assert_refused(&r, TOO_COMMON, &format!("NEW_PASSWORD_REQUIRED {password}"));
        // Refused before the code is checked, so the code stays usable.
        let r = env
            .idp
            .confirm_forgot_password()
            .client_id(&client)
            .username("forgetful")
            .confirmation_code(&reset_code)
            .password(password)
            .send()
            .await;
        assert_refused(&r, TOO_COMMON, &format!("ConfirmForgotPassword {password}"));
    }

    // The user's own name is a context word too.
    let r = env
        .idp
        .sign_up()
        .client_id(&client)
        .username("quill-zephyr")
        .password("Quill-Zephyr1")
        .user_attributes(email("quill"))
        .send()
        .await;
    assert_refused(&r, TOO_COMMON, "own username");
    // A temporary password is the admin's to hand out: only the policy applies to it.
    env.idp
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("target")
        .password("Password1!")
        .permanent(false)
        .send()
        .await
        .unwrap();

    // Every path still accepts an uncommon password, and nothing refused above stuck.
    env.idp
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(&session)
        .challenge_responses("USERNAME", "newbie")
        .challenge_responses("NEW_PASSWORD", "Quiet-Harbor-17")
        .send()
        .await
        .unwrap();
    env.idp
        .confirm_forgot_password()
        .client_id(&client)
        .username("forgetful")
        .confirmation_code(&reset_code)
        .password("Amber-Kettle-58")
        .send()
        .await
        .unwrap();
    access_token(&env, &client, "forgetful", "Amber-Kettle-58").await;
    env.idp
        .sign_up()
        .client_id(&client)
        .username("newcomer")
        .password("Copper-Lantern-31")
        .user_attributes(email("newcomer"))
        .send()
        .await
        .unwrap();
}

on_both_backends!(common_passwords_are_refused_wherever_a_password_is_set);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allow_common_passwords_restores_cognito_behaviour() {
    let server = TestServer::start(ServerOptions {
        admin_credentials: Some(format!("{ADMIN_ACCESS_KEY}:{ADMIN_SECRET_KEY}")),
        extra_args: vec!["--allow-common-passwords".into()],
        ..ServerOptions::default()
    })
    .await
    .expect("server starts");
    let (idp, _) = clients(&server.url, ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY);
    let (_, client) = pool_and_client(&idp).await;
    idp.sign_up()
        .client_id(&client)
        .username("scripted")
        .password("Password1!")
        .user_attributes(email("scripted"))
        .send()
        .await
        .unwrap();
}
