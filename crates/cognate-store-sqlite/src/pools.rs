//! User pools, signing keys and pool documents.

use async_trait::async_trait;
use cognate_store::{
    Page, PageRequest, SigningKeyRecord, StoreError, TagChange, Tags, UserPoolRecord,
    UserPoolStore, decode_cursor, page_from_rows, pool_counter_prefix,
};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::Value;

use crate::SqliteStore;
use crate::codec::{count, one_row, tags_col, to_json, value_col};
use crate::error::map_err;
use crate::signing_keys::{self, KEY_COLUMNS, insert_keys, key_from_row};
use crate::users::delete_counters_under;

const LISTING: &str = "user_pools";
const COLUMNS: &str = "id, name, arn, created_ms, modified_ms, settings, tags";

/// The pool `id`, or `None`.
pub(crate) fn get_pool(conn: &Connection, id: &str) -> Result<Option<UserPoolRecord>, StoreError> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM user_pools WHERE id = ?1"))
        .and_then(|mut st| st.query_row([id], pool_from_row).optional())
        .map_err(map_err)
}

fn pool_from_row(row: &Row<'_>) -> rusqlite::Result<UserPoolRecord> {
    Ok(UserPoolRecord {
        id: row.get(0)?,
        name: row.get(1)?,
        arn: row.get(2)?,
        created_ms: row.get(3)?,
        modified_ms: row.get(4)?,
        settings: value_col(row, 5)?,
        tags: tags_col(row, 6)?,
    })
}

