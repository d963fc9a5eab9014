//! Remembered devices.

use async_trait::async_trait;
use cognate_store::{
    DeviceRecord, DeviceStore, Page, PageRequest, StoreError, decode_cursor, page_from_rows,
};
use tokio_postgres::Row;

use crate::PostgresStore;
use crate::codec::{fetch_for, one_row};
use crate::db::{read, transact};
use crate::error::col;
use crate::sql::{execute, query, query_opt};

const LISTING: &str = "devices";

fn device_from_row(row: &Row) -> Result<DeviceRecord, StoreError> {
    Ok(DeviceRecord {
        pool_id: col(row, 0)?,
        sub: col(row, 1)?,
        device_key: col(row, 2)?,
        group_key: col(row, 3)?,
        verifier_sealed: col(row, 4)?,
        name: col(row, 5)?,
        remembered: col(row, 6)?,
        last_ip: col(row, 7)?,
        created_ms: col(row, 8)?,
        modified_ms: col(row, 9)?,
        last_authenticated_ms: col(row, 10)?,
    })
}

#[async_trait]
impl DeviceStore for PostgresStore {
    async fn create_device(&self, d: &DeviceRecord) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            execute(
                &tx,
                "INSERT INTO devices (pool_id, sub, device_key, group_key, verifier_sealed, name,
                     remembered, last_ip, created_ms, modified_ms, last_authenticated_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                &[
                    &d.pool_id,
                    &d.sub,
                    &d.device_key,
                    &d.group_key,
                    &d.verifier_sealed,
                    &d.name,
                    &d.remembered,
                    &d.last_ip,
                    &d.created_ms,
                    &d.modified_ms,
                    &d.last_authenticated_ms,
                ],
            )
            .await?;
        })
    }

    async fn get_device(
        &self,
        pool_id: &str,
        device_key: &str,
    ) -> Result<Option<DeviceRecord>, StoreError> {
        read!(self.db, |client| {
            query_opt(
                &client,
                "SELECT pool_id, sub, device_key, group_key, verifier_sealed, name, remembered,
                        last_ip, created_ms, modified_ms, last_authenticated_ms
                 FROM devices WHERE pool_id = $1 AND device_key = $2",
                &[&pool_id, &device_key],
            )
            .await?
            .as_ref()
            .map(device_from_row)
            .transpose()?
        })
    }

    async fn confirm_device(
        &self,
        pool_id: &str,
        sub: &str,
        device_key: &str,
        verifier_sealed: &[u8],
        name: Option<&str>,
        remembered: bool,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        transact!(self.db, |tx| {
            let changed = execute(
                &tx,
                "UPDATE devices SET verifier_sealed = $4, name = $5, remembered = $6,
                     modified_ms = $7
                 WHERE pool_id = $1 AND sub = $2 AND device_key = $3
                   AND verifier_sealed IS NULL",
                &[
                    &pool_id,
                    &sub,
                    &device_key,
                    &verifier_sealed,
                    &name,
                    &remembered,
                    &now_ms,
                ],
            )
            .await?;
            if changed == 1 {
                true
            } else {
                let exists = query_opt(
                    &tx,
                    "SELECT 1 FROM devices WHERE pool_id = $1 AND sub = $2 AND device_key = $3",
                    &[&pool_id, &sub, &device_key],
                )
                .await?;
                if exists.is_none() {
                    Err(StoreError::NotFound)?;
                }
                false
            }
        })
    }

    async fn update_device(&self, d: &DeviceRecord) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            let changed = execute(
                &tx,
                "UPDATE devices SET name = $4, remembered = $5, last_ip = $6, modified_ms = $7,
                     last_authenticated_ms = $8
                 WHERE pool_id = $1 AND sub = $2 AND device_key = $3",
                &[
                    &d.pool_id,
                    &d.sub,
                    &d.device_key,
                    &d.name,
                    &d.remembered,
                    &d.last_ip,
                    &d.modified_ms,
                    &d.last_authenticated_ms,
                ],
            )
            .await?;
            one_row(changed)?
        })
    }

    async fn list_devices(
        &self,
        pool_id: &str,
        sub: &str,
        page: &PageRequest,
    ) -> Result<Page<DeviceRecord>, StoreError> {
        let after: String = page
            .cursor
            .as_deref()
            .map(|c| decode_cursor(LISTING, c))
            .transpose()?
            .unwrap_or_default();
        let fetch = fetch_for(page);
        let rows = read!(self.db, |client| {
            query(
                &client,
                "SELECT pool_id, sub, device_key, group_key, verifier_sealed, name, remembered,
                        last_ip, created_ms, modified_ms, last_authenticated_ms
                 FROM devices WHERE pool_id = $1 AND sub = $2 AND device_key > $3
                 ORDER BY device_key LIMIT $4",
                &[&pool_id, &sub, &after, &fetch],
            )
            .await?
        })?;
        let items = rows
            .iter()
            .map(device_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        page_from_rows(items, page, LISTING, |d| d.device_key.clone())
    }

    async fn delete_device(
        &self,
        pool_id: &str,
        sub: &str,
        device_key: &str,
    ) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            let changed = execute(
                &tx,
                "DELETE FROM devices WHERE pool_id = $1 AND sub = $2 AND device_key = $3",
                &[&pool_id, &sub, &device_key],
            )
            .await?;
            one_row(changed)?
        })
    }
}
