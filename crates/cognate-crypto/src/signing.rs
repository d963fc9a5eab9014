//! Per-pool RS256 signing keys, their public halves, and JWKs.
//!
//! Costs on the 2-core development machine: RSA-2048 generation 20–150 ms (median ~60 ms;
//! variable, so run it in `spawn_blocking`), one signature ~0.25 ms, one verification with
//! an already parsed [`PublicKey`] ~0.015 ms, `from_pkcs8` ~0.11 ms.

use std::fmt;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{self, KeyPair as _, ParsedPublicKey, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::CryptoError;

/// Smallest modulus accepted, in bytes (2048 bits): shorter RSA keys are breakable.
const MIN_MODULUS_BYTES: usize = 256;
/// Largest modulus accepted, in bytes (8192 bits): bounds the cost of one verification
/// with a key read from an untrusted JWK.
const MAX_MODULUS_BYTES: usize = 1024;

/// An RSA private key used to sign a pool's tokens, with its key id.
///
/// The private key lives inside aws-lc, which clears it when freed. `Debug` shows the key
/// id only.
pub struct SigningKey {
    kid: String,
    pair: KeyPair,
    public: PublicKey,
}

impl SigningKey {
    /// Generates a fresh RSA-2048 key; its key id is its RFC 7638 JWK thumbprint.
    ///
    /// Slow and unpredictable (20–150 ms here): call it from `spawn_blocking` on an async
    /// runtime.
    pub fn generate() -> Result<Self, CryptoError> {
        let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|_| CryptoError::KeyGeneration)?;
        let (n, e) = components(&pair);
        let kid = jwk_thumbprint(&n, &e);
        Self::assemble(pair, kid)
    }

    /// Loads a key stored as unencrypted PKCS#8 DER (after the store has opened its
    /// envelope), with the key id it was published under.
    pub fn from_pkcs8(der: &[u8], kid: impl Into<String>) -> Result<Self, CryptoError> {
        let pair = KeyPair::from_pkcs8(der).map_err(|e| CryptoError::KeyRejected(e.to_string()))?;
        Self::assemble(pair, kid.into())
    }

    fn assemble(pair: KeyPair, kid: String) -> Result<Self, CryptoError> {
        let (n, e) = components(&pair);
        let public = PublicKey::from_components(kid.clone(), n, e)?;
        Ok(Self { kid, pair, public })
    }

    /// The private key as PKCS#8 v1 DER, in a buffer cleared on drop. Seal it before
    /// storing it.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let der = self.pair.as_der().map_err(|_| CryptoError::Serialisation)?;
        Ok(Zeroizing::new(der.as_ref().to_vec()))
    }

    #[must_use]
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public half, ready for verification.
    #[must_use]
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The public half as a JWK, as published in `/.well-known/jwks.json`.
    #[must_use]
    pub fn public_jwk(&self) -> Value {
        self.public.to_jwk()
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `msg` (~0.25 ms).
    pub fn sign_rs256(&self, msg: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut sig = vec![0u8; self.pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.pair
            .sign(&signature::RSA_PKCS1_SHA256, &rng, msg, &mut sig)
            .map_err(|_| CryptoError::Signing)?;
        Ok(sig)
    }

    /// The public key as a PKCS#1 `RSAPublicKey` DER.
    pub(crate) fn public_pkcs1_der(&self) -> &[u8] {
        self.pair.public_key().as_ref()
    }

    /// The length in bytes of signatures made by this key.
    pub(crate) fn signature_len(&self) -> usize {
        self.pair.public_modulus_len()
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

fn components(pair: &KeyPair) -> (Vec<u8>, Vec<u8>) {
    let public = pair.public_key();
    (
        public.modulus().big_endian_without_leading_zero().to_vec(),
        public.exponent().big_endian_without_leading_zero().to_vec(),
    )
}

/// An RSA public key with its key id, parsed once so that each verification is cheap.
#[derive(Clone)]
pub struct PublicKey {
    kid: String,
    n: Vec<u8>,
    e: Vec<u8>,
    parsed: ParsedPublicKey,
}

impl PublicKey {
    /// Builds a key from its big-endian modulus and exponent.
    pub fn from_components(kid: String, n: Vec<u8>, e: Vec<u8>) -> Result<Self, CryptoError> {
        if n.first() == Some(&0) || e.first() == Some(&0) {
            return Err(CryptoError::InvalidPublicKey(
                "leading zero in a key component",
            ));
        }
        if n.len() < MIN_MODULUS_BYTES {
            return Err(CryptoError::InvalidPublicKey(
                "modulus shorter than 2048 bits",
            ));
        }
        if n.len() > MAX_MODULUS_BYTES {
            return Err(CryptoError::InvalidPublicKey(
                "modulus longer than 8192 bits",
            ));
        }
        let parsed = RsaPublicKeyComponents { n: &n, e: &e }
            .to_parsed_public_key(&signature::RSA_PKCS1_2048_8192_SHA256)
            .map_err(|_| CryptoError::InvalidPublicKey("not a valid RSA public key"))?;
        Ok(Self { kid, n, e, parsed })
    }

    /// Reads an RSA JWK. `kty` must be `RSA`; `alg` and `use`, when present, must be
    /// `RS256` and `sig`, so that a key published for something else is never used here.
    pub fn from_jwk(jwk: &Value) -> Result<Self, CryptoError> {
        let obj = jwk
            .as_object()
            .ok_or(CryptoError::InvalidPublicKey("JWK is not an object"))?;
        let text = |name: &str| obj.get(name).and_then(Value::as_str);
        if text("kty") != Some("RSA") {
            return Err(CryptoError::InvalidPublicKey("kty is not RSA"));
        }
        if obj.get("alg").is_some_and(|a| a.as_str() != Some("RS256")) {
            return Err(CryptoError::InvalidPublicKey("alg is not RS256"));
        }
        if obj.get("use").is_some_and(|u| u.as_str() != Some("sig")) {
            return Err(CryptoError::InvalidPublicKey("use is not sig"));
        }
        let kid = text("kid").ok_or(CryptoError::InvalidPublicKey("kid missing"))?;
        let decode = |name: &str| {
            text(name)
                .and_then(|s| URL_SAFE_NO_PAD.decode(s).ok())
                .ok_or(CryptoError::InvalidPublicKey(
                    "n or e missing or not base64url",
                ))
        };
        Self::from_components(kid.to_owned(), decode("n")?, decode("e")?)
    }

    #[must_use]
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// `{"alg","e","kid","kty","n","use"}`: Cognito's JWKS members (serde_json sorts keys,
    /// which happens to be Cognito's order too).
    #[must_use]
    pub fn to_jwk(&self) -> Value {
        json!({
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": self.kid,
            "n": URL_SAFE_NO_PAD.encode(&self.n),
            "e": URL_SAFE_NO_PAD.encode(&self.e),
        })
    }

    /// RFC 7638 SHA-256 thumbprint, base64url.
    #[must_use]
    pub fn thumbprint(&self) -> String {
        jwk_thumbprint(&self.n, &self.e)
    }

    pub(crate) fn modulus_len(&self) -> usize {
        self.n.len()
    }

    pub(crate) fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        self.parsed.verify_sig(msg, sig).is_ok()
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("kid", &self.kid)
            .field("bits", &(self.n.len() * 8))
            .finish()
    }
}

/// Verifies an RS256 (RSASSA-PKCS1-v1_5, SHA-256) signature.
#[must_use]
pub fn verify_rs256(key: &PublicKey, msg: &[u8], sig: &[u8]) -> bool {
    key.verify(msg, sig)
}

/// RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace.
fn jwk_thumbprint(n: &[u8], e: &[u8]) -> String {
    let canonical = format!(
        r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
        URL_SAFE_NO_PAD.encode(e),
        URL_SAFE_NO_PAD.encode(n)
    );
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::OnceLock;

    /// Generating RSA keys is slow: unit tests share one.
    pub(crate) fn test_key() -> &'static SigningKey {
        static KEY: OnceLock<SigningKey> = OnceLock::new();
        KEY.get_or_init(|| SigningKey::generate().expect("keygen"))
    }

    #[test]
    fn sign_verify_and_reload() {
        let key = test_key();
        let sig = key.sign_rs256(b"msg").unwrap();
        assert_eq!(sig.len(), 256);
        assert!(verify_rs256(key.public_key(), b"msg", &sig));
        assert!(!verify_rs256(key.public_key(), b"msh", &sig));

        let der = key.to_pkcs8_der().unwrap();
        let again = SigningKey::from_pkcs8(&der, key.kid()).unwrap();
        assert_eq!(again.public_jwk(), key.public_jwk());
        assert!(verify_rs256(again.public_key(), b"msg", &sig));
    }

    #[test]
    fn jwk_shape_and_round_trip() {
        let key = test_key();
        let jwk = key.public_jwk();
        assert_eq!(jwk["kty"], "RSA");
        assert_eq!(jwk["alg"], "RS256");
        assert_eq!(jwk["use"], "sig");
        assert_eq!(jwk["e"], "AQAB");
        assert_eq!(jwk["kid"], key.kid());
        let n = jwk["n"].as_str().unwrap();
        assert!(!n.contains('=') && !n.contains('+') && !n.contains('/'));
        assert_eq!(URL_SAFE_NO_PAD.decode(n).unwrap().len(), 256);
        // The generated kid is the thumbprint.
        assert_eq!(key.public_key().thumbprint(), key.kid());
        let parsed = PublicKey::from_jwk(&jwk).unwrap();
        assert_eq!(parsed.to_jwk(), jwk);
    }

    #[test]
    fn thumbprint_matches_rfc7638_example() {
        // RFC 7638 section 3.1 example key and its published thumbprint.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let e = "AQAB";
        let tp = jwk_thumbprint(
            &URL_SAFE_NO_PAD.decode(n).unwrap(),
            &URL_SAFE_NO_PAD.decode(e).unwrap(),
        );
        assert_eq!(tp, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    }

    #[test]
    fn jwk_rejections() {
        let good = test_key().public_jwk();
        let with = |k: &str, v: Value| {
            let mut j = good.clone();
            j[k] = v;
            PublicKey::from_jwk(&j)
        };
        assert!(with("kty", json!("EC")).is_err());
        assert!(with("alg", json!("RS512")).is_err());
        assert!(with("use", json!("enc")).is_err());
        assert!(with("n", json!("AQAB")).is_err(), "short modulus");
        assert!(with("n", json!("not base64!")).is_err());
        assert!(with("kid", json!(7)).is_err());
        assert!(PublicKey::from_jwk(&json!([1])).is_err());
    }

    #[test]
    fn debug_shows_no_key_material() {
        let key = test_key();
        let dbg = format!("{key:?} {:?}", key.public_key());
        assert!(dbg.contains(key.kid()));
        let n = key.public_jwk()["n"].as_str().unwrap().to_owned();
        assert!(!dbg.contains(&n[..20]));
    }
}
