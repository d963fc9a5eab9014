//! The `POST /` endpoint shared by cognito-idp and cognito-identity.

use std::net::IpAddr;
use std::sync::Arc;

use bytes::Bytes;
use cognate_wire::{ApiError, ErrorCode, OperationInfo, RequestContext, identity, idp};
use http::{HeaderMap, Method, Response};

use crate::client_ip::TrustedProxies;
use crate::rate_limit::{Category, QuotaKey, RateLimiter, RateLimits};
use crate::render::{error_response, success_response};
use crate::sigv4::{self, Credentials, SigV4Error, SignedRequest};

/// How requests to operations the model marks as signed are authenticated.
pub enum AdminAuth {
    /// Verify SigV4 against one of these credentials.
    Verify(Vec<Credentials>),
    /// Accept any signature, or none. Only for a listener on loopback: the server refuses
    /// to start with this on any other address unless told so in a loudly named flag.
    AcceptAny,
}

pub struct EndpointConfig {
    pub region: String,
    pub max_body_bytes: usize,
    pub admin_auth: AdminAuth,
    /// Request-rate quotas by category and pool, and per client address, enforced per
    /// process.
    pub rate_limits: RateLimits,
    /// Peers whose `X-Forwarded-For` names the client (R29).
    pub trusted_proxies: TrustedProxies,
}

/// One HTTP request as the endpoint needs to see it; the server has already read the body.
pub struct IncomingRequest<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a Bytes,
    /// The TCP peer; the client's address is resolved from it and the trusted proxies.
    pub source_ip: Option<IpAddr>,
    pub now_ms: i64,
    pub request_id: &'a str,
}

pub struct AwsJsonEndpoint {
    idp: Arc<dyn idp::CognitoIdentityProvider>,
    identity: Arc<dyn identity::CognitoIdentity>,
    config: EndpointConfig,
    limiter: RateLimiter,
}

/// The two services Cognate answers on one endpoint, told apart by the target prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Service {
    IdentityProvider,
    Identity,
}

impl Service {
    fn from_target(target: &str) -> Option<(Service, &str)> {
        if let Some(op) = target.strip_prefix("AWSCognitoIdentityProviderService.") {
            Some((Service::IdentityProvider, op))
        } else {
            target
                .strip_prefix("AWSCognitoIdentityService.")
                .map(|op| (Service::Identity, op))
        }
    }

    /// The SigV4 signing name.
    fn signing_name(self) -> &'static str {
        match self {
            Service::IdentityProvider => "cognito-idp",
            Service::Identity => "cognito-identity",
        }
    }

    fn operation(self, name: &str) -> Option<&'static OperationInfo> {
        match self {
            Service::IdentityProvider => idp::operation(name),
            Service::Identity => identity::operation(name),
        }
    }
}

impl AwsJsonEndpoint {
    pub fn new(
        idp: Arc<dyn idp::CognitoIdentityProvider>,
        identity: Arc<dyn identity::CognitoIdentity>,
        config: EndpointConfig,
    ) -> Self {
        Self {
            idp,
            identity,
            limiter: RateLimiter::new(config.rate_limits),
            config,
        }
    }

    pub fn max_body_bytes(&self) -> usize {
        self.config.max_body_bytes
    }

    /// The answer to a body over the limit, given before the body is read or parsed.
    pub fn body_too_large(&self, request_id: &str) -> Response<Bytes> {
        let error = ApiError::new(
            ErrorCode::RequestEntityTooLargeException,
            format!(
                "Request body exceeds the maximum size of {} bytes.",
                self.config.max_body_bytes
            ),
        );
        error_response(request_id, &error)
    }

    pub async fn handle(&self, request: IncomingRequest<'_>) -> Response<Bytes> {
        match self.call(&request).await {
            Ok(body) => success_response(request.request_id, body),
            Err(error) => {
                if error.status() >= 500 {
                    tracing::error!(code = error.code.as_str(), "request failed");
                } else {
                    tracing::debug!(code = error.code.as_str(), "request rejected");
                }
                error_response(request.request_id, &error)
            }
        }
    }

