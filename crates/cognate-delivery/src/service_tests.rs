use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use cognate_store::{Page, PageRequest, StoreError};

use super::*;
use crate::config::RetryConfig;
use crate::memory::MemoryOutbox;
use crate::message::purpose;
use crate::transport::TransportError;

const T0: i64 = 1_700_000_000_000;

/// Records what it is asked to deliver and answers from a script (then `Ok`).
#[derive(Default)]
struct FakeTransport {
    script: Mutex<VecDeque<Result<(), TransportError>>>,
    seen: Mutex<Vec<Seen>>,
}

#[derive(Debug, Clone)]
struct Seen {
    id: String,
    destination: String,
    subject: Option<String>,
    body: String,
}

impl FakeTransport {
    fn answering(script: Vec<Result<(), TransportError>>) -> Arc<Self> {
        Arc::new(Self {
            script: Mutex::new(script.into()),
            seen: Mutex::default(),
        })
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

#[async_trait]
impl Transport for FakeTransport {
    fn name(&self) -> &'static str {
        "fake"
    }

    async fn deliver(&self, envelope: &Envelope<'_>) -> Result<(), TransportError> {
        self.seen.lock().unwrap().push(Seen {
            id: envelope.message_id.to_owned(),
            destination: envelope.destination.to_owned(),
            subject: envelope.subject.map(str::to_owned),
            body: envelope.body.to_owned(),
        });
        self.script.lock().unwrap().pop_front().unwrap_or(Ok(()))
    }
}

/// A memory outbox whose writes can be made to fail, as a database outage would.
#[derive(Default)]
struct BrokenOutbox {
    inner: MemoryOutbox,
    fail_enqueue: AtomicBool,
    fail_mark: AtomicBool,
}

#[async_trait]
impl OutboxStore for BrokenOutbox {
    async fn enqueue_message(&self, message: &MessageRecord) -> Result<(), StoreError> {
        if self.fail_enqueue.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable("down".into()));
        }
        self.inner.enqueue_message(message).await
    }
    async fn list_messages(
        &self,
        query: &MessageQuery,
        page: &PageRequest,
    ) -> Result<Page<MessageRecord>, StoreError> {
        self.inner.list_messages(query, page).await
    }
    async fn claim_due_messages(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        self.inner.claim_due_messages(now_ms, lease_ms, limit).await
    }
    async fn mark_message(
        &self,
        id: &str,
        status: &str,
        attempts: i32,
        last_error: Option<&str>,
        next_attempt_ms: i64,
    ) -> Result<(), StoreError> {
        if self.fail_mark.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable("down".into()));
        }
        self.inner
            .mark_message(id, status, attempts, last_error, next_attempt_ms)
            .await
    }
}

fn code_email(to: &str, code: &str) -> OutgoingMessage {
    OutgoingMessage {
        pool_id: "us-east-1_pool".into(),
        username: Some("alice".into()),
        channel: Channel::Email,
        destination: to.into(),
        subject: Some("Your verification code".into()),
        body: format!("Your verification code is {code}."),
        purpose: purpose::SIGN_UP.into(),
        code: Some(code.into()),
    }
}

fn delivery(
    outbox: Arc<dyn OutboxStore>,
    email: Option<Arc<FakeTransport>>,
    retry: RetryConfig,
) -> Delivery {
    let config = DeliveryConfig {
        retry,
        ..DeliveryConfig::default()
    };
    Delivery::with_transports(
        config,
        outbox,
        Arc::new(Kek::generate().unwrap()),
        email.map(|t| t as Arc<dyn Transport>),
        None,
    )
    .unwrap()
}

fn transient(msg: &str) -> Result<(), TransportError> {
    Err(TransportError::transient(msg))
}

