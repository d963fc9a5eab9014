//! Passkeys and started passkey registrations.

use async_trait::async_trait;
use cognate_store::{
    Constraint, Page, PageRequest, StoreError, WebAuthnCredentialRecord, WebAuthnStore,
    decode_cursor, page_from_rows,
};
use rusqlite::{OptionalExtension, Row, params};
use serde_json::Value;

use crate::SqliteStore;
use crate::codec::{json_col, one_row, to_json, value_col};
use crate::error::map_err;

const LISTING: &str = "webauthn_credentials";
const COLUMNS: &str = "pool_id, credential_id, sub, friendly_name, relying_party_id, attachment,
    transports, credential, created_ms";

fn credential_from_row(row: &Row<'_>) -> rusqlite::Result<WebAuthnCredentialRecord> {
    Ok(WebAuthnCredentialRecord {
        pool_id: row.get(0)?,
        credential_id: row.get(1)?,
        sub: row.get(2)?,
        friendly_name: row.get(3)?,
        relying_party_id: row.get(4)?,
        attachment: row.get(5)?,
        transports: json_col(row, 6)?,
        credential: value_col(row, 7)?,
        created_ms: row.get(8)?,
    })
}

#[async_trait]
impl WebAuthnStore for SqliteStore {
    async fn add_webauthn_credential(
        &self,
        credential: &WebAuthnCredentialRecord,
        max_per_user: usize,
    ) -> Result<(), StoreError> {
        let c = credential.clone();
        let transports = to_json(&c.transports)?;
        let document = to_json(&c.credential)?;
        let max = i64::try_from(max_per_user).unwrap_or(i64::MAX);
        self.db
            .write(move |tx| {
                // BEGIN IMMEDIATE holds the database lock: the count cannot change before
                // the insert.
                let held: i64 = tx
                    .prepare_cached(
                        "SELECT count(*) FROM webauthn_credentials WHERE pool_id = ?1 AND sub = ?2",
                    )
                    .and_then(|mut st| st.query_row(params![c.pool_id, c.sub], |r| r.get(0)))
                    .map_err(map_err)?;
                if held >= max {
                    return Err(StoreError::Conflict(Constraint::WebAuthnCredentialLimit));
                }
                tx.prepare_cached(&format!(
                    "INSERT INTO webauthn_credentials ({COLUMNS})
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                ))
                .and_then(|mut st| {
                    st.execute(params![
                        c.pool_id,
                        c.credential_id,
                        c.sub,
                        c.friendly_name,
                        c.relying_party_id,
                        c.attachment,
                        transports,
                        document,
                        c.created_ms
                    ])
                })
                .map_err(map_err)?;
                Ok(())
            })
            .await
    }

    async fn list_webauthn_credentials(
        &self,
        pool_id: &str,
        sub: &str,
        page: &PageRequest,
    ) -> Result<Page<WebAuthnCredentialRecord>, StoreError> {
        let (pool_id, sub) = (pool_id.to_owned(), sub.to_owned());
        let page = page.clone();
        let after: Option<(i64, String)> = page
            .cursor
            .as_deref()
            .map(|c| decode_cursor(LISTING, c))
            .transpose()?;
        let fetch = i64::from(page.effective_limit()) + 1;
        self.db
            .read(move |tx| {
                let (after_ms, after_id) = after.unwrap_or((i64::MIN, String::new()));
                let rows = tx
                    .prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM webauthn_credentials
                         WHERE pool_id = ?1 AND sub = ?2
                           AND (created_ms > ?3 OR (created_ms = ?3 AND credential_id > ?4))
                         ORDER BY created_ms, credential_id LIMIT ?5"
                    ))
                    .and_then(|mut st| {
                        st.query_map(
                            params![pool_id, sub, after_ms, after_id, fetch],
                            credential_from_row,
                        )?
                        .collect()
                    })
                    .map_err(map_err)?;
                page_from_rows(rows, &page, LISTING, |c: &WebAuthnCredentialRecord| {
                    (c.created_ms, c.credential_id.clone())
                })
            })
            .await
    }

    async fn update_webauthn_credential(
        &self,
        pool_id: &str,
        sub: &str,
        credential_id: &str,
        credential: &Value,
    ) -> Result<(), StoreError> {
        let (pool_id, sub, id) = (pool_id.to_owned(), sub.to_owned(), credential_id.to_owned());
        let document = to_json(credential)?;
        self.db
            .write(move |tx| {
                let changed = tx
                    .prepare_cached(
                        "UPDATE webauthn_credentials SET credential = ?4
                         WHERE pool_id = ?1 AND sub = ?2 AND credential_id = ?3",
                    )
                    .and_then(|mut st| st.execute(params![pool_id, sub, id, document]))
                    .map_err(map_err)?;
                one_row(changed)
            })
            .await
    }

    async fn delete_webauthn_credential(
        &self,
        pool_id: &str,
        sub: &str,
        credential_id: &str,
    ) -> Result<(), StoreError> {
        let (pool_id, sub, id) = (pool_id.to_owned(), sub.to_owned(), credential_id.to_owned());
        self.db
            .write(move |tx| {
                let changed = tx
                    .prepare_cached(
                        "DELETE FROM webauthn_credentials
                         WHERE pool_id = ?1 AND sub = ?2 AND credential_id = ?3",
                    )
                    .and_then(|mut st| st.execute(params![pool_id, sub, id]))
                    .map_err(map_err)?;
                one_row(changed)
            })
            .await
    }

    async fn put_webauthn_registration(
        &self,
        pool_id: &str,
        sub: &str,
        state_sealed: &[u8],
        expires_ms: i64,
    ) -> Result<(), StoreError> {
        let (pool_id, sub, state) = (pool_id.to_owned(), sub.to_owned(), state_sealed.to_vec());
        self.db
            .write(move |tx| {
                tx.prepare_cached(
                    "INSERT INTO webauthn_registrations (pool_id, sub, state_sealed, expires_ms)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (pool_id, sub) DO UPDATE SET
                         state_sealed = excluded.state_sealed, expires_ms = excluded.expires_ms",
                )
                .and_then(|mut st| st.execute(params![pool_id, sub, state, expires_ms]))
                .map_err(map_err)?;
                Ok(())
            })
            .await
    }

    async fn take_webauthn_registration(
        &self,
        pool_id: &str,
        sub: &str,
        now_ms: i64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let (pool_id, sub) = (pool_id.to_owned(), sub.to_owned());
        self.db
            .write(move |tx| {
                let found: Option<(Vec<u8>, i64)> = tx
                    .prepare_cached(
                        "DELETE FROM webauthn_registrations WHERE pool_id = ?1 AND sub = ?2
                         RETURNING state_sealed, expires_ms",
                    )
                    .and_then(|mut st| {
                        st.query_row(params![pool_id, sub], |r| Ok((r.get(0)?, r.get(1)?)))
                            .optional()
                    })
                    .map_err(map_err)?;
                Ok(found
                    .filter(|(_, expires_ms)| now_ms < *expires_ms)
                    .map(|(s, _)| s))
            })
            .await
    }
}
