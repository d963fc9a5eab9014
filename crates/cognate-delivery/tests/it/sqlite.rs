//! The service against the real SQLite outbox: sealing at rest, reading back, and the
//! lease that keeps two nodes from sending one message twice.

use std::collections::BTreeMap;
use std::sync::Arc;

use cognate_delivery::{
    Delivery, DeliveryConfig, DeliveryOutcome, ListParams, MessageQuery, OutboxStore, Secret,
    SmsWebhookConfig,
};
use cognate_store::{PageRequest, UserPoolRecord, UserPoolStore};
use cognate_store_sqlite::SqliteStore;

use crate::support::{POOL, T0, closed_port, email, kek, sms};

async fn store(dir: &tempfile::TempDir) -> Arc<SqliteStore> {
    let store = SqliteStore::open(&dir.path().join("cognate.db")).unwrap();
    let pool = UserPoolRecord {
        id: POOL.into(),
        name: "test".into(),
        arn: format!("arn:aws:cognito-idp:us-east-1:000000000000:userpool/{POOL}"),
        created_ms: T0,
        modified_ms: T0,
        settings: serde_json::json!({}),
        tags: BTreeMap::new(),
    };
    store.create_user_pool(&pool, &[]).await.unwrap();
    Arc::new(store)
}

fn failing_sms_config() -> DeliveryConfig {
    DeliveryConfig {
        sms_webhook: Some(SmsWebhookConfig {
            url: format!("http://127.0.0.1:{}/sms", closed_port()),
            bearer_token: Some(Secret::new("t")),
            headers: BTreeMap::new(),
            timeout_seconds: 2,
        }),
        ..DeliveryConfig::default()
    }
}

#[tokio::test]
async fn messages_are_sealed_at_rest_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let d = Delivery::new(DeliveryConfig::default(), store.clone(), kek()).unwrap();
    for i in 0..3 {
        let receipt = d
            .send(email("carol@example.com", &format!("10000{i}")), T0 + i)
            .await
            .unwrap();
        assert_eq!(receipt.outcome, DeliveryOutcome::Logged);
    }
    d.send(sms("+15550199", "999999"), T0 + 10).await.unwrap();

    let rows = store
        .list_messages(&MessageQuery::default(), &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(rows.items.len(), 4);
    for row in &rows.items {
        assert_eq!(row.status, "LOGGED");
        assert!(!row.sealed_content.windows(5).any(|w| w == b"10000"));
        assert!(!row.sealed_content.windows(6).any(|w| w == b"999999"));
    }
    // Newest first, filtered, paged.
    let page = d
        .list_params(&ListParams {
            destination: Some("carol@example.com".into()),
            limit: Some(2),
            ..ListParams::default()
        })
        .await
        .unwrap();
    let codes: Vec<_> = page
        .messages
        .iter()
        .filter_map(|m| m.code.clone())
        .collect();
    assert_eq!(codes, ["100002", "100001"]);
    assert!(page.next_token.is_some());
    assert_eq!(
        d.latest_code("carol@example.com").await.unwrap().as_deref(),
        Some("100002")
    );
    assert_eq!(
        d.latest_code("+15550199").await.unwrap().as_deref(),
        Some("999999")
    );
    let by_user = d
        .list_params(&ListParams {
            username: Some("bob".into()),
            pool_id: Some(POOL.into()),
            ..ListParams::default()
        })
        .await
        .unwrap();
    assert_eq!(by_user.messages.len(), 1);
    assert_eq!(by_user.messages[0].channel, "SMS");
}

#[tokio::test]
async fn two_nodes_share_the_retries_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let key = kek();
    // First attempts fail: the webhook is down.
    let down = Delivery::new(failing_sms_config(), store.clone(), key.clone()).unwrap();
    for i in 0..12 {
        let receipt = down
            .send(sms(&format!("+1555010{i:02}"), "1"), T0)
            .await
            .unwrap();
        assert!(receipt.failed());
    }
    // Two nodes whose SMS goes nowhere (LOGGED) retry concurrently: every message is
    // taken by exactly one of them.
    let a = Delivery::new(DeliveryConfig::default(), store.clone(), key.clone()).unwrap();
    let b = Delivery::new(DeliveryConfig::default(), store.clone(), key.clone()).unwrap();
    let due = T0 + 30_000;
    let mut taken = 0;
    for _ in 0..4 {
        let (ra, rb) = tokio::join!(a.retry_due(due), b.retry_due(due));
        taken += ra.unwrap().claimed + rb.unwrap().claimed;
    }
    assert_eq!(taken, 12);
    let rows = store
        .list_messages(&MessageQuery::default(), &PageRequest::first(100))
        .await
        .unwrap();
    assert!(rows.items.iter().all(|r| r.status == "LOGGED"));
    assert!(rows.items.iter().all(|r| r.attempts == 1));
    assert_eq!(a.retry_due(i64::MAX - 1).await.unwrap().claimed, 0);
}

#[tokio::test]
async fn a_message_whose_pool_is_gone_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    // The server holds `Arc<dyn Store>`; it coerces to the outbox the service needs.
    let store: Arc<dyn cognate_store::Store> = store;
    let d = Delivery::new(DeliveryConfig::default(), store, kek()).unwrap();
    let mut message = email("a@example.com", "1");
    message.pool_id = "us-east-1_Missing".into();
    assert!(d.send(message, T0).await.is_err());
}
