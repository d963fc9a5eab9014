//! AWS JSON 1.1 over HTTP, as Cognito's two services speak it.
//!
//! This crate knows nothing about users or pools: it turns an HTTP request into a call of
//! the generated `dispatch` for the right service, with the operation's signature rule
//! enforced, and turns every outcome into the response the AWS SDKs expect.

mod client_ip;
mod endpoint;
mod rate_limit;
mod render;
pub mod sigv4;

pub use client_ip::{Cidr, CidrError, TrustedProxies};
pub use endpoint::{AdminAuth, AwsJsonEndpoint, EndpointConfig, IncomingRequest};
pub use rate_limit::{
    Category, DEFAULT_PER_SOURCE_IP, KeyedLimiter, QuotaKey, RateLimiter, RateLimits, SourceKey,
};
pub use render::{CONTENT_TYPE, error_response, success_response};
