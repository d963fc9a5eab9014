//! USER_SRP_AUTH → PASSWORD_VERIFIER with the AWS SDK for Rust, the client half computed by
//! `cognate_crypto::srp::test_client` (pinned to amazon-cognito-identity-js and pycognito).

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::error::SdkError;
use aws_sdk_cognitoidentityprovider::operation::initiate_auth::{
    InitiateAuthError, InitiateAuthOutput,
};
use aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::{
    RespondToAuthChallengeError, RespondToAuthChallengeOutput,
};
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType, PreventUserExistenceErrorTypes,
    UsernameAttributeType,
};
use base64::Engine as _;
use cognate_crypto::srp::{self, test_client::Client};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::harness::{Env, code, message};
use crate::on_both_backends;

const PASSWORD: &str = "Correct-Horse-9";
const INCORRECT: &str = "Incorrect username or password.";
/// RFC 5054's 3072-bit prime, which must never be accepted as SRP_A (≡ 0 mod N).
const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74",
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437",
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05",
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB",
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718",
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33",
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864",
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2",
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

type InitResult = Result<InitiateAuthOutput, SdkError<InitiateAuthError>>;
type RespondResult = Result<RespondToAuthChallengeOutput, SdkError<RespondToAuthChallengeError>>;

async fn new_pool(env: &Env, email_usernames: bool) -> String {
    let mut request = env.idp.create_user_pool().pool_name("srp");
    if email_usernames {
        request = request.username_attributes(UsernameAttributeType::Email);
    }
    request
        .send()
        .await
        .unwrap()
        .user_pool()
        .unwrap()
        .id()
        .unwrap()
        .to_owned()
}

struct ClientOptions {
    secret: bool,
    prevent_existence_errors: bool,
}

/// A client allowing SRP, password sign-in (to compare) and refresh.
async fn new_client(env: &Env, pool: &str, options: ClientOptions) -> (String, Option<String>) {
    let mut request = env
        .idp
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("app")
        .generate_secret(options.secret)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth);
    if options.prevent_existence_errors {
        request = request.prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled);
    }
    let created = request.send().await.unwrap();
    let client = created.user_pool_client().unwrap();
    (
        client.client_id().unwrap().to_owned(),
        client.client_secret().map(str::to_owned),
    )
}

async fn public_client(env: &Env, pool: &str) -> String {
    new_client(
        env,
        pool,
        ClientOptions {
            secret: false,
            prevent_existence_errors: false,
        },
    )
    .await
    .0
}

