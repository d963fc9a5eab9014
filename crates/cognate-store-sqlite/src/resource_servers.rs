//! Resource servers.

use async_trait::async_trait;
use cognate_store::{
    Page, PageRequest, ResourceServerRecord, ResourceServerStore, StoreError, decode_cursor,
    page_from_rows,
};
use rusqlite::{OptionalExtension, Row, params};

use crate::SqliteStore;
use crate::codec::{count, one_row, to_json, value_col};
use crate::error::map_err;

const LISTING: &str = "resource_servers";
const COLUMNS: &str = "pool_id, identifier, name, scopes, created_ms, modified_ms";

fn server_from_row(row: &Row<'_>) -> rusqlite::Result<ResourceServerRecord> {
    Ok(ResourceServerRecord {
        pool_id: row.get(0)?,
        identifier: row.get(1)?,
        name: row.get(2)?,
        scopes: value_col(row, 3)?,
        created_ms: row.get(4)?,
        modified_ms: row.get(5)?,
    })
}

#[async_trait]
impl ResourceServerStore for SqliteStore {
    async fn create_resource_server(
        &self,
        server: &ResourceServerRecord,
    ) -> Result<(), StoreError> {
        let s = server.clone();
        let scopes = to_json(&s.scopes)?;
        self.db
            .write(move |tx| {
                tx.prepare_cached(&format!(
                    "INSERT INTO resource_servers ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                ))
                .and_then(|mut st| {
                    st.execute(params![
                        s.pool_id,
                        s.identifier,
                        s.name,
                        scopes,
                        s.created_ms,
                        s.modified_ms
                    ])
                })
                .map_err(map_err)?;
                Ok(())
            })
            .await
    }

    async fn get_resource_server(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> Result<Option<ResourceServerRecord>, StoreError> {
        let (pool_id, identifier) = (pool_id.to_owned(), identifier.to_owned());
        self.db
            .read(move |tx| {
                tx.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM resource_servers WHERE pool_id = ?1 AND identifier = ?2"
                ))
                .and_then(|mut st| {
                    st.query_row(params![pool_id, identifier], server_from_row)
                        .optional()
                })
                .map_err(map_err)
            })
            .await
    }

    async fn list_resource_servers(
        &self,
        pool_id: &str,
        page: &PageRequest,
    ) -> Result<Page<ResourceServerRecord>, StoreError> {
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
                            "SELECT {COLUMNS} FROM resource_servers WHERE pool_id = ?1
                             ORDER BY identifier LIMIT ?2"
                        ))
                        .and_then(|mut st| {
                            st.query_map(params![pool_id, fetch], server_from_row)?
                                .collect()
                        }),
                    Some(after) => tx
                        .prepare_cached(&format!(
                            "SELECT {COLUMNS} FROM resource_servers
                             WHERE pool_id = ?1 AND identifier > ?2
                             ORDER BY identifier LIMIT ?3"
                        ))
                        .and_then(|mut st| {
                            st.query_map(params![pool_id, after, fetch], server_from_row)?
                                .collect()
                        }),
                }
                .map_err(map_err)?;
                page_from_rows(rows, &page, LISTING, |s: &ResourceServerRecord| {
                    s.identifier.clone()
                })
            })
            .await
    }

    async fn update_resource_server(
        &self,
        server: &ResourceServerRecord,
    ) -> Result<(), StoreError> {
        let s = server.clone();
        let scopes = to_json(&s.scopes)?;
        self.db
            .write(move |tx| {
                let changed = tx
                    .prepare_cached(
                        "UPDATE resource_servers SET name = ?3, scopes = ?4, modified_ms = ?5
                         WHERE pool_id = ?1 AND identifier = ?2",
                    )
                    .and_then(|mut st| {
                        st.execute(params![
                            s.pool_id,
                            s.identifier,
                            s.name,
                            scopes,
                            s.modified_ms
                        ])
                    })
                    .map_err(map_err)?;
                one_row(changed)
            })
            .await
    }

    async fn delete_resource_server(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> Result<(), StoreError> {
        let (pool_id, identifier) = (pool_id.to_owned(), identifier.to_owned());
        self.db
            .write(move |tx| {
                let changed = tx
                    .prepare_cached(
                        "DELETE FROM resource_servers WHERE pool_id = ?1 AND identifier = ?2",
                    )
                    .and_then(|mut st| st.execute(params![pool_id, identifier]))
                    .map_err(map_err)?;
                one_row(changed)
            })
            .await
    }

    async fn count_resource_servers(&self, pool_id: &str) -> Result<u64, StoreError> {
        let pool_id = pool_id.to_owned();
        self.db
            .read(move |tx| {
                let n = tx
                    .prepare_cached("SELECT count(*) FROM resource_servers WHERE pool_id = ?1")
                    .and_then(|mut st| st.query_row([pool_id], |r| r.get(0)))
                    .map_err(map_err)?;
                count(n)
            })
            .await
    }
}