#[tokio::test]
async fn without_transport_the_message_is_logged_and_readable() {
    let outbox = Arc::new(MemoryOutbox::new());
    let d = delivery(outbox.clone(), None, RetryConfig::default());
    let receipt = d
        .send(code_email("a@example.com", "123456"), T0)
        .await
        .unwrap();
    assert_eq!(receipt.outcome, DeliveryOutcome::Logged);
    assert!(!receipt.failed());

    let rows = outbox.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, receipt.message_id);
    assert_eq!(rows[0].status, "LOGGED");
    assert_eq!(rows[0].channel, "EMAIL");
    assert_eq!(rows[0].attempts, 0);
    // The code and the text are sealed at rest.
    let sealed = &rows[0].sealed_content;
    assert!(!sealed.windows(6).any(|w| w == b"123456"));
    assert!(!sealed.windows(12).any(|w| w == b"verification"));

    let listed = d
        .list(&MessageQuery::default(), &PageRequest::first(10))
        .await
        .unwrap();
    let m = &listed.items[0];
    assert_eq!(m.body.as_deref(), Some("Your verification code is 123456."));
    assert_eq!(m.subject.as_deref(), Some("Your verification code"));
    assert_eq!(m.code.as_deref(), Some("123456"));
    assert_eq!(m.status, "LOGGED");
    assert_eq!(m.next_attempt_ms, None);
    assert_eq!(m.content_error, None);
    assert_eq!(
        d.latest_code("a@example.com").await.unwrap().as_deref(),
        Some("123456")
    );
    assert_eq!(d.latest_code("b@example.com").await.unwrap(), None);
    // Nothing is ever due.
    assert_eq!(d.retry_due(i64::MAX - 1).await.unwrap().claimed, 0);
}

#[tokio::test]
async fn a_transport_receives_the_message_and_it_is_recorded_sent() {
    let outbox = Arc::new(MemoryOutbox::new());
    let smtp = FakeTransport::answering(vec![]);
    let d = delivery(outbox.clone(), Some(smtp.clone()), RetryConfig::default());
    assert!(d.has_transport(Channel::Email) && !d.has_transport(Channel::Sms));
    let receipt = d
        .send(code_email("a@example.com", "654321"), T0)
        .await
        .unwrap();
    assert_eq!(receipt.outcome, DeliveryOutcome::Sent);
    let seen = smtp.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].id, receipt.message_id);
    assert_eq!(seen[0].destination, "a@example.com");
    assert_eq!(seen[0].subject.as_deref(), Some("Your verification code"));
    assert_eq!(seen[0].body, "Your verification code is 654321.");
    let row = &outbox.rows()[0];
    assert_eq!((row.status.as_str(), row.attempts), ("SENT", 1));
    assert_eq!(row.next_attempt_ms, NEVER_MS);
}

#[tokio::test]
async fn a_transient_failure_is_recorded_and_retried_with_backoff() {
    let outbox = Arc::new(MemoryOutbox::new());
    let smtp = FakeTransport::answering(vec![transient("smtp: connection refused")]);
    let d = delivery(outbox.clone(), Some(smtp.clone()), RetryConfig::default());
    let receipt = d
        .send(code_email("a@example.com", "111111"), T0)
        .await
        .unwrap();
    assert!(receipt.failed());
    assert_eq!(
        receipt.outcome,
        DeliveryOutcome::Failed {
            error: "smtp: connection refused".into(),
            will_retry: true
        }
    );
    let row = &outbox.rows()[0];
    assert_eq!(row.status, "PENDING");
    assert_eq!(row.attempts, 1);
    assert_eq!(row.last_error.as_deref(), Some("smtp: connection refused"));
    assert_eq!(row.next_attempt_ms, T0 + 30_000);
    let listed = d.latest(&MessageQuery::default()).await.unwrap().unwrap();
    assert_eq!(listed.next_attempt_ms, Some(T0 + 30_000));

    assert_eq!(d.retry_due(T0 + 29_999).await.unwrap().claimed, 0);
    let report = d.retry_due(T0 + 30_000).await.unwrap();
    assert_eq!(
        report,
        RetryReport {
            claimed: 1,
            sent: 1,
            ..RetryReport::default()
        }
    );
    assert_eq!(smtp.seen().len(), 2);
    let row = &outbox.rows()[0];
    assert_eq!((row.status.as_str(), row.attempts), ("SENT", 2));
    assert_eq!(d.retry_due(T0 + 10_000_000).await.unwrap().claimed, 0);
}

#[tokio::test]
async fn a_permanent_failure_is_not_retried() {
    let outbox = Arc::new(MemoryOutbox::new());
    let smtp = FakeTransport::answering(vec![Err(TransportError::permanent(
        "smtp: 550 no such user",
    ))]);
    let d = delivery(outbox.clone(), Some(smtp.clone()), RetryConfig::default());
    let receipt = d
        .send(code_email("bounce@example.com", "1"), T0)
        .await
        .unwrap();
    assert!(matches!(
        receipt.outcome,
        DeliveryOutcome::Failed {
            will_retry: false,
            ..
        }
    ));
    let row = &outbox.rows()[0];
    assert_eq!(row.status, "FAILED");
    assert_eq!(row.next_attempt_ms, NEVER_MS);
    assert_eq!(d.retry_due(i64::MAX - 1).await.unwrap().claimed, 0);
    assert_eq!(smtp.seen().len(), 1);
}

