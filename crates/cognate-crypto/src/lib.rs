//! Cryptography for Cognate, with no I/O except the key-encryption-key file and no domain
//! types: AWS-format identifiers, constant-time comparison, per-pool RS256 signing keys and
//! JWKs, a strict JWS (RS256-only) encoder and verifier, self-signed certificates, and
//! envelope encryption of secrets at rest, and the server side of Cognito's SRP.
//!
//! Costs measured on the 2-core development machine (release and test builds alike; the
//! work is in aws-lc's assembly): RSA-2048 key generation 20–150 ms, median ~60 ms
//! (DESIGN.md's earlier estimate was ~0.25 s), and unpredictable because it searches for
//! primes, so callers on an async runtime must run [`SigningKey::generate`] in
//! `spawn_blocking`. One RS256 signature ~0.25 ms, one verification with a parsed
//! [`PublicKey`] ~0.015 ms, loading a PKCS#8 key ~0.11 ms, sealing or opening a secret
//! ~1 µs. Keep parsed `SigningKey`/`PublicKey` values cached per pool rather than loading
//! them per request.

pub mod certificate;
pub mod ct;
pub mod envelope;
mod error;
pub mod ids;
pub mod jwt;
pub mod keyed_hash;
pub mod password;
pub mod signing;
pub mod srp;
pub mod totp;

pub use certificate::self_signed_certificate;
pub use ct::constant_time_eq;
pub use envelope::Kek;
pub use error::CryptoError;
pub use jwt::{DecodedJwt, JwtError, decode_and_verify_jwt, encode_jwt};
pub use keyed_hash::{DerivedKey, keyed_hash, keyed_hash_fields};
pub use password::{Admission, HashGate, HashParams, Hasher, PasswordError};
pub use signing::{PublicKey, SigningKey, verify_rs256};
