//! Connections: one writer thread, a few readers on the blocking pool.
//!
//! Writes go to a dedicated thread that owns the writer connection and commits them in
//! groups: every write waiting when a transaction starts, or arriving while it runs, joins
//! it, each in a savepoint of its own, and one commit (one fsync under `synchronous=FULL`)
//! acknowledges them all. Concurrent writers then pay for the disk once per group instead of
//! once each, which is what bounds write throughput on SQLite; a lone write still commits at
//! once. A write's answer is released only after its group's commit succeeded.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use cognate_store::StoreError;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};

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
/// Writes committed together at most: bounds how long the first of a group waits for the
/// others, and how much one failed commit takes down.
const MAX_GROUP: usize = 64;
/// Writes waiting for the writer thread; further writers wait (asynchronously) to enqueue.
const QUEUE: usize = 1024;

#[derive(Clone)]
pub(crate) struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    /// The writer thread's connection; the mutex lets tests reach it directly.
    #[cfg(test)]
    writer: Arc<Mutex<Connection>>,
    /// `None` only while dropping, so the writer thread sees the queue close.
    queue: Option<mpsc::Sender<Job>>,
    /// Groups committed so far (tests read it to see writes share a commit).
    #[cfg(test)]
    groups_committed: Arc<AtomicUsize>,
    writer_thread: Option<JoinHandle<()>>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

