//! Passkeys (WebAuthn credentials) and started passkey registrations.

use async_trait::async_trait;
use serde_json::Value;

use crate::{Page, PageRequest, StoreError};

/// A user's registered passkey.
#[derive(Debug, Clone, PartialEq)]
pub struct WebAuthnCredentialRecord {
    pub pool_id: String,
    /// The credential id, base64url without padding; unique in the pool.
    pub credential_id: String,
    /// The owner.
    pub sub: String,
    /// `FriendlyCredentialName`.
    pub friendly_name: Option<String>,
    /// The relying party the credential is scoped to.
    pub relying_party_id: String,
    /// `AuthenticatorAttachment` (`platform`, `cross-platform`), when the client said.
    pub attachment: Option<String>,
    /// `AuthenticatorTransports`.
    pub transports: Vec<String>,
    /// The verified credential (public key, signature counter, flags) as the WebAuthn
    /// library serialises it; opaque to the store. Nothing in it is secret.
    pub credential: Value,
    pub created_ms: i64,
}

/// Passkeys of users.
#[async_trait]
pub trait WebAuthnStore: Send + Sync {
    /// Adds a credential. `Conflict(WebAuthnCredentialId)` if the id is taken in the pool,
    /// `Conflict(WebAuthnCredentialLimit)` if the user already holds `max_per_user`,
    /// `NotFound` if the user is gone. The count and the insert are atomic.
    async fn add_webauthn_credential(
        &self,
        credential: &WebAuthnCredentialRecord,
        max_per_user: usize,
    ) -> Result<(), StoreError>;

    /// The user's credentials, oldest first (then by id).
    async fn list_webauthn_credentials(
        &self,
        pool_id: &str,
        sub: &str,
        page: &PageRequest,
    ) -> Result<Page<WebAuthnCredentialRecord>, StoreError>;

    /// Replaces the stored credential document after a sign-in moved its counter or flags.
    /// `NotFound` if the user holds no such credential.
    async fn update_webauthn_credential(
        &self,
        pool_id: &str,
        sub: &str,
        credential_id: &str,
        credential: &Value,
    ) -> Result<(), StoreError>;

    /// `NotFound` if the user holds no such credential.
    async fn delete_webauthn_credential(
        &self,
        pool_id: &str,
        sub: &str,
        credential_id: &str,
    ) -> Result<(), StoreError>;

    /// Records a started registration for the user, replacing an earlier one.
    /// `NotFound` if the user is gone.
    async fn put_webauthn_registration(
        &self,
        pool_id: &str,
        sub: &str,
        state_sealed: &[u8],
        expires_ms: i64,
    ) -> Result<(), StoreError>;

    /// Removes and returns the user's started registration if it has not expired at
    /// `now_ms`; at most one caller gets it.
    async fn take_webauthn_registration(
        &self,
        pool_id: &str,
        sub: &str,
        now_ms: i64,
    ) -> Result<Option<Vec<u8>>, StoreError>;
}
