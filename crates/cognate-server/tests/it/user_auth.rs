//! Choice-based sign-in (USER_AUTH) over raw HTTP: an EMAIL_OTP first factor with the code
//! read from the outbox, and what a name that matches no user gets.

use cognate_testkit::RawClient;
use serde_json::{Value, json};

use crate::fixtures::ok;
use crate::open_server;

const PASSWORD: &str = "Correct-Horse-9";
const EMAIL: &str = "uma@example.com";

async fn pool(raw: &RawClient, prevent_existence_errors: bool) -> (String, String) {
    let pool = ok(
        &raw.idp(
            "CreateUserPool",
            &json!({"PoolName": "choice", "Policies": {"SignInPolicy":
                {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}}}),
        )
        .await,
        "CreateUserPool",
    );
    let pool_id = pool["UserPool"]["Id"].as_str().unwrap().to_owned();
    let prevention = if prevent_existence_errors {
        "ENABLED"
    } else {
        "LEGACY"
    };
    let client = ok(
        &raw.idp(
            "CreateUserPoolClient",
            &json!({"UserPoolId": pool_id, "ClientName": "app",
                    "ExplicitAuthFlows": ["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                    "PreventUserExistenceErrors": prevention}),
        )
        .await,
        "CreateUserPoolClient",
    );
    let client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        &raw.idp(
            "AdminCreateUser",
            &json!({"UserPoolId": pool_id, "Username": "uma", "MessageAction": "SUPPRESS",
                    "UserAttributes": [{"Name": "email", "Value": EMAIL},
                                       {"Name": "email_verified", "Value": "true"}]}),
        )
        .await,
        "AdminCreateUser",
    );
    ok(
        &raw.idp(
            "AdminSetUserPassword",
            &json!({"UserPoolId": pool_id, "Username": "uma", "Password": PASSWORD,
                    "Permanent": true}),
        )
        .await,
        "AdminSetUserPassword",
    );
    (pool_id, client_id)
}

async fn latest_code(url: &str, destination: &str) -> String {
    let listed: Value = reqwest::get(format!(
        "{url}/_cognate/messages?destination={destination}&limit=1"
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    listed["messages"][0]["code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn email_otp_signs_in_once() {
    let server = open_server().await;
    let raw = RawClient::new(&server.url);
    let (_, client_id) = pool(&raw, false).await;
    let started = ok(
        &raw.idp(
            "InitiateAuth",
            &json!({"ClientId": client_id, "AuthFlow": "USER_AUTH", "AuthParameters":
                {"USERNAME": "uma", "PREFERRED_CHALLENGE": "EMAIL_OTP"}}),
        )
        .await,
        "USER_AUTH",
    );
    assert_eq!(started["ChallengeName"], "EMAIL_OTP");
    assert_eq!(
        started["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"],
        "EMAIL"
    );
    let code = latest_code(&server.url, EMAIL).await;
    assert_eq!(code.len(), 8, "passwordless codes have eight digits");
    let answer = |code: String| {
        json!({"ClientId": client_id, "ChallengeName": "EMAIL_OTP",
               "Session": started["Session"],
               "ChallengeResponses": {"USERNAME": "uma", "EMAIL_OTP_CODE": code}})
    };
    let done = ok(
        &raw.idp("RespondToAuthChallenge", &answer(code.clone()))
            .await,
        "EMAIL_OTP answer",
    );
    assert!(done["AuthenticationResult"]["AccessToken"].is_string());
    let again = raw.idp("RespondToAuthChallenge", &answer(code)).await;
    assert_eq!(again.error_type(), "NotAuthorizedException");
    // An SMS_OTP answer to an EMAIL_OTP session is refused.
    let crossed = raw
        .idp(
            "RespondToAuthChallenge",
            &json!({"ClientId": client_id, "ChallengeName": "SMS_OTP",
                    "Session": started["Session"],
                    "ChallengeResponses": {"USERNAME": "uma", "SMS_OTP_CODE": "12345678"}}),
        )
        .await;
    assert_eq!(crossed.error_type(), "NotAuthorizedException");
}

#[tokio::test]
async fn unknown_users_are_hidden_only_when_the_client_asks() {
    let server = open_server().await;
    let raw = RawClient::new(&server.url);
    let (_, legacy) = pool(&raw, false).await;
    let unknown = raw
        .idp(
            "InitiateAuth",
            &json!({"ClientId": legacy, "AuthFlow": "USER_AUTH",
                    "AuthParameters": {"USERNAME": "nobody"}}),
        )
        .await;
    assert_eq!(unknown.error_type(), "UserNotFoundException");

    let (_, hiding) = pool(&raw, true).await;
    let started = ok(
        &raw.idp(
            "InitiateAuth",
            &json!({"ClientId": hiding, "AuthFlow": "USER_AUTH",
                    "AuthParameters": {"USERNAME": "nobody"}}),
        )
        .await,
        "USER_AUTH for an unknown name",
    );
    assert_eq!(started["ChallengeName"], "SELECT_CHALLENGE");
    let refused = raw
        .idp(
            "RespondToAuthChallenge",
            &json!({"ClientId": hiding, "ChallengeName": "SELECT_CHALLENGE",
                    "Session": started["Session"],
                    "ChallengeResponses": {"USERNAME": "nobody", "ANSWER": "PASSWORD",
                                           "PASSWORD": PASSWORD}}),
        )
        .await;
    assert_eq!(refused.error_type(), "NotAuthorizedException");
    assert_eq!(refused.message(), "Incorrect username or password.");
}
