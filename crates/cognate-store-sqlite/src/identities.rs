//! Identities, their logins, STS sessions and the identity-token key.

use async_trait::async_trait;
use cognate_store::{
    Constraint, IdentityRecord, IdentityStore, IdentityTokenKeyRecord, LoginKey, Page, PageRequest,
    StoreError, StsSessionRecord, decode_cursor, page_from_rows,
};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::SqliteStore;
use crate::codec::{json_col, one_row, to_json, value_col};
use crate::error::map_err;

const LISTING: &str = "identities";
const COLUMNS: &str = "id, pool_id, created_ms, modified_ms, merged_into";

fn identity_from_row(row: &Row<'_>) -> rusqlite::Result<IdentityRecord> {
    Ok(IdentityRecord {
        id: row.get(0)?,
        pool_id: row.get(1)?,
        created_ms: row.get(2)?,
        modified_ms: row.get(3)?,
        logins: Vec::new(),
        merged_into: row.get(4)?,
    })
}

fn logins_of(conn: &Connection, id: &str) -> Result<Vec<LoginKey>, StoreError> {
    conn.prepare_cached(
        "SELECT provider, subject FROM identity_logins WHERE identity_id = ?1
         ORDER BY provider, subject",
    )
    .and_then(|mut st| {
        st.query_map([id], |r| {
            Ok(LoginKey::new(
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
            ))
        })?
        .collect()
    })
    .map_err(map_err)
}

fn with_logins(
    conn: &Connection,
    identity: Option<IdentityRecord>,
) -> Result<Option<IdentityRecord>, StoreError> {
    identity
        .map(|mut identity| {
            identity.logins = logins_of(conn, &identity.id)?;
            Ok(identity)
        })
        .transpose()
}

fn get(conn: &Connection, id: &str) -> Result<Option<IdentityRecord>, StoreError> {
    let identity = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM identities WHERE id = ?1"))
        .and_then(|mut st| st.query_row([id], identity_from_row).optional())
        .map_err(map_err)?;
    with_logins(conn, identity)
}

/// Inserts logins for an identity of `pool_id`; a login of another identity is a conflict
/// (the primary key), one already linked to this identity is skipped.
fn insert_logins(
    conn: &Connection,
    pool_id: &str,
    id: &str,
    logins: &[LoginKey],
) -> Result<(), StoreError> {
    for login in logins {
        let owner: Option<String> = conn
            .prepare_cached(
                "SELECT identity_id FROM identity_logins
                 WHERE pool_id = ?1 AND provider = ?2 AND subject = ?3",
            )
            .and_then(|mut st| {
                st.query_row(params![pool_id, login.provider, login.subject], |r| {
                    r.get(0)
                })
                .optional()
            })
            .map_err(map_err)?;
        match owner {
            Some(owner) if owner == id => continue,
            Some(_) => return Err(StoreError::Conflict(Constraint::IdentityLogin)),
            None => {}
        }
        conn.prepare_cached(
            "INSERT INTO identity_logins (pool_id, provider, subject, identity_id)
             VALUES (?1, ?2, ?3, ?4)",
        )
        .and_then(|mut st| st.execute(params![pool_id, login.provider, login.subject, id]))
        .map_err(map_err)?;
    }
    Ok(())
}

fn pool_of(conn: &Connection, id: &str) -> Result<String, StoreError> {
    conn.prepare_cached("SELECT pool_id FROM identities WHERE id = ?1")
        .and_then(|mut st| st.query_row([id], |r| r.get(0)).optional())
        .map_err(map_err)?
        .ok_or(StoreError::NotFound)
}

fn touch(conn: &Connection, id: &str, now_ms: i64) -> Result<(), StoreError> {
    let changed = conn
        .prepare_cached("UPDATE identities SET modified_ms = ?2 WHERE id = ?1")
        .and_then(|mut st| st.execute(params![id, now_ms]))
        .map_err(map_err)?;
    one_row(changed)
}

