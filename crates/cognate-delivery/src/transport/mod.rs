//! The ways out: SMTP for email, an HTTP webhook for SMS. A transport only carries a
//! message; recording, retrying and logging are the [`crate::Delivery`] service's job.

mod sms;
mod smtp;

use async_trait::async_trait;

pub use sms::SmsWebhookTransport;
pub use smtp::SmtpTransport;

use crate::message::Channel;

/// One message as a transport sees it.
#[derive(Clone, Copy)]
pub struct Envelope<'a> {
    /// Outbox id; stable across retries, so receivers can drop duplicates.
    pub message_id: &'a str,
    /// Pool the message is sent for.
    pub pool_id: &'a str,
    /// User it concerns, if any.
    pub username: Option<&'a str>,
    /// Email or SMS.
    pub channel: Channel,
    /// Address or phone number.
    pub destination: &'a str,
    /// Why it is sent.
    pub purpose: &'a str,
    /// Email subject.
    pub subject: Option<&'a str>,
    /// The text.
    pub body: &'a str,
}

/// A failed delivery. The text names the cause (SMTP reply, HTTP status, connection
/// error) and never carries credentials or the message content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    /// What went wrong.
    pub message: String,
    /// True when sending the same message again cannot succeed (a malformed address, a
    /// permanent rejection of the recipient, a webhook 400), so it is not retried.
    pub permanent: bool,
}

impl TransportError {
    /// A failure worth retrying.
    pub fn transient(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: false,
        }
    }

    /// A failure that retrying cannot fix.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: true,
        }
    }
}

/// Carries messages of one channel. Implemented by [`SmtpTransport`] and
/// [`SmsWebhookTransport`]; tests and embedders may supply their own through
/// [`crate::Delivery::with_transports`].
#[async_trait]
pub trait Transport: Send + Sync {
    /// Short name for logs and errors ("smtp", "sms-webhook").
    fn name(&self) -> &'static str;

    /// Hands the message over. `Ok` means the relay or webhook accepted it.
    async fn deliver(&self, envelope: &Envelope<'_>) -> Result<(), TransportError>;
}