/// A confirmed user who signed up with `PASSWORD` (and an email attribute).
async fn signed_up_user(env: &Env, pool: &str, client: &str, username: &str, email: &str) {
    env.idp
        .sign_up()
        .client_id(client)
        .username(username)
        .password(PASSWORD)
        .user_attributes(
            aws_sdk_cognitoidentityprovider::types::AttributeType::builder()
                .name("email")
                .value(email)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    env.idp
        .admin_confirm_sign_up()
        .user_pool_id(pool)
        .username(username)
        .send()
        .await
        .unwrap();
}

fn secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn timestamp_now() -> String {
    srp::format_timestamp(time::OffsetDateTime::now_utc())
}

async fn initiate(
    env: &Env,
    client: &str,
    username: &str,
    srp_a: &str,
    secret: Option<&str>,
) -> InitResult {
    let mut request = env
        .idp
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("SRP_A", srp_a);
    if let Some(secret) = secret {
        request = request.auth_parameters("SECRET_HASH", secret_hash(secret, username, client));
    }
    request.send().await
}

/// The PASSWORD_VERIFIER answer a reference client computes for `challenge`.
fn claim(
    pool: &str,
    srp_client: &Client,
    challenge: &HashMap<String, String>,
    password: &str,
    timestamp: &str,
) -> HashMap<String, String> {
    let user_id = &challenge["USER_ID_FOR_SRP"];
    let output = srp_client
        .password_claim(
            srp::pool_name(pool).unwrap(),
            user_id,
            password,
            &challenge["SALT"],
            &challenge["SRP_B"],
            &challenge["SECRET_BLOCK"],
            timestamp,
        )
        .unwrap();
    HashMap::from([
        ("USERNAME".to_owned(), user_id.clone()),
        (
            "PASSWORD_CLAIM_SECRET_BLOCK".to_owned(),
            challenge["SECRET_BLOCK"].clone(),
        ),
        ("PASSWORD_CLAIM_SIGNATURE".to_owned(), output.signature),
        ("TIMESTAMP".to_owned(), timestamp.to_owned()),
    ])
}

async fn respond(
    env: &Env,
    client: &str,
    session: Option<&str>,
    responses: HashMap<String, String>,
) -> RespondResult {
    env.idp
        .respond_to_auth_challenge()
        .client_id(client)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .set_session(session.map(str::to_owned))
        .set_challenge_responses(Some(responses))
        .send()
        .await
}

/// One whole handshake as amazon-cognito-identity-js runs it; returns the challenge and the
/// answer to PASSWORD_VERIFIER.
async fn srp_sign_in(
    env: &Env,
    pool: &str,
    client: &str,
    username: &str,
    password: &str,
) -> (InitiateAuthOutput, RespondResult) {
    let srp_client = Client::random().unwrap();
    let started = initiate(env, client, username, &srp_client.srp_a(), None)
        .await
        .unwrap();
    let challenge = started.challenge_parameters().unwrap().clone();
    let responses = claim(pool, &srp_client, &challenge, password, &timestamp_now());
    let answer = respond(env, client, started.session(), responses).await;
    (started, answer)
}

/// Signs in with SRP and checks the access token names the user.
async fn assert_srp_tokens(env: &Env, pool: &str, client: &str, username: &str, expect: &str) {
    let (_, answer) = srp_sign_in(env, pool, client, username, PASSWORD).await;
    let answer = answer.unwrap();
    let tokens = answer.authentication_result().unwrap();
    assert!(tokens.id_token().is_some() && tokens.refresh_token().is_some());
    let user = env
        .idp
        .get_user()
        .access_token(tokens.access_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(user.username(), expect);
}

async fn signed_up_user_signs_in(env: Env) {
    let pool = new_pool(&env, false).await;
    let client = public_client(&env, &pool).await;
    signed_up_user(&env, &pool, &client, "Alice", "alice@example.com").await;

    let (started, answer) = srp_sign_in(&env, &pool, &client, "Alice", PASSWORD).await;
    assert_eq!(
        started.challenge_name(),
        Some(&ChallengeNameType::PasswordVerifier)
    );
    let params = started.challenge_parameters().unwrap();
    let mut keys: Vec<&str> = params.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "SALT",
            "SECRET_BLOCK",
            "SRP_B",
            "USERNAME",
            "USER_ID_FOR_SRP"
        ]
    );
    assert_eq!(params["USER_ID_FOR_SRP"], "Alice");
    assert_eq!(params["USERNAME"], "Alice");
    assert!(started.session().is_some_and(|s| s.len() <= 2048));
    let answer = answer.unwrap();
    assert!(answer.challenge_name().is_none());
    assert!(
        answer
            .authentication_result()
            .unwrap()
            .access_token()
            .is_some()
    );

    // Email is no sign-in name in this pool (see the email pool case for aliases).
    let srp_client = Client::random().unwrap();
    let started = initiate(
        &env,
        &client,
        "alice@example.com",
        &srp_client.srp_a(),
        None,
    )
    .await;
    assert_eq!(code(&started), "UserNotFoundException");

    // The admin entry points run the same flow.
    let srp_client = Client::random().unwrap();
    let started = env
        .idp
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", "Alice")
        .auth_parameters("SRP_A", srp_client.srp_a())
        .send()
        .await
        .unwrap();
    let challenge = started.challenge_parameters().unwrap().clone();
    let responses = claim(&pool, &srp_client, &challenge, PASSWORD, &timestamp_now());
    let answer = env
        .idp
        .admin_respond_to_auth_challenge()
        .user_pool_id(&pool)
        .client_id(&client)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .set_session(started.session().map(str::to_owned))
        .set_challenge_responses(Some(responses))
        .send()
        .await
        .unwrap();
    assert!(answer.authentication_result().is_some());

    // Without Session (older clients echo only the secret block) it works as well.
    let srp_client = Client::random().unwrap();
    let started = initiate(&env, &client, "Alice", &srp_client.srp_a(), None)
        .await
        .unwrap();
    let challenge = started.challenge_parameters().unwrap().clone();
    let responses = claim(&pool, &srp_client, &challenge, PASSWORD, &timestamp_now());
    assert!(respond(&env, &client, None, responses).await.is_ok());
}

