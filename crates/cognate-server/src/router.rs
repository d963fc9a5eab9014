//! HTTP routes: the AWS JSON endpoint on `POST /`, health checks, and CORS preflight.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use cognate_domain::Clock;
use cognate_protocol::{AwsJsonEndpoint, IncomingRequest};
use cognate_store::Store;
use http_body_util::BodyExt as _;
use tracing::Instrument;

pub struct AppState {
    pub endpoint: AwsJsonEndpoint,
    /// The built-in STS: Query-protocol requests on `POST /` (form body, no X-Amz-Target).
    pub sts: Arc<cognate_sts::Sts>,
    /// Publishes the identity-pool token key.
    pub identity: Arc<cognate_identity::IdentityService>,
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub delivery: Arc<cognate_delivery::Delivery>,
    /// Set when a shutdown signal arrives: readiness fails so load balancers stop sending.
    pub draining: AtomicBool,
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", axum::routing::post(aws_json).options(preflight))
        .route("/health", get(health))
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
        .route("/_cognate/messages", get(messages))
        .route(
            "/cognito-identity/.well-known/jwks_uri",
            get(identity_token_jwks),
        )
        .with_state(state)
}

async fn aws_json(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let span =
        tracing::info_span!("request", request_id = %request_id, operation = tracing::field::Empty);
    async move {
        let (parts, body) = request.into_parts();
        let limit = state.endpoint.max_body_bytes();
        let declared_length = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared_length.is_some_and(|len| len > limit as u64) {
            return too_large(&state, body, &request_id).await;
        }
        // Reading one byte past the limit tells an over-long chunked body from one that fits.
        let mut body = body;
        let mut bytes = Vec::new();
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else {
                return with_cors(state.endpoint.body_too_large(&request_id));
            };
            let Ok(chunk) = frame.into_data() else {
                continue;
            };
            if bytes.len() + chunk.len() > limit {
                return too_large(&state, body, &request_id).await;
            }
            bytes.extend_from_slice(&chunk);
        }
        let body = Bytes::from(bytes);
        let query = parts.uri.query().unwrap_or("");
        if cognate_sts::is_query_request(&parts.headers) {
            // Before any token check, as the JSON endpoint does for its unsigned operations.
            if cognate_sts::is_unsigned_action(&body)
                && !state
                    .endpoint
                    .admit_unsigned(peer.ip(), &parts.headers, state.clock.now_ms())
            {
                tracing::info!("sts request over the per-address rate limit");
                return with_cors(cognate_sts::throttled(&request_id));
            }
            let response = state
                .sts
                .handle(cognate_sts::StsRequest {
                    method: parts.method.as_str(),
                    path: parts.uri.path(),
                    query,
                    headers: &parts.headers,
                    body: &body,
                    now_ms: state.clock.now_ms(),
                    request_id: &request_id,
                })
                .await;
            tracing::info!(status = response.status().as_u16(), "handled (sts)");
            return with_cors(response);
        }
        let response = state
            .endpoint
            .handle(IncomingRequest {
                method: &parts.method,
                path: parts.uri.path(),
                query,
                headers: &parts.headers,
                body: &body,
                source_ip: Some(peer.ip()),
                now_ms: state.clock.now_ms(),
                request_id: &request_id,
            })
            .await;
        tracing::info!(status = response.status().as_u16(), "handled");
        with_cors(response)
    }
    .instrument(span)
    .await
}

/// Bytes of an over-long body read and thrown away before answering 413.
const DRAIN_LIMIT: u64 = 8 * 1024 * 1024;
/// How long that may take.
const DRAIN_TIME: Duration = Duration::from_secs(2);

/// Answers an over-long body with 413 and closes the connection. A client still writing its
/// body when the answer comes sees a reset instead of the answer, so the rest of a body of
/// reasonable size is read and discarded first (never stored); past [`DRAIN_LIMIT`] or
/// [`DRAIN_TIME`] the connection is dropped anyway.
async fn too_large(state: &AppState, mut body: Body, request_id: &str) -> Response {
    let mut drained: u64 = 0;
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        while let Some(Ok(frame)) = body.frame().await {
            drained += frame.data_ref().map_or(0, |d| d.len() as u64);
            if drained > DRAIN_LIMIT {
                break;
            }
        }
    })
    .await;
    let mut response = with_cors(state.endpoint.body_too_large(request_id));
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

fn with_cors(response: http::Response<Bytes>) -> Response {
    let (mut parts, body) = response.into_parts();
    parts.headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Response::from_parts(parts, Body::from(body))
}

/// Browsers ask before sending the AWS headers cross-origin (Amplify, the JS SDK).
async fn preflight() -> Response {
    let mut response = StatusCode::OK.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST, GET, OPTIONS"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(
            "content-type, x-amz-target, x-amz-user-agent, x-amz-date, x-amz-security-token, \
             x-amz-content-sha256, authorization, cache-control, amz-sdk-invocation-id, amz-sdk-request",
        ),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
    response
}

/// The key that signs identity-pool OpenID tokens, at Cognito's JWKS path under the
/// default issuer `<public-url>/cognito-identity`.
async fn identity_token_jwks(State(state): State<Arc<AppState>>) -> Response {
    match cognate_identity::openid::jwks(&state.identity).await {
        Ok(jwks) => (
            StatusCode::OK,
            [(header::CACHE_CONTROL, "public, max-age=300")],
            axum::Json(jwks),
        )
            .into_response(),
        Err(error) => {
            tracing::error!(message = %error.message, "identity token keys");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "application/json")],
                "{\"message\":\"Keys unavailable.\"}",
            )
                .into_response()
        }
    }
}

/// The outbox, for developers and tests reading the codes Cognate sent. Messages carry
/// codes, so only a client on this machine may read them.
async fn messages(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    axum::extract::Query(params): axum::extract::Query<cognate_delivery::ListParams>,
) -> Response {
    let json = [(header::CONTENT_TYPE, "application/json")];
    if !peer.ip().is_loopback() {
        return (
            StatusCode::FORBIDDEN,
            json,
            "{\"message\":\"The outbox is readable from loopback only.\"}",
        )
            .into_response();
    }
    match state.delivery.list_params(&params).await {
        Ok(list) => axum::Json(list).into_response(),
        Err(cognate_delivery::DeliveryError::Store(cognate_store::StoreError::InvalidCursor)) => (
            StatusCode::BAD_REQUEST,
            json,
            "{\"message\":\"Invalid next_token.\"}",
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "reading the outbox");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                json,
                "{\"message\":\"Cannot read the outbox.\"}",
            )
                .into_response()
        }
    }
}

async fn health(State(state): State<Arc<AppState>>) -> Response {
    readiness(&state).await
}

async fn live() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        "{\"status\":\"live\"}",
    )
        .into_response()
}

async fn ready(State(state): State<Arc<AppState>>) -> Response {
    readiness(&state).await
}

/// Ready means: not shutting down, and the database answers.
async fn readiness(state: &AppState) -> Response {
    let json = [(header::CONTENT_TYPE, "application/json")];
    if state.draining.load(Ordering::SeqCst) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            json,
            "{\"status\":\"draining\"}",
        )
            .into_response();
    }
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, json, "{\"status\":\"ok\"}").into_response(),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                json,
                "{\"status\":\"database unavailable\"}",
            )
                .into_response()
        }
    }
}
