//! Resource servers.

use async_trait::async_trait;
use cognate_store::{
    Page, PageRequest, ResourceServerRecord, ResourceServerStore, StoreError, decode_cursor,
    page_from_rows,
};
use tokio_postgres::Row;

use crate::PostgresStore;
use crate::codec::{count, fetch_for, one_row, to_json, value_col};
use crate::db::{read, transact};
use crate::error::col;
use crate::sql::{execute, query, query_one, query_opt};

const LISTING: &str = "resource_servers";

fn server_from_row(row: &Row) -> Result<ResourceServerRecord, StoreError> {
    Ok(ResourceServerRecord {
        pool_id: col(row, 0)?,
        identifier: col(row, 1)?,
        name: col(row, 2)?,
        scopes: value_col(row, 3)?,
        created_ms: col(row, 4)?,
        modified_ms: col(row, 5)?,
    })
}

#[async_trait]
impl ResourceServerStore for PostgresStore {
    async fn create_resource_server(&self, s: &ResourceServerRecord) -> Result<(), StoreError> {
        let scopes = to_json(&s.scopes)?;
        transact!(self.db, |tx| {
            execute(
                &tx,
                "INSERT INTO resource_servers (pool_id, identifier, name, scopes, created_ms,
                     modified_ms)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &s.pool_id,
                    &s.identifier,
                    &s.name,
                    &scopes,
                    &s.created_ms,
                    &s.modified_ms,
                ],
            )
            .await?;
        })
    }

    async fn get_resource_server(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> Result<Option<ResourceServerRecord>, StoreError> {
        read!(self.db, |client| {
            query_opt(
                &client,
                "SELECT pool_id, identifier, name, scopes, created_ms, modified_ms
                 FROM resource_servers WHERE pool_id = $1 AND identifier = $2",
                &[&pool_id, &identifier],
            )
            .await?
            .as_ref()
            .map(server_from_row)
            .transpose()?
        })
    }

    async fn list_resource_servers(
        &self,
        pool_id: &str,
        page: &PageRequest,
    ) -> Result<Page<ResourceServerRecord>, StoreError> {
        let after: Option<String> = page
            .cursor
            .as_deref()
            .map(|c| decode_cursor(LISTING, c))
            .transpose()?;
        let fetch = fetch_for(page);
        let rows = read!(self.db, |client| {
            match &after {
                None => {
                    query(
                        &client,
                        "SELECT pool_id, identifier, name, scopes, created_ms, modified_ms
                         FROM resource_servers WHERE pool_id = $1
                         ORDER BY identifier LIMIT $2",
                        &[&pool_id, &fetch],
                    )
                    .await?
                }
                Some(after) => {
                    query(
                        &client,
                        "SELECT pool_id, identifier, name, scopes, created_ms, modified_ms
                         FROM resource_servers WHERE pool_id = $1 AND identifier > $2
                         ORDER BY identifier LIMIT $3",
                        &[&pool_id, after, &fetch],
                    )
                    .await?
                }
            }
        })?;
        let items = rows
            .iter()
            .map(server_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        page_from_rows(items, page, LISTING, |s| s.identifier.clone())
    }

    async fn update_resource_server(&self, s: &ResourceServerRecord) -> Result<(), StoreError> {
        let scopes = to_json(&s.scopes)?;
        transact!(self.db, |tx| {
            let changed = execute(
                &tx,
                "UPDATE resource_servers SET name = $3, scopes = $4, modified_ms = $5
                 WHERE pool_id = $1 AND identifier = $2",
                &[&s.pool_id, &s.identifier, &s.name, &scopes, &s.modified_ms],
            )
            .await?;
            one_row(changed)?
        })
    }

    async fn delete_resource_server(
        &self,
        pool_id: &str,
        identifier: &str,
    ) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            let changed = execute(
                &tx,
                "DELETE FROM resource_servers WHERE pool_id = $1 AND identifier = $2",
                &[&pool_id, &identifier],
            )
            .await?;
            one_row(changed)?
        })
    }

    async fn count_resource_servers(&self, pool_id: &str) -> Result<u64, StoreError> {
        read!(self.db, |client| {
            count(
                &query_one(
                    &client,
                    "SELECT count(*) FROM resource_servers WHERE pool_id = $1",
                    &[&pool_id],
                )
                .await?,
            )?
        })
    }
}
