//! App clients and client secrets.

use async_trait::async_trait;
use cognate_store::{
    ClientRecord, ClientSecretRecord, ClientStore, Page, PageRequest, StoreError, decode_cursor,
    page_from_rows,
};
use rusqlite::{OptionalExtension, Row, Transaction, params};

use crate::SqliteStore;
use crate::codec::{count, one_row, to_json, value_col};
use crate::error::map_err;

const LISTING: &str = "clients";
const COLUMNS: &str = "pool_id, client_id, name, created_ms, modified_ms, settings";

fn client_from_row(row: &Row<'_>) -> rusqlite::Result<ClientRecord> {
    Ok(ClientRecord {
        pool_id: row.get(0)?,
        client_id: row.get(1)?,
        name: row.get(2)?,
        created_ms: row.get(3)?,
        modified_ms: row.get(4)?,
        settings: value_col(row, 5)?,
    })
}

fn secret_from_row(row: &Row<'_>) -> rusqlite::Result<ClientSecretRecord> {
    Ok(ClientSecretRecord {
        pool_id: row.get(0)?,
        client_id: row.get(1)?,
        secret_id: row.get(2)?,
        sealed_secret: row.get(3)?,
        created_ms: row.get(4)?,
    })
}

fn client_exists(tx: &Transaction<'_>, pool_id: &str, client_id: &str) -> Result<bool, StoreError> {
    tx.prepare_cached("SELECT 1 FROM clients WHERE pool_id = ?1 AND client_id = ?2")
        .and_then(|mut st| st.exists(params![pool_id, client_id]))
        .map_err(map_err)
}

