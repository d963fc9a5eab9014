//! User pools, signing keys and pool documents.

use async_trait::async_trait;
use cognate_store::{
    Page, PageRequest, SigningKeyRecord, StoreError, TagChange, Tags, UserPoolRecord,
    UserPoolStore, decode_cursor, page_from_rows, pool_counter_prefix,
};
use deadpool_postgres::GenericClient;
use serde_json::Value;
use tokio_postgres::Row;

use crate::PostgresStore;
use crate::codec::{count, fetch_for, one_row, tags_col, to_json, value_col};
use crate::db::{read, transact};
use crate::error::col;
use crate::signing_keys::{self, insert_keys, key_columns, key_from_row};
use crate::sql::{execute, query, query_one, query_opt};
use crate::users::delete_counters_under;

const LISTING: &str = "user_pools";

/// The pool `id`, or `None`.
pub(crate) async fn get_pool<C: GenericClient>(
    c: &C,
    id: &str,
) -> Result<Option<UserPoolRecord>, StoreError> {
    query_opt(
        c,
        "SELECT id, name, arn, created_ms, modified_ms, settings, tags
         FROM user_pools WHERE id = $1",
        &[&id],
    )
    .await?
    .as_ref()
    .map(pool_from_row)
    .transpose()
}

fn pool_from_row(row: &Row) -> Result<UserPoolRecord, StoreError> {
    Ok(UserPoolRecord {
        id: col(row, 0)?,
        name: col(row, 1)?,
        arn: col(row, 2)?,
        created_ms: col(row, 3)?,
        modified_ms: col(row, 4)?,
        settings: value_col(row, 5)?,
        tags: tags_col(row, 6)?,
    })
}

#[async_trait]
impl UserPoolStore for PostgresStore {
    async fn create_user_pool(
        &self,
        pool: &UserPoolRecord,
        signing_keys: &[SigningKeyRecord],
    ) -> Result<(), StoreError> {
        let settings = to_json(&pool.settings)?;
        let tags = to_json(&pool.tags)?;
        transact!(self.db, |tx| {
            execute(
                &tx,
                "INSERT INTO user_pools (id, name, arn, created_ms, modified_ms, settings, tags)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &pool.id,
                    &pool.name,
                    &pool.arn,
                    &pool.created_ms,
                    &pool.modified_ms,
                    &settings,
                    &tags,
                ],
            )
            .await?;
            insert_keys(&tx, &pool.id, signing_keys).await?;
        })
    }

    async fn get_user_pool(&self, id: &str) -> Result<Option<UserPoolRecord>, StoreError> {
        read!(self.db, |client| { get_pool(&client, id).await? })
    }

    async fn list_user_pools(
        &self,
        page: &PageRequest,
    ) -> Result<Page<UserPoolRecord>, StoreError> {
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
                        "SELECT id, name, arn, created_ms, modified_ms, settings, tags
                         FROM user_pools ORDER BY created_ms, id LIMIT $1",
                        &[&fetch],
                    )
                    .await?
                }
                Some((created, id)) => {
                    query(
                        &client,
                        "SELECT id, name, arn, created_ms, modified_ms, settings, tags
                         FROM user_pools WHERE (created_ms, id) > ($1, $2)
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

    async fn update_user_pool(&self, pool: &UserPoolRecord) -> Result<(), StoreError> {
        let settings = to_json(&pool.settings)?;
        let tags = to_json(&pool.tags)?;
        transact!(self.db, |tx| {
            let changed = execute(
                &tx,
                "UPDATE user_pools SET name = $2, modified_ms = $3, settings = $4, tags = $5
                 WHERE id = $1",
                &[&pool.id, &pool.name, &pool.modified_ms, &settings, &tags],
            )
            .await?;
            one_row(changed)?
        })
    }

    async fn modify_user_pool_tags(
        &self,
        id: &str,
        change: &TagChange,
    ) -> Result<Tags, StoreError> {
        transact!(self.db, |tx| {
            // The row lock serialises concurrent tag changes on one pool.
            let row = query_opt(
                &tx,
                "SELECT tags FROM user_pools WHERE id = $1 FOR UPDATE",
                &[&id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
            let tags = change.apply(tags_col(&row, 0)?)?;
            execute(
                &tx,
                "UPDATE user_pools SET tags = $2 WHERE id = $1",
                &[&id, &to_json(&tags)?],
            )
            .await?;
            tags
        })
    }

    async fn delete_user_pool(&self, id: &str) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            // Everything in the pool goes with it through ON DELETE CASCADE,
            // users and all that hangs off them included; user counters are
            // keyed by name, so they go by key range.
            let changed = execute(&tx, "DELETE FROM user_pools WHERE id = $1", &[&id]).await?;
            one_row(changed)?;
            delete_counters_under(&tx, &pool_counter_prefix(id)).await?;
        })
    }

    async fn count_user_pools(&self) -> Result<u64, StoreError> {
        read!(self.db, |client| {
            count(&query_one(&client, "SELECT count(*) FROM user_pools", &[]).await?)?
        })
    }

    async fn signing_keys(&self, pool_id: &str) -> Result<Vec<SigningKeyRecord>, StoreError> {
        let rows = read!(self.db, |client| {
            query(
                &client,
                concat!(
                    "SELECT ",
                    key_columns!(),
                    " FROM signing_keys WHERE pool_id = $1 ORDER BY created_ms, kid"
                ),
                &[&pool_id],
            )
            .await?
        })?;
        rows.iter().map(key_from_row).collect()
    }

    async fn rotate_signing_keys(
        &self,
        pool_id: &str,
        new_keys: &[SigningKeyRecord],
        retire_after_ms: i64,
    ) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            signing_keys::rotate(&tx, pool_id, new_keys, retire_after_ms).await?;
        })
    }

    async fn put_pool_document(
        &self,
        pool_id: &str,
        kind: &str,
        key: &str,
        doc: &Value,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let doc = to_json(doc)?;
        transact!(self.db, |tx| {
            execute(
                &tx,
                "INSERT INTO pool_documents (pool_id, kind, key, doc, modified_ms)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (pool_id, kind, key)
                 DO UPDATE SET doc = excluded.doc, modified_ms = excluded.modified_ms",
                &[&pool_id, &kind, &key, &doc, &now_ms],
            )
            .await?;
        })
    }

    async fn get_pool_document(
        &self,
        pool_id: &str,
        kind: &str,
        key: &str,
    ) -> Result<Option<(Value, i64)>, StoreError> {
        read!(self.db, |client| {
            match query_opt(
                &client,
                "SELECT doc, modified_ms FROM pool_documents
                 WHERE pool_id = $1 AND kind = $2 AND key = $3",
                &[&pool_id, &kind, &key],
            )
            .await?
            {
                Some(row) => Some((value_col(&row, 0)?, col(&row, 1)?)),
                None => None,
            }
        })
    }

    async fn delete_pool_document(
        &self,
        pool_id: &str,
        kind: &str,
        key: &str,
    ) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            let changed = execute(
                &tx,
                "DELETE FROM pool_documents WHERE pool_id = $1 AND kind = $2 AND key = $3",
                &[&pool_id, &kind, &key],
            )
            .await?;
            one_row(changed)?
        })
    }
}
