//! R5: user-existence protection as Cognito has it. With PreventUserExistenceErrors ENABLED,
//! a table over the unauthenticated operations that name a user × {unknown, unconfirmed,
//! disabled, existing} users: the unknown user's answer is byte-identical (request id aside)
//! to that of a real user in the same situation, and the code-delivery answers have the same
//! shape with a masked destination. With LEGACY the unknown user gets UserNotFoundException.

use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, ExplicitAuthFlowsType, MessageActionType, PreventUserExistenceErrorTypes,
    VerifiedAttributeType,
};
use cognate_testkit::{RawClient, RawResponse};
use serde_json::{Value, json};

use crate::harness::Env;
use crate::on_both_backends;

const PASSWORD: &str = "Correct-Horse-9";
const WRONG_PASSWORD: &str = "Wrong-Horse-9";
const WRONG_CODE: &str = "000000";
const INCORRECT: &str =
    r#"{"__type":"NotAuthorizedException","message":"Incorrect username or password."}"#;
const MISMATCH: &str = r#"{"__type":"CodeMismatchException","message":"Invalid verification code provided, please try again."}"#;
const EXPIRED: &str = r#"{"__type":"ExpiredCodeException","message":"Invalid code provided, please request a code again."}"#;
const NOT_CONFIRMED: &str =
    r#"{"__type":"UserNotConfirmedException","message":"User is not confirmed."}"#;
const DISABLED: &str = r#"{"__type":"NotAuthorizedException","message":"User is disabled."}"#;
const ALREADY_CONFIRMED: &str = r#"{"__type":"NotAuthorizedException","message":"User cannot be confirmed. Current status is CONFIRMED"}"#;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Unknown,
    Unconfirmed,
    Disabled,
    Existing,
}

const EVERYONE: [Who; 4] = [Who::Unknown, Who::Unconfirmed, Who::Disabled, Who::Existing];

impl Who {
    fn username(self) -> &'static str {
        match self {
            Who::Unknown => "ghost",
            Who::Unconfirmed => "pending",
            Who::Disabled => "frozen",
            Who::Existing => "alice",
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    InitiateAuthWrongPassword,
    ForgotPassword,
    ResendConfirmationCode,
    ConfirmForgotPassword,
    ConfirmSignUp,
}

/// In this order: ForgotPassword runs before ConfirmForgotPassword, so the real users have a
/// pending reset code that the wrong code then fails to match.
const OPERATIONS: [Op; 5] = [
    Op::InitiateAuthWrongPassword,
    Op::ForgotPassword,
    Op::ResendConfirmationCode,
    Op::ConfirmForgotPassword,
    Op::ConfirmSignUp,
];

impl Op {
    /// The real user whose situation an unknown user's request is in: a sign-in or a
    /// password reset is about a confirmed user; a sign-up confirmation (or its resend) is
    /// about one still unconfirmed.
    fn reference(self) -> Who {
        match self {
            Op::ResendConfirmationCode | Op::ConfirmSignUp => Who::Unconfirmed,
            _ => Who::Existing,
        }
    }

    /// Cognito's documented error body for a real user in this situation, where the
    /// reference (`cognito-auth-protocol.md` §3.4 and the confirmation notes) gives one.
    /// Unconfirmed users are refused before the password is checked (AWS: intended), and a
    /// reset confirmed with no code requested has expired.
    fn documented(self, who: Who) -> Option<&'static str> {
        match (self, who) {
            (Op::InitiateAuthWrongPassword, Who::Unknown | Who::Existing) => Some(INCORRECT),
            (Op::InitiateAuthWrongPassword, Who::Unconfirmed) => Some(NOT_CONFIRMED),
            (Op::InitiateAuthWrongPassword, Who::Disabled) => Some(DISABLED),
            (Op::ConfirmForgotPassword, Who::Unconfirmed) => Some(EXPIRED),
            (Op::ConfirmForgotPassword, _) => Some(MISMATCH),
            (Op::ConfirmSignUp, Who::Unknown | Who::Unconfirmed) => Some(MISMATCH),
            (Op::ConfirmSignUp, Who::Disabled | Who::Existing) => Some(ALREADY_CONFIRMED),
            (Op::ResendConfirmationCode | Op::ForgotPassword, _) => None,
        }
    }