#[async_trait]
impl ClientStore for SqliteStore {
    async fn create_client(&self, client: &ClientRecord) -> Result<(), StoreError> {
        let c = client.clone();
        let settings = to_json(&c.settings)?;
        self.db
            .write(move |tx| {
                tx.prepare_cached(&format!(
                    "INSERT INTO clients ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                ))
                .and_then(|mut st| {
                    st.execute(params![
                        c.pool_id,
                        c.client_id,
                        c.name,
                        c.created_ms,
                        c.modified_ms,
                        settings
                    ])
                })
                .map_err(map_err)?;
                Ok(())
            })
            .await
    }

    async fn get_client(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> Result<Option<ClientRecord>, StoreError> {
        let (pool_id, client_id) = (pool_id.to_owned(), client_id.to_owned());
        self.db
            .read(move |tx| {
                tx.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM clients WHERE pool_id = ?1 AND client_id = ?2"
                ))
                .and_then(|mut st| {
                    st.query_row(params![pool_id, client_id], client_from_row)
                        .optional()
                })
                .map_err(map_err)
            })
            .await
    }

    async fn find_client(&self, client_id: &str) -> Result<Option<ClientRecord>, StoreError> {
        let client_id = client_id.to_owned();
        self.db
            .read(move |tx| {
                tx.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM clients WHERE client_id = ?1"
                ))
                .and_then(|mut st| st.query_row([client_id], client_from_row).optional())
                .map_err(map_err)
            })
            .await
    }

    async fn list_clients(
        &self,
        pool_id: &str,
        page: &PageRequest,
    ) -> Result<Page<ClientRecord>, StoreError> {
        let pool_id = pool_id.to_owned();
        let page = page.clone();
        let after: Option<String> = page
            .cursor
            .as_deref()
            .map(|c| decode_cursor(LISTING, c))
            .transpose()?;
        let fetch = i64::from(page.effective_limit()) + 1;
        self.db
            .read(move |tx| {
                let rows = match &after {
                    None => tx
                        .prepare_cached(&format!(
                            "SELECT {COLUMNS} FROM clients WHERE pool_id = ?1
                             ORDER BY client_id LIMIT ?2"
                        ))
                        .and_then(|mut st| {
                            st.query_map(params![pool_id, fetch], client_from_row)?
                                .collect()
                        }),
                    Some(after) => tx
                        .prepare_cached(&format!(
                            "SELECT {COLUMNS} FROM clients WHERE pool_id = ?1 AND client_id > ?2
                             ORDER BY client_id LIMIT ?3"
                        ))
                        .and_then(|mut st| {
                            st.query_map(params![pool_id, after, fetch], client_from_row)?
                                .collect()
                        }),
                }
                .map_err(map_err)?;
                page_from_rows(rows, &page, LISTING, |c: &ClientRecord| c.client_id.clone())
            })
            .await
    }

    async fn update_client(&self, client: &ClientRecord) -> Result<(), StoreError> {
        let c = client.clone();
        let settings = to_json(&c.settings)?;
        self.db
            .write(move |tx| {
                let changed = tx
                    .prepare_cached(
                        "UPDATE clients SET name = ?3, modified_ms = ?4, settings = ?5
                         WHERE pool_id = ?1 AND client_id = ?2",
                    )
                    .and_then(|mut st| {
                        st.execute(params![
                            c.pool_id,
                            c.client_id,
                            c.name,
                            c.modified_ms,
                            settings
                        ])
                    })
                    .map_err(map_err)?;
                one_row(changed)
            })
            .await
    }

    async fn delete_client(&self, pool_id: &str, client_id: &str) -> Result<(), StoreError> {
        let (pool_id, client_id) = (pool_id.to_owned(), client_id.to_owned());
        self.db
            .write(move |tx| {
                // Secrets go by ON DELETE CASCADE; documents are keyed by the id
                // without a foreign key (their key may also be "ALL").
                let changed = tx
                    .prepare_cached("DELETE FROM clients WHERE pool_id = ?1 AND client_id = ?2")
                    .and_then(|mut st| st.execute(params![pool_id, client_id]))
                    .map_err(map_err)?;
                one_row(changed)?;
                tx.prepare_cached("DELETE FROM pool_documents WHERE pool_id = ?1 AND key = ?2")
                    .and_then(|mut st| st.execute(params![pool_id, client_id]))
                    .map_err(map_err)?;
                Ok(())
            })
            .await
    }

    async fn add_client_secret(
        &self,
        secret: &ClientSecretRecord,
        max_per_client: usize,
    ) -> Result<(), StoreError> {
        let s = secret.clone();
        let max = i64::try_from(max_per_client).unwrap_or(i64::MAX);
        self.db
            .write(move |tx| {
                // The writer holds the database lock from BEGIN IMMEDIATE, so the
                // count cannot change between this check and the insert.
                if !client_exists(tx, &s.pool_id, &s.client_id)? {
                    return Err(StoreError::NotFound);
                }
                let held: i64 = tx
                    .prepare_cached(
                        "SELECT count(*) FROM client_secrets WHERE pool_id = ?1 AND client_id = ?2",
                    )
                    .and_then(|mut st| st.query_row(params![s.pool_id, s.client_id], |r| r.get(0)))
                    .map_err(map_err)?;
                if held >= max {
                    return Err(StoreError::Conflict(
                        cognate_store::Constraint::ClientSecretLimit,
                    ));
                }
                tx.prepare_cached(
                    "INSERT INTO client_secrets (pool_id, client_id, secret_id, sealed_secret, created_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .and_then(|mut st| {
                    st.execute(params![
                        s.pool_id,
                        s.client_id,
                        s.secret_id,
                        s.sealed_secret,
                        s.created_ms
                    ])
                })
                .map_err(map_err)?;
                Ok(())
            })
            .await
    }

    async fn list_client_secrets(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> Result<Vec<ClientSecretRecord>, StoreError> {
        let (pool_id, client_id) = (pool_id.to_owned(), client_id.to_owned());
        self.db
            .read(move |tx| {
                if !client_exists(tx, &pool_id, &client_id)? {
                    return Err(StoreError::NotFound);
                }
                tx.prepare_cached(
                    "SELECT pool_id, client_id, secret_id, sealed_secret, created_ms
                     FROM client_secrets WHERE pool_id = ?1 AND client_id = ?2
                     ORDER BY created_ms, secret_id",
                )
                .and_then(|mut st| {
                    st.query_map(params![pool_id, client_id], secret_from_row)?
                        .collect()
                })
                .map_err(map_err)
            })
            .await
    }

    async fn delete_client_secret(
        &self,
        pool_id: &str,
        client_id: &str,
        secret_id: &str,
    ) -> Result<(), StoreError> {
        let (pool_id, client_id, secret_id) = (
            pool_id.to_owned(),
            client_id.to_owned(),
            secret_id.to_owned(),
        );
        self.db
            .write(move |tx| {
                let changed = tx
                    .prepare_cached(
                        "DELETE FROM client_secrets
                         WHERE pool_id = ?1 AND client_id = ?2 AND secret_id = ?3",
                    )
                    .and_then(|mut st| st.execute(params![pool_id, client_id, secret_id]))
                    .map_err(map_err)?;
                one_row(changed)
            })
            .await
    }

    async fn count_clients(&self, pool_id: &str) -> Result<u64, StoreError> {
        let pool_id = pool_id.to_owned();
        self.db
            .read(move |tx| {
                let n = tx
                    .prepare_cached("SELECT count(*) FROM clients WHERE pool_id = ?1")
                    .and_then(|mut st| st.query_row([pool_id], |r| r.get(0)))
                    .map_err(map_err)?;
                count(n)
            })
            .await
    }
}
