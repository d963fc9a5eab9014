//! R17: the forged-token matrix at the operations that take an access token. A real user
//! signs in; every forgery derived from the real tokens (algorithm confusion, key injection,
//! hostile `kid`s, edited claims, stripped signatures, other pools' tokens, ID tokens) is
//! presented to GetUser and GlobalSignOut, and must get `NotAuthorizedException`
//! "Invalid Access Token"; RevokeToken refuses them too. Key URLs in headers point at a
//! local listener that must never see a connection. Afterwards the real tokens still work.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, AuthenticationResultType, ExplicitAuthFlowsType, MessageActionType,
};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::harness::{Env, code, message};
use crate::on_both_backends;

const PASSWORD: &str = "Correct-Horse-9";

/// An attacker's own RSA key (generated for this test only), for tokens that carry their
/// own key (`jwk`) or point at it (`jku`, `x5u`).
const ATTACKER_KEY_PEM: &str = "-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAt3YbAxu8k4Lz75nVQAnKrvUHPpdNDA96bC78WTVmKWWdsUyL
uFIsLFQ+n+rDI3haMyB1PlguSxJK6TfPbFlTlg3GACb8360eJHofFrhlUfhQ2Axn
nVxY13j1YdYasQsPaR6cSqG/ZKMw60Dsy3alaELBLTEbLwBRYW2HNDDrWjynEKZZ
N4xqogdKTDm0eCNJEOSoEY1luzqvvSClgig6PY7pnNyx1XgRUvHIkdgqk6MfAVUc
qlInKvvy908a2xD+do21K2f4t6av/QlxTik1RNyJEKaH74kO0RUAnRKzhg/nRA72
PthCveRFPuCAQuxIL63q8GPombyM33QLNyj6QQIDAQABAoIBACEPo1gIzk+t9Gw8
BmpDKXekd/D/XpbbDjaDNB4WaanxojySfQZTJps5dkymx5IzjNu0UHSS+wqzyfSj
xlkx8sZyhnk+DWl4nts3d7VGNxoRu+3nNF/vBaKU7XF7XjWD9vu8VLF9WwqVfwoS
GeojoDS8/Od6Nzod3kyGqqwM2cjZoaFAXB1T8aqj3ErHr/LWLayVAzIjV3HyKcdx
A4TvfIyoJyfvShhmxZGN4vL7I1wctu77BvAq8jochBxBVIPjG9DQfMPI/wTZjRN1
GIJd7cRPbSvx8SaafMskSeGfdG7AyA1tci+wFEZYzSF/P028ehQunZzfmPCFy+42
Yk6RTy0CgYEA4DShreaQGYIwHHoQxEwhXpR/OUNjgDLf01mclcZRThzIcSUKo9Mc
FgFL89uzDWZmIPe0FNv+3Wf3jTCYOMMhyhLpJ9++qCar3FAVHS75QZMfS1HtFO8Y
DFw0kkgewgUEb5i7EZWWD0/J+YmIf4MCIrbTEbl2w71Lr73NV4leAmUCgYEA0XpU
ax5ZWGlAXnxynDhLid61oNomVD9zUql63F4xfEKTIoPaGIztM4jCnHsvIx8SQcbN
cO5F4j2wDnhMCS/g3IxuPEDrr4sezMhM7MbG/lDZLThD4wtfwJMftrzAnPql/r0/
mhev5L9b+u0MbDhV4WqkWTIhoZq4IsKgkpHYLK0CgYEAmAnY4e6KJWItcgIswJDH
yDV3GMPkA5l8QvxvvPlhRVErc96kmnecgiea8+E2SI36D70p90NAT7AjJTGg6E0a
6sdsKMgHqEuhG6OKzeF+0cMM46zI0vtYGXmlhNU3VmbEnVC6+q+vtO5sjrV/RMj4
d8X21/wm15HUc3aIeyYCBCkCgYBpIWbat8mJWJFomjZ+9rXahL5M8w8HeyyqkMpL
bK6TOWpUiS3c4mVtVratCBm5G6/y+Q5EHiFOkT0ZlgA7IB9PMN9mOALRABY+GkyZ
DI30Nqk4S6OugBfXMz9YW9SjNBw5A8u2zyqEuBE2lt+ENKXNUtMWvNUqINdHArzJ
so52pQKBgASt76MbOinDTIMPuR3VsooTijL8qHPwKRyzHqjs459NzdteorKvqyDi
9c6EZy155jvHk3iDzngZGZD6rsjpy4q8TyfFUvqihMWQFotF+sDV2z5zVS0UMEzK
zs6yHT9KoU2bJQaCJHwJB3IkbKVPXwv/dC3Wl/Fsp7TDXM2eXbcM
-----END RSA PRIVATE KEY-----
";
/// The attacker key's modulus (base64url); its exponent is 65537 (`AQAB`).
const ATTACKER_N: &str = "t3YbAxu8k4Lz75nVQAnKrvUHPpdNDA96bC78WTVmKWWdsUyLuFIsLFQ-n-rDI3haMyB1PlguSxJK6TfPbFlTlg3GACb8360eJHofFrhlUfhQ2AxnnVxY13j1YdYasQsPaR6cSqG_ZKMw60Dsy3alaELBLTEbLwBRYW2HNDDrWjynEKZZN4xqogdKTDm0eCNJEOSoEY1luzqvvSClgig6PY7pnNyx1XgRUvHIkdgqk6MfAVUcqlInKvvy908a2xD-do21K2f4t6av_QlxTik1RNyJEKaH74kO0RUAnRKzhg_nRA72PthCveRFPuCAQuxIL63q8GPombyM33QLNyj6QQ";

