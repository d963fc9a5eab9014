//! R11: how passwords are stored, read from the SQLite row itself. A fresh user's row holds
//! an OWASP Argon2id PHC string; a row holding an imported bcrypt, PBKDF2 or scrypt hash, or
//! an Argon2 hash below the current parameters, signs in and comes out upgraded to OWASP
//! Argon2id, with the user otherwise untouched; a row
//! holding something no verifier reads is a wrong password, not a server error.

use std::path::Path;

use cognate_testkit::{RawClient, RawResponse};
use rusqlite::params;
use serde_json::json;

use crate::fixtures::{confirmed_user, db, ok, pool_and_client};
use crate::open_server;

/// Hashes written by other implementations (Python's hashlib and bcrypt), as a migration
/// would bring them. PBKDF2 and scrypt are of `PASSWORD`, bcrypt of `BCRYPT_PASSWORD`.
const PASSWORD: &str = "correct horse battery staple";
const PBKDF2_SHA256: &str =
    "$pbkdf2-sha256$i=1000,l=32$Y29nbmF0ZS1maXhlZC1zYQ$kpfw1xwJXqFni0zzZY1lb/It7ZUttJ6hL/uYyTE0oh0";
const PBKDF2_SHA512: &str = "$pbkdf2-sha512$i=1000,l=64$Y29nbmF0ZS1maXhlZC1zYQ$U59SIO5uxtVJd6Sbh+UcRis+d1AP+wrvOzwALRWvoRIZPEDWBGTvileuV9Gdfl1rlC90wL53VSo++mUAH5R6bQ";
const SCRYPT: &str =
    "$scrypt$ln=10,r=8,p=1$Y29nbmF0ZS1maXhlZC1zYQ$eYWwONlX0hMBzWEidWOEv1KfOsQ8E9OvRFVvPK128q0";
const BCRYPT_PASSWORD: &str = "correctbatteryhorsestapler";
const BCRYPT: &str = "$2b$04$EGdrhbKUv8Oc9vGiXX0HQOxSg445d458Muh7DAHskb6QbtCvdxcie";
/// Argon2 hashes of `PASSWORD` below the current target: too little memory and time, and
/// the Argon2i variant.
const WEAK_ARGON2ID: &str = "$argon2id$v=19$m=4096,t=1,p=1$d2Vhay1zYWx0LTE2Ynl0ZQ$a7kJzU7ZRFDExAYqZRuDAuHM308xWXQeMug3LXY602w";
const ARGON2I: &str = "$argon2i$v=19$m=19456,t=2,p=1$d2Vhay1zYWx0LTE2Ynl0ZQ$lzdHJNhI0pDyBnDSS7aubrbU8guQwvAnFMedoY4e6ug";

/// What a sign-in must leave alone when it only upgrades the hash.
#[derive(Debug, PartialEq)]
struct Row {
    password_hash: Option<String>,
    status: String,
    password_expires_ms: Option<i64>,
    modified_ms: i64,
    extra: String,
}

fn read_row(data_dir: &Path, pool_id: &str, username: &str) -> Row {
    db(data_dir)
        .query_row(
            "SELECT password_hash, status, password_expires_ms, modified_ms, extra
             FROM users WHERE pool_id = ?1 AND username_key = ?2",
            params![pool_id, username],
            |r| {
                Ok(Row {
                    password_hash: r.get(0)?,
                    status: r.get(1)?,
                    password_expires_ms: r.get(2)?,
                    modified_ms: r.get(3)?,
                    extra: r.get(4)?,
                })
            },
        )
        .unwrap()
}

fn write_hash(data_dir: &Path, pool_id: &str, username: &str, hash: &str) {
    let changed = db(data_dir)
        .execute(
            "UPDATE users SET password_hash = ?3 WHERE pool_id = ?1 AND username_key = ?2",
            params![pool_id, username, hash],
        )
        .unwrap();
    assert_eq!(changed, 1);
}

async fn sign_in(raw: &RawClient, client_id: &str, username: &str, password: &str) -> RawResponse {
    raw.idp(
        "InitiateAuth",
        &json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": username, "PASSWORD": password}}),
    )
    .await
}

