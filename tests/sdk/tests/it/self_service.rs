//! Self-service user operations through the SDK: sign-up and its confirmation (codes read
//! from the local outbox), resending codes, aliases, forgotten passwords, and the errors
//! Cognito answers with.

use aws_sdk_cognitoidentityprovider::types::{
    AliasAttributeType, AttributeType, AuthFlowType, DeliveryMediumType, ExplicitAuthFlowsType,
    PasswordPolicyType, UserPoolPolicyType, UsernameAttributeType, VerifiedAttributeType,
};

use crate::harness::{Env, code as error_code, message};
use crate::on_both_backends;

const PASSWORD: &str = "Correct-Horse-9";

/// A pool (configured by `build`) and a public client of it: (pool id, client id).
async fn pool_and_client(
    env: &Env,
    build: impl FnOnce(
        aws_sdk_cognitoidentityprovider::operation::create_user_pool::builders::CreateUserPoolFluentBuilder,
    ) -> aws_sdk_cognitoidentityprovider::operation::create_user_pool::builders::CreateUserPoolFluentBuilder,
    prevent_existence_errors: bool,
) -> (String, String) {
    let pool = build(env.idp.create_user_pool().pool_name("self-service"))
        .send()
        .await
        .unwrap()
        .user_pool()
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    let mut client = env
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth);
    if prevent_existence_errors {
        client = client.prevent_user_existence_errors(
            aws_sdk_cognitoidentityprovider::types::PreventUserExistenceErrorTypes::Enabled,
        );
    }
    let client = client
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

/// A pool verifying email automatically, with a public client.
async fn email_pool(env: &Env) -> (String, String) {
    pool_and_client(
        env,
        |b| b.auto_verified_attributes(VerifiedAttributeType::Email),
        false,
    )
    .await
}

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .unwrap()
}

/// The newest message to `destination` in the outbox: (purpose, code).
async fn latest_message(env: &Env, destination: &str) -> Option<(String, Option<String>)> {
    let message = crate::harness::outbox(env, destination, 1)
        .await
        .into_iter()
        .next()?;
    Some((
        message["purpose"].as_str().unwrap().to_owned(),
        message["code"].as_str().map(str::to_owned),
    ))
}

async fn latest_code(env: &Env, destination: &str) -> String {
    let (_, code) = latest_message(env, destination).await.expect("a message");
    let code = code.expect("a code");
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
    code
}

async fn sign_up(env: &Env, client: &str, username: &str, email: &str) -> String {
    env.idp
        .sign_up()
        .client_id(client)
        .username(username)
        .password(PASSWORD)
        .user_attributes(attr("email", email))
        .send()
        .await
        .unwrap()
        .user_sub()
        .to_owned()
}

async fn confirm(env: &Env, client: &str, username: &str, code: &str) {
    env.idp
        .confirm_sign_up()
        .client_id(client)
        .username(username)
        .confirmation_code(code)
        .send()
        .await
        .unwrap();
}

fn other_code(code: &str) -> String {
    if code == "000000" {
        "111111".into()
    } else {
        "000000".into()
    }
}

