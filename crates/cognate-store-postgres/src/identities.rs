//! Identities, their logins, STS sessions and the identity-token key.

use async_trait::async_trait;
use cognate_store::{
    Constraint, IdentityRecord, IdentityStore, IdentityTokenKeyRecord, LoginKey, Page, PageRequest,
    StoreError, StsSessionRecord, decode_cursor, page_from_rows,
};
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use crate::PostgresStore;
use crate::codec::{fetch_for, json_col, one_row, to_json, value_col};
use crate::db::{read, transact};
use crate::error::col;
use crate::sql::{execute, query, query_opt};

const LISTING: &str = "identities";

fn identity_from_row(row: &Row) -> Result<IdentityRecord, StoreError> {
    Ok(IdentityRecord {
        id: col(row, 0)?,
        pool_id: col(row, 1)?,
        created_ms: col(row, 2)?,
        modified_ms: col(row, 3)?,
        logins: Vec::new(),
        merged_into: col(row, 4)?,
    })
}

async fn logins_of<C: GenericClient>(c: &C, id: &str) -> Result<Vec<LoginKey>, StoreError> {
    query(
        c,
        "SELECT provider, subject FROM identity_logins WHERE identity_id = $1
         ORDER BY provider, subject",
        &[&id],
    )
    .await?
    .iter()
    .map(|r| Ok(LoginKey::new(col::<String>(r, 0)?, col::<String>(r, 1)?)))
    .collect()
}

async fn get<C: GenericClient>(c: &C, id: &str) -> Result<Option<IdentityRecord>, StoreError> {
    let Some(row) = query_opt(
        c,
        "SELECT id, pool_id, created_ms, modified_ms, merged_into FROM identities WHERE id = $1",
        &[&id],
    )
    .await?
    else {
        return Ok(None);
    };
    let mut identity = identity_from_row(&row)?;
    identity.logins = logins_of(c, id).await?;
    Ok(Some(identity))
}

/// The identity's pool, locking the identity row for the rest of the transaction.
async fn pool_of<C: GenericClient>(c: &C, id: &str) -> Result<String, StoreError> {
    let row = query_opt(
        c,
        "SELECT pool_id FROM identities WHERE id = $1 FOR UPDATE",
        &[&id],
    )
    .await?
    .ok_or(StoreError::NotFound)?;
    col(&row, 0)
}

/// Inserts logins; a login of another identity is a conflict (the primary key, also when
/// a concurrent transaction wins), one already linked to this identity is skipped.
async fn insert_logins<C: GenericClient>(
    c: &C,
    pool_id: &str,
    id: &str,
    logins: &[LoginKey],
) -> Result<(), StoreError> {
    for login in logins {
        let owner = query_opt(
            c,
            "SELECT identity_id FROM identity_logins
             WHERE pool_id = $1 AND provider = $2 AND subject = $3",
            &[&pool_id, &login.provider, &login.subject],
        )
        .await?;
        if let Some(owner) = owner {
            let owner: String = col(&owner, 0)?;
            if owner == id {
                continue;
            }
            return Err(StoreError::Conflict(Constraint::IdentityLogin));
        }
        execute(
            c,
            "INSERT INTO identity_logins (pool_id, provider, subject, identity_id)
             VALUES ($1, $2, $3, $4)",
            &[&pool_id, &login.provider, &login.subject, &id],
        )
        .await?;
    }
    Ok(())
}

async fn touch<C: GenericClient>(c: &C, id: &str, now_ms: i64) -> Result<(), StoreError> {
    one_row(
        execute(
            c,
            "UPDATE identities SET modified_ms = $2 WHERE id = $1",
            &[&id, &now_ms],
        )
        .await?,
    )
}

fn session_from_row(row: &Row) -> Result<StsSessionRecord, StoreError> {
    Ok(StsSessionRecord {
        access_key_id: col(row, 0)?,
        sealed_secret: col(row, 1)?,
        session_token_hash: col(row, 2)?,
        identity_id: col(row, 3)?,
        identity_pool_id: col(row, 4)?,
        role_arn: col(row, 5)?,
        session_name: col(row, 6)?,
        amr: json_col(row, 7)?,
        principal_tags: json_col(row, 8)?,
        issued_ms: col(row, 9)?,
        expires_ms: col(row, 10)?,
    })
}

