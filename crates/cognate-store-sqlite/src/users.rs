//! Users, their attributes and aliases, ListUsers, group membership.

use std::collections::HashMap;

use async_trait::async_trait;
use cognate_store::{
    AliasChange, AliasClaim, FilterPlan, GroupRecord, KeyRange, Page, PageRequest, StoreError,
    UserFilter, UserRecord, UserStore, alias_index, alias_slots, attribute_search_key,
    check_attributes, decode_cursor, page_from_rows, prefix_upper_bound, user_counter_prefix,
};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, Row, params, params_from_iter};

use crate::SqliteStore;
use crate::codec::{count, json_col, one_row, to_json};
use crate::error::map_err;
use crate::groups::{GROUP_COLUMNS_G, group_from_row};

const USER_COLUMNS: &str = "pool_id, sub, username, username_key, status, enabled, \
    password_hash, password_expires_ms, created_ms, modified_ms, tokens_revoked_before_ms, extra, \
    srp_verifier_sealed";
/// The same columns qualified for joins.
const U_COLUMNS: &str = "u.pool_id, u.sub, u.username, u.username_key, u.status, u.enabled, \
    u.password_hash, u.password_expires_ms, u.created_ms, u.modified_ms, \
    u.tokens_revoked_before_ms, u.extra, u.srp_verifier_sealed";

/// Alias columns in `alias_kind::ALL` order.
const ALIAS_COLUMNS: [&str; 3] = [
    "alias_email",
    "alias_phone_number",
    "alias_preferred_username",
];

const USER_GROUPS_LISTING: &str = "user_groups";
const GROUP_USERS_LISTING: &str = "group_users";

/// A user row without its attributes (loaded by a second query).
fn user_from_row(row: &Row<'_>) -> rusqlite::Result<UserRecord> {
    Ok(UserRecord {
        pool_id: row.get(0)?,
        sub: row.get(1)?,
        username: row.get(2)?,
        username_key: row.get(3)?,
        status: row.get(4)?,
        enabled: row.get(5)?,
        password_hash: row.get(6)?,
        password_expires_ms: row.get(7)?,
        attributes: Vec::new(),
        created_ms: row.get(8)?,
        modified_ms: row.get(9)?,
        tokens_revoked_before_ms: row.get(10)?,
        extra: json_col(row, 11)?,
        srp_verifier_sealed: row.get(12)?,
    })
}

