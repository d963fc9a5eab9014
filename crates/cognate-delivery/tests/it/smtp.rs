//! Email through a real SMTP server (aiosmtpd, see tests/smtp_sink.py).

use std::path::PathBuf;
use std::sync::Arc;

use cognate_delivery::{
    Delivery, DeliveryConfig, DeliveryOutcome, MemoryOutbox, Secret, SmtpConfig, TlsMode,
};

use crate::support::{SmtpSink, T0, closed_port, email, kek};

fn smtp_config(port: u16, tls: TlsMode) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port: Some(port),
        tls,
        username: None,
        password: None,
        from: "Cognate <no-reply@cognate.test>".into(),
        timeout_seconds: 10,
        ca_file: None,
        hello_name: Some("cognate.test".into()),
    }
}

fn delivery(smtp: SmtpConfig) -> (Delivery, Arc<MemoryOutbox>) {
    let outbox = Arc::new(MemoryOutbox::new());
    let config = DeliveryConfig {
        smtp: Some(smtp),
        ..DeliveryConfig::default()
    };
    let d = Delivery::new(config, outbox.clone(), kek()).unwrap();
    (d, outbox)
}

/// A self-signed certificate for 127.0.0.1 and its key, as PEM files in `dir`.
fn certificate(dir: &std::path::Path) -> (PathBuf, PathBuf) {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    (cert, key)
}

#[tokio::test]
async fn delivers_with_authentication() {
    let Some(sink) = SmtpSink::start(&["--auth", "cognate:s3cret"]).await else {
        return;
    };
    let mut config = smtp_config(sink.port, TlsMode::None);
    config.username = Some("cognate".into());
    config.password = Some(Secret::new("s3cret"));
    let (d, outbox) = delivery(config);
    let receipt = d
        .send(email("alice@example.com", "246810"), T0)
        .await
        .unwrap();
    assert_eq!(receipt.outcome, DeliveryOutcome::Sent);

    let mails = sink.mails();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert_eq!(mail["rcpt_tos"], serde_json::json!(["alice@example.com"]));
    assert_eq!(mail["mail_from"], "no-reply@cognate.test");
    assert_eq!(mail["from"], "Cognate <no-reply@cognate.test>");
    assert_eq!(mail["to"], "alice@example.com");
    assert_eq!(mail["subject"], "Your verification code");
    assert_eq!(mail["content_type"], "text/plain");
    assert_eq!(
        mail["body"].as_str().unwrap().trim_end(),
        "Your verification code is 246810."
    );
    assert_eq!(mail["authenticated"], true);
    assert_eq!(
        mail["message_id"],
        format!("<{}@cognate.test>", receipt.message_id)
    );
    let row = &outbox.rows()[0];
    assert_eq!((row.status.as_str(), row.attempts), ("SENT", 1));
}

#[tokio::test]
async fn html_and_non_ascii_survive() {
    let Some(sink) = SmtpSink::start(&[]).await else {
        return;
    };
    let (d, _) = delivery(smtp_config(sink.port, TlsMode::None));
    let mut message = email("zoë@example.com", "135790");
    message.subject = Some("Vérification ✓".into());
    message.body = "<p>Votre code : <b>135790</b></p>".into();
    assert_eq!(
        d.send(message, T0).await.unwrap().outcome,
        DeliveryOutcome::Sent
    );
    let mail = &sink.mails()[0];
    assert_eq!(mail["subject"], "Vérification ✓");
    assert_eq!(mail["content_type"], "text/html");
    assert!(mail["body"].as_str().unwrap().contains("<b>135790</b>"));
}

#[tokio::test]
async fn a_wrong_password_fails_and_is_retried() {
    let Some(sink) = SmtpSink::start(&["--auth", "cognate:s3cret"]).await else {
        return;
    };
    let mut config = smtp_config(sink.port, TlsMode::None);
    config.username = Some("cognate".into());
    config.password = Some(Secret::new("wrong-password"));
    let (d, outbox) = delivery(config);
    let receipt = d.send(email("alice@example.com", "1"), T0).await.unwrap();
    let DeliveryOutcome::Failed { error, will_retry } = receipt.outcome else {
        panic!("expected a failure, got {:?}", receipt.outcome);
    };
    // An authentication refusal is the operator's to fix, not the message's fault.
    assert!(will_retry, "{error}");
    assert!(error.contains("535"), "{error}");
    assert!(!error.contains("wrong-password"));
    assert!(sink.mails().is_empty());
    let row = &outbox.rows()[0];
    assert_eq!(row.status, "PENDING");
    assert_eq!(row.last_error.as_deref(), Some(error.as_str()));
}

