//! The message outbox.

use async_trait::async_trait;
use cognate_store::{
    MessageQuery, MessageRecord, OutboxStore, Page, PageRequest, StoreError, decode_cursor,
    message_status, page_from_rows,
};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Row, params, params_from_iter};

use crate::SqliteStore;
use crate::codec::one_row;
use crate::error::map_err;

const LISTING: &str = "messages";
const COLUMNS: &str = "id, pool_id, username, channel, destination, purpose, sealed_content, \
    created_ms, status, attempts, last_error, next_attempt_ms";

fn message_from_row(row: &Row<'_>) -> rusqlite::Result<MessageRecord> {
    Ok(MessageRecord {
        id: row.get(0)?,
        pool_id: row.get(1)?,
        username: row.get(2)?,
        channel: row.get(3)?,
        destination: row.get(4)?,
        purpose: row.get(5)?,
        sealed_content: row.get(6)?,
        created_ms: row.get(7)?,
        status: row.get(8)?,
        attempts: row.get(9)?,
        last_error: row.get(10)?,
        next_attempt_ms: row.get(11)?,
    })
}

#[async_trait]
impl OutboxStore for SqliteStore {
    async fn enqueue_message(&self, message: &MessageRecord) -> Result<(), StoreError> {
        let m = message.clone();
        self.db
            .write(move |tx| {
                tx.prepare_cached(&format!(
                    "INSERT INTO outbox ({COLUMNS})
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
                ))
                .and_then(|mut st| {
                    st.execute(params![
                        m.id,
                        m.pool_id,
                        m.username,
                        m.channel,
                        m.destination,
                        m.purpose,
                        m.sealed_content,
                        m.created_ms,
                        m.status,
                        m.attempts,
                        m.last_error,
                        m.next_attempt_ms
                    ])
                })
                .map_err(map_err)?;
                Ok(())
            })
            .await
    }

    async fn list_messages(
        &self,
        query: &MessageQuery,
        page: &PageRequest,
    ) -> Result<Page<MessageRecord>, StoreError> {
        let after: Option<(i64, String)> = page
            .cursor
            .as_deref()
            .map(|c| decode_cursor(LISTING, c))
            .transpose()?;
        // The statement text depends only on which filters are set: at most
        // sixteen shapes in the statement cache.
        let mut sql = format!("SELECT {COLUMNS} FROM outbox WHERE 1 = 1");
        let mut args: Vec<SqlValue> = Vec::new();
        for (column, value) in [
            ("pool_id", &query.pool_id),
            ("destination", &query.destination),
            ("username", &query.username),
        ] {
            if let Some(value) = value {
                args.push(SqlValue::Text(value.clone()));
                sql.push_str(&format!(" AND {column} = ?{}", args.len()));
            }
        }
        if let Some((created, id)) = &after {
            args.push(SqlValue::Integer(*created));
            args.push(SqlValue::Text(id.clone()));
            sql.push_str(&format!(
                " AND (created_ms, id) < (?{}, ?{})",
                args.len() - 1,
                args.len()
            ));
        }
        args.push(SqlValue::Integer(i64::from(page.effective_limit()) + 1));
        sql.push_str(&format!(
            " ORDER BY created_ms DESC, id DESC LIMIT ?{}",
            args.len()
        ));
        let page = page.clone();
        self.db
            .read(move |tx| {
                let rows = tx
                    .prepare_cached(&sql)
                    .and_then(|mut st| {
                        st.query_map(params_from_iter(&args), message_from_row)?
                            .collect()
                    })
                    .map_err(map_err)?;
                page_from_rows(rows, &page, LISTING, |m: &MessageRecord| {
                    (m.created_ms, m.id.clone())
                })
            })
            .await
    }

    async fn claim_due_messages(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        let lease_until = now_ms.saturating_add(lease_ms);
        self.db
            .write(move |tx| {
                // One writer at a time (BEGIN IMMEDIATE): a claimed message
                // is out of the due range before anyone else looks.
                let mut rows: Vec<MessageRecord> = tx
                    .prepare_cached(&format!(
                        "UPDATE outbox SET next_attempt_ms = ?2
                         WHERE id IN (
                             SELECT id FROM outbox
                             WHERE status = '{pending}' AND next_attempt_ms <= ?1
                             ORDER BY next_attempt_ms, id LIMIT ?3)
                         RETURNING {COLUMNS}",
                        pending = message_status::PENDING
                    ))
                    .and_then(|mut st| {
                        st.query_map(
                            params![now_ms, lease_until, i64::from(limit)],
                            message_from_row,
                        )?
                        .collect()
                    })
                    .map_err(map_err)?;
                // RETURNING has no order of its own.
                rows.sort_by(|a, b| (a.created_ms, &a.id).cmp(&(b.created_ms, &b.id)));
                Ok(rows)
            })
            .await
    }

    async fn mark_message(
        &self,
        id: &str,
        status: &str,
        attempts: i32,
        last_error: Option<&str>,
        next_attempt_ms: i64,
    ) -> Result<(), StoreError> {
        let (id, status) = (id.to_owned(), status.to_owned());
        let last_error = last_error.map(str::to_owned);
        self.db
            .write(move |tx| {
                let changed = tx
                    .prepare_cached(
                        "UPDATE outbox SET status = ?2, attempts = ?3, last_error = ?4,
                             next_attempt_ms = ?5
                         WHERE id = ?1",
                    )
                    .and_then(|mut st| {
                        st.execute(params![id, status, attempts, last_error, next_attempt_ms])
                    })
                    .map_err(map_err)?;
                one_row(changed)
            })
            .await
    }
}
