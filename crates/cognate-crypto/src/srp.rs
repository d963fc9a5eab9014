//! The arithmetic of Cognito's SRP-6a variant (USER_SRP_AUTH → PASSWORD_VERIFIER), server side.
//!
//! Pure functions and values only: no storage, no clock, no wire types. The auth flow in
//! `cognate-idp` stores [`PasswordVerifier`]s (sealed), keeps a [`ServerChallenge`] in the
//! sealed challenge session and calls [`ServerChallenge::verify_password_claim`].
//!
//! # The protocol, as Cognito's clients compute it
//!
//! Group: RFC 5054's 3072-bit prime `N`, generator `g = 2`, hash `H` = SHA-256.
//! - `k = H(padHex(N) ‖ padHex(g))`
//! - `x = H(padHex(salt) ‖ hex(H(poolName ‖ userIdForSrp ‖ ":" ‖ password)))`, `v = g^x mod N`
//! - server: random `b`, `B = (k·v + g^b) mod N`; client: `A = g^a mod N`
//! - `u = H(padHex(A) ‖ padHex(B))`, server `S = (A·v^u)^b mod N`
//! - `K = HKDF-SHA256(salt = padHex(u), ikm = padHex(S), info = "Caldera Derived Key")`, 16 bytes
//! - `PASSWORD_CLAIM_SIGNATURE = base64(HMAC-SHA256(K, poolName ‖ userIdForSrp ‖
//!   base64decode(SECRET_BLOCK) ‖ TIMESTAMP))`
//!
//! # Interop traps
//!
//! - **padHex.** Every integer that is hashed is first written the way Java's
//!   `BigInteger.toByteArray` writes a positive number: minimal big-endian bytes, plus a
//!   leading `0x00` when the top bit of the first byte is set (the clients do it on hex
//!   strings: even length, then `00` before a first digit `8`–`f`). Zero is one `0x00`
//!   byte. Fixed-width or minimal encodings both differ from it for about half of all
//!   values, so a wrong rule fails only some sign-ins: the tests pin values on both sides
//!   of the sign bit.
//! - **The inner hash is hex text.** `x` hashes the *bytes* of `padHex(salt)` followed by
//!   the 32 bytes of the inner SHA-256 (the clients concatenate two hex strings and decode
//!   them together).
//! - **Pool name** is the part of the pool id after the first `_`, and the user string is
//!   USER_ID_FOR_SRP exactly as the server will send it (the immutable internal username in
//!   its stored case), never an alias or what the user typed. A verifier is bound to both.
//! - **SALT on the wire** must be canonical: pycognito pads the string it receives while
//!   amazon-cognito-identity-js parses it to a number first. [`PasswordVerifier::salt_hex`]
//!   sends `padHex(salt)`, on which both agree.
//! - **SRP_A** arrives as unpadded hex (possibly of odd length). It is parsed as a number,
//!   and `u` hashes its padHex form, not the string received.
//! - **TIMESTAMP** is `EEE MMM d HH:mm:ss UTC yyyy` in English with the day *not*
//!   zero-padded (`Sat Dec 5 09:05:07 UTC 2026`). The server parses it and signs its own
//!   canonical rendering of the parsed instant, so a client that pads the day or names the
//!   wrong weekday gets a signature mismatch, as on Cognito (see [`parse_timestamp`]).
//!
//! # Security (R10)
//!
//! - `A ≡ 0 (mod N)` would make `S = 0` whatever the password: [`ClientPublic::parse`]
//!   accepts only `0 < A < N` (no honest client sends a value outside that range).
//! - `b` is 256 bits from aws-lc's CSPRNG, new for every challenge; 256 bits match the
//!   128-bit strength of the 3072-bit group.
//! - Every exponentiation goes through one constant-time routine (`crypto-bigint`'s 4-bit
//!   fixed-window `pow` in Montgomery form, which processes all 256 exponent bits and reads
//!   every table entry on each step): the secret exponents are `b` and, at password-set
//!   time, the password-derived `x` (R10c).
//! - The length of `padHex(S)` (a leading zero byte, one time in 256) is visible in HKDF's
//!   timing; the protocol fixes this encoding and every client shares the leak.