#[tokio::test]
async fn attempts_are_bounded() {
    let outbox = Arc::new(MemoryOutbox::new());
    let smtp = FakeTransport::answering((0..10).map(|_| transient("down")).collect());
    let retry = RetryConfig {
        max_attempts: 3,
        initial_backoff_seconds: 10,
        max_backoff_seconds: 15,
        ..RetryConfig::default()
    };
    let d = delivery(outbox.clone(), Some(smtp.clone()), retry);
    d.send(code_email("a@example.com", "1"), T0).await.unwrap();
    assert_eq!(outbox.rows()[0].next_attempt_ms, T0 + 10_000);
    let r = d.retry_due(T0 + 10_000).await.unwrap();
    assert_eq!((r.claimed, r.failed), (1, 1));
    // Doubled, then capped at 15 s.
    assert_eq!(outbox.rows()[0].next_attempt_ms, T0 + 25_000);
    let r = d.retry_due(T0 + 25_000).await.unwrap();
    assert_eq!((r.claimed, r.gave_up), (1, 1));
    let row = &outbox.rows()[0];
    assert_eq!((row.status.as_str(), row.attempts), ("FAILED", 3));
    assert_eq!(row.last_error.as_deref(), Some("down"));
    assert_eq!(d.retry_due(i64::MAX - 1).await.unwrap().claimed, 0);
    assert_eq!(smtp.seen().len(), 3);
}

#[tokio::test]
async fn a_recorded_message_is_leased_to_the_sender() {
    // The node records the result only after sending; until then (or if it dies) the
    // row is leased to it, and another node takes it over only after the lease.
    let outbox = Arc::new(BrokenOutbox::default());
    let smtp = FakeTransport::answering(vec![]);
    let d = delivery(outbox.clone(), Some(smtp.clone()), RetryConfig::default());
    outbox.fail_mark.store(true, Ordering::SeqCst);
    let receipt = d.send(code_email("a@example.com", "1"), T0).await.unwrap();
    // The user got the message: the receipt says so though the store did not record it.
    assert_eq!(receipt.outcome, DeliveryOutcome::Sent);
    outbox.fail_mark.store(false, Ordering::SeqCst);
    assert_eq!(outbox.inner.rows()[0].status, "PENDING");
    assert_eq!(d.retry_due(T0 + 119_999).await.unwrap().claimed, 0);
    // At least once: after the lease the message goes again.
    assert_eq!(d.retry_due(T0 + 120_000).await.unwrap().sent, 1);
    assert_eq!(smtp.seen().len(), 2);
    assert_eq!(outbox.inner.rows()[0].status, "SENT");
}

#[tokio::test]
async fn an_unrecorded_message_is_not_sent() {
    let outbox = Arc::new(BrokenOutbox::default());
    let smtp = FakeTransport::answering(vec![]);
    let d = delivery(outbox.clone(), Some(smtp.clone()), RetryConfig::default());
    outbox.fail_enqueue.store(true, Ordering::SeqCst);
    let err = d
        .send(code_email("a@example.com", "1"), T0)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        DeliveryError::Store(StoreError::Unavailable(_))
    ));
    assert!(smtp.seen().is_empty());
}

#[tokio::test]
async fn invalid_messages_are_refused() {
    let d = delivery(Arc::new(MemoryOutbox::new()), None, RetryConfig::default());
    let mut m = code_email(" ", "1");
    assert!(matches!(
        d.send(m.clone(), T0).await,
        Err(DeliveryError::InvalidMessage(_))
    ));
    m.destination = "a@example.com".into();
    m.pool_id = String::new();
    assert!(matches!(
        d.send(m, T0).await,
        Err(DeliveryError::InvalidMessage(_))
    ));
}

#[tokio::test]
async fn latest_code_skips_newer_messages_without_a_code() {
    let d = delivery(Arc::new(MemoryOutbox::new()), None, RetryConfig::default());
    d.send(code_email("a@example.com", "222222"), T0)
        .await
        .unwrap();
    let mut notice = code_email("a@example.com", "");
    notice.code = None;
    notice.body = "Your password was changed.".into();
    notice.purpose = purpose::NOTICE.into();
    d.send(notice, T0 + 1).await.unwrap();
    assert_eq!(
        d.latest_code("a@example.com").await.unwrap().as_deref(),
        Some("222222")
    );
    // A message recorded without `code`: the six digits are found in the body.
    let mut legacy = code_email("a@example.com", "333333");
    legacy.code = None;
    d.send(legacy, T0 + 2).await.unwrap();
    assert_eq!(
        d.latest_code("a@example.com").await.unwrap().as_deref(),
        Some("333333")
    );
}

