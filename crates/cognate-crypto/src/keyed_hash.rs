//! Keyed hashes (HMAC-SHA256) under keys derived from the key-encryption key.
//!
//! Some secrets are stored only as a keyed hash: one-time codes (so a database copy does
//! not reveal a pending sign-up or reset code) and refresh tokens (looked up by hash).
//! A plain SHA-256 of a six-digit code could be reversed by trying all 10^6 codes; an HMAC
//! under a key that lives outside the database cannot.
//!
//! Keys are derived per purpose with HKDF-SHA256 (RFC 5869): `PRK = HMAC(salt, KEK)` once
//! when the KEK is loaded, then `key = HMAC(PRK, purpose ‖ 0x01)` (one output block). Each
//! purpose gets an independent key, so a hash made for one use is worthless for another.
//! Derived keys change with the KEK: after a KEK rotation, stored code hashes (short-lived)
//! and refresh-token lookup hashes stop matching, which signs everybody out.

use std::fmt;

use aws_lc_rs::hmac;
use zeroize::{Zeroize, Zeroizing};

use crate::Kek;

/// Length of derived keys and of keyed hashes.
pub const KEY_LEN: usize = 32;

/// Fixed HKDF salt: separates Cognate's derivations from any other use of the same bytes.
const HKDF_SALT: &[u8] = b"cognate/kek-derivation/v1";

/// Purpose names used by Cognate. Keeping them here avoids two callers picking the same
/// name for different things.
pub mod purpose {
    /// Hashes of one-time codes (sign-up confirmation, attribute verification, reset).
    pub const CODES: &str = "one-time-codes";
    /// Lookup hashes of refresh tokens.
    pub const REFRESH_TOKENS: &str = "refresh-token-lookup";
    /// Simulated SRP salts and verifiers for usernames that match no user, stable per
    /// (pool, username) so a PASSWORD_VERIFIER challenge does not tell them apart (R5).
    pub const SRP_SIMULATION: &str = "srp-simulated-user";
    /// Single-use markers of accepted TOTP codes (pool, user, step) and MFA attempt slots.
    pub const MFA_MARKERS: &str = "mfa-single-use";
}

/// A 32-byte key for [`keyed_hash`]. Zeroised when dropped; `Debug` never shows it.
#[derive(Clone)]
pub struct DerivedKey([u8; KEY_LEN]);

impl DerivedKey {
    /// A key from raw bytes (tests, or keys kept elsewhere).
    #[must_use]
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(bytes)
    }

    #[must_use]
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl Drop for DerivedKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for DerivedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DerivedKey(..)")
    }
}

impl Kek {
    /// The key for `purpose` (see [`purpose`]); the same KEK and purpose always give the
    /// same key, on every node.
    #[must_use]
    pub fn derive_key(&self, purpose: &str) -> DerivedKey {
        DerivedKey(expand(self.derivation_prk(), purpose.as_bytes()))
    }
}

/// HKDF-Extract with Cognate's fixed salt (called once per KEK by `Kek::from_bytes`).
pub(crate) fn extract_prk(ikm: &[u8]) -> Zeroizing<[u8; KEY_LEN]> {
    Zeroizing::new(hmac_sha256(HKDF_SALT, ikm))
}

/// HKDF-Expand for a single 32-byte block: `HMAC(PRK, info ‖ 0x01)`.
fn expand(prk: &[u8; KEY_LEN], info: &[u8]) -> [u8; KEY_LEN] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, prk);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(info);
    ctx.update(&[1]);
    to_array(ctx.sign().as_ref())
}

/// HMAC-SHA256 of `data` under a derived key.
#[must_use]
pub fn keyed_hash(key: &DerivedKey, data: &[u8]) -> [u8; KEY_LEN] {
    hmac_sha256(&key.0, data)
}