use std::fmt;

use aws_lc_rs::{digest, hmac};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use crypto_bigint::modular::ConstMontyForm;
use crypto_bigint::{U256, U3072, const_monty_params};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Month, OffsetDateTime, PrimitiveDateTime, UtcOffset};
use zeroize::{Zeroize, Zeroizing};

use crate::ct::constant_time_eq;

/// RFC 5054 appendix A, 3072-bit group.
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

const_monty_params!(
    GroupModulus,
    U3072,
    N_HEX,
    "The SRP group prime N (RFC 5054, 3072-bit)."
);

type Elem = ConstMontyForm<GroupModulus, { U3072::LIMBS }>;

const N: U3072 = U3072::from_be_hex(N_HEX);
const G: U3072 = U3072::from_u64(2);

/// Bytes of a group element in fixed-width form (how verifiers are stored).
pub const ELEMENT_LEN: usize = 384;
/// Bytes of a fresh salt (what the clients use for device salts; Cognito's user-salt size is
/// not documented).
pub const SALT_LEN: usize = 16;
/// Bytes of the server's secret exponent `b`.
const SECRET_LEN: usize = 32;
/// Longest salt accepted, in bytes: salts are ours, but stored ones come back from a database.
const MAX_SALT_LEN: usize = 64;
/// Longest SRP_A accepted, in hex digits, before any arithmetic: room for leading zeros but
/// no more, so a huge value costs nothing (an emulator measured 1.8 s CPU for 200 MB).
pub const MAX_SRP_A_HEX_LEN: usize = 1024;
/// Length of the derived key.
pub const KEY_LEN: usize = 16;

const HKDF_INFO: &[u8] = b"Caldera Derived Key";

/// Why an SRP value or claim was refused. Every variant ends a sign-in the same way on the
/// wire (Cognito's generic NotAuthorizedException), except [`SrpError::InvalidTimestamp`]
/// (InvalidParameterException) and [`SrpError::Random`] (internal error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SrpError {
    /// SRP_A is not hex, too long, zero modulo N or not below N.
    #[error("invalid SRP_A")]
    InvalidClientPublic,
    /// A stored salt or verifier, or a sealed challenge state, is malformed.
    #[error("malformed SRP state")]
    MalformedState,
    /// PASSWORD_CLAIM_SECRET_BLOCK is not standard base64.
    #[error("invalid secret block")]
    InvalidSecretBlock,
    /// TIMESTAMP does not follow `EEE MMM d HH:mm:ss z yyyy` in English.
    #[error("TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.")]
    InvalidTimestamp,
    /// The claim signature does not match: wrong password (or a tampered message).
    #[error("password claim signature mismatch")]
    SignatureMismatch,
    /// The system RNG failed.
    #[error("random number generation failed")]
    Random,
}

// ---------------------------------------------------------------------------------------
// Encodings
// ---------------------------------------------------------------------------------------

/// Java `BigInteger.toByteArray` form of the unsigned big-endian number `bytes`.
fn pad_bytes(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let digits = &bytes[start..];
    let mut out = Vec::with_capacity(digits.len() + 1);
    if digits.first().is_none_or(|&b| b >= 0x80) {
        out.push(0);
    }
    out.extend_from_slice(digits);
    out
}

fn pad_u3072(n: &U3072) -> Vec<u8> {
    pad_bytes(n.to_be_bytes().as_ref())
}

fn pad_u256(n: &U256) -> Vec<u8> {
    pad_bytes(n.to_be_bytes().as_ref())
}

/// Lowercase hex without leading zeros (how clients print integers; "0" for zero).
fn minimal_hex(n: &U3072) -> String {
    let full = hex::encode(n.to_be_bytes().as_ref());
    let trimmed = full.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Parses hex of any parity and case; `None` if it is not hex or exceeds 3072 bits.
fn parse_hex_u3072(s: &str) -> Option<U3072> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let digits = s.trim_start_matches('0');
    if digits.len() > ELEMENT_LEN * 2 {
        return None;
    }
    let padded = format!("{digits:0>width$}", width = ELEMENT_LEN * 2);
    let bytes = hex::decode(padded).ok()?;
    u3072_from_be(&bytes)
}