/// Fills in the attributes of `users` (all of one pool) with one query,
/// whatever their number.
fn load_attributes(conn: &Connection, users: &mut [UserRecord]) -> Result<(), StoreError> {
    let Some(first) = users.first() else {
        return Ok(());
    };
    let pool_id = first.pool_id.clone();
    if let [user] = users {
        user.attributes = conn
            .prepare_cached(
                "SELECT name, value FROM user_attributes
                 WHERE pool_id = ?1 AND sub = ?2 ORDER BY name",
            )
            .and_then(|mut st| {
                st.query_map(params![pool_id, user.sub], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect()
            })
            .map_err(map_err)?;
        return Ok(());
    }
    let subs = to_json(&users.iter().map(|u| &u.sub).collect::<Vec<_>>())?;
    let by_sub: HashMap<String, usize> = users
        .iter()
        .enumerate()
        .map(|(i, u)| (u.sub.clone(), i))
        .collect();
    let rows: Vec<(String, String, String)> = conn
        .prepare_cached(
            "SELECT sub, name, value FROM user_attributes
             WHERE pool_id = ?1 AND sub IN (SELECT value FROM json_each(?2))
             ORDER BY sub, name",
        )
        .and_then(|mut st| {
            st.query_map(params![pool_id, subs], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect()
        })
        .map_err(map_err)?;
    for (sub, name, value) in rows {
        if let Some(&i) = by_sub.get(&sub) {
            users[i].attributes.push((name, value));
        }
    }
    Ok(())
}

/// The user `sub` of the pool, or `None`.
pub(crate) fn user_by_sub(
    conn: &Connection,
    pool_id: &str,
    sub: &str,
) -> Result<Option<UserRecord>, StoreError> {
    let args = [
        SqlValue::Text(pool_id.to_owned()),
        SqlValue::Text(sub.to_owned()),
    ];
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE pool_id = ?1 AND sub = ?2");
    Ok(query_users(conn, &sql, &args)?.pop())
}

fn query_users(
    conn: &Connection,
    sql: &str,
    params: &[SqlValue],
) -> Result<Vec<UserRecord>, StoreError> {
    let mut users: Vec<UserRecord> = conn
        .prepare_cached(sql)
        .and_then(|mut st| {
            st.query_map(params_from_iter(params), user_from_row)?
                .collect()
        })
        .map_err(map_err)?;
    load_attributes(conn, &mut users)?;
    Ok(users)
}

fn insert_attributes(
    conn: &Connection,
    pool_id: &str,
    sub: &str,
    attributes: &[(&String, &String)],
) -> Result<(), StoreError> {
    if attributes.is_empty() {
        return Ok(());
    }
    let mut st = conn
        .prepare_cached(
            "INSERT INTO user_attributes (pool_id, sub, name, value, search_key)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (pool_id, sub, name)
             DO UPDATE SET value = excluded.value, search_key = excluded.search_key",
        )
        .map_err(map_err)?;
    for (name, value) in attributes {
        st.execute(params![
            pool_id,
            sub,
            name,
            value,
            attribute_search_key(name, value)
        ])
        .map_err(map_err)?;
    }
    Ok(())
}

/// Frees `value_key` of alias `kind` from whichever other user holds it
/// (ForceAliasCreation).
fn take_alias(
    conn: &Connection,
    pool_id: &str,
    sub: &str,
    kind_index: usize,
    value_key: &str,
) -> Result<(), StoreError> {
    let column = ALIAS_COLUMNS[kind_index];
    conn.prepare_cached(&format!(
        "UPDATE users SET {column} = NULL
         WHERE pool_id = ?1 AND {column} = ?2 AND sub <> ?3"
    ))
    .and_then(|mut st| st.execute(params![pool_id, value_key, sub]))
    .map_err(map_err)?;
    Ok(())
}

/// Where a listing's rows are: equal to one key, or in a key range.
enum Bound {
    Exact(SqlValue),
    /// `>= lo` (if any) and `< hi` (if any).
    Range(Option<SqlValue>, Option<SqlValue>),
}

impl Bound {
    fn of(range: &KeyRange) -> Self {
        if range.exact {
            Self::Exact(SqlValue::Text(range.lo.clone()))
        } else {
            Self::Range(
                Some(SqlValue::Text(range.lo.clone())),
                range.hi.clone().map(SqlValue::Text),
            )
        }
    }
}

/// The SQL and arguments of one ListUsers page. Every variant reads one
/// index in order, and a cursor becomes the seek position (not a filter
/// over rows already passed), so deep pages cost what the first does. The
/// statement text depends only on the shape of the filter, so the statement
/// cache keeps a handful of them.
fn list_users_sql(
    pool_id: &str,
    plan: &FilterPlan,
    after: Option<&(String, String)>,
    fetch: i64,
) -> (String, Vec<SqlValue>) {
    let mut args = vec![SqlValue::Text(pool_id.to_owned())];
    let users = format!("SELECT {USER_COLUMNS} FROM users WHERE pool_id = ?1");
    // (statement head, ordered key, tie-breaker for a key that is not unique, bound)
    let (mut sql, key, tie, bound) = match plan {
        FilterPlan::All => (users, "username_key", None, Bound::Range(None, None)),
        FilterPlan::UsernameKey(range) => (users, "username_key", None, Bound::of(range)),
        FilterPlan::Sub(range) => (users, "sub", None, Bound::of(range)),
        FilterPlan::Enabled { disabled, enabled } => {
            // [lo, hi) over 0 (disabled) and 1 (enabled); callers return early
            // when neither flag matches.
            let lo = i64::from(!disabled);
            let hi = i64::from(*enabled) + 1;
            let bound = Bound::Range(Some(SqlValue::Integer(lo)), Some(SqlValue::Integer(hi)));
            (users, "enabled", Some("sub"), bound)
        }
        FilterPlan::UserStatus(range) => (users, "status", Some("sub"), Bound::of(range)),
        FilterPlan::Attribute { name, range } => {
            // CROSS JOIN pins the attribute index as the outer loop: the
            // filter and the order both come from it, whatever the planner's
            // statistics say.
            args.push(SqlValue::Text(name.clone()));
            let head = format!(
                "SELECT {U_COLUMNS} FROM user_attributes a
                 CROSS JOIN users u ON u.pool_id = a.pool_id AND u.sub = a.sub
                 WHERE a.pool_id = ?1 AND a.name = ?2"
            );
            (head, "a.search_key", Some("a.sub"), Bound::of(range))
        }
    };
    let after = after.map(|(k, sub)| {
        let k = match plan {
            FilterPlan::Enabled { .. } => SqlValue::Integer(i64::from(k == "1")),
            _ => SqlValue::Text(k.clone()),
        };
        (k, SqlValue::Text(sub.clone()))
    });
    let mut arg = |v: SqlValue| {
        args.push(v);
        format!("?{}", args.len())
    };
    match bound {
        Bound::Exact(v) => {
            sql.push_str(&format!(" AND {key} = {}", arg(v)));
            if let Some((k, sub)) = after {
                match tie {
                    Some(tie) => sql.push_str(&format!(" AND {tie} > {}", arg(sub))),
                    None => sql.push_str(&format!(" AND {key} > {}", arg(k))),
                }
            }
        }
        Bound::Range(lo, hi) => {
            // The cursor is past `lo`, so it replaces it as the lower bound.
            match (after, tie) {
                (Some((k, sub)), Some(tie)) => {
                    let (k, sub) = (arg(k), arg(sub));
                    sql.push_str(&format!(" AND ({key}, {tie}) > ({k}, {sub})"));
                }
                (Some((k, _)), None) => sql.push_str(&format!(" AND {key} > {}", arg(k))),
                (None, _) => {
                    if let Some(lo) = lo {
                        sql.push_str(&format!(" AND {key} >= {}", arg(lo)));
                    }
                }
            }
            if let Some(hi) = hi {
                sql.push_str(&format!(" AND {key} < {}", arg(hi)));
            }
        }
    }
    let order = match tie {
        Some(tie) => format!("{key}, {tie}"),
        None => key.to_owned(),
    };
    let limit = arg(SqlValue::Integer(fetch));
    sql.push_str(&format!(" ORDER BY {order} LIMIT {limit}"));
    (sql, args)
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn create_user(
        &self,
        user: &UserRecord,
        aliases: &[AliasClaim],
        take_over: bool,
    ) -> Result<(), StoreError> {
        check_attributes(user)?;
        let slots: Vec<Option<String>> = alias_slots(aliases)?
            .iter()
            .map(|s| s.map(str::to_owned))
            .collect();
        let u = user.clone();
        let extra = to_json(&u.extra)?;
        self.db
            .write(move |tx| {
                if take_over {
                    for (i, slot) in slots.iter().enumerate() {
                        if let Some(value) = slot {
                            take_alias(tx, &u.pool_id, &u.sub, i, value)?;
                        }
                    }
                }
                tx.prepare_cached(&format!(
                    "INSERT INTO users ({USER_COLUMNS}, alias_email, alias_phone_number,
                         alias_preferred_username)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
                ))
                .and_then(|mut st| {
                    st.execute(params![
                        u.pool_id,
                        u.sub,
                        u.username,
                        u.username_key,
                        u.status,
                        u.enabled,
                        u.password_hash,
                        u.password_expires_ms,
                        u.created_ms,
                        u.modified_ms,
                        u.tokens_revoked_before_ms,
                        extra,
                        u.srp_verifier_sealed,
                        slots[0],
                        slots[1],
                        slots[2]
                    ])
                })
                .map_err(map_err)?;
                let attributes: Vec<_> = u.attributes.iter().map(|(n, v)| (n, v)).collect();
                insert_attributes(tx, &u.pool_id, &u.sub, &attributes)
            })
            .await
    }

    async fn get_user(
        &self,
        pool_id: &str,
        username_key: &str,
    ) -> Result<Option<UserRecord>, StoreError> {
        let args = vec![
            SqlValue::Text(pool_id.to_owned()),
            SqlValue::Text(username_key.to_owned()),
        ];
        self.db
            .read(move |tx| {
                let sql = format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE pool_id = ?1 AND username_key = ?2"
                );
                Ok(query_users(tx, &sql, &args)?.pop())
            })
            .await
    }

    async fn get_user_by_sub(
        &self,
        pool_id: &str,
        sub: &str,
    ) -> Result<Option<UserRecord>, StoreError> {
        let (pool_id, sub) = (pool_id.to_owned(), sub.to_owned());
        self.db
            .read(move |tx| user_by_sub(tx, &pool_id, &sub))
            .await
    }

    async fn find_user_by_alias(
        &self,
        pool_id: &str,
        kind: &str,
        value_key: &str,
    ) -> Result<Option<UserRecord>, StoreError> {
        let column = ALIAS_COLUMNS[alias_index(kind)?];
        let args = vec![
            SqlValue::Text(pool_id.to_owned()),
            SqlValue::Text(value_key.to_owned()),
        ];
        self.db
            .read(move |tx| {
                let sql = format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE pool_id = ?1 AND {column} = ?2"
                );
                Ok(query_users(tx, &sql, &args)?.pop())
            })
            .await
    }

    async fn update_user(
        &self,
        user: &UserRecord,
        aliases: &AliasChange,
    ) -> Result<(), StoreError> {
        check_attributes(user)?;
        let claims: Vec<Option<String>> = alias_slots(&aliases.claim)?
            .iter()
            .map(|s| s.map(str::to_owned))
            .collect();
        let releases = aliases
            .release
            .iter()
            .map(|kind| alias_index(kind))
            .collect::<Result<Vec<_>, _>>()?;
        let take_over = aliases.take_over;
        let u = user.clone();
        let extra = to_json(&u.extra)?;
        self.db
            .write(move |tx| {
                let changed = tx
                    .prepare_cached(
                        "UPDATE users SET status = ?3, enabled = ?4, password_hash = ?5,
                             password_expires_ms = ?6, modified_ms = ?7,
                             tokens_revoked_before_ms = max(tokens_revoked_before_ms, ?8),
                             extra = ?9, srp_verifier_sealed = ?10
                         WHERE pool_id = ?1 AND sub = ?2",
                    )
                    .and_then(|mut st| {
                        st.execute(params![
                            u.pool_id,
                            u.sub,
                            u.status,
                            u.enabled,
                            u.password_hash,
                            u.password_expires_ms,
                            u.modified_ms,
                            u.tokens_revoked_before_ms,
                            extra,
                            u.srp_verifier_sealed
                        ])
                    })
                    .map_err(map_err)?;
                one_row(changed)?;

                // Releases first, so a release and a claim of one kind leave the claim.
                for &i in &releases {
                    let column = ALIAS_COLUMNS[i];
                    tx.prepare_cached(&format!(
                        "UPDATE users SET {column} = NULL WHERE pool_id = ?1 AND sub = ?2"
                    ))
                    .and_then(|mut st| st.execute(params![u.pool_id, u.sub]))
                    .map_err(map_err)?;
                }
                for (i, claim) in claims.iter().enumerate() {
                    let Some(value) = claim else { continue };
                    if take_over {
                        take_alias(tx, &u.pool_id, &u.sub, i, value)?;
                    }
                    let column = ALIAS_COLUMNS[i];
                    tx.prepare_cached(&format!(
                        "UPDATE users SET {column} = ?3 WHERE pool_id = ?1 AND sub = ?2"
                    ))
                    .and_then(|mut st| st.execute(params![u.pool_id, u.sub, value]))
                    .map_err(map_err)?;
                }

                // Write only what changed: most updates touch one or two attributes.
                let current: HashMap<String, String> = tx
                    .prepare_cached(
                        "SELECT name, value FROM user_attributes WHERE pool_id = ?1 AND sub = ?2",
                    )
                    .and_then(|mut st| {
                        st.query_map(params![u.pool_id, u.sub], |r| Ok((r.get(0)?, r.get(1)?)))?
                            .collect()
                    })
                    .map_err(map_err)?;
                let wanted: HashMap<&String, &String> =
                    u.attributes.iter().map(|(n, v)| (n, v)).collect();
                let mut delete = tx
                    .prepare_cached(
                        "DELETE FROM user_attributes WHERE pool_id = ?1 AND sub = ?2 AND name = ?3",
                    )
                    .map_err(map_err)?;
                for name in current.keys().filter(|n| !wanted.contains_key(n)) {
                    delete
                        .execute(params![u.pool_id, u.sub, name])
                        .map_err(map_err)?;
                }
                let changed: Vec<(&String, &String)> = wanted
                    .into_iter()
                    .filter(|(n, v)| current.get(*n) != Some(*v))
                    .collect();
                insert_attributes(tx, &u.pool_id, &u.sub, &changed)
            })
            .await
    }

    async fn set_srp_verifier_if(
        &self,
        pool_id: &str,
        sub: &str,
        password_hash: &str,
        sealed: &[u8],
    ) -> Result<bool, StoreError> {
        let (pool_id, sub) = (pool_id.to_owned(), sub.to_owned());
        let (password_hash, sealed) = (password_hash.to_owned(), sealed.to_vec());
        self.db
            .write(move |tx| {
                let changed = tx
                    .prepare_cached(
                        "UPDATE users SET srp_verifier_sealed = ?4
                         WHERE pool_id = ?1 AND sub = ?2 AND password_hash = ?3
                           AND srp_verifier_sealed IS NULL",
                    )
                    .and_then(|mut st| st.execute(params![pool_id, sub, password_hash, sealed]))
                    .map_err(map_err)?;
                if changed > 0 {
                    return Ok(true);
                }
                let exists: bool = tx
                    .prepare_cached(
                        "SELECT EXISTS(SELECT 1 FROM users WHERE pool_id = ?1 AND sub = ?2)",
                    )
                    .and_then(|mut st| st.query_row(params![pool_id, sub], |r| r.get(0)))
                    .map_err(map_err)?;
                if exists {
                    Ok(false)
                } else {
                    Err(StoreError::NotFound)
                }
            })
            .await
    }

    async fn replace_password_hash_if(
        &self,
        pool_id: &str,
        sub: &str,
        old_hash: &str,
        new_hash: &str,
    ) -> Result<bool, StoreError> {
        let (pool_id, sub) = (pool_id.to_owned(), sub.to_owned());
        let (old_hash, new_hash) = (old_hash.to_owned(), new_hash.to_owned());
        self.db
            .write(move |tx| {
                let changed = tx
                    .prepare_cached(
                        "UPDATE users SET password_hash = ?4
                         WHERE pool_id = ?1 AND sub = ?2 AND password_hash = ?3",
                    )
                    .and_then(|mut st| st.execute(params![pool_id, sub, old_hash, new_hash]))
                    .map_err(map_err)?;
                if changed > 0 {
                    return Ok(true);
                }
                let exists: bool = tx
                    .prepare_cached(
                        "SELECT EXISTS(SELECT 1 FROM users WHERE pool_id = ?1 AND sub = ?2)",
                    )
                    .and_then(|mut st| st.query_row(params![pool_id, sub], |r| r.get(0)))
                    .map_err(map_err)?;
                if exists {
                    Ok(false)
                } else {
                    Err(StoreError::NotFound)
                }
            })
            .await
    }

    async fn delete_user(&self, pool_id: &str, sub: &str) -> Result<(), StoreError> {
        let (pool_id, sub) = (pool_id.to_owned(), sub.to_owned());
        self.db
            .write(move |tx| {
                // Attributes, memberships, codes and tokens go by ON DELETE
                // CASCADE; counters are keyed by name, so they go by key range.
                let changed = tx
                    .prepare_cached("DELETE FROM users WHERE pool_id = ?1 AND sub = ?2")
                    .and_then(|mut st| st.execute(params![pool_id, sub]))
                    .map_err(map_err)?;
                one_row(changed)?;
                delete_counters_under(tx, &user_counter_prefix(&pool_id, &sub))
            })
            .await
    }

    async fn list_users(
        &self,
        pool_id: &str,
        filter: Option<&UserFilter>,
        page: &PageRequest,
    ) -> Result<Page<UserRecord>, StoreError> {
        let plan = FilterPlan::new(filter)?;
        let listing = plan.listing();
        let after: Option<(String, String)> = page
            .cursor
            .as_deref()
            .map(|c| decode_cursor(&listing, c))
            .transpose()?;
        if let FilterPlan::Enabled {
            disabled: false,
            enabled: false,
        } = plan
        {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        }
        let fetch = i64::from(page.effective_limit()) + 1;
        let (sql, args) = list_users_sql(pool_id, &plan, after.as_ref(), fetch);
        let page = page.clone();
        self.db
            .read(move |tx| {
                let users = query_users(tx, &sql, &args)?;
                page_from_rows(users, &page, &listing, |u| plan.sort_key(u))
            })
            .await
    }

    async fn count_users(&self, pool_id: &str) -> Result<u64, StoreError> {
        let pool_id = pool_id.to_owned();
        self.db
            .read(move |tx| {
                let n = tx
                    .prepare_cached("SELECT count(*) FROM users WHERE pool_id = ?1")
                    .and_then(|mut st| st.query_row([pool_id], |r| r.get(0)))
                    .map_err(map_err)?;
                count(n)
            })
            .await
    }

    async fn add_user_to_group(
        &self,
        pool_id: &str,
        sub: &str,
        group: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let (pool_id, sub, group) = (pool_id.to_owned(), sub.to_owned(), group.to_owned());
        self.db
            .write(move |tx| {
                // A missing user or group fails the foreign key: NotFound.
                tx.prepare_cached(
                    "INSERT INTO group_members (pool_id, group_name, sub, added_ms)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (pool_id, group_name, sub) DO NOTHING",
                )
                .and_then(|mut st| st.execute(params![pool_id, group, sub, now_ms]))
                .map_err(map_err)?;
                Ok(())
            })
            .await
    }

    async fn remove_user_from_group(
        &self,
        pool_id: &str,
        sub: &str,
        group: &str,
    ) -> Result<(), StoreError> {
        let (pool_id, sub, group) = (pool_id.to_owned(), sub.to_owned(), group.to_owned());
        self.db
            .write(move |tx| {
                let changed = tx
                    .prepare_cached(
                        "DELETE FROM group_members
                         WHERE pool_id = ?1 AND group_name = ?2 AND sub = ?3",
                    )
                    .and_then(|mut st| st.execute(params![pool_id, group, sub]))
                    .map_err(map_err)?;
                one_row(changed)
            })
            .await
    }

    async fn groups_for_user(
        &self,
        pool_id: &str,
        sub: &str,
        page: &PageRequest,
    ) -> Result<Page<GroupRecord>, StoreError> {
        let (pool_id, sub) = (pool_id.to_owned(), sub.to_owned());
        let page = page.clone();
        let after: Option<String> = page
            .cursor
            .as_deref()
            .map(|c| decode_cursor(USER_GROUPS_LISTING, c))
            .transpose()?;
        let fetch = i64::from(page.effective_limit()) + 1;
        self.db
            .read(move |tx| {
                let rows = tx
                    .prepare_cached(&format!(
                        "SELECT {GROUP_COLUMNS_G} FROM group_members m
                         CROSS JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name
                         WHERE m.pool_id = ?1 AND m.sub = ?2 AND m.group_name > ?3
                         ORDER BY m.group_name LIMIT ?4"
                    ))
                    .and_then(|mut st| {
                        st.query_map(
                            params![pool_id, sub, after.unwrap_or_default(), fetch],
                            group_from_row,
                        )?
                        .collect()
                    })
                    .map_err(map_err)?;
                page_from_rows(rows, &page, USER_GROUPS_LISTING, |g: &GroupRecord| {
                    g.name.clone()
                })
            })
            .await
    }

    async fn all_groups_for_user(
        &self,
        pool_id: &str,
        sub: &str,
    ) -> Result<Vec<GroupRecord>, StoreError> {
        let (pool_id, sub) = (pool_id.to_owned(), sub.to_owned());
        self.db
            .read(move |tx| {
                tx.prepare_cached(&format!(
                    "SELECT {GROUP_COLUMNS_G} FROM group_members m
                     CROSS JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name
                     WHERE m.pool_id = ?1 AND m.sub = ?2
                     ORDER BY m.group_name"
                ))
                .and_then(|mut st| {
                    st.query_map(params![pool_id, sub], group_from_row)?
                        .collect()
                })
                .map_err(map_err)
            })
            .await
    }

    async fn users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        page: &PageRequest,
    ) -> Result<Page<UserRecord>, StoreError> {
        let after: Option<String> = page
            .cursor
            .as_deref()
            .map(|c| decode_cursor(GROUP_USERS_LISTING, c))
            .transpose()?;
        let fetch = i64::from(page.effective_limit()) + 1;
        let args = vec![
            SqlValue::Text(pool_id.to_owned()),
            SqlValue::Text(group.to_owned()),
            SqlValue::Text(after.unwrap_or_default()),
            SqlValue::Integer(fetch),
        ];
        let page = page.clone();
        self.db
            .read(move |tx| {
                let sql = format!(
                    "SELECT {U_COLUMNS} FROM group_members m
                     CROSS JOIN users u ON u.pool_id = m.pool_id AND u.sub = m.sub
                     WHERE m.pool_id = ?1 AND m.group_name = ?2 AND m.sub > ?3
                     ORDER BY m.sub LIMIT ?4"
                );
                let users = query_users(tx, &sql, &args)?;
                page_from_rows(users, &page, GROUP_USERS_LISTING, |u: &UserRecord| {
                    u.sub.clone()
                })
            })
            .await
    }
}

