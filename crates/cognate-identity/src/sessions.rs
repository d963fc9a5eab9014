//! Temporary credentials of the built-in STS: issued for an identity and a role, stored with
//! the secret key sealed and the session token as a keyed hash, and looked up again by
//! access key id when a request signed with them arrives (GetCallerIdentity, the policy
//! endpoint).

use std::collections::BTreeMap;

use zeroize::Zeroizing;

use cognate_crypto::ct::constant_time_eq;
use cognate_crypto::ids;
use cognate_crypto::keyed_hash::{keyed_hash, purpose};
use cognate_store::StsSessionRecord;
use cognate_wire::ApiError;

use crate::errors::{internal, store_failure};
use crate::roles::role_name;
use crate::service::IdentityService;

/// The enhanced flow's credentials live one hour (developer guide, authentication flow).
pub const ENHANCED_FLOW_SECONDS: i64 = 3_600;
/// The session name Cognito uses when it assumes the role for the enhanced flow.
pub const ENHANCED_FLOW_SESSION_NAME: &str = "CognitoIdentityCredentials";

/// What the credentials are for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionGrant {
    pub identity_id: String,
    pub identity_pool_id: String,
    pub role_arn: String,
    pub session_name: String,
    pub amr: Vec<String>,
    pub principal_tags: BTreeMap<String, String>,
    pub duration_s: i64,
}

/// Credentials as handed out once; the secret parts exist in clear only here.
pub struct IssuedCredentials {
    pub access_key_id: String,
    pub secret_access_key: Zeroizing<String>,
    pub session_token: Zeroizing<String>,
    pub expiration_s: i64,
}

/// A live session found by access key id: who it speaks for. This is the seam for
/// everything that authorizes requests signed with Cognate's temporary credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsSession {
    pub access_key_id: String,
    pub identity_id: String,
    pub identity_pool_id: String,
    pub role_arn: String,
    pub session_name: String,
    pub amr: Vec<String>,
    pub principal_tags: BTreeMap<String, String>,
    pub issued_ms: i64,
    pub expires_ms: i64,
}

impl StsSession {
    /// `arn:aws:sts::<account>:assumed-role/<role name>/<session name>`, in the role's account.
    pub fn assumed_role_arn(&self) -> String {
        let account = self.role_arn.split(':').nth(4).unwrap_or_default();
        let role = role_name(&self.role_arn).unwrap_or_default();
        format!(
            "arn:aws:sts::{account}:assumed-role/{role}/{}",
            self.session_name
        )
    }

    /// The role's account.
    pub fn account(&self) -> &str {
        self.role_arn.split(':').nth(4).unwrap_or_default()
    }
}

/// A session with the secret key opened, to check a signature with.
pub struct OpenedSession {
    pub session: StsSession,
    pub secret_access_key: Zeroizing<String>,
    session_token_hash: Vec<u8>,
}

fn secret_context(access_key_id: &str) -> Vec<u8> {
    format!("cognate/sts-secret/{access_key_id}").into_bytes()
}

impl IdentityService {
    fn session_token_hash(&self, token: &str) -> Vec<u8> {
        keyed_hash(
            &self.kek.derive_key(purpose::STS_SESSION_TOKENS),
            token.as_bytes(),
        )
        .to_vec()
    }

    /// Issues and stores credentials for `grant`, valid from `now_ms`.
    pub async fn issue_credentials(
        &self,
        grant: &SessionGrant,
        now_ms: i64,
    ) -> Result<IssuedCredentials, ApiError> {
        let access_key_id = ids::temporary_access_key_id();
        let secret = Zeroizing::new(ids::secret_access_key());
        // Opaque to clients; long, like AWS's, and only its keyed hash is stored.
        let token = Zeroizing::new(ids::random_token(96));
        let sealed_secret = self
            .kek
            .seal(secret.as_bytes(), &secret_context(&access_key_id))
            .map_err(|e| internal("sealing a secret key", e))?;
        let expires_ms = now_ms.saturating_add(grant.duration_s.saturating_mul(1000));
        self.store
            .put_sts_session(&StsSessionRecord {
                access_key_id: access_key_id.clone(),
                sealed_secret,
                session_token_hash: self.session_token_hash(&token),
                identity_id: grant.identity_id.clone(),
                identity_pool_id: grant.identity_pool_id.clone(),
                role_arn: grant.role_arn.clone(),
                session_name: grant.session_name.clone(),
                amr: grant.amr.clone(),
                principal_tags: grant.principal_tags.clone(),
                issued_ms: now_ms,
                expires_ms,
            })
            .await
            .map_err(store_failure)?;
        tracing::info!(
            %access_key_id,
            identity_id = %grant.identity_id,
            role_arn = %grant.role_arn,
            "temporary credentials issued"
        );
        Ok(IssuedCredentials {
            access_key_id,
            secret_access_key: secret,
            session_token: token,
            expiration_s: expires_ms.div_euclid(1000),
        })
    }

    /// The session of `access_key_id` with its secret opened, or `None` if no such
    /// credentials were issued. Expiry is the caller's to check (STS answers expired
    /// credentials with its own error).
    pub async fn sts_session(
        &self,
        access_key_id: &str,
    ) -> Result<Option<OpenedSession>, ApiError> {
        let Some(record) = self
            .store
            .get_sts_session(access_key_id)
            .await
            .map_err(store_failure)?
        else {
            return Ok(None);
        };
        let secret = self
            .kek
            .open(
                &record.sealed_secret,
                &secret_context(&record.access_key_id),
            )
            .map_err(|e| internal("opening a secret key", e))?;
        let secret = Zeroizing::new(
            String::from_utf8(secret.to_vec()).map_err(|e| internal("secret key", e))?,
        );
        Ok(Some(OpenedSession {
            session: StsSession {
                access_key_id: record.access_key_id,
                identity_id: record.identity_id,
                identity_pool_id: record.identity_pool_id,
                role_arn: record.role_arn,
                session_name: record.session_name,
                amr: record.amr,
                principal_tags: record.principal_tags,
                issued_ms: record.issued_ms,
                expires_ms: record.expires_ms,
            },
            secret_access_key: secret,
            session_token_hash: record.session_token_hash,
        }))
    }

    /// Whether `token` (the request's `X-Amz-Security-Token`) is the session's token.
    pub fn session_token_matches(&self, opened: &OpenedSession, token: &str) -> bool {
        constant_time_eq(&self.session_token_hash(token), &opened.session_token_hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assumed_role_arn_names_role_and_session() {
        let session = StsSession {
            access_key_id: "ASIA".into(),
            identity_id: "us-east-1:1".into(),
            identity_pool_id: "us-east-1:p".into(),
            role_arn: "arn:aws:iam::123456789012:role/path/Auth".into(),
            session_name: ENHANCED_FLOW_SESSION_NAME.into(),
            amr: vec![],
            principal_tags: BTreeMap::new(),
            issued_ms: 0,
            expires_ms: 0,
        };
        assert_eq!(
            session.assumed_role_arn(),
            "arn:aws:sts::123456789012:assumed-role/Auth/CognitoIdentityCredentials"
        );
        assert_eq!(session.account(), "123456789012");
    }
}