/// Big-endian bytes of at most 384 bytes (after leading zeros) as a number.
fn u3072_from_be(bytes: &[u8]) -> Option<U3072> {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let digits = &bytes[start..];
    if digits.len() > ELEMENT_LEN {
        return None;
    }
    let mut buf = Zeroizing::new([0u8; ELEMENT_LEN]);
    buf[ELEMENT_LEN - digits.len()..].copy_from_slice(digits);
    Some(U3072::from_be_slice(buf.as_ref()))
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut ctx = digest::Context::new(&digest::SHA256);
    for part in parts {
        ctx.update(part);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

fn hash_to_u256(parts: &[&[u8]]) -> U256 {
    U256::from_be_slice(&sha256(parts))
}

fn u256_to_u3072(n: &U256) -> U3072 {
    n.resize()
}

fn random_bytes<const LEN: usize>() -> Result<Zeroizing<[u8; LEN]>, SrpError> {
    let mut buf = Zeroizing::new([0u8; LEN]);
    aws_lc_rs::rand::fill(buf.as_mut()).map_err(|_| SrpError::Random)?;
    Ok(buf)
}

// ---------------------------------------------------------------------------------------
// Group arithmetic
// ---------------------------------------------------------------------------------------

/// `base^exp mod N`, constant-time in `exp` (all 256 bits are processed).
fn pow_mod(base: &U3072, exp: &U256) -> U3072 {
    Elem::new(base).pow(exp).retrieve()
}

/// `base^exp mod N` for a public `exp` only: its running time depends on `exp` (not on
/// `base`), which saves the constant-time table scans.
fn pow_mod_public_exponent(base: &U3072, exp: &U256) -> U3072 {
    Elem::new(base).pow_vartime(exp).retrieve()
}

fn mul_mod(a: &U3072, b: &U3072) -> U3072 {
    Elem::new(a).mul(&Elem::new(b)).retrieve()
}

fn add_mod(a: &U3072, b: &U3072) -> U3072 {
    Elem::new(a).add(&Elem::new(b)).retrieve()
}

/// Cognito's multiplier `k = H(padHex(N) ‖ padHex(g))`.
fn multiplier() -> U3072 {
    u256_to_u3072(&hash_to_u256(&[&pad_u3072(&N), &pad_u3072(&G)]))
}

/// `u = H(padHex(A) ‖ padHex(B))`.
fn scrambler(a_pub: &U3072, b_pub: &U3072) -> U256 {
    hash_to_u256(&[&pad_u3072(a_pub), &pad_u3072(b_pub)])
}

/// The private key `x` of a password. Secret: the caller must not keep it.
fn private_key(pool_name: &str, user_id: &str, password: &str, salt: &[u8]) -> U256 {
    let mut inner = sha256(&[
        pool_name.as_bytes(),
        user_id.as_bytes(),
        b":",
        password.as_bytes(),
    ]);
    let x = hash_to_u256(&[&pad_bytes(salt), &inner]);
    inner.zeroize();
    x
}

/// `K`: RFC 5869 HKDF-SHA256 with a single output block, truncated to 16 bytes.
fn derive_key(u: &U256, s: &U3072) -> Zeroizing<[u8; KEY_LEN]> {
    let s_bytes = Zeroizing::new(pad_u3072(s));
    let extract = hmac::Key::new(hmac::HMAC_SHA256, &pad_u256(u));
    let prk = hmac::sign(&extract, &s_bytes);
    let expand = hmac::Key::new(hmac::HMAC_SHA256, prk.as_ref());
    let mut ctx = hmac::Context::with_key(&expand);
    ctx.update(HKDF_INFO);
    ctx.update(&[1]);
    let okm = ctx.sign();
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    key.copy_from_slice(&okm.as_ref()[..KEY_LEN]);
    key
}

/// `base64(HMAC-SHA256(K, poolName ‖ userId ‖ secretBlock ‖ timestamp))`.
fn claim_signature(
    key: &[u8; KEY_LEN],
    pool_name: &str,
    user_id: &str,
    secret_block: &[u8],
    timestamp: &str,
) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(pool_name.as_bytes());
    ctx.update(user_id.as_bytes());
    ctx.update(secret_block);
    ctx.update(timestamp.as_bytes());
    STANDARD.encode(ctx.sign().as_ref())
}

/// The pool-name part of a pool id (`us-east-1_AbCdEfGhI` → `AbCdEfGhI`), the string SRP
/// hashes. `None` for an id without `_`.
#[must_use]
pub fn pool_name(pool_id: &str) -> Option<&str> {
    pool_id.split_once('_').map(|(_, name)| name)
}

// ---------------------------------------------------------------------------------------
// Verifier
// ---------------------------------------------------------------------------------------

/// What the server keeps for a password: a salt and `v = g^x mod N`. Not secret in the way a
/// key is, but it permits an offline guess per password at SHA-256 speed, so it is stored
/// sealed (R10d).
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordVerifier {
    salt: Vec<u8>,
    verifier: U3072,
}

impl PasswordVerifier {
    /// A verifier for `password` under a fresh random salt. `user_id` must be the
    /// USER_ID_FOR_SRP the server will send for this user, byte for byte.
    pub fn new(pool_name: &str, user_id: &str, password: &str) -> Result<Self, SrpError> {
        let salt = random_bytes::<SALT_LEN>()?;
        Self::with_salt(pool_name, user_id, password, salt.as_ref())
    }

    /// A verifier under a given salt (re-checking a password against a stored verifier, or
    /// known-answer tests).
    pub fn with_salt(
        pool_name: &str,
        user_id: &str,
        password: &str,
        salt: &[u8],
    ) -> Result<Self, SrpError> {
        if salt.len() > MAX_SALT_LEN {
            return Err(SrpError::MalformedState);
        }
        let mut x = private_key(pool_name, user_id, password, salt);
        let verifier = pow_mod(&G, &x);
        x.zeroize();
        Ok(Self {
            salt: salt.to_vec(),
            verifier,
        })
    }

    /// Rebuilds a stored verifier; refuses values that no password could have produced.
    pub fn from_parts(salt: &[u8], verifier: &[u8]) -> Result<Self, SrpError> {
        if salt.len() > MAX_SALT_LEN {
            return Err(SrpError::MalformedState);
        }
        let verifier = u3072_from_be(verifier).ok_or(SrpError::MalformedState)?;
        if verifier == U3072::ZERO || verifier >= N {
            return Err(SrpError::MalformedState);
        }
        Ok(Self {
            salt: salt.to_vec(),
            verifier,
        })
    }

    /// The salt as stored.
    #[must_use]
    pub fn salt(&self) -> &[u8] {
        &self.salt
    }

    /// `v` as 384 big-endian bytes.
    #[must_use]
    pub fn verifier_bytes(&self) -> [u8; ELEMENT_LEN] {
        let mut out = [0u8; ELEMENT_LEN];
        out.copy_from_slice(self.verifier.to_be_bytes().as_ref());
        out
    }

    /// The SALT challenge parameter: hex of `padHex(salt)`, the one spelling on which all
    /// client libraries compute the same `x`.
    #[must_use]
    pub fn salt_hex(&self) -> String {
        hex::encode(pad_bytes(&self.salt))
    }

    /// Whether `password` is the one this verifier was made from. Constant-time in the
    /// comparison; costs one exponentiation (used by plain-password flows and history checks).
    #[must_use]
    pub fn matches_password(&self, pool_name: &str, user_id: &str, password: &str) -> bool {
        Self::with_salt(pool_name, user_id, password, &self.salt)
            .is_ok_and(|other| constant_time_eq(&other.verifier_bytes(), &self.verifier_bytes()))
    }
}

impl fmt::Debug for PasswordVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordVerifier(..)")
    }
}

