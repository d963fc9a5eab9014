//! Sign-in: password flows and their client gates, the error matrix in Cognito's order,
//! lockout, NEW_PASSWORD_REQUIRED with its single-use session, refresh (with and without
//! rotation), GetTokensFromRefreshToken and RevokeToken; issued tokens checked against the
//! pool's JWKS with an independent JWT library.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_cognitoidentityprovider::types::{
    AttributeDataType, AttributeType, AuthFlowType, AuthenticationResultType, ChallengeNameType,
    ExplicitAuthFlowsType, FeatureType, MessageActionType, PreventUserExistenceErrorTypes,
    RefreshTokenRotationType, SchemaAttributeType,
};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::Value;
use sha2::Sha256;

use crate::harness::{Env, clients, code, message};
use crate::on_both_backends;
use cognate_testkit::{ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY, ServerOptions, TestServer};

const PASSWORD: &str = "Correct-Horse-9";
const TEMPORARY: &str = "Temporary-Pass-1";

/// Flows for a client that may use every password flow.
fn password_flows() -> Vec<ExplicitAuthFlowsType> {
    vec![
        ExplicitAuthFlowsType::AllowUserPasswordAuth,
        ExplicitAuthFlowsType::AllowAdminUserPasswordAuth,
        ExplicitAuthFlowsType::AllowRefreshTokenAuth,
        ExplicitAuthFlowsType::AllowUserSrpAuth,
    ]
}

async fn new_pool(env: &Env) -> String {
    env.idp
        .create_user_pool()
        .pool_name("sign-in")
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
    flows: Option<Vec<ExplicitAuthFlowsType>>,
    secret: bool,
    prevent_existence_errors: bool,
    rotation: bool,
    revocation: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            flows: Some(password_flows()),
            secret: false,
            prevent_existence_errors: false,
            rotation: false,
            revocation: true,
        }
    }
}

/// Creates a client; returns its id and secret.
async fn new_client(env: &Env, pool: &str, options: ClientOptions) -> (String, Option<String>) {
    let mut request = env
        .idp
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name("app")
        .generate_secret(options.secret)
        .enable_token_revocation(options.revocation)
        .set_explicit_auth_flows(options.flows);
    if options.prevent_existence_errors {
        request = request.prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled);
    }
    if options.rotation {
        request = request.refresh_token_rotation(
            RefreshTokenRotationType::builder()
                .feature(FeatureType::Enabled)
                .retry_grace_period_seconds(0)
                .build()
                .unwrap(),
        );
    }
    let created = request.send().await.unwrap();
    let client = created.user_pool_client().unwrap();
    (
        client.client_id().unwrap().to_owned(),
        client.client_secret().map(str::to_owned),
    )
}

/// A user with a temporary password (FORCE_CHANGE_PASSWORD), made permanent (CONFIRMED)
/// when `permanent`.
async fn new_user(env: &Env, pool: &str, username: &str, permanent: bool) {
    env.idp
        .admin_create_user()
        .user_pool_id(pool)
        .username(username)
        .temporary_password(TEMPORARY)
        .message_action(MessageActionType::Suppress)
        .user_attributes(attr("email", &format!("{username}@example.com")))
        .user_attributes(attr("email_verified", "true"))
        .send()
        .await
        .unwrap();
    if permanent {
        env.idp
            .admin_set_user_password()
            .user_pool_id(pool)
            .username(username)
            .password(PASSWORD)
            .permanent(true)
            .send()
            .await
            .unwrap();
    }
}

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .unwrap()
}

async fn password_auth(
    env: &Env,
    client: &str,
    username: &str,
    password: &str,
) -> Result<
    aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput,
    aws_sdk_cognitoidentityprovider::error::SdkError<
        aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthError,
    >,
> {
    env.idp
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
}

async fn sign_in(env: &Env, client: &str, username: &str) -> AuthenticationResultType {
    password_auth(env, client, username, PASSWORD)
        .await
        .unwrap()
        .authentication_result()
        .unwrap()
        .clone()
}

