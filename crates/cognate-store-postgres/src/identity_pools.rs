//! Identity pools.

use async_trait::async_trait;
use cognate_store::{
    IdentityPoolRecord, IdentityPoolStore, Page, PageRequest, StoreError, TagChange, Tags,
    decode_cursor, page_from_rows,
};
use tokio_postgres::Row;

use crate::PostgresStore;
use crate::codec::{count, fetch_for, one_row, tags_col, to_json, value_col};
use crate::db::{read, transact};
use crate::error::col;
use crate::sql::{execute, query, query_one, query_opt};

const LISTING: &str = "identity_pools";

fn pool_from_row(row: &Row) -> Result<IdentityPoolRecord, StoreError> {
    Ok(IdentityPoolRecord {
        id: col(row, 0)?,
        name: col(row, 1)?,
        created_ms: col(row, 2)?,
        modified_ms: col(row, 3)?,
        settings: value_col(row, 4)?,
        tags: tags_col(row, 5)?,
    })
}

#[async_trait]
impl IdentityPoolStore for PostgresStore {
    async fn create_identity_pool(&self, p: &IdentityPoolRecord) -> Result<(), StoreError> {
        let settings = to_json(&p.settings)?;
        let tags = to_json(&p.tags)?;
        transact!(self.db, |tx| {
            execute(
                &tx,
                "INSERT INTO identity_pools (id, name, created_ms, modified_ms, settings, tags)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &p.id,
                    &p.name,
                    &p.created_ms,
                    &p.modified_ms,
                    &settings,
                    &tags,
                ],
            )
            .await?;
        })
    }

    async fn get_identity_pool(&self, id: &str) -> Result<Option<IdentityPoolRecord>, StoreError> {
        read!(self.db, |client| {
            query_opt(
                &client,
                "SELECT id, name, created_ms, modified_ms, settings, tags
                 FROM identity_pools WHERE id = $1",
                &[&id],
            )
            .await?
            .as_ref()
            .map(pool_from_row)
            .transpose()?
        })
    }

    async fn list_identity_pools(
        &self,
        page: &PageRequest,
    ) -> Result<Page<IdentityPoolRecord>, StoreError> {
        let after: Option<(i64, String)> = page
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
                        "SELECT id, name, created_ms, modified_ms, settings, tags
                         FROM identity_pools ORDER BY created_ms, id LIMIT $1",
                        &[&fetch],
                    )
                    .await?
                }
                Some((created, id)) => {
                    query(
                        &client,
                        "SELECT id, name, created_ms, modified_ms, settings, tags
                         FROM identity_pools WHERE (created_ms, id) > ($1, $2)
                         ORDER BY created_ms, id LIMIT $3",
                        &[created, id, &fetch],
                    )
                    .await?
                }
            }
        })?;
        let items = rows
            .iter()
            .map(pool_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        page_from_rows(items, page, LISTING, |p| (p.created_ms, p.id.clone()))
    }

    async fn update_identity_pool(&self, p: &IdentityPoolRecord) -> Result<(), StoreError> {
        let settings = to_json(&p.settings)?;
        let tags = to_json(&p.tags)?;
        transact!(self.db, |tx| {
            let changed = execute(
                &tx,
                "UPDATE identity_pools SET name = $2, modified_ms = $3, settings = $4, tags = $5
                 WHERE id = $1",
                &[&p.id, &p.name, &p.modified_ms, &settings, &tags],
            )
            .await?;
            one_row(changed)?
        })
    }

    async fn modify_identity_pool_tags(
        &self,
        id: &str,
        change: &TagChange,
    ) -> Result<Tags, StoreError> {
        transact!(self.db, |tx| {
            let row = query_opt(
                &tx,
                "SELECT tags FROM identity_pools WHERE id = $1 FOR UPDATE",
                &[&id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
            let tags = change.apply(tags_col(&row, 0)?)?;
            execute(
                &tx,
                "UPDATE identity_pools SET tags = $2 WHERE id = $1",
                &[&id, &to_json(&tags)?],
            )
            .await?;
            tags
        })
    }

    async fn delete_identity_pool(&self, id: &str) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            let changed = execute(&tx, "DELETE FROM identity_pools WHERE id = $1", &[&id]).await?;
            one_row(changed)?
        })
    }

    async fn count_identity_pools(&self) -> Result<u64, StoreError> {
        read!(self.db, |client| {
            count(&query_one(&client, "SELECT count(*) FROM identity_pools", &[]).await?)?
        })
    }
}