// ---------------------------------------------------------------------------------------
// Client public value
// ---------------------------------------------------------------------------------------

/// A client's `A`, checked: `0 < A < N`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ClientPublic(U3072);

impl ClientPublic {
    /// Parses SRP_A as sent (unpadded hex, either case). Refuses anything that is not a
    /// residue in `1..N`, which covers every `A ≡ 0 (mod N)` (R10a).
    pub fn parse(srp_a: &str) -> Result<Self, SrpError> {
        if srp_a.len() > MAX_SRP_A_HEX_LEN {
            return Err(SrpError::InvalidClientPublic);
        }
        let a = parse_hex_u3072(srp_a).ok_or(SrpError::InvalidClientPublic)?;
        if a == U3072::ZERO || a >= N {
            return Err(SrpError::InvalidClientPublic);
        }
        Ok(Self(a))
    }

    /// Lowercase unpadded hex, as clients send it.
    #[must_use]
    pub fn to_hex(&self) -> String {
        minimal_hex(&self.0)
    }
}

impl fmt::Debug for ClientPublic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientPublic({})", self.to_hex())
    }
}

// ---------------------------------------------------------------------------------------
// Server challenge
// ---------------------------------------------------------------------------------------

/// The server's half of one SRP exchange: secret `b`, public `B` and the client's `A`.
/// Carry it in the sealed challenge session (it serialises as one base64 string; `b` is a
/// secret, so never anywhere unsealed) and use it at most once.
#[derive(Clone)]
pub struct ServerChallenge {
    secret: U256,
    server_public: U3072,
    client_public: ClientPublic,
}