// ----- set-up ------------------------------------------------------------------------

/// A pool with a password client and a confirmed user; returns (pool, client, tokens).
async fn signed_in_pool(env: &Env, name: &str) -> (String, String, AuthenticationResultType) {
    let pool = env
        .idp
        .create_user_pool()
        .pool_name(name)
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
    env.idp
        .admin_create_user()
        .user_pool_id(&pool)
        .username("victim")
        .temporary_password("Temporary-Pass-1")
        .message_action(MessageActionType::Suppress)
        .user_attributes(
            AttributeType::builder()
                .name("email")
                .value("victim@example.com")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    env.idp
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("victim")
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .unwrap();
    let tokens = env
        .idp
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "victim")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap()
        .authentication_result()
        .unwrap()
        .clone();
    (pool, client, tokens)
}

// ----- token surgery -------------------------------------------------------------------

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn json_part(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// A token's header, claims and signature (still encoded).
struct Parts {
    header: Value,
    claims: Value,
    signature: String,
}

fn parts(token: &str) -> Parts {
    let mut it = token.split('.');
    let (header, claims, signature) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
    Parts {
        header: json_part(header),
        claims: json_part(claims),
        signature: signature.to_owned(),
    }
}

/// `header.claims` with the given signature part appended (after a dot).
fn assemble(header: &Value, claims: &Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

fn with(value: &Value, member: &str, new: Value) -> Value {
    let mut value = value.clone();
    value[member] = new;
    value
}

/// An HS256 token MACed with `secret` (the algorithm-confusion attack: a verifier that
/// trusts `alg` would use the RSA public key, which everyone has, as the HMAC key).
fn hs256(header: &Value, claims: &Value, secret: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(input.as_bytes());
    format!("{input}.{}", b64(&mac.finalize().into_bytes()))
}

/// An RS256 token properly signed with the attacker's key.
fn attacker_rs256(header: &Value, claims: &Value) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let key = EncodingKey::from_rsa_pem(ATTACKER_KEY_PEM.as_bytes()).unwrap();
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), &key, Algorithm::RS256).unwrap();
    format!("{input}.{signature}")
}

// ----- the pool's public key in the encodings an attacker would try ----------------

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap());
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | u8::try_from(bytes.len()).unwrap());
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn der_uint(bytes: &[u8]) -> Vec<u8> {
    let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    let mut content = Vec::new();
    if trimmed.first().is_some_and(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend(trimmed);
    der(0x02, &content)
}

/// PKCS#1 `RSAPublicKey` DER.
fn pkcs1_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    der(0x30, &[der_uint(n), der_uint(e)].concat())
}