    async fn call(&self, request: &IncomingRequest<'_>) -> Result<Vec<u8>, ApiError> {
        if request.body.len() > self.config.max_body_bytes {
            return Err(ApiError::new(
                ErrorCode::RequestEntityTooLargeException,
                format!(
                    "Request body exceeds the maximum size of {} bytes.",
                    self.config.max_body_bytes
                ),
            ));
        }
        check_content_type(request.headers)?;
        let target = request
            .headers
            .get("x-amz-target")
            .and_then(|value| value.to_str().ok())
            .unwrap_or("");
        let (service, operation_name) = Service::from_target(target).ok_or_else(|| {
            ApiError::new(
                ErrorCode::UnknownOperationException,
                "The X-Amz-Target header does not name a Cognito operation.",
            )
        })?;
        let operation = service.operation(operation_name).ok_or_else(|| {
            ApiError::new(
                ErrorCode::UnknownOperationException,
                format!("Unknown operation {operation_name}."),
            )
        })?;
        tracing::Span::current().record("operation", operation.name);

        let client_ip = request
            .source_ip
            .map(|peer| self.config.trusted_proxies.client_ip(peer, request.headers));
        // Before the signature check and dispatch, so that a flood costs neither hashing nor
        // a database write.
        self.check_rate_limits(request, service, operation, client_ip)?;

        let caller = if operation.signed {
            self.authenticate(request, service)?
        } else {
            // Unsigned operations ignore any Authorization header: pycognito sends a Bearer
            // token there on some calls.
            None
        };

        let ctx = RequestContext {
            request_id: request.request_id.to_owned(),
            now_ms: request.now_ms,
            region: self.config.region.clone(),
            caller,
            source_ip: client_ip,
        };
        match service {
            Service::IdentityProvider => {
                idp::dispatch(self.idp.as_ref(), &ctx, operation.name, request.body).await
            }
            Service::Identity => {
                identity::dispatch(self.identity.as_ref(), &ctx, operation.name, request.body).await
            }
        }
    }

    /// Counts one unsigned request handled outside this endpoint (the built-in STS's
    /// AssumeRoleWithWebIdentity) against the same per-address budget as the unsigned
    /// operations here; false when that budget is spent. `peer` is the TCP peer.
    pub fn admit_unsigned(&self, peer: IpAddr, headers: &HeaderMap, now_ms: i64) -> bool {
        let client = self.config.trusted_proxies.client_ip(peer, headers);
        self.source_admitted(Some(peer), Some(client), now_ms)
    }

    // Loopback peers are exempt: tests and local tools call from there, and when a reverse
    // proxy on the same host is not configured as trusted, every client would otherwise
    // share its one budget. A loopback address read from a forwarded header is not exempt.
    fn source_admitted(&self, peer: Option<IpAddr>, client: Option<IpAddr>, now_ms: i64) -> bool {
        let Some(client) = client else {
            return true;
        };
        (client.is_loopback() && peer.map(|p| p.to_canonical()) == Some(client))
            || self.limiter.try_acquire_source(client, now_ms)
    }

    fn check_rate_limits(
        &self,
        request: &IncomingRequest<'_>,
        service: Service,
        operation: &OperationInfo,
        client_ip: Option<IpAddr>,
    ) -> Result<(), ApiError> {
        if !operation.signed && !self.source_admitted(request.source_ip, client_ip, request.now_ms)
        {
            return Err(ApiError::new(
                ErrorCode::TooManyRequestsException,
                "Rate exceeded for requests from this source address.",
            ));
        }
        // The quota categories are cognito-idp's.
        if service == Service::IdentityProvider
            && let Some(category) = Category::of_operation(operation.name)
        {
            let member = Category::key_member(operation.name);
            let id = quota_id(request.body, member);
            let key = match (id.as_deref(), member) {
                (None, _) => QuotaKey::Unknown,
                (Some(id), "UserPoolId") => QuotaKey::Pool(id),
                (Some(id), _) => QuotaKey::Client(id),
            };
            if !self.limiter.try_acquire(category, key, request.now_ms) {
                return Err(ApiError::new(
                    ErrorCode::TooManyRequestsException,
                    format!("Rate exceeded for {} requests.", category.name()),
                ));
            }
        }
        Ok(())
    }

