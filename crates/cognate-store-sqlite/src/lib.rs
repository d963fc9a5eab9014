//! SQLite backend for the Cognate store: the embedded default.
//!
//! Durability: WAL with `synchronous=FULL`, so an acknowledged write survives
//! `kill -9` and an OS crash. One writer thread owns the writer connection and
//! commits concurrent writes in groups (`BEGIN IMMEDIATE`, a savepoint per
//! write, one commit for the group; see `db.rs`); a few reader connections
//! serve lookups concurrently with it on tokio's blocking pool.

mod clients;
mod codec;
mod codes;
mod counters;
mod db;
mod devices;
mod domains;
mod error;
mod groups;
mod identities;
mod identity_pools;
mod maintenance;
mod migrate;
mod outbox;
mod pools;
mod resource_servers;
mod signing_keys;
mod tokens;
mod users;
mod webauthn;

use std::path::Path;

use async_trait::async_trait;
use cognate_store::{Health, StoreError};

/// The SQLite store. Cheap to clone; clones share connections.
#[derive(Clone)]
pub struct SqliteStore {
    db: db::Db,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.db.path())
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating the file and its directory on first start) and migrates
    /// the database at `path`. Refuses a database written by a newer release
    /// with [`StoreError::SchemaTooNew`].
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(Self {
            db: db::Db::open(path)?,
        })
    }

    /// Highest schema version this build knows and applies at open.
    pub fn schema_version() -> i64 {
        migrate::latest_version()
    }
}

#[async_trait]
impl Health for SqliteStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.db
            .read(|tx| {
                tx.query_row("SELECT 1", [], |_| Ok(()))
                    .map_err(error::map_err)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use cognate_store::{UserPoolRecord, UserPoolStore};
    use serde_json::json;

    use super::*;

    fn big_pool(id: &str) -> UserPoolRecord {
        UserPoolRecord {
            id: id.into(),
            name: "n".into(),
            arn: "arn".into(),
            created_ms: 1,
            modified_ms: 1,
            settings: json!({"padding": "x".repeat(200_000)}),
            tags: Default::default(),
        }
    }

    fn cap_pages(store: &SqliteStore, pages: Option<i64>) {
        store.db.with_writer(|conn| {
            let cap = match pages {
                Some(n) => n,
                None => conn
                    .query_row("PRAGMA page_count", [], |r| r.get(0))
                    .unwrap(),
            };
            let _: i64 = conn
                .query_row(&format!("PRAGMA max_page_count = {cap}"), [], |r| r.get(0))
                .unwrap();
        });
    }

    /// The durability decision (R34) is in force on the connection that writes.
    #[tokio::test]
    async fn writer_runs_with_full_sync_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("cognate.db")).unwrap();
        let (mode, sync, fks): (String, i64, i64) = store.db.with_writer(|conn| {
            let get = |pragma: &str| -> i64 {
                conn.query_row(&format!("PRAGMA {pragma}"), [], |r| r.get(0))
                    .unwrap()
            };
            let mode = conn
                .query_row("PRAGMA journal_mode", [], |r| r.get(0))
                .unwrap();
            (mode, get("synchronous"), get("foreign_keys"))
        });
        assert_eq!(mode, "wal");
        assert_eq!(sync, 2, "synchronous must be FULL");
        assert_eq!(fks, 1);
    }

    /// A full disk (simulated by capping the file size) fails the write as
    /// retryable, leaves nothing half-written, and clears once space is back.
    #[tokio::test]
    async fn full_disk_is_unavailable_and_recovers() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("cognate.db")).unwrap();
        cap_pages(&store, None);

        let err = store
            .create_user_pool(&big_pool("p1"), &[])
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
        assert_eq!(store.get_user_pool("p1").await.unwrap(), None);

        cap_pages(&store, Some(1 << 30));
        store.create_user_pool(&big_pool("p1"), &[]).await.unwrap();
        assert!(store.get_user_pool("p1").await.unwrap().is_some());
    }
}
