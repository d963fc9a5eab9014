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
    Migration {
        version: 5,
        name: "0005_signing_key_rotation",
        sql: include_str!("../migrations/0005_signing_key_rotation.sql"),
    },
    Migration {
        version: 6,
        name: "0006_srp_verifiers",
        sql: include_str!("../migrations/0006_srp_verifiers.sql"),
    },
    Migration {
        version: 8,
        name: "0008_devices",
        sql: include_str!("../migrations/0008_devices.sql"),
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
        // Increasing; numbers are reserved per branch, so one may be missing until its
        // branch is merged.
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert!(i == 0 || m.version > MIGRATIONS[i - 1].version);
            assert!(m.name.starts_with(&format!("{:04}_", m.version)));
        }
        let postgres = sql_files(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../cognate-store-postgres/migrations"
        ));
        assert_eq!(here, postgres);
    }

    /// Keys stored before rotation existed keep signing what they signed: the first of a
    /// pool (by creation time, then kid) ID tokens, the other access tokens.
    #[test]
    fn rotation_columns_are_derived_for_existing_keys() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_migrations (
                version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL
            ) STRICT;",
        )
        .unwrap();
        for m in MIGRATIONS.iter().filter(|m| m.version <= 3) {
            conn.execute_batch(m.sql).unwrap();
            conn.execute(
                "INSERT INTO schema_migrations VALUES (?1, ?2, 0)",
                rusqlite::params![m.version, m.name],
            )
            .unwrap();
        }
        conn.execute_batch(
            "INSERT INTO user_pools VALUES ('p', 'n', 'arn', 1, 1, '{}', '{}');
             INSERT INTO user_pools VALUES ('q', 'n', 'arn', 1, 1, '{}', '{}');
             INSERT INTO signing_keys VALUES ('p', 'zz', 'RS256', x'00', '{}', x'00', 7, 1);
             INSERT INTO signing_keys VALUES ('p', 'aa', 'RS256', x'00', '{}', x'00', 7, 1);
             INSERT INTO signing_keys VALUES ('q', 'mm', 'RS256', x'00', '{}', x'00', 5, 1);
             INSERT INTO signing_keys VALUES ('q', 'bb', 'RS256', x'00', '{}', x'00', 9, 0);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let mut st = conn
            .prepare(
                "SELECT pool_id, kid, key_use, not_before_ms, retire_after_ms, active
                 FROM signing_keys ORDER BY pool_id, kid",
            )
            .unwrap();
        let rows: Vec<(String, String, String, i64, Option<i64>, bool)> = st
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let row = |p: &str, k: &str, u: &str, nb: i64, active: bool| {
            (p.to_owned(), k.to_owned(), u.to_owned(), nb, None, active)
        };
        assert_eq!(
            rows,
            vec![
                row("p", "aa", "id", 7, true),
                row("p", "zz", "access", 7, true),
                row("q", "bb", "access", 9, false),
                row("q", "mm", "id", 5, true),
            ]
        );
    }
}