#[async_trait]
impl UserPoolStore for SqliteStore {
    async fn create_user_pool(
        &self,
        pool: &UserPoolRecord,
        signing_keys: &[SigningKeyRecord],
    ) -> Result<(), StoreError> {
        let pool = pool.clone();
        let keys = signing_keys.to_vec();
        let settings = to_json(&pool.settings)?;
        let tags = to_json(&pool.tags)?;
        self.db
            .write(move |tx| {
                tx.prepare_cached(
                    "INSERT INTO user_pools (id, name, arn, created_ms, modified_ms, settings, tags)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .and_then(|mut st| {
                    st.execute(params![
                        pool.id,
                        pool.name,
                        pool.arn,
                        pool.created_ms,
                        pool.modified_ms,
                        settings,
                        tags
                    ])
                })
                .map_err(map_err)?;
                insert_keys(tx, &pool.id, &keys)
            })
            .await
    }

    async fn get_user_pool(&self, id: &str) -> Result<Option<UserPoolRecord>, StoreError> {
        let id = id.to_owned();
        self.db.read(move |tx| get_pool(tx, &id)).await
    }

    async fn list_user_pools(
        &self,
        page: &PageRequest,
    ) -> Result<Page<UserPoolRecord>, StoreError> {
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
                            "SELECT {COLUMNS} FROM user_pools
                             ORDER BY created_ms, id LIMIT ?1"
                        ))
                        .and_then(|mut st| st.query_map([fetch], pool_from_row)?.collect()),
                    Some((created, id)) => tx
                        .prepare_cached(&format!(
                            "SELECT {COLUMNS} FROM user_pools
                             WHERE (created_ms, id) > (?1, ?2)
                             ORDER BY created_ms, id LIMIT ?3"
                        ))
                        .and_then(|mut st| {
                            st.query_map(params![created, id, fetch], pool_from_row)?
                                .collect()
                        }),
                }
                .map_err(map_err)?;
                page_from_rows(rows, &page, LISTING, |p: &UserPoolRecord| {
                    (p.created_ms, p.id.clone())
                })
            })
            .await
    }

    async fn update_user_pool(&self, pool: &UserPoolRecord) -> Result<(), StoreError> {
        let pool = pool.clone();
        let settings = to_json(&pool.settings)?;
        let tags = to_json(&pool.tags)?;
        self.db
            .write(move |tx| {
                let changed = tx
                    .prepare_cached(
                        "UPDATE user_pools SET name = ?2, modified_ms = ?3, settings = ?4, tags = ?5
                         WHERE id = ?1",
                    )
                    .and_then(|mut st| {
                        st.execute(params![pool.id, pool.name, pool.modified_ms, settings, tags])
                    })
                    .map_err(map_err)?;
                one_row(changed)
            })
            .await
    }

    async fn modify_user_pool_tags(
        &self,
        id: &str,
        change: &TagChange,
    ) -> Result<Tags, StoreError> {
        let id = id.to_owned();
        let change = change.clone();
        self.db
            .write(move |tx| {
                let current: Tags = tx
                    .prepare_cached("SELECT tags FROM user_pools WHERE id = ?1")
                    .and_then(|mut st| st.query_row([&id], |r| tags_col(r, 0)).optional())
                    .map_err(map_err)?
                    .ok_or(StoreError::NotFound)?;
                let tags = change.apply(current)?;
                let text = to_json(&tags)?;
                tx.prepare_cached("UPDATE user_pools SET tags = ?2 WHERE id = ?1")
                    .and_then(|mut st| st.execute(params![id, text]))
                    .map_err(map_err)?;
                Ok(tags)
            })
            .await
    }

    async fn delete_user_pool(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.db
            .write(move |tx| {
                // Everything in the pool goes with it through ON DELETE CASCADE,
                // users and all that hangs off them included; user counters
                // are keyed by name, so they go by key range.
                let changed = tx
                    .prepare_cached("DELETE FROM user_pools WHERE id = ?1")
                    .and_then(|mut st| st.execute([&id]))
                    .map_err(map_err)?;
                one_row(changed)?;
                delete_counters_under(tx, &pool_counter_prefix(&id))
            })
            .await
    }

    async fn count_user_pools(&self) -> Result<u64, StoreError> {
        self.db
            .read(|tx| {
                let n = tx
                    .prepare_cached("SELECT count(*) FROM user_pools")
                    .and_then(|mut st| st.query_row([], |r| r.get(0)))
                    .map_err(map_err)?;
                count(n)
            })
            .await
    }

    async fn signing_keys(&self, pool_id: &str) -> Result<Vec<SigningKeyRecord>, StoreError> {
        let pool_id = pool_id.to_owned();
        self.db
            .read(move |tx| {
                tx.prepare_cached(&format!(
                    "SELECT {KEY_COLUMNS} FROM signing_keys WHERE pool_id = ?1
                     ORDER BY created_ms, kid"
                ))
                .and_then(|mut st| st.query_map([pool_id], key_from_row)?.collect())
                .map_err(map_err)
            })
            .await
    }

    async fn rotate_signing_keys(
        &self,
        pool_id: &str,
        new_keys: &[SigningKeyRecord],
        retire_after_ms: i64,
    ) -> Result<(), StoreError> {
        let pool_id = pool_id.to_owned();
        let new_keys = new_keys.to_vec();
        self.db
            .write(move |tx| signing_keys::rotate(tx, &pool_id, &new_keys, retire_after_ms))
            .await
    }

    async fn put_pool_document(
        &self,
        pool_id: &str,
        kind: &str,
        key: &str,
        doc: &Value,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let (pool_id, kind, key) = (pool_id.to_owned(), kind.to_owned(), key.to_owned());
        let doc = to_json(doc)?;
        self.db
            .write(move |tx| {
                tx.prepare_cached(
                    "INSERT INTO pool_documents (pool_id, kind, key, doc, modified_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (pool_id, kind, key)
                     DO UPDATE SET doc = excluded.doc, modified_ms = excluded.modified_ms",
                )
                .and_then(|mut st| st.execute(params![pool_id, kind, key, doc, now_ms]))
                .map_err(map_err)?;
                Ok(())
            })
            .await
    }

    async fn get_pool_document(
        &self,
        pool_id: &str,
        kind: &str,
        key: &str,
    ) -> Result<Option<(Value, i64)>, StoreError> {
        let (pool_id, kind, key) = (pool_id.to_owned(), kind.to_owned(), key.to_owned());
        self.db
            .read(move |tx| {
                tx.prepare_cached(
                    "SELECT doc, modified_ms FROM pool_documents
                     WHERE pool_id = ?1 AND kind = ?2 AND key = ?3",
                )
                .and_then(|mut st| {
                    st.query_row(params![pool_id, kind, key], |r| {
                        Ok((value_col(r, 0)?, r.get(1)?))
                    })
                    .optional()
                })
                .map_err(map_err)
            })
            .await
    }

    async fn delete_pool_document(
        &self,
        pool_id: &str,
        kind: &str,
        key: &str,
    ) -> Result<(), StoreError> {
        let (pool_id, kind, key) = (pool_id.to_owned(), kind.to_owned(), key.to_owned());
        self.db
            .write(move |tx| {
                let changed = tx
                    .prepare_cached(
                        "DELETE FROM pool_documents WHERE pool_id = ?1 AND kind = ?2 AND key = ?3",
                    )
                    .and_then(|mut st| st.execute(params![pool_id, kind, key]))
                    .map_err(map_err)?;
                one_row(changed)
            })
            .await
    }
}