/// Deletes every counter whose key starts with `prefix` (an index range).
pub(crate) fn delete_counters_under(conn: &Connection, prefix: &str) -> Result<(), StoreError> {
    let Some(hi) = prefix_upper_bound(prefix) else {
        return Ok(());
    };
    conn.prepare_cached("DELETE FROM counters WHERE key >= ?1 AND key < ?2")
        .and_then(|mut st| st.execute(params![prefix, hi]))
        .map_err(map_err)?;
    conn.prepare_cached("DELETE FROM counter_slots WHERE key >= ?1 AND key < ?2")
        .and_then(|mut st| st.execute(params![prefix, hi]))
        .map_err(map_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(conn: &Connection, sql: &str, args: &[SqlValue]) -> String {
        let mut st = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows: Vec<String> = st
            .query_map(params_from_iter(args), |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        rows.join(" | ")
    }

    /// Every ListUsers shape reads an index in order: no table scan, no sort,
    /// and pages after the first seek to the cursor.
    #[test]
    fn list_users_reads_indexes_in_order() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::migrate::migrate(&mut conn).unwrap();
        let range = |exact: bool| KeyRange {
            lo: "a".into(),
            hi: (!exact).then(|| "b".into()),
            exact,
        };
        let after = ("k".to_owned(), "s".to_owned());
        let plans = [
            FilterPlan::All,
            FilterPlan::UsernameKey(range(false)),
            FilterPlan::Sub(range(true)),
            FilterPlan::Enabled {
                disabled: true,
                enabled: true,
            },
            FilterPlan::UserStatus(range(false)),
            FilterPlan::Attribute {
                name: "email".into(),
                range: range(true),
            },
            FilterPlan::Attribute {
                name: "email".into(),
                range: range(false),
            },
        ];
        for plan in &plans {
            for after in [None, Some(&after)] {
                let (sql, args) = list_users_sql("p", plan, after, 61);
                let explained = plan_of(&conn, &sql, &args);
                assert!(
                    !explained.contains("TEMP B-TREE") && explained.contains("INDEX"),
                    "{plan:?}: {explained}"
                );
                assert!(!explained.starts_with("SCAN"), "{plan:?}: {explained}");
                // A cursor is where the index seek starts, not a filter.
                let tied = !matches!(
                    plan,
                    FilterPlan::All | FilterPlan::UsernameKey(_) | FilterPlan::Sub(_)
                );
                if after.is_some() && tied {
                    assert!(
                        explained.contains("sub)>(?,?)") || explained.contains("sub>?"),
                        "{plan:?}: {explained}"
                    );
                }
            }
        }
        let (sql, args) = list_users_sql(
            "p",
            &FilterPlan::Attribute {
                name: "email".into(),
                range: range(false),
            },
            None,
            61,
        );
        assert!(
            plan_of(&conn, &sql, &args).contains("user_attributes_search"),
            "{sql}"
        );
    }
}
