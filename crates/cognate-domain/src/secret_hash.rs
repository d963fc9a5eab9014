//! SECRET_HASH: how an app client with a secret proves it knows the secret.
//!
//! `SECRET_HASH = Base64(HMAC-SHA256(key = client secret, message = username ‖ client id))`
//! with standard, padded base64 (44 characters). "username" is whatever the caller put in
//! the same request's USERNAME (an alias works too); for REFRESH_TOKEN_AUTH it is the
//! user's internal username (which is the `sub` in pools with UsernameAttributes).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cognate_crypto::constant_time_eq;
use cognate_crypto::keyed_hash::hmac_sha256;

/// The SECRET_HASH a client with `client_secret` computes for `username`.
#[must_use]
pub fn compute(client_secret: &str, username: &str, client_id: &str) -> String {
    let mut message = Vec::with_capacity(username.len() + client_id.len());
    message.extend_from_slice(username.as_bytes());
    message.extend_from_slice(client_id.as_bytes());
    STANDARD.encode(hmac_sha256(client_secret.as_bytes(), &message))
}

/// Whether `provided` is the SECRET_HASH for `username`, compared in constant time so the
/// time taken does not reveal how many leading characters of a guess were right.
#[must_use]
pub fn verify(client_secret: &str, username: &str, client_id: &str, provided: &str) -> bool {
    let expected = compute(client_secret, username, client_id);
    constant_time_eq(expected.as_bytes(), provided.as_bytes())
}

/// Why a request's SECRET_HASH was refused; both are `NotAuthorizedException`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretHashError {
    /// The client has a secret and the request carried no hash.
    Missing { client_id: String },
    /// The hash does not match.
    Mismatch { client_id: String },
}

impl fmt::Display for SecretHashError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing { client_id } => write!(
                f,
                "Client {client_id} is configured for secret but secret was not received"
            ),
            Self::Mismatch { client_id } => {
                write!(f, "Unable to verify secret hash for client {client_id}")
            }
        }
    }
}

impl std::error::Error for SecretHashError {}

/// The whole check for one request. A client without a secret ignores any hash sent (what
/// the service does then is not confirmed; ignoring it keeps clients that always send one
/// working).
pub fn check(
    client_secret: Option<&str>,
    provided: Option<&str>,
    username: &str,
    client_id: &str,
) -> Result<(), SecretHashError> {
    let Some(secret) = client_secret else {
        return Ok(());
    };
    let Some(provided) = provided else {
        return Err(SecretHashError::Missing {
            client_id: client_id.to_owned(),
        });
    };
    if verify(secret, username, client_id, provided) {
        Ok(())
    } else {
        Err(SecretHashError::Mismatch {
            client_id: client_id.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "examplesecret";
    const CLIENT: &str = "1example23456789abcdefghij";

    #[test]
    fn known_answer() {
        // Cross-checked against pycognito's get_secret_hash (reference §2).
        assert_eq!(
            compute(SECRET, "alice", CLIENT),
            "hWQAbTy5nVYu9mD5vE+o4g+RByNGRnKouzWTRk03fiU="
        );
    }

    #[test]
    fn verify_is_exact() {
        let good = compute(SECRET, "alice", CLIENT);
        assert!(verify(SECRET, "alice", CLIENT, &good));
        assert!(!verify(SECRET, "Alice", CLIENT, &good));
        assert!(!verify("other", "alice", CLIENT, &good));
        assert!(!verify(SECRET, "alice", CLIENT, &good[..43]));
        assert!(!verify(SECRET, "alice", CLIENT, ""));
        // Username then client id, not the other way round.
        let mut swapped = Vec::new();
        swapped.extend_from_slice(CLIENT.as_bytes());
        swapped.extend_from_slice(b"alice");
        let wrong_order = STANDARD.encode(hmac_sha256(SECRET.as_bytes(), &swapped));
        assert!(!verify(SECRET, "alice", CLIENT, &wrong_order));
    }

    #[test]
    fn check_messages() {
        assert_eq!(check(None, None, "alice", CLIENT), Ok(()));
        assert_eq!(check(None, Some("junk"), "alice", CLIENT), Ok(()));
        assert_eq!(
            check(Some(SECRET), None, "alice", CLIENT)
                .unwrap_err()
                .to_string(),
            format!("Client {CLIENT} is configured for secret but secret was not received")
        );
        assert_eq!(
            check(Some(SECRET), Some("bad"), "alice", CLIENT)
                .unwrap_err()
                .to_string(),
            format!("Unable to verify secret hash for client {CLIENT}")
        );
        let good = compute(SECRET, "alice", CLIENT);
        assert_eq!(check(Some(SECRET), Some(&good), "alice", CLIENT), Ok(()));
    }
}
