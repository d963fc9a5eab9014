//! SMS through the webhook, against a local HTTP server.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use cognate_delivery::{
    Delivery, DeliveryConfig, DeliveryOutcome, MemoryOutbox, Secret, SmsWebhookConfig,
};
use serde_json::{Value, json};

use crate::support::{POOL, T0, closed_port, kek, sms};

/// Records every request and answers from a script of statuses (then 200).
#[derive(Default)]
struct Hook {
    requests: Mutex<Vec<(HeaderMap, Value)>>,
    statuses: Mutex<VecDeque<u16>>,
}

async fn receive(
    State(hook): State<Arc<Hook>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> StatusCode {
    hook.requests.lock().unwrap().push((headers, body));
    let status = hook.statuses.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(status).unwrap()
}

/// Starts the webhook on 127.0.0.1; returns its URL and the recorder.
async fn start(statuses: &[u16]) -> (String, Arc<Hook>) {
    let hook = Arc::new(Hook {
        statuses: Mutex::new(statuses.iter().copied().collect()),
        ..Hook::default()
    });
    let app = axum::Router::new()
        .route("/sms", post(receive))
        .with_state(hook.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://127.0.0.1:{port}/sms"), hook)
}

fn delivery(url: &str) -> (Delivery, Arc<MemoryOutbox>) {
    let outbox = Arc::new(MemoryOutbox::new());
    let config = DeliveryConfig {
        sms_webhook: Some(SmsWebhookConfig {
            url: url.to_owned(),
            bearer_token: Some(Secret::new("hook-token")),
            headers: BTreeMap::from([("X-Tenant".to_owned(), Secret::new("auth-team"))]),
            timeout_seconds: 5,
        }),
        ..DeliveryConfig::default()
    };
    (
        Delivery::new(config, outbox.clone(), kek()).unwrap(),
        outbox,
    )
}

#[tokio::test]
async fn posts_the_message_as_json() {
    let (url, hook) = start(&[]).await;
    let (d, outbox) = delivery(&url);
    let receipt = d.send(sms("+15550100", "864209"), T0).await.unwrap();
    assert_eq!(receipt.outcome, DeliveryOutcome::Sent);
    let requests = hook.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 1);
    let (headers, body) = &requests[0];
    assert_eq!(
        body,
        &json!({
            "to": "+15550100",
            "message": "Your code is 864209",
            "pool_id": POOL,
            "purpose": "FORGOT_PASSWORD",
            "message_id": receipt.message_id,
        })
    );
    assert_eq!(headers["authorization"], "Bearer hook-token");
    assert_eq!(headers["x-tenant"], "auth-team");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(outbox.rows()[0].status, "SENT");
    assert_eq!(
        d.latest_code("+15550100").await.unwrap().as_deref(),
        Some("864209")
    );
}

#[tokio::test]
async fn a_server_error_is_recorded_and_retried() {
    let (url, hook) = start(&[500]).await;
    let (d, outbox) = delivery(&url);
    let receipt = d.send(sms("+15550101", "1"), T0).await.unwrap();
    let DeliveryOutcome::Failed { error, will_retry } = &receipt.outcome else {
        panic!("{:?}", receipt.outcome);
    };
    assert!(*will_retry);
    assert!(error.contains("HTTP 500"), "{error}");
    let row = outbox.rows()[0].clone();
    assert_eq!(row.status, "PENDING");
    assert_eq!(row.attempts, 1);
    assert_eq!(row.last_error.as_deref(), Some(error.as_str()));
    assert_eq!(row.next_attempt_ms, T0 + 30_000);

    let report = d.retry_due(T0 + 30_000).await.unwrap();
    assert_eq!((report.claimed, report.sent), (1, 1));
    let requests = hook.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 2);
    // The same id both times: the receiver can drop a duplicate.
    assert_eq!(requests[0].1["message_id"], requests[1].1["message_id"]);
    let row = &outbox.rows()[0];
    assert_eq!((row.status.as_str(), row.attempts), ("SENT", 2));
}

#[tokio::test]
async fn a_rejected_number_is_final() {
    let (url, hook) = start(&[400]).await;
    let (d, outbox) = delivery(&url);
    let receipt = d.send(sms("+1555", "1"), T0).await.unwrap();
    assert!(matches!(
        receipt.outcome,
        DeliveryOutcome::Failed {
            will_retry: false,
            ..
        }
    ));
    assert_eq!(outbox.rows()[0].status, "FAILED");
    assert_eq!(d.retry_due(i64::MAX - 1).await.unwrap().claimed, 0);
    assert_eq!(hook.requests.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn redirects_are_not_followed() {
    // A redirect would carry the token and the code elsewhere.
    let (url, hook) = start(&[307]).await;
    let (d, _) = delivery(&url);
    let receipt = d.send(sms("+15550102", "1"), T0).await.unwrap();
    assert!(receipt.failed(), "{:?}", receipt.outcome);
    assert_eq!(hook.requests.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn an_unreachable_webhook_fails_without_leaking_the_url_secret() {
    let url = format!("http://127.0.0.1:{}/sms?api_key=url-secret", closed_port());
    let (d, outbox) = delivery(&url);
    let receipt = d.send(sms("+15550103", "1"), T0).await.unwrap();
    let DeliveryOutcome::Failed { error, will_retry } = &receipt.outcome else {
        panic!("{:?}", receipt.outcome);
    };
    assert!(*will_retry);
    assert!(!error.contains("url-secret"), "{error}");
    assert_eq!(outbox.rows()[0].status, "PENDING");
}

#[tokio::test]
async fn without_a_webhook_sms_is_kept_in_the_outbox() {
    let outbox = Arc::new(MemoryOutbox::new());
    let d = Delivery::new(DeliveryConfig::default(), outbox.clone(), kek()).unwrap();
    let receipt = d.send(sms("+15550104", "777777"), T0).await.unwrap();
    assert_eq!(receipt.outcome, DeliveryOutcome::Logged);
    assert_eq!(
        d.latest_code("+15550104").await.unwrap().as_deref(),
        Some("777777")
    );
}
