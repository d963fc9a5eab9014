//! Numbered migrations, applied at connect under an advisory lock so that
//! nodes starting together migrate exactly once (R37).

use cognate_store::StoreError;
use deadpool_postgres::Object;

use crate::error::{col, map_pg};

/// A schema step. The SQLite backend ships the same versions and names.
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

/// First key of the two-key advisory lock ("Cogn"); the second is the schema's hash.
const LOCK_CLASS: i32 = 0x436f_676e;

pub(crate) fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Applies what is missing in one transaction. The transaction-scoped
/// advisory lock makes a second node wait, then find the work done; if this
/// node dies mid-way the transaction rolls back and the lock is released.
pub(crate) async fn migrate(client: &mut Object, schema: Option<&str>) -> Result<(), StoreError> {
    let tx = client.transaction().await.map_err(map_pg)?;
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext($2))",
        &[&LOCK_CLASS, &schema.unwrap_or("")],
    )
    .await
    .map_err(map_pg)?;
    if let Some(schema) = schema {
        // `schema` is validated as a plain lowercase identifier by the caller.
        tx.batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {schema}; SET LOCAL search_path TO {schema};"
        ))
        .await
        .map_err(map_pg)?;
    }
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    BIGINT NOT NULL PRIMARY KEY,
            name       TEXT   NOT NULL,
            applied_ms BIGINT NOT NULL
        )",
    )
    .await
    .map_err(map_pg)?;
    let row = tx
        .query_one(
            "SELECT coalesce(max(version), 0)::BIGINT FROM schema_migrations",
            &[],
        )
        .await
        .map_err(map_pg)?;
    let found: i64 = col(&row, 0)?;
    let supported = latest_version();
    if found > supported {
        return Err(StoreError::SchemaTooNew { found, supported });
    }
    for migration in MIGRATIONS {
        let recorded = tx
            .query_opt(
                "SELECT name FROM schema_migrations WHERE version = $1",
                &[&migration.version],
            )
            .await
            .map_err(map_pg)?;
        if let Some(row) = recorded {
            let name: String = col(&row, 0)?;
            if name == migration.name {
                continue;
            }
            return Err(StoreError::Internal(format!(
                "schema migration {} is recorded as {name:?}, this build calls it {:?}",
                migration.version, migration.name
            )));
        }
        tx.batch_execute(migration.sql).await.map_err(map_pg)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_ms) VALUES ($1, $2, $3)",
            &[&migration.version, &migration.name, &applied_ms()],
        )
        .await
        .map_err(map_pg)?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "applied migration"
        );
    }
    tx.commit().await.map_err(map_pg)
}

/// Audit timestamp only; nothing reads it back for behaviour.
fn applied_ms() -> i64 {
    use cognate_domain::Clock as _;
    cognate_domain::SystemClock.now_ms()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file in migrations/ is applied, in order, with its number as version.
    #[test]
    fn migrations_match_the_files() {
        let mut here: Vec<String> =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".sql"))
                .collect();
        here.sort();
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
    }
}
