//! A deliberately small JWS (compact serialisation) encoder and verifier for RS256 only.
//!
//! The verifier is strict because it reads attacker-controlled input: exactly three
//! non-empty base64url parts without padding, header and claims JSON objects without
//! duplicate members, `alg` exactly `RS256` (checked before any key is chosen, so `none`,
//! `HS256` signed with the public key and other algorithm-confusion tricks fail early),
//! no `crit`, and a `kid` naming one of the caller's keys. Header members that point at
//! keys (`jku`, `jwk`, `x5u`, `x5c`) are never followed. Claims are parsed only after the
//! signature has been checked. Time claims (`exp`, `nbf`, `iat`) are the caller's business.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

use crate::CryptoError;
use crate::signing::{PublicKey, SigningKey};

/// Longest token accepted. Cognito tokens with many groups or attributes stay far below
/// this; the bound keeps base64 and JSON work on garbage input small.
pub const MAX_TOKEN_LEN: usize = 64 * 1024;

const ALG: &str = "RS256";

/// Why a token was refused. Callers map all of these to one authentication error; the
/// variants exist for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("token longer than {MAX_TOKEN_LEN} bytes")]
    TooLong,
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    #[error("unsupported algorithm {0:?}: only RS256 is accepted")]
    UnsupportedAlgorithm(String),
    #[error("token header has a crit member")]
    CriticalHeader,
    #[error("token header has no kid")]
    MissingKid,
    #[error("no key with the token's kid")]
    UnknownKid,
    #[error("signature does not verify")]
    BadSignature,
}

/// A verified token's header and claims.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedJwt {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
}

/// Signs `claims` as a compact JWS. `header` may carry extra members (`typ`), but `alg` and
/// `kid` are always set from `key`, so a header can never claim something the signature
/// does not back.
pub fn encode_jwt(header: &Value, claims: &Value, key: &SigningKey) -> Result<String, CryptoError> {
    let mut header = header
        .as_object()
        .cloned()
        .ok_or(CryptoError::JwtNotObject)?;
    if !claims.is_object() {
        return Err(CryptoError::JwtNotObject);
    }
    header.insert("kid".into(), Value::String(key.kid().to_owned()));
    header.insert("alg".into(), Value::String(ALG.into()));
    // Serialising a `Value` cannot fail (all map keys are strings).
    let header_json = serde_json::to_vec(&header).map_err(|_| CryptoError::JwtNotObject)?;
    let claims_json = serde_json::to_vec(claims).map_err(|_| CryptoError::JwtNotObject)?;
    let mut token = String::with_capacity(
        (header_json.len() + claims_json.len() + key.signature_len()) * 4 / 3 + 8,
    );
    URL_SAFE_NO_PAD.encode_string(&header_json, &mut token);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(&claims_json, &mut token);
    let sig = key.sign_rs256(token.as_bytes())?;
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(&sig, &mut token);
    Ok(token)
}

/// Verifies an RS256 token against `keys` (chosen by `kid`) and returns its header and
/// claims. Does not check `exp`, `iss`, `aud`, `token_use` or any other claim.
pub fn decode_and_verify_jwt(token: &str, keys: &[PublicKey]) -> Result<DecodedJwt, JwtError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(JwtError::TooLong);
    }
    let mut parts = token.split('.');
    let (Some(header_b64), Some(claims_b64), Some(sig_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed("expected three dot-separated parts"));
    };
    if header_b64.is_empty() || claims_b64.is_empty() || sig_b64.is_empty() {
        return Err(JwtError::Malformed("empty part"));
    }

    let header = parse_object(
        header_b64,
        "header is not a JSON object with unique members",
    )?;
    match header.get("alg") {
        Some(Value::String(alg)) if alg == ALG => {}
        Some(Value::String(alg)) => {
            return Err(JwtError::UnsupportedAlgorithm(
                alg.chars().take(32).collect(),
            ));
        }
        Some(_) => return Err(JwtError::UnsupportedAlgorithm("<not a string>".into())),
        None => return Err(JwtError::UnsupportedAlgorithm("<missing>".into())),
    }
    if header.contains_key("crit") {
        return Err(JwtError::CriticalHeader);
    }
    let kid = match header.get("kid") {
        Some(Value::String(kid)) => kid,
        _ => return Err(JwtError::MissingKid),
    };
    let key = keys
        .iter()
        .find(|k| k.kid() == kid)
        .ok_or(JwtError::UnknownKid)?;

    let sig = decode_part(sig_b64)?;
    if sig.len() != key.modulus_len() {
        return Err(JwtError::BadSignature);
    }
    // The signing input is the two encoded parts exactly as received.
    let signing_input_len = header_b64.len() + 1 + claims_b64.len();
    let signing_input = token
        .get(..signing_input_len)
        .ok_or(JwtError::Malformed("length"))?;
    if !key.verify(signing_input.as_bytes(), &sig) {
        return Err(JwtError::BadSignature);
    }

    let claims = parse_object(
        claims_b64,
        "claims are not a JSON object with unique members",
    )?;
    Ok(DecodedJwt { header, claims })
}