fn secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Verifies `token` against the pool's JWKS and returns its claims.
async fn verified_claims(env: &Env, pool: &str, token: &str) -> Value {
    let jwks: Value = reqwest::get(format!("{}/{pool}/.well-known/jwks.json", env.server.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let header = decode_header(token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    assert_eq!(header.typ, None, "Cognito's header has only kid and alg");
    let kid = header.kid.unwrap();
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .unwrap_or_else(|| panic!("kid {kid} not in the JWKS {jwks}"));
    assert_eq!(jwk["alg"], "RS256");
    assert_eq!(jwk["use"], "sig");
    let key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
            .unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    validation.set_issuer(&[format!("{}/{pool}", env.server.url)]);
    decode::<Value>(token, &key, &validation).unwrap().claims
}

async fn user_password_sign_in_issues_verified_tokens(env: Env) {
    let pool = new_pool(&env).await;
    let (client, _) = new_client(&env, &pool, ClientOptions::default()).await;
    new_user(&env, &pool, "alice", true).await;

    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let out = password_auth(&env, &client, "alice", PASSWORD)
        .await
        .unwrap();
    assert_eq!(out.challenge_name(), None);
    assert_eq!(out.session(), None);
    let result = out.authentication_result().unwrap();
    assert_eq!(result.token_type(), Some("Bearer"));
    assert_eq!(result.expires_in(), 3600);
    assert!(result.refresh_token().is_some());

    let id = verified_claims(&env, &pool, result.id_token().unwrap()).await;
    let access = verified_claims(&env, &pool, result.access_token().unwrap()).await;
    let issuer = format!("{}/{pool}", env.server.url);
    assert_eq!(id["token_use"], "id");
    assert_eq!(access["token_use"], "access");
    assert_eq!(id["iss"], issuer.as_str());
    assert_eq!(access["iss"], issuer.as_str());
    assert_eq!(id["aud"], client.as_str());
    assert_eq!(access["client_id"], client.as_str());
    assert_eq!(id["cognito:username"], "alice");
    assert_eq!(access["username"], "alice");
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["email_verified"], true);
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin");
    assert!(id["origin_jti"].is_string());
    assert_eq!(id["origin_jti"], access["origin_jti"]);
    assert_eq!(id["event_id"], access["event_id"]);
    assert_eq!(id["sub"], access["sub"]);
    assert_ne!(id["jti"], access["jti"]);
    for claims in [&id, &access] {
        let auth_time = claims["auth_time"].as_i64().unwrap();
        assert!((before - 5..=before + 60).contains(&auth_time), "{claims}");
        assert_eq!(
            claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
            3600
        );
    }
    // ID and access tokens are signed with different keys.
    let id_kid = decode_header(result.id_token().unwrap()).unwrap().kid;
    let access_kid = decode_header(result.access_token().unwrap()).unwrap().kid;
    assert_ne!(id_kid, access_kid);

    // The admin flows, under both names.
    for flow in [
        AuthFlowType::AdminUserPasswordAuth,
        AuthFlowType::AdminNoSrpAuth,
    ] {
        let out = env
            .idp
            .admin_initiate_auth()
            .user_pool_id(&pool)
            .client_id(&client)
            .auth_flow(flow.clone())
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
            .unwrap();
        let result = out.authentication_result().unwrap();
        let claims = verified_claims(&env, &pool, result.access_token().unwrap()).await;
        assert_eq!(claims["username"], "alice", "{flow:?}");
        assert!(result.refresh_token().is_some());
    }
}

async fn client_gates_and_parameters(env: Env) {
    let pool = new_pool(&env).await;
    new_user(&env, &pool, "bob", true).await;
    // Without ExplicitAuthFlows a client has SRP, custom and refresh only.
    let (plain, _) = new_client(
        &env,
        &pool,
        ClientOptions {
            flows: None,
            ..ClientOptions::default()
        },
    )
    .await;
    let r = password_auth(&env, &plain, "bob", PASSWORD).await;
    assert_eq!(code(&r), "InvalidParameterException");
    assert_eq!(
        message(&r),
        "USER_PASSWORD_AUTH flow not enabled for this client"
    );
    let r = env
        .idp
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&plain)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "bob")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await;
    assert_eq!(code(&r), "InvalidParameterException");
    assert_eq!(
        message(&r),
        "ADMIN_USER_PASSWORD_AUTH flow not enabled for this client"
    );

    // Admin flows are refused by InitiateAuth whatever the client allows.
    let (open, _) = new_client(&env, &pool, ClientOptions::default()).await;
    for flow in [
        AuthFlowType::AdminUserPasswordAuth,
        AuthFlowType::AdminNoSrpAuth,
    ] {
        let r = env
            .idp
            .initiate_auth()
            .client_id(&open)
            .auth_flow(flow)
            .auth_parameters("USERNAME", "bob")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await;
        assert_eq!(code(&r), "InvalidParameterException");
        assert_eq!(message(&r), "Initiate Auth method not supported.");
    }

    // Legacy flow names count.
    let (legacy, _) = new_client(
        &env,
        &pool,
        ClientOptions {
            flows: Some(vec![
                ExplicitAuthFlowsType::UserPasswordAuth,
                ExplicitAuthFlowsType::AdminNoSrpAuth,
            ]),
            ..ClientOptions::default()
        },
    )
    .await;
    sign_in(&env, &legacy, "bob").await;
    env.idp
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&legacy)
        .auth_flow(AuthFlowType::AdminNoSrpAuth)
        .auth_parameters("USERNAME", "bob")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap();

    // Missing parameters.
    let r = env
        .idp
        .initiate_auth()
        .client_id(&open)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "bob")
        .send()
        .await;
    assert_eq!(code(&r), "InvalidParameterException");
    let r = env
        .idp
        .initiate_auth()
        .client_id(&open)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await;
    assert_eq!(code(&r), "InvalidParameterException");

    // Unknown client.
    let r = password_auth(&env, "nosuchclient0000000000000a", "bob", PASSWORD).await;
    assert_eq!(code(&r), "ResourceNotFoundException");
}

