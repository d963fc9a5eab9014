//! What a handler knows about the request besides its input.

use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    pub request_id: String,
    /// The request's time, epoch milliseconds; handlers never read the clock themselves.
    pub now_ms: i64,
    pub region: String,
    /// Access key id of a verified SigV4 signature; `None` for unsigned operations.
    pub caller: Option<String>,
    pub source_ip: Option<IpAddr>,
}