/// `$argon2id$v=19$m=19456,t=2,p=1$<16-byte salt>$<32-byte hash>`, both in unpadded
/// standard base64 (22 and 43 characters).
fn assert_owasp_argon2id(phc: &str) {
    let parts: Vec<&str> = phc.split('$').collect();
    assert_eq!(
        parts[..4],
        ["", "argon2id", "v=19", "m=19456,t=2,p=1"],
        "{phc}"
    );
    assert_eq!(parts.len(), 6, "{phc}");
    let b64 = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
    };
    assert!(parts[4].len() == 22 && b64(parts[4]), "16-byte salt: {phc}");
    assert!(parts[5].len() == 43 && b64(parts[5]), "32-byte hash: {phc}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_users_row_holds_an_owasp_argon2id_phc_string() {
    // The server always runs the shipped parameters; nothing selects a cheaper profile.
    let server = open_server().await;
    let raw = RawClient::new(&server.url);
    let (pool_id, _) = pool_and_client(
        &raw,
        "hashes",
        &["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )
    .await;
    confirmed_user(&raw, &pool_id, "fresh", "Fresh-Passw0rd!").await;
    confirmed_user(&raw, &pool_id, "other", "Fresh-Passw0rd!").await;
    let fresh = read_row(&server.data_dir, &pool_id, "fresh");
    let other = read_row(&server.data_dir, &pool_id, "other");
    let (fresh, other) = (fresh.password_hash.unwrap(), other.password_hash.unwrap());
    assert_owasp_argon2id(&fresh);
    assert_owasp_argon2id(&other);
    // Random salts: one password, two different rows.
    assert_ne!(fresh, other);
    assert!(!fresh.contains("Fresh-Passw0rd!"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imported_and_weaker_hashes_sign_in_and_are_upgraded_to_argon2id() {
    let server = open_server().await;
    let raw = RawClient::new(&server.url);
    let (pool_id, client_id) = pool_and_client(
        &raw,
        "hashes",
        &["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )
    .await;
    let data = server.data_dir.clone();

    for (username, imported, password) in [
        ("from-bcrypt", BCRYPT, BCRYPT_PASSWORD),
        ("from-pbkdf2-sha256", PBKDF2_SHA256, PASSWORD),
        ("from-pbkdf2-sha512", PBKDF2_SHA512, PASSWORD),
        ("from-scrypt", SCRYPT, PASSWORD),
        ("weak-argon2id", WEAK_ARGON2ID, PASSWORD),
        ("from-argon2i", ARGON2I, PASSWORD),
    ] {
        confirmed_user(&raw, &pool_id, username, "Placeholder-Passw0rd!").await;
        write_hash(&data, &pool_id, username, imported);
        let before = read_row(&data, &pool_id, username);

        // A wrong password neither signs in nor upgrades anything.
        let wrong = sign_in(&raw, &client_id, username, "Wrong-Passw0rd!").await;
        assert_eq!(wrong.status, 400, "{username}: {}", wrong.body);
        assert_eq!(wrong.error_type(), "NotAuthorizedException", "{username}");
        assert_eq!(read_row(&data, &pool_id, username), before, "{username}");

        let first = ok(
            &sign_in(&raw, &client_id, username, password).await,
            username,
        );
        assert!(first["AuthenticationResult"]["AccessToken"].is_string());
        let after = read_row(&data, &pool_id, username);
        let upgraded = after.password_hash.clone().unwrap();
        assert_owasp_argon2id(&upgraded);
        // Only the hash changed: status, expiry, history (in extra) and dates stay.
        assert_eq!(
            after,
            Row {
                password_hash: Some(upgraded.clone()),
                ..before
            },
            "{username}"
        );

        // The upgraded hash is a hash of the same password, and is left alone from now on.
        ok(
            &sign_in(&raw, &client_id, username, password).await,
            username,
        );
        assert_eq!(
            read_row(&data, &pool_id, username).password_hash,
            Some(upgraded)
        );
        let wrong = sign_in(&raw, &client_id, username, "Wrong-Passw0rd!").await;
        assert_eq!(wrong.error_type(), "NotAuthorizedException", "{username}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_hashes_answer_a_wrong_password_not_a_server_error() {
    let server = open_server().await;
    let raw = RawClient::new(&server.url);
    let (pool_id, client_id) = pool_and_client(
        &raw,
        "hashes",
        &["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )
    .await;
    let data = server.data_dir.clone();
    for (username, stored) in [
        // MD5-crypt, which is not imported; garbage; bcrypt with a planted 2^31 cost.
        ("md5crypt", "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/"),
        ("garbage", "not a hash"),
        (
            "planted",
            "$2b$31$EGdrhbKUv8Oc9vGiXX0HQOxSg445d458Muh7DAHskb6QbtCvdxcie",
        ),
    ] {
        confirmed_user(&raw, &pool_id, username, "Placeholder-Passw0rd!").await;
        write_hash(&data, &pool_id, username, stored);
        let answer = sign_in(&raw, &client_id, username, BCRYPT_PASSWORD).await;
        assert_eq!(answer.status, 400, "{username}: {}", answer.body);
        assert_eq!(answer.error_type(), "NotAuthorizedException", "{username}");
        // Nothing was rewritten: a hash is only upgraded after a successful verification.
        assert_eq!(
            read_row(&data, &pool_id, username).password_hash.as_deref(),
            Some(stored)
        );
    }
}