/// X.509 `SubjectPublicKeyInfo` DER (what `-----BEGIN PUBLIC KEY-----` wraps).
fn spki_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    // rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters.
    let algorithm = der(
        0x30,
        &[
            der(
                0x06,
                &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01],
            ),
            vec![0x05, 0x00],
        ]
        .concat(),
    );
    let mut bits = vec![0];
    bits.extend(pkcs1_der(n, e));
    der(0x30, &[algorithm, der(0x03, &bits)].concat())
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

async fn jwks(env: &Env, pool: &str) -> Vec<Value> {
    let jwks: Value = reqwest::get(format!("{}/{pool}/.well-known/jwks.json", env.server.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    jwks["keys"].as_array().unwrap().clone()
}

/// A listener standing in for an attacker's key server: counts every connection.
async fn key_server() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((_stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    (url, hits)
}

// ----- the matrix ------------------------------------------------------------------------

async fn forged_access_tokens_are_rejected(env: Env) {
    let (pool, client, real) = signed_in_pool(&env, "forged-a").await;
    let (pool_b, _client_b, real_b) = signed_in_pool(&env, "forged-b").await;
    let access = real.access_token().unwrap().to_owned();
    let id_token = real.id_token().unwrap().to_owned();
    let refresh = real.refresh_token().unwrap().to_owned();
    let Parts {
        header,
        claims,
        signature,
    } = parts(&access);
    let kid = header["kid"].as_str().unwrap().to_owned();
    let keys = jwks(&env, &pool).await;
    let jwk = keys
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .unwrap()
        .clone();
    let n = URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap();
    let e = URL_SAFE_NO_PAD.decode(jwk["e"].as_str().unwrap()).unwrap();
    let (key_url, key_server_hits) = key_server().await;
    let other_issuer = format!("{}/{pool_b}", env.server.url);
    let attacker_jwk = json!({"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
        "n": ATTACKER_N, "e": "AQAB"});
    let truncated = &signature[..signature.len() - 8];
    let mut flipped = signature.clone().into_bytes();
    flipped[10] = if flipped[10] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let exp = claims["exp"].as_i64().unwrap();
    let hs = json!({"alg": "HS256", "kid": kid});
    let b = parts(real_b.access_token().unwrap());
    let id = parts(&id_token);

    let cases: Vec<(&str, String)> = vec![
        (
            "alg none, no signature",
            assemble(&json!({"alg": "none", "kid": kid}), &claims, ""),
        ),
        (
            "alg none, real signature kept",
            assemble(&json!({"alg": "none", "kid": kid}), &claims, &signature),
        ),
        (
            "alg None (case variant), no signature",
            assemble(&json!({"alg": "None"}), &claims, ""),
        ),
        ("alg none, two parts only", {
            let t = assemble(&json!({"alg": "none"}), &claims, "");
            t.trim_end_matches('.').to_owned()
        }),
        (
            "alg missing",
            assemble(&json!({"kid": kid}), &claims, &signature),
        ),
        (
            "HS256 MACed with the SPKI PEM public key",
            hs256(
                &hs,
                &claims,
                pem("PUBLIC KEY", &spki_der(&n, &e)).as_bytes(),
            ),
        ),
        (
            "HS256 MACed with the PKCS#1 PEM public key",
            hs256(
                &hs,
                &claims,
                pem("RSA PUBLIC KEY", &pkcs1_der(&n, &e)).as_bytes(),
            ),
        ),
        (
            "HS256 MACed with the SPKI DER public key",
            hs256(&hs, &claims, &spki_der(&n, &e)),
        ),
        (
            "HS256 MACed with the PKCS#1 DER public key",
            hs256(&hs, &claims, &pkcs1_der(&n, &e)),
        ),
        (
            "HS256 MACed with the JWK JSON",
            hs256(&hs, &claims, jwk.to_string().as_bytes()),
        ),
        ("HS256 MACed with the raw modulus", hs256(&hs, &claims, &n)),
        (
            "RS512 header, real signature",
            assemble(&with(&header, "alg", json!("RS512")), &claims, &signature),
        ),
        (
            "PS256 header, real signature",
            assemble(&with(&header, "alg", json!("PS256")), &claims, &signature),
        ),
        (
            "ES256 header, real signature",
            assemble(&with(&header, "alg", json!("ES256")), &claims, &signature),
        ),
        (
            "unknown kid",
            assemble(
                &with(&header, "kid", json!("no-such-kid")),
                &claims,
                &signature,
            ),
        ),
        (
            "kid with ../",
            assemble(
                &with(&header, "kid", json!(format!("../../../{kid}"))),
                &claims,
                &signature,
            ),
        ),
        (
            "kid with quotes (SQL injection)",
            assemble(
                &with(&header, "kid", json!(format!("{kid}' OR '1'='1\""))),
                &claims,
                &signature,
            ),
        ),
        (
            "kid with a NUL",
            assemble(
                &with(&header, "kid", json!(format!("{kid}\u{0}"))),
                &claims,
                &signature,
            ),
        ),
        (
            "kid missing",
            assemble(&json!({"alg": "RS256"}), &claims, &signature),
        ),
        (
            "embedded jwk (attacker key, CVE-2018-0114)",
            attacker_rs256(
                &json!({"alg": "RS256", "kid": kid, "jwk": attacker_jwk}),
                &claims,
            ),
        ),
        (
            "jku pointing at the attacker's key server",
            attacker_rs256(
                &json!({"alg": "RS256", "kid": kid, "jku": format!("{key_url}/jwks.json")}),
                &claims,
            ),
        ),
        (
            "x5u pointing at the attacker's key server",
            attacker_rs256(
                &json!({"alg": "RS256", "kid": kid, "x5u": format!("{key_url}/cert.pem")}),
                &claims,
            ),
        ),
        (
            "attacker key with the pool's kid",
            attacker_rs256(&header, &claims),
        ),
        (
            "crit header",
            assemble(&with(&header, "crit", json!(["exp"])), &claims, &signature),
        ),
        (
            "signature stripped (trailing dot)",
            assemble(&header, &claims, ""),
        ),
        ("signature stripped (no dot)", {
            let t = assemble(&header, &claims, "");
            t.trim_end_matches('.').to_owned()
        }),
        ("signature truncated", assemble(&header, &claims, truncated)),
        ("signature altered", assemble(&header, &claims, &flipped)),
        (
            "signature with padding",
            assemble(&header, &claims, &format!("{signature}==")),
        ),
        ("four parts", format!("{access}.{signature}")),
        (
            "sub changed",
            assemble(
                &header,
                &with(
                    &claims,
                    "sub",
                    json!("00000000-0000-0000-0000-000000000000"),
                ),
                &signature,
            ),
        ),
        (
            "username changed",
            assemble(
                &header,
                &with(&claims, "username", json!("admin")),
                &signature,
            ),
        ),
        (
            "exp edited to the past",
            assemble(
                &header,
                &with(&claims, "exp", json!(exp - 7200)),
                &signature,
            ),
        ),
        (
            "exp extended",
            assemble(
                &header,
                &with(&claims, "exp", json!(exp + 86_400 * 365)),
                &signature,
            ),
        ),
        (
            "scope changed",
            assemble(
                &header,
                &with(
                    &claims,
                    "scope",
                    json!("aws.cognito.signin.user.admin openid"),
                ),
                &signature,
            ),
        ),
        (
            "client_id changed",
            assemble(
                &header,
                &with(&claims, "client_id", json!("x".repeat(26))),
                &signature,
            ),
        ),
        (
            "iss rewritten to another pool",
            assemble(
                &header,
                &with(&claims, "iss", json!(other_issuer)),
                &signature,
            ),
        ),
        (
            "iss rewritten to another host",
            assemble(
                &header,
                &with(
                    &claims,
                    "iss",
                    json!(format!("https://evil.example/{pool}")),
                ),
                &signature,
            ),
        ),
        ("ID token presented as an access token", id_token.clone()),
        (
            "ID token with token_use rewritten to access",
            assemble(
                &id.header,
                &with(&id.claims, "token_use", json!("access")),
                &id.signature,
            ),
        ),
        (
            "pool B's token with pool A's kid",
            assemble(&with(&b.header, "kid", json!(kid)), &b.claims, &b.signature),
        ),
        (
            "pool B's token with pool A's kid and issuer",
            assemble(
                &with(&b.header, "kid", json!(kid)),
                &with(&b.claims, "iss", claims["iss"].clone()),
                &b.signature,
            ),
        ),
        (
            "pool A's token re-issued under pool B",
            assemble(
                &with(&header, "kid", b.header["kid"].clone()),
                &with(&claims, "iss", b.claims["iss"].clone()),
                &signature,
            ),
        ),
        (
            "duplicate alg member",
            format!(
                "{}.{}.{signature}",
                b64(format!(r#"{{"alg":"none","kid":"{kid}","alg":"RS256"}}"#).as_bytes()),
                access.split('.').nth(1).unwrap()
            ),
        ),
        (
            "header not JSON",
            format!(
                "{}.{}.{signature}",
                b64(b"not json"),
                access.split('.').nth(1).unwrap()
            ),
        ),
        ("refresh token as an access token", refresh.clone()),
    ];
    assert!(cases.len() >= 20);

    for (name, token) in &cases {
        let r = env.idp.get_user().access_token(token).send().await;
        assert_eq!(code(&r), "NotAuthorizedException", "GetUser: {name}");
        assert_eq!(message(&r), "Invalid Access Token", "GetUser: {name}");
        let r = env.idp.global_sign_out().access_token(token).send().await;
        assert_eq!(code(&r), "NotAuthorizedException", "GlobalSignOut: {name}");
        assert_eq!(message(&r), "Invalid Access Token", "GlobalSignOut: {name}");
        // RevokeToken takes refresh tokens: a JWT is the wrong kind of token, anything else
        // is an unknown refresh token. Neither revokes anything. (The real refresh token
        // would of course be revoked: it is checked at the end instead.)
        if *token == refresh {
            continue;
        }
        let r = env
            .idp
            .revoke_token()
            .client_id(&client)
            .token(token)
            .send()
            .await;
        let c = code(&r);
        assert!(
            c == "UnsupportedTokenTypeException" || c == "NotAuthorizedException",
            "RevokeToken: {name}: {c}"
        );
    }
    assert_eq!(
        key_server_hits.load(Ordering::SeqCst),
        0,
        "a key URL in a token header was fetched"
    );

    // Refresh tokens at RevokeToken: altered, truncated, another pool's.
    let mut altered = refresh.clone().into_bytes();
    altered[5] = if altered[5] == b'A' { b'B' } else { b'A' };
    for (name, token) in [
        ("refresh token altered", String::from_utf8(altered).unwrap()),
        (
            "refresh token truncated",
            refresh[..refresh.len() - 4].to_owned(),
        ),
        (
            "pool B's refresh token at pool A's client",
            real_b.refresh_token().unwrap().to_owned(),
        ),
    ] {
        let r = env
            .idp
            .revoke_token()
            .client_id(&client)
            .token(&token)
            .send()
            .await;
        assert_eq!(code(&r), "NotAuthorizedException", "RevokeToken: {name}");
    }

    // Nothing above touched the real sign-in.
    let me = env
        .idp
        .get_user()
        .access_token(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(me.username(), "victim");
    let refreshed = env
        .idp
        .initiate_auth()
        .client_id(&client)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", &refresh)
        .send()
        .await
        .unwrap();
    assert!(
        refreshed
            .authentication_result()
            .unwrap()
            .access_token()
            .is_some()
    );
    env.idp
        .get_user()
        .access_token(real_b.access_token().unwrap())
        .send()
        .await
        .unwrap();
}

on_both_backends!(forged_access_tokens_are_rejected);
