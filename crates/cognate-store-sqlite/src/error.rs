//! SQLite error codes mapped onto `StoreError`.

use cognate_store::{Constraint, StoreError, alias_kind};
use rusqlite::ErrorCode;
use rusqlite::ffi;

/// SQLite names the columns of a violated unique key ("UNIQUE constraint
/// failed: groups.pool_id, groups.name"), not the index, so the rule is found
/// by its column list. Keep in step with the migrations.
const UNIQUE_KEYS: &[(&str, Constraint)] = &[
    ("user_pools.id", Constraint::UserPoolId),
    (
        "signing_keys.pool_id, signing_keys.kid",
        Constraint::SigningKeyId,
    ),
    ("clients.client_id", Constraint::ClientId),
    // The (pool_id, client_id) index is implied by the unique client_id, but
    // SQLite may report it first for a duplicate within one pool.
    ("clients.pool_id, clients.client_id", Constraint::ClientId),
    (
        "client_secrets.pool_id, client_secrets.client_id, client_secrets.secret_id",
        Constraint::ClientSecretId,
    ),
    ("groups.pool_id, groups.name", Constraint::GroupName),
    ("domains.domain", Constraint::Domain),
    ("domains.pool_id, domains.custom", Constraint::PoolHasDomain),
    (
        "resource_servers.pool_id, resource_servers.identifier",
        Constraint::ResourceServerIdentifier,
    ),
    ("identity_pools.id", Constraint::IdentityPoolId),
    ("identities.id", Constraint::IdentityId),
    (
        "identity_logins.pool_id, identity_logins.provider, identity_logins.subject",
        Constraint::IdentityLogin,
    ),
    ("users.pool_id, users.sub", Constraint::UserSub),
    ("users.pool_id, users.username_key", Constraint::Username),
    ("refresh_tokens.token_hash", Constraint::RefreshToken),
    ("outbox.id", Constraint::MessageId),
    (
        "webauthn_credentials.pool_id, webauthn_credentials.credential_id",
        Constraint::WebAuthnCredentialId,
    ),
];

/// Alias unique keys by column list, with the alias kind they protect.
const ALIAS_KEYS: &[(&str, &str)] = &[
    ("users.pool_id, users.alias_email", alias_kind::EMAIL),
    (
        "users.pool_id, users.alias_phone_number",
        alias_kind::PHONE_NUMBER,
    ),
    (
        "users.pool_id, users.alias_preferred_username",
        alias_kind::PREFERRED_USERNAME,
    ),
];

/// Maps a driver error. Constraint failures become `Conflict`/`NotFound`;
/// a busy, full or failing disk becomes `Unavailable`, which clears by itself.
pub(crate) fn map_err(error: rusqlite::Error) -> StoreError {
    match &error {
        rusqlite::Error::SqliteFailure(failure, message) => match failure.code {
            ErrorCode::ConstraintViolation => match failure.extended_code {
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                    StoreError::Conflict(unique_constraint(message.as_deref()))
                }
                // The parent row (pool, client) is gone.
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY => StoreError::NotFound,
                _ => StoreError::Internal(error.to_string()),
            },
            ErrorCode::DatabaseBusy
            | ErrorCode::DatabaseLocked
            | ErrorCode::DiskFull
            | ErrorCode::SystemIoFailure
            | ErrorCode::CannotOpen
            | ErrorCode::OutOfMemory
            | ErrorCode::ReadOnly
            | ErrorCode::FileLockingProtocolFailed => StoreError::Unavailable(error.to_string()),
            _ => StoreError::Internal(error.to_string()),
        },
        _ => StoreError::Internal(error.to_string()),
    }
}

