//! The basic (classic) flow's second half, as the built-in STS's AssumeRoleWithWebIdentity:
//! an identity-pool OpenID token of this deployment and a role in exchange for credentials.
//!
//! Cognate has no IAM trust policies, so it stands in for the canonical one (developer
//! guide: `aud` = the identity pool, `amr` authenticated/unauthenticated): a role may be
//! assumed with a token of an identity pool that names it, an authenticated token for the
//! pool's authenticated role or a role of its rules, an unauthenticated token for the
//! unauthenticated role; and only for a pool with AllowClassicFlow.

use serde_json::{Map, Value};

use crate::openid;
use crate::pools::view::PoolView;
use crate::roles::{AUTHENTICATED, UNAUTHENTICATED};
use crate::service::IdentityService;
use crate::sessions::{IssuedCredentials, SessionGrant};

/// Why STS refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebIdentityRefusal {
    /// Not a token this deployment signed (or not a token).
    InvalidToken(String),
    /// Past its `exp`.
    Expired(String),
    /// The pool does not allow this role for this token.
    AccessDenied,
    /// Storage or crypto failed.
    Internal,
}

/// What AssumeRoleWithWebIdentity answers.
pub struct WebIdentityAssumed {
    pub credentials: IssuedCredentials,
    pub subject: String,
    pub audience: String,
    /// The token's `iss` without its scheme.
    pub provider: String,
}

fn text<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

/// The roles a token of the pool may assume.
fn assumable(view: &PoolView, authenticated: bool) -> Vec<&String> {
    if authenticated {
        let mut roles: Vec<&String> = view.roles.get(AUTHENTICATED).into_iter().collect();
        for mapping in view.role_mappings.values() {
            if let Some(config) = &mapping.rules_configuration {
                roles.extend(config.rules.iter().map(|r| &r.role_arn));
            }
        }
        roles
    } else {
        view.roles.get(UNAUTHENTICATED).into_iter().collect()
    }
}

impl IdentityService {
    pub async fn assume_role_with_web_identity(
        &self,
        token: &str,
        role_arn: &str,
        session_name: &str,
        duration_s: i64,
        now_ms: i64,
    ) -> Result<WebIdentityAssumed, WebIdentityRefusal> {
        let claims = openid::verify(self, token, now_ms).await.map_err(|e| {
            if e.message.contains("Token expired") {
                WebIdentityRefusal::Expired(e.message)
            } else {
                WebIdentityRefusal::InvalidToken(e.message)
            }
        })?;
        let (Some(pool_id), Some(identity_id)) = (text(&claims, "aud"), text(&claims, "sub"))
        else {
            return Err(WebIdentityRefusal::InvalidToken(
                "The token lacks aud or sub.".into(),
            ));
        };
        let record = self
            .store
            .get_identity_pool(pool_id)
            .await
            .map_err(|_| WebIdentityRefusal::Internal)?
            .ok_or(WebIdentityRefusal::AccessDenied)?;
        let view = PoolView::of(&record);
        let amr = openid::amr(&claims);
        let authenticated = amr.first().map(String::as_str) == Some("authenticated");
        if !view.allow_classic_flow
            || !assumable(&view, authenticated)
                .iter()
                .any(|r| *r == role_arn)
        {
            return Err(WebIdentityRefusal::AccessDenied);
        }
        let credentials = self
            .issue_credentials(
                &SessionGrant {
                    identity_id: identity_id.to_owned(),
                    identity_pool_id: record.id.clone(),
                    role_arn: role_arn.to_owned(),
                    session_name: session_name.to_owned(),
                    principal_tags: openid::principal_tags(&claims),
                    amr,
                    duration_s,
                },
                now_ms,
            )
            .await
            .map_err(|_| WebIdentityRefusal::Internal)?;
        let issuer = text(&claims, "iss").unwrap_or_default();
        Ok(WebIdentityAssumed {
            credentials,
            subject: identity_id.to_owned(),
            audience: record.id,
            provider: issuer
                .split_once("://")
                .map_or(issuer, |(_, rest)| rest)
                .to_owned(),
        })
    }
}
