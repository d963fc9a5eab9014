//! The sealed part of an outbox row: subject, body and code, which carry one-time codes
//! and temporary passwords and so never reach the database in clear.

use cognate_crypto::{CryptoError, Kek};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// Format version inside the sealed JSON, for a future change of shape.
const CONTENT_VERSION: u8 = 1;

/// Associated data: the row's id, so content copied onto another row fails to open.
fn aad(message_id: &str) -> Vec<u8> {
    let mut aad = b"cognate-outbox-message:".to_vec();
    aad.extend_from_slice(message_id.as_bytes());
    aad
}

#[derive(Serialize, Deserialize)]
pub(crate) struct Content {
    v: u8,
    pub(crate) subject: Option<String>,
    pub(crate) body: String,
    pub(crate) code: Option<String>,
}

impl Content {
    pub(crate) fn new(subject: Option<String>, body: String, code: Option<String>) -> Self {
        Self {
            v: CONTENT_VERSION,
            subject,
            body,
            code,
        }
    }

    pub(crate) fn seal(&self, kek: &Kek, message_id: &str) -> Result<Vec<u8>, ContentError> {
        let plain = Zeroizing::new(serde_json::to_vec(self).map_err(|_| ContentError::Format)?);
        Ok(kek.seal(&plain, &aad(message_id))?)
    }

    pub(crate) fn open(kek: &Kek, message_id: &str, sealed: &[u8]) -> Result<Self, ContentError> {
        let plain = kek.open(sealed, &aad(message_id))?;
        let content: Self = serde_json::from_slice(&plain).map_err(|_| ContentError::Format)?;
        if content.v != CONTENT_VERSION {
            return Err(ContentError::Version(content.v));
        }
        Ok(content)
    }
}

/// Why the content of a row could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    /// Sealing or opening failed (another key, tampering, damage).
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The opened bytes are not content this build wrote.
    #[error("message content is malformed")]
    Format,
    /// Written by a newer build.
    #[error("message content has unknown version {0}")]
    Version(u8),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_bound_to_the_id() {
        let kek = Kek::generate().unwrap();
        let content = Content::new(
            Some("Subject".into()),
            "code 123456".into(),
            Some("123456".into()),
        );
        let sealed = content.seal(&kek, "id-1").unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"123456"));
        let back = Content::open(&kek, "id-1", &sealed).unwrap();
        assert_eq!(back.body, "code 123456");
        assert_eq!(back.subject.as_deref(), Some("Subject"));
        assert_eq!(back.code.as_deref(), Some("123456"));
        assert!(Content::open(&kek, "id-2", &sealed).is_err());
        let other = Kek::generate().unwrap();
        assert!(matches!(
            Content::open(&other, "id-1", &sealed),
            Err(ContentError::Crypto(CryptoError::WrongKek { .. }))
        ));
    }
}