fn unique_constraint(message: Option<&str>) -> Constraint {
    let columns = message
        .and_then(|m| m.strip_prefix("UNIQUE constraint failed: "))
        .unwrap_or_default();
    if let Some((_, kind)) = ALIAS_KEYS.iter().find(|(key, _)| *key == columns) {
        return Constraint::Alias((*kind).to_owned());
    }
    UNIQUE_KEYS
        .iter()
        .find(|(key, _)| *key == columns)
        .map(|(_, constraint)| constraint.clone())
        .unwrap_or_else(|| Constraint::Other(message.unwrap_or("unique key").to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    fn conn() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
        crate::migrate::migrate(&mut conn).unwrap();
        conn
    }

    #[test]
    fn every_unique_key_in_the_schema_has_a_named_constraint() {
        let conn = conn();
        // The first insert of each row succeeds, the second breaks its key.
        let cases = [
            (
                "INSERT INTO user_pools VALUES ('p', 'n', 'arn', 1, 1, '{}', '{}')",
                Constraint::UserPoolId,
            ),
            (
                "INSERT INTO signing_keys VALUES ('p', 'k', 'RS256', x'00', '{}', x'00', 1, 1, 'id', 1, NULL)",
                Constraint::SigningKeyId,
            ),
            (
                "INSERT INTO clients VALUES ('c', 'p', 'n', 1, 1, '{}')",
                Constraint::ClientId,
            ),
            (
                "INSERT INTO client_secrets VALUES ('p', 'c', 's', x'00', 1)",
                Constraint::ClientSecretId,
            ),
            (
                "INSERT INTO groups VALUES ('p', 'g', NULL, NULL, NULL, 1, 1)",
                Constraint::GroupName,
            ),
            (
                "INSERT INTO resource_servers VALUES ('p', 'r', 'n', '[]', 1, 1)",
                Constraint::ResourceServerIdentifier,
            ),
            (
                "INSERT INTO identity_pools VALUES ('i', 'n', 1, 1, '{}', '{}')",
                Constraint::IdentityPoolId,
            ),
            (
                "INSERT INTO identities VALUES ('i:1', 'i', 1, 1, NULL)",
                Constraint::IdentityId,
            ),
            (
                "INSERT INTO identity_logins VALUES ('i', 'p', 's', 'i:1')",
                Constraint::IdentityLogin,
            ),
        ];
        for (sql, constraint) in cases {
            conn.execute(sql, []).unwrap();
            let err = conn.execute(sql, []).unwrap_err();
            assert_eq!(map_err(err), StoreError::Conflict(constraint), "{sql}");
        }
        // A domain row can break two keys; break one at a time.
        conn.execute(
            "INSERT INTO user_pools VALUES ('q', 'n', 'arn', 1, 1, '{}', '{}')",
            [],
        )
        .unwrap();
        conn.execute("INSERT INTO domains VALUES ('d', 'p', 0, '{}', 1, 1)", [])
            .unwrap();
        let err = conn
            .execute("INSERT INTO domains VALUES ('d', 'q', 0, '{}', 1, 1)", [])
            .unwrap_err();
        assert_eq!(map_err(err), StoreError::Conflict(Constraint::Domain));
        let err = conn
            .execute("INSERT INTO domains VALUES ('d2', 'p', 0, '{}', 1, 1)", [])
            .unwrap_err();
        assert_eq!(
            map_err(err),
            StoreError::Conflict(Constraint::PoolHasDomain)
        );

        // Users: one row per key broken, the first insert of each succeeds.
        let user = |sub: &str, key: &str, aliases: [&str; 3]| {
            let alias = |a: &str| {
                if a.is_empty() {
                    "NULL".to_owned()
                } else {
                    format!("'{a}'")
                }
            };
            format!(
                "INSERT INTO users VALUES ('p', '{sub}', 'n', '{key}', 'CONFIRMED', 1, NULL, NULL,
                     1, 1, 0, '{{}}', {}, {}, {}, NULL)",
                alias(aliases[0]),
                alias(aliases[1]),
                alias(aliases[2])
            )
        };
        conn.execute(&user("s1", "alice", ["a@x", "+1", "al"]), [])
            .unwrap();
        let cases = [
            (user("s1", "other", ["", "", ""]), Constraint::UserSub),
            (user("s2", "alice", ["", "", ""]), Constraint::Username),
            (
                user("s2", "bob", ["a@x", "", ""]),
                Constraint::Alias("email".into()),
            ),
            (
                user("s2", "bob", ["", "+1", ""]),
                Constraint::Alias("phone_number".into()),
            ),
            (
                user("s2", "bob", ["", "", "al"]),
                Constraint::Alias("preferred_username".into()),
            ),
        ];
        for (sql, constraint) in cases {
            let err = conn.execute(&sql, []).unwrap_err();
            assert_eq!(map_err(err), StoreError::Conflict(constraint), "{sql}");
        }
        // Two users without aliases do not collide on the empty alias columns.
        conn.execute(&user("s2", "bob", ["", "", ""]), []).unwrap();
        for (sql, constraint) in [
            (
                "INSERT INTO refresh_tokens VALUES (x'01', 'p', 's1', 'c', 'j', 1, NULL, '', 1, 2, 0, NULL)",
                Constraint::RefreshToken,
            ),
            (
                "INSERT INTO outbox VALUES ('m', 'p', NULL, 'EMAIL', 'd', 'x', x'00', 1, 'PENDING', 0, NULL, 1)",
                Constraint::MessageId,
            ),
        ] {
            conn.execute(sql, []).unwrap();
            let err = conn.execute(sql, []).unwrap_err();
            assert_eq!(map_err(err), StoreError::Conflict(constraint), "{sql}");
        }
    }

    #[test]
    fn missing_parent_is_not_found() {
        let conn = conn();
        let err = conn
            .execute(
                "INSERT INTO groups VALUES ('nope', 'g', NULL, NULL, NULL, 1, 1)",
                [],
            )
            .unwrap_err();
        assert_eq!(map_err(err), StoreError::NotFound);
    }

    #[test]
    fn busy_and_full_disk_are_unavailable() {
        for code in [
            ffi::SQLITE_BUSY,
            ffi::SQLITE_FULL,
            ffi::SQLITE_IOERR_WRITE,
            ffi::SQLITE_LOCKED,
        ] {
            let err = rusqlite::Error::SqliteFailure(ffi::Error::new(code), None);
            assert!(matches!(map_err(err), StoreError::Unavailable(_)), "{code}");
        }
    }

    #[test]
    fn other_errors_are_internal() {
        let conn = conn();
        let err = conn
            .execute("SELECT nonsense FROM nowhere", [])
            .unwrap_err();
        assert!(matches!(map_err(err), StoreError::Internal(_)));
    }
}
