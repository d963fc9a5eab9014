//! An in-memory [`OutboxStore`] with the store contract's semantics (newest-first
//! listing, `PENDING`-only leasing), for unit tests of code that sends messages. Not
//! durable, not shared between processes: never a production outbox.

use std::sync::Mutex;

use async_trait::async_trait;
use cognate_store::{Constraint, Page, PageRequest, StoreError, decode_cursor, page_from_rows};

use crate::message::MessageStatus;
use crate::outbox::{MessageQuery, MessageRecord, OutboxStore};

const LISTING: &str = "memory-messages";

/// See the module documentation.
#[derive(Debug, Default)]
pub struct MemoryOutbox {
    rows: Mutex<Vec<MessageRecord>>,
}

impl MemoryOutbox {
    /// An empty outbox.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Every stored row, in insertion order.
    pub fn rows(&self) -> Vec<MessageRecord> {
        self.lock().map(|rows| rows.clone()).unwrap_or_default()
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Vec<MessageRecord>>, StoreError> {
        self.rows
            .lock()
            .map_err(|_| StoreError::Internal("outbox lock poisoned".into()))
    }
}

#[async_trait]
impl OutboxStore for MemoryOutbox {
    async fn enqueue_message(&self, message: &MessageRecord) -> Result<(), StoreError> {
        let mut rows = self.lock()?;
        if rows.iter().any(|r| r.id == message.id) {
            return Err(StoreError::Conflict(Constraint::Other("message id".into())));
        }
        rows.push(message.clone());
        Ok(())
    }

    async fn list_messages(
        &self,
        query: &MessageQuery,
        page: &PageRequest,
    ) -> Result<Page<MessageRecord>, StoreError> {
        let after: Option<(i64, String)> = match &page.cursor {
            Some(c) => Some(decode_cursor(LISTING, c)?),
            None => None,
        };
        let matches =
            |field: &Option<String>, value: &str| field.as_deref().is_none_or(|f| f == value);
        let mut rows: Vec<MessageRecord> = self
            .lock()?
            .iter()
            .filter(|r| {
                matches(&query.pool_id, &r.pool_id)
                    && matches(&query.destination, &r.destination)
                    && query
                        .username
                        .as_deref()
                        .is_none_or(|u| r.username.as_deref() == Some(u))
            })
            .cloned()
            .collect();
        rows.sort_by(|a, b| (b.created_ms, &b.id).cmp(&(a.created_ms, &a.id)));
        if let Some((ms, id)) = after {
            rows.retain(|r| (r.created_ms, &r.id) < (ms, &id));
        }
        rows.truncate(page.effective_limit() as usize + 1);
        page_from_rows(rows, page, LISTING, |r| (r.created_ms, r.id.clone()))
    }

    async fn claim_due_messages(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        let mut rows = self.lock()?;
        let mut due: Vec<&mut MessageRecord> = rows
            .iter_mut()
            .filter(|r| r.status == MessageStatus::Pending.as_str() && r.next_attempt_ms <= now_ms)
            .collect();
        due.sort_by_key(|r| r.next_attempt_ms);
        Ok(due
            .into_iter()
            .take(limit as usize)
            .map(|r| {
                r.next_attempt_ms = now_ms.saturating_add(lease_ms);
                r.clone()
            })
            .collect())
    }

    async fn mark_message(
        &self,
        id: &str,
        status: &str,
        attempts: i32,
        last_error: Option<&str>,
        next_attempt_ms: i64,
    ) -> Result<(), StoreError> {
        let mut rows = self.lock()?;
        let row = rows
            .iter_mut()
            .find(|r| r.id == id)
            .ok_or(StoreError::NotFound)?;
        status.clone_into(&mut row.status);
        row.attempts = attempts;
        row.last_error = last_error.map(str::to_owned);
        row.next_attempt_ms = next_attempt_ms;
        Ok(())
    }
}
