//! Connections: one writer, a few readers, all used from the blocking pool.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use cognate_store::StoreError;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::error::map_err;
use crate::migrate;

/// Readers beyond this add little on two cores; WAL lets them run beside the writer.
const READERS: usize = 4;
/// How long a statement waits for another process's lock before `Unavailable`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Statements kept prepared per connection: more than the store has.
const STATEMENT_CACHE: usize = 256;
/// Truncate the WAL back to this size after checkpoints (R39: WAL stays bounded).
const JOURNAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

#[derive(Clone)]
pub(crate) struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

impl Db {
    pub(crate) fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Unavailable(format!("creating {}: {e}", dir.display())))?;
        }
        let mut writer = connect(path)?;
        migrate::migrate(&mut writer)?;
        let readers = (0..READERS)
            .map(|_| {
                let reader = connect(path)?;
                // Readers must never write: every write goes through the one writer.
                reader
                    .execute_batch("PRAGMA query_only = ON;")
                    .map_err(map_err)?;
                Ok(Mutex::new(reader))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                writer: Mutex::new(writer),
                readers,
                next_reader: AtomicUsize::new(0),
            }),
        })
    }

    /// Direct access to the writer, for tests that need to bend SQLite itself.
    #[cfg(test)]
    pub(crate) fn with_writer<T>(&self, f: impl FnOnce(&Connection) -> T) -> T {
        f(&lock(&self.inner.writer))
    }

    pub(crate) fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction on the writer and commits
    /// if it returns `Ok`. Taking the write lock up front means a
    /// read-modify-write never has to upgrade a read lock, so it cannot fail
    /// halfway with SQLITE_BUSY.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        blocking(move || {
            let mut conn = lock(&inner.writer);
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(map_err)?;
            let value = f(&tx)?;
            tx.commit().map_err(map_err)?;
            Ok(value)
        })
        .await
    }

    /// Runs `f` in a read transaction (one consistent snapshot) on a reader.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        blocking(move || {
            let mut conn = inner.reader();
            let tx = conn.transaction().map_err(map_err)?;
            let value = f(&tx)?;
            // Ending a read transaction releases the snapshot so checkpoints can advance.
            tx.commit().map_err(map_err)?;
            Ok(value)
        })
        .await
    }
}

impl Inner {
    /// A free reader if there is one, else waits on the next in turn.
    fn reader(&self) -> MutexGuard<'_, Connection> {
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        let n = self.readers.len();
        for i in 0..n {
            if let Ok(guard) = self.readers[(start + i) % n].try_lock() {
                return guard;
            }
        }
        lock(&self.readers[start % n])
    }
}

/// A panic cannot leave a connection mid-transaction (the transaction rolls
/// back while unwinding), so a poisoned mutex is still safe to use.
fn lock(mutex: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn blocking<T, F>(f: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Internal(format!("store task failed: {e}")))?
}

fn connect(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(map_err)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(map_err)?;
    // Every statement the store runs is cached per connection; the default
    // (16) is smaller than the store's set, which would re-parse on hot paths.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(map_err)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Unavailable(format!(
            "{} cannot use WAL (journal mode {mode})",
            path.display()
        )));
    }
    // FULL: an acknowledged commit survives an OS crash, not just a process crash.
    conn.execute_batch(&format!(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT};"
    ))
    .map_err(map_err)?;
    Ok(conn)
}