async fn secret_hash_is_required_with_a_secret(env: Env) {
    let pool = new_pool(&env).await;
    new_user(&env, &pool, "carol", true).await;
    let (client, secret) = new_client(
        &env,
        &pool,
        ClientOptions {
            secret: true,
            ..ClientOptions::default()
        },
    )
    .await;
    let secret = secret.unwrap();
    let r = password_auth(&env, &client, "carol", PASSWORD).await;
    assert_eq!(code(&r), "NotAuthorizedException");
    assert_eq!(
        message(&r),
        format!("Client {client} is configured with secret but SECRET_HASH was not received")
    );
    let attempt = |hash: String| {
        env.idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "carol")
            .auth_parameters("PASSWORD", PASSWORD)
            .auth_parameters("SECRET_HASH", hash)
            .send()
    };
    let r = attempt(secret_hash(&secret, "mallory", &client)).await;
    assert_eq!(code(&r), "NotAuthorizedException");
    assert_eq!(
        message(&r),
        format!("Unable to verify secret hash for client {client}")
    );
    let ok = attempt(secret_hash(&secret, "carol", &client))
        .await
        .unwrap();
    let refresh = ok.authentication_result().unwrap().refresh_token().unwrap();

    // Refresh with a secret: the hash is over the token owner's username.
    let r = env
        .idp
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", refresh)
        .send()
        .await;
    assert_eq!(code(&r), "NotAuthorizedException");
    env.idp
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", refresh)
        .auth_parameters("SECRET_HASH", secret_hash(&secret, "carol", &client))
        .send()
        .await
        .unwrap();
    // GetTokensFromRefreshToken takes the secret itself.
    let r = env
        .idp
        .get_tokens_from_refresh_token()
        .client_id(&client)
        .refresh_token(refresh)
        .send()
        .await;
    assert_eq!(code(&r), "NotAuthorizedException");
    env.idp
        .get_tokens_from_refresh_token()
        .client_id(&client)
        .refresh_token(refresh)
        .client_secret(&secret)
        .send()
        .await
        .unwrap();
}

async fn error_matrix_in_cognito_order(env: Env) {
    let pool = new_pool(&env).await;
    let (client, _) = new_client(&env, &pool, ClientOptions::default()).await;
    let (hiding, _) = new_client(
        &env,
        &pool,
        ClientOptions {
            prevent_existence_errors: true,
            ..ClientOptions::default()
        },
    )
    .await;
    new_user(&env, &pool, "dave", true).await;

    let r = password_auth(&env, &client, "nobody", PASSWORD).await;
    assert_eq!(code(&r), "UserNotFoundException");
    assert_eq!(message(&r), "User does not exist.");
    let r = password_auth(&env, &hiding, "nobody", PASSWORD).await;
    assert_eq!(code(&r), "NotAuthorizedException");
    assert_eq!(message(&r), "Incorrect username or password.");

    let r = password_auth(&env, &client, "dave", "Wrong-Password-1").await;
    assert_eq!(code(&r), "NotAuthorizedException");
    assert_eq!(message(&r), "Incorrect username or password.");

    // Disabled: refused whatever the password.
    env.idp
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("dave")
        .send()
        .await
        .unwrap();
    for password in [PASSWORD, "Wrong-Password-1"] {
        let r = password_auth(&env, &client, "dave", password).await;
        assert_eq!(code(&r), "NotAuthorizedException");
        assert_eq!(message(&r), "User is disabled.");
    }
    env.idp
        .admin_enable_user()
        .user_pool_id(&pool)
        .username("dave")
        .send()
        .await
        .unwrap();
    sign_in(&env, &client, "dave").await;

    // Unconfirmed: reported before the password is looked at.
    env.idp
        .sign_up()
        .client_id(&client)
        .username("erin")
        .password(PASSWORD)
        .user_attributes(attr("email", "erin@example.com"))
        .send()
        .await
        .unwrap();
    for password in [PASSWORD, "Wrong-Password-1"] {
        let r = password_auth(&env, &client, "erin", password).await;
        assert_eq!(code(&r), "UserNotConfirmedException");
        assert_eq!(message(&r), "User is not confirmed.");
    }
    env.idp
        .admin_confirm_sign_up()
        .user_pool_id(&pool)
        .username("erin")
        .send()
        .await
        .unwrap();
    sign_in(&env, &client, "erin").await;

    // Reset required: only with the right password.
    env.idp
        .admin_reset_user_password()
        .user_pool_id(&pool)
        .username("dave")
        .send()
        .await
        .unwrap();
    let r = password_auth(&env, &client, "dave", "Wrong-Password-1").await;
    assert_eq!(message(&r), "Incorrect username or password.");
    let r = password_auth(&env, &client, "dave", PASSWORD).await;
    assert_eq!(code(&r), "PasswordResetRequiredException");
    assert_eq!(message(&r), "Password reset required for the user");
}

