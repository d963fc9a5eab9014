//! Passkeys and started passkey registrations.

use async_trait::async_trait;
use cognate_store::{
    Constraint, Page, PageRequest, StoreError, WebAuthnCredentialRecord, WebAuthnStore,
    decode_cursor, page_from_rows,
};
use serde_json::Value;
use tokio_postgres::Row;

use crate::PostgresStore;
use crate::codec::{count, fetch_for, json_col, one_row, to_json, value_col};
use crate::db::{read, transact};
use crate::error::col;
use crate::sql::{execute, query, query_one, query_opt};

const LISTING: &str = "webauthn_credentials";

fn credential_from_row(row: &Row) -> Result<WebAuthnCredentialRecord, StoreError> {
    Ok(WebAuthnCredentialRecord {
        pool_id: col(row, 0)?,
        credential_id: col(row, 1)?,
        sub: col(row, 2)?,
        friendly_name: col(row, 3)?,
        relying_party_id: col(row, 4)?,
        attachment: col(row, 5)?,
        transports: json_col(row, 6)?,
        credential: value_col(row, 7)?,
        created_ms: col(row, 8)?,
    })
}

#[async_trait]
impl WebAuthnStore for PostgresStore {
    async fn add_webauthn_credential(
        &self,
        c: &WebAuthnCredentialRecord,
        max_per_user: usize,
    ) -> Result<(), StoreError> {
        let transports = to_json(&c.transports)?;
        let document = to_json(&c.credential)?;
        let max = i64::try_from(max_per_user).unwrap_or(i64::MAX);
        transact!(self.db, |tx| {
            // Locking the user row makes concurrent adds for one user take turns, so the
            // count cannot change between check and insert.
            query_opt(
                &tx,
                "SELECT 1 FROM users WHERE pool_id = $1 AND sub = $2 FOR UPDATE",
                &[&c.pool_id, &c.sub],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
            let held = count(
                &query_one(
                    &tx,
                    "SELECT count(*) FROM webauthn_credentials WHERE pool_id = $1 AND sub = $2",
                    &[&c.pool_id, &c.sub],
                )
                .await?,
            )?;
            if i64::try_from(held).unwrap_or(i64::MAX) >= max {
                return Err(StoreError::Conflict(Constraint::WebAuthnCredentialLimit));
            }
            execute(
                &tx,
                "INSERT INTO webauthn_credentials (pool_id, credential_id, sub, friendly_name,
                     relying_party_id, attachment, transports, credential, created_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    &c.pool_id,
                    &c.credential_id,
                    &c.sub,
                    &c.friendly_name,
                    &c.relying_party_id,
                    &c.attachment,
                    &transports,
                    &document,
                    &c.created_ms,
                ],
            )
            .await?;
        })
    }

    async fn list_webauthn_credentials(
        &self,
        pool_id: &str,
        sub: &str,
        page: &PageRequest,
    ) -> Result<Page<WebAuthnCredentialRecord>, StoreError> {
        let after: Option<(i64, String)> = page
            .cursor
            .as_deref()
            .map(|c| decode_cursor(LISTING, c))
            .transpose()?;
        let (after_ms, after_id) = after.unwrap_or((i64::MIN, String::new()));
        let fetch = fetch_for(page);
        let rows = read!(self.db, |client| {
            query(
                &client,
                "SELECT pool_id, credential_id, sub, friendly_name, relying_party_id, attachment,
                     transports, credential, created_ms
                 FROM webauthn_credentials
                 WHERE pool_id = $1 AND sub = $2 AND (created_ms, credential_id) > ($3, $4)
                 ORDER BY created_ms, credential_id LIMIT $5",
                &[&pool_id, &sub, &after_ms, &after_id, &fetch],
            )
            .await?
        })?;
        let items = rows
            .iter()
            .map(credential_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        page_from_rows(items, page, LISTING, |c| {
            (c.created_ms, c.credential_id.clone())
        })
    }

    async fn update_webauthn_credential(
        &self,
        pool_id: &str,
        sub: &str,
        credential_id: &str,
        credential: &Value,
    ) -> Result<(), StoreError> {
        let document = to_json(credential)?;
        transact!(self.db, |tx| {
            let changed = execute(
                &tx,
                "UPDATE webauthn_credentials SET credential = $4
                 WHERE pool_id = $1 AND sub = $2 AND credential_id = $3",
                &[&pool_id, &sub, &credential_id, &document],
            )
            .await?;
            one_row(changed)?
        })
    }

    async fn delete_webauthn_credential(
        &self,
        pool_id: &str,
        sub: &str,
        credential_id: &str,
    ) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            let changed = execute(
                &tx,
                "DELETE FROM webauthn_credentials
                 WHERE pool_id = $1 AND sub = $2 AND credential_id = $3",
                &[&pool_id, &sub, &credential_id],
            )
            .await?;
            one_row(changed)?
        })
    }

    async fn put_webauthn_registration(
        &self,
        pool_id: &str,
        sub: &str,
        state_sealed: &[u8],
        expires_ms: i64,
    ) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            execute(
                &tx,
                "INSERT INTO webauthn_registrations (pool_id, sub, state_sealed, expires_ms)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (pool_id, sub) DO UPDATE SET
                     state_sealed = excluded.state_sealed, expires_ms = excluded.expires_ms",
                &[&pool_id, &sub, &state_sealed, &expires_ms],
            )
            .await?;
        })
    }

    async fn take_webauthn_registration(
        &self,
        pool_id: &str,
        sub: &str,
        now_ms: i64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let row = transact!(self.db, |tx| {
            query_opt(
                &tx,
                "DELETE FROM webauthn_registrations WHERE pool_id = $1 AND sub = $2
                 RETURNING state_sealed, expires_ms",
                &[&pool_id, &sub],
            )
            .await?
        })?;
        let Some(row) = row else {
            return Ok(None);
        };
        let state: Vec<u8> = col(&row, 0)?;
        let expires_ms: i64 = col(&row, 1)?;
        Ok((now_ms < expires_ms).then_some(state))
    }
}
