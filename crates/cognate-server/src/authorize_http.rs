//! `POST /_cognate/authorize`: may the holder of these temporary credentials do this action
//! on this resource? Any service can ask, as it would ask IAM.
//!
//! The caller proves the session one of two ways: the temporary credentials in the body
//! (`Credentials: {AccessKeyId, SecretAccessKey, SessionToken}`), or the request itself
//! SigV4-signed with them (with `X-Amz-Security-Token`). Turning either into a
//! [`Principal`] is the session store's job, behind [`PrincipalResolver`]; this module only
//! reads the question and answers with the policy decision:
//!
//! ```text
//! POST /_cognate/authorize
//! {"Credentials": {...}, "Action": "s3:PutObject",
//!  "Resource": "arn:aws:s3:::bucket/users/us-east-1:.../f",
//!  "Context": {"dynamodb:LeadingKeys": ["us-east-1:..."], "s3:prefix": "users/"}}
//! 200 {"Decision": "Allow" | "ExplicitDeny" | "ImplicitDeny",
//!      "MatchedStatements": [{"Policy": "UserFolders", "Sid": "OwnFolder", "Index": 0}]}
//! ```
//! A denial is an answer (200), not an error. Unknown, expired or forged credentials are
//! 403; a malformed question is 400.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use cognate_domain::Clock;
use cognate_policy::{AuthorizationRequest, PolicySet, Principal, RequestContext};
use serde::Deserialize;

/// How the caller presented the session. Its `Debug` never prints the secret.
pub enum PresentedCredentials<'a> {
    /// The three parts of a temporary credential, sent in the body.
    Temporary {
        access_key_id: &'a str,
        secret_access_key: &'a str,
        session_token: &'a str,
    },
    /// This request, SigV4-signed with the temporary credential: the resolver verifies
    /// the signature over exactly these parts.
    SignedRequest {
        method: &'a Method,
        uri: &'a Uri,
        headers: &'a HeaderMap,
        body: &'a [u8],
    },
}

impl std::fmt::Debug for PresentedCredentials<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PresentedCredentials::Temporary { access_key_id, .. } => f
                .debug_struct("Temporary")
                .field("access_key_id", access_key_id)
                .finish_non_exhaustive(),
            PresentedCredentials::SignedRequest { method, uri, .. } => f
                .debug_struct("SignedRequest")
                .field("method", method)
                .field("uri", uri)
                .finish_non_exhaustive(),
        }
    }
}

/// Why credentials did not resolve to a session.
#[derive(Debug)]
pub enum ResolveError {
    /// Unknown, expired, revoked or forged: the answer is 403 with this message.
    Rejected(String),
    /// The session store failed: 500.
    Internal(String),
}

/// Resolves presented credentials to the session's principal (role, identity, pool, amr,
/// tags, session policy). Implemented by the identity pools' session store, which must
/// compare secrets in constant time (`cognate_crypto::ct`) and refuse expired sessions.
#[async_trait]
pub trait PrincipalResolver: Send + Sync {
    async fn resolve(
        &self,
        presented: PresentedCredentials<'_>,
        now_ms: i64,
    ) -> Result<Principal, ResolveError>;
}

/// Until identity pools issue credentials, no credentials resolve.
pub struct NoSessions;

#[async_trait]
impl PrincipalResolver for NoSessions {
    async fn resolve(
        &self,
        _presented: PresentedCredentials<'_>,
        _now_ms: i64,
    ) -> Result<Principal, ResolveError> {
        Err(ResolveError::Rejected(INVALID_TOKEN.to_owned()))
    }
}

/// AWS's words for credentials it does not know.
const INVALID_TOKEN: &str = "The security token included in the request is invalid.";

pub struct AuthorizeState {
    pub policies: Arc<PolicySet>,
    pub resolver: Arc<dyn PrincipalResolver>,
    pub clock: Arc<dyn Clock>,
}