impl ServerChallenge {
    const ENCODED_LEN: usize = SECRET_LEN + 2 * ELEMENT_LEN;
    /// A few draws at most: each retry needs a 1-in-2^256 event.
    const MAX_DRAWS: usize = 4;

    /// A fresh challenge for `verifier` answering the client's `A` (R10b: new 256-bit `b`
    /// from the CSPRNG each time).
    pub fn new(verifier: &PasswordVerifier, client: &ClientPublic) -> Result<Self, SrpError> {
        for _ in 0..Self::MAX_DRAWS {
            let secret = random_bytes::<SECRET_LEN>()?;
            if let Some(challenge) = Self::with_secret(verifier, client, &secret) {
                return Ok(challenge);
            }
        }
        Err(SrpError::Random)
    }

    /// `None` when this `b` gives `B ≡ 0` or `u = 0` (a client would abort), so `new` draws
    /// again.
    fn with_secret(
        verifier: &PasswordVerifier,
        client: &ClientPublic,
        secret: &[u8; SECRET_LEN],
    ) -> Option<Self> {
        let secret = U256::from_be_slice(secret);
        let server_public = add_mod(
            &mul_mod(&multiplier(), &verifier.verifier),
            &pow_mod(&G, &secret),
        );
        if server_public == U3072::ZERO || scrambler(&client.0, &server_public) == U256::ZERO {
            return None;
        }
        Some(Self {
            secret,
            server_public,
            client_public: *client,
        })
    }

    /// The SRP_B challenge parameter (lowercase unpadded hex).
    #[must_use]
    pub fn srp_b_hex(&self) -> String {
        minimal_hex(&self.server_public)
    }

    /// The client's `A` this challenge answers.
    #[must_use]
    pub fn client_public(&self) -> &ClientPublic {
        &self.client_public
    }

