//! User pool groups (membership is in [`UserStore`](crate::UserStore)).

use async_trait::async_trait;

use crate::{Page, PageRequest, StoreError};

/// A group of a user pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRecord {
    /// Owning pool.
    pub pool_id: String,
    /// `GroupName`, unique within the pool (case-sensitive).
    pub name: String,
    /// `Description`.
    pub description: Option<String>,
    /// `RoleArn`.
    pub role_arn: Option<String>,
    /// `Precedence`.
    pub precedence: Option<i32>,
    /// Creation time, epoch milliseconds.
    pub created_ms: i64,
    /// Last modification time, epoch milliseconds.
    pub modified_ms: i64,
}

/// User pool groups.
#[async_trait]
pub trait GroupStore: Send + Sync {
    /// `Conflict(GroupName)` if the name is taken in the pool; `NotFound` if the pool is gone.
    async fn create_group(&self, group: &GroupRecord) -> Result<(), StoreError>;

    /// The group, or `None`.
    async fn get_group(&self, pool_id: &str, name: &str)
    -> Result<Option<GroupRecord>, StoreError>;

    /// The pool's groups ordered by name.
    async fn list_groups(
        &self,
        pool_id: &str,
        page: &PageRequest,
    ) -> Result<Page<GroupRecord>, StoreError>;

    /// Replaces description, role, precedence and modification time. `NotFound` if gone.
    async fn update_group(&self, group: &GroupRecord) -> Result<(), StoreError>;

    /// Deletes the group and its memberships. `NotFound` if absent.
    async fn delete_group(&self, pool_id: &str, name: &str) -> Result<(), StoreError>;

    /// Number of groups in the pool.
    async fn count_groups(&self, pool_id: &str) -> Result<u64, StoreError>;
}
