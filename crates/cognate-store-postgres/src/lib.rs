//! PostgreSQL backend for the Cognate store, for several stateless nodes on
//! one database.
//!
//! Every method is one transaction at READ COMMITTED; read-modify-write
//! methods lock the row they start from (`FOR UPDATE`), and uniqueness rests
//! on constraints. Serialization failures and deadlocks are retried a few
//! times. A database that does not answer fails calls with
//! `StoreError::Unavailable` within the acquire + query timeouts; the pool
//! replaces broken connections on checkout, so service resumes by itself
//! when the database is back.

mod clients;
mod codec;
mod codes;
mod counters;
mod db;
mod devices;
mod domains;
mod error;
mod groups;
mod identity_pools;
mod maintenance;
mod migrate;
mod outbox;
mod pools;
mod resource_servers;
mod signing_keys;
mod sql;
mod tokens;
mod users;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cognate_store::{Health, StoreError};

/// Pool and timeout settings. `Default` suits a node on two cores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    /// Schema to create (if missing) and use through `search_path`; `None`
    /// uses the connection's default search path. Lowercase letters, digits
    /// and `_`, starting with a letter or `_`.
    pub schema: Option<String>,
    /// Most connections this node opens.
    pub max_connections: usize,
    /// Longest wait for a connection (including opening a new one).
    pub acquire_timeout: Duration,
    /// Longest one transaction may take once it has a connection.
    pub query_timeout: Duration,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        // acquire + query stays under the 5 s in which an outage must show (R35).
        Self {
            schema: None,
            max_connections: 16,
            acquire_timeout: Duration::from_secs(2),
            query_timeout: Duration::from_secs(3),
        }
    }
}

/// The PostgreSQL store. Cheap to clone; clones share the pool.
#[derive(Clone)]
pub struct PostgresStore {
    db: Arc<db::Db>,
    schema: Option<String>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects with default options and migrates.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with_options(url, PostgresOptions::default()).await
    }

    /// Connects using `schema` (created if missing) and migrates it.
    pub async fn connect_with_schema(url: &str, schema: &str) -> Result<Self, StoreError> {
        Self::connect_with_options(
            url,
            PostgresOptions {
                schema: Some(schema.to_owned()),
                ..PostgresOptions::default()
            },
        )
        .await
    }

    /// Connects with explicit options and migrates. Refuses a database written
    /// by a newer release with [`StoreError::SchemaTooNew`].
    pub async fn connect_with_options(
        url: &str,
        options: PostgresOptions,
    ) -> Result<Self, StoreError> {
        let mut config = tokio_postgres::Config::from_str(url)
            .map_err(|e| StoreError::Internal(format!("invalid PostgreSQL URL: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(options.acquire_timeout);
        }
        if config.get_application_name().is_none() {
            config.application_name("cognate");
        }
        // Notice a peer that vanished without closing the socket (host loss).
        config.keepalives(true);
        config.keepalives_idle(Duration::from_secs(30));
        if let Some(schema) = &options.schema {
            validate_schema(schema)?;
            // A startup option applies to every connection the pool opens.
            let existing = config.get_options().unwrap_or_default().to_owned();
            config.options(format!("{existing} -c search_path={schema}").trim());
        }
        let db = db::Db::new(
            config,
            options.max_connections.max(1),
            options.acquire_timeout,
            options.query_timeout,
        )?;
        let mut client = db.client().await?;
        migrate::migrate(&mut client, options.schema.as_deref()).await?;
        drop(client);
        Ok(Self {
            db: Arc::new(db),
            schema: options.schema,
        })
    }

    /// Highest schema version this build knows and applies at connect.
    pub fn schema_version() -> i64 {
        migrate::latest_version()
    }
}

/// Keeps the name safe to splice into DDL and the startup options string.
fn validate_schema(schema: &str) -> Result<(), StoreError> {
    let mut chars = schema.chars();
    let head_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let tail_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if head_ok && tail_ok && schema.len() <= 63 {
        Ok(())
    } else {
        Err(StoreError::Internal(format!(
            "invalid schema name {schema:?}: use lowercase letters, digits and _"
        )))
    }
}

#[async_trait]
impl Health for PostgresStore {
    async fn ping(&self) -> Result<(), StoreError> {
        db::read!(self.db, |client| {
            client
                .simple_query("SELECT 1")
                .await
                .map_err(error::map_pg)?;
        })
    }
}

#[cfg(test)]
mod tests;
