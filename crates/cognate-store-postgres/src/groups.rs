//! Groups.

use async_trait::async_trait;
use cognate_store::{
    GroupRecord, GroupStore, Page, PageRequest, StoreError, decode_cursor, page_from_rows,
};
use tokio_postgres::Row;

use crate::PostgresStore;
use crate::codec::{count, fetch_for, one_row};
use crate::db::{read, transact};
use crate::error::col;
use crate::sql::{execute, query, query_one, query_opt};

const LISTING: &str = "groups";
/// The group columns qualified for joins, in `group_from_row` order.
pub(crate) const GROUP_COLUMNS_G: &str =
    "g.pool_id, g.name, g.description, g.role_arn, g.precedence, g.created_ms, g.modified_ms";

pub(crate) fn group_from_row(row: &Row) -> Result<GroupRecord, StoreError> {
    Ok(GroupRecord {
        pool_id: col(row, 0)?,
        name: col(row, 1)?,
        description: col(row, 2)?,
        role_arn: col(row, 3)?,
        precedence: col(row, 4)?,
        created_ms: col(row, 5)?,
        modified_ms: col(row, 6)?,
    })
}

#[async_trait]
impl GroupStore for PostgresStore {
    async fn create_group(&self, g: &GroupRecord) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            execute(
                &tx,
                "INSERT INTO groups (pool_id, name, description, role_arn, precedence,
                     created_ms, modified_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &g.pool_id,
                    &g.name,
                    &g.description,
                    &g.role_arn,
                    &g.precedence,
                    &g.created_ms,
                    &g.modified_ms,
                ],
            )
            .await?;
        })
    }

    async fn get_group(
        &self,
        pool_id: &str,
        name: &str,
    ) -> Result<Option<GroupRecord>, StoreError> {
        read!(self.db, |client| {
            query_opt(
                &client,
                "SELECT pool_id, name, description, role_arn, precedence, created_ms, modified_ms
                 FROM groups WHERE pool_id = $1 AND name = $2",
                &[&pool_id, &name],
            )
            .await?
            .as_ref()
            .map(group_from_row)
            .transpose()?
        })
    }

    async fn list_groups(
        &self,
        pool_id: &str,
        page: &PageRequest,
    ) -> Result<Page<GroupRecord>, StoreError> {
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
                        "SELECT pool_id, name, description, role_arn, precedence, created_ms,
                                modified_ms
                         FROM groups WHERE pool_id = $1 ORDER BY name LIMIT $2",
                        &[&pool_id, &fetch],
                    )
                    .await?
                }
                Some(after) => {
                    query(
                        &client,
                        "SELECT pool_id, name, description, role_arn, precedence, created_ms,
                                modified_ms
                         FROM groups WHERE pool_id = $1 AND name > $2
                         ORDER BY name LIMIT $3",
                        &[&pool_id, after, &fetch],
                    )
                    .await?
                }
            }
        })?;
        let items = rows
            .iter()
            .map(group_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        page_from_rows(items, page, LISTING, |g| g.name.clone())
    }

    async fn update_group(&self, g: &GroupRecord) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            let changed = execute(
                &tx,
                "UPDATE groups SET description = $3, role_arn = $4, precedence = $5,
                     modified_ms = $6
                 WHERE pool_id = $1 AND name = $2",
                &[
                    &g.pool_id,
                    &g.name,
                    &g.description,
                    &g.role_arn,
                    &g.precedence,
                    &g.modified_ms,
                ],
            )
            .await?;
            one_row(changed)?
        })
    }

    async fn delete_group(&self, pool_id: &str, name: &str) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            // Memberships go by ON DELETE CASCADE.
            let changed = execute(
                &tx,
                "DELETE FROM groups WHERE pool_id = $1 AND name = $2",
                &[&pool_id, &name],
            )
            .await?;
            one_row(changed)?
        })
    }

    async fn count_groups(&self, pool_id: &str) -> Result<u64, StoreError> {
        read!(self.db, |client| {
            count(
                &query_one(
                    &client,
                    "SELECT count(*) FROM groups WHERE pool_id = $1",
                    &[&pool_id],
                )
                .await?,
            )?
        })
    }
}
