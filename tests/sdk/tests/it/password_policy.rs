//! R13: password policy semantics through SignUp, AdminSetUserPassword, ChangePassword and
//! AdminCreateUser: the default minimum of 8, passwords up to the model's 256 characters,
//! no truncation, length counted per code point, composition flags only when set, and
//! Cognito's two message prefixes (user operations vs admin operations).

use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, ExplicitAuthFlowsType, MessageActionType, PasswordPolicyType,
    UserPoolPolicyType,
};

use crate::harness::{Env, code, message};
use crate::on_both_backends;

const USER_PREFIX: &str = "Password does not conform to policy: ";
const ADMIN_PREFIX: &str = "Password did not conform with password policy: ";
const TOO_SHORT: &str = "Password not long enough";
const START: &str = "Start-Pass-42x";

/// A pool (with `policy`, or none at all) and a password client.
async fn pool_and_client(env: &Env, policy: Option<PasswordPolicyType>) -> (String, String) {
    let mut request = env.idp.create_user_pool().pool_name("passwords");
    if let Some(policy) = policy {
        request = request.policies(
            UserPoolPolicyType::builder()
                .password_policy(policy)
                .build(),
        );
    }
    let pool = request
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

/// Only a minimum length, every composition flag off.
fn length_only(minimum: i32) -> PasswordPolicyType {
    PasswordPolicyType::builder()
        .minimum_length(minimum)
        .require_uppercase(false)
        .require_lowercase(false)
        .require_numbers(false)
        .require_symbols(false)
        .build()
}

async fn sign_up(env: &Env, client: &str, username: &str, password: &str) -> Result<(), String> {
    env.idp
        .sign_up()
        .client_id(client)
        .username(username)
        .password(password)
        .user_attributes(
            AttributeType::builder()
                .name("email")
                .value(format!("{username}@example.com"))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .map(|_| ())
        .map_err(|e| describe(&Err::<(), _>(e)))
}

async fn admin_set(env: &Env, pool: &str, username: &str, password: &str) -> Result<(), String> {
    env.idp
        .admin_set_user_password()
        .user_pool_id(pool)
        .username(username)
        .password(password)
        .permanent(true)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| describe(&Err::<(), _>(e)))
}

/// `code: message` of a failed call.
fn describe<E>(r: &Result<(), E>) -> String
where
    E: aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata + std::fmt::Debug,
{
    format!("{}: {}", code(r), message(r))
}

/// A confirmed user with password `START`.
async fn confirmed_user(env: &Env, pool: &str, username: &str) {
    env.idp
        .admin_create_user()
        .user_pool_id(pool)
        .username(username)
        .temporary_password("Temporary-Pass-1x")
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    admin_set(env, pool, username, START).await.unwrap();
}

/// Signs in; `Ok(access token)` or `Err(code: message)`.
async fn sign_in(
    env: &Env,
    client: &str,
    username: &str,
    password: &str,
) -> Result<String, String> {
    match env
        .idp
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .authentication_result()
            .unwrap()
            .access_token()
            .unwrap()
            .to_owned()),
        Err(e) => Err(describe(&Err::<(), _>(e))),
    }
}

async fn change(env: &Env, access: &str, previous: &str, proposed: &str) -> Result<(), String> {
    env.idp
        .change_password()
        .access_token(access)
        .previous_password(previous)
        .proposed_password(proposed)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| describe(&Err::<(), _>(e)))
}

fn invalid(prefix: &str, reason: &str) -> Result<(), String> {
    Err(format!("InvalidPasswordException: {prefix}{reason}"))
}

/// A password of `len` characters that satisfies every composition rule.
fn strong(len: usize) -> String {
    let mut password = String::from("Aa1!");
    let filler = "bcdefghijkmnpqrstuvwxyz23456789-XYZ";
    while password.len() < len {
        let i = password.len() % filler.len();
        password.push_str(&filler[i..=i]);
    }
    password
}