#[tokio::test]
async fn listing_is_newest_first_and_paged() {
    let d = delivery(Arc::new(MemoryOutbox::new()), None, RetryConfig::default());
    for (i, to) in ["a@x.test", "b@x.test", "a@x.test"].iter().enumerate() {
        d.send(code_email(to, &format!("00000{i}")), T0 + i as i64)
            .await
            .unwrap();
    }
    let first = d
        .list_params(&ListParams {
            limit: Some(2),
            ..ListParams::default()
        })
        .await
        .unwrap();
    let codes: Vec<_> = first
        .messages
        .iter()
        .map(|m| m.code.clone().unwrap())
        .collect();
    assert_eq!(codes, ["000002", "000001"]);
    let rest = d
        .list_params(&ListParams {
            limit: Some(2),
            next_token: first.next_token.clone(),
            ..ListParams::default()
        })
        .await
        .unwrap();
    assert_eq!(rest.messages.len(), 1);
    assert_eq!(rest.messages[0].code.as_deref(), Some("000000"));
    assert_eq!(rest.next_token, None);

    let only_a = d
        .list_params(&ListParams {
            destination: Some("a@x.test".into()),
            ..ListParams::default()
        })
        .await
        .unwrap();
    assert_eq!(only_a.messages.len(), 2);
    let json = serde_json::to_value(&only_a).unwrap();
    assert_eq!(json["messages"][0]["destination"], "a@x.test");
    assert!(json.get("next_token").is_none());

    let bad = d
        .list_params(&ListParams {
            next_token: Some("garbage".into()),
            ..ListParams::default()
        })
        .await;
    assert!(matches!(
        bad,
        Err(DeliveryError::Store(StoreError::InvalidCursor))
    ));
}

#[tokio::test]
async fn content_under_another_key_is_reported_not_hidden() {
    let outbox = Arc::new(MemoryOutbox::new());
    let failing = FakeTransport::answering(vec![transient("down")]);
    let old = delivery(outbox.clone(), Some(failing), RetryConfig::default());
    old.send(code_email("a@example.com", "1"), T0)
        .await
        .unwrap();
    // Same outbox, another key (a misconfigured node).
    let smtp = FakeTransport::answering(vec![]);
    let new = delivery(outbox.clone(), Some(smtp.clone()), RetryConfig::default());
    let listed = new.latest(&MessageQuery::default()).await.unwrap().unwrap();
    assert_eq!(listed.body, None);
    assert!(listed.content_error.unwrap().contains("another key"));
    let report = new.retry_due(T0 + 30_000).await.unwrap();
    assert_eq!(report.gave_up, 1);
    assert!(smtp.seen().is_empty());
    let row = &outbox.rows()[0];
    assert_eq!(row.status, "FAILED");
    assert!(
        row.last_error
            .as_deref()
            .unwrap()
            .contains("cannot be opened")
    );
}

#[tokio::test]
async fn two_nodes_never_send_one_message_twice() {
    let outbox = Arc::new(MemoryOutbox::new());
    let kek = Arc::new(Kek::generate().unwrap());
    let smtp = FakeTransport::answering((0..20).map(|_| transient("down")).collect());
    let node = |t: Arc<FakeTransport>| {
        Delivery::with_transports(
            DeliveryConfig::default(),
            outbox.clone(),
            kek.clone(),
            Some(t as Arc<dyn Transport>),
            None,
        )
        .unwrap()
    };
    let a = node(smtp.clone());
    for i in 0..20 {
        a.send(code_email(&format!("u{i}@x.test"), "1"), T0)
            .await
            .unwrap();
    }
    let retrying = FakeTransport::answering(vec![]);
    let (b, c) = (node(retrying.clone()), node(retrying.clone()));
    let due = T0 + 30_000;
    let mut sent = 0;
    for _ in 0..5 {
        let (rb, rc) = tokio::join!(b.retry_due(due), c.retry_due(due));
        sent += rb.unwrap().sent + rc.unwrap().sent;
    }
    assert_eq!(sent, 20);
    let mut ids: Vec<_> = retrying.seen().into_iter().map(|s| s.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20);
    assert_eq!(retrying.seen().len(), 20);
}

