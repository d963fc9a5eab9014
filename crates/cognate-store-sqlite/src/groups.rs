//! Groups.

use async_trait::async_trait;
use cognate_store::{
    GroupRecord, GroupStore, Page, PageRequest, StoreError, decode_cursor, page_from_rows,
};
use rusqlite::{OptionalExtension, Row, params};

use crate::SqliteStore;
use crate::codec::{count, one_row};
use crate::error::map_err;

const LISTING: &str = "groups";
const COLUMNS: &str = "pool_id, name, description, role_arn, precedence, created_ms, modified_ms";
/// The same columns qualified for joins.
pub(crate) const GROUP_COLUMNS_G: &str =
    "g.pool_id, g.name, g.description, g.role_arn, g.precedence, g.created_ms, g.modified_ms";

pub(crate) fn group_from_row(row: &Row<'_>) -> rusqlite::Result<GroupRecord> {
    Ok(GroupRecord {
        pool_id: row.get(0)?,
        name: row.get(1)?,
        description: row.get(2)?,
        role_arn: row.get(3)?,
        precedence: row.get(4)?,
        created_ms: row.get(5)?,
        modified_ms: row.get(6)?,
    })
}

#[async_trait]
impl GroupStore for SqliteStore {
    async fn create_group(&self, group: &GroupRecord) -> Result<(), StoreError> {
        let g = group.clone();
        self.db
            .write(move |tx| {
                tx.prepare_cached(&format!(
                    "INSERT INTO groups ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                ))
                .and_then(|mut st| {
                    st.execute(params![
                        g.pool_id,
                        g.name,
                        g.description,
                        g.role_arn,
                        g.precedence,
                        g.created_ms,
                        g.modified_ms
                    ])
                })
                .map_err(map_err)?;
                Ok(())
            })
            .await
    }

    async fn get_group(
        &self,
        pool_id: &str,
        name: &str,
    ) -> Result<Option<GroupRecord>, StoreError> {
        let (pool_id, name) = (pool_id.to_owned(), name.to_owned());
        self.db
            .read(move |tx| {
                tx.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM groups WHERE pool_id = ?1 AND name = ?2"
                ))
                .and_then(|mut st| {
                    st.query_row(params![pool_id, name], group_from_row)
                        .optional()
                })
                .map_err(map_err)
            })
            .await
    }

    async fn list_groups(
        &self,
        pool_id: &str,
        page: &PageRequest,
    ) -> Result<Page<GroupRecord>, StoreError> {
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
                            "SELECT {COLUMNS} FROM groups WHERE pool_id = ?1
                             ORDER BY name LIMIT ?2"
                        ))
                        .and_then(|mut st| {
                            st.query_map(params![pool_id, fetch], group_from_row)?
                                .collect()
                        }),
                    Some(after) => tx
                        .prepare_cached(&format!(
                            "SELECT {COLUMNS} FROM groups WHERE pool_id = ?1 AND name > ?2
                             ORDER BY name LIMIT ?3"
                        ))
                        .and_then(|mut st| {
                            st.query_map(params![pool_id, after, fetch], group_from_row)?
                                .collect()
                        }),
                }
                .map_err(map_err)?;
                page_from_rows(rows, &page, LISTING, |g: &GroupRecord| g.name.clone())
            })
            .await
    }

    async fn update_group(&self, group: &GroupRecord) -> Result<(), StoreError> {
        let g = group.clone();
        self.db
            .write(move |tx| {
                let changed = tx
                    .prepare_cached(
                        "UPDATE groups SET description = ?3, role_arn = ?4, precedence = ?5,
                             modified_ms = ?6
                         WHERE pool_id = ?1 AND name = ?2",
                    )
                    .and_then(|mut st| {
                        st.execute(params![
                            g.pool_id,
                            g.name,
                            g.description,
                            g.role_arn,
                            g.precedence,
                            g.modified_ms
                        ])
                    })
                    .map_err(map_err)?;
                one_row(changed)
            })
            .await
    }

    async fn delete_group(&self, pool_id: &str, name: &str) -> Result<(), StoreError> {
        let (pool_id, name) = (pool_id.to_owned(), name.to_owned());
        self.db
            .write(move |tx| {
                // Memberships go by ON DELETE CASCADE.
                let changed = tx
                    .prepare_cached("DELETE FROM groups WHERE pool_id = ?1 AND name = ?2")
                    .and_then(|mut st| st.execute(params![pool_id, name]))
                    .map_err(map_err)?;
                one_row(changed)
            })
            .await
    }

    async fn count_groups(&self, pool_id: &str) -> Result<u64, StoreError> {
        let pool_id = pool_id.to_owned();
        self.db
            .read(move |tx| {
                let n = tx
                    .prepare_cached("SELECT count(*) FROM groups WHERE pool_id = ?1")
                    .and_then(|mut st| st.query_row([pool_id], |r| r.get(0)))
                    .map_err(map_err)?;
                count(n)
            })
            .await
    }
}
