//! Numbered migrations, applied at open in one transaction.

use cognate_store::StoreError;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use crate::error::map_err;

/// A schema step. The PostgreSQL backend ships the same versions and names.
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) name: &'static str,
    pub(crate) sql: &'static str,
}

pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_management",
        sql: include_str!("../migrations/0001_management.sql"),
    },
    Migration {
        version: 2,
        name: "0002_users",
        sql: include_str!("../migrations/0002_users.sql"),
    },
    Migration {
        version: 3,
        name: "0003_counter_slots",
        sql: include_str!("../migrations/0003_counter_slots.sql"),
    },
    Migration {
        version: 4,
        name: "0004_purge_indexes",
        sql: include_str!("../migrations/0004_purge_indexes.sql"),
    },
];

/// Highest schema version this build knows.
pub(crate) fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Brings the database up to date, refusing one that is already newer than
/// this build. Concurrent openers queue on `BEGIN IMMEDIATE`, then find the
/// work done.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(map_err)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER NOT NULL PRIMARY KEY,
            name       TEXT    NOT NULL,
            applied_ms INTEGER NOT NULL
        ) STRICT;",
    )
    .map_err(map_err)?;
    let found: i64 = tx
        .query_row(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )
        .map_err(map_err)?;
    let supported = latest_version();
    if found > supported {
        return Err(StoreError::SchemaTooNew { found, supported });
    }
    for migration in MIGRATIONS {
        let recorded: Option<String> = tx
            .query_row(
                "SELECT name FROM schema_migrations WHERE version = ?1",
                [migration.version],
                |r| r.get(0),
            )
            .optional()
            .map_err(map_err)?;
        match recorded {
            Some(name) if name == migration.name => continue,
            Some(name) => {
                return Err(StoreError::Internal(format!(
                    "schema migration {} is recorded as {name:?}, this build calls it {:?}",
                    migration.version, migration.name
                )));
            }
            None => {}
        }
        tx.execute_batch(migration.sql).map_err(map_err)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?1, ?2, ?3)",
            rusqlite::params![migration.version, migration.name, applied_ms()],
        )
        .map_err(map_err)?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "applied migration"
        );
    }
    tx.commit().map_err(map_err)
}

/// Audit timestamp only; nothing reads it back for behaviour.
fn applied_ms() -> i64 {
    use cognate_domain::Clock as _;
    cognate_domain::SystemClock.now_ms()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql_files(dir: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        names.sort();
        names
    }

    /// Every file in migrations/ is applied, in order, with its number as version;
    /// and the PostgreSQL backend ships the same numbered names.
    #[test]
    fn migrations_match_the_files_of_both_backends() {
        let here = sql_files(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"));
        let listed: Vec<String> = MIGRATIONS
            .iter()
            .map(|m| format!("{}.sql", m.name))
            .collect();
        assert_eq!(here, listed);
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1);
            assert!(m.name.starts_with(&format!("{:04}_", m.version)));
        }
        let postgres = sql_files(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../cognate-store-postgres/migrations"
        ));
        assert_eq!(here, postgres);
    }
}