#[tokio::test]
async fn the_worker_retries_until_shutdown() {
    let outbox = Arc::new(MemoryOutbox::new());
    let smtp = FakeTransport::answering(vec![transient("down")]);
    let retry = RetryConfig {
        initial_backoff_seconds: 1,
        poll_interval_seconds: 1,
        ..RetryConfig::default()
    };
    let d = Arc::new(delivery(outbox.clone(), Some(smtp.clone()), retry));
    let clock = Arc::new(cognate_domain::clock::ManualClock::new(T0));
    d.send(code_email("a@example.com", "1"), T0).await.unwrap();
    clock.advance_ms(1_000);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = {
        let (d, clock) = (d.clone(), clock.clone());
        tokio::spawn(async move {
            d.run_retries(clock.as_ref(), async {
                let _ = stopped.await;
            })
            .await;
        })
    };
    // The first tick fires at once.
    for _ in 0..100 {
        if outbox.rows()[0].status == "SENT" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(outbox.rows()[0].status, "SENT");
    stop.send(()).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(5), worker)
        .await
        .unwrap()
        .unwrap();
}

/// Captures log output in memory.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn logs_of(log_messages: bool, email: Option<Arc<FakeTransport>>) -> String {
    let buffer = LogBuffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::TRACE)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let config = DeliveryConfig {
        log_messages,
        ..DeliveryConfig::default()
    };
    let d = Delivery::with_transports(
        config,
        Arc::new(MemoryOutbox::new()),
        Arc::new(Kek::generate().unwrap()),
        email.map(|t| t as Arc<dyn Transport>),
        None,
    )
    .unwrap();
    d.send(code_email("a@example.com", "424242"), T0)
        .await
        .unwrap();
    d.retry_due(T0 + 30_000).await.unwrap();
    String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn codes_reach_the_log_only_in_development() {
    for email in [
        None,
        Some(FakeTransport::answering(vec![transient("down")])),
    ] {
        let quiet = logs_of(false, email.clone()).await;
        assert!(!quiet.is_empty());
        assert!(!quiet.contains("424242"), "{quiet}");
        assert!(!quiet.contains("verification code is"), "{quiet}");
        let dev = logs_of(true, email).await;
        assert!(dev.contains("424242"), "{dev}");
    }
    // Without a transport and without development logging, the operator is warned.
    let quiet = logs_of(false, None).await;
    assert!(
        quiet.contains("WARN") && quiet.contains("no EMAIL transport"),
        "{quiet}"
    );
}

struct HangingTransport;

#[async_trait]
impl Transport for HangingTransport {
    fn name(&self) -> &'static str {
        "hanging"
    }
    async fn deliver(&self, _: &Envelope<'_>) -> Result<(), TransportError> {
        std::future::pending().await
    }
}

#[tokio::test]
async fn a_hanging_transport_is_cut_off_inside_the_lease() {
    let outbox = Arc::new(MemoryOutbox::new());
    let config = DeliveryConfig {
        retry: RetryConfig {
            lease_seconds: 2,
            ..RetryConfig::default()
        },
        ..DeliveryConfig::default()
    };
    let d = Delivery::with_transports(
        config,
        outbox.clone(),
        Arc::new(Kek::generate().unwrap()),
        Some(Arc::new(HangingTransport)),
        None,
    )
    .unwrap();
    let receipt = d.send(code_email("a@example.com", "1"), T0).await.unwrap();
    assert!(
        matches!(&receipt.outcome, DeliveryOutcome::Failed { will_retry: true, error } if error.contains("no answer")),
        "{:?}",
        receipt.outcome
    );
    assert_eq!(outbox.rows()[0].status, "PENDING");
}

#[test]
fn codes_are_random_unless_fixed() {
    let d = delivery(Arc::new(MemoryOutbox::new()), None, RetryConfig::default());
    let code = d.new_code(6);
    assert_eq!(code.len(), 6);
    assert!(code.chars().all(|c| c.is_ascii_digit()));
    assert_eq!(d.fixed_code(), None);
    let fixed = Delivery::with_transports(
        DeliveryConfig {
            fixed_code: Some("123456".into()),
            ..DeliveryConfig::default()
        },
        Arc::new(MemoryOutbox::new()),
        Arc::new(Kek::generate().unwrap()),
        None,
        None,
    )
    .unwrap();
    assert_eq!(fixed.new_code(6), "123456");
    assert_eq!(fixed.fixed_code(), Some("123456"));
}