async fn default_policy_is_eight_and_every_class(env: Env) {
    let (pool, client) = pool_and_client(&env, None).await;
    let described = env
        .idp
        .describe_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .unwrap();
    let policy = described
        .user_pool()
        .unwrap()
        .policies()
        .unwrap()
        .password_policy()
        .unwrap()
        .clone();
    assert_eq!(policy.minimum_length(), Some(8));
    assert_eq!(
        sign_up(&env, &client, "seven", &strong(7)).await,
        invalid(USER_PREFIX, TOO_SHORT)
    );
    sign_up(&env, &client, "eight", &strong(8)).await.unwrap();
    confirmed_user(&env, &pool, "admin-set").await;
    assert_eq!(
        admin_set(&env, &pool, "admin-set", &strong(7)).await,
        invalid(ADMIN_PREFIX, TOO_SHORT)
    );
    admin_set(&env, &pool, "admin-set", &strong(8))
        .await
        .unwrap();
    sign_in(&env, &client, "admin-set", &strong(8))
        .await
        .unwrap();
}

async fn long_passwords_are_accepted_whole(env: Env) {
    let (pool, client) = pool_and_client(&env, None).await;
    let max = strong(256);
    assert_eq!(max.chars().count(), 256);

    // SignUp with 256 characters; the user is confirmed by an admin to sign in.
    sign_up(&env, &client, "signup", &max).await.unwrap();
    env.idp
        .admin_confirm_sign_up()
        .user_pool_id(&pool)
        .username("signup")
        .send()
        .await
        .unwrap();
    sign_in(&env, &client, "signup", &max).await.unwrap();

    // AdminSetUserPassword with 256 characters.
    confirmed_user(&env, &pool, "admin").await;
    let other = format!("Z{}", &max[1..]);
    admin_set(&env, &pool, "admin", &other).await.unwrap();
    sign_in(&env, &client, "admin", &other).await.unwrap();

    // ChangePassword to 256 characters.
    confirmed_user(&env, &pool, "changer").await;
    let access = sign_in(&env, &client, "changer", START).await.unwrap();
    change(&env, &access, START, &max).await.unwrap();
    sign_in(&env, &client, "changer", &max).await.unwrap();
    assert!(sign_in(&env, &client, "changer", START).await.is_err());

    // 257 characters is past the model's limit.
    let too_long = strong(257);
    let r = env
        .idp
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("admin")
        .password(&too_long)
        .permanent(true)
        .send()
        .await;
    assert_eq!(code(&r), "InvalidParameterException");
    assert!(
        !message(&r).contains(&too_long),
        "the password is not echoed"
    );
}

async fn passwords_are_never_truncated(env: Env) {
    let (pool, client) = pool_and_client(&env, None).await;
    let full = strong(100);
    confirmed_user(&env, &pool, "whole").await;
    admin_set(&env, &pool, "whole", &full).await.unwrap();
    // The 99-character prefix, bcrypt's 72 bytes, and a one-character change at the end.
    let mut last_changed = full.clone();
    last_changed.pop();
    last_changed.push('#');
    for wrong in [&full[..99], &full[..72], last_changed.as_str()] {
        assert_eq!(
            sign_in(&env, &client, "whole", wrong).await,
            Err("NotAuthorizedException: Incorrect username or password.".to_owned()),
            "{} characters",
            wrong.len()
        );
    }
    sign_in(&env, &client, "whole", &full).await.unwrap();
}

async fn length_counts_code_points(env: Env) {
    let (pool, client) = pool_and_client(&env, Some(length_only(8))).await;
    confirmed_user(&env, &pool, "unicode").await;
    let access = sign_in(&env, &client, "unicode", START).await.unwrap();
    // 7 code points, but 14 and 28 bytes in UTF-8: too short.
    for short in ["ééééééé", "🔑🔑🔑🔑🔑🔑🔑"] {
        assert!(short.len() > 8 && short.chars().count() == 7);
        assert_eq!(
            sign_up(&env, &client, "short", short).await,
            invalid(USER_PREFIX, TOO_SHORT),
            "{short}"
        );
        assert_eq!(
            admin_set(&env, &pool, "unicode", short).await,
            invalid(ADMIN_PREFIX, TOO_SHORT),
            "{short}"
        );
        assert_eq!(
            change(&env, &access, START, short).await,
            invalid(USER_PREFIX, TOO_SHORT),
            "{short}"
        );
    }
    // Eight code points of anything are enough, and sign in as they were set.
    sign_up(&env, &client, "accented", "éééééééé")
        .await
        .unwrap();
    admin_set(&env, &pool, "unicode", "🔑🔑🔑🔑🔑🔑🔑🔑")
        .await
        .unwrap();
    sign_in(&env, &client, "unicode", "🔑🔑🔑🔑🔑🔑🔑🔑")
        .await
        .unwrap();
    let access = sign_in(&env, &client, "unicode", "🔑🔑🔑🔑🔑🔑🔑🔑")
        .await
        .unwrap();
    change(&env, &access, "🔑🔑🔑🔑🔑🔑🔑🔑", "пароль-кириллица")
        .await
        .unwrap();
    sign_in(&env, &client, "unicode", "пароль-кириллица")
        .await
        .unwrap();
    // The 256-character maximum is in characters too: 256 two-byte characters fit.
    let accented = "é".repeat(256);
    admin_set(&env, &pool, "unicode", &accented).await.unwrap();
    sign_in(&env, &client, "unicode", &accented).await.unwrap();
    assert!(
        sign_in(&env, &client, "unicode", &accented[..510])
            .await
            .is_err()
    );
    // Composition flags off: any eight characters will do.
    sign_up(&env, &client, "plain", "zqxjvkwpm").await.unwrap();
}

