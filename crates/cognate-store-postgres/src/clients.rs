//! App clients and client secrets.

use async_trait::async_trait;
use cognate_store::{
    ClientRecord, ClientSecretRecord, ClientStore, Constraint, Page, PageRequest, StoreError,
    decode_cursor, page_from_rows,
};
use tokio_postgres::Row;

use crate::PostgresStore;
use crate::codec::{count, fetch_for, one_row, to_json, value_col};
use crate::db::{read, transact};
use crate::error::col;
use crate::sql::{execute, query, query_one, query_opt};

const LISTING: &str = "clients";

fn client_from_row(row: &Row) -> Result<ClientRecord, StoreError> {
    Ok(ClientRecord {
        pool_id: col(row, 0)?,
        client_id: col(row, 1)?,
        name: col(row, 2)?,
        created_ms: col(row, 3)?,
        modified_ms: col(row, 4)?,
        settings: value_col(row, 5)?,
    })
}

fn secret_from_row(row: &Row) -> Result<ClientSecretRecord, StoreError> {
    Ok(ClientSecretRecord {
        pool_id: col(row, 0)?,
        client_id: col(row, 1)?,
        secret_id: col(row, 2)?,
        sealed_secret: col(row, 3)?,
        created_ms: col(row, 4)?,
    })
}

#[async_trait]
impl ClientStore for PostgresStore {
    async fn create_client(&self, c: &ClientRecord) -> Result<(), StoreError> {
        let settings = to_json(&c.settings)?;
        transact!(self.db, |tx| {
            execute(
                &tx,
                "INSERT INTO clients (pool_id, client_id, name, created_ms, modified_ms, settings)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &c.pool_id,
                    &c.client_id,
                    &c.name,
                    &c.created_ms,
                    &c.modified_ms,
                    &settings,
                ],
            )
            .await?;
        })
    }

    async fn get_client(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> Result<Option<ClientRecord>, StoreError> {
        read!(self.db, |client| {
            query_opt(
                &client,
                "SELECT pool_id, client_id, name, created_ms, modified_ms, settings
                 FROM clients WHERE pool_id = $1 AND client_id = $2",
                &[&pool_id, &client_id],
            )
            .await?
            .as_ref()
            .map(client_from_row)
            .transpose()?
        })
    }

    async fn find_client(&self, client_id: &str) -> Result<Option<ClientRecord>, StoreError> {
        read!(self.db, |client| {
            query_opt(
                &client,
                "SELECT pool_id, client_id, name, created_ms, modified_ms, settings
                 FROM clients WHERE client_id = $1",
                &[&client_id],
            )
            .await?
            .as_ref()
            .map(client_from_row)
            .transpose()?
        })
    }

    async fn list_clients(
        &self,
        pool_id: &str,
        page: &PageRequest,
    ) -> Result<Page<ClientRecord>, StoreError> {
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
                        "SELECT pool_id, client_id, name, created_ms, modified_ms, settings
                         FROM clients WHERE pool_id = $1 ORDER BY client_id LIMIT $2",
                        &[&pool_id, &fetch],
                    )
                    .await?
                }
                Some(after) => {
                    query(
                        &client,
                        "SELECT pool_id, client_id, name, created_ms, modified_ms, settings
                         FROM clients WHERE pool_id = $1 AND client_id > $2
                         ORDER BY client_id LIMIT $3",
                        &[&pool_id, after, &fetch],
                    )
                    .await?
                }
            }
        })?;
        let items = rows
            .iter()
            .map(client_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        page_from_rows(items, page, LISTING, |c| c.client_id.clone())
    }

    async fn update_client(&self, c: &ClientRecord) -> Result<(), StoreError> {
        let settings = to_json(&c.settings)?;
        transact!(self.db, |tx| {
            let changed = execute(
                &tx,
                "UPDATE clients SET name = $3, modified_ms = $4, settings = $5
                 WHERE pool_id = $1 AND client_id = $2",
                &[&c.pool_id, &c.client_id, &c.name, &c.modified_ms, &settings],
            )
            .await?;
            one_row(changed)?
        })
    }

    async fn delete_client(&self, pool_id: &str, client_id: &str) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            // Secrets go by ON DELETE CASCADE; documents are keyed by the id
            // without a foreign key (their key may also be "ALL").
            let changed = execute(
                &tx,
                "DELETE FROM clients WHERE pool_id = $1 AND client_id = $2",
                &[&pool_id, &client_id],
            )
            .await?;
            one_row(changed)?;
            execute(
                &tx,
                "DELETE FROM pool_documents WHERE pool_id = $1 AND key = $2",
                &[&pool_id, &client_id],
            )
            .await?;
        })
    }

    async fn add_client_secret(
        &self,
        s: &ClientSecretRecord,
        max_per_client: usize,
    ) -> Result<(), StoreError> {
        let max = i64::try_from(max_per_client).unwrap_or(i64::MAX);
        transact!(self.db, |tx| {
            // Locking the client row makes concurrent adds to one client take
            // turns, so the count cannot change between check and insert.
            query_opt(
                &tx,
                "SELECT 1 FROM clients WHERE pool_id = $1 AND client_id = $2 FOR UPDATE",
                &[&s.pool_id, &s.client_id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
            let held = count(
                &query_one(
                    &tx,
                    "SELECT count(*) FROM client_secrets WHERE pool_id = $1 AND client_id = $2",
                    &[&s.pool_id, &s.client_id],
                )
                .await?,
            )?;
            if i64::try_from(held).unwrap_or(i64::MAX) >= max {
                return Err(StoreError::Conflict(Constraint::ClientSecretLimit));
            }
            execute(
                &tx,
                "INSERT INTO client_secrets (pool_id, client_id, secret_id, sealed_secret, created_ms)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    &s.pool_id,
                    &s.client_id,
                    &s.secret_id,
                    &s.sealed_secret,
                    &s.created_ms,
                ],
            )
            .await?;
        })
    }

    async fn list_client_secrets(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> Result<Vec<ClientSecretRecord>, StoreError> {
        // One statement answers both "does the client exist" and "its secrets":
        // a client without secrets yields one row of NULLs from the outer join.
        let rows = read!(self.db, |client| {
            query(
                &client,
                "SELECT s.pool_id, s.client_id, s.secret_id, s.sealed_secret, s.created_ms
                 FROM clients c
                 LEFT JOIN client_secrets s
                   ON s.pool_id = c.pool_id AND s.client_id = c.client_id
                 WHERE c.pool_id = $1 AND c.client_id = $2
                 ORDER BY s.created_ms, s.secret_id",
                &[&pool_id, &client_id],
            )
            .await?
        })?;
        if rows.is_empty() {
            return Err(StoreError::NotFound);
        }
        rows.iter()
            .filter(|row| matches!(row.try_get::<_, Option<String>>(2), Ok(Some(_))))
            .map(secret_from_row)
            .collect()
    }

    async fn delete_client_secret(
        &self,
        pool_id: &str,
        client_id: &str,
        secret_id: &str,
    ) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            let changed = execute(
                &tx,
                "DELETE FROM client_secrets
                 WHERE pool_id = $1 AND client_id = $2 AND secret_id = $3",
                &[&pool_id, &client_id, &secret_id],
            )
            .await?;
            one_row(changed)?
        })
    }

    async fn count_clients(&self, pool_id: &str) -> Result<u64, StoreError> {
        read!(self.db, |client| {
            count(
                &query_one(
                    &client,
                    "SELECT count(*) FROM clients WHERE pool_id = $1",
                    &[&pool_id],
                )
                .await?,
            )?
        })
    }
}
