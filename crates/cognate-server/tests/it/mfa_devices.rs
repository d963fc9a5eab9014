//! MFA and remembered devices over raw HTTP, with the SQLite row read beside the server:
//! TOTP secrets and device verifiers are stored sealed; a TOTP code is accepted once (R8);
//! device SRP (DEVICE_SRP_AUTH → DEVICE_PASSWORD_VERIFIER) stands in for MFA; another
//! user's device key is refused; refresh tokens are bound to their device; without
//! ChallengeRequiredOnNewDevice a remembered device does not replace MFA.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cognate_crypto::srp::{self, PasswordVerifier, test_client::Client};
use cognate_crypto::totp;
use cognate_testkit::{RawClient, RawResponse};
use rusqlite::params;
use serde_json::{Value, json};

use crate::fixtures::{confirmed_user, db, ok};
use crate::open_server;

const PASSWORD: &str = "Correct-Horse-9";
const DEVICE_PASSWORD: &str = "device-password-from-the-client";
/// RFC 5054's 3072-bit prime: an SRP_A ≡ 0 (mod N) must never be accepted (R10a).
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

fn error_type(response: &RawResponse) -> String {
    assert_eq!(response.status, 400, "{}", response.body);
    response.json()["__type"].as_str().unwrap().to_owned()
}

fn now_s() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

async fn sign_in(
    raw: &RawClient,
    client_id: &str,
    username: &str,
    device_key: Option<&str>,
) -> RawResponse {
    let mut parameters = json!({"USERNAME": username, "PASSWORD": PASSWORD});
    if let Some(key) = device_key {
        parameters["DEVICE_KEY"] = json!(key);
    }
    raw.idp(
        "InitiateAuth",
        &json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": parameters}),
    )
    .await
}

