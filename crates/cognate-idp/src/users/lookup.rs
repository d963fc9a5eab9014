//! Finding pools, clients and users the way Cognito resolves them.

use cognate_crypto::password::{Admission, PasswordError};
use cognate_domain::attributes::{ClientAttributeAccess, Lookup, PoolSchema, SignInConfig};
use cognate_domain::password_policy::PasswordPolicy;
use cognate_domain::secret_hash;
use cognate_store::{ClientRecord, UserPoolRecord, UserRecord};
use cognate_wire::{ApiError, ErrorCode, Sensitive};

use crate::errors::{internal, store_failure};
use crate::service::IdpService;

/// A pool with the rules read from its settings once per request.
pub struct PoolRules {
    pub record: UserPoolRecord,
    pub sign_in: SignInConfig,
    pub schema: PoolSchema,
    pub password_policy: PasswordPolicy,
}

impl PoolRules {
    pub fn new(record: UserPoolRecord) -> Self {
        Self {
            sign_in: SignInConfig::from_settings(&record.settings),
            schema: PoolSchema::from_settings(&record.settings),
            password_policy: PasswordPolicy::from_settings(&record.settings),
            record,
        }
    }

    pub fn id(&self) -> &str {
        &self.record.id
    }
}

/// An app client and what it may read and write.
pub struct ClientRules {
    pub record: ClientRecord,
    pub access: ClientAttributeAccess,
}

impl ClientRules {
    pub fn id(&self) -> &str {
        &self.record.client_id
    }
}

pub fn user_not_found() -> ApiError {
    ApiError::new(ErrorCode::UserNotFoundException, "User does not exist.")
}

impl IdpService {
    pub(crate) async fn pool_rules(&self, pool_id: &str) -> Result<PoolRules, ApiError> {
        Ok(PoolRules::new(self.pool(pool_id).await?))
    }

