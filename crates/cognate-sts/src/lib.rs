//! Cognate's built-in STS: the AWS Query protocol (`POST /`, form-encoded
//! `Action=…&Version=2011-06-15`, XML answers) on the same endpoint as the JSON services,
//! with AssumeRoleWithWebIdentity (the basic flow, for Cognate's identity-pool OpenID tokens)
//! and GetCallerIdentity (who signed this request with Cognate's temporary credentials).
//!
//! Credentials are issued and stored by `cognate-identity` (`sessions`); this crate only
//! speaks the protocol and checks signatures with `cognate-protocol`'s SigV4 verifier.

mod actions;
pub mod auth;
#[cfg(test)]
mod auth_tests;
pub mod wire;

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Response};

use cognate_identity::IdentityService;

pub use actions::role_id;
pub use auth::authenticate;
pub use wire::StsError;

/// One request as the router hands it over.
pub struct StsRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    pub now_ms: i64,
    pub request_id: &'a str,
}

pub struct Sts {
    identity: Arc<IdentityService>,
}

/// Whether a request is meant for the Query protocol: a form body and no `X-Amz-Target`.
pub fn is_query_request(headers: &HeaderMap) -> bool {
    headers.get("x-amz-target").is_none()
        && headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("application/x-www-form-urlencoded")
            })
}

/// Whether a Query-protocol body asks for an action that is not signed
/// (AssumeRoleWithWebIdentity), which the per-address rate limit counts like cognito's
/// unsigned operations. Signed actions answer only to credentials Cognate issued.
pub fn is_unsigned_action(body: &[u8]) -> bool {
    wire::parse_form(body)
        .is_some_and(|params| params.get("Action").map(String::as_str) == Some(UNSIGNED_ACTION))
}

const UNSIGNED_ACTION: &str = "AssumeRoleWithWebIdentity";

/// The answer when [`is_unsigned_action`]'s request is over its address's budget.
pub fn throttled(request_id: &str) -> Response<Bytes> {
    wire::error(request_id, &StsError::throttled())
}

impl Sts {
    pub fn new(identity: Arc<IdentityService>) -> Self {
        Self { identity }
    }

    pub async fn handle(&self, request: StsRequest<'_>) -> Response<Bytes> {
        match self.answer(&request).await {
            Ok(response) => response,
            Err(error) => {
                tracing::info!(code = error.code, "sts request refused");
                wire::error(request.request_id, &error)
            }
        }
    }

    async fn answer(&self, request: &StsRequest<'_>) -> Result<Response<Bytes>, StsError> {
        let params = wire::parse_form(request.body).ok_or_else(|| {
            StsError::new(
                "MalformedQueryString",
                "The request body is not valid form data.",
                400,
            )
        })?;
        let action = params.get("Action").map(String::as_str).unwrap_or_default();
        if params.get("Version").map(String::as_str) != Some(wire::VERSION) {
            return Err(StsError::new(
                "InvalidAction",
                format!("Could not find operation {action} for version NO_VERSION_SPECIFIED"),
                400,
            ));
        }
        let result = match action {
            "GetCallerIdentity" => actions::get_caller_identity(&self.identity, request).await?,
            UNSIGNED_ACTION => {
                actions::assume_role_with_web_identity(&self.identity, request, &params).await?
            }
            other => {
                return Err(StsError::new(
                    "InvalidAction",
                    format!(
                        "Could not find operation {other} for version {}",
                        wire::VERSION
                    ),
                    400,
                ));
            }
        };
        Ok(wire::success(action, request.request_id, &result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_assume_role_with_web_identity_counts_as_unsigned() {
        assert!(is_unsigned_action(
            b"Action=AssumeRoleWithWebIdentity&Version=2011-06-15&WebIdentityToken=x"
        ));
        assert!(!is_unsigned_action(
            b"Action=GetCallerIdentity&Version=2011-06-15"
        ));
        assert!(!is_unsigned_action(b"Version=2011-06-15"));
        let answer = throttled("r-1");
        assert_eq!(answer.status(), 400);
        let body = String::from_utf8_lossy(answer.body());
        assert!(body.contains("<Code>Throttling</Code>"), "{body}");
    }
}
