//! The message outbox.

use super::fixtures::*;
use crate::{Constraint, MessageQuery, MessageRecord, PageRequest, StoreError, message_status};

fn ids(messages: &[MessageRecord]) -> Vec<&str> {
    messages.iter().map(|m| m.id.as_str()).collect()
}

pub async fn outbox_listing(store: DynStore) {
    let (p, q) = ("us-east-1_ob1", "us-east-1_ob2");
    assert_eq!(
        store.enqueue_message(&message(p, "m0", "a@x", 1)).await,
        Err(StoreError::NotFound)
    );
    create_pool(&store, p).await;
    create_pool(&store, q).await;
    // Same creation time for m2 and m3: newest first breaks ties by id, descending.
    for (pool, id, dest, created) in [
        (p, "m1", "a@x", 10),
        (p, "m2", "b@x", 20),
        (p, "m3", "a@x", 20),
        (q, "m4", "a@x", 30),
        (p, "m5", "+15550100", 40),
    ] {
        store
            .enqueue_message(&message(pool, id, dest, created))
            .await
            .unwrap();
    }
    assert_eq!(
        store.enqueue_message(&message(p, "m1", "z@x", 50)).await,
        Err(StoreError::Conflict(Constraint::MessageId))
    );
    let bare = MessageRecord {
        username: None,
        last_error: Some("connection refused".into()),
        status: message_status::FAILED.into(),
        attempts: 7,
        next_attempt_ms: 0,
        channel: crate::message_channel::SMS.into(),
        ..message(q, "m6", "+15550100", 5)
    };
    store.enqueue_message(&bare).await.unwrap();

    let query = |pool: Option<&str>, dest: Option<&str>, username: Option<&str>| MessageQuery {
        pool_id: pool.map(str::to_owned),
        destination: dest.map(str::to_owned),
        username: username.map(str::to_owned),
    };
    let cases = [
        (
            query(None, None, None),
            vec!["m5", "m4", "m3", "m2", "m1", "m6"],
        ),
        (query(Some(p), None, None), vec!["m5", "m3", "m2", "m1"]),
        (query(None, Some("a@x"), None), vec!["m4", "m3", "m1"]),
        (query(Some(p), Some("a@x"), None), vec!["m3", "m1"]),
        (query(None, Some("+15550100"), None), vec!["m5", "m6"]),
        (query(None, None, Some("user-of-b@x")), vec!["m2"]),
        (query(Some(q), None, Some("user-of-a@x")), vec!["m4"]),
        (query(Some(q), Some("b@x"), None), vec![]),
    ];
    for (query, expected) in cases {
        for limit in [1, 2, 60] {
            let got = collect_pages(limit, |page| {
                let store = store.clone();
                let query = query.clone();
                async move { store.list_messages(&query, &page).await }
            })
            .await;
            assert_eq!(ids(&got), expected, "{query:?} limit {limit}");
        }
    }
    let all = store
        .list_messages(&query(Some(q), None, None), &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(all.items, vec![message(q, "m4", "a@x", 30), bare]);
    for bad in ["", "%%%", "e30"] {
        assert_eq!(
            store
                .list_messages(&MessageQuery::default(), &PageRequest::after(2, bad))
                .await,
            Err(StoreError::InvalidCursor)
        );
    }
}

pub async fn outbox_delivery(store: DynStore) {
    let p = "us-east-1_obd";
    create_pool(&store, p).await;
    for (id, due) in [("d1", 100), ("d2", 50), ("d3", 300), ("d4", 100)] {
        let m = MessageRecord {
            next_attempt_ms: due,
            ..message(p, id, "a@x", 10)
        };
        store.enqueue_message(&m).await.unwrap();
    }
    let sent = MessageRecord {
        status: message_status::SENT.into(),
        next_attempt_ms: 0,
        ..message(p, "done", "a@x", 10)
    };
    store.enqueue_message(&sent).await.unwrap();

    // Oldest due first, up to the limit; claimed messages are leased.
    let claimed = store.claim_due_messages(200, 1_000, 2).await.unwrap();
    let mut got = ids(&claimed);
    got.sort_unstable();
    assert_eq!(got, ["d1", "d2"]);
    assert!(claimed.iter().all(|m| m.next_attempt_ms == 1_200));
    assert_eq!(
        ids(&store.claim_due_messages(200, 1_000, 10).await.unwrap()),
        ["d4"]
    );
    assert!(
        store
            .claim_due_messages(299, 1_000, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        ids(&store.claim_due_messages(300, 1_000, 10).await.unwrap()),
        ["d3"]
    );

    // Outcomes: sent leaves the queue; a retry comes back when due.
    store
        .mark_message("d1", message_status::SENT, 1, None, 1_200)
        .await
        .unwrap();
    store
        .mark_message("d2", message_status::PENDING, 1, Some("timeout"), 1_500)
        .await
        .unwrap();
    assert_eq!(
        store
            .mark_message("nope", message_status::SENT, 1, None, 0)
            .await,
        Err(StoreError::NotFound)
    );
    // d4's and d3's leases run out at 1_200 and 1_300: they are due again.
    let mut again = store.claim_due_messages(1_500, 100, 10).await.unwrap();
    again.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(ids(&again), ["d2", "d3", "d4"]);
    let d2 = &again[0];
    assert_eq!(d2.attempts, 1);
    assert_eq!(d2.last_error.as_deref(), Some("timeout"));
    assert_eq!(d2.next_attempt_ms, 1_600);
    let listed = store
        .list_messages(&MessageQuery::default(), &PageRequest::first(10))
        .await
        .unwrap();
    let d1 = listed.items.iter().find(|m| m.id == "d1").unwrap();
    assert_eq!(d1.status, message_status::SENT);
    assert_eq!((d1.attempts, d1.last_error.as_deref()), (1, None));
    assert!(
        store
            .claim_due_messages(1_599, 100, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