    /// The client named by a public request (which names no pool), with its pool.
    pub(crate) async fn client_and_pool(
        &self,
        client_id: &str,
    ) -> Result<(ClientRules, PoolRules), ApiError> {
        let record = self
            .store
            .find_client(client_id)
            .await
            .map_err(store_failure)?
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::ResourceNotFoundException,
                    "User pool client does not exist.",
                )
            })?;
        let pool = self.pool_rules(&record.pool_id).await?;
        Ok((
            ClientRules {
                access: ClientAttributeAccess::from_client_settings(&record.settings),
                record,
            },
            pool,
        ))
    }

    /// A client of a given pool (admin requests name both).
    pub(crate) async fn client_of_pool(
        &self,
        pool: &PoolRules,
        client_id: &str,
    ) -> Result<ClientRules, ApiError> {
        let record = self
            .store
            .get_client(pool.id(), client_id)
            .await
            .map_err(store_failure)?
            .ok_or_else(|| crate::errors::client_not_found(client_id))?;
        Ok(ClientRules {
            access: ClientAttributeAccess::from_client_settings(&record.settings),
            record,
        })
    }

    /// A user by username, or by any alias or sign-in attribute the pool allows, as every
    /// Cognito operation's `Username` parameter accepts.
    pub(crate) async fn find_user(
        &self,
        pool: &PoolRules,
        username: &str,
    ) -> Result<Option<UserRecord>, ApiError> {
        for lookup in pool.sign_in.lookups(username) {
            let found = match lookup {
                Lookup::Username(key) => self.store.get_user(pool.id(), &key).await,
                Lookup::Alias(kind, key) => {
                    self.store
                        .find_user_by_alias(pool.id(), kind.as_str(), &key)
                        .await
                }
            }
            .map_err(store_failure)?;
            if found.is_some() {
                return Ok(found);
            }
        }
        // Federated and UsernameAttributes users can also be named by their sub.
        if username.len() == 36 {
            return self
                .store
                .get_user_by_sub(pool.id(), username)
                .await
                .map_err(store_failure);
        }
        Ok(None)
    }

    pub(crate) async fn user(
        &self,
        pool: &PoolRules,
        username: &str,
    ) -> Result<UserRecord, ApiError> {
        self.find_user(pool, username)
            .await?
            .ok_or_else(user_not_found)
    }

    /// The client a public user operation names and its pool, after the SECRET_HASH check
    /// every such operation makes first.
    pub(crate) async fn public_client(
        &self,
        client_id: &str,
        username: &str,
        secret_hash: Option<&Sensitive<String>>,
    ) -> Result<(ClientRules, PoolRules), ApiError> {
        let (client, pool) = self.client_and_pool(client_id).await?;
        self.check_secret_hash(&client, username, secret_hash.map(|s| s.expose().as_str()))
            .await?;
        Ok((client, pool))
    }

    /// SECRET_HASH is required exactly when the client has a secret.
    pub(crate) async fn check_secret_hash(
        &self,
        client: &ClientRules,
        username: &str,
        provided: Option<&str>,
    ) -> Result<(), ApiError> {
        let secrets = self
            .store
            .list_client_secrets(&client.record.pool_id, client.id())
            .await
            .map_err(store_failure)?;
        if secrets.is_empty() {
            return Ok(());
        }
        let Some(provided) = provided else {
            return Err(ApiError::new(
                ErrorCode::NotAuthorizedException,
                format!(
                    "Client {} is configured with secret but SECRET_HASH was not received",
                    client.id()
                ),
            ));
        };
        for secret in secrets {
            let aad = format!(
                "cognate/client-secret/{}/{}/{}",
                secret.pool_id, secret.client_id, secret.secret_id
            );
            let plain = self
                .kek
                .open(&secret.sealed_secret, aad.as_bytes())
                .map_err(|e| internal("opening a client secret", e))?;
            let plain = String::from_utf8_lossy(&plain);
            if secret_hash::verify(&plain, username, client.id(), provided) {
                return Ok(());
            }
        }
        Err(ApiError::new(
            ErrorCode::NotAuthorizedException,
            format!("Unable to verify secret hash for client {}", client.id()),
        ))
    }

    /// A place for one password sign-in, held until it answers; with as many sign-ins in
    /// progress as the hasher can run and queue, `TooManyRequestsException` at once, before
    /// any store access or hashing (R12).
    pub(crate) fn admit_sign_in(&self) -> Result<Admission, ApiError> {
        self.hasher.admit().map_err(password_error)
    }

    /// `TooManyRequestsException` when every hashing permit is taken and the queue is full,
    /// checked before a sign-in touches the store, so refusals write nothing (R12). The
    /// gate is shared by all users, so the answer says nothing about any one of them (R6).
    pub(crate) fn refuse_if_hasher_saturated(&self) -> Result<(), ApiError> {
        if self.hasher.gate().is_saturated() {
            return Err(password_error(PasswordError::Busy));
        }
        Ok(())
    }

    /// Hashes a password on the blocking pool; a saturated hasher answers at once (R12).
    pub(crate) async fn hash_password(&self, password: &str) -> Result<String, ApiError> {
        if self.hasher.gate().is_saturated() {
            return Err(password_error(PasswordError::Busy));
        }
        let hasher = self.hasher.clone();
        let password = zeroizing(password);
        tokio::task::spawn_blocking(move || hasher.hash(password.as_bytes()))
            .await
            .map_err(|e| internal("password hashing task", e))?
            .map_err(password_error)
    }

    /// Verifies a password on the blocking pool. With no stored hash (unknown user,
    /// passwordless user) it spends the same time on a dummy hash and answers false (R6).
    /// A stored value no verifier reads (a damaged row, a format not imported, a planted
    /// cost) is a wrong password too, after the same dummy hash, so it neither fails the
    /// request nor answers faster than a real verification.
    pub(crate) async fn verify_password(
        &self,
        password: &str,
        phc: Option<&str>,
    ) -> Result<bool, ApiError> {
        if self.hasher.gate().is_saturated() {
            return Err(password_error(PasswordError::Busy));
        }
        let hasher = self.hasher.clone();
        let password = zeroizing(password);
        let phc = phc.map(str::to_owned);
        tokio::task::spawn_blocking(move || match phc {
            Some(phc) => match hasher.verify(password.as_bytes(), &phc) {
                Err(error @ (PasswordError::MalformedHash | PasswordError::UnsupportedHash)) => {
                    // The error names only the kind of problem, never the hash.
                    tracing::warn!(%error, "stored password hash not verifiable; treated as a wrong password");
                    hasher.dummy_verify(password.as_bytes()).map(|()| false)
                }
                other => other,
            },
            None => hasher.dummy_verify(password.as_bytes()).map(|()| false),
        })
        .await
        .map_err(|e| internal("password verification task", e))?
        .map_err(password_error)
    }

    /// After `password` verified against `user`'s stored hash: when that hash is imported
    /// or weaker than the current parameters, stores a fresh Argon2id hash of the same
    /// password (R11). Only the hash changes (status, expiry, history and dates stay: the
    /// password itself did not change), and only if the stored hash is still the one that
    /// verified, so a concurrent password change wins. Best effort: with every hashing
    /// permit busy it waits for the next sign-in, and a failure is logged, never answered.
    pub(crate) async fn upgrade_password_hash(&self, user: &UserRecord, password: &str) {
        let Some(old) = user.password_hash.as_deref() else {
            return;
        };
        if !self.hasher.needs_rehash(old) {
            return;
        }
        let hasher = self.hasher.clone();
        let password = zeroizing(password);
        let new = match tokio::task::spawn_blocking(move || hasher.try_hash(password.as_bytes()))
            .await
        {
            Ok(Ok(new)) => new,
            Ok(Err(PasswordError::Busy)) => return,
            Ok(Err(error)) => {
                tracing::warn!(pool_id = %user.pool_id, %error, "password hash upgrade failed");
                return;
            }
            Err(error) => {
                tracing::warn!(pool_id = %user.pool_id, %error, "password hash upgrade task failed");
                return;
            }
        };
        match self
            .store
            .replace_password_hash_if(&user.pool_id, &user.sub, old, &new)
            .await
        {
            Ok(true) => {
                tracing::debug!(pool_id = %user.pool_id, "password hash upgraded");
            }
            Ok(false) => {
                tracing::debug!(pool_id = %user.pool_id, "password changed meanwhile; hash upgrade skipped");
            }
            Err(error) => {
                tracing::warn!(pool_id = %user.pool_id, %error, "storing an upgraded password hash failed");
            }
        }
    }
}

fn zeroizing(text: &str) -> zeroize::Zeroizing<String> {
    zeroize::Zeroizing::new(text.to_owned())
}

fn password_error(error: PasswordError) -> ApiError {
    match error {
        PasswordError::Busy => ApiError::new(
            ErrorCode::TooManyRequestsException,
            "Too many requests; try again later.",
        ),
        other => internal("password hashing", other),
    }
}
