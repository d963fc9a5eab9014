//! The connection pool and the transaction runner every method goes through.

use std::time::Duration;

use cognate_store::StoreError;
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

use crate::error::map_pool;

/// Attempts per transaction when the server reports a serialization failure or deadlock.
pub(crate) const MAX_ATTEMPTS: u32 = 4;

pub(crate) struct Db {
    pool: Pool,
    acquire_timeout: Duration,
    query_timeout: Duration,
}

impl Db {
    pub(crate) fn new(
        config: tokio_postgres::Config,
        max_connections: usize,
        acquire_timeout: Duration,
        query_timeout: Duration,
    ) -> Result<Self, StoreError> {
        // Verified: a checkout first runs an empty query, so a connection the
        // server dropped (restart, pg_terminate_backend) is replaced instead of
        // failing the caller's request. One round trip on a local socket.
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Verified,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(max_connections)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(acquire_timeout))
            .create_timeout(Some(acquire_timeout))
            .recycle_timeout(Some(acquire_timeout))
            .build()
            .map_err(|e| StoreError::Internal(format!("building connection pool: {e}")))?;
        Ok(Self {
            pool,
            acquire_timeout,
            query_timeout,
        })
    }

    /// A pooled connection, or `Unavailable` within the acquire timeout.
    pub(crate) async fn client(&self) -> Result<Object, StoreError> {
        // The pool's own timeouts apply per step (wait, recycle, create); this
        // bounds the sum, so a dead server fails the caller quickly (R35).
        match tokio::time::timeout(self.acquire_timeout, self.pool.get()).await {
            Ok(result) => result.map_err(map_pool),
            Err(_) => Err(StoreError::Unavailable(
                "timed out getting a database connection".into(),
            )),
        }
    }

    pub(crate) fn query_timeout(&self) -> Duration {
        self.query_timeout
    }

    /// Drops a connection whose state is unknown (a query timed out mid-flight)
    /// instead of returning it to the pool.
    pub(crate) fn discard(&self, client: Object) {
        drop(Object::take(client));
    }

    /// Pause before retrying a transaction that lost a serialization race.
    pub(crate) async fn backoff(attempt: u32) {
        tokio::time::sleep(Duration::from_millis(u64::from(attempt) * 5)).await;
    }
}

/// Runs `$body` inside a transaction on a pooled connection and commits.
///
/// `$body` evaluates to the value to return and may use `?` and `return Err`
/// with `StoreError`. The attempt is bounded by the query timeout (after which
/// the connection is discarded and the caller gets `Unavailable`), and a
/// `ConcurrentModification` (serialization failure, deadlock) reruns the whole
/// transaction a few times before it reaches the caller.
macro_rules! transact {
    ($db:expr, |$tx:ident| $body:block) => {{
        let db: &$crate::db::Db = &$db;
        let mut attempt: u32 = 1;
        loop {
            let mut client = match db.client().await {
                Ok(client) => client,
                Err(e) => break Err(e),
            };
            let outcome = ::tokio::time::timeout(db.query_timeout(), async {
                let $tx = client.transaction().await.map_err($crate::error::map_pg)?;
                let value = $body;
                $tx.commit().await.map_err($crate::error::map_pg)?;
                Ok::<_, ::cognate_store::StoreError>(value)
            })
            .await;
            match outcome {
                Ok(Err(::cognate_store::StoreError::ConcurrentModification))
                    if attempt < $crate::db::MAX_ATTEMPTS =>
                {
                    $crate::db::Db::backoff(attempt).await;
                    attempt += 1;
                }
                Ok(result) => break result,
                Err(_elapsed) => {
                    db.discard(client);
                    break Err(::cognate_store::StoreError::Unavailable(
                        "database query timed out".into(),
                    ));
                }
            }
        }
    }};
}

/// Runs a single-statement read on a pooled connection, bounded by the query
/// timeout like [`transact!`], without a transaction around it.
macro_rules! read {
    ($db:expr, |$client:ident| $body:block) => {{
        let db: &$crate::db::Db = &$db;
        match db.client().await {
            Err(e) => Err(e),
            Ok($client) => {
                let outcome = ::tokio::time::timeout(db.query_timeout(), async {
                    let value = $body;
                    Ok::<_, ::cognate_store::StoreError>(value)
                })
                .await;
                match outcome {
                    Ok(result) => result,
                    Err(_elapsed) => {
                        db.discard($client);
                        Err(::cognate_store::StoreError::Unavailable(
                            "database query timed out".into(),
                        ))
                    }
                }
            }
        }
    }};
}

pub(crate) use {read, transact};
