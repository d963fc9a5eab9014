//! The [`Delivery`] service: record, seal, send, retry, read back.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use cognate_crypto::Kek;
use cognate_domain::Clock;
use cognate_store::{Page, PageRequest, StoreError};
use futures_util::future::join_all;
use tokio::time::MissedTickBehavior;

use crate::config::{ConfigError, DeliveryConfig};
use crate::content::{Content, ContentError};
use crate::message::{
    Channel, DecodedMessage, DeliveryOutcome, DeliveryReceipt, ListParams, MessageList,
    MessageStatus, OutgoingMessage, parse_channel,
};
use crate::outbox::{MessageQuery, MessageRecord, OutboxStore};
use crate::transport::{Envelope, SmsWebhookTransport, SmtpTransport, Transport, TransportError};

/// `next_attempt_ms` of a message no attempt will be made for (sent, logged, given up):
/// never due, whatever the store's claim query compares it with.
pub const NEVER_MS: i64 = i64::MAX;

/// Page size of the local listing when the caller names none.
pub const DEFAULT_LIST_LIMIT: u32 = 50;

/// How many recent messages [`Delivery::latest_code`] looks through for one with a code.
const LATEST_CODE_SCAN: u32 = 20;

/// Rounds of one worker tick: a backlog drains `batch_size` messages at a time without
/// one tick running for ever.
const MAX_ROUNDS_PER_TICK: usize = 16;

/// Why [`Delivery::send`] (or a read) failed. A transport failure is not an error here:
/// it is recorded and reported in the [`DeliveryReceipt`].
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The message cannot be sent as given (no destination, no pool).
    #[error("invalid message: {0}")]
    InvalidMessage(&'static str),
    /// The outbox could not be written or read. From `send`, nothing was sent: the
    /// request should fail (InternalErrorException) rather than promise a code.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The content could not be sealed.
    #[error("sealing message content: {0}")]
    Content(#[from] ContentError),
}

/// What one retry round did; for logs and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetryReport {
    /// Due messages this node leased.
    pub claimed: usize,
    /// Accepted by their transport.
    pub sent: usize,
    /// Kept in the outbox because their channel has no transport (any more).
    pub logged: usize,
    /// Failed again and rescheduled.
    pub failed: usize,
    /// Failed for good (permanent error, attempts used up, unreadable content).
    pub gave_up: usize,
}

/// Sends codes, invitations and notices through one path: every message is sealed and
/// recorded in the outbox before any attempt, so none is lost or silently dropped.
///
/// Cheap to share: hold it in an `Arc`.
pub struct Delivery {
    config: DeliveryConfig,
    outbox: Arc<dyn OutboxStore>,
    kek: Arc<Kek>,
    email: Option<Arc<dyn Transport>>,
    sms: Option<Arc<dyn Transport>>,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("config", &self.config)
            .field("email", &self.email.as_ref().map(|t| t.name()))
            .field("sms", &self.sms.as_ref().map(|t| t.name()))
            .finish_non_exhaustive()
    }
}

impl Delivery {
    /// The service with the transports `config` names (SMTP, SMS webhook). Validates the
    /// configuration; connects to nothing yet.
    pub fn new(
        config: DeliveryConfig,
        outbox: Arc<dyn OutboxStore>,
        kek: Arc<Kek>,
    ) -> Result<Self, ConfigError> {
        config.validate()?;
        let email = match &config.smtp {
            Some(smtp) => Some(Arc::new(SmtpTransport::new(smtp)?) as Arc<dyn Transport>),
            None => None,
        };
        let sms = match &config.sms_webhook {
            Some(hook) => Some(Arc::new(SmsWebhookTransport::new(hook)?) as Arc<dyn Transport>),
            None => None,
        };
        Ok(Self {
            config,
            outbox,
            kek,
            email,
            sms,
        })
    }