#[tokio::test]
async fn a_transient_refusal_is_retried_until_delivered() {
    let Some(sink) = SmtpSink::start(&[]).await else {
        return;
    };
    let (d, outbox) = delivery(smtp_config(sink.port, TlsMode::None));
    let receipt = d
        .send(email("flaky@example.com", "975310"), T0)
        .await
        .unwrap();
    assert!(
        matches!(&receipt.outcome, DeliveryOutcome::Failed { will_retry: true, error } if error.contains("451")),
        "{:?}",
        receipt.outcome
    );
    assert!(sink.mails().is_empty());
    assert_eq!(d.retry_due(T0 + 29_999).await.unwrap().claimed, 0);
    let report = d.retry_due(T0 + 30_000).await.unwrap();
    assert_eq!((report.claimed, report.sent), (1, 1));
    let mails = sink.mails();
    assert_eq!(mails.len(), 1);
    assert!(mails[0]["body"].as_str().unwrap().contains("975310"));
    let row = &outbox.rows()[0];
    assert_eq!((row.status.as_str(), row.attempts), ("SENT", 2));
}

#[tokio::test]
async fn a_permanent_refusal_is_final() {
    let Some(sink) = SmtpSink::start(&[]).await else {
        return;
    };
    let (d, outbox) = delivery(smtp_config(sink.port, TlsMode::None));
    let receipt = d.send(email("bounce@example.com", "1"), T0).await.unwrap();
    assert!(
        matches!(&receipt.outcome, DeliveryOutcome::Failed { will_retry: false, error } if error.contains("550")),
        "{:?}",
        receipt.outcome
    );
    assert_eq!(outbox.rows()[0].status, "FAILED");
    assert_eq!(d.retry_due(i64::MAX - 1).await.unwrap().claimed, 0);
}

#[tokio::test]
async fn a_relay_that_is_down_is_a_transient_failure() {
    let (d, outbox) = delivery(smtp_config(closed_port(), TlsMode::None));
    let receipt = d.send(email("alice@example.com", "1"), T0).await.unwrap();
    assert!(
        matches!(
            receipt.outcome,
            DeliveryOutcome::Failed {
                will_retry: true,
                ..
            }
        ),
        "{:?}",
        receipt.outcome
    );
    assert_eq!(outbox.rows()[0].status, "PENDING");
}

#[tokio::test]
async fn starttls_with_a_private_ca() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(dir.path());
    let (cert_arg, key_arg) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let Some(sink) = SmtpSink::start(&["--tls-cert", cert_arg, "--tls-key", key_arg]).await else {
        return;
    };
    let mut config = smtp_config(sink.port, TlsMode::Starttls);
    config.ca_file = Some(cert.clone());
    let (d, _) = delivery(config);
    let receipt = d
        .send(email("alice@example.com", "112233"), T0)
        .await
        .unwrap();
    assert_eq!(receipt.outcome, DeliveryOutcome::Sent);
    let mail = &sink.mails()[0];
    assert_eq!(mail["tls"], true);
    assert!(mail["body"].as_str().unwrap().contains("112233"));

    // The same server is refused when its certificate is not trusted: verification is on.
    let (untrusting, _) = delivery(smtp_config(sink.port, TlsMode::Starttls));
    let receipt = untrusting
        .send(email("alice@example.com", "1"), T0)
        .await
        .unwrap();
    assert!(receipt.failed(), "{:?}", receipt.outcome);
    assert_eq!(sink.mails().len(), 1);
}

#[tokio::test]
async fn implicit_tls_with_a_private_ca() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(dir.path());
    let args = [
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
        "--implicit-tls",
    ];
    let Some(sink) = SmtpSink::start(&args).await else {
        return;
    };
    let mut config = smtp_config(sink.port, TlsMode::Tls);
    config.ca_file = Some(cert);
    let (d, _) = delivery(config);
    let receipt = d
        .send(email("alice@example.com", "445566"), T0)
        .await
        .unwrap();
    assert_eq!(receipt.outcome, DeliveryOutcome::Sent);
    assert_eq!(sink.mails()[0]["tls"], true);
}

#[tokio::test]
async fn starttls_is_required_when_configured() {
    // A server that does not offer STARTTLS must not receive the message in clear.
    let Some(sink) = SmtpSink::start(&[]).await else {
        return;
    };
    let (d, _) = delivery(smtp_config(sink.port, TlsMode::Starttls));
    let receipt = d.send(email("alice@example.com", "1"), T0).await.unwrap();
    assert!(receipt.failed(), "{:?}", receipt.outcome);
    assert!(sink.mails().is_empty());
}

#[tokio::test]
async fn a_relay_that_stops_answering_is_cut_off() {
    // Accepts connections and never says a word.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let mut config = smtp_config(port, TlsMode::None);
    config.timeout_seconds = 1;
    let (d, outbox) = delivery(config);
    let sent = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        d.send(email("alice@example.com", "1"), T0),
    )
    .await
    .expect("the SMTP timeout did not fire")
    .unwrap();
    assert!(
        matches!(&sent.outcome, DeliveryOutcome::Failed { will_retry: true, error } if error.contains("no answer")),
        "{:?}",
        sent.outcome
    );
    assert_eq!(outbox.rows()[0].status, "PENDING");
    holder.abort();
}
