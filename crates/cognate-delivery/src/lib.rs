//! Message delivery: every code, invitation and notice Cognate sends goes through
//! [`Delivery`].
//!
//! 1. The handler renders the pool's template (`cognate_domain::messages`) and calls
//!    [`Delivery::send`].
//! 2. The message is recorded in the outbox (`cognate_store::OutboxStore`) with its
//!    subject, body and code sealed under the key-encryption key, bound to the message id.
//! 3. It is handed at once to the channel's transport: SMTP ([`SmtpTransport`], lettre)
//!    for email, an HTTP webhook ([`SmsWebhookTransport`]) for SMS. Without a transport
//!    for the channel the message is `LOGGED`: kept in the outbox, where the local
//!    endpoint and `cognate messages` read it.
//! 4. The result is recorded (`SENT`; `PENDING` with `last_error` and the next attempt
//!    after a failure worth retrying; `FAILED` when final; `LOGGED`) and logged; a
//!    failure is never dropped. The retry worker
//!    ([`Delivery::run_retries`] / [`Delivery::retry_due`]) leases due messages, so two
//!    nodes never send one message at the same time, and gives up after
//!    `retry.max_attempts`.
//!
//! Delivery is at least once: a node that sends a message and dies before recording it
//! leaves it leased, and it is sent again when the lease runs out. The SMTP `Message-ID`
//! and the webhook's `message_id` carry the outbox id so receivers can spot the repeat.
//!
//! Message content is a secret (codes, temporary passwords): it is never logged, except
//! with the development option `log_messages`.

mod config;
mod content;
pub mod memory;
mod message;
mod outbox;
mod service;
mod transport;

pub use config::{
    ConfigError, DeliveryConfig, RetryConfig, Secret, SmsWebhookConfig, SmtpConfig, TlsMode,
};
pub use content::ContentError;
pub use memory::MemoryOutbox;
pub use message::{
    Channel, DecodedMessage, DeliveryOutcome, DeliveryReceipt, ListParams, MessageList,
    MessageStatus, OutgoingMessage, UnknownValue, extract_code, purpose,
};
pub use outbox::{MessageQuery, MessageRecord, OutboxStore};
pub use service::{DEFAULT_LIST_LIMIT, Delivery, DeliveryError, NEVER_MS, RetryReport};
pub use transport::{Envelope, SmsWebhookTransport, SmtpTransport, Transport, TransportError};