async fn admin_created_user_must_set_a_new_password(env: Env) {
    let pool = new_pool(&env, false).await;
    let client = public_client(&env, &pool).await;
    env.idp
        .admin_create_user()
        .user_pool_id(&pool)
        .username("bob")
        .temporary_password("Temporary-Pass-1")
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    let (_, answer) = srp_sign_in(&env, &pool, &client, "bob", "Temporary-Pass-1").await;
    let answer = answer.unwrap();
    assert_eq!(
        answer.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );
    let done = env
        .idp
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .set_session(answer.session().map(str::to_owned))
        .challenge_responses("USERNAME", "bob")
        .challenge_responses("NEW_PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap();
    assert!(done.authentication_result().is_some());
    // The new password has its own verifier; the temporary one is gone.
    assert_srp_tokens(&env, &pool, &client, "bob", "bob").await;
    let (_, answer) = srp_sign_in(&env, &pool, &client, "bob", "Temporary-Pass-1").await;
    assert_eq!(message(&answer), INCORRECT);
}

async fn email_username_pool_uses_the_internal_username(env: Env) {
    let pool = new_pool(&env, true).await;
    let client = public_client(&env, &pool).await;
    signed_up_user(
        &env,
        &pool,
        &client,
        "carol@example.com",
        "carol@example.com",
    )
    .await;
    let (started, answer) = srp_sign_in(&env, &pool, &client, "carol@example.com", PASSWORD).await;
    let params = started.challenge_parameters().unwrap();
    let user_id = params["USER_ID_FOR_SRP"].clone();
    assert_ne!(user_id, "carol@example.com");
    assert_eq!(user_id.len(), 36, "a UUID username: {user_id}");
    assert!(answer.unwrap().authentication_result().is_some());
    assert_srp_tokens(&env, &pool, &client, "carol@example.com", &user_id).await;

    // The claim may name the user by the email they typed.
    let srp_client = Client::random().unwrap();
    let started = initiate(
        &env,
        &client,
        "carol@example.com",
        &srp_client.srp_a(),
        None,
    )
    .await
    .unwrap();
    let challenge = started.challenge_parameters().unwrap().clone();
    let mut responses = claim(&pool, &srp_client, &challenge, PASSWORD, &timestamp_now());
    responses.insert("USERNAME".into(), "carol@example.com".into());
    assert!(
        respond(&env, &client, started.session(), responses)
            .await
            .unwrap()
            .authentication_result()
            .is_some()
    );
}

async fn client_secret_needs_secret_hash(env: Env) {
    let pool = new_pool(&env, false).await;
    let (client, secret) = new_client(
        &env,
        &pool,
        ClientOptions {
            secret: true,
            prevent_existence_errors: false,
        },
    )
    .await;
    let secret = secret.unwrap();
    env.idp
        .admin_create_user()
        .user_pool_id(&pool)
        .username("dave")
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    env.idp
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("dave")
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .unwrap();
    let srp_client = Client::random().unwrap();
    let missing = initiate(&env, &client, "dave", &srp_client.srp_a(), None).await;
    assert_eq!(code(&missing), "NotAuthorizedException");
    let started = initiate(&env, &client, "dave", &srp_client.srp_a(), Some(&secret))
        .await
        .unwrap();
    let challenge = started.challenge_parameters().unwrap().clone();
    let mut responses = claim(&pool, &srp_client, &challenge, PASSWORD, &timestamp_now());
    // Without SECRET_HASH the answer is refused (and the session survives for the retry).
    let refused = respond(&env, &client, started.session(), responses.clone()).await;
    assert_eq!(code(&refused), "NotAuthorizedException");
    responses.insert("SECRET_HASH".into(), secret_hash(&secret, "dave", &client));
    let answer = respond(&env, &client, started.session(), responses)
        .await
        .unwrap();
    assert!(answer.authentication_result().is_some());
}

async fn wrong_passwords_and_bad_values_are_refused(env: Env) {
    let pool = new_pool(&env, false).await;
    let client = public_client(&env, &pool).await;
    signed_up_user(&env, &pool, &client, "erin", "erin@example.com").await;
    let (_, answer) = srp_sign_in(&env, &pool, &client, "erin", "Wrong-Password-1").await;
    assert_eq!(code(&answer), "NotAuthorizedException");
    assert_eq!(message(&answer), INCORRECT);

    // A ≡ 0 (mod N) would make the shared secret 0 whatever the password (R10a); 2N and
    // beyond are longer than any residue and refused as such.
    for bad in [
        "0",
        "00",
        N_HEX,
        &N_HEX.to_lowercase(),
        &format!("0{N_HEX}"),
        "xyz",
    ] {
        let r = initiate(&env, &client, "erin", bad, None).await;
        assert_eq!(code(&r), "NotAuthorizedException", "SRP_A {bad}");
    }
    let r = initiate(&env, &client, "erin", &format!("{N_HEX}{N_HEX}"), None).await;
    assert_eq!(code(&r), "NotAuthorizedException");

    // Single use: a replayed answer is refused, whether the first one failed or succeeded.
    let srp_client = Client::random().unwrap();
    let started = initiate(&env, &client, "erin", &srp_client.srp_a(), None)
        .await
        .unwrap();
    let challenge = started.challenge_parameters().unwrap().clone();
    let good = claim(&pool, &srp_client, &challenge, PASSWORD, &timestamp_now());
    assert!(
        respond(&env, &client, started.session(), good.clone())
            .await
            .is_ok()
    );
    let replay = respond(&env, &client, started.session(), good.clone()).await;
    assert_eq!(code(&replay), "NotAuthorizedException");
    assert_eq!(message(&replay), "Invalid session for the user.");
    let replay = respond(&env, &client, None, good).await;
    assert_eq!(message(&replay), "Invalid session for the user.");

    // A Session from another challenge does not go with this secret block.
    let first = initiate(&env, &client, "erin", &srp_client.srp_a(), None)
        .await
        .unwrap();
    let second = initiate(&env, &client, "erin", &srp_client.srp_a(), None)
        .await
        .unwrap();
    let challenge = first.challenge_parameters().unwrap().clone();
    let responses = claim(&pool, &srp_client, &challenge, PASSWORD, &timestamp_now());
    let mixed = respond(&env, &client, second.session(), responses).await;
    assert_eq!(message(&mixed), "Invalid session for the user.");

    // A stale TIMESTAMP is refused like a wrong password; a malformed one is a parameter
    // error.
    let srp_client = Client::random().unwrap();
    let started = initiate(&env, &client, "erin", &srp_client.srp_a(), None)
        .await
        .unwrap();
    let challenge = started.challenge_parameters().unwrap().clone();
    let old = srp::format_timestamp(time::OffsetDateTime::now_utc() - time::Duration::minutes(10));
    let malformed = claim(&pool, &srp_client, &challenge, PASSWORD, "Dienstag 3 März");
    let r = respond(&env, &client, started.session(), malformed).await;
    assert_eq!(code(&r), "InvalidParameterException");
    assert_eq!(
        message(&r),
        "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english."
    );
    let stale = claim(&pool, &srp_client, &challenge, PASSWORD, &old);
    let r = respond(&env, &client, started.session(), stale).await;
    assert_eq!(code(&r), "NotAuthorizedException");
    assert_eq!(message(&r), INCORRECT);
}

async fn wrong_claims_lock_the_user_for_every_flow(env: Env) {
    let pool = new_pool(&env, false).await;
    let client = public_client(&env, &pool).await;
    signed_up_user(&env, &pool, &client, "frank", "frank@example.com").await;
    for _ in 0..5 {
        let (_, answer) = srp_sign_in(&env, &pool, &client, "frank", "Wrong-Password-1").await;
        assert_eq!(message(&answer), INCORRECT);
    }
    // Locked for a second: a correct claim and a correct password are both refused.
    let (_, answer) = srp_sign_in(&env, &pool, &client, "frank", PASSWORD).await;
    assert_eq!(message(&answer), "Password attempts exceeded");
    let r = env
        .idp
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "frank")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await;
    assert_eq!(message(&r), "Password attempts exceeded");
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    assert_srp_tokens(&env, &pool, &client, "frank", "frank").await;
}