fn session_from_row(row: &Row<'_>) -> rusqlite::Result<StsSessionRecord> {
    Ok(StsSessionRecord {
        access_key_id: row.get(0)?,
        sealed_secret: row.get(1)?,
        session_token_hash: row.get(2)?,
        identity_id: row.get(3)?,
        identity_pool_id: row.get(4)?,
        role_arn: row.get(5)?,
        session_name: row.get(6)?,
        amr: json_col(row, 7)?,
        principal_tags: json_col(row, 8)?,
        issued_ms: row.get(9)?,
        expires_ms: row.get(10)?,
    })
}

#[async_trait]
impl IdentityStore for SqliteStore {
    async fn create_identity(&self, identity: &IdentityRecord) -> Result<(), StoreError> {
        let i = identity.clone();
        self.db
            .write(move |tx| {
                tx.prepare_cached(&format!(
                    "INSERT INTO identities ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)"
                ))
                .and_then(|mut st| {
                    st.execute(params![
                        i.id,
                        i.pool_id,
                        i.created_ms,
                        i.modified_ms,
                        i.merged_into
                    ])
                })
                .map_err(map_err)?;
                insert_logins(tx, &i.pool_id, &i.id, &i.logins)
            })
            .await
    }

    async fn get_identity(&self, id: &str) -> Result<Option<IdentityRecord>, StoreError> {
        let id = id.to_owned();
        self.db.read(move |tx| get(tx, &id)).await
    }

    async fn find_identity_by_login(
        &self,
        pool_id: &str,
        login: &LoginKey,
    ) -> Result<Option<IdentityRecord>, StoreError> {
        let (pool_id, login) = (pool_id.to_owned(), login.clone());
        self.db
            .read(move |tx| {
                let owner: Option<String> = tx
                    .prepare_cached(
                        "SELECT identity_id FROM identity_logins
                         WHERE pool_id = ?1 AND provider = ?2 AND subject = ?3",
                    )
                    .and_then(|mut st| {
                        st.query_row(params![pool_id, login.provider, login.subject], |r| {
                            r.get(0)
                        })
                        .optional()
                    })
                    .map_err(map_err)?;
                match owner {
                    Some(owner) => get(tx, &owner),
                    None => Ok(None),
                }
            })
            .await
    }

    async fn link_logins(
        &self,
        id: &str,
        logins: &[LoginKey],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let (id, logins) = (id.to_owned(), logins.to_vec());
        self.db
            .write(move |tx| {
                let pool_id = pool_of(tx, &id)?;
                insert_logins(tx, &pool_id, &id, &logins)?;
                touch(tx, &id, now_ms)
            })
            .await
    }

    async fn unlink_logins(
        &self,
        id: &str,
        logins: &[LoginKey],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let (id, logins) = (id.to_owned(), logins.to_vec());
        self.db
            .write(move |tx| {
                pool_of(tx, &id)?;
                for login in &logins {
                    tx.prepare_cached(
                        "DELETE FROM identity_logins
                         WHERE identity_id = ?1 AND provider = ?2 AND subject = ?3",
                    )
                    .and_then(|mut st| st.execute(params![id, login.provider, login.subject]))
                    .map_err(map_err)?;
                }
                touch(tx, &id, now_ms)
            })
            .await
    }

    async fn merge_identities(
        &self,
        source_id: &str,
        target_id: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let (source, target) = (source_id.to_owned(), target_id.to_owned());
        self.db
            .write(move |tx| {
                if pool_of(tx, &source)? != pool_of(tx, &target)? {
                    return Err(StoreError::NotFound);
                }
                tx.prepare_cached(
                    "UPDATE identity_logins SET identity_id = ?2 WHERE identity_id = ?1",
                )
                .and_then(|mut st| st.execute(params![source, target]))
                .map_err(map_err)?;
                tx.prepare_cached(
                    "UPDATE identities SET merged_into = ?2, modified_ms = ?3 WHERE id = ?1",
                )
                .and_then(|mut st| st.execute(params![source, target, now_ms]))
                .map_err(map_err)?;
                touch(tx, &target, now_ms)
            })
            .await
    }

