//! Passkeys end to end over HTTP, with webauthn-authenticator-rs's software passkey in the
//! browser's place: register, list, sign in with USER_AUTH / WEB_AUTHN, delete; and the
//! refusals: a foreign origin or relying party at registration and sign-in, a replayed
//! assertion, another user's passkey.

use cognate_testkit::{RawClient, RawResponse};
use serde_json::{Value, json};
use webauthn_authenticator_rs::prelude::{
    CreationChallengeResponse, RequestChallengeResponse, Url, WebauthnAuthenticator,
};
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

use crate::fixtures::{confirmed_user, ok};
use crate::open_server;

const PASSWORD: &str = "Correct-Horse-9";
const RP_ID: &str = "example.com";
const ORIGIN: &str = "https://app.example.com";

async fn passkey_pool(raw: &RawClient) -> (String, String) {
    let pool = ok(
        &raw.idp(
            "CreateUserPool",
            &json!({"PoolName": "passkeys", "Policies": {"SignInPolicy":
                {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}}}),
        )
        .await,
        "CreateUserPool",
    );
    let pool_id = pool["UserPool"]["Id"].as_str().unwrap().to_owned();
    ok(
        &raw.idp(
            "SetUserPoolMfaConfig",
            &json!({"UserPoolId": pool_id, "MfaConfiguration": "OFF",
                    "WebAuthnConfiguration": {"RelyingPartyId": RP_ID}}),
        )
        .await,
        "SetUserPoolMfaConfig",
    );
    let client = ok(
        &raw.idp(
            "CreateUserPoolClient",
            &json!({"UserPoolId": pool_id, "ClientName": "app", "ExplicitAuthFlows":
                ["ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}),
        )
        .await,
        "CreateUserPoolClient",
    );
    let client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .unwrap()
        .to_owned();
    (pool_id, client_id)
}

async fn access_token(raw: &RawClient, client_id: &str, username: &str) -> String {
    let signed_in = ok(
        &raw.idp(
            "InitiateAuth",
            &json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                    "AuthParameters": {"USERNAME": username, "PASSWORD": PASSWORD}}),
        )
        .await,
        "password sign-in",
    );
    signed_in["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Start → authenticator (at `origin`, with the options' RP ID replaced by `rp_id`) →
/// Complete; the Complete answer.
async fn register(
    raw: &RawClient,
    token: &str,
    authenticator: &mut SoftPasskey,
    origin: &str,
    rp_id: &str,
) -> RawResponse {
    let started = ok(
        &raw.idp("StartWebAuthnRegistration", &json!({"AccessToken": token}))
            .await,
        "StartWebAuthnRegistration",
    );
    let mut options = started["CredentialCreationOptions"].clone();
    assert_eq!(options["rp"]["id"], RP_ID);
    assert!(options["challenge"].as_str().is_some_and(|c| c.len() >= 32));
    options["rp"]["id"] = json!(rp_id);
    let request: CreationChallengeResponse =
        serde_json::from_value(json!({ "publicKey": options })).unwrap();
    let credential = authenticator
        .do_registration(Url::parse(origin).unwrap(), request)
        .unwrap();
    raw.idp(
        "CompleteWebAuthnRegistration",
        &json!({"AccessToken": token, "Credential": serde_json::to_value(&credential).unwrap()}),
    )
    .await
}

/// USER_AUTH preferring WEB_AUTHN: the challenge's session and request options.
async fn web_authn_challenge(raw: &RawClient, client_id: &str, username: &str) -> (String, Value) {
    let started = ok(
        &raw.idp(
            "InitiateAuth",
            &json!({"ClientId": client_id, "AuthFlow": "USER_AUTH", "AuthParameters":
                {"USERNAME": username, "PREFERRED_CHALLENGE": "WEB_AUTHN"}}),
        )
        .await,
        "USER_AUTH",
    );
    assert_eq!(started["ChallengeName"], "WEB_AUTHN", "{started}");
    let options: Value = serde_json::from_str(
        started["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    (started["Session"].as_str().unwrap().to_owned(), options)
}

/// The authenticator's assertion for `options` at `origin` (RP ID replaced by `rp_id`), as
/// the JSON string CREDENTIAL carries.
fn assert_with(
    authenticator: &mut SoftPasskey,
    options: &Value,
    origin: &str,
    rp_id: &str,
) -> String {
    let mut options = options.clone();
    options["rpId"] = json!(rp_id);
    let request: RequestChallengeResponse =
        serde_json::from_value(json!({ "publicKey": options })).unwrap();
    let assertion = authenticator
        .do_authentication(Url::parse(origin).unwrap(), request)
        .unwrap();
    serde_json::to_string(&assertion).unwrap()
}

async fn answer(
    raw: &RawClient,
    client_id: &str,
    session: &str,
    username: &str,
    credential: &str,
) -> RawResponse {
    raw.idp(
        "RespondToAuthChallenge",
        &json!({"ClientId": client_id, "ChallengeName": "WEB_AUTHN", "Session": session,
                "ChallengeResponses": {"USERNAME": username, "CREDENTIAL": credential}}),
    )
    .await
}

#[tokio::test]
async fn passkeys_register_sign_in_and_delete() {
    let server = open_server().await;
    let raw = RawClient::new(&server.url);
    let (pool_id, client_id) = passkey_pool(&raw).await;
    confirmed_user(&raw, &pool_id, "alice", PASSWORD).await;
    confirmed_user(&raw, &pool_id, "bob", PASSWORD).await;
    let alice_token = access_token(&raw, &client_id, "alice").await;
    let bob_token = access_token(&raw, &client_id, "bob").await;
    let mut alice_key = SoftPasskey::new(true);
    let mut bob_key = SoftPasskey::new(true);

    // Completing without a started registration.
    let orphan = raw
        .idp(
            "CompleteWebAuthnRegistration",
            &json!({"AccessToken": alice_token, "Credential": {"id": "x", "rawId": "eA",
                    "type": "public-key", "response":
                    {"clientDataJSON": "e30", "attestationObject": "oA"}}}),
        )
        .await;
    assert_eq!(orphan.error_type(), "WebAuthnChallengeNotFoundException");

    // A foreign origin (with its own RP ID) and a foreign RP ID at an allowed origin.
    let foreign = register(
        &raw,
        &alice_token,
        &mut alice_key,
        "https://evil.test",
        "evil.test",
    )
    .await;
    assert_eq!(
        foreign.error_type(),
        "WebAuthnOriginNotAllowedException",
        "{}",
        foreign.body
    );
    let other_rp = register(
        &raw,
        &alice_token,
        &mut alice_key,
        "https://other.example.com",
        "other.example.com",
    )
    .await;
    assert_eq!(
        other_rp.error_type(),
        "WebAuthnRelyingPartyMismatchException",
        "{}",
        other_rp.body
    );

    ok(
        &register(&raw, &alice_token, &mut alice_key, ORIGIN, RP_ID).await,
        "alice registers",
    );
    ok(
        &register(&raw, &bob_token, &mut bob_key, ORIGIN, RP_ID).await,
        "bob registers",
    );
    let listed = ok(
        &raw.idp(
            "ListWebAuthnCredentials",
            &json!({"AccessToken": alice_token}),
        )
        .await,
        "ListWebAuthnCredentials",
    );
    let credentials = listed["Credentials"].as_array().unwrap();
    assert_eq!(credentials.len(), 1, "{listed}");
    assert_eq!(credentials[0]["RelyingPartyId"], RP_ID);
    assert!(credentials[0]["CreatedAt"].is_number());
    assert!(listed.get("NextToken").is_none());
    let credential_id = credentials[0]["CredentialId"].as_str().unwrap().to_owned();

    // Sign in with the passkey; the assertion is refused when replayed.
    let (session, options) = web_authn_challenge(&raw, &client_id, "alice").await;
    assert_eq!(options["rpId"], RP_ID);
    assert_eq!(options["allowCredentials"][0]["id"], credential_id.as_str());
    let assertion = assert_with(&mut alice_key, &options, ORIGIN, RP_ID);
    let signed_in = ok(
        &answer(&raw, &client_id, &session, "alice", &assertion).await,
        "WEB_AUTHN answer",
    );
    assert!(signed_in["AuthenticationResult"]["AccessToken"].is_string());
    let replayed = answer(&raw, &client_id, &session, "alice", &assertion).await;
    assert_eq!(replayed.error_type(), "NotAuthorizedException");
    let (fresh_session, _) = web_authn_challenge(&raw, &client_id, "alice").await;
    let replayed = answer(&raw, &client_id, &fresh_session, "alice", &assertion).await;
    assert_eq!(
        replayed.error_type(),
        "NotAuthorizedException",
        "old challenge"
    );

    // Bob's passkey, answering Bob's own challenge, does not sign Alice in.
    let (bob_session, bob_options) = web_authn_challenge(&raw, &client_id, "bob").await;
    let bob_assertion = assert_with(&mut bob_key, &bob_options, ORIGIN, RP_ID);
    let (alice_session, _) = web_authn_challenge(&raw, &client_id, "alice").await;
    let crossed = answer(&raw, &client_id, &alice_session, "alice", &bob_assertion).await;
    assert_eq!(crossed.error_type(), "NotAuthorizedException");
    ok(
        &answer(&raw, &client_id, &bob_session, "bob", &bob_assertion).await,
        "bob signs in",
    );

    // A foreign origin at sign-in.
    let (session, options) = web_authn_challenge(&raw, &client_id, "alice").await;
    let foreign = assert_with(&mut alice_key, &options, "https://evil.test", "evil.test");
    let refused = answer(&raw, &client_id, &session, "alice", &foreign).await;
    assert_eq!(refused.error_type(), "NotAuthorizedException");
    // The session survives a refused assertion; the right one still works.
    let assertion = assert_with(&mut alice_key, &options, ORIGIN, RP_ID);
    ok(
        &answer(&raw, &client_id, &session, "alice", &assertion).await,
        "after a refused assertion",
    );

    // Delete: gone from the list, and USER_AUTH no longer offers WEB_AUTHN.
    ok(
        &raw.idp(
            "DeleteWebAuthnCredential",
            &json!({"AccessToken": alice_token, "CredentialId": credential_id}),
        )
        .await,
        "DeleteWebAuthnCredential",
    );
    let again = raw
        .idp(
            "DeleteWebAuthnCredential",
            &json!({"AccessToken": alice_token, "CredentialId": credential_id}),
        )
        .await;
    assert_eq!(again.error_type(), "ResourceNotFoundException");
    let listed = ok(
        &raw.idp(
            "ListWebAuthnCredentials",
            &json!({"AccessToken": alice_token}),
        )
        .await,
        "ListWebAuthnCredentials",
    );
    assert_eq!(listed["Credentials"], json!([]));
    let select = ok(
        &raw.idp(
            "InitiateAuth",
            &json!({"ClientId": client_id, "AuthFlow": "USER_AUTH", "AuthParameters":
                {"USERNAME": "alice", "PREFERRED_CHALLENGE": "WEB_AUTHN"}}),
        )
        .await,
        "USER_AUTH after delete",
    );
    assert_eq!(select["ChallengeName"], "SELECT_CHALLENGE");
    assert_eq!(
        select["AvailableChallenges"],
        json!(["PASSWORD", "PASSWORD_SRP"])
    );
}

#[tokio::test]
async fn passkeys_need_the_pool_to_allow_them() {
    let server = open_server().await;
    let raw = RawClient::new(&server.url);
    let (pool_id, client_id) = crate::fixtures::pool_and_client(
        &raw,
        "no-passkeys",
        &["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )
    .await;
    confirmed_user(&raw, &pool_id, "carol", PASSWORD).await;
    let token = access_token(&raw, &client_id, "carol").await;
    let refused = raw
        .idp("StartWebAuthnRegistration", &json!({"AccessToken": token}))
        .await;
    assert_eq!(refused.error_type(), "WebAuthnNotEnabledException");
    // And USER_AUTH needs ALLOW_USER_AUTH on the client.
    let flow = raw
        .idp(
            "InitiateAuth",
            &json!({"ClientId": client_id, "AuthFlow": "USER_AUTH",
                    "AuthParameters": {"USERNAME": "carol"}}),
        )
        .await;
    assert_eq!(flow.error_type(), "InvalidParameterException");
    assert_eq!(flow.message(), "USER_AUTH flow not enabled for this client");
}

/// A registration started on one process completes on another: the state is in the
/// database (sealed), not in memory.
#[tokio::test]
async fn a_registration_started_before_a_restart_completes_after_it() {
    let data = tempfile::tempdir().unwrap();
    let options = cognate_testkit::ServerOptions {
        data_dir: Some(data.path().to_path_buf()),
        ..cognate_testkit::ServerOptions::default()
    };
    let mut first = cognate_testkit::TestServer::start(options.clone())
        .await
        .unwrap();
    let raw = RawClient::new(&first.url);
    let (pool_id, client_id) = passkey_pool(&raw).await;
    confirmed_user(&raw, &pool_id, "dora", PASSWORD).await;
    let token = access_token(&raw, &client_id, "dora").await;
    let started = ok(
        &raw.idp("StartWebAuthnRegistration", &json!({"AccessToken": token}))
            .await,
        "StartWebAuthnRegistration",
    );
    first.terminate();
    first
        .wait(std::time::Duration::from_secs(30))
        .await
        .unwrap();

    let second = cognate_testkit::TestServer::start(options).await.unwrap();
    let raw = RawClient::new(&second.url);
    // The issuer names the listening address, which changed: sign in again.
    let token = access_token(&raw, &client_id, "dora").await;
    let request: CreationChallengeResponse =
        serde_json::from_value(json!({ "publicKey": started["CredentialCreationOptions"] }))
            .unwrap();
    let credential = SoftPasskey::new(true)
        .do_registration(Url::parse(ORIGIN).unwrap(), request)
        .unwrap();
    ok(
        &raw.idp(
            "CompleteWebAuthnRegistration",
            &json!({"AccessToken": token,
                    "Credential": serde_json::to_value(&credential).unwrap()}),
        )
        .await,
        "CompleteWebAuthnRegistration on the second process",
    );
}