async fn lockout_follows_cognito_schedule(env: Env) {
    let pool = new_pool(&env).await;
    let (client, _) = new_client(&env, &pool, ClientOptions::default()).await;
    new_user(&env, &pool, "frank", true).await;
    for _ in 0..5 {
        let r = password_auth(&env, &client, "frank", "Wrong-Password-1").await;
        assert_eq!(message(&r), "Incorrect username or password.");
    }
    // Locked for a second: even the right password is refused, and not counted.
    for password in [PASSWORD, "Wrong-Password-1"] {
        let r = password_auth(&env, &client, "frank", password).await;
        assert_eq!(code(&r), "NotAuthorizedException");
        assert_eq!(message(&r), "Password attempts exceeded");
    }
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    sign_in(&env, &client, "frank").await;
    // A success starts the count again: five more failures are free.
    for _ in 0..5 {
        let r = password_auth(&env, &client, "frank", "Wrong-Password-1").await;
        assert_eq!(message(&r), "Incorrect username or password.");
    }
    let r = password_auth(&env, &client, "frank", PASSWORD).await;
    assert_eq!(message(&r), "Password attempts exceeded");

    // Another user is not affected; the admin flow shares the count.
    new_user(&env, &pool, "grace", true).await;
    sign_in(&env, &client, "grace").await;
    let r = env
        .idp
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "frank")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await;
    assert_eq!(message(&r), "Password attempts exceeded");

    // With PreventUserExistenceErrors, unknown users lock out the same way.
    let (hiding, _) = new_client(
        &env,
        &pool,
        ClientOptions {
            prevent_existence_errors: true,
            ..ClientOptions::default()
        },
    )
    .await;
    for _ in 0..5 {
        let r = password_auth(&env, &hiding, "ghost", "Wrong-Password-1").await;
        assert_eq!(message(&r), "Incorrect username or password.");
    }
    let r = password_auth(&env, &hiding, "ghost", "Wrong-Password-1").await;
    assert_eq!(message(&r), "Password attempts exceeded");
}

async fn concurrent_wrong_passwords_cannot_outrun_the_lock(env: Env) {
    let pool = new_pool(&env).await;
    let (client, _) = new_client(&env, &pool, ClientOptions::default()).await;
    new_user(&env, &pool, "henry", true).await;
    let attempts: Vec<_> = (0..50)
        .map(|_| {
            let idp = env.idp.clone();
            let client = client.clone();
            tokio::spawn(async move {
                idp.initiate_auth()
                    .client_id(client)
                    .auth_flow(AuthFlowType::UserPasswordAuth)
                    .auth_parameters("USERNAME", "henry")
                    .auth_parameters("PASSWORD", "Wrong-Password-1")
                    .send()
                    .await
            })
        })
        .collect();
    let mut incorrect = 0;
    for attempt in attempts {
        let r = attempt.await.unwrap();
        match message(&r).as_str() {
            "Incorrect username or password." => incorrect += 1,
            "Password attempts exceeded" => {}
            other => panic!("unexpected answer {other}"),
        }
    }
    // Five free failures, then a lock: no more than five passwords were evaluated.
    assert_eq!(incorrect, 5);
}