    /// Verifies the signature of an admin request; returns the caller's access key id.
    fn authenticate(
        &self,
        request: &IncomingRequest<'_>,
        service: Service,
    ) -> Result<Option<String>, ApiError> {
        let credentials = match &self.config.admin_auth {
            AdminAuth::AcceptAny => return Ok(None),
            AdminAuth::Verify(credentials) => credentials,
        };
        let signed = SignedRequest {
            method: request.method.as_str(),
            path: request.path,
            query: request.query,
            headers: request.headers,
            body: request.body,
        };
        let lookup = |access_key_id: &str| {
            credentials
                .iter()
                .find(|c| c.access_key_id == access_key_id)
                .map(|c| c.secret_access_key.clone())
        };
        let now_unix = request.now_ms.div_euclid(1000);
        sigv4::verify(&signed, &lookup, now_unix, service.signing_name())
            .map(|caller| Some(caller.access_key_id))
            .map_err(|error| ApiError::new(signature_error_code(&error), error.message()))
    }
}

/// The ids a limited operation's budget is keyed by. Deserialising into this skips every
/// other member without building the document. A body that is not an object with string
/// ids gives none: dispatch will refuse it before doing any work.
#[derive(serde::Deserialize)]
struct QuotaIds {
    #[serde(rename = "UserPoolId", default)]
    user_pool_id: Option<String>,
    #[serde(rename = "ClientId", default)]
    client_id: Option<String>,
}

/// The body member `member` ("UserPoolId" or "ClientId"), when usable.
fn quota_id(body: &[u8], member: &str) -> Option<String> {
    let ids: QuotaIds = serde_json::from_slice(body).ok()?;
    match member {
        "UserPoolId" => ids.user_pool_id,
        _ => ids.client_id,
    }
}

/// The code AWS's JSON services answer each signature failure with.
fn signature_error_code(error: &SigV4Error) -> ErrorCode {
    match error {
        SigV4Error::MissingAuthenticationToken => ErrorCode::MissingAuthenticationTokenException,
        SigV4Error::IncompleteSignature(_) => ErrorCode::IncompleteSignatureException,
        SigV4Error::UnrecognizedClient => ErrorCode::UnrecognizedClientException,
        SigV4Error::SignatureMismatch
        | SigV4Error::SignatureExpired(_)
        | SigV4Error::InvalidScope(_) => ErrorCode::InvalidSignatureException,
    }
}