async fn sign_up_and_confirm(env: Env) {
    let (_, client) = email_pool(&env).await;
    let signed = env
        .idp
        .sign_up()
        .client_id(&client)
        .username("alice")
        .password(PASSWORD)
        .user_attributes(attr("email", "alice@example.com"))
        .user_attributes(attr("name", "Alice"))
        .send()
        .await
        .unwrap();
    assert!(!signed.user_confirmed());
    assert_eq!(signed.user_sub().len(), 36);
    let details = signed.code_delivery_details().unwrap();
    assert_eq!(details.destination(), Some("a***@e***"));
    assert_eq!(details.delivery_medium(), Some(&DeliveryMediumType::Email));
    assert_eq!(details.attribute_name(), Some("email"));

    let code = latest_code(&env, "alice@example.com").await;
    let (purpose, _) = latest_message(&env, "alice@example.com").await.unwrap();
    assert!(!purpose.is_empty());

    let wrong = env
        .idp
        .confirm_sign_up()
        .client_id(&client)
        .username("alice")
        .confirmation_code(other_code(&code))
        .send()
        .await;
    assert_eq!(error_code(&wrong), "CodeMismatchException");
    assert_eq!(
        message(&wrong),
        "Invalid verification code provided, please try again."
    );

    confirm(&env, &client, "alice", &code).await;

    // Confirmed now: neither confirming again nor resending is possible.
    let again = env
        .idp
        .confirm_sign_up()
        .client_id(&client)
        .username("alice")
        .confirmation_code(&code)
        .send()
        .await;
    assert_eq!(error_code(&again), "NotAuthorizedException");
    assert_eq!(
        message(&again),
        "User cannot be confirmed. Current status is CONFIRMED"
    );
    let resend = env
        .idp
        .resend_confirmation_code()
        .client_id(&client)
        .username("alice")
        .send()
        .await;
    assert_eq!(error_code(&resend), "InvalidParameterException");
    assert_eq!(message(&resend), "User is already confirmed.");

    let duplicate = env
        .idp
        .sign_up()
        .client_id(&client)
        .username("alice")
        .password(PASSWORD)
        .user_attributes(attr("email", "other@example.com"))
        .send()
        .await;
    assert_eq!(error_code(&duplicate), "UsernameExistsException");
    assert_eq!(message(&duplicate), "User already exists");
}

