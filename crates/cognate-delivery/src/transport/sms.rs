//! SMS through an HTTP webhook: one JSON `POST` per message, any 2xx is success.

use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::redirect::Policy;
use serde::Serialize;

use super::{Envelope, Transport, TransportError};
use crate::config::{ConfigError, Secret, SmsWebhookConfig, redact_url};

/// Answers that reject this message itself (a number the gateway refuses, a text it
/// cannot take), so sending it again cannot help. Every other failure, 401/403/404
/// included, may be a configuration problem the operator fixes, and is retried.
const PERMANENT_STATUSES: [u16; 3] = [400, 413, 422];

/// The request body the webhook receives.
#[derive(Serialize)]
struct Payload<'a> {
    /// E.164 phone number.
    to: &'a str,
    /// The text to send.
    message: &'a str,
    pool_id: &'a str,
    purpose: &'a str,
    /// Stable across retries: the receiver's idempotency key.
    message_id: &'a str,
}

/// Posts SMS messages to the configured URL.
pub struct SmsWebhookTransport {
    client: reqwest::Client,
    url: reqwest::Url,
    bearer_token: Option<Secret>,
    headers: HeaderMap,
}

impl SmsWebhookTransport {
    /// Builds the HTTP client; nothing is sent until the first message.
    pub fn new(config: &SmsWebhookConfig) -> Result<Self, ConfigError> {
        let url = reqwest::Url::parse(&config.url)
            .map_err(|_| ConfigError("sms_webhook.url is not a URL".into()))?;
        let mut headers = HeaderMap::new();
        for (name, value) in &config.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| ConfigError(format!("sms_webhook.headers: bad name {name:?}")))?;
            let mut value = HeaderValue::from_str(value.expose())
                .map_err(|_| ConfigError(format!("sms_webhook.headers: bad value for {name}")))?;
            // Keeps the value out of reqwest's and hyper's debug output.
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_seconds))
            // A redirect would carry the bearer token and the message to another URL.
            .redirect(Policy::none())
            .build()
            .map_err(|e| ConfigError(format!("sms_webhook client: {e}")))?;
        Ok(Self {
            client,
            url,
            bearer_token: config.bearer_token.clone(),
            headers,
        })
    }
}

#[async_trait]
impl Transport for SmsWebhookTransport {
    fn name(&self) -> &'static str {
        "sms-webhook"
    }

    async fn deliver(&self, envelope: &Envelope<'_>) -> Result<(), TransportError> {
        let payload = Payload {
            to: envelope.destination,
            message: envelope.body,
            pool_id: envelope.pool_id,
            purpose: envelope.purpose,
            message_id: envelope.message_id,
        };
        let mut request = self
            .client
            .post(self.url.clone())
            .headers(self.headers.clone())
            .json(&payload);
        if let Some(token) = &self.bearer_token {
            request = request.bearer_auth(token.expose());
        }
        let response = request.send().await.map_err(|e| {
            // Without the URL: its query string may hold a credential.
            TransportError::transient(format!(
                "sms webhook {}: {}",
                redact_url(self.url.as_str()),
                e.without_url()
            ))
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        // The response body is not quoted: a gateway may echo the message back.
        let message = format!(
            "sms webhook {} answered HTTP {}",
            redact_url(self.url.as_str()),
            status.as_u16()
        );
        if PERMANENT_STATUSES.contains(&status.as_u16()) {
            Err(TransportError::permanent(message))
        } else {
            Err(TransportError::transient(message))
        }
    }
}
