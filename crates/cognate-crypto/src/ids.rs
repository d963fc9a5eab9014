//! Identifiers in the formats AWS uses, drawn from a CSPRNG.
//!
//! `rand::rng()` is a ChaCha12 generator seeded and periodically reseeded from the operating
//! system, so these ids are unguessable; that matters because some (client ids with
//! secrets, identity ids) act as half of a credential.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::{Rng, RngCore};

const ALNUM: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER_ALNUM: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

fn random_string(alphabet: &[u8], len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| {
            // `random_range` is unbiased, unlike `byte % len`.
            let i = rng.random_range(0..alphabet.len());
            char::from(alphabet.get(i).copied().unwrap_or(b'0'))
        })
        .collect()
}

/// `<region>_<9 chars of [0-9a-zA-Z]>`, matching `UserPoolIdType` (`[\w-]+_[0-9a-zA-Z]+`,
/// at most 55 chars for regions up to 45 chars).
#[must_use]
pub fn user_pool_id(region: &str) -> String {
    format!("{region}_{}", random_string(ALNUM, 9))
}

/// 26 chars of `[a-z0-9]`, as Cognito's app client ids (`ClientIdType`: `[\w+]+`, 1–128).
#[must_use]
pub fn client_id() -> String {
    random_string(LOWER_ALNUM, 26)
}

/// 52 chars of `[a-z0-9]` (~268 bits), within `ClientSecretType` (`[\w+]+`, 24–64).
#[must_use]
pub fn client_secret() -> String {
    random_string(LOWER_ALNUM, 52)
}

/// `<client-id>--<epoch-create-time>`, the format the model documents for
/// `ClientSecretDescriptorType.ClientSecretId` (`ClientSecretIdType`: 1–128 chars, no
/// pattern). Milliseconds rather than seconds, so that two secrets added to one client
/// within the same second (a rotation script) still get distinct ids; the store must still
/// enforce uniqueness.
#[must_use]
pub fn client_secret_id(client_id: &str, created_unix_millis: i64) -> String {
    format!("{client_id}--{created_unix_millis}")
}

const UPPER_ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const SECRET_KEY_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A temporary access key id: `ASIA` and 16 chars of `[0-9A-Z]`, as STS issues them.
#[must_use]
pub fn temporary_access_key_id() -> String {
    format!("ASIA{}", random_string(UPPER_ALNUM, 16))
}

/// A secret access key: 40 chars of `[A-Za-z0-9+/]` (240 bits), the format AWS uses.
#[must_use]
pub fn secret_access_key() -> String {
    random_string(SECRET_KEY_CHARS, 40)
}

/// `<region>:<uuid v4>`, matching `IdentityPoolId` (`[\w-]+:[0-9a-f-]+`, at most 55).
#[must_use]
pub fn identity_pool_id(region: &str) -> String {
    format!("{region}:{}", uuid())
}

/// `<region>:<uuid v4>`, matching `IdentityId` (same pattern as identity pool ids).
#[must_use]
pub fn identity_id(region: &str) -> String {
    format!("{region}:{}", uuid())
}

/// A random (v4) UUID, lower-case and hyphenated.
#[must_use]
pub fn uuid() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
}

/// `n_bytes` random bytes as unpadded base64url: for opaque tokens (sessions, codes sent in
/// links, pagination secrets). Use at least 16 bytes for anything that must be unguessable.
#[must_use]
pub fn random_token(n_bytes: usize) -> String {
    let mut bytes = vec![0u8; n_bytes];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn alphabets_are_used_evenly_enough() {
        // 36 symbols x 26 chars x 200 ids: every symbol should appear.
        let seen: HashSet<char> = (0..200)
            .flat_map(|_| client_id().chars().collect::<Vec<_>>())
            .collect();
        assert_eq!(seen.len(), 36);
        let seen: HashSet<char> = (0..200)
            .flat_map(|_| user_pool_id("r").chars().skip(2).collect::<Vec<_>>())
            .collect();
        assert_eq!(seen.len(), 62);
    }

    #[test]
    fn temporary_credentials_have_aws_formats() {
        let id = temporary_access_key_id();
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("ASIA"));
        assert!(id.bytes().all(|b| UPPER_ALNUM.contains(&b)));
        let secret = secret_access_key();
        assert_eq!(secret.len(), 40);
        assert!(secret.bytes().all(|b| SECRET_KEY_CHARS.contains(&b)));
        assert_ne!(secret, secret_access_key());
    }

    #[test]
    fn random_token_length() {
        assert_eq!(random_token(0), "");
        assert_eq!(random_token(32).len(), 43);
        assert_ne!(random_token(32), random_token(32));
    }
}
