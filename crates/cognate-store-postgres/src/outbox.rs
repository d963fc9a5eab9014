//! The message outbox.

use async_trait::async_trait;
use cognate_store::{
    MessageQuery, MessageRecord, OutboxStore, Page, PageRequest, StoreError, decode_cursor,
    message_status, page_from_rows,
};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::PostgresStore;
use crate::codec::{fetch_for, one_row};
use crate::db::{read, transact};
use crate::error::col;
use crate::sql::{execute, query};

const LISTING: &str = "messages";
const COLUMNS: &str = "id, pool_id, username, channel, destination, purpose, sealed_content, \
    created_ms, status, attempts, last_error, next_attempt_ms";

fn message_from_row(row: &Row) -> Result<MessageRecord, StoreError> {
    Ok(MessageRecord {
        id: col(row, 0)?,
        pool_id: col(row, 1)?,
        username: col(row, 2)?,
        channel: col(row, 3)?,
        destination: col(row, 4)?,
        purpose: col(row, 5)?,
        sealed_content: col(row, 6)?,
        created_ms: col(row, 7)?,
        status: col(row, 8)?,
        attempts: col(row, 9)?,
        last_error: col(row, 10)?,
        next_attempt_ms: col(row, 11)?,
    })
}

#[async_trait]
impl OutboxStore for PostgresStore {
    async fn enqueue_message(&self, m: &MessageRecord) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            execute(
                &tx,
                &format!(
                    "INSERT INTO outbox ({COLUMNS})
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                ),
                &[
                    &m.id,
                    &m.pool_id,
                    &m.username,
                    &m.channel,
                    &m.destination,
                    &m.purpose,
                    &m.sealed_content,
                    &m.created_ms,
                    &m.status,
                    &m.attempts,
                    &m.last_error,
                    &m.next_attempt_ms,
                ],
            )
            .await?;
        })
    }

    async fn list_messages(
        &self,
        q: &MessageQuery,
        page: &PageRequest,
    ) -> Result<Page<MessageRecord>, StoreError> {
        let after: Option<(i64, String)> = page
            .cursor
            .as_deref()
            .map(|c| decode_cursor(LISTING, c))
            .transpose()?;
        // The statement text depends only on which filters are set: at most
        // sixteen prepared shapes.
        let mut sql = format!("SELECT {COLUMNS} FROM outbox WHERE true");
        let mut args: Vec<&(dyn ToSql + Sync)> = Vec::new();
        for (column, value) in [
            ("pool_id", &q.pool_id),
            ("destination", &q.destination),
            ("username", &q.username),
        ] {
            if let Some(value) = value {
                args.push(value);
                sql.push_str(&format!(" AND {column} = ${}", args.len()));
            }
        }
        if let Some((created, id)) = &after {
            args.push(created);
            args.push(id);
            sql.push_str(&format!(
                " AND (created_ms, id) < (${}, ${})",
                args.len() - 1,
                args.len()
            ));
        }
        let fetch = fetch_for(page);
        args.push(&fetch);
        sql.push_str(&format!(
            " ORDER BY created_ms DESC, id DESC LIMIT ${}",
            args.len()
        ));
        let rows = read!(self.db, |client| { query(&client, &sql, &args).await? })?;
        let items = rows
            .iter()
            .map(message_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        page_from_rows(items, page, LISTING, |m| (m.created_ms, m.id.clone()))
    }

    async fn claim_due_messages(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: u32,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        let lease_until = now_ms.saturating_add(lease_ms);
        let limit = i64::from(limit);
        let sql = format!(
            "UPDATE outbox SET next_attempt_ms = $2
             WHERE id IN (
                 SELECT id FROM outbox
                 WHERE status = '{pending}' AND next_attempt_ms <= $1
                 ORDER BY next_attempt_ms, id LIMIT $3
                 FOR UPDATE SKIP LOCKED)
             RETURNING {COLUMNS}",
            pending = message_status::PENDING
        );
        let rows = transact!(self.db, |tx| {
            // SKIP LOCKED: another node's claim in flight is passed over, not
            // waited for; a row it claimed and committed no longer matches.
            query(&tx, &sql, &[&now_ms, &lease_until, &limit]).await?
        })?;
        let mut items = rows
            .iter()
            .map(message_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        // RETURNING has no order of its own.
        items.sort_by(|a, b| (a.created_ms, &a.id).cmp(&(b.created_ms, &b.id)));
        Ok(items)
    }

    async fn mark_message(
        &self,
        id: &str,
        status: &str,
        attempts: i32,
        last_error: Option<&str>,
        next_attempt_ms: i64,
    ) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            let changed = execute(
                &tx,
                "UPDATE outbox SET status = $2, attempts = $3, last_error = $4,
                     next_attempt_ms = $5
                 WHERE id = $1",
                &[&id, &status, &attempts, &last_error, &next_attempt_ms],
            )
            .await?;
            one_row(changed)?
        })
    }
}