    async fn list_identities(
        &self,
        pool_id: &str,
        hide_disabled: bool,
        page: &PageRequest,
    ) -> Result<Page<IdentityRecord>, StoreError> {
        let page = page.clone();
        let pool_id = pool_id.to_owned();
        let (created, after) = match page.cursor.as_deref() {
            Some(c) => decode_cursor::<(i64, String)>(LISTING, c)?,
            None => (i64::MIN, String::new()),
        };
        let fetch = i64::from(page.effective_limit()) + 1;
        self.db
            .read(move |tx| {
                let rows: Vec<IdentityRecord> = tx
                    .prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM identities
                         WHERE pool_id = ?1 AND (created_ms, id) > (?2, ?3)
                           AND (?4 = 0 OR merged_into IS NULL)
                         ORDER BY created_ms, id LIMIT ?5"
                    ))
                    .and_then(|mut st| {
                        st.query_map(
                            params![pool_id, created, after, hide_disabled, fetch],
                            identity_from_row,
                        )?
                        .collect()
                    })
                    .map_err(map_err)?;
                let rows = rows
                    .into_iter()
                    .map(|i| with_logins(tx, Some(i)))
                    .filter_map(Result::transpose)
                    .collect::<Result<Vec<_>, _>>()?;
                page_from_rows(rows, &page, LISTING, |i: &IdentityRecord| {
                    (i.created_ms, i.id.clone())
                })
            })
            .await
    }

    async fn delete_identity(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.db
            .write(move |tx| {
                let changed = tx
                    .prepare_cached("DELETE FROM identities WHERE id = ?1")
                    .and_then(|mut st| st.execute([id]))
                    .map_err(map_err)?;
                one_row(changed)
            })
            .await
    }

    async fn put_sts_session(&self, session: &StsSessionRecord) -> Result<(), StoreError> {
        let s = session.clone();
        let amr = to_json(&s.amr)?;
        let tags = to_json(&s.principal_tags)?;
        self.db
            .write(move |tx| {
                tx.prepare_cached(
                    "INSERT INTO sts_sessions (access_key_id, secret_sealed, session_token_hash,
                         identity_id, identity_pool_id, role_arn, session_name, amr,
                         principal_tags, issued_ms, expires_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )
                .and_then(|mut st| {
                    st.execute(params![
                        s.access_key_id,
                        s.sealed_secret,
                        s.session_token_hash,
                        s.identity_id,
                        s.identity_pool_id,
                        s.role_arn,
                        s.session_name,
                        amr,
                        tags,
                        s.issued_ms,
                        s.expires_ms
                    ])
                })
                .map_err(map_err)?;
                Ok(())
            })
            .await
    }

    async fn get_sts_session(
        &self,
        access_key_id: &str,
    ) -> Result<Option<StsSessionRecord>, StoreError> {
        let key = access_key_id.to_owned();
        self.db
            .read(move |tx| {
                tx.prepare_cached(
                    "SELECT access_key_id, secret_sealed, session_token_hash, identity_id,
                         identity_pool_id, role_arn, session_name, amr, principal_tags, issued_ms,
                         expires_ms
                     FROM sts_sessions WHERE access_key_id = ?1",
                )
                .and_then(|mut st| st.query_row([key], session_from_row).optional())
                .map_err(map_err)
            })
            .await
    }

    async fn identity_token_key(
        &self,
        candidate: &IdentityTokenKeyRecord,
    ) -> Result<IdentityTokenKeyRecord, StoreError> {
        let c = candidate.clone();
        let jwk = to_json(&c.public_jwk)?;
        self.db
            .write(move |tx| {
                tx.prepare_cached(
                    "INSERT INTO identity_token_keys
                         (slot, kid, public_jwk, sealed_private_key, created_ms)
                     VALUES ('current', ?1, ?2, ?3, ?4) ON CONFLICT (slot) DO NOTHING",
                )
                .and_then(|mut st| {
                    st.execute(params![c.kid, jwk, c.sealed_private_key, c.created_ms])
                })
                .map_err(map_err)?;
                tx.prepare_cached(
                    "SELECT kid, public_jwk, sealed_private_key, created_ms
                     FROM identity_token_keys WHERE slot = 'current'",
                )
                .and_then(|mut st| {
                    st.query_row([], |r| {
                        Ok(IdentityTokenKeyRecord {
                            kid: r.get(0)?,
                            public_jwk: value_col(r, 1)?,
                            sealed_private_key: r.get(2)?,
                            created_ms: r.get(3)?,
                        })
                    })
                })
                .map_err(map_err)
            })
            .await
    }
}
