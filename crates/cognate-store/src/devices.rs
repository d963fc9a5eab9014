//! Remembered devices of users (device tracking).

use async_trait::async_trait;

use crate::{Page, PageRequest, StoreError};

/// A device a user signed in from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    pub pool_id: String,
    pub sub: String,
    /// `DeviceKey` (`<region>_<uuid>`), unique within the pool.
    pub device_key: String,
    /// `DeviceGroupKey`, the SRP "pool name" of the device's verifier.
    pub group_key: String,
    /// ConfirmDevice's salt and verifier, sealed by the caller; `None` until confirmed.
    pub verifier_sealed: Option<Vec<u8>>,
    /// `device_name` (ConfirmDevice's DeviceName).
    pub name: Option<String>,
    /// `DeviceRememberedStatus`: remembered (`true`) or not remembered.
    pub remembered: bool,
    /// `last_ip_used`.
    pub last_ip: Option<String>,
    pub created_ms: i64,
    pub modified_ms: i64,
    pub last_authenticated_ms: i64,
}

/// Devices, keyed by (pool, device key) and owned by a user: deleting the user deletes them.
#[async_trait]
pub trait DeviceStore: Send + Sync {
    /// Records a new (unconfirmed) device. `NotFound` if the user is gone.
    async fn create_device(&self, device: &DeviceRecord) -> Result<(), StoreError>;

    /// The device, or `None`.
    async fn get_device(
        &self,
        pool_id: &str,
        device_key: &str,
    ) -> Result<Option<DeviceRecord>, StoreError>;

    /// Stores the verifier, name and status of the user's device if it has no verifier yet:
    /// `true` when stored, `false` when it was already confirmed (also under concurrent
    /// calls). `NotFound` if the user has no such device.
    // Each argument is one column of the confirmation.
    #[allow(clippy::too_many_arguments)]
    async fn confirm_device(
        &self,
        pool_id: &str,
        sub: &str,
        device_key: &str,
        verifier_sealed: &[u8],
        name: Option<&str>,
        remembered: bool,
        now_ms: i64,
    ) -> Result<bool, StoreError>;

    /// Replaces name, status, last address, modification and last authentication times of
    /// the user's device. `NotFound` if the user has no such device.
    async fn update_device(&self, device: &DeviceRecord) -> Result<(), StoreError>;

    /// The user's devices ordered by device key.
    async fn list_devices(
        &self,
        pool_id: &str,
        sub: &str,
        page: &PageRequest,
    ) -> Result<Page<DeviceRecord>, StoreError>;

    /// Deletes the user's device. `NotFound` if the user has no such device.
    async fn delete_device(
        &self,
        pool_id: &str,
        sub: &str,
        device_key: &str,
    ) -> Result<(), StoreError>;
}