async fn new_password_required_challenge(env: Env) {
    let pool = new_pool(&env).await;
    let (client, _) = new_client(&env, &pool, ClientOptions::default()).await;
    new_user(&env, &pool, "ivy", false).await;

    let r = password_auth(&env, &client, "ivy", "Wrong-Password-1").await;
    assert_eq!(message(&r), "Incorrect username or password.");
    let out = password_auth(&env, &client, "ivy", TEMPORARY)
        .await
        .unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );
    assert!(out.authentication_result().is_none());
    let params = out.challenge_parameters().unwrap();
    assert_eq!(params["USER_ID_FOR_SRP"], "ivy");
    assert_eq!(params["requiredAttributes"], "[]");
    let attributes: HashMap<String, String> =
        serde_json::from_str(&params["userAttributes"]).unwrap();
    assert_eq!(attributes["email"], "ivy@example.com");
    assert_eq!(attributes["email_verified"], "true");
    let session = out.session().unwrap().to_owned();
    assert!((20..=2048).contains(&session.len()));

    let respond = |session: String, password: &'static str| {
        env.idp
            .respond_to_auth_challenge()
            .client_id(&client)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(session)
            .challenge_responses("USERNAME", "ivy")
            .challenge_responses("NEW_PASSWORD", password)
            .send()
    };
    // A password the policy refuses leaves the session usable.
    let r = respond(session.clone(), "short").await;
    assert_eq!(code(&r), "InvalidPasswordException");
    // A tampered session is invalid.
    let mut tampered = session.clone().into_bytes();
    let middle = tampered.len() / 2;
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    let r = respond(String::from_utf8(tampered).unwrap(), PASSWORD).await;
    assert_eq!(code(&r), "NotAuthorizedException");
    assert_eq!(message(&r), "Invalid session for the user.");

    let done = respond(session.clone(), PASSWORD).await.unwrap();
    assert_eq!(done.challenge_name(), None);
    assert_eq!(done.session(), None);
    let result = done.authentication_result().unwrap();
    let claims = verified_claims(&env, &pool, result.id_token().unwrap()).await;
    assert_eq!(claims["cognito:username"], "ivy");
    assert!(result.refresh_token().is_some());

    // Single use.
    let r = respond(session, PASSWORD).await;
    assert_eq!(code(&r), "NotAuthorizedException");
    assert_eq!(message(&r), "Invalid session for the user.");

    let user = env
        .idp
        .admin_get_user()
        .user_pool_id(&pool)
        .username("ivy")
        .send()
        .await
        .unwrap();
    assert_eq!(user.user_status().unwrap().as_str(), "CONFIRMED");
    sign_in(&env, &client, "ivy").await;
    let r = password_auth(&env, &client, "ivy", TEMPORARY).await;
    assert_eq!(message(&r), "Incorrect username or password.");
}

async fn admin_new_password_challenge_with_attributes(env: Env) {
    let pool = new_pool(&env).await;
    let (client, _) = new_client(&env, &pool, ClientOptions::default()).await;
    let (other, _) = new_client(&env, &pool, ClientOptions::default()).await;
    new_user(&env, &pool, "jack", false).await;
    let out = env
        .idp
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "jack")
        .auth_parameters("PASSWORD", TEMPORARY)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );
    let session = out.session().unwrap().to_owned();
    // A session is bound to its client.
    let r = env
        .idp
        .admin_respond_to_auth_challenge()
        .user_pool_id(&pool)
        .client_id(&other)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(&session)
        .challenge_responses("USERNAME", "jack")
        .challenge_responses("NEW_PASSWORD", PASSWORD)
        .send()
        .await;
    assert_eq!(message(&r), "Invalid session for the user.");
    let done = env
        .idp
        .admin_respond_to_auth_challenge()
        .user_pool_id(&pool)
        .client_id(&client)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(&session)
        .challenge_responses("USERNAME", "jack")
        .challenge_responses("NEW_PASSWORD", PASSWORD)
        .challenge_responses("userAttributes.name", "Jack Sprat")
        .send()
        .await
        .unwrap();
    let id = verified_claims(
        &env,
        &pool,
        done.authentication_result().unwrap().id_token().unwrap(),
    )
    .await;
    assert_eq!(id["name"], "Jack Sprat");
    assert_eq!(id["email"], "jack@example.com");
}