    /// The service with transports supplied by the caller (tests, embedders); the
    /// `smtp` and `sms_webhook` settings of `config` are ignored.
    pub fn with_transports(
        config: DeliveryConfig,
        outbox: Arc<dyn OutboxStore>,
        kek: Arc<Kek>,
        email: Option<Arc<dyn Transport>>,
        sms: Option<Arc<dyn Transport>>,
    ) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Self {
            config,
            outbox,
            kek,
            email,
            sms,
        })
    }

    /// The settings in force.
    #[must_use]
    pub fn config(&self) -> &DeliveryConfig {
        &self.config
    }

    /// The development code every generated code must equal, if configured. Handlers
    /// use it instead of a random code; the server refuses it off loopback.
    #[must_use]
    pub fn fixed_code(&self) -> Option<&str> {
        self.config.fixed_code.as_deref()
    }

    /// A fresh code of `digits` digits for a message (`cognate_domain::codes`), or the
    /// development `fixed_code` when one is configured. Handlers take every code they
    /// send from here, so the fixed-code rule lives in one place.
    #[must_use]
    pub fn new_code(&self, digits: u32) -> String {
        match &self.config.fixed_code {
            Some(code) => code.clone(),
            None => cognate_domain::codes::generate_code(digits),
        }
    }

    /// Whether messages of `channel` leave the machine (otherwise they are `LOGGED`).
    #[must_use]
    pub fn has_transport(&self, channel: Channel) -> bool {
        self.transport(channel).is_some()
    }

    fn transport(&self, channel: Channel) -> Option<&Arc<dyn Transport>> {
        match channel {
            Channel::Email => self.email.as_ref(),
            Channel::Sms => self.sms.as_ref(),
        }
    }

    /// Records `message` in the outbox (content sealed under the KEK), then attempts
    /// delivery at once.
    ///
    /// - `Err` only when the message could not be recorded: nothing was sent, and the
    ///   request should fail.
    /// - `Ok` with [`DeliveryOutcome::Sent`], [`DeliveryOutcome::Logged`] (no transport
    ///   for the channel; the message is readable in the outbox) or
    ///   [`DeliveryOutcome::Failed`] (logged at WARN, recorded, and retried by the worker
    ///   unless the failure is permanent).
    ///
    /// Whether a failure fails the API call is the handler's choice; the receipt carries
    /// what it needs. Cognate's rule: a failure that will be retried does not (the code
    /// is durable and arrives once the transport recovers); a final one
    /// (`will_retry == false`: malformed address, recipient refused, webhook 400) is
    /// answered with `CodeDeliveryFailureException` by the operations whose model
    /// declares it (SignUp, ResendConfirmationCode, ForgotPassword,
    /// GetUserAttributeVerificationCode, UpdateUserAttributes, AdminCreateUser).
    pub async fn send(
        &self,
        message: OutgoingMessage,
        now_ms: i64,
    ) -> Result<DeliveryReceipt, DeliveryError> {
        if message.pool_id.is_empty() {
            return Err(DeliveryError::InvalidMessage("no pool"));
        }
        if message.destination.trim().is_empty() {
            return Err(DeliveryError::InvalidMessage("no destination"));
        }
        let id = cognate_crypto::ids::uuid();
        let content = Content::new(message.subject, message.body, message.code);
        let record = MessageRecord {
            id: id.clone(),
            pool_id: message.pool_id,
            username: message.username,
            channel: message.channel.as_str().to_owned(),
            destination: message.destination,
            purpose: message.purpose,
            sealed_content: content.seal(&self.kek, &id)?,
            created_ms: now_ms,
            status: MessageStatus::Pending.as_str().to_owned(),
            attempts: 0,
            last_error: None,
            // Leased to this call from the start: another node's worker takes it only if
            // this one dies before recording the result.
            next_attempt_ms: now_ms.saturating_add(self.config.retry.lease_ms()),
        };
        self.outbox.enqueue_message(&record).await?;
        if self.config.log_messages {
            log_content(&record, &content);
        }
        let outcome = self
            .attempt(&record, message.channel, &content, now_ms)
            .await;
        Ok(DeliveryReceipt {
            message_id: id,
            channel: message.channel,
            outcome,
        })
    }

    /// One attempt for a recorded message; records and logs the result.
    async fn attempt(
        &self,
        record: &MessageRecord,
        channel: Channel,
        content: &Content,
        now_ms: i64,
    ) -> DeliveryOutcome {
        let channel_name = channel.as_str();
        let Some(transport) = self.transport(channel) else {
            if self.config.log_messages {
                tracing::info!(
                    message_id = %record.id, pool_id = %record.pool_id, channel = channel_name,
                    purpose = %record.purpose,
                    "no {channel_name} transport configured: message kept in the outbox"
                );
            } else {
                // Production without a transport: say so every time rather than drop quietly.
                tracing::warn!(
                    message_id = %record.id, pool_id = %record.pool_id, channel = channel_name,
                    purpose = %record.purpose,
                    "no {channel_name} transport configured: message kept in the outbox only \
                     (read it with `cognate messages`)"
                );
            }
            self.mark(
                record,
                MessageStatus::Logged,
                record.attempts,
                None,
                NEVER_MS,
            )
            .await;
            return DeliveryOutcome::Logged;
        };
        let envelope = Envelope {
            message_id: &record.id,
            pool_id: &record.pool_id,
            username: record.username.as_deref(),
            channel,
            destination: &record.destination,
            purpose: &record.purpose,
            subject: content.subject.as_deref(),
            body: &content.body,
        };
        let attempts = record.attempts.saturating_add(1);
        // Whatever the transport's own timeouts, an attempt must end well inside the lease,
        // or another node would take the message over while it is still being sent.
        let limit = Duration::from_millis(
            u64::try_from(self.config.retry.lease_ms() / 2).unwrap_or(u64::MAX),
        );
        let result = match tokio::time::timeout(limit, transport.deliver(&envelope)).await {
            Ok(result) => result,
            Err(_) => Err(TransportError::transient(format!(
                "{}: no answer within {} s",
                transport.name(),
                limit.as_secs()
            ))),
        };
        match result {
            Ok(()) => {
                tracing::info!(
                    message_id = %record.id, pool_id = %record.pool_id, channel = channel_name,
                    purpose = %record.purpose, attempts, transport = transport.name(),
                    "message delivered"
                );
                self.mark(record, MessageStatus::Sent, attempts, None, NEVER_MS)
                    .await;
                DeliveryOutcome::Sent
            }
            Err(error) => {
                let max = i32::try_from(self.config.retry.max_attempts).unwrap_or(i32::MAX);
                let will_retry = !error.permanent && attempts < max;
                let next = if will_retry {
                    let failed = u32::try_from(attempts).unwrap_or(u32::MAX);
                    now_ms.saturating_add(self.config.retry.backoff_ms(failed))
                } else {
                    NEVER_MS
                };
                if will_retry {
                    tracing::warn!(
                        message_id = %record.id, pool_id = %record.pool_id, channel = channel_name,
                        purpose = %record.purpose, attempts, next_attempt_ms = next,
                        transport = transport.name(), error = %error.message,
                        "message delivery failed; will retry"
                    );
                } else {
                    tracing::error!(
                        message_id = %record.id, pool_id = %record.pool_id, channel = channel_name,
                        purpose = %record.purpose, attempts, permanent = error.permanent,
                        transport = transport.name(), error = %error.message,
                        "message delivery failed; giving up"
                    );
                }
                // The store claims only PENDING rows: a retry stays PENDING, FAILED is final.
                let status = if will_retry {
                    MessageStatus::Pending
                } else {
                    MessageStatus::Failed
                };
                self.mark(record, status, attempts, Some(&error.message), next)
                    .await;
                DeliveryOutcome::Failed {
                    error: error.message,
                    will_retry,
                }
            }
        }
    }

    /// Records an attempt's result. A store failure here is logged, not returned: the
    /// attempt already happened, and the row, still leased, is retried once the lease
    /// runs out (at-least-once: a message sent but not marked may be sent again).
    async fn mark(
        &self,
        record: &MessageRecord,
        status: MessageStatus,
        attempts: i32,
        last_error: Option<&str>,
        next_attempt_ms: i64,
    ) {
        if let Err(e) = self
            .outbox
            .mark_message(
                &record.id,
                status.as_str(),
                attempts,
                last_error,
                next_attempt_ms,
            )
            .await
        {
            tracing::error!(
                message_id = %record.id, pool_id = %record.pool_id, status = %status,
                error = %e,
                "could not record the delivery result; the message will be retried after its lease"
            );
        }
    }

    /// One round of the retry worker: leases up to `retry.batch_size` due messages
    /// (the store's lease keeps two nodes from taking the same message), attempts them
    /// concurrently and records each result. Call it periodically, or run
    /// [`Delivery::run_retries`].
    pub async fn retry_due(&self, now_ms: i64) -> Result<RetryReport, DeliveryError> {
        let retry = &self.config.retry;
        let claimed = self
            .outbox
            .claim_due_messages(now_ms, retry.lease_ms(), retry.batch_size)
            .await?;
        let outcomes = join_all(claimed.iter().map(|r| self.retry_one(r, now_ms))).await;
        let mut report = RetryReport {
            claimed: claimed.len(),
            ..RetryReport::default()
        };
        for outcome in outcomes {
            match outcome {
                DeliveryOutcome::Sent => report.sent += 1,
                DeliveryOutcome::Logged => report.logged += 1,
                DeliveryOutcome::Failed {
                    will_retry: true, ..
                } => report.failed += 1,
                DeliveryOutcome::Failed {
                    will_retry: false, ..
                } => report.gave_up += 1,
            }
        }
        Ok(report)
    }

    async fn retry_one(&self, record: &MessageRecord, now_ms: i64) -> DeliveryOutcome {
        let give_up = |error: String| async move {
            tracing::error!(
                message_id = %record.id, pool_id = %record.pool_id, error = %error,
                "message cannot be retried; giving up"
            );
            self.mark(
                record,
                MessageStatus::Failed,
                record.attempts,
                Some(&error),
                NEVER_MS,
            )
            .await;
            DeliveryOutcome::Failed {
                error,
                will_retry: false,
            }
        };
        let Some(channel) = parse_channel(&record.channel) else {
            return give_up(format!("unknown channel {:?}", record.channel)).await;
        };
        let max = i64::from(self.config.retry.max_attempts);
        if i64::from(record.attempts) >= max {
            // The limit was lowered since the message was scheduled.
            let error = record
                .last_error
                .clone()
                .unwrap_or_else(|| "attempts used up".to_owned());
            return give_up(error).await;
        }
        let content = match Content::open(&self.kek, &record.id, &record.sealed_content) {
            Ok(content) => content,
            Err(e) => return give_up(format!("content cannot be opened: {e}")).await,
        };
        self.attempt(record, channel, &content, now_ms).await
    }

    /// The retry worker: every `retry.poll_interval_seconds`, runs [`Delivery::retry_due`]
    /// until a round leases less than a full batch. Returns when `shutdown` completes; a
    /// round in progress finishes first (its sends are bounded by the transport timeouts).
    pub async fn run_retries<S>(&self, clock: &dyn Clock, shutdown: S)
    where
        S: Future<Output = ()>,
    {
        tokio::pin!(shutdown);
        let mut ticks = tokio::time::interval(self.config.retry.poll_interval());
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let batch = usize::try_from(self.config.retry.batch_size).unwrap_or(usize::MAX);
        loop {
            tokio::select! {
                () = &mut shutdown => return,
                _ = ticks.tick() => {}
            }
            for _ in 0..MAX_ROUNDS_PER_TICK {
                match self.retry_due(clock.now_ms()).await {
                    Ok(report) if report.claimed >= batch => {}
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "retry worker: could not lease due messages");
                        break;
                    }
                }
            }
        }
    }

    /// Messages matching `query`, newest first, with their content opened. A message
    /// whose content cannot be opened is listed with `content_error` set.
    pub async fn list(
        &self,
        query: &MessageQuery,
        page: &PageRequest,
    ) -> Result<Page<DecodedMessage>, DeliveryError> {
        let page = self.outbox.list_messages(query, page).await?;
        Ok(Page {
            items: page.items.iter().map(|r| self.decode(r)).collect(),
            next: page.next,
        })
    }

    /// [`Delivery::list`] driven by the local endpoint's query string or the CLI's flags;
    /// the answer is the endpoint's JSON. A bad `next_token` is `StoreError::InvalidCursor`.
    pub async fn list_params(&self, params: &ListParams) -> Result<MessageList, DeliveryError> {
        let query = MessageQuery {
            pool_id: params.pool_id.clone(),
            destination: params.destination.clone(),
            username: params.username.clone(),
        };
        let page = PageRequest {
            limit: params.limit.unwrap_or(DEFAULT_LIST_LIMIT),
            cursor: params.next_token.clone(),
        };
        let page = self.list(&query, &page).await?;
        Ok(MessageList {
            messages: page.items,
            next_token: page.next,
        })
    }

    /// The newest message matching `query`.
    pub async fn latest(
        &self,
        query: &MessageQuery,
    ) -> Result<Option<DecodedMessage>, DeliveryError> {
        let page = self.list(query, &PageRequest::first(1)).await?;
        Ok(page.items.into_iter().next())
    }

    /// The code of the newest message to `destination` that carries one (a notice
    /// without a code sent afterwards does not hide it). For tests and scripts.
    pub async fn latest_code(&self, destination: &str) -> Result<Option<String>, DeliveryError> {
        let query = MessageQuery {
            destination: Some(destination.to_owned()),
            ..MessageQuery::default()
        };
        let page = self
            .list(&query, &PageRequest::first(LATEST_CODE_SCAN))
            .await?;
        Ok(page.items.iter().find_map(DecodedMessage::code))
    }

    fn decode(&self, record: &MessageRecord) -> DecodedMessage {
        let scheduled =
            record.status == MessageStatus::Pending.as_str() && record.next_attempt_ms != NEVER_MS;
        let (subject, body, code, content_error) =
            match Content::open(&self.kek, &record.id, &record.sealed_content) {
                Ok(c) => (c.subject, Some(c.body), c.code, None),
                Err(e) => (None, None, None, Some(e.to_string())),
            };
        DecodedMessage {
            id: record.id.clone(),
            pool_id: record.pool_id.clone(),
            username: record.username.clone(),
            channel: record.channel.clone(),
            destination: record.destination.clone(),
            purpose: record.purpose.clone(),
            subject,
            body,
            code,
            created_ms: record.created_ms,
            status: record.status.clone(),
            attempts: record.attempts,
            last_error: record.last_error.clone(),
            next_attempt_ms: scheduled.then_some(record.next_attempt_ms),
            content_error,
        }
    }
}

/// Development only (`log_messages`): the whole message, code included, so a developer
/// reads it in the server's output.
fn log_content(record: &MessageRecord, content: &Content) {
    tracing::info!(
        message_id = %record.id,
        pool_id = %record.pool_id,
        channel = %record.channel,
        purpose = %record.purpose,
        destination = %record.destination,
        username = record.username.as_deref().unwrap_or(""),
        subject = content.subject.as_deref().unwrap_or(""),
        code = content.code.as_deref().unwrap_or(""),
        body = %content.body,
        "message (development log)"
    );
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