/// AWS JSON 1.1 bodies only. Some browser clients send plain `application/json`, and the
/// 1.0 variant carries the same bodies, so those are accepted too.
fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(http::header::CONTENT_TYPE) else {
        // botocore always sends one; a missing header is treated like JSON, as AWS does.
        return Ok(());
    };
    let essence = value
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/x-amz-json-1.1" | "application/x-amz-json-1.0" | "application/json" => Ok(()),
        _ => Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "Requests must use Content-Type application/x-amz-json-1.1.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client_ip::Cidr;

    struct Unimplemented;
    #[async_trait::async_trait]
    impl idp::CognitoIdentityProvider for Unimplemented {}
    #[async_trait::async_trait]
    impl identity::CognitoIdentity for Unimplemented {}

    fn endpoint(per_source_ip: u32, trusted: &[&str]) -> AwsJsonEndpoint {
        AwsJsonEndpoint::new(
            Arc::new(Unimplemented),
            Arc::new(Unimplemented),
            EndpointConfig {
                region: "us-east-1".into(),
                max_body_bytes: 1024,
                admin_auth: AdminAuth::AcceptAny,
                rate_limits: RateLimits {
                    per_source_ip,
                    ..RateLimits::COGNITO_DEFAULTS
                },
                trusted_proxies: TrustedProxies::new(
                    trusted.iter().map(|b| b.parse::<Cidr>().unwrap()).collect(),
                ),
            },
        )
    }

    fn admitted(endpoint: &AwsJsonEndpoint, peer: &str, forwarded: Option<&str>) -> usize {
        let mut headers = HeaderMap::new();
        if let Some(forwarded) = forwarded {
            headers.insert("x-forwarded-for", forwarded.parse().unwrap());
        }
        (0..10)
            .filter(|_| endpoint.admit_unsigned(peer.parse().unwrap(), &headers, 1_000))
            .count()
    }

    #[test]
    fn unsigned_requests_outside_the_endpoint_share_the_per_address_budget() {
        let endpoint = endpoint(3, &["127.0.0.1/32"]);
        assert_eq!(admitted(&endpoint, "192.0.2.1", None), 3);
        // Another address has its own budget; a forwarded one counts only from a proxy.
        assert_eq!(admitted(&endpoint, "192.0.2.2", Some("198.51.100.1")), 3);
        assert_eq!(admitted(&endpoint, "127.0.0.1", Some("198.51.100.1")), 3);
        assert_eq!(admitted(&endpoint, "127.0.0.1", Some("198.51.100.1")), 0);
        // A loopback peer with nothing forwarded is exempt.
        assert_eq!(admitted(&endpoint, "127.0.0.1", None), 10);
    }

    #[test]
    fn targets_route_by_prefix() {
        assert_eq!(
            Service::from_target("AWSCognitoIdentityProviderService.SignUp"),
            Some((Service::IdentityProvider, "SignUp"))
        );
        assert_eq!(
            Service::from_target("AWSCognitoIdentityService.GetId"),
            Some((Service::Identity, "GetId"))
        );
        assert_eq!(Service::from_target("DynamoDB_20120810.GetItem"), None);
        assert_eq!(Service::from_target(""), None);
    }

    #[test]
    fn quota_ids_come_from_the_body() {
        let body = br#"{"ClientId":"abc","Username":"u","UserAttributes":[{"Name":"email"}]}"#;
        assert_eq!(quota_id(body, "ClientId").as_deref(), Some("abc"));
        assert_eq!(quota_id(body, "UserPoolId"), None);
        let admin = br#"{"UserPoolId":"us-east-1_x","ClientId":"c"}"#;
        assert_eq!(
            quota_id(admin, "UserPoolId").as_deref(),
            Some("us-east-1_x")
        );
        let escaped = br#"{"ClientId":"a\u0062c"}"#;
        assert_eq!(quota_id(escaped, "ClientId").as_deref(), Some("abc"));
        for bad in [
            &b"not json"[..],
            b"[]",
            br#"{"ClientId":5}"#,
            br#"{"ClientId":"a","ClientId":"b"}"#,
        ] {
            assert_eq!(quota_id(bad, "ClientId"), None);
        }
    }

    #[test]
    fn content_types() {
        let mut headers = HeaderMap::new();
        assert!(check_content_type(&headers).is_ok());
        for ok in [
            "application/x-amz-json-1.1",
            "application/x-amz-json-1.1; charset=utf-8",
            "application/json",
        ] {
            headers.insert(http::header::CONTENT_TYPE, ok.parse().unwrap());
            assert!(check_content_type(&headers).is_ok(), "{ok}");
        }
        headers.insert(http::header::CONTENT_TYPE, "text/plain".parse().unwrap());
        assert!(check_content_type(&headers).is_err());
    }
}