/// HMAC-SHA256 over several fields, each preceded by its length (8 bytes, big-endian), so
/// that `("ab", "c")` and `("a", "bc")` hash differently. Use it to bind a secret to its
/// context, e.g. `[pool, sub, purpose, code]`, so a stored hash cannot be replayed for
/// another user or purpose.
#[must_use]
pub fn keyed_hash_fields(key: &DerivedKey, fields: &[&[u8]]) -> [u8; KEY_LEN] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, &key.0);
    let mut ctx = hmac::Context::with_key(&key);
    for field in fields {
        ctx.update(&(field.len() as u64).to_be_bytes());
        ctx.update(field);
    }
    to_array(ctx.sign().as_ref())
}

/// Plain HMAC-SHA256 with a caller-supplied key of any length (SECRET_HASH uses the client
/// secret as the key).
#[must_use]
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; KEY_LEN] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    to_array(hmac::sign(&key, data).as_ref())
}

fn to_array(tag: &[u8]) -> [u8; KEY_LEN] {
    let mut out = [0u8; KEY_LEN];
    // HMAC-SHA256 tags are always 32 bytes; `zip` keeps this panic-free regardless.
    for (o, t) in out.iter_mut().zip(tag) {
        *o = *t;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kek(byte: u8) -> Kek {
        Kek::from_bytes(&[byte; 32]).unwrap()
    }

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let tag = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(tag),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn hkdf_matches_rfc5869_case_1_first_block() {
        // RFC 5869 test case 1 (IKM 22×0x0b, salt 00..0c, info f0..f9): the first 32 bytes
        // of OKM. Checks that extract/expand are HKDF, not an ad-hoc construction.
        let ikm = [0x0b_u8; 22];
        let salt: Vec<u8> = (0x00..=0x0c).collect();
        let info: Vec<u8> = (0xf0..=0xf9).collect();
        let prk = hmac_sha256(&salt, &ikm);
        assert_eq!(
            hex::encode(prk),
            "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"
        );
        assert_eq!(
            hex::encode(expand(&prk, &info)),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
        );
    }

    #[test]
    fn derivation_is_deterministic_and_separated() {
        let a = kek(1);
        let b = kek(1);
        let other = kek(2);
        assert_eq!(
            a.derive_key(purpose::CODES).as_bytes(),
            b.derive_key(purpose::CODES).as_bytes()
        );
        assert_ne!(
            a.derive_key(purpose::CODES).as_bytes(),
            a.derive_key(purpose::REFRESH_TOKENS).as_bytes()
        );
        assert_ne!(
            a.derive_key(purpose::CODES).as_bytes(),
            other.derive_key(purpose::CODES).as_bytes()
        );
        // The derived key is not the KEK itself.
        assert_ne!(a.derive_key(purpose::CODES).as_bytes(), &[1u8; 32]);
    }

    #[test]
    fn keyed_hash_depends_on_key_and_data() {
        let k1 = kek(1).derive_key(purpose::CODES);
        let k2 = kek(2).derive_key(purpose::CODES);
        assert_eq!(keyed_hash(&k1, b"123456"), keyed_hash(&k1, b"123456"));
        assert_ne!(keyed_hash(&k1, b"123456"), keyed_hash(&k1, b"123457"));
        assert_ne!(keyed_hash(&k1, b"123456"), keyed_hash(&k2, b"123456"));
    }

    #[test]
    fn fields_are_length_prefixed() {
        let k = DerivedKey::from_bytes([9; 32]);
        assert_ne!(
            keyed_hash_fields(&k, &[b"ab", b"c"]),
            keyed_hash_fields(&k, &[b"a", b"bc"])
        );
        assert_ne!(keyed_hash_fields(&k, &[b"abc"]), keyed_hash(&k, b"abc"));
    }

    #[test]
    fn debug_hides_key() {
        let k = DerivedKey::from_bytes([0xab; 32]);
        assert_eq!(format!("{k:?}"), "DerivedKey(..)");
    }
}