async fn unknown_users_get_a_stable_simulated_challenge(env: Env) {
    let pool = new_pool(&env, false).await;
    let (hiding, _) = new_client(
        &env,
        &pool,
        ClientOptions {
            secret: false,
            prevent_existence_errors: true,
        },
    )
    .await;
    signed_up_user(&env, &pool, &hiding, "gina", "gina@example.com").await;
    let mut salts = Vec::new();
    for _ in 0..2 {
        let (started, answer) = srp_sign_in(&env, &pool, &hiding, "ghost", PASSWORD).await;
        let params = started.challenge_parameters().unwrap();
        assert_eq!(params["USER_ID_FOR_SRP"], "ghost");
        salts.push(params["SALT"].clone());
        assert_eq!(code(&answer), "NotAuthorizedException");
        assert_eq!(message(&answer), INCORRECT);
    }
    assert_eq!(
        salts[0], salts[1],
        "a changing salt would reveal the user is unknown"
    );
    // A real user's salt has the same form, and differs from the simulated one.
    let (started, _) = srp_sign_in(&env, &pool, &hiding, "gina", PASSWORD).await;
    let real_salt = &started.challenge_parameters().unwrap()["SALT"];
    assert_ne!(real_salt, &salts[0]);
    assert!(real_salt.len().abs_diff(salts[0].len()) <= 2);
    // The simulated user locks like a real one.
    for _ in 0..3 {
        let (_, answer) = srp_sign_in(&env, &pool, &hiding, "ghost", PASSWORD).await;
        assert_eq!(message(&answer), INCORRECT);
    }
    let (_, answer) = srp_sign_in(&env, &pool, &hiding, "ghost", PASSWORD).await;
    assert_eq!(message(&answer), "Password attempts exceeded");

    // Without PreventUserExistenceErrors, Cognito's UserNotFoundException at once.
    let legacy = public_client(&env, &pool).await;
    let srp_client = Client::random().unwrap();
    let r = initiate(&env, &legacy, "ghost", &srp_client.srp_a(), None).await;
    assert_eq!(code(&r), "UserNotFoundException");
    assert_eq!(message(&r), "User does not exist.");
}

