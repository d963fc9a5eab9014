//! The one error type every backend maps its driver errors into.

use thiserror::Error;

/// What went wrong in a store call, in terms a handler can act on.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StoreError {
    /// The record (or the parent it hangs off) does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness or limit rule refused the write; the rule is named so the
    /// handler can pick the matching AWS exception.
    #[error("conflict: {0}")]
    Conflict(Constraint),
    /// Another transaction got in the way and retrying inside the store did not help.
    #[error("concurrent modification")]
    ConcurrentModification,
    /// A page cursor was not one this store handed out.
    #[error("invalid pagination cursor")]
    InvalidCursor,
    /// The database is out of reach or out of resources; worth retrying later.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// The database holds a schema newer than this binary understands. Opening it
    /// anyway could corrupt data written by the newer release.
    #[error(
        "database schema version {found} is newer than this build supports ({supported}); \
         refusing to start: downgrades are not supported"
    )]
    SchemaTooNew {
        /// Highest migration version recorded in the database.
        found: i64,
        /// Highest migration version this build ships.
        supported: i64,
    },
    /// Anything else: a bug, corrupt data, or an unexpected driver error.
    #[error("storage internal error: {0}")]
    Internal(String),
}

impl StoreError {
    /// True when the same call may succeed if repeated later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable(_) | Self::ConcurrentModification)
    }
}

/// The rule behind a [`StoreError::Conflict`].
///
/// User pool names and identity pool names are deliberately absent: Cognito
/// allows duplicates of both.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Constraint {
    /// A user pool id is already taken (id generation collided).
    UserPoolId,
    /// A signing key id is already used in the pool.
    SigningKeyId,
    /// An app client id is already taken (they are unique across all pools).
    ClientId,
    /// A client secret id is already used by the client.
    ClientSecretId,
    /// The client already holds the maximum number of secrets.
    ClientSecretLimit,
    /// A group of that name exists in the pool.
    GroupName,
    /// The domain name is taken (domains are unique across all pools).
    Domain,
    /// The pool already has a domain of that kind (one prefix, one custom).
    PoolHasDomain,
    /// A resource server with that identifier exists in the pool.
    ResourceServerIdentifier,
    /// An identity pool id is already taken (id generation collided).
    IdentityPoolId,
    /// A login is linked to another identity of the identity pool already.
    IdentityLogin,
    /// An identity id is already taken (id generation collided).
    IdentityId,
    /// The resource would carry more tags than allowed.
    TagLimit,
    /// A user with that sub exists in the pool (id generation collided).
    UserSub,
    /// A user with that username (its lookup key) exists in the pool.
    Username,
    /// Another user of the pool holds this alias; the kind is named
    /// (`email`, `phone_number`, `preferred_username`).
    Alias(String),
    /// A refresh token with that hash exists.
    RefreshToken,
    /// An outbox message with that id exists.
    MessageId,
    /// A passkey with that credential id exists in the pool.
    WebAuthnCredentialId,
    /// The user already holds the maximum number of passkeys.
    WebAuthnCredentialLimit,
    /// A rule without a name of its own; the text says which.
    Other(String),
}

impl std::fmt::Display for Constraint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            Self::UserPoolId => "user pool id",
            Self::SigningKeyId => "signing key id",
            Self::ClientId => "client id",
            Self::ClientSecretId => "client secret id",
            Self::ClientSecretLimit => "client secret limit",
            Self::GroupName => "group name",
            Self::Domain => "domain",
            Self::PoolHasDomain => "pool already has a domain",
            Self::ResourceServerIdentifier => "resource server identifier",
            Self::IdentityPoolId => "identity pool id",
            Self::IdentityLogin => "identity login",
            Self::IdentityId => "identity id",
            Self::TagLimit => "tag limit",
            Self::UserSub => "user sub",
            Self::Username => "username",
            Self::Alias(kind) => return write!(f, "alias {kind}"),
            Self::RefreshToken => "refresh token",
            Self::MessageId => "message id",
            Self::WebAuthnCredentialId => "passkey credential id",
            Self::WebAuthnCredentialLimit => "passkey limit",
            Self::Other(rule) => rule,
        };
        f.write_str(name)
    }
}
