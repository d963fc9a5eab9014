//! PostgreSQL and pool errors mapped onto `StoreError`.

use cognate_store::{Constraint, StoreError, alias_kind};
use deadpool_postgres::PoolError;
use tokio_postgres::error::SqlState;

/// Unique constraints and indexes by name, as the migrations declare them.
const UNIQUE_KEYS: &[(&str, Constraint)] = &[
    ("user_pools_pkey", Constraint::UserPoolId),
    ("signing_keys_pkey", Constraint::SigningKeyId),
    ("clients_pkey", Constraint::ClientId),
    // Implied by the unique client id; reported if it is checked first.
    ("clients_by_pool", Constraint::ClientId),
    ("client_secrets_pkey", Constraint::ClientSecretId),
    ("groups_pkey", Constraint::GroupName),
    ("domains_pkey", Constraint::Domain),
    ("domains_one_per_kind", Constraint::PoolHasDomain),
    (
        "resource_servers_pkey",
        Constraint::ResourceServerIdentifier,
    ),
    ("identity_pools_pkey", Constraint::IdentityPoolId),
    ("identities_pkey", Constraint::IdentityId),
    ("identity_logins_pkey", Constraint::IdentityLogin),
    ("users_pkey", Constraint::UserSub),
    ("users_by_username", Constraint::Username),
    ("refresh_tokens_pkey", Constraint::RefreshToken),
    ("outbox_pkey", Constraint::MessageId),
    (
        "webauthn_credentials_pkey",
        Constraint::WebAuthnCredentialId,
    ),
];

/// Alias unique indexes by name, with the alias kind they protect.
const ALIAS_KEYS: &[(&str, &str)] = &[
    ("users_alias_email", alias_kind::EMAIL),
    ("users_alias_phone_number", alias_kind::PHONE_NUMBER),
    (
        "users_alias_preferred_username",
        alias_kind::PREFERRED_USERNAME,
    ),
];

/// Maps a driver error: constraint failures become `Conflict`/`NotFound`,
/// serialization failures and deadlocks `ConcurrentModification` (the caller
/// retries those), and anything about reaching the server `Unavailable`.
pub(crate) fn map_pg(error: tokio_postgres::Error) -> StoreError {
    if let Some(db) = error.as_db_error() {
        let code = db.code();
        if *code == SqlState::UNIQUE_VIOLATION {
            return StoreError::Conflict(unique_constraint(db.constraint()));
        }
        if *code == SqlState::FOREIGN_KEY_VIOLATION {
            // The parent row (pool, client) is gone.
            return StoreError::NotFound;
        }
        if *code == SqlState::T_R_SERIALIZATION_FAILURE || *code == SqlState::T_R_DEADLOCK_DETECTED
        {
            return StoreError::ConcurrentModification;
        }
        if is_unavailable(code.code()) {
            return StoreError::Unavailable(format!("{}: {}", code.code(), db.message()));
        }
        return StoreError::Internal(format!("{}: {}", code.code(), db.message()));
    }
    // No server error: the connection broke or could not be made.
    if error.is_closed() || io_source(&error) {
        return StoreError::Unavailable(error.to_string());
    }
    StoreError::Internal(error.to_string())
}

/// Server-side conditions that clear without anyone changing the request.
fn is_unavailable(code: &str) -> bool {
    // 08: connection exceptions; 53: insufficient resources (disk full, too
    // many connections); 57P01-57P05: shutdown, crash recovery, idle timeouts;
    // 57014: statement cancelled (statement_timeout); 58: system errors (I/O).
    code.starts_with("08")
        || code.starts_with("53")
        || code.starts_with("57P")
        || code == "57014"
        || code.starts_with("58")
        || code == "25006" // read-only transaction: a standby after failover
}

fn io_source(error: &tokio_postgres::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(err) = source {
        if err.is::<std::io::Error>() {
            return true;
        }
        source = err.source();
    }
    false
}

fn unique_constraint(name: Option<&str>) -> Constraint {
    if let Some((_, kind)) = ALIAS_KEYS.iter().find(|(key, _)| Some(*key) == name) {
        return Constraint::Alias((*kind).to_owned());
    }
    UNIQUE_KEYS
        .iter()
        .find(|(key, _)| Some(*key) == name)
        .map(|(_, constraint)| constraint.clone())
        .unwrap_or_else(|| Constraint::Other(name.unwrap_or("unique key").to_owned()))
}

/// Maps a failure to obtain a pooled connection.
pub(crate) fn map_pool(error: PoolError) -> StoreError {
    match error {
        PoolError::Backend(e) => map_pg(e),
        PoolError::Timeout(kind) => StoreError::Unavailable(format!(
            "timed out getting a database connection ({kind:?})"
        )),
        other => StoreError::Unavailable(format!("database connection pool: {other}")),
    }
}

/// Reads a column without the panic `Row::get` has on a type mismatch.
pub(crate) fn col<'a, T: tokio_postgres::types::FromSql<'a>>(
    row: &'a tokio_postgres::Row,
    idx: usize,
) -> Result<T, StoreError> {
    row.try_get(idx)
        .map_err(|e| StoreError::Internal(format!("reading column {idx}: {e}")))
}
