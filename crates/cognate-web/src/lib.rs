//! The browser- and OIDC-facing side of Cognate: today the per-pool discovery document and
//! JWKS; the hosted UI and OAuth 2.0 endpoints join it later.
//!
//! Every URL here is built from the configured public URL, never from `Host` or
//! `X-Forwarded-*` headers (R29), so a forged header cannot move the issuer.

mod well_known;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use cognate_domain::Clock;
use cognate_store::Store;

pub struct WebState {
    pub store: Arc<dyn Store>,
    /// Which keys are published depends on the time (rotation).
    pub clock: Arc<dyn Clock>,
    /// Base URL without a trailing slash; a pool's issuer is `<public_url>/<poolId>`.
    pub public_url: String,
}

pub fn routes(state: Arc<WebState>) -> Router {
    Router::new()
        .route("/{pool_id}/.well-known/jwks.json", get(well_known::jwks))
        .route(
            "/{pool_id}/.well-known/openid-configuration",
            get(well_known::openid_configuration),
        )
        .with_state(state)
}
