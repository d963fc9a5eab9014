//! Remembered devices.

use async_trait::async_trait;
use cognate_store::{
    DeviceRecord, DeviceStore, Page, PageRequest, StoreError, decode_cursor, page_from_rows,
};
use rusqlite::{OptionalExtension, Row, params};

use crate::SqliteStore;
use crate::codec::one_row;
use crate::error::map_err;

const LISTING: &str = "devices";
const COLUMNS: &str = "pool_id, sub, device_key, group_key, verifier_sealed, name, remembered, \
                       last_ip, created_ms, modified_ms, last_authenticated_ms";

fn device_from_row(row: &Row<'_>) -> rusqlite::Result<DeviceRecord> {
    Ok(DeviceRecord {
        pool_id: row.get(0)?,
        sub: row.get(1)?,
        device_key: row.get(2)?,
        group_key: row.get(3)?,
        verifier_sealed: row.get(4)?,
        name: row.get(5)?,
        remembered: row.get(6)?,
        last_ip: row.get(7)?,
        created_ms: row.get(8)?,
        modified_ms: row.get(9)?,
        last_authenticated_ms: row.get(10)?,
    })
}

#[async_trait]
impl DeviceStore for SqliteStore {
    async fn create_device(&self, device: &DeviceRecord) -> Result<(), StoreError> {
        let d = device.clone();
        self.db
            .write(move |tx| {
                tx.prepare_cached(&format!(
                    "INSERT INTO devices ({COLUMNS})
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                ))
                .and_then(|mut st| {
                    st.execute(params![
                        d.pool_id,
                        d.sub,
                        d.device_key,
                        d.group_key,
                        d.verifier_sealed,
                        d.name,
                        d.remembered,
                        d.last_ip,
                        d.created_ms,
                        d.modified_ms,
                        d.last_authenticated_ms
                    ])
                })
                .map_err(map_err)?;
                Ok(())
            })
            .await
    }

    async fn get_device(
        &self,
        pool_id: &str,
        device_key: &str,
    ) -> Result<Option<DeviceRecord>, StoreError> {
        let (pool_id, device_key) = (pool_id.to_owned(), device_key.to_owned());
        self.db
            .read(move |tx| {
                tx.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM devices WHERE pool_id = ?1 AND device_key = ?2"
                ))
                .and_then(|mut st| {
                    st.query_row(params![pool_id, device_key], device_from_row)
                        .optional()
                })
                .map_err(map_err)
            })
            .await
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
        let (pool_id, sub, device_key) =
            (pool_id.to_owned(), sub.to_owned(), device_key.to_owned());
        let verifier = verifier_sealed.to_vec();
        let name = name.map(str::to_owned);
        self.db
            .write(move |tx| {
                let changed = tx
                    .execute(
                        "UPDATE devices SET verifier_sealed = ?4, name = ?5, remembered = ?6,
                             modified_ms = ?7
                         WHERE pool_id = ?1 AND sub = ?2 AND device_key = ?3
                           AND verifier_sealed IS NULL",
                        params![pool_id, sub, device_key, verifier, name, remembered, now_ms],
                    )
                    .map_err(map_err)?;
                if changed == 1 {
                    return Ok(true);
                }
                let exists: Option<i64> = tx
                    .query_row(
                        "SELECT 1 FROM devices WHERE pool_id = ?1 AND sub = ?2 AND device_key = ?3",
                        params![pool_id, sub, device_key],
                        |row| row.get(0),
                    )
                    .optional()
                    .map_err(map_err)?;
                match exists {
                    Some(_) => Ok(false),
                    None => Err(StoreError::NotFound),
                }
            })
            .await
    }

    async fn update_device(&self, device: &DeviceRecord) -> Result<(), StoreError> {
        let d = device.clone();
        self.db
            .write(move |tx| {
                let changed = tx
                    .execute(
                        "UPDATE devices SET name = ?4, remembered = ?5, last_ip = ?6,
                             modified_ms = ?7, last_authenticated_ms = ?8
                         WHERE pool_id = ?1 AND sub = ?2 AND device_key = ?3",
                        params![
                            d.pool_id,
                            d.sub,
                            d.device_key,
                            d.name,
                            d.remembered,
                            d.last_ip,
                            d.modified_ms,
                            d.last_authenticated_ms
                        ],
                    )
                    .map_err(map_err)?;
                one_row(changed)
            })
            .await
    }

    async fn list_devices(
        &self,
        pool_id: &str,
        sub: &str,
        page: &PageRequest,
    ) -> Result<Page<DeviceRecord>, StoreError> {
        let (pool_id, sub) = (pool_id.to_owned(), sub.to_owned());
        let page = page.clone();
        let after: String = page
            .cursor
            .as_deref()
            .map(|c| decode_cursor(LISTING, c))
            .transpose()?
            .unwrap_or_default();
        let fetch = i64::from(page.effective_limit()) + 1;
        self.db
            .read(move |tx| {
                let rows = tx
                    .prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM devices
                         WHERE pool_id = ?1 AND sub = ?2 AND device_key > ?3
                         ORDER BY device_key LIMIT ?4"
                    ))
                    .and_then(|mut st| {
                        st.query_map(params![pool_id, sub, after, fetch], device_from_row)?
                            .collect()
                    })
                    .map_err(map_err)?;
                page_from_rows(rows, &page, LISTING, |d: &DeviceRecord| {
                    d.device_key.clone()
                })
            })
            .await
    }

    async fn delete_device(
        &self,
        pool_id: &str,
        sub: &str,
        device_key: &str,
    ) -> Result<(), StoreError> {
        let (pool_id, sub, device_key) =
            (pool_id.to_owned(), sub.to_owned(), device_key.to_owned());
        self.db
            .write(move |tx| {
                let changed = tx
                    .execute(
                        "DELETE FROM devices WHERE pool_id = ?1 AND sub = ?2 AND device_key = ?3",
                        params![pool_id, sub, device_key],
                    )
                    .map_err(map_err)?;
                one_row(changed)
            })
            .await
    }
}