async fn refresh_keeps_the_sign_in(env: Env) {
    let pool = new_pool(&env).await;
    let (client, _) = new_client(&env, &pool, ClientOptions::default()).await;
    let (other, _) = new_client(&env, &pool, ClientOptions::default()).await;
    new_user(&env, &pool, "kate", true).await;
    let first = sign_in(&env, &client, "kate").await;
    let refresh = first.refresh_token().unwrap().to_owned();
    let first_id = verified_claims(&env, &pool, first.id_token().unwrap()).await;

    for flow in [AuthFlowType::RefreshTokenAuth, AuthFlowType::RefreshToken] {
        let out = env
            .idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(flow)
            .auth_parameters("REFRESH_TOKEN", &refresh)
            .send()
            .await
            .unwrap();
        let result = out.authentication_result().unwrap();
        assert_eq!(result.refresh_token(), None, "no rotation by default");
        let id = verified_claims(&env, &pool, result.id_token().unwrap()).await;
        let access = verified_claims(&env, &pool, result.access_token().unwrap()).await;
        assert_eq!(id["origin_jti"], first_id["origin_jti"]);
        assert_eq!(access["origin_jti"], first_id["origin_jti"]);
        assert_eq!(id["auth_time"], first_id["auth_time"]);
        assert_eq!(access["auth_time"], first_id["auth_time"]);
        assert_ne!(id["jti"], first_id["jti"]);
    }
    let admin = env
        .idp
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&client)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &refresh)
        .send()
        .await
        .unwrap();
    assert!(
        admin
            .authentication_result()
            .unwrap()
            .access_token()
            .is_some()
    );
    let tokens = env
        .idp
        .get_tokens_from_refresh_token()
        .client_id(&client)
        .refresh_token(&refresh)
        .send()
        .await
        .unwrap();
    let result = tokens.authentication_result().unwrap();
    assert_eq!(result.refresh_token(), None);
    let id = verified_claims(&env, &pool, result.id_token().unwrap()).await;
    assert_eq!(id["origin_jti"], first_id["origin_jti"]);

    let refresh_with = |client: String, token: String| {
        env.idp
            .initiate_auth()
            .client_id(client)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", token)
            .send()
    };
    // Another client of the same pool: Cognito's wording since 2022.
    let r = refresh_with(other.clone(), refresh.clone()).await;
    assert_eq!(code(&r), "NotAuthorizedException");
    assert_eq!(message(&r), "Refresh Token has different Client.");
    let r = refresh_with(client.clone(), "not-a-refresh-token".into()).await;
    assert_eq!(message(&r), "Invalid Refresh Token.");

    env.idp
        .admin_disable_user()
        .user_pool_id(&pool)
        .username("kate")
        .send()
        .await
        .unwrap();
    // Disabling the user ends its sessions (AdminDisableUser revokes its tokens).
    let r = refresh_with(client.clone(), refresh.clone()).await;
    assert_eq!(code(&r), "NotAuthorizedException");
    env.idp
        .admin_enable_user()
        .user_pool_id(&pool)
        .username("kate")
        .send()
        .await
        .unwrap();
    let refresh = sign_in(&env, &client, "kate")
        .await
        .refresh_token()
        .unwrap()
        .to_owned();
    refresh_with(client.clone(), refresh.clone()).await.unwrap();

    env.idp
        .admin_user_global_sign_out()
        .user_pool_id(&pool)
        .username("kate")
        .send()
        .await
        .unwrap();
    let r = refresh_with(client.clone(), refresh.clone()).await;
    assert_eq!(code(&r), "NotAuthorizedException");
    assert_eq!(message(&r), "Refresh Token has been revoked");
    // A new sign-in gets a working refresh token again.
    let again = sign_in(&env, &client, "kate").await;
    refresh_with(client, again.refresh_token().unwrap().to_owned())
        .await
        .unwrap();
}

async fn rotation_replaces_the_refresh_token(env: Env) {
    let pool = new_pool(&env).await;
    let (client, _) = new_client(
        &env,
        &pool,
        ClientOptions {
            rotation: true,
            ..ClientOptions::default()
        },
    )
    .await;
    new_user(&env, &pool, "liam", true).await;
    let first = sign_in(&env, &client, "liam").await;
    let old = first.refresh_token().unwrap().to_owned();
    let origin =
        verified_claims(&env, &pool, first.access_token().unwrap()).await["origin_jti"].clone();

    // Rotation happens only in GetTokensFromRefreshToken: REFRESH_TOKEN_AUTH is refused.
    let r = env
        .idp
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &old)
        .send()
        .await;
    assert_eq!(code(&r), "NotAuthorizedException");
    assert!(
        message(&r).contains("GetTokensFromRefreshToken"),
        "{}",
        message(&r)
    );

    let rotated = env
        .idp
        .get_tokens_from_refresh_token()
        .client_id(&client)
        .refresh_token(&old)
        .send()
        .await
        .unwrap();
    let result = rotated.authentication_result().unwrap();
    let new = result.refresh_token().unwrap().to_owned();
    assert_ne!(new, old);
    let access = verified_claims(&env, &pool, result.access_token().unwrap()).await;
    assert_eq!(access["origin_jti"], origin);

    // The old token is dead (no grace period): its reuse revokes the family.
    let r = env
        .idp
        .get_tokens_from_refresh_token()
        .client_id(&client)
        .refresh_token(&old)
        .send()
        .await;
    assert_eq!(code(&r), "RefreshTokenReuseException");
    let r = env
        .idp
        .get_tokens_from_refresh_token()
        .client_id(&client)
        .refresh_token(&new)
        .send()
        .await;
    assert_eq!(code(&r), "NotAuthorizedException");
    assert_eq!(message(&r), "Refresh Token has been revoked");
}

