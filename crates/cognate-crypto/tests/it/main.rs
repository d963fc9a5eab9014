//! Integration tests of cognate-crypto's public API (one binary, several modules).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod certificate;
mod envelope;
mod ids;
mod jwt;

use std::sync::OnceLock;

use cognate_crypto::SigningKey;

/// RSA key generation is slow (~0.25 s): tests share two keys.
pub fn key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate().expect("keygen"))
}

pub fn other_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate().expect("keygen"))
}