    /// Checks PASSWORD_CLAIM_SIGNATURE. `secret_block` is PASSWORD_CLAIM_SECRET_BLOCK as
    /// received (standard base64); `timestamp` is the parsed TIMESTAMP, signed in its
    /// canonical form (see [`parse_timestamp`]); the caller checks its freshness.
    /// `Ok(())` only when the client knew the password behind `verifier`.
    pub fn verify_password_claim(
        &self,
        verifier: &PasswordVerifier,
        pool_name: &str,
        user_id: &str,
        secret_block: &str,
        timestamp: OffsetDateTime,
        signature: &str,
    ) -> Result<(), SrpError> {
        let block = STANDARD
            .decode(secret_block)
            .map_err(|_| SrpError::InvalidSecretBlock)?;
        let u = scrambler(&self.client_public.0, &self.server_public);
        if u == U256::ZERO {
            return Err(SrpError::MalformedState);
        }
        // `u` is public (a hash of A and B, both sent in the clear), so `v^u` may take time
        // that depends on it; the work per step never depends on the secret base `v`.
        let mut base = mul_mod(
            &self.client_public.0,
            &pow_mod_public_exponent(&verifier.verifier, &u),
        );
        let mut shared = pow_mod(&base, &self.secret);
        base.zeroize();
        let key = derive_key(&u, &shared);
        shared.zeroize();
        let expected = claim_signature(
            &key,
            pool_name,
            user_id,
            &block,
            &format_timestamp(timestamp),
        );
        if constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
            Ok(())
        } else {
            Err(SrpError::SignatureMismatch)
        }
    }

    /// `b ‖ B ‖ A`, fixed width.
    fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(Self::ENCODED_LEN));
        out.extend_from_slice(self.secret.to_be_bytes().as_ref());
        out.extend_from_slice(self.server_public.to_be_bytes().as_ref());
        out.extend_from_slice(self.client_public.0.to_be_bytes().as_ref());
        out
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, SrpError> {
        if bytes.len() != Self::ENCODED_LEN {
            return Err(SrpError::MalformedState);
        }
        let (secret, rest) = bytes.split_at(SECRET_LEN);
        let (server, client) = rest.split_at(ELEMENT_LEN);
        let secret = U256::from_be_slice(secret);
        let server_public = U3072::from_be_slice(server);
        let client = U3072::from_be_slice(client);
        if secret == U256::ZERO
            || server_public == U3072::ZERO
            || server_public >= N
            || client == U3072::ZERO
            || client >= N
        {
            return Err(SrpError::MalformedState);
        }
        Ok(Self {
            secret,
            server_public,
            client_public: ClientPublic(client),
        })
    }
}

impl Drop for ServerChallenge {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

impl fmt::Debug for ServerChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ServerChallenge(..)")
    }
}

impl Serialize for ServerChallenge {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let encoded = Zeroizing::new(STANDARD.encode(self.to_bytes().as_slice()));
        serializer.serialize_str(&encoded)
    }
}