/// One queued write.
trait Write: Send {
    /// Runs the write inside the group's transaction; its answer waits for the commit.
    fn run(self: Box<Self>, tx: &Transaction<'_>) -> Pending;
    /// Answers the write with `error` without running it.
    fn refuse(self: Box<Self>, error: StoreError);
}

type Job = Box<dyn Write>;

struct WriteJob<F, T> {
    f: F,
    answer_to: oneshot::Sender<Result<T, StoreError>>,
}

impl<F, T> Write for WriteJob<F, T>
where
    T: Send + 'static,
    F: FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
{
    fn run(self: Box<Self>, tx: &Transaction<'_>) -> Pending {
        let WriteJob { f, answer_to } = *self;
        let result = catch_unwind(AssertUnwindSafe(|| f(tx)))
            .unwrap_or_else(|_| Err(StoreError::Internal("a store write panicked".into())));
        Pending {
            succeeded: result.is_ok(),
            answer: Box::new(move |group_failure| {
                let result = match group_failure {
                    Some(error) => result.and(Err(error)),
                    None => result,
                };
                // The caller may have gone (its request was dropped); the write stands.
                let _ = answer_to.send(result);
            }),
        }
    }

    fn refuse(self: Box<Self>, error: StoreError) {
        let _ = self.answer_to.send(Err(error));
    }
}

/// A write that ran; its answer waits for the commit.
struct Pending {
    succeeded: bool,
    /// Called with `None` when the group committed, or with the reason it did not.
    answer: Box<dyn FnOnce(Option<StoreError>) + Send>,
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
        let writer = Arc::new(Mutex::new(writer));
        let (queue, jobs) = mpsc::channel(QUEUE);
        let thread_writer = Arc::clone(&writer);
        let groups_committed = Arc::new(AtomicUsize::new(0));
        let thread_groups = Arc::clone(&groups_committed);
        let writer_thread = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || write_groups(&thread_writer, jobs, &thread_groups))
            .map_err(|e| StoreError::Unavailable(format!("starting the writer thread: {e}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                #[cfg(test)]
                writer,
                queue: Some(queue),
                #[cfg(test)]
                groups_committed,
                writer_thread: Some(writer_thread),
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

    /// Runs `f` in a write transaction and answers once it is committed. `f` runs alone in a
    /// savepoint: if it fails, what it wrote is rolled back and the rest of its group still
    /// commits. The group holds SQLite's write lock from its start (`BEGIN IMMEDIATE`), so
    /// a read-modify-write never has to upgrade a read lock and cannot fail halfway with
    /// SQLITE_BUSY; `f` sees the writes committed before it and those of its group.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let (answer_to, answer) = oneshot::channel();
        let job: Job = Box::new(WriteJob { f, answer_to });
        let queue = self.inner.queue.as_ref().ok_or_else(writer_gone)?;
        queue.send(job).await.map_err(|_| writer_gone())?;
        answer.await.map_err(|_| writer_gone())?
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

impl Drop for Inner {
    /// Closing the queue lets the writer thread finish the writes already queued and stop;
    /// waiting for it means the writer connection is closed when the store is gone.
    fn drop(&mut self) {
        self.queue = None;
        if let Some(thread) = self.writer_thread.take() {
            // A write that captured the store could drop the last handle on the thread
            // itself, which must not wait for itself.
            if thread.thread().id() != std::thread::current().id() {
                let _ = thread.join();
            }
        }
    }
}

fn writer_gone() -> StoreError {
    StoreError::Unavailable("the SQLite writer has stopped".into())
}

/// The writer thread: one group per transaction until the queue closes.
fn write_groups(
    writer: &Mutex<Connection>,
    mut jobs: mpsc::Receiver<Job>,
    groups_committed: &AtomicUsize,
) {
    while let Some(first) = jobs.blocking_recv() {
        let mut conn = lock(writer);
        if commit_group(&mut conn, first, &mut jobs) {
            groups_committed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Runs `first` and whatever else is queued (up to [`MAX_GROUP`]) in one transaction, then
/// answers them all. True if the group committed.
fn commit_group(conn: &mut Connection, first: Job, jobs: &mut mpsc::Receiver<Job>) -> bool {
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            first.refuse(map_err(e));
            return false;
        }
    };
    let mut done: Vec<Pending> = Vec::new();
    let mut next = Some(first);
    while let Some(job) = next.take() {
        if let Err(error) = run_in_savepoint(&tx, job, &mut done) {
            // SQLite ended the whole transaction (a full disk, an I/O error): the group's
            // earlier writes are gone too, so none of them is acknowledged.
            fail_all(done, &error);
            return false;
        }
        if done.len() < MAX_GROUP {
            next = jobs.try_recv().ok();
        }
    }
    match tx.commit() {
        Ok(()) => {
            done.into_iter().for_each(|pending| (pending.answer)(None));
            true
        }
        Err(e) => {
            fail_all(done, &map_err(e));
            false
        }
    }
}

/// Runs one write in a savepoint, keeping its changes if it succeeded and rolling them back
/// if not, and adds it to `done`. `Err` when the transaction itself did not survive.
fn run_in_savepoint(
    tx: &Transaction<'_>,
    job: Job,
    done: &mut Vec<Pending>,
) -> Result<(), StoreError> {
    if let Err(e) = tx.execute_batch("SAVEPOINT write") {
        let error = map_err(e);
        job.refuse(error.clone());
        return Err(error);
    }
    let pending = job.run(tx);
    let succeeded = pending.succeeded;
    done.push(pending);
    if tx.is_autocommit() {
        return Err(StoreError::Unavailable(
            "SQLite rolled the write transaction back".into(),
        ));
    }
    let end = if succeeded {
        "RELEASE write"
    } else {
        "ROLLBACK TO write; RELEASE write"
    };
    tx.execute_batch(end).map_err(map_err)
}

/// Answers every write of a group that did not commit.
fn fail_all(done: Vec<Pending>, error: &StoreError) {
    for pending in done {
        (pending.answer)(Some(error.clone()));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("cognate.db")).unwrap();
        db.with_writer(|c| c.execute_batch("CREATE TABLE t (x INTEGER PRIMARY KEY)"))
            .unwrap();
        (dir, db)
    }

    fn insert(db: &Db, x: i64) -> Handle {
        let db = db.clone();
        tokio::spawn(async move {
            db.write(move |tx| {
                tx.execute("INSERT INTO t (x) VALUES (?1)", [x])
                    .map_err(map_err)?;
                Ok(())
            })
            .await
        })
    }

    async fn rows(db: &Db) -> Vec<i64> {
        db.read(|tx| {
            let mut stmt = tx.prepare("SELECT x FROM t ORDER BY x").map_err(map_err)?;
            stmt.query_map([], |r| r.get(0))
                .map_err(map_err)?
                .collect::<Result<Vec<i64>, _>>()
                .map_err(map_err)
        })
        .await
        .unwrap()
    }

    type Handle = tokio::task::JoinHandle<Result<(), StoreError>>;

    /// Keeps the writer thread inside a first write (the head of a group) until `release`,
    /// so that writes queued meanwhile join its group in the order they were queued.
    struct HeldGroup {
        db: Db,
        go: std::sync::mpsc::Sender<()>,
        handles: Vec<Handle>,
    }

    impl HeldGroup {
        async fn start(db: &Db) -> Self {
            let (started_tx, started) = oneshot::channel();
            let (go, wait) = std::sync::mpsc::channel::<()>();
            let head = {
                let db = db.clone();
                tokio::spawn(async move {
                    db.write(move |_| {
                        let _ = started_tx.send(());
                        let _ = wait.recv_timeout(Duration::from_secs(10));
                        Ok(())
                    })
                    .await
                })
            };
            started.await.unwrap();
            Self {
                db: db.clone(),
                go,
                handles: vec![head],
            }
        }

        /// Queues `write` behind the ones before it.
        async fn queue(&mut self, write: Handle) {
            let queue = self.db.inner.queue.as_ref().unwrap();
            let expected = self.handles.len();
            self.handles.push(write);
            for _ in 0..500 {
                if queue.max_capacity() - queue.capacity() == expected {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            panic!("the write was not queued");
        }

        /// Lets the group run; the answers in queue order, the head's first.
        async fn release(self) -> Vec<Result<(), StoreError>> {
            self.go.send(()).unwrap();
            let mut results = Vec::new();
            for handle in self.handles {
                results.push(handle.await.unwrap());
            }
            results
        }
    }

    fn write_then_fail(db: &Db, x: i64) -> Handle {
        let db = db.clone();
        tokio::spawn(async move {
            db.write(move |tx| {
                tx.execute("INSERT INTO t (x) VALUES (?1)", [x])
                    .map_err(map_err)?;
                Err(StoreError::NotFound)
            })
            .await
        })
    }

    /// Writes waiting together share one commit, and one that fails takes only its own
    /// changes back.
    #[tokio::test]
    async fn waiting_writes_share_a_commit_and_fail_alone() {
        let (_dir, db) = open();
        let before = db.inner.groups_committed.load(Ordering::Relaxed);
        let mut group = HeldGroup::start(&db).await;
        group.queue(insert(&db, 1)).await;
        group.queue(write_then_fail(&db, 2)).await;
        group.queue(insert(&db, 3)).await;
        group.queue(insert(&db, 1)).await;
        let results = group.release().await;
        assert_eq!(
            results[..4],
            [Ok(()), Ok(()), Err(StoreError::NotFound), Ok(())]
        );
        assert!(
            matches!(
                results[4],
                Err(StoreError::Internal(_) | StoreError::Conflict(_))
            ),
            "{results:?}"
        );
        assert_eq!(rows(&db).await, vec![1, 3]);
        assert_eq!(
            db.inner.groups_committed.load(Ordering::Relaxed) - before,
            1,
            "five writes, one commit"
        );
    }

    /// When SQLite ends the group's transaction under a write, no write of the group is
    /// acknowledged, and the next write starts afresh.
    #[tokio::test]
    async fn a_lost_transaction_fails_its_whole_group() {
        let (_dir, db) = open();
        let mut group = HeldGroup::start(&db).await;
        group.queue(insert(&db, 1)).await;
        let ends_transaction = {
            let db = db.clone();
            tokio::spawn(async move {
                db.write(|tx| tx.execute_batch("ROLLBACK").map_err(map_err))
                    .await
            })
        };
        group.queue(ends_transaction).await;
        group.queue(insert(&db, 2)).await;
        let results = group.release().await;
        assert!(results[..3].iter().all(Result::is_err), "{results:?}");
        // The write after the lost one was not run in that group; it commits in the next.
        assert_eq!(results[3], Ok(()));
        assert_eq!(rows(&db).await, vec![2]);
    }

    /// A write that panics answers an internal error; the writer thread lives on.
    #[tokio::test]
    async fn a_panicking_write_is_an_internal_error() {
        let (_dir, db) = open();
        let result = db
            .write(|tx| -> Result<(), StoreError> {
                tx.execute("INSERT INTO t (x) VALUES (7)", [])
                    .map_err(map_err)?;
                panic!("bug in a write");
            })
            .await;
        assert!(matches!(result, Err(StoreError::Internal(_))), "{result:?}");
        insert(&db, 8).await.unwrap().unwrap();
        assert_eq!(rows(&db).await, vec![8]);
    }
}
