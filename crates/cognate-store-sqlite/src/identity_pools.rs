//! Identity pools.

use async_trait::async_trait;
use cognate_store::{
    IdentityPoolRecord, IdentityPoolStore, Page, PageRequest, StoreError, TagChange, Tags,
    decode_cursor, page_from_rows,
};
use rusqlite::{OptionalExtension, Row, params};

use crate::SqliteStore;
use crate::codec::{count, one_row, tags_col, to_json, value_col};
use crate::error::map_err;

const LISTING: &str = "identity_pools";
const COLUMNS: &str = "id, name, created_ms, modified_ms, settings, tags";

fn pool_from_row(row: &Row<'_>) -> rusqlite::Result<IdentityPoolRecord> {
    Ok(IdentityPoolRecord {
        id: row.get(0)?,
        name: row.get(1)?,
        created_ms: row.get(2)?,
        modified_ms: row.get(3)?,
        settings: value_col(row, 4)?,
        tags: tags_col(row, 5)?,
    })
}

#[async_trait]
impl IdentityPoolStore for SqliteStore {
    async fn create_identity_pool(&self, pool: &IdentityPoolRecord) -> Result<(), StoreError> {
        let p = pool.clone();
        let settings = to_json(&p.settings)?;
        let tags = to_json(&p.tags)?;
        self.db
            .write(move |tx| {
                tx.prepare_cached(&format!(
                    "INSERT INTO identity_pools ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                ))
                .and_then(|mut st| {
                    st.execute(params![
                        p.id,
                        p.name,
                        p.created_ms,
                        p.modified_ms,
                        settings,
                        tags
                    ])
                })
                .map_err(map_err)?;
                Ok(())
            })
            .await
    }

    async fn get_identity_pool(&self, id: &str) -> Result<Option<IdentityPoolRecord>, StoreError> {
        let id = id.to_owned();
        self.db
            .read(move |tx| {
                tx.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM identity_pools WHERE id = ?1"
                ))
                .and_then(|mut st| st.query_row([id], pool_from_row).optional())
                .map_err(map_err)
            })
            .await
    }

    async fn list_identity_pools(
        &self,
        page: &PageRequest,
    ) -> Result<Page<IdentityPoolRecord>, StoreError> {
        let page = page.clone();
        let after: Option<(i64, String)> = page
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
                            "SELECT {COLUMNS} FROM identity_pools
                             ORDER BY created_ms, id LIMIT ?1"
                        ))
                        .and_then(|mut st| st.query_map([fetch], pool_from_row)?.collect()),
                    Some((created, id)) => tx
                        .prepare_cached(&format!(
                            "SELECT {COLUMNS} FROM identity_pools
                             WHERE (created_ms, id) > (?1, ?2)
                             ORDER BY created_ms, id LIMIT ?3"
                        ))
                        .and_then(|mut st| {
                            st.query_map(params![created, id, fetch], pool_from_row)?
                                .collect()
                        }),
                }
                .map_err(map_err)?;
                page_from_rows(rows, &page, LISTING, |p: &IdentityPoolRecord| {
                    (p.created_ms, p.id.clone())
                })
            })
            .await
    }

    async fn update_identity_pool(&self, pool: &IdentityPoolRecord) -> Result<(), StoreError> {
        let p = pool.clone();
        let settings = to_json(&p.settings)?;
        let tags = to_json(&p.tags)?;
        self.db
            .write(move |tx| {
                let changed = tx
                    .prepare_cached(
                        "UPDATE identity_pools SET name = ?2, modified_ms = ?3, settings = ?4,
                             tags = ?5
                         WHERE id = ?1",
                    )
                    .and_then(|mut st| {
                        st.execute(params![p.id, p.name, p.modified_ms, settings, tags])
                    })
                    .map_err(map_err)?;
                one_row(changed)
            })
            .await
    }

    async fn modify_identity_pool_tags(
        &self,
        id: &str,
        change: &TagChange,
    ) -> Result<Tags, StoreError> {
        let id = id.to_owned();
        let change = change.clone();
        self.db
            .write(move |tx| {
                let current: Tags = tx
                    .prepare_cached("SELECT tags FROM identity_pools WHERE id = ?1")
                    .and_then(|mut st| st.query_row([&id], |r| tags_col(r, 0)).optional())
                    .map_err(map_err)?
                    .ok_or(StoreError::NotFound)?;
                let tags = change.apply(current)?;
                let text = to_json(&tags)?;
                tx.prepare_cached("UPDATE identity_pools SET tags = ?2 WHERE id = ?1")
                    .and_then(|mut st| st.execute(params![id, text]))
                    .map_err(map_err)?;
                Ok(tags)
            })
            .await
    }

    async fn delete_identity_pool(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.db
            .write(move |tx| {
                let changed = tx
                    .prepare_cached("DELETE FROM identity_pools WHERE id = ?1")
                    .and_then(|mut st| st.execute([id]))
                    .map_err(map_err)?;
                one_row(changed)
            })
            .await
    }

    async fn count_identity_pools(&self) -> Result<u64, StoreError> {
        self.db
            .read(|tx| {
                let n = tx
                    .prepare_cached("SELECT count(*) FROM identity_pools")
                    .and_then(|mut st| st.query_row([], |r| r.get(0)))
                    .map_err(map_err)?;
                count(n)
            })
            .await
    }
}