    /// Whether the operation answers with CodeDeliveryDetails (compared by shape).
    fn delivers(self) -> bool {
        matches!(self, Op::ForgotPassword | Op::ResendConfirmationCode)
    }

    async fn call(self, raw: &RawClient, client: &str, username: &str) -> RawResponse {
        let (name, body) = match self {
            Op::InitiateAuthWrongPassword => (
                "InitiateAuth",
                json!({
                    "ClientId": client,
                    "AuthFlow": "USER_PASSWORD_AUTH",
                    "AuthParameters": {"USERNAME": username, "PASSWORD": WRONG_PASSWORD},
                }),
            ),
            Op::ForgotPassword => (
                "ForgotPassword",
                json!({"ClientId": client, "Username": username}),
            ),
            Op::ResendConfirmationCode => (
                "ResendConfirmationCode",
                json!({"ClientId": client, "Username": username}),
            ),
            Op::ConfirmForgotPassword => (
                "ConfirmForgotPassword",
                json!({
                    "ClientId": client,
                    "Username": username,
                    "ConfirmationCode": WRONG_CODE,
                    "Password": "Another-Horse-9",
                }),
            ),
            Op::ConfirmSignUp => (
                "ConfirmSignUp",
                json!({"ClientId": client, "Username": username, "ConfirmationCode": WRONG_CODE}),
            ),
        };
        raw.idp(name, &body).await
    }
}

/// The body with any request id removed, re-serialised in the server's member order.
fn without_request_id(response: &RawResponse) -> String {
    let mut value: Value = serde_json::from_str(&response.body)
        .unwrap_or_else(|_| panic!("not JSON: {:?}", response.body));
    if let Value::Object(members) = &mut value {
        members.retain(|name, _| !name.eq_ignore_ascii_case("requestid"));
    }
    value.to_string()
}

/// `a***@e***`-style masking: one visible character on each side of the `@`.
fn is_masked_email(destination: &str) -> bool {
    let Some((local, domain)) = destination.split_once('@') else {
        return false;
    };
    let masked = |part: &str| part.chars().count() == 4 && part.ends_with("***");
    masked(local) && masked(domain)
}

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .unwrap()
}

/// A pool verifying email, its ENABLED and LEGACY clients, and the three real users.
async fn setup(env: &Env) -> (String, String, String) {
    let pool = env
        .idp
        .create_user_pool()
        .pool_name("existence")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool()
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    let mut clients = Vec::new();
    for setting in [
        PreventUserExistenceErrorTypes::Enabled,
        PreventUserExistenceErrorTypes::Legacy,
    ] {
        let client = env
            .idp
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("app")
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .prevent_user_existence_errors(setting)
            .send()
            .await
            .unwrap();
        clients.push(
            client
                .user_pool_client()
                .unwrap()
                .client_id()
                .unwrap()
                .to_owned(),
        );
    }

    // Confirmed users with a verified email (so a reset code can be sent to them).
    for who in [Who::Existing, Who::Disabled] {
        let name = who.username();
        env.idp
            .admin_create_user()
            .user_pool_id(&pool)
            .username(name)
            .message_action(MessageActionType::Suppress)
            .user_attributes(attr("email", &format!("{name}@example.com")))
            .user_attributes(attr("email_verified", "true"))
            .send()
            .await
            .unwrap();
        env.idp
            .admin_set_user_password()
            .user_pool_id(&pool)
            .username(name)
            .password(PASSWORD)
            .permanent(true)
            .send()
            .await
            .unwrap();
    }
    env.idp
        .admin_disable_user()
        .user_pool_id(&pool)
        .username(Who::Disabled.username())
        .send()
        .await
        .unwrap();
    // An unconfirmed user, signed up through the client.
    env.idp
        .sign_up()
        .client_id(&clients[0])
        .username(Who::Unconfirmed.username())
        .password(PASSWORD)
        .user_attributes(attr("email", "pending@example.com"))
        .send()
        .await
        .unwrap();
    let legacy = clients.pop().unwrap();
    let enabled = clients.pop().unwrap();
    (pool, enabled, legacy)
}