pub fn routes(state: Arc<AuthorizeState>) -> Router {
    Router::new()
        .route("/_cognate/authorize", axum::routing::post(authorize))
        .with_state(state)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Question {
    #[serde(rename = "Credentials")]
    credentials: Option<BodyCredentials>,
    #[serde(rename = "Action")]
    action: String,
    #[serde(rename = "Resource")]
    resource: String,
    #[serde(rename = "Context", default)]
    context: BTreeMap<String, OneOrMany>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BodyCredentials {
    #[serde(rename = "AccessKeyId")]
    access_key_id: String,
    #[serde(rename = "SecretAccessKey")]
    secret_access_key: String,
    #[serde(rename = "SessionToken")]
    session_token: String,
}

impl std::fmt::Debug for BodyCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyCredentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

async fn authorize(
    State(state): State<Arc<AuthorizeState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let question: Question = match serde_json::from_slice(&body) {
        Ok(q) => q,
        Err(error) => {
            return answer(
                StatusCode::BAD_REQUEST,
                &format!("Invalid request: {error}"),
            );
        }
    };
    let signed = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("AWS4-HMAC-SHA256"));
    let presented = match (&question.credentials, signed) {
        (Some(_), true) => {
            return answer(
                StatusCode::BAD_REQUEST,
                "Send either Credentials in the body or a signed request, not both.",
            );
        }
        (Some(c), false) => PresentedCredentials::Temporary {
            access_key_id: &c.access_key_id,
            secret_access_key: &c.secret_access_key,
            session_token: &c.session_token,
        },
        (None, true) => PresentedCredentials::SignedRequest {
            method: &method,
            uri: &uri,
            headers: &headers,
            body: &body,
        },
        (None, false) => {
            return answer(
                StatusCode::FORBIDDEN,
                "Missing credentials: send Credentials in the body or sign the request with them.",
            );
        }
    };
    let now_ms = state.clock.now_ms();
    let principal = match state.resolver.resolve(presented, now_ms).await {
        Ok(principal) => principal,
        Err(ResolveError::Rejected(message)) => return answer(StatusCode::FORBIDDEN, &message),
        Err(ResolveError::Internal(error)) => {
            tracing::error!(%error, "resolving credentials for authorization");
            return answer(StatusCode::INTERNAL_SERVER_ERROR, "Internal error.");
        }
    };
    let mut context = RequestContext::new();
    for (key, values) in question.context {
        match values {
            OneOrMany::One(value) => context.insert(&key, value),
            OneOrMany::Many(values) => context.set(&key, values),
        }
    }
    let request = AuthorizationRequest {
        action: question.action,
        resource: question.resource,
        context,
    };
    match cognate_policy::authorize(&state.policies, &principal, &request, now_ms) {
        Ok(decision) => {
            tracing::info!(
                decision = ?decision.decision,
                action = %request.action,
                role = %principal.role_arn,
                "authorization"
            );
            axum::Json(decision).into_response()
        }
        Err(error) => answer(StatusCode::BAD_REQUEST, &error.to_string()),
    }
}

fn answer(status: StatusCode, message: &str) -> Response {
    (
        status,
        axum::Json(serde_json::json!({ "message": message })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cognate_domain::clock::ManualClock;
    use tower::ServiceExt as _;

    const ROLE: &str = "arn:aws:iam::000000000000:role/AuthRole";
    const A: &str = "us-east-1:aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa";
    const B: &str = "us-east-1:bbbbbbbb-2222-4222-8222-bbbbbbbbbbbb";

    /// Knows one credential (body form) and one signer (any signed request whose access key
    /// is ASIASIGNED), both for identity A; records the time it was asked at.
    struct Double;

    #[async_trait]
    impl PrincipalResolver for Double {
        async fn resolve(
            &self,
            presented: PresentedCredentials<'_>,
            now_ms: i64,
        ) -> Result<Principal, ResolveError> {
            let known = match presented {
                PresentedCredentials::Temporary {
                    access_key_id,
                    secret_access_key,
                    session_token,
                } => {
                    access_key_id == "ASIAGOOD" && secret_access_key == "s" && session_token == "t"
                }
                PresentedCredentials::SignedRequest { headers, body, .. } => {
                    headers
                        .get(header::AUTHORIZATION)
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.contains("Credential=ASIASIGNED/"))
                        && !body.is_empty()
                }
            };
            match (known, now_ms) {
                (_, 13) => Err(ResolveError::Internal("store down".into())),
                (true, _) => Ok(Principal {
                    role_arn: ROLE.to_owned(),
                    identity_id: A.to_owned(),
                    identity_pool_id: "us-east-1:pool".to_owned(),
                    amr: vec!["authenticated".to_owned()],
                    ..Principal::default()
                }),
                (false, _) => Err(ResolveError::Rejected(INVALID_TOKEN.to_owned())),
            }
        }
    }

    fn app(resolver: Arc<dyn PrincipalResolver>, now_ms: i64) -> Router {
        let mut policies = PolicySet::new();
        policies
            .insert(
                ROLE,
                "UserFolders",
                cognate_policy::Policy::parse(
                    r#"{"Version":"2012-10-17","Statement":[
                    {"Sid":"OwnFolder","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],
                     "Resource":"arn:aws:s3:::b/users/${cognito-identity.amazonaws.com:sub}/*"},
                    {"Sid":"OwnItems","Effect":"Allow","Action":"dynamodb:GetItem","Resource":"arn:aws:dynamodb:us-east-1:000000000000:table/T",
                     "Condition":{"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":"${cognito-identity.amazonaws.com:sub}"}}},
                    {"Sid":"NoTmp","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::b/users/*/tmp/*"}]}"#,
                )
                .unwrap(),
            )
            .unwrap();
        routes(Arc::new(AuthorizeState {
            policies: Arc::new(policies),
            resolver,
            clock: Arc::new(ManualClock::new(now_ms)),
        }))
    }

    async fn ask(
        app: Router,
        body: serde_json::Value,
        signed_as: Option<&str>,
    ) -> (StatusCode, serde_json::Value) {
        let mut request = http::Request::post("/_cognate/authorize")
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(key) = signed_as {
            request = request.header(
                header::AUTHORIZATION,
                format!("AWS4-HMAC-SHA256 Credential={key}/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00"),
            );
        }
        let response = app
            .oneshot(
                request
                    .body(axum::body::Body::from(body.to_string()))
                    .unwrap(),
            )
            .await
            .unwrap();
        let status = response.status();
        let bytes = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap()
            .to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let presented = PresentedCredentials::Temporary {
            access_key_id: "ASIAKEY",
            secret_access_key: "very-secret",
            session_token: "token-secret",
        };
        let printed = format!("{presented:?}");
        assert!(printed.contains("ASIAKEY"), "{printed}");
        assert!(
            !printed.contains("very-secret") && !printed.contains("token-secret"),
            "{printed}"
        );
    }

    fn creds() -> serde_json::Value {
        serde_json::json!({"AccessKeyId": "ASIAGOOD", "SecretAccessKey": "s", "SessionToken": "t"})
    }

    #[tokio::test]
    async fn decisions_for_the_resolved_identity() {
        let own = format!("arn:aws:s3:::b/users/{A}/f");
        let other = format!("arn:aws:s3:::b/users/{B}/f");
        let table = [
            (
                serde_json::json!({"Credentials": creds(), "Action": "s3:PutObject", "Resource": own}),
                "Allow",
            ),
            (
                serde_json::json!({"Credentials": creds(), "Action": "s3:PutObject", "Resource": other}),
                "ImplicitDeny",
            ),
            (
                serde_json::json!({"Credentials": creds(), "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::b/users/{A}/tmp/f")}),
                "ExplicitDeny",
            ),
            (
                serde_json::json!({"Credentials": creds(), "Action": "dynamodb:GetItem",
                    "Resource": "arn:aws:dynamodb:us-east-1:000000000000:table/T", "Context": {"dynamodb:LeadingKeys": [A]}}),
                "Allow",
            ),
            (
                serde_json::json!({"Credentials": creds(), "Action": "dynamodb:GetItem",
                    "Resource": "arn:aws:dynamodb:us-east-1:000000000000:table/T", "Context": {"dynamodb:LeadingKeys": B}}),
                "ImplicitDeny",
            ),
            (
                serde_json::json!({"Credentials": creds(), "Action": "dynamodb:GetItem",
                    "Resource": "arn:aws:dynamodb:us-east-1:000000000000:table/T", "Context": {"dynamodb:LeadingKeys": [A, B]}}),
                "ImplicitDeny",
            ),
        ];
        for (body, expected) in table {
            let (status, answer) = ask(app(Arc::new(Double), 1), body.clone(), None).await;
            assert_eq!(status, StatusCode::OK, "{body} -> {answer}");
            assert_eq!(answer["Decision"], expected, "{body} -> {answer}");
        }
        let (_, answer) = ask(
            app(Arc::new(Double), 1),
            serde_json::json!({"Credentials": creds(), "Action": "s3:GetObject", "Resource": own}),
            None,
        )
        .await;
        assert_eq!(
            answer["MatchedStatements"],
            serde_json::json!([{"Policy": "UserFolders", "Sid": "OwnFolder", "Index": 0}])
        );
    }

    #[tokio::test]
    async fn a_signed_request_is_handed_to_the_resolver() {
        let body = serde_json::json!({"Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::b/users/{A}/f")});
        let (status, answer) =
            ask(app(Arc::new(Double), 1), body.clone(), Some("ASIASIGNED")).await;
        assert_eq!(
            (status, answer["Decision"].as_str()),
            (StatusCode::OK, Some("Allow"))
        );
        let (status, _) = ask(app(Arc::new(Double), 1), body, Some("ASIAOTHER")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }

    #[tokio::test]
    async fn bad_credentials_and_bad_questions() {
        let own = format!("arn:aws:s3:::b/users/{A}/f");
        let wrong = serde_json::json!({"AccessKeyId": "ASIAGOOD", "SecretAccessKey": "x", "SessionToken": "t"});
        let table = [
            (
                serde_json::json!({"Credentials": wrong, "Action": "s3:GetObject", "Resource": own}),
                StatusCode::FORBIDDEN,
                INVALID_TOKEN,
            ),
            (
                serde_json::json!({"Action": "s3:GetObject", "Resource": own}),
                StatusCode::FORBIDDEN,
                "Missing credentials",
            ),
            (
                serde_json::json!({"Credentials": creds(), "Action": "s3:Get*", "Resource": own}),
                StatusCode::BAD_REQUEST,
                "without wildcards",
            ),
            (
                serde_json::json!({"Credentials": creds(), "Action": "s3:GetObject"}),
                StatusCode::BAD_REQUEST,
                "Resource",
            ),
            (
                serde_json::json!({"Credentials": creds(), "Action": "s3:GetObject", "Resource": own, "Extra": 1}),
                StatusCode::BAD_REQUEST,
                "Extra",
            ),
            (
                serde_json::json!({"Credentials": creds(), "Action": "s3:GetObject", "Resource": own,
                    "Context": {"cognito-identity.amazonaws.com:sub": B}}),
                StatusCode::BAD_REQUEST,
                "comes from the credentials",
            ),
        ];
        for (body, status, fragment) in table {
            let (got, answer) = ask(app(Arc::new(Double), 1), body.clone(), None).await;
            assert_eq!(got, status, "{body} -> {answer}");
            let message = answer["message"].as_str().unwrap_or_default();
            assert!(message.contains(fragment), "{body} -> {message}");
        }
        // Both forms at once.
        let (got, _) = ask(
            app(Arc::new(Double), 1),
            serde_json::json!({"Credentials": creds(), "Action": "s3:GetObject", "Resource": own}),
            Some("ASIASIGNED"),
        )
        .await;
        assert_eq!(got, StatusCode::BAD_REQUEST);
        // The store failing is not the caller's fault.
        let (got, answer) = ask(
            app(Arc::new(Double), 13),
            serde_json::json!({"Credentials": creds(), "Action": "s3:GetObject", "Resource": own}),
            None,
        )
        .await;
        assert_eq!(got, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!answer.to_string().contains("store down"));
        // Until the identity pools' session store is wired in, nothing resolves.
        let (got, _) = ask(
            app(Arc::new(NoSessions), 1),
            serde_json::json!({"Credentials": creds(), "Action": "s3:GetObject", "Resource": own}),
            None,
        )
        .await;
        assert_eq!(got, StatusCode::FORBIDDEN);
    }
}
