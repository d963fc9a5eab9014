//! The identity pools' temporary credentials as principals of policy decisions: the
//! [`PrincipalResolver`] behind `POST /_cognate/authorize`.

use std::sync::Arc;

use async_trait::async_trait;
use cognate_crypto::ct::constant_time_eq;
use cognate_identity::{IdentityService, StsSession};
use cognate_policy::Principal;
use cognate_protocol::sigv4::SignedRequest;

use crate::authorize_http::{PresentedCredentials, PrincipalResolver, ResolveError};

/// AWS's words for credentials it does not know, and for expired ones.
const INVALID_TOKEN: &str = "The security token included in the request is invalid.";
const EXPIRED_TOKEN: &str = "The security token included in the request is expired";

pub struct SessionPrincipals {
    pub identity: Arc<IdentityService>,
}

#[async_trait]
impl PrincipalResolver for SessionPrincipals {
    async fn resolve(
        &self,
        presented: PresentedCredentials<'_>,
        now_ms: i64,
    ) -> Result<Principal, ResolveError> {
        let session = match presented {
            PresentedCredentials::Temporary {
                access_key_id,
                secret_access_key,
                session_token,
            } => {
                let opened = self
                    .identity
                    .sts_session(access_key_id)
                    .await
                    .map_err(|e| ResolveError::Internal(e.message))?
                    .ok_or_else(|| ResolveError::Rejected(INVALID_TOKEN.to_owned()))?;
                // Both are checked whatever the first answers, in constant time.
                let secret_ok = constant_time_eq(
                    secret_access_key.as_bytes(),
                    opened.secret_access_key.as_bytes(),
                );
                let token_ok = self.identity.session_token_matches(&opened, session_token);
                if !(secret_ok & token_ok) {
                    return Err(ResolveError::Rejected(INVALID_TOKEN.to_owned()));
                }
                if now_ms >= opened.session.expires_ms {
                    return Err(ResolveError::Rejected(EXPIRED_TOKEN.to_owned()));
                }
                opened.session
            }
            PresentedCredentials::SignedRequest {
                method,
                uri,
                headers,
                body,
            } => {
                let request = SignedRequest {
                    method: method.as_str(),
                    path: uri.path(),
                    query: uri.query().unwrap_or_default(),
                    headers,
                    body,
                };
                // The scope's service is part of what was signed; any service name will do,
                // as long as the signature over this very request verifies.
                let service = scope_service(headers).unwrap_or("sts");
                cognate_sts::authenticate(&self.identity, &request, service, now_ms)
                    .await
                    .map_err(|e| {
                        if e.status >= 500 {
                            ResolveError::Internal(e.message)
                        } else {
                            ResolveError::Rejected(e.message)
                        }
                    })?
            }
        };
        Ok(principal(session))
    }
}

fn principal(session: StsSession) -> Principal {
    Principal {
        user_id: Some(format!(
            "{}:{}",
            cognate_sts::role_id(&session.role_arn),
            session.session_name
        )),
        token_issue_time_ms: Some(session.issued_ms),
        role_arn: session.role_arn,
        identity_id: session.identity_id,
        identity_pool_id: session.identity_pool_id,
        amr: session.amr,
        principal_tags: session.principal_tags,
        session_policy: None,
    }
}

/// The service named in the SigV4 credential scope
/// (`Credential=<key>/<date>/<region>/<service>/aws4_request`).
fn scope_service(headers: &http::HeaderMap) -> Option<&str> {
    let authorization = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let credential = authorization.split("Credential=").nth(1)?;
    let scope = credential.split([',', ' ']).next()?;
    scope.split('/').nth(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_service_comes_from_the_credential_scope() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(scope_service(&headers), None);
        headers.insert(
            http::header::AUTHORIZATION,
            "AWS4-HMAC-SHA256 Credential=ASIAX/20261206/us-east-1/sts/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=00"
                .parse()
                .unwrap(),
        );
        assert_eq!(scope_service(&headers), Some("sts"));
    }
}