#[async_trait]
impl IdentityStore for PostgresStore {
    async fn create_identity(&self, i: &IdentityRecord) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            execute(
                &tx,
                "INSERT INTO identities (id, pool_id, created_ms, modified_ms, merged_into)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    &i.id,
                    &i.pool_id,
                    &i.created_ms,
                    &i.modified_ms,
                    &i.merged_into,
                ],
            )
            .await?;
            insert_logins(&tx, &i.pool_id, &i.id, &i.logins).await?;
        })
    }

    async fn get_identity(&self, id: &str) -> Result<Option<IdentityRecord>, StoreError> {
        // One transaction, so the identity and its logins are one snapshot.
        transact!(self.db, |tx| { get(&tx, id).await? })
    }

    async fn find_identity_by_login(
        &self,
        pool_id: &str,
        login: &LoginKey,
    ) -> Result<Option<IdentityRecord>, StoreError> {
        transact!(self.db, |tx| {
            let owner = query_opt(
                &tx,
                "SELECT identity_id FROM identity_logins
                 WHERE pool_id = $1 AND provider = $2 AND subject = $3",
                &[&pool_id, &login.provider, &login.subject],
            )
            .await?;
            match owner {
                Some(row) => {
                    let owner: String = col(&row, 0)?;
                    get(&tx, &owner).await?
                }
                None => None,
            }
        })
    }

    async fn link_logins(
        &self,
        id: &str,
        logins: &[LoginKey],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            let pool_id = pool_of(&tx, id).await?;
            insert_logins(&tx, &pool_id, id, logins).await?;
            touch(&tx, id, now_ms).await?;
        })
    }

    async fn unlink_logins(
        &self,
        id: &str,
        logins: &[LoginKey],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            pool_of(&tx, id).await?;
            for login in logins {
                execute(
                    &tx,
                    "DELETE FROM identity_logins
                     WHERE identity_id = $1 AND provider = $2 AND subject = $3",
                    &[&id, &login.provider, &login.subject],
                )
                .await?;
            }
            touch(&tx, id, now_ms).await?;
        })
    }

    async fn merge_identities(
        &self,
        source_id: &str,
        target_id: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            // Lock in id order, so two opposite merges cannot deadlock.
            let (first, second) = if source_id <= target_id {
                (source_id, target_id)
            } else {
                (target_id, source_id)
            };
            let first_pool = pool_of(&tx, first).await?;
            let second_pool = pool_of(&tx, second).await?;
            if first_pool != second_pool {
                return Err(StoreError::NotFound);
            }
            execute(
                &tx,
                "UPDATE identity_logins SET identity_id = $2 WHERE identity_id = $1",
                &[&source_id, &target_id],
            )
            .await?;
            execute(
                &tx,
                "UPDATE identities SET merged_into = $2, modified_ms = $3 WHERE id = $1",
                &[&source_id, &target_id, &now_ms],
            )
            .await?;
            touch(&tx, target_id, now_ms).await?;
        })
    }

    async fn list_identities(
        &self,
        pool_id: &str,
        hide_disabled: bool,
        page: &PageRequest,
    ) -> Result<Page<IdentityRecord>, StoreError> {
        let (created, after) = match page.cursor.as_deref() {
            Some(c) => decode_cursor::<(i64, String)>(LISTING, c)?,
            None => (i64::MIN, String::new()),
        };
        let fetch = fetch_for(page);
        let items = transact!(self.db, |tx| {
            let rows = query(
                &tx,
                "SELECT id, pool_id, created_ms, modified_ms, merged_into FROM identities
                 WHERE pool_id = $1 AND (created_ms, id) > ($2, $3)
                   AND (NOT $4 OR merged_into IS NULL)
                 ORDER BY created_ms, id LIMIT $5",
                &[&pool_id, &created, &after, &hide_disabled, &fetch],
            )
            .await?;
            let mut items = Vec::with_capacity(rows.len());
            for row in &rows {
                let mut identity = identity_from_row(row)?;
                identity.logins = logins_of(&tx, &identity.id).await?;
                items.push(identity);
            }
            items
        })?;
        page_from_rows(items, page, LISTING, |i| (i.created_ms, i.id.clone()))
    }

    async fn delete_identity(&self, id: &str) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            one_row(execute(&tx, "DELETE FROM identities WHERE id = $1", &[&id]).await?)?
        })
    }

    async fn put_sts_session(&self, s: &StsSessionRecord) -> Result<(), StoreError> {
        let amr = to_json(&s.amr)?;
        let tags = to_json(&s.principal_tags)?;
        transact!(self.db, |tx| {
            execute(
                &tx,
                "INSERT INTO sts_sessions (access_key_id, secret_sealed, session_token_hash,
                     identity_id, identity_pool_id, role_arn, session_name, amr,
                     principal_tags, issued_ms, expires_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                &[
                    &s.access_key_id,
                    &s.sealed_secret,
                    &s.session_token_hash,
                    &s.identity_id,
                    &s.identity_pool_id,
                    &s.role_arn,
                    &s.session_name,
                    &amr,
                    &tags,
                    &s.issued_ms,
                    &s.expires_ms,
                ],
            )
            .await?;
        })
    }

    async fn get_sts_session(
        &self,
        access_key_id: &str,
    ) -> Result<Option<StsSessionRecord>, StoreError> {
        read!(self.db, |client| {
            query_opt(
                &client,
                "SELECT access_key_id, secret_sealed, session_token_hash, identity_id,
                     identity_pool_id, role_arn, session_name, amr, principal_tags, issued_ms,
                     expires_ms
                 FROM sts_sessions WHERE access_key_id = $1",
                &[&access_key_id],
            )
            .await?
            .as_ref()
            .map(session_from_row)
            .transpose()?
        })
    }

    async fn identity_token_key(
        &self,
        c: &IdentityTokenKeyRecord,
    ) -> Result<IdentityTokenKeyRecord, StoreError> {
        let jwk = to_json(&c.public_jwk)?;
        transact!(self.db, |tx| {
            execute(
                &tx,
                "INSERT INTO identity_token_keys
                     (slot, kid, public_jwk, sealed_private_key, created_ms)
                 VALUES ('current', $1, $2, $3, $4) ON CONFLICT (slot) DO NOTHING",
                &[&c.kid, &jwk, &c.sealed_private_key, &c.created_ms],
            )
            .await?;
            let row = query_opt(
                &tx,
                "SELECT kid, public_jwk, sealed_private_key, created_ms
                 FROM identity_token_keys WHERE slot = 'current'",
                &[],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
            IdentityTokenKeyRecord {
                kid: col(&row, 0)?,
                public_jwk: value_col(&row, 1)?,
                sealed_private_key: col(&row, 2)?,
                created_ms: col(&row, 3)?,
            }
        })
    }
}
