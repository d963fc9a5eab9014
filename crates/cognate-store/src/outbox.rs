//! The message outbox: every code or notification Cognate sends is written
//! here first, then delivered by a worker that leases it.

use async_trait::async_trait;

use crate::{Page, PageRequest, StoreError};

/// `MessageRecord::channel` values.
pub mod message_channel {
    /// Email (SMTP).
    pub const EMAIL: &str = "EMAIL";
    /// Text message (webhook).
    pub const SMS: &str = "SMS";
}

/// `MessageRecord::status` values.
pub mod message_status {
    /// Waiting for (another) delivery attempt; the only status a worker claims.
    pub const PENDING: &str = "PENDING";
    /// Handed to the transport.
    pub const SENT: &str = "SENT";
    /// Given up after the last retry.
    pub const FAILED: &str = "FAILED";
    /// No transport configured: written to the log instead (development).
    pub const LOGGED: &str = "LOGGED";
}

/// One outgoing message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    /// Unique id (chosen by the caller).
    pub id: String,
    /// Pool the message belongs to; deleting the pool deletes its messages.
    pub pool_id: String,
    /// Recipient's username, when there is a user.
    pub username: Option<String>,
    /// See [`message_channel`].
    pub channel: String,
    /// Email address or phone number.
    pub destination: String,
    /// Why it was sent (sign-up code, forgot password, invitation...).
    pub purpose: String,
    /// Subject and body sealed with the KEK: they carry codes.
    pub sealed_content: Vec<u8>,
    /// Enqueue time, epoch milliseconds.
    pub created_ms: i64,
    /// See [`message_status`].
    pub status: String,
    /// Delivery attempts made so far.
    pub attempts: i32,
    /// Last transport error, if any.
    pub last_error: Option<String>,
    /// When a worker may next claim it (a claim pushes it out by the lease).
    pub next_attempt_ms: i64,
}

/// Which messages `list_messages` returns; `None` fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageQuery {
    /// Only this pool's messages.
    pub pool_id: Option<String>,
    /// Only messages to this address or number (exact).
    pub destination: Option<String>,
    /// Only messages to this username (exact).
    pub username: Option<String>,
}

/// The outbox.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Stores a new message. `Conflict(MessageId)` if the id is taken;
    /// `NotFound` if the pool is gone.
    async fn enqueue_message(&self, message: &MessageRecord) -> Result<(), StoreError>;

    /// Messages matching `query`, newest first (creation time, then id, both descending).
    async fn list_messages(
        &self,
        query: &MessageQuery,
        page: &PageRequest,
    ) -> Result<Page<MessageRecord>, StoreError>;

    /// Leases up to `limit` `PENDING` messages whose `next_attempt_ms` is due
    /// (oldest due first) by moving their `next_attempt_ms` to
    /// `now_ms + lease_ms`, and returns them as stored after the claim.
    /// Concurrent claimers (other nodes) never receive the same message; a
    /// claimer that dies without marking the message lets it fall due again
    /// when the lease runs out.
    async fn claim_due_messages(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<MessageRecord>, StoreError>;

    /// Records the outcome of an attempt. `NotFound` if the message is gone.
    async fn mark_message(
        &self,
        id: &str,
        status: &str,
        attempts: i32,
        last_error: Option<&str>,
        next_attempt_ms: i64,
    ) -> Result<(), StoreError>;
}