async fn sign_up_refusals(env: Env) {
    let (_, client) = email_pool(&env).await;
    let unknown_client = env
        .idp
        .sign_up()
        .client_id("1234567890abcdefghijklmnop")
        .username("bob")
        .password(PASSWORD)
        .send()
        .await;
    assert_eq!(error_code(&unknown_client), "ResourceNotFoundException");
    assert_eq!(message(&unknown_client), "User pool client does not exist.");

    let weak = env
        .idp
        .sign_up()
        .client_id(&client)
        .username("bob")
        .password("short")
        .user_attributes(attr("email", "bob@example.com"))
        .send()
        .await;
    assert_eq!(error_code(&weak), "InvalidPasswordException");
    assert_eq!(
        message(&weak),
        "Password does not conform to policy: Password not long enough"
    );

    let bad_email = env
        .idp
        .sign_up()
        .client_id(&client)
        .username("bob")
        .password(PASSWORD)
        .user_attributes(attr("email", "not an email"))
        .send()
        .await;
    assert_eq!(error_code(&bad_email), "InvalidParameterException");
    assert_eq!(message(&bad_email), "Invalid email address format.");

    let verified_flag = env
        .idp
        .sign_up()
        .client_id(&client)
        .username("bob")
        .password(PASSWORD)
        .user_attributes(attr("email", "bob@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await;
    assert_eq!(error_code(&verified_flag), "NotAuthorizedException");
    assert_eq!(
        message(&verified_flag),
        "A client attempted to write unauthorized attribute"
    );

    // Nothing was created by the refused attempts.
    let unknown = env
        .idp
        .confirm_sign_up()
        .client_id(&client)
        .username("bob")
        .confirmation_code("123456")
        .send()
        .await;
    assert_eq!(error_code(&unknown), "UserNotFoundException");
    assert_eq!(
        message(&unknown),
        "Username/client id combination not found."
    );
    let unknown = env
        .idp
        .resend_confirmation_code()
        .client_id(&client)
        .username("bob")
        .send()
        .await;
    assert_eq!(error_code(&unknown), "UserNotFoundException");
    assert_eq!(
        message(&unknown),
        "Username/client id combination not found."
    );
}

async fn resend_replaces_the_code(env: Env) {
    let (_, client) = email_pool(&env).await;
    sign_up(&env, &client, "carol", "carol@example.com").await;
    let first = latest_code(&env, "carol@example.com").await;
    let resent = env
        .idp
        .resend_confirmation_code()
        .client_id(&client)
        .username("carol")
        .send()
        .await
        .unwrap();
    let details = resent.code_delivery_details().unwrap();
    assert_eq!(details.destination(), Some("c***@e***"));
    assert_eq!(details.attribute_name(), Some("email"));
    let second = latest_code(&env, "carol@example.com").await;
    if first != second {
        let stale = env
            .idp
            .confirm_sign_up()
            .client_id(&client)
            .username("carol")
            .confirmation_code(&first)
            .send()
            .await;
        assert_eq!(error_code(&stale), "CodeMismatchException");
    }
    confirm(&env, &client, "carol", &second).await;
}

async fn without_auto_verification_no_code_is_sent(env: Env) {
    let (_, client) = pool_and_client(&env, |b| b, false).await;
    let signed = env
        .idp
        .sign_up()
        .client_id(&client)
        .username("dave")
        .password(PASSWORD)
        .user_attributes(attr("email", "dave@example.com"))
        .send()
        .await
        .unwrap();
    assert!(!signed.user_confirmed());
    assert!(signed.code_delivery_details().is_none());
    assert!(latest_message(&env, "dave@example.com").await.is_none());
    let resend = env
        .idp
        .resend_confirmation_code()
        .client_id(&client)
        .username("dave")
        .send()
        .await;
    assert_eq!(error_code(&resend), "InvalidParameterException");
    assert_eq!(
        message(&resend),
        "Cannot resend codes. Auto verification not turned on."
    );
}

async fn email_as_username(env: Env) {
    let (_, client) = pool_and_client(
        &env,
        |b| {
            b.username_attributes(UsernameAttributeType::Email)
                .auto_verified_attributes(VerifiedAttributeType::Email)
        },
        false,
    )
    .await;
    let signed = env
        .idp
        .sign_up()
        .client_id(&client)
        .username("erin@example.com")
        .password(PASSWORD)
        .send()
        .await
        .unwrap();
    assert_eq!(signed.user_sub().len(), 36);
    let code = latest_code(&env, "erin@example.com").await;
    // Confirmed by the email it signed up with.
    confirm(&env, &client, "erin@example.com", &code).await;

    let taken = env
        .idp
        .sign_up()
        .client_id(&client)
        .username("Erin@example.com".to_lowercase())
        .password(PASSWORD)
        .send()
        .await;
    assert_eq!(error_code(&taken), "UsernameExistsException");
    assert_eq!(
        message(&taken),
        "An account with the given email already exists."
    );

    let not_email = env
        .idp
        .sign_up()
        .client_id(&client)
        .username("erin")
        .password(PASSWORD)
        .send()
        .await;
    assert_eq!(error_code(&not_email), "InvalidParameterException");
    assert_eq!(message(&not_email), "Invalid email address format.");
}

async fn email_alias_claimed_on_confirmation(env: Env) {
    let (_, client) = pool_and_client(
        &env,
        |b| {
            b.alias_attributes(AliasAttributeType::Email)
                .auto_verified_attributes(VerifiedAttributeType::Email)
        },
        false,
    )
    .await;
    let email_username = env
        .idp
        .sign_up()
        .client_id(&client)
        .username("frank@example.com")
        .password(PASSWORD)
        .send()
        .await;
    assert_eq!(error_code(&email_username), "InvalidParameterException");
    assert_eq!(
        message(&email_username),
        "Username cannot be of email format, since user pool is configured for email alias."
    );

    // Unverified aliases are not unique: both sign up with one address.
    sign_up(&env, &client, "frank", "shared@example.com").await;
    let frank_code = latest_code(&env, "shared@example.com").await;
    sign_up(&env, &client, "grace", "shared@example.com").await;
    let grace_code = latest_code(&env, "shared@example.com").await;
    confirm(&env, &client, "frank", &frank_code).await;

    let taken = env
        .idp
        .confirm_sign_up()
        .client_id(&client)
        .username("grace")
        .confirmation_code(&grace_code)
        .send()
        .await;
    assert_eq!(error_code(&taken), "AliasExistsException");
    assert_eq!(message(&taken), "An account with the email already exists.");

    // The refused confirmation consumed the code; a new one with ForceAliasCreation
    // moves the alias to grace.
    env.idp
        .resend_confirmation_code()
        .client_id(&client)
        .username("grace")
        .send()
        .await
        .unwrap();
    let grace_code = latest_code(&env, "shared@example.com").await;
    env.idp
        .confirm_sign_up()
        .client_id(&client)
        .username("grace")
        .confirmation_code(&grace_code)
        .force_alias_creation(true)
        .send()
        .await
        .unwrap();

    // The alias now names grace: a reset through it goes to grace's (verified) address.
    env.idp
        .forgot_password()
        .client_id(&client)
        .username("shared@example.com")
        .send()
        .await
        .unwrap();
    let (_, _) = latest_message(&env, "shared@example.com").await.unwrap();
}

async fn hidden_user_existence(env: Env) {
    let (_, client) = pool_and_client(
        &env,
        |b| b.auto_verified_attributes(VerifiedAttributeType::Email),
        true,
    )
    .await;
    let unknown = env
        .idp
        .confirm_sign_up()
        .client_id(&client)
        .username("nobody")
        .confirmation_code("123456")
        .send()
        .await;
    assert_eq!(error_code(&unknown), "CodeMismatchException");
    assert_eq!(
        message(&unknown),
        "Invalid verification code provided, please try again."
    );
    let resent = env
        .idp
        .resend_confirmation_code()
        .client_id(&client)
        .username("nobody@example.com")
        .send()
        .await
        .unwrap();
    let details = resent.code_delivery_details().unwrap();
    assert_eq!(details.destination(), Some("n***@e***"));
    assert!(latest_message(&env, "nobody@example.com").await.is_none());

    let forgot = env
        .idp
        .forgot_password()
        .client_id(&client)
        .username("nobody@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        forgot.code_delivery_details().unwrap().attribute_name(),
        Some("email")
    );
    // An unconfirmed user (nothing verified to send a code to) looks the same.
    sign_up(&env, &client, "zed", "zed@example.com").await;
    let unconfirmed = env
        .idp
        .forgot_password()
        .client_id(&client)
        .username("zed")
        .send()
        .await
        .unwrap();
    let details = unconfirmed.code_delivery_details().unwrap();
    assert_eq!(details.destination(), Some("z***@e***"));
    assert_eq!(details.attribute_name(), Some("email"));
    let reset = env
        .idp
        .confirm_forgot_password()
        .client_id(&client)
        .username("nobody")
        .confirmation_code("123456")
        .password(PASSWORD)
        .send()
        .await;
    assert_eq!(error_code(&reset), "CodeMismatchException");
}

async fn secret_hash_required(env: Env) {
    let (pool, _) = email_pool(&env).await;
    let client = env
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("confidential")
        .generate_secret(true)
        .send()
        .await
        .unwrap()
        .user_pool_client()
        .unwrap()
        .client_id()
        .unwrap()
        .to_owned();
    let missing = env
        .idp
        .sign_up()
        .client_id(&client)
        .username("henry")
        .password(PASSWORD)
        .send()
        .await;
    assert_eq!(error_code(&missing), "NotAuthorizedException");
    assert_eq!(
        message(&missing),
        format!("Client {client} is configured with secret but SECRET_HASH was not received")
    );
    let wrong = env
        .idp
        .forgot_password()
        .client_id(&client)
        .username("henry")
        .secret_hash("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
        .send()
        .await;
    assert_eq!(error_code(&wrong), "NotAuthorizedException");
    assert_eq!(
        message(&wrong),
        format!("Unable to verify secret hash for client {client}")
    );
}

async fn forgot_password_and_reset(env: Env) {
    let (_, client) = email_pool(&env).await;
    sign_up(&env, &client, "ivy", "ivy@example.com").await;

    // Unconfirmed: nothing verified to send a code to.
    let unverified = env
        .idp
        .forgot_password()
        .client_id(&client)
        .username("ivy")
        .send()
        .await;
    assert_eq!(error_code(&unverified), "InvalidParameterException");
    assert_eq!(
        message(&unverified),
        "Cannot reset password for the user as there is no registered/verified email or phone_number"
    );

    let code = latest_code(&env, "ivy@example.com").await;
    confirm(&env, &client, "ivy", &code).await;

    let sent = env
        .idp
        .forgot_password()
        .client_id(&client)
        .username("ivy")
        .send()
        .await
        .unwrap();
    let details = sent.code_delivery_details().unwrap();
    assert_eq!(details.destination(), Some("i***@e***"));
    assert_eq!(details.delivery_medium(), Some(&DeliveryMediumType::Email));
    let reset_code = latest_code(&env, "ivy@example.com").await;

    let weak = env
        .idp
        .confirm_forgot_password()
        .client_id(&client)
        .username("ivy")
        .confirmation_code(&reset_code)
        .password("weak")
        .send()
        .await;
    assert_eq!(error_code(&weak), "InvalidPasswordException");
    assert_eq!(
        message(&weak),
        "Password does not conform to policy: Password not long enough"
    );
    let wrong = env
        .idp
        .confirm_forgot_password()
        .client_id(&client)
        .username("ivy")
        .confirmation_code(other_code(&reset_code))
        .password("New-Password-1")
        .send()
        .await;
    assert_eq!(error_code(&wrong), "CodeMismatchException");
    assert_eq!(
        message(&wrong),
        "Invalid verification code provided, please try again."
    );
    env.idp
        .confirm_forgot_password()
        .client_id(&client)
        .username("ivy")
        .confirmation_code(&reset_code)
        .password("New-Password-1")
        .send()
        .await
        .unwrap();
    // A code works once.
    let reused = env
        .idp
        .confirm_forgot_password()
        .client_id(&client)
        .username("ivy")
        .confirmation_code(&reset_code)
        .password("New-Password-2")
        .send()
        .await;
    assert_eq!(error_code(&reused), "ExpiredCodeException");
    assert_eq!(
        message(&reused),
        "Invalid code provided, please request a code again."
    );

    let unknown = env
        .idp
        .forgot_password()
        .client_id(&client)
        .username("nobody")
        .send()
        .await;
    assert_eq!(error_code(&unknown), "UserNotFoundException");
    assert_eq!(
        message(&unknown),
        "Username/client id combination not found."
    );
}

/// Signs in with USER_PASSWORD_AUTH; the access token.
async fn sign_in(env: &Env, client: &str, username: &str, password: &str) -> String {
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
        .expect("tokens")
        .access_token()
        .unwrap()
        .to_owned()
}

/// A confirmed user `username` with email `<username>@example.com`, signed in: the access token.
async fn confirmed_user(env: &Env, client: &str, username: &str) -> String {
    let email = format!("{username}@example.com");
    sign_up(env, client, username, &email).await;
    let code = latest_code(env, &email).await;
    confirm(env, client, username, &code).await;
    sign_in(env, client, username, PASSWORD).await
}

fn attributes_of(
    user: &aws_sdk_cognitoidentityprovider::operation::get_user::GetUserOutput,
) -> Vec<(String, String)> {
    user.user_attributes()
        .iter()
        .map(|a| {
            (
                a.name().to_owned(),
                a.value().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

async fn get_user_reads_what_the_client_may(env: Env) {
    let (pool, client) = email_pool(&env).await;
    let token = confirmed_user(&env, &client, "jack").await;
    let user = env
        .idp
        .get_user()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(user.username(), "jack");
    let attrs = attributes_of(&user);
    assert_eq!(attrs[0].0, "sub");
    assert_eq!(attrs[0].1.len(), 36);
    assert!(attrs.contains(&("email".into(), "jack@example.com".into())));
    assert!(attrs.contains(&("email_verified".into(), "true".into())));

    // A client reading only email sees sub and email.
    let narrow = env
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("narrow")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .read_attributes("email")
        .send()
        .await
        .unwrap()
        .user_pool_client()
        .unwrap()
        .client_id()
        .unwrap()
        .to_owned();
    let token = sign_in(&env, &narrow, "jack", PASSWORD).await;
    let user = env
        .idp
        .get_user()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    let names: Vec<String> = attributes_of(&user).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["sub", "email"]);

    let garbage = env.idp.get_user().access_token("not-a-token").send().await;
    assert_eq!(error_code(&garbage), "NotAuthorizedException");
    assert_eq!(message(&garbage), "Invalid Access Token");
}

async fn update_and_verify_attributes(env: Env) {
    let (_, client) = email_pool(&env).await;
    let token = confirmed_user(&env, &client, "kate").await;

    let plain = env
        .idp
        .update_user_attributes()
        .access_token(&token)
        .user_attributes(attr("name", "Kate"))
        .send()
        .await
        .unwrap();
    assert!(plain.code_delivery_details_list().is_empty());

    let changed = env
        .idp
        .update_user_attributes()
        .access_token(&token)
        .user_attributes(attr("email", "kate.new@example.com"))
        .send()
        .await
        .unwrap();
    let details = changed.code_delivery_details_list();
    assert_eq!(details.len(), 1);
    assert_eq!(details[0].destination(), Some("k***@e***"));
    assert_eq!(details[0].attribute_name(), Some("email"));
    let user = env
        .idp
        .get_user()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    let attrs = attributes_of(&user);
    assert!(attrs.contains(&("name".into(), "Kate".into())));
    assert!(attrs.contains(&("email".into(), "kate.new@example.com".into())));
    assert!(attrs.contains(&("email_verified".into(), "false".into())));

    let code = latest_code(&env, "kate.new@example.com").await;
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
        message(&wrong),
        "Invalid verification code provided, please try again."
    );
    env.idp
        .verify_user_attribute()
        .access_token(&token)
        .attribute_name("email")
        .code(&code)
        .send()
        .await
        .unwrap();
    let user = env
        .idp
        .get_user()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    assert!(attributes_of(&user).contains(&("email_verified".into(), "true".into())));

    // A new code on request.
    let sent = env
        .idp
        .get_user_attribute_verification_code()
        .access_token(&token)
        .attribute_name("email")
        .send()
        .await
        .unwrap();
    assert_eq!(
        sent.code_delivery_details().unwrap().attribute_name(),
        Some("email")
    );
    latest_code(&env, "kate.new@example.com").await;

    let flag = env
        .idp
        .update_user_attributes()
        .access_token(&token)
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await;
    assert_eq!(error_code(&flag), "NotAuthorizedException");
    assert_eq!(
        message(&flag),
        "A client attempted to write unauthorized attribute"
    );
    let unknown = env
        .idp
        .update_user_attributes()
        .access_token(&token)
        .user_attributes(attr("custom:nope", "x"))
        .send()
        .await;
    assert_eq!(error_code(&unknown), "InvalidParameterException");

    env.idp
        .delete_user_attributes()
        .access_token(&token)
        .user_attribute_names("name")
        .send()
        .await
        .unwrap();
    let user = env
        .idp
        .get_user()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    assert!(!attributes_of(&user).iter().any(|(n, _)| n == "name"));
}

async fn change_password_checks_the_old_one(env: Env) {
    let (_, client) = pool_and_client(
        &env,
        |b| {
            b.auto_verified_attributes(VerifiedAttributeType::Email)
                .policies(
                    UserPoolPolicyType::builder()
                        .password_policy(
                            PasswordPolicyType::builder()
                                .minimum_length(8)
                                .password_history_size(2)
                                .build(),
                        )
                        .build(),
                )
        },
        false,
    )
    .await;
    let token = confirmed_user(&env, &client, "liam").await;
    let wrong = env
        .idp
        .change_password()
        .access_token(&token)
        .previous_password("Not-The-Password-1")
        .proposed_password("Another-Password-1")
        .send()
        .await;
    assert_eq!(error_code(&wrong), "NotAuthorizedException");
    assert_eq!(message(&wrong), "Incorrect username or password.");
    let weak = env
        .idp
        .change_password()
        .access_token(&token)
        .previous_password(PASSWORD)
        .proposed_password("short")
        .send()
        .await;
    assert_eq!(error_code(&weak), "InvalidPasswordException");
    assert_eq!(
        message(&weak),
        "Password does not conform to policy: Password not long enough"
    );
    let same = env
        .idp
        .change_password()
        .access_token(&token)
        .previous_password(PASSWORD)
        .proposed_password(PASSWORD)
        .send()
        .await;
    assert_eq!(error_code(&same), "PasswordHistoryPolicyViolationException");

    env.idp
        .change_password()
        .access_token(&token)
        .previous_password(PASSWORD)
        .proposed_password("Another-Password-1")
        .send()
        .await
        .unwrap();
    // The previous password is remembered (history of 2), the new one signs in.
    let back = env
        .idp
        .change_password()
        .access_token(&token)
        .previous_password("Another-Password-1")
        .proposed_password(PASSWORD)
        .send()
        .await;
    assert_eq!(error_code(&back), "PasswordHistoryPolicyViolationException");
    sign_in(&env, &client, "liam", "Another-Password-1").await;
    let old = env
        .idp
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "liam")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await;
    assert_eq!(error_code(&old), "NotAuthorizedException");
    assert_eq!(message(&old), "Incorrect username or password.");
}

/// R3: guessing the previous password through ChangePassword counts against the same lockout
/// as sign-in, so a stolen access token does not open a side door for password guessing.
async fn change_password_shares_the_sign_in_lockout(env: Env) {
    let (_, client) = email_pool(&env).await;
    let token = confirmed_user(&env, &client, "noah").await;
    let change = |previous: &'static str| {
        env.idp
            .change_password()
            .access_token(&token)
            .previous_password(previous)
            .proposed_password("Another-Password-1")
            .send()
    };
    for _ in 0..5 {
        let wrong = change("Not-The-Password-1").await;
        assert_eq!(message(&wrong), "Incorrect username or password.");
    }
    // Locked: even the right previous password is refused, in Cognito's words for this call.
    let locked = change(PASSWORD).await;
    assert_eq!(error_code(&locked), "LimitExceededException");
    assert_eq!(
        message(&locked),
        "Attempt limit exceeded, please try after some time."
    );
    let sign_in = env
        .idp
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "noah")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await;
    assert_eq!(message(&sign_in), "Password attempts exceeded");
    // After the one-second lock, the right password works again.
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    change(PASSWORD).await.unwrap();
}

async fn reset_password_then_sign_in(env: Env) {
    let (_, client) = email_pool(&env).await;
    confirmed_user(&env, &client, "mia").await;
    env.idp
        .forgot_password()
        .client_id(&client)
        .username("mia")
        .send()
        .await
        .unwrap();
    let code = latest_code(&env, "mia@example.com").await;
    env.idp
        .confirm_forgot_password()
        .client_id(&client)
        .username("mia")
        .confirmation_code(&code)
        .password("Reset-Password-1")
        .send()
        .await
        .unwrap();
    let token = sign_in(&env, &client, "mia", "Reset-Password-1").await;
    env.idp
        .get_user()
        .access_token(&token)
        .send()
        .await
        .unwrap();
}

async fn global_sign_out_revokes_access_tokens(env: Env) {
    let (_, client) = email_pool(&env).await;
    let token = confirmed_user(&env, &client, "noah").await;
    env.idp
        .global_sign_out()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    let after = env.idp.get_user().access_token(&token).send().await;
    assert_eq!(error_code(&after), "NotAuthorizedException");
    assert_eq!(message(&after), "Access Token has been revoked");
    // A new sign-in is not affected.
    let fresh = sign_in(&env, &client, "noah", PASSWORD).await;
    env.idp
        .get_user()
        .access_token(&fresh)
        .send()
        .await
        .unwrap();
}

async fn delete_user_removes_the_account(env: Env) {
    let (_, client) = email_pool(&env).await;
    let token = confirmed_user(&env, &client, "olga").await;
    env.idp
        .delete_user()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    let gone = env
        .idp
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "olga")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await;
    assert_eq!(error_code(&gone), "UserNotFoundException");
    // The name is free again.
    sign_up(&env, &client, "olga", "olga@example.com").await;
}

async fn codes_die_after_five_wrong_attempts(env: Env) {
    let (_, client) = email_pool(&env).await;
    sign_up(&env, &client, "pete", "pete@example.com").await;
    let code = latest_code(&env, "pete@example.com").await;
    for _ in 0..5 {
        let wrong = env
            .idp
            .confirm_sign_up()
            .client_id(&client)
            .username("pete")
            .confirmation_code(other_code(&code))
            .send()
            .await;
        assert_eq!(error_code(&wrong), "CodeMismatchException");
    }
    let dead = env
        .idp
        .confirm_sign_up()
        .client_id(&client)
        .username("pete")
        .confirmation_code(&code)
        .send()
        .await;
    assert_eq!(error_code(&dead), "LimitExceededException");
    assert_eq!(
        message(&dead),
        "Attempt limit exceeded, please try after some time."
    );
    // A new code works.
    env.idp
        .resend_confirmation_code()
        .client_id(&client)
        .username("pete")
        .send()
        .await
        .unwrap();
    let code = latest_code(&env, "pete@example.com").await;
    confirm(&env, &client, "pete", &code).await;
}

async fn account_recovery_is_rate_limited(env: Env) {
    let (_, client) = email_pool(&env).await;
    confirmed_user(&env, &client, "quinn").await;
    for _ in 0..10 {
        env.idp
            .forgot_password()
            .client_id(&client)
            .username("quinn")
            .send()
            .await
            .unwrap();
    }
    let limited = env
        .idp
        .forgot_password()
        .client_id(&client)
        .username("quinn")
        .send()
        .await;
    assert_eq!(error_code(&limited), "LimitExceededException");
    assert_eq!(
        message(&limited),
        "Attempt limit exceeded, please try after some time."
    );
    let code = latest_code(&env, "quinn@example.com").await;
    let confirm = env
        .idp
        .confirm_forgot_password()
        .client_id(&client)
        .username("quinn")
        .confirmation_code(code)
        .password("Reset-Password-1")
        .send()
        .await;
    assert_eq!(error_code(&confirm), "LimitExceededException");
}

async fn a_code_for_an_old_address_dies_with_it(env: Env) {
    // No auto-verification: the user asks for codes explicitly.
    let (pool, client) = pool_and_client(&env, |b| b, false).await;
    sign_up(&env, &client, "rita", "rita@example.com").await;
    env.idp
        .admin_confirm_sign_up()
        .user_pool_id(&pool)
        .username("rita")
        .send()
        .await
        .unwrap();
    let token = sign_in(&env, &client, "rita", PASSWORD).await;
    env.idp
        .get_user_attribute_verification_code()
        .access_token(&token)
        .attribute_name("email")
        .send()
        .await
        .unwrap();
    let old_code = latest_code(&env, "rita@example.com").await;
    let changed = env
        .idp
        .update_user_attributes()
        .access_token(&token)
        .user_attributes(attr("email", "rita.new@example.com"))
        .send()
        .await
        .unwrap();
    assert!(changed.code_delivery_details_list().is_empty());
    let stale = env
        .idp
        .verify_user_attribute()
        .access_token(&token)
        .attribute_name("email")
        .code(&old_code)
        .send()
        .await;
    assert!(
        stale.is_err(),
        "a code for the old address verified the new one"
    );
    let user = env
        .idp
        .get_user()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    assert!(attributes_of(&user).contains(&("email_verified".into(), "false".into())));
}

on_both_backends!(
    sign_up_and_confirm,
    sign_up_refusals,
    resend_replaces_the_code,
    without_auto_verification_no_code_is_sent,
    email_as_username,
    email_alias_claimed_on_confirmation,
    hidden_user_existence,
    secret_hash_required,
    forgot_password_and_reset,
    get_user_reads_what_the_client_may,
    update_and_verify_attributes,
    change_password_checks_the_old_one,
    change_password_shares_the_sign_in_lockout,
    reset_password_then_sign_in,
    global_sign_out_revokes_access_tokens,
    delete_user_removes_the_account,
    codes_die_after_five_wrong_attempts,
    account_recovery_is_rate_limited,
    a_code_for_an_old_address_dies_with_it,
);
