//! Domains.

use async_trait::async_trait;
use cognate_store::{DomainRecord, DomainStore, StoreError};
use tokio_postgres::Row;

use crate::PostgresStore;
use crate::codec::{one_row, to_json, value_col};
use crate::db::{read, transact};
use crate::error::col;
use crate::sql::{execute, query, query_opt};

fn domain_from_row(row: &Row) -> Result<DomainRecord, StoreError> {
    Ok(DomainRecord {
        domain: col(row, 0)?,
        pool_id: col(row, 1)?,
        custom: col(row, 2)?,
        settings: value_col(row, 3)?,
        created_ms: col(row, 4)?,
        modified_ms: col(row, 5)?,
    })
}

#[async_trait]
impl DomainStore for PostgresStore {
    async fn create_domain(&self, d: &DomainRecord) -> Result<(), StoreError> {
        let settings = to_json(&d.settings)?;
        transact!(self.db, |tx| {
            execute(
                &tx,
                "INSERT INTO domains (domain, pool_id, custom, settings, created_ms, modified_ms)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &d.domain,
                    &d.pool_id,
                    &d.custom,
                    &settings,
                    &d.created_ms,
                    &d.modified_ms,
                ],
            )
            .await?;
        })
    }

    async fn get_domain(&self, domain: &str) -> Result<Option<DomainRecord>, StoreError> {
        read!(self.db, |client| {
            query_opt(
                &client,
                "SELECT domain, pool_id, custom, settings, created_ms, modified_ms
                 FROM domains WHERE domain = $1",
                &[&domain],
            )
            .await?
            .as_ref()
            .map(domain_from_row)
            .transpose()?
        })
    }

    async fn domains_for_pool(&self, pool_id: &str) -> Result<Vec<DomainRecord>, StoreError> {
        let rows = read!(self.db, |client| {
            query(
                &client,
                "SELECT domain, pool_id, custom, settings, created_ms, modified_ms
                 FROM domains WHERE pool_id = $1 ORDER BY custom",
                &[&pool_id],
            )
            .await?
        })?;
        rows.iter().map(domain_from_row).collect()
    }

    async fn update_domain(&self, d: &DomainRecord) -> Result<(), StoreError> {
        let settings = to_json(&d.settings)?;
        transact!(self.db, |tx| {
            let changed = execute(
                &tx,
                "UPDATE domains SET settings = $2, modified_ms = $3 WHERE domain = $1",
                &[&d.domain, &settings, &d.modified_ms],
            )
            .await?;
            one_row(changed)?
        })
    }

    async fn delete_domain(&self, domain: &str) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            let changed = execute(&tx, "DELETE FROM domains WHERE domain = $1", &[&domain]).await?;
            one_row(changed)?
        })
    }
}
