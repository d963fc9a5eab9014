//! The `Session` string that carries a sign-in from one challenge to the next.
//!
//! It is the auth state machine's state, sealed with AES-GCM under the key-encryption key:
//! clients cannot read or alter it, any node can open it, and it names the pool, client and
//! user it was issued for and when it expires. Single use is enforced separately, through the
//! store, by the id inside.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use cognate_crypto::envelope::Kek;
use cognate_wire::{ApiError, ErrorCode};

use crate::errors::internal;

/// Binds sealed sessions to their purpose, so no other sealed blob opens as one.
const SEALING_CONTEXT: &[u8] = b"cognate/auth-session/v1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChallengeState {
    /// Random; the key under which the store records that the session was used.
    pub id: String,
    pub pool_id: String,
    pub client_id: String,
    pub sub: String,
    pub username: String,
    /// The challenge this session answers, by its wire name.
    pub challenge: String,
    pub expires_ms: i64,
    /// Facts a later step needs (original auth time, flow details).
    #[serde(default)]
    pub data: Value,
}

pub fn seal(kek: &Kek, state: &ChallengeState) -> Result<String, ApiError> {
    let plaintext = serde_json::to_vec(state).map_err(|e| internal("encoding a session", e))?;
    let sealed = kek
        .seal(&plaintext, SEALING_CONTEXT)
        .map_err(|e| internal("sealing a session", e))?;
    Ok(STANDARD.encode(sealed))
}

/// Opens a session for `client_id` at `now_ms`. Whatever is wrong with it, the caller learns
/// only "invalid" or "expired", as Cognito words them.
pub fn open(
    kek: &Kek,
    session: &str,
    client_id: &str,
    now_ms: i64,
) -> Result<ChallengeState, ApiError> {
    let state = open_for_any_client(kek, session, now_ms)?;
    if state.client_id != client_id {
        return Err(invalid_session());
    }
    Ok(state)
}

/// Opens a session presented without a client id (AssociateSoftwareToken and
/// VerifySoftwareToken in the MFA_SETUP path); the state still names its client.
pub fn open_for_any_client(
    kek: &Kek,
    session: &str,
    now_ms: i64,
) -> Result<ChallengeState, ApiError> {
    let state: ChallengeState = STANDARD
        .decode(session.as_bytes())
        .ok()
        .and_then(|sealed| kek.open(&sealed, SEALING_CONTEXT).ok())
        .and_then(|plaintext| serde_json::from_slice(&plaintext).ok())
        .ok_or_else(invalid_session)?;
    if now_ms >= state.expires_ms {
        return Err(ApiError::new(
            ErrorCode::NotAuthorizedException,
            "Invalid session for the user, session is expired.",
        ));
    }
    Ok(state)
}

pub fn invalid_session() -> ApiError {
    ApiError::new(
        ErrorCode::NotAuthorizedException,
        "Invalid session for the user.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> ChallengeState {
        ChallengeState {
            id: "sid".into(),
            pool_id: "us-east-1_abc".into(),
            client_id: "client".into(),
            sub: "sub".into(),
            username: "alice".into(),
            challenge: "NEW_PASSWORD_REQUIRED".into(),
            expires_ms: 1_000,
            data: Value::Null,
        }
    }

    #[test]
    fn round_trips_for_its_client_until_it_expires() {
        let kek = Kek::generate().unwrap();
        let sealed = seal(&kek, &state()).unwrap();
        assert!((20..=2048).contains(&sealed.len()), "SessionType bounds");
        assert_eq!(open(&kek, &sealed, "client", 999).unwrap(), state());
        let expired = open(&kek, &sealed, "client", 1_000).unwrap_err();
        assert_eq!(
            expired.message,
            "Invalid session for the user, session is expired."
        );
        let other_client = open(&kek, &sealed, "other", 0).unwrap_err();
        assert_eq!(other_client.message, "Invalid session for the user.");
    }

    #[test]
    fn tampering_and_foreign_keys_are_invalid() {
        let kek = Kek::generate().unwrap();
        let sealed = seal(&kek, &state()).unwrap();
        let mut bytes = STANDARD.decode(&sealed).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let tampered = STANDARD.encode(bytes);
        for bad in [tampered.as_str(), "not base64!", "", "AAAA"] {
            let error = open(&kek, bad, "client", 0).unwrap_err();
            assert_eq!(error.code, ErrorCode::NotAuthorizedException);
        }
        let other = Kek::generate().unwrap();
        assert!(open(&other, &sealed, "client", 0).is_err());
    }
}