async fn revoke_token_revokes_the_family(env: Env) {
    let pool = new_pool(&env).await;
    let (client, _) = new_client(&env, &pool, ClientOptions::default()).await;
    let (other, _) = new_client(&env, &pool, ClientOptions::default()).await;
    new_user(&env, &pool, "mia", true).await;
    let kept = sign_in(&env, &client, "mia").await;
    let revoked = sign_in(&env, &client, "mia").await;
    let token = revoked.refresh_token().unwrap().to_owned();

    // Only the client that got the token may revoke it; access tokens cannot be revoked.
    let r = env
        .idp
        .revoke_token()
        .client_id(&other)
        .token(&token)
        .send()
        .await;
    assert_eq!(code(&r), "NotAuthorizedException");
    let r = env
        .idp
        .revoke_token()
        .client_id(&client)
        .token(revoked.access_token().unwrap())
        .send()
        .await;
    assert_eq!(code(&r), "UnsupportedTokenTypeException");

    env.idp
        .get_user()
        .access_token(revoked.access_token().unwrap())
        .send()
        .await
        .unwrap();
    env.idp
        .revoke_token()
        .client_id(&client)
        .token(&token)
        .send()
        .await
        .unwrap();
    // The family's access tokens die with it; other sign-ins' do not.
    let r = env
        .idp
        .get_user()
        .access_token(revoked.access_token().unwrap())
        .send()
        .await;
    assert_eq!(code(&r), "NotAuthorizedException");
    assert_eq!(message(&r), "Access Token has been revoked");
    env.idp
        .get_user()
        .access_token(kept.access_token().unwrap())
        .send()
        .await
        .unwrap();
    let r = env
        .idp
        .get_tokens_from_refresh_token()
        .client_id(&client)
        .refresh_token(&token)
        .send()
        .await;
    assert_eq!(message(&r), "Refresh Token has been revoked");
    // Revoking again is fine; other sign-ins are untouched.
    env.idp
        .revoke_token()
        .client_id(&client)
        .token(&token)
        .send()
        .await
        .unwrap();
    env.idp
        .get_tokens_from_refresh_token()
        .client_id(&client)
        .refresh_token(kept.refresh_token().unwrap())
        .send()
        .await
        .unwrap();

    let (no_revocation, _) = new_client(
        &env,
        &pool,
        ClientOptions {
            revocation: false,
            ..ClientOptions::default()
        },
    )
    .await;
    let tokens = sign_in(&env, &no_revocation, "mia").await;
    let r = env
        .idp
        .revoke_token()
        .client_id(&no_revocation)
        .token(tokens.refresh_token().unwrap())
        .send()
        .await;
    assert_eq!(code(&r), "UnsupportedOperationException");
}

async fn concurrent_correct_sign_ins_all_succeed(env: Env) {
    let pool = new_pool(&env).await;
    let (client, _) = new_client(&env, &pool, ClientOptions::default()).await;
    new_user(&env, &pool, "nora", true).await;
    let attempts: Vec<_> = (0..20)
        .map(|_| {
            let idp = env.idp.clone();
            let client = client.clone();
            tokio::spawn(async move {
                idp.initiate_auth()
                    .client_id(client)
                    .auth_flow(AuthFlowType::UserPasswordAuth)
                    .auth_parameters("USERNAME", "nora")
                    .auth_parameters("PASSWORD", PASSWORD)
                    .send()
                    .await
            })
        })
        .collect();
    for attempt in attempts {
        let out = attempt.await.unwrap().unwrap();
        assert!(out.authentication_result().unwrap().id_token().is_some());
    }
}

async fn required_attributes_must_be_given_with_the_new_password(env: Env) {
    let pool = env
        .idp
        .create_user_pool()
        .pool_name("required-name")
        .schema(
            SchemaAttributeType::builder()
                .name("name")
                .attribute_data_type(AttributeDataType::String)
                .required(true)
                .mutable(true)
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
    let (client, _) = new_client(&env, &pool, ClientOptions::default()).await;
    new_user(&env, &pool, "olga", false).await;
    let out = password_auth(&env, &client, "olga", TEMPORARY)
        .await
        .unwrap();
    let params = out.challenge_parameters().unwrap();
    assert_eq!(params["requiredAttributes"], r#"["userAttributes.name"]"#);
    let session = out.session().unwrap().to_owned();
    let r = env
        .idp
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(&session)
        .challenge_responses("USERNAME", "olga")
        .challenge_responses("NEW_PASSWORD", PASSWORD)
        .send()
        .await;
    assert_eq!(code(&r), "InvalidParameterException");
    assert_eq!(message(&r), "Invalid attributes given, name is missing");
    let done = env
        .idp
        .respond_to_auth_challenge()
        .client_id(&client)
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(&session)
        .challenge_responses("USERNAME", "olga")
        .challenge_responses("NEW_PASSWORD", PASSWORD)
        .challenge_responses("userAttributes.name", "Olga")
        .send()
        .await
        .unwrap();
    let id = verified_claims(
        &env,
        &pool,
        done.authentication_result().unwrap().id_token().unwrap(),
    )
    .await;
    assert_eq!(id["name"], "Olga");
}

async fn concurrent_rotation_has_one_winner(env: Env) {
    let pool = new_pool(&env).await;
    let (client, _) = new_client(
        &env,
        &pool,
        ClientOptions {
            rotation: true,
            ..ClientOptions::default()
        },
    )
    .await;
    new_user(&env, &pool, "pete", true).await;
    let token = sign_in(&env, &client, "pete")
        .await
        .refresh_token()
        .unwrap()
        .to_owned();
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let idp = env.idp.clone();
            let client = client.clone();
            let token = token.clone();
            tokio::spawn(async move {
                idp.get_tokens_from_refresh_token()
                    .client_id(client)
                    .refresh_token(token)
                    .send()
                    .await
            })
        })
        .collect();
    let mut wins = 0;
    for call in calls {
        let r = call.await.unwrap();
        if r.is_ok() {
            wins += 1;
        } else {
            assert_eq!(code(&r), "RefreshTokenReuseException");
        }
    }
    assert_eq!(wins, 1);
}

