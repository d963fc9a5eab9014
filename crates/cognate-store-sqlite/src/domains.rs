//! Domains.

use async_trait::async_trait;
use cognate_store::{DomainRecord, DomainStore, StoreError};
use rusqlite::{OptionalExtension, Row, params};

use crate::SqliteStore;
use crate::codec::{one_row, to_json, value_col};
use crate::error::map_err;

const COLUMNS: &str = "domain, pool_id, custom, settings, created_ms, modified_ms";

fn domain_from_row(row: &Row<'_>) -> rusqlite::Result<DomainRecord> {
    Ok(DomainRecord {
        domain: row.get(0)?,
        pool_id: row.get(1)?,
        custom: row.get(2)?,
        settings: value_col(row, 3)?,
        created_ms: row.get(4)?,
        modified_ms: row.get(5)?,
    })
}

#[async_trait]
impl DomainStore for SqliteStore {
    async fn create_domain(&self, domain: &DomainRecord) -> Result<(), StoreError> {
        let d = domain.clone();
        let settings = to_json(&d.settings)?;
        self.db
            .write(move |tx| {
                tx.prepare_cached(&format!(
                    "INSERT INTO domains ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                ))
                .and_then(|mut st| {
                    st.execute(params![
                        d.domain,
                        d.pool_id,
                        d.custom,
                        settings,
                        d.created_ms,
                        d.modified_ms
                    ])
                })
                .map_err(map_err)?;
                Ok(())
            })
            .await
    }

    async fn get_domain(&self, domain: &str) -> Result<Option<DomainRecord>, StoreError> {
        let domain = domain.to_owned();
        self.db
            .read(move |tx| {
                tx.prepare_cached(&format!("SELECT {COLUMNS} FROM domains WHERE domain = ?1"))
                    .and_then(|mut st| st.query_row([domain], domain_from_row).optional())
                    .map_err(map_err)
            })
            .await
    }

    async fn domains_for_pool(&self, pool_id: &str) -> Result<Vec<DomainRecord>, StoreError> {
        let pool_id = pool_id.to_owned();
        self.db
            .read(move |tx| {
                tx.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM domains WHERE pool_id = ?1 ORDER BY custom"
                ))
                .and_then(|mut st| st.query_map([pool_id], domain_from_row)?.collect())
                .map_err(map_err)
            })
            .await
    }

    async fn update_domain(&self, domain: &DomainRecord) -> Result<(), StoreError> {
        let d = domain.clone();
        let settings = to_json(&d.settings)?;
        self.db
            .write(move |tx| {
                let changed = tx
                    .prepare_cached(
                        "UPDATE domains SET settings = ?2, modified_ms = ?3 WHERE domain = ?1",
                    )
                    .and_then(|mut st| st.execute(params![d.domain, settings, d.modified_ms]))
                    .map_err(map_err)?;
                one_row(changed)
            })
            .await
    }

    async fn delete_domain(&self, domain: &str) -> Result<(), StoreError> {
        let domain = domain.to_owned();
        self.db
            .write(move |tx| {
                let changed = tx
                    .prepare_cached("DELETE FROM domains WHERE domain = ?1")
                    .and_then(|mut st| st.execute([domain]))
                    .map_err(map_err)?;
                one_row(changed)
            })
            .await
    }
}