async fn setup(raw: &RawClient) -> (String, String) {
    let pool = ok(
        &raw.idp(
            "CreateUserPool",
            &json!({"PoolName": "devices", "DeviceConfiguration": {
                "ChallengeRequiredOnNewDevice": true,
                "DeviceOnlyRememberedOnUserPrompt": false}}),
        )
        .await,
        "CreateUserPool",
    );
    let pool_id = pool["UserPool"]["Id"].as_str().unwrap().to_owned();
    ok(
        &raw.idp(
            "SetUserPoolMfaConfig",
            &json!({"UserPoolId": pool_id, "MfaConfiguration": "OPTIONAL",
                    "SoftwareTokenMfaConfiguration": {"Enabled": true}}),
        )
        .await,
        "SetUserPoolMfaConfig",
    );
    let client = ok(
        &raw.idp(
            "CreateUserPoolClient",
            &json!({"UserPoolId": pool_id, "ClientName": "app", "ExplicitAuthFlows": [
                "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}),
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totp_and_devices_are_sealed_single_use_and_per_user() {
    let server = open_server().await;
    let raw = RawClient::new(&server.url);
    let (pool_id, client_id) = setup(&raw).await;
    confirmed_user(&raw, &pool_id, "ann", PASSWORD).await;
    confirmed_user(&raw, &pool_id, "ben", PASSWORD).await;

    // A first sign-in in a pool that tracks devices gets a new device.
    let first = ok(&sign_in(&raw, &client_id, "ann", None).await, "sign-in");
    let result = &first["AuthenticationResult"];
    let device_key = result["NewDeviceMetadata"]["DeviceKey"]
        .as_str()
        .unwrap()
        .to_owned();
    let group_key = result["NewDeviceMetadata"]["DeviceGroupKey"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(device_key.starts_with("us-east-1_"), "{device_key}");
    let access = result["AccessToken"].as_str().unwrap().to_owned();

    // TOTP set up with the access token; the secret is sealed in the row.
    let secret_code = ok(
        &raw.idp("AssociateSoftwareToken", &json!({"AccessToken": access}))
            .await,
        "AssociateSoftwareToken",
    )["SecretCode"]
        .as_str()
        .unwrap()
        .to_owned();
    let secret = totp::base32_decode(&secret_code).unwrap();
    let code_now = totp::code_at_step(&secret, totp::step_of(now_s()), 6);
    let verified = ok(
        &raw.idp(
            "VerifySoftwareToken",
            &json!({"AccessToken": access, "UserCode": code_now}),
        )
        .await,
        "VerifySoftwareToken",
    );
    assert_eq!(verified["Status"], "SUCCESS");
    ok(
        &raw.idp(
            "SetUserMFAPreference",
            &json!({"AccessToken": access,
                    "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
        )
        .await,
        "SetUserMFAPreference",
    );
    let extra: String = db(&server.data_dir)
        .query_row(
            "SELECT extra FROM users WHERE pool_id = ?1 AND username_key = 'ann'",
            params![pool_id],
            |r| r.get(0),
        )
        .unwrap();
    let extra_json: Value = serde_json::from_str(&extra).unwrap();
    assert!(extra_json["Mfa"]["TotpSecret"].is_string(), "{extra}");
    assert!(!extra.contains(&secret_code));
    assert!(!extra.contains(&STANDARD.encode(&secret)));

    // ConfirmDevice stores the device's verifier sealed; a second confirmation is refused.
    let verifier = PasswordVerifier::new(&group_key, &device_key, DEVICE_PASSWORD).unwrap();
    let confirm = json!({"AccessToken": access, "DeviceKey": device_key, "DeviceName": "test",
        "DeviceSecretVerifierConfig": {
            "PasswordVerifier": STANDARD.encode(verifier.verifier_bytes()),
            "Salt": STANDARD.encode(verifier.salt())}});
    let confirmed = ok(&raw.idp("ConfirmDevice", &confirm).await, "ConfirmDevice");
    assert_eq!(confirmed["UserConfirmationNecessary"], false);
    assert_eq!(
        error_type(&raw.idp("ConfirmDevice", &confirm).await),
        "DeviceKeyExistsException"
    );
    let sealed: Vec<u8> = db(&server.data_dir)
        .query_row(
            "SELECT verifier_sealed FROM devices WHERE device_key = ?1",
            params![device_key],
            |r| r.get(0),
        )
        .unwrap();
    let v = verifier.verifier_bytes();
    assert!(!sealed.windows(32).any(|w| v.windows(32).any(|p| p == w)));
    assert!(!sealed.windows(srp::SALT_LEN).any(|w| w == verifier.salt()));

    // Another user cannot use ann's device key, nor read it.
    let ben = sign_in(&raw, &client_id, "ben", Some(&device_key)).await;
    assert_eq!(error_type(&ben), "ResourceNotFoundException");
    assert!(ben.body.contains("Device"), "{}", ben.body);
    let ben_access = ok(&sign_in(&raw, &client_id, "ben", None).await, "ben")["AuthenticationResult"]
        ["AccessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let peek = raw
        .idp(
            "GetDevice",
            &json!({"AccessToken": ben_access, "DeviceKey": device_key}),
        )
        .await;
    assert_eq!(error_type(&peek), "ResourceNotFoundException");

    // Without the device, TOTP is asked for; a code is accepted once (R8).
    let next_code = totp::code_at_step(&secret, totp::step_of(now_s()) + 1, 6);
    let answer = |started: &Value| {
        json!({"ClientId": client_id, "ChallengeName": "SOFTWARE_TOKEN_MFA",
               "Session": started["Session"],
               "ChallengeResponses": {"USERNAME": "ann", "SOFTWARE_TOKEN_MFA_CODE": next_code}})
    };
    let started = ok(&sign_in(&raw, &client_id, "ann", None).await, "sign-in");
    assert_eq!(started["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    ok(
        &raw.idp("RespondToAuthChallenge", &answer(&started)).await,
        "TOTP",
    );
    let again = ok(&sign_in(&raw, &client_id, "ann", None).await, "sign-in");
    let replay = raw.idp("RespondToAuthChallenge", &answer(&again)).await;
    assert_eq!(error_type(&replay), "ExpiredCodeException");

    // With the remembered device: device SRP instead of TOTP.
    let device_sign_in = |device_password: &'static str| {
        let raw = &raw;
        let client_id = client_id.clone();
        let device_key = device_key.clone();
        let group_key = group_key.clone();
        async move {
            let started = ok(
                &sign_in(raw, &client_id, "ann", Some(&device_key)).await,
                "sign-in",
            );
            assert_eq!(started["ChallengeName"], "DEVICE_SRP_AUTH");
            let client = Client::random().unwrap();
            let challenge = ok(
                &raw.idp(
                    "RespondToAuthChallenge",
                    &json!({"ClientId": client_id, "ChallengeName": "DEVICE_SRP_AUTH",
                            "Session": started["Session"],
                            "ChallengeResponses": {"USERNAME": "ann", "DEVICE_KEY": device_key,
                                                   "SRP_A": client.srp_a()}}),
                )
                .await,
                "DEVICE_SRP_AUTH",
            );
            assert_eq!(challenge["ChallengeName"], "DEVICE_PASSWORD_VERIFIER");
            let p = &challenge["ChallengeParameters"];
            let param = |name: &str| p[name].as_str().unwrap().to_owned();
            let timestamp = srp::format_timestamp(time::OffsetDateTime::now_utc());
            let claim = client
                .password_claim(
                    &group_key,
                    &device_key,
                    device_password,
                    &param("SALT"),
                    &param("SRP_B"),
                    &param("SECRET_BLOCK"),
                    &timestamp,
                )
                .unwrap();
            raw.idp(
                "RespondToAuthChallenge",
                &json!({"ClientId": client_id, "ChallengeName": "DEVICE_PASSWORD_VERIFIER",
                        "Session": challenge["Session"],
                        "ChallengeResponses": {
                            "USERNAME": "ann", "DEVICE_KEY": device_key,
                            "PASSWORD_CLAIM_SECRET_BLOCK": param("SECRET_BLOCK"),
                            "PASSWORD_CLAIM_SIGNATURE": claim.signature,
                            "TIMESTAMP": timestamp}}),
            )
            .await
        }
    };
    // R10a for device SRP: A ≡ 0 (mod N) is refused before any arithmetic, with no tokens.
    for bad_a in ["0", N_HEX] {
        let started = ok(
            &sign_in(&raw, &client_id, "ann", Some(&device_key)).await,
            "sign-in",
        );
        let refused = raw
            .idp(
                "RespondToAuthChallenge",
                &json!({"ClientId": client_id, "ChallengeName": "DEVICE_SRP_AUTH",
                        "Session": started["Session"],
                        "ChallengeResponses": {"USERNAME": "ann", "DEVICE_KEY": device_key,
                                               "SRP_A": bad_a}}),
            )
            .await;
        assert_eq!(error_type(&refused), "NotAuthorizedException");
        assert!(!refused.body.contains("AccessToken"));
    }
    let wrong = device_sign_in("not-the-device-password").await;
    assert_eq!(error_type(&wrong), "NotAuthorizedException");
    let signed_in = ok(&device_sign_in(DEVICE_PASSWORD).await, "device SRP");
    let tokens = &signed_in["AuthenticationResult"];
    assert!(
        tokens.get("NewDeviceMetadata").is_none(),
        "a known device is not new"
    );

    // The refresh token is bound to the device.
    let refresh = |device: Option<&str>| {
        let mut parameters = json!({"REFRESH_TOKEN": tokens["RefreshToken"]});
        if let Some(key) = device {
            parameters["DEVICE_KEY"] = json!(key);
        }
        json!({"ClientId": client_id, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": parameters})
    };
    let without = raw.idp("InitiateAuth", &refresh(None)).await;
    assert_eq!(error_type(&without), "NotAuthorizedException");
    ok(
        &raw.idp("InitiateAuth", &refresh(Some(&device_key))).await,
        "refresh with the device",
    );

    // ChallengeRequiredOnNewDevice false: a remembered device no longer stands in for MFA.
    let devices_without_skip = |mfa: Option<&str>| {
        let mut update = json!({"UserPoolId": pool_id, "DeviceConfiguration": {
            "ChallengeRequiredOnNewDevice": false, "DeviceOnlyRememberedOnUserPrompt": false}});
        if let Some(mode) = mfa {
            update["MfaConfiguration"] = json!(mode);
        }
        update
    };
    ok(
        &raw.idp("UpdateUserPool", &devices_without_skip(Some("OPTIONAL")))
            .await,
        "UpdateUserPool",
    );
    let asked = ok(
        &sign_in(&raw, &client_id, "ann", Some(&device_key)).await,
        "sign-in",
    );
    assert_eq!(asked["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    // With MFA off there is no second factor to stand in for: tokens, the device known.
    ok(
        &raw.idp("UpdateUserPool", &devices_without_skip(None)).await,
        "UpdateUserPool",
    );
    let direct = ok(
        &sign_in(&raw, &client_id, "ann", Some(&device_key)).await,
        "sign-in",
    );
    assert!(direct["AuthenticationResult"]["AccessToken"].is_string());
    assert!(
        direct["AuthenticationResult"]
            .get("NewDeviceMetadata")
            .is_none()
    );

    // Forgotten by an administrator, the device is unknown again.
    ok(
        &raw.idp(
            "AdminForgetDevice",
            &json!({"UserPoolId": pool_id, "Username": "ann", "DeviceKey": device_key}),
        )
        .await,
        "AdminForgetDevice",
    );
    let forgotten = sign_in(&raw, &client_id, "ann", Some(&device_key)).await;
    assert_eq!(error_type(&forgotten), "ResourceNotFoundException");
}