async fn enabled_hides_unknown_users(env: Env) {
    let (_pool, client, _legacy) = setup(&env).await;
    let raw = RawClient::new(&env.server.url);

    let mut failures = Vec::new();
    for op in OPERATIONS {
        let mut row = Vec::new();
        for who in EVERYONE {
            let response = op.call(&raw, &client, who.username()).await;
            // ENABLED never answers that a user does not exist.
            assert_ne!(
                response.error_type(),
                "UserNotFoundException",
                "{op:?} for {who:?}: {}",
                response.body
            );
            if let Some(expected) = op.documented(who) {
                assert_eq!(
                    (response.status, without_request_id(&response).as_str()),
                    (400, expected),
                    "{op:?} for {who:?}"
                );
            }
            row.push((who, response));
        }
        let get = |who: Who| &row.iter().find(|(w, _)| *w == who).unwrap().1;
        let unknown = get(Who::Unknown);
        let reference = get(op.reference());

        if op.delivers() {
            for response in [unknown, reference] {
                assert_eq!(response.status, 200, "{op:?}: {}", response.body);
            }
            let unknown = unknown.json()["CodeDeliveryDetails"].clone();
            let reference = reference.json()["CodeDeliveryDetails"].clone();
            assert_eq!(reference["DeliveryMedium"], "EMAIL", "{op:?}");
            assert_eq!(reference["AttributeName"], "email", "{op:?}");
            if unknown["DeliveryMedium"] != reference["DeliveryMedium"]
                || unknown["AttributeName"] != reference["AttributeName"]
            {
                failures.push(format!("{op:?}: unknown {unknown} vs real {reference}"));
            }
            for details in [&unknown, &reference] {
                let destination = details["Destination"].as_str().unwrap_or_default();
                assert!(
                    is_masked_email(destination),
                    "{op:?}: destination not masked: {details}"
                );
            }
            // The simulated answer does not change between calls (a changing one would
            // itself tell that the user does not exist).
            let again = op.call(&raw, &client, Who::Unknown.username()).await;
            assert_eq!(again.json()["CodeDeliveryDetails"], unknown, "{op:?}");
        } else {
            let expected = match op {
                Op::InitiateAuthWrongPassword => INCORRECT,
                _ => MISMATCH,
            };
            assert_eq!(reference.status, 400, "{op:?}");
            assert_eq!(without_request_id(reference), expected, "{op:?}");
            if unknown.status != reference.status
                || without_request_id(unknown) != without_request_id(reference)
            {
                failures.push(format!(
                    "{op:?}: unknown {} {} vs real {} {}",
                    unknown.status, unknown.body, reference.status, reference.body
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

async fn legacy_reports_unknown_users(env: Env) {
    let (pool, _enabled, client) = setup(&env).await;
    let raw = RawClient::new(&env.server.url);
    for op in OPERATIONS {
        let unknown = op.call(&raw, &client, Who::Unknown.username()).await;
        assert_eq!(unknown.status, 400, "{op:?}");
        assert_eq!(
            unknown.error_type(),
            "UserNotFoundException",
            "{op:?}: {}",
            unknown.body
        );
        assert!(!unknown.message().is_empty(), "{op:?}");
        // A real user in the same situation is answered as under ENABLED.
        let reference = op.call(&raw, &client, op.reference().username()).await;
        if op.delivers() {
            assert_eq!(reference.status, 200, "{op:?}: {}", reference.body);
        } else {
            let expected = match op {
                Op::InitiateAuthWrongPassword => INCORRECT,
                _ => MISMATCH,
            };
            assert_eq!(without_request_id(&reference), expected, "{op:?}");
        }
    }
    // A client created without the setting gets LEGACY, as the API model says.
    let default_client = env
        .idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("default")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .send()
        .await
        .unwrap();
    let default_client = default_client.user_pool_client().unwrap();
    assert_eq!(default_client.prevent_user_existence_errors(), None);
    let unknown = Op::InitiateAuthWrongPassword
        .call(&raw, default_client.client_id().unwrap(), "ghost")
        .await;
    assert_eq!(
        unknown.error_type(),
        "UserNotFoundException",
        "{}",
        unknown.body
    );
    assert_eq!(unknown.message(), "User does not exist.");
}

on_both_backends!(enabled_hides_unknown_users, legacy_reports_unknown_users);