fn decode_part(part: &str) -> Result<Vec<u8>, JwtError> {
    // URL_SAFE_NO_PAD rejects padding, the standard alphabet and non-canonical trailing
    // bits, so each token has exactly one encoding.
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| JwtError::Malformed("part is not unpadded base64url"))
}

fn parse_object(part: &str, not_object: &'static str) -> Result<Map<String, Value>, JwtError> {
    let bytes = decode_part(part)?;
    serde_json::from_slice::<StrictObject>(&bytes)
        .map(|o| o.0)
        .map_err(|_| JwtError::Malformed(not_object))
}

/// A JSON object whose top-level members are unique. Two parsers that resolve a duplicate
/// `alg` or `sub` differently are a known source of JWT bypasses; refusing is simplest.
struct StrictObject(Map<String, Value>);

impl<'de> Deserialize<'de> for StrictObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = StrictObject;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<StrictObject, A::Error> {
                let mut map = Map::new();
                while let Some(key) = access.next_key::<String>()? {
                    if map.contains_key(&key) {
                        return Err(de::Error::custom("duplicate member"));
                    }
                    let value: Value = access.next_value()?;
                    map.insert(key, value);
                }
                Ok(StrictObject(map))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::tests::test_key;
    use serde_json::json;

    fn b64(v: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(v)
    }

    #[test]
    fn round_trip() {
        let key = test_key();
        let token = encode_jwt(&json!({"typ": "JWT"}), &json!({"sub": "u1", "n": 1}), key).unwrap();
        let jwt = decode_and_verify_jwt(&token, &[key.public_key().clone()]).unwrap();
        assert_eq!(jwt.claims["sub"], "u1");
        assert_eq!(jwt.header["alg"], "RS256");
        assert_eq!(jwt.header["kid"], key.kid());
        assert_eq!(jwt.header["typ"], "JWT");
    }

    #[test]
    fn header_cannot_override_alg_or_kid() {
        let key = test_key();
        let token = encode_jwt(&json!({"alg": "none", "kid": "other"}), &json!({}), key).unwrap();
        let jwt = decode_and_verify_jwt(&token, &[key.public_key().clone()]).unwrap();
        assert_eq!(jwt.header["alg"], "RS256");
        assert_eq!(jwt.header["kid"], key.kid());
        assert!(encode_jwt(&json!([]), &json!({}), key).is_err());
        assert!(encode_jwt(&json!({}), &json!("x"), key).is_err());
    }

    #[test]
    fn duplicate_members_rejected() {
        let key = test_key();
        let header = format!(r#"{{"alg":"RS256","kid":"{}","alg":"RS256"}}"#, key.kid());
        let token = format!(
            "{}.{}.{}",
            b64(header.as_bytes()),
            b64(b"{}"),
            b64(&[0; 256])
        );
        assert!(matches!(
            decode_and_verify_jwt(&token, &[key.public_key().clone()]),
            Err(JwtError::Malformed(_))
        ));
    }

    #[test]
    fn duplicate_claims_rejected_after_valid_signature() {
        let key = test_key();
        let header = format!(r#"{{"alg":"RS256","kid":"{}"}}"#, key.kid());
        let input = format!(
            "{}.{}",
            b64(header.as_bytes()),
            b64(br#"{"sub":"a","sub":"b"}"#)
        );
        let sig = key.sign_rs256(input.as_bytes()).unwrap();
        let token = format!("{input}.{}", b64(&sig));
        assert!(matches!(
            decode_and_verify_jwt(&token, &[key.public_key().clone()]),
            Err(JwtError::Malformed(_))
        ));
    }

    #[test]
    fn crit_rejected() {
        let key = test_key();
        let token = encode_jwt(&json!({"crit": ["exp"]}), &json!({}), key).unwrap();
        assert_eq!(
            decode_and_verify_jwt(&token, &[key.public_key().clone()]),
            Err(JwtError::CriticalHeader)
        );
    }
}