async fn changed_password_replaces_the_verifier(env: Env) {
    let pool = new_pool(&env, false).await;
    let client = public_client(&env, &pool).await;
    signed_up_user(&env, &pool, &client, "hank", "hank@example.com").await;
    let (_, answer) = srp_sign_in(&env, &pool, &client, "hank", PASSWORD).await;
    let access = answer
        .unwrap()
        .authentication_result()
        .unwrap()
        .access_token()
        .unwrap()
        .to_owned();
    env.idp
        .change_password()
        .access_token(access)
        .previous_password(PASSWORD)
        .proposed_password("Another-Horse-7")
        .send()
        .await
        .unwrap();
    let (_, old) = srp_sign_in(&env, &pool, &client, "hank", PASSWORD).await;
    assert_eq!(message(&old), INCORRECT);
    let (_, new) = srp_sign_in(&env, &pool, &client, "hank", "Another-Horse-7").await;
    assert!(new.unwrap().authentication_result().is_some());
}

async fn disabled_and_unconfirmed_users_are_answered_at_the_claim(env: Env) {
    let pool = new_pool(&env, false).await;
    let client = public_client(&env, &pool).await;
    signed_up_user(&env, &pool, &client, "ivan", "ivan@example.com").await;
    env.idp
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("ivan")
        .send()
        .await
        .unwrap();
    // The password flow's answers, at the step where the password is checked, even for a
    // correct claim.
    let (started, answer) = srp_sign_in(&env, &pool, &client, "ivan", PASSWORD).await;
    assert_eq!(
        started.challenge_name(),
        Some(&ChallengeNameType::PasswordVerifier)
    );
    assert_eq!(code(&answer), "NotAuthorizedException");
    assert_eq!(message(&answer), "User is disabled.");

    env.idp
        .sign_up()
        .client_id(&client)
        .username("judy")
        .password(PASSWORD)
        .send()
        .await
        .unwrap();
    let (_, answer) = srp_sign_in(&env, &pool, &client, "judy", "Wrong-Password-1").await;
    assert_eq!(code(&answer), "UserNotConfirmedException");
    assert_eq!(message(&answer), "User is not confirmed.");
}

async fn srp_needs_the_flow_enabled(env: Env) {
    let pool = new_pool(&env, false).await;
    let created = env
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("password-only")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .send()
        .await
        .unwrap();
    let client = created.user_pool_client().unwrap().client_id().unwrap();
    let srp_client = Client::random().unwrap();
    let r = initiate(&env, client, "anyone", &srp_client.srp_a(), None).await;
    assert_eq!(code(&r), "InvalidParameterException");
    assert_eq!(
        message(&r),
        "USER_SRP_AUTH flow not enabled for this client"
    );
}

on_both_backends!(
    signed_up_user_signs_in,
    admin_created_user_must_set_a_new_password,
    email_username_pool_uses_the_internal_username,
    client_secret_needs_secret_hash,
    wrong_passwords_and_bad_values_are_refused,
    wrong_claims_lock_the_user_for_every_flow,
    unknown_users_get_a_stable_simulated_challenge,
    changed_password_replaces_the_verifier,
    disabled_and_unconfirmed_users_are_answered_at_the_claim,
    srp_needs_the_flow_enabled,
);