async fn composition_flags_are_honoured(env: Env) {
    let all = PasswordPolicyType::builder()
        .minimum_length(10)
        .require_uppercase(true)
        .require_lowercase(true)
        .require_numbers(true)
        .require_symbols(true)
        .build();
    let (pool, client) = pool_and_client(&env, Some(all)).await;
    confirmed_user(&env, &pool, "target").await;
    let access = sign_in(&env, &client, "target", START).await.unwrap();
    // Checked in the model's order (length, uppercase, lowercase, numbers, symbols);
    // the first miss is reported.
    let table = [
        ("Ab1!short", TOO_SHORT),
        (
            "lowercase-only-1",
            "Password must have uppercase characters",
        ),
        (
            "UPPERCASE-ONLY-1",
            "Password must have lowercase characters",
        ),
        ("No-Numbers-Here", "Password must have numeric characters"),
        ("NoSymbols12345", "Password must have symbol characters"),
        // Only Basic Latin letters count for the case rules.
        ("ÉÉÉÉÉÉ-ab-1", "Password must have uppercase characters"),
        ("éééééééé-1A", "Password must have lowercase characters"),
    ];
    for (password, reason) in table {
        assert_eq!(
            sign_up(&env, &client, "newcomer", password).await,
            invalid(USER_PREFIX, reason),
            "SignUp {password:?}"
        );
        assert_eq!(
            admin_set(&env, &pool, "target", password).await,
            invalid(ADMIN_PREFIX, reason),
            "AdminSetUserPassword {password:?}"
        );
        assert_eq!(
            change(&env, &access, START, password).await,
            invalid(USER_PREFIX, reason),
            "ChangePassword {password:?}"
        );
        let r = env
            .idp
            .admin_create_user()
            .user_pool_id(&pool)
            .username("invited")
            .temporary_password(password)
            .message_action(MessageActionType::Suppress)
            .send()
            .await;
        assert_eq!(
            code(&r),
            "InvalidPasswordException",
            "AdminCreateUser {password:?}"
        );
        assert_eq!(
            message(&r),
            format!("{ADMIN_PREFIX}{reason}"),
            "AdminCreateUser {password:?}"
        );
    }
    // A leading or trailing space never reaches the policy: the service's pattern for
    // passwords (`^[\S]+.*[\S]+$`; the pinned botocore still says `[\S]+`) refuses it
    // first. Inside a password a space is allowed, and counts as a symbol.
    for spaced in [" Leading-12Ab", "Trailing-12Ab "] {
        let r = env
            .idp
            .sign_up()
            .client_id(&client)
            .username("spaced")
            .password(spaced)
            .send()
            .await;
        assert_eq!(code(&r), "InvalidParameterException", "{spaced:?}");
        assert_eq!(
            message(&r),
            "1 validation error detected: Value at 'password' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: ^[\\S]+.*[\\S]+$"
        );
    }
    sign_up(&env, &client, "phrase", "Quiet Harbor 17 Lanterns")
        .await
        .unwrap();
    change(&env, &access, START, "Changed-Pass-99")
        .await
        .unwrap();
    sign_in(&env, &client, "target", "Changed-Pass-99")
        .await
        .unwrap();
}

on_both_backends!(
    default_policy_is_eight_and_every_class,
    long_passwords_are_accepted_whole,
    passwords_are_never_truncated,
    length_counts_code_points,
    composition_flags_are_honoured,
);
