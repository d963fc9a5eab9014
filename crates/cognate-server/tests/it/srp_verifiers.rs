//! SRP verifiers at rest, read from the SQLite row (R10d): a password set through the API
//! leaves a sealed verifier, never the salt or `v` in the clear; a user whose row has none
//! (a password set before verifiers were kept) fails SRP like a wrong password until a
//! password sign-in fills it in.

use std::path::Path;

use cognate_crypto::srp::{self, test_client::Client};
use cognate_testkit::{RawClient, RawResponse};
use rusqlite::params;
use serde_json::{Value, json};

use crate::fixtures::{confirmed_user, db, ok, pool_and_client};
use crate::open_server;

const PASSWORD: &str = "Correct-Horse-9";
/// Version byte, key id, nonce, `salt_len ‖ 16-byte salt ‖ 384-byte v`, GCM tag.
const SEALED_LEN: usize = 1 + 4 + 12 + (1 + srp::SALT_LEN + srp::ELEMENT_LEN) + 16;

fn sealed_verifier(data_dir: &Path, pool_id: &str, username: &str) -> Option<Vec<u8>> {
    db(data_dir)
        .query_row(
            "SELECT srp_verifier_sealed FROM users WHERE pool_id = ?1 AND username_key = ?2",
            params![pool_id, username],
            |r| r.get(0),
        )
        .unwrap()
}

/// A whole SRP handshake; returns the challenge parameters and the final answer.
async fn srp_sign_in(
    raw: &RawClient,
    pool_id: &str,
    client_id: &str,
    username: &str,
) -> (Value, RawResponse) {
    let client = Client::random().unwrap();
    let started = ok(
        &raw.idp(
            "InitiateAuth",
            &json!({"ClientId": client_id, "AuthFlow": "USER_SRP_AUTH",
                    "AuthParameters": {"USERNAME": username, "SRP_A": client.srp_a()}}),
        )
        .await,
        "InitiateAuth",
    );
    let params = started["ChallengeParameters"].clone();
    let param = |name: &str| params[name].as_str().unwrap().to_owned();
    let timestamp = srp::format_timestamp(time::OffsetDateTime::now_utc());
    let claim = client
        .password_claim(
            srp::pool_name(pool_id).unwrap(),
            &param("USER_ID_FOR_SRP"),
            PASSWORD,
            &param("SALT"),
            &param("SRP_B"),
            &param("SECRET_BLOCK"),
            &timestamp,
        )
        .unwrap();
    let answer = raw
        .idp(
            "RespondToAuthChallenge",
            &json!({"ClientId": client_id, "ChallengeName": "PASSWORD_VERIFIER",
            "Session": started["Session"],
            "ChallengeResponses": {
                "USERNAME": param("USER_ID_FOR_SRP"),
                "PASSWORD_CLAIM_SECRET_BLOCK": param("SECRET_BLOCK"),
                "PASSWORD_CLAIM_SIGNATURE": claim.signature,
                "TIMESTAMP": timestamp,
            }}),
        )
        .await;
    (params, answer)
}

fn hex_decode(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verifiers_are_stored_sealed() {
    let server = open_server().await;
    let raw = RawClient::new(&server.url);
    let (pool_id, client_id) = pool_and_client(
        &raw,
        "srp",
        &["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"],
    )
    .await;
    confirmed_user(&raw, &pool_id, "ann", PASSWORD).await;
    confirmed_user(&raw, &pool_id, "ben", PASSWORD).await;
    let ann = sealed_verifier(&server.data_dir, &pool_id, "ann").unwrap();
    let ben = sealed_verifier(&server.data_dir, &pool_id, "ben").unwrap();
    assert_eq!(ann.len(), SEALED_LEN);
    assert_eq!(ann[0], 1, "envelope format version");
    assert_ne!(ann, ben, "one password, two users, two sealed values");

    // The salt the challenge publishes is nowhere in the row: it is sealed with v.
    let (params, answer) = srp_sign_in(&raw, &pool_id, &client_id, "ann").await;
    ok(&answer, "SRP sign-in");
    let salt = hex_decode(params["SALT"].as_str().unwrap());
    let salt = &salt[salt.len() - srp::SALT_LEN..];
    assert!(!ann.windows(salt.len()).any(|w| w == salt));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_verifier_fails_like_a_wrong_password_until_a_password_sign_in() {
    let server = open_server().await;
    let raw = RawClient::new(&server.url);
    let (pool_id, client_id) = pool_and_client(
        &raw,
        "srp",
        &["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"],
    )
    .await;
    confirmed_user(&raw, &pool_id, "old", PASSWORD).await;
    // As a row written before verifiers were kept.
    let changed = db(&server.data_dir)
        .execute(
            "UPDATE users SET srp_verifier_sealed = NULL WHERE pool_id = ?1 AND username_key = ?2",
            params![pool_id, "old"],
        )
        .unwrap();
    assert_eq!(changed, 1);

    let (first, answer) = srp_sign_in(&raw, &pool_id, &client_id, "old").await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.error_type(), "NotAuthorizedException");
    assert_eq!(answer.json()["message"], "Incorrect username or password.");
    let (second, _) = srp_sign_in(&raw, &pool_id, &client_id, "old").await;
    assert_eq!(first["SALT"], second["SALT"], "the stand-in salt is stable");
    assert_eq!(first["USER_ID_FOR_SRP"], "old");

    let signed_in = raw
        .idp(
            "InitiateAuth",
            &json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                    "AuthParameters": {"USERNAME": "old", "PASSWORD": PASSWORD}}),
        )
        .await;
    ok(&signed_in, "USER_PASSWORD_AUTH");
    let filled = sealed_verifier(&server.data_dir, &pool_id, "old").unwrap();
    assert_eq!(filled.len(), SEALED_LEN);

    let (params, answer) = srp_sign_in(&raw, &pool_id, &client_id, "old").await;
    let tokens = ok(&answer, "SRP after the verifier was filled in");
    assert!(tokens["AuthenticationResult"]["AccessToken"].is_string());
    assert_ne!(params["SALT"], first["SALT"]);
}