impl<'de> Deserialize<'de> for ServerChallenge {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let encoded = Zeroizing::new(String::deserialize(deserializer)?);
        let bytes = Zeroizing::new(
            STANDARD
                .decode(encoded.as_bytes())
                .map_err(serde::de::Error::custom)?,
        );
        Self::from_bytes(&bytes).map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------
// TIMESTAMP
// ---------------------------------------------------------------------------------------

/// In `time`'s Monday-first order.
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Cognito's TIMESTAMP rendering of an instant, in UTC: `Sat Dec 5 09:05:07 UTC 2026`.
#[must_use]
pub fn format_timestamp(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    let weekday = WEEKDAYS[usize::from(at.weekday().number_days_from_monday())];
    let month = MONTHS[usize::from(u8::from(at.month()) - 1)];
    format!(
        "{weekday} {month} {} {:02}:{:02}:{:02} UTC {}",
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.year()
    )
}

/// Parses a client's TIMESTAMP as Java's `EEE MMM d HH:mm:ss z yyyy` reads it (the pattern
/// Cognito names in its error), limited to the zones clients send (`UTC`, `GMT`).
///
/// Deliberately tolerant where Java is: a zero-padded day or a weekday that does not match
/// the date still parses. The signature is computed over [`format_timestamp`] of the result,
/// so such input then fails as a wrong signature (NotAuthorizedException), which is how
/// Cognito answers it; what does not parse at all is [`SrpError::InvalidTimestamp`]
/// (InvalidParameterException there).
pub fn parse_timestamp(s: &str) -> Result<OffsetDateTime, SrpError> {
    parse_timestamp_fields(s).ok_or(SrpError::InvalidTimestamp)
}

fn parse_timestamp_fields(s: &str) -> Option<OffsetDateTime> {
    let mut fields = s.split(' ');
    let weekday = fields.next()?;
    let month = fields.next()?;
    let day = fields.next()?;
    let clock = fields.next()?;
    let zone = fields.next()?;
    let year = fields.next()?;
    if fields.next().is_some() {
        return None;
    }
    if !WEEKDAYS.contains(&weekday) || !matches!(zone, "UTC" | "GMT") {
        return None;
    }
    let month_index = MONTHS.iter().position(|m| *m == month)?;
    let month = Month::try_from(u8::try_from(month_index + 1).ok()?).ok()?;
    let day = small_number(day)?;
    let mut hms = clock.split(':');
    let hour = small_number(hms.next()?)?;
    let minute = small_number(hms.next()?)?;
    let second = small_number(hms.next()?)?;
    if hms.next().is_some() || year.len() != 4 || !year.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let year: i32 = year.parse().ok()?;
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    let time = time::Time::from_hms(hour, minute, second).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

/// One or two decimal digits.
fn small_number(s: &str) -> Option<u8> {
    if s.is_empty() || s.len() > 2 || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

// ---------------------------------------------------------------------------------------
// Client half (tests only)
// ---------------------------------------------------------------------------------------

/// The client's computations, as Cognito's client libraries do them, so tests can run a
/// whole exchange in Rust. Not constant-time and not for production use.
#[cfg(any(test, feature = "test-client"))]
pub mod test_client {
    use super::*;

    /// A client's secret `a` and public `A`.
    pub struct Client {
        secret: U3072,
        public: U3072,
    }

    /// What the client sends back and what it derived on the way.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ClaimOutput {
        /// `u`, lowercase unpadded hex.
        pub u_hex: String,
        /// `K`.
        pub key: [u8; KEY_LEN],
        /// PASSWORD_CLAIM_SIGNATURE.
        pub signature: String,
    }

    impl Client {
        /// A client with a fresh 128-byte `a`, as amazon-cognito-identity-js draws it.
        pub fn random() -> Result<Self, SrpError> {
            let secret = random_bytes::<128>()?;
            Self::with_secret(secret.as_ref())
        }

        /// A client with the given `a` (big-endian, at most 384 bytes).
        pub fn with_secret(secret: &[u8]) -> Result<Self, SrpError> {
            let secret = u3072_from_be(secret).ok_or(SrpError::MalformedState)?;
            let public = Elem::new(&G).pow(&secret).retrieve();
            Ok(Self { secret, public })
        }

        /// SRP_A as sent: lowercase unpadded hex.
        #[must_use]
        pub fn srp_a(&self) -> String {
            minimal_hex(&self.public)
        }

        /// Answers a PASSWORD_VERIFIER challenge as the reference clients do: SALT is parsed
        /// as a number, `S = (B − k·g^x)^(a + u·x) mod N`.
        #[allow(clippy::too_many_arguments)]
        pub fn password_claim(
            &self,
            pool_name: &str,
            user_id: &str,
            password: &str,
            salt_hex: &str,
            srp_b_hex: &str,
            secret_block: &str,
            timestamp: &str,
        ) -> Result<ClaimOutput, SrpError> {
            let salt = parse_hex_u3072(salt_hex).ok_or(SrpError::MalformedState)?;
            let b_pub = parse_hex_u3072(srp_b_hex).ok_or(SrpError::MalformedState)?;
            let block = STANDARD
                .decode(secret_block)
                .map_err(|_| SrpError::InvalidSecretBlock)?;
            let u = scrambler(&self.public, &b_pub);
            let x = private_key(pool_name, user_id, password, salt.to_be_bytes().as_ref());
            let x_wide = u256_to_u3072(&x);
            let k_gx = mul_mod(&multiplier(), &pow_mod(&G, &x));
            let base = Elem::new(&b_pub).sub(&Elem::new(&k_gx));
            let exponent = self
                .secret
                .wrapping_add(&u256_to_u3072(&u).wrapping_mul(&x_wide));
            let shared = base.pow(&exponent).retrieve();
            let key = derive_key(&u, &shared);
            Ok(ClaimOutput {
                u_hex: minimal_hex(&u256_to_u3072(&u)),
                key: *key,
                signature: claim_signature(&key, pool_name, user_id, &block, timestamp),
            })
        }
    }
}

#[cfg(test)]
mod tests;