/// Lockout state lives in the database: a second node sees it, and so does a node
/// restarted after `kill -9` (R3).
async fn lockout_is_shared_and_durable(mut env: Env) {
    let pool = new_pool(&env).await;
    let (client, _) = new_client(&env, &pool, ClientOptions::default()).await;
    new_user(&env, &pool, "quinn", true).await;
    let options = ServerOptions {
        backend: env.backend.clone(),
        data_dir: Some(env.server.data_dir.clone()),
        admin_credentials: Some(format!("{ADMIN_ACCESS_KEY}:{ADMIN_SECRET_KEY}")),
        ..ServerOptions::default()
    };
    let wrong = |idp: aws_sdk_cognitoidentityprovider::Client, password: &'static str| {
        let client = client.clone();
        async move {
            idp.initiate_auth()
                .client_id(client)
                .auth_flow(AuthFlowType::UserPasswordAuth)
                .auth_parameters("USERNAME", "quinn")
                .auth_parameters("PASSWORD", password)
                .send()
                .await
        }
    };
    // SQLite is single-node: fail on it, then crash it.
    let mut second = None;
    if matches!(env.backend, cognate_testkit::Backend::Postgres { .. }) {
        let node = TestServer::start(options.clone()).await.unwrap();
        let (idp, _) = clients(&node.url, ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY);
        second = Some((node, idp));
    }
    for i in 0..5 {
        let idp = match (&second, i % 2) {
            (Some((_, idp)), 1) => idp.clone(),
            _ => env.idp.clone(),
        };
        let r = wrong(idp, "Wrong-Password-1").await;
        assert_eq!(message(&r), "Incorrect username or password.");
    }
    if let Some((_, idp)) = &second {
        let r = wrong(idp.clone(), PASSWORD).await;
        assert_eq!(message(&r), "Password attempts exceeded");
    }
    // Two more failures after the 1 s and 2 s locks make a 4 s lock, long enough to
    // outlast a restart.
    for pause_ms in [1_100, 2_100] {
        tokio::time::sleep(Duration::from_millis(pause_ms)).await;
        let r = wrong(env.idp.clone(), "Wrong-Password-1").await;
        assert_eq!(message(&r), "Incorrect username or password.");
        let r = wrong(env.idp.clone(), PASSWORD).await;
        assert_eq!(message(&r), "Password attempts exceeded");
    }
    env.server.kill9().await;
    let restarted = TestServer::start(options).await.unwrap();
    let (idp, _) = clients(&restarted.url, ADMIN_ACCESS_KEY, ADMIN_SECRET_KEY);
    let r = wrong(idp, PASSWORD).await;
    assert_eq!(code(&r), "NotAuthorizedException");
    assert_eq!(message(&r), "Password attempts exceeded");
}

on_both_backends!(
    user_password_sign_in_issues_verified_tokens,
    client_gates_and_parameters,
    secret_hash_is_required_with_a_secret,
    error_matrix_in_cognito_order,
    lockout_follows_cognito_schedule,
    concurrent_wrong_passwords_cannot_outrun_the_lock,
    new_password_required_challenge,
    admin_new_password_challenge_with_attributes,
    refresh_keeps_the_sign_in,
    rotation_replaces_the_refresh_token,
    revoke_token_revokes_the_family,
    concurrent_correct_sign_ins_all_succeed,
    required_attributes_must_be_given_with_the_new_password,
    concurrent_rotation_has_one_winner,
    lockout_is_shared_and_durable,
);
