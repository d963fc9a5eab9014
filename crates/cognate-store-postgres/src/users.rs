//! Users, their attributes and aliases, ListUsers, group membership.

use async_trait::async_trait;
use cognate_store::{
    AliasChange, AliasClaim, FilterPlan, GroupRecord, KeyRange, Page, PageRequest, StoreError,
    UserFilter, UserRecord, UserStore, alias_index, alias_slots, attribute_search_key,
    check_attributes, decode_cursor, page_from_rows, prefix_upper_bound, user_counter_prefix,
};
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::PostgresStore;
use crate::codec::{count, fetch_for, json_col, one_row, to_json};
use crate::db::{read, transact};
use crate::error::col;
use crate::groups::{GROUP_COLUMNS_G, group_from_row};
use crate::sql::{execute, query, query_one};

/// A user row with its attributes as two arrays (names, values) aggregated
/// by a lateral subquery: one statement and one round trip per lookup or
/// page, however many attributes the users have. `{from}` must bind the
/// users table as `u`.
macro_rules! select_users {
    ($from:expr) => {
        format!(
            "SELECT u.pool_id, u.sub, u.username, u.username_key, u.status, u.enabled,
                    u.password_hash, u.password_expires_ms, u.created_ms, u.modified_ms,
                    u.tokens_revoked_before_ms, u.extra, ua.names, ua.vals,
                    u.srp_verifier_sealed
             FROM {}
             CROSS JOIN LATERAL (
                 SELECT array_agg(x.name ORDER BY x.name) AS names,
                        array_agg(x.value ORDER BY x.name) AS vals
                 FROM user_attributes x WHERE x.pool_id = u.pool_id AND x.sub = u.sub
             ) ua",
            $from
        )
    };
}

/// Alias columns in `alias_kind::ALL` order.
const ALIAS_COLUMNS: [&str; 3] = [
    "alias_email",
    "alias_phone_number",
    "alias_preferred_username",
];

const USER_GROUPS_LISTING: &str = "user_groups";
const GROUP_USERS_LISTING: &str = "group_users";

type Arg = Box<dyn ToSql + Sync + Send>;

fn user_from_row(row: &Row) -> Result<UserRecord, StoreError> {
    // No attributes: array_agg over no rows is NULL.
    let names: Option<Vec<String>> = col(row, 12)?;
    let values: Option<Vec<String>> = col(row, 13)?;
    Ok(UserRecord {
        pool_id: col(row, 0)?,
        sub: col(row, 1)?,
        username: col(row, 2)?,
        username_key: col(row, 3)?,
        status: col(row, 4)?,
        enabled: col(row, 5)?,
        password_hash: col(row, 6)?,
        password_expires_ms: col(row, 7)?,
        attributes: names
            .unwrap_or_default()
            .into_iter()
            .zip(values.unwrap_or_default())
            .collect(),
        created_ms: col(row, 8)?,
        modified_ms: col(row, 9)?,
        tokens_revoked_before_ms: col(row, 10)?,
        extra: json_col(row, 11)?,
        srp_verifier_sealed: col(row, 14)?,
    })
}

/// The user `sub` of the pool, or `None`.
pub(crate) async fn user_by_sub<C: GenericClient>(
    c: &C,
    pool_id: &str,
    sub: &str,
) -> Result<Option<UserRecord>, StoreError> {
    let sql = format!(
        "{} WHERE u.pool_id = $1 AND u.sub = $2",
        select_users!("users u")
    );
    let rows = query(c, &sql, &[&pool_id, &sub]).await?;
    Ok(users_from_rows(&rows)?.pop())
}

fn users_from_rows(rows: &[Row]) -> Result<Vec<UserRecord>, StoreError> {
    rows.iter().map(user_from_row).collect()
}

fn refs(args: &[Arg]) -> Vec<&(dyn ToSql + Sync)> {
    args.iter()
        .map(|a| a.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

/// Inserts or overwrites attributes in one statement.
async fn upsert_attributes<C: GenericClient>(
    c: &C,
    pool_id: &str,
    sub: &str,
    attributes: &[(String, String)],
) -> Result<(), StoreError> {
    if attributes.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = attributes.iter().map(|(n, _)| n.as_str()).collect();
    let values: Vec<&str> = attributes.iter().map(|(_, v)| v.as_str()).collect();
    let keys: Vec<Option<String>> = attributes
        .iter()
        .map(|(n, v)| attribute_search_key(n, v))
        .collect();
    // Unchanged values are left alone (no new row version, no index churn).
    execute(
        c,
        "INSERT INTO user_attributes (pool_id, sub, name, value, search_key)
         SELECT $1, $2, t.n, t.v, t.k FROM unnest($3::text[], $4::text[], $5::text[]) AS t(n, v, k)
         ON CONFLICT (pool_id, sub, name) DO UPDATE
             SET value = excluded.value, search_key = excluded.search_key
             WHERE user_attributes.value IS DISTINCT FROM excluded.value",
        &[&pool_id, &sub, &names, &values, &keys],
    )
    .await?;
    Ok(())
}

/// Frees `value_key` of alias kind `i` from whichever other user holds it
/// (ForceAliasCreation).
async fn take_alias<C: GenericClient>(
    c: &C,
    pool_id: &str,
    sub: &str,
    i: usize,
    value_key: &str,
) -> Result<(), StoreError> {
    let column = ALIAS_COLUMNS[i];
    execute(
        c,
        &format!(
            "UPDATE users SET {column} = NULL
             WHERE pool_id = $1 AND {column} = $2 AND sub <> $3"
        ),
        &[&pool_id, &value_key, &sub],
    )
    .await?;
    Ok(())
}

/// Where a listing's rows are: equal to one key, or in a key range.
enum Bound {
    Exact(Arg),
    /// `>= lo` (if any) and `< hi` (if any).
    Range(Option<Arg>, Option<Arg>),
}

impl Bound {
    fn of(range: &KeyRange) -> Self {
        if range.exact {
            Self::Exact(Box::new(range.lo.clone()))
        } else {
            Self::Range(
                Some(Box::new(range.lo.clone())),
                range.hi.clone().map(|hi| Box::new(hi) as Arg),
            )
        }
    }
}

/// The SQL and arguments of one ListUsers page. Every variant reads one
/// index in order (`COLLATE "C"` columns, so prefix ranges are btree
/// ranges), and a cursor is the seek position rather than a filter, so deep
/// pages cost what the first does. The text depends only on the shape of
/// the filter: a handful of prepared statements per connection.
fn list_users_sql(
    pool_id: &str,
    plan: &FilterPlan,
    after: Option<&(String, String)>,
    fetch: i64,
) -> (String, Vec<Arg>) {
    let mut args: Vec<Arg> = vec![Box::new(pool_id.to_owned())];
    let users = format!("{} WHERE u.pool_id = $1", select_users!("users u"));
    // (statement head, ordered key, tie-breaker for a key that is not unique, bound)
    let (mut sql, key, tie, bound) = match plan {
        FilterPlan::All => (users, "u.username_key", None, Bound::Range(None, None)),
        FilterPlan::UsernameKey(range) => (users, "u.username_key", None, Bound::of(range)),
        FilterPlan::Sub(range) => (users, "u.sub", None, Bound::of(range)),
        FilterPlan::Enabled { disabled, enabled } => {
            // false sorts before true; callers return early when neither
            // flag matches.
            let bound = match (disabled, enabled) {
                (true, true) => Bound::Range(None, None),
                (_, enabled) => Bound::Exact(Box::new(*enabled)),
            };
            (users, "u.enabled", Some("u.sub"), bound)
        }
        FilterPlan::UserStatus(range) => (users, "u.status", Some("u.sub"), Bound::of(range)),
        FilterPlan::Attribute { name, range } => {
            args.push(Box::new(name.clone()));
            let head = format!(
                "{} WHERE a.pool_id = $1 AND a.name = $2",
                select_users!(
                    "user_attributes a JOIN users u ON u.pool_id = a.pool_id AND u.sub = a.sub"
                )
            );
            (head, "a.search_key", Some("a.sub"), Bound::of(range))
        }
    };
    let after: Option<(Arg, Arg)> = after.map(|(k, sub)| {
        let k: Arg = match plan {
            FilterPlan::Enabled { .. } => Box::new(k == "1"),
            _ => Box::new(k.clone()),
        };
        (k, Box::new(sub.clone()) as Arg)
    });
    let mut arg = |v: Arg| {
        args.push(v);
        format!("${}", args.len())
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
    let limit = arg(Box::new(fetch));
    sql.push_str(&format!(" ORDER BY {order} LIMIT {limit}"));
    (sql, args)
}

#[async_trait]
impl UserStore for PostgresStore {
    async fn create_user(
        &self,
        u: &UserRecord,
        aliases: &[AliasClaim],
        take_over: bool,
    ) -> Result<(), StoreError> {
        check_attributes(u)?;
        let slots = alias_slots(aliases)?;
        let extra = to_json(&u.extra)?;
        transact!(self.db, |tx| {
            if take_over {
                for (i, slot) in slots.iter().enumerate() {
                    if let Some(value) = slot {
                        take_alias(&tx, &u.pool_id, &u.sub, i, value).await?;
                    }
                }
            }
            // Concurrent creates of one username or alias queue on the
            // unique index; the loser gets the named conflict.
            execute(
                &tx,
                "INSERT INTO users (pool_id, sub, username, username_key, status, enabled,
                     password_hash, password_expires_ms, created_ms, modified_ms,
                     tokens_revoked_before_ms, extra, alias_email, alias_phone_number,
                     alias_preferred_username, srp_verifier_sealed)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                &[
                    &u.pool_id,
                    &u.sub,
                    &u.username,
                    &u.username_key,
                    &u.status,
                    &u.enabled,
                    &u.password_hash,
                    &u.password_expires_ms,
                    &u.created_ms,
                    &u.modified_ms,
                    &u.tokens_revoked_before_ms,
                    &extra,
                    &slots[0],
                    &slots[1],
                    &slots[2],
                    &u.srp_verifier_sealed,
                ],
            )
            .await?;
            upsert_attributes(&tx, &u.pool_id, &u.sub, &u.attributes).await?;
        })
    }

    async fn get_user(
        &self,
        pool_id: &str,
        username_key: &str,
    ) -> Result<Option<UserRecord>, StoreError> {
        let sql = format!(
            "{} WHERE u.pool_id = $1 AND u.username_key = $2",
            select_users!("users u")
        );
        let rows = read!(self.db, |client| {
            query(&client, &sql, &[&pool_id, &username_key]).await?
        })?;
        Ok(users_from_rows(&rows)?.pop())
    }

    async fn get_user_by_sub(
        &self,
        pool_id: &str,
        sub: &str,
    ) -> Result<Option<UserRecord>, StoreError> {
        read!(self.db, |client| {
            user_by_sub(&client, pool_id, sub).await?
        })
    }

    async fn find_user_by_alias(
        &self,
        pool_id: &str,
        kind: &str,
        value_key: &str,
    ) -> Result<Option<UserRecord>, StoreError> {
        let column = ALIAS_COLUMNS[alias_index(kind)?];
        let sql = format!(
            "{} WHERE u.pool_id = $1 AND u.{column} = $2",
            select_users!("users u")
        );
        let rows = read!(self.db, |client| {
            query(&client, &sql, &[&pool_id, &value_key]).await?
        })?;
        Ok(users_from_rows(&rows)?.pop())
    }

    async fn update_user(&self, u: &UserRecord, aliases: &AliasChange) -> Result<(), StoreError> {
        check_attributes(u)?;
        let claims = alias_slots(&aliases.claim)?;
        // Per alias kind: whether it changes, and to what (NULL = released).
        let mut set = [false; 3];
        let mut to: [Option<&str>; 3] = [None; 3];
        for kind in &aliases.release {
            set[alias_index(kind)?] = true;
        }
        for (i, claim) in claims.iter().enumerate() {
            if claim.is_some() {
                set[i] = true;
                to[i] = *claim;
            }
        }
        let extra = to_json(&u.extra)?;
        let names: Vec<&str> = u.attributes.iter().map(|(n, _)| n.as_str()).collect();
        transact!(self.db, |tx| {
            if aliases.take_over {
                for (i, claim) in claims.iter().enumerate() {
                    if let Some(value) = claim {
                        take_alias(&tx, &u.pool_id, &u.sub, i, value).await?;
                    }
                }
            }
            // One statement for the record and its aliases; it also locks the
            // row, so concurrent updates of one user take turns.
            let changed = execute(
                &tx,
                "UPDATE users SET status = $3, enabled = $4, password_hash = $5,
                     password_expires_ms = $6, modified_ms = $7,
                     tokens_revoked_before_ms = GREATEST(tokens_revoked_before_ms, $8),
                     extra = $9,
                     alias_email = CASE WHEN $10 THEN $11 ELSE alias_email END,
                     alias_phone_number = CASE WHEN $12 THEN $13 ELSE alias_phone_number END,
                     alias_preferred_username =
                         CASE WHEN $14 THEN $15 ELSE alias_preferred_username END,
                     srp_verifier_sealed = $16
                 WHERE pool_id = $1 AND sub = $2",
                &[
                    &u.pool_id,
                    &u.sub,
                    &u.status,
                    &u.enabled,
                    &u.password_hash,
                    &u.password_expires_ms,
                    &u.modified_ms,
                    &u.tokens_revoked_before_ms,
                    &extra,
                    &set[0],
                    &to[0],
                    &set[1],
                    &to[1],
                    &set[2],
                    &to[2],
                    &u.srp_verifier_sealed,
                ],
            )
            .await?;
            one_row(changed)?;
            execute(
                &tx,
                "DELETE FROM user_attributes
                 WHERE pool_id = $1 AND sub = $2 AND NOT (name = ANY($3))",
                &[&u.pool_id, &u.sub, &names],
            )
            .await?;
            upsert_attributes(&tx, &u.pool_id, &u.sub, &u.attributes).await?;
        })
    }

    async fn set_srp_verifier_if(
        &self,
        pool_id: &str,
        sub: &str,
        password_hash: &str,
        sealed: &[u8],
    ) -> Result<bool, StoreError> {
        transact!(self.db, |tx| {
            let changed = execute(
                &tx,
                "UPDATE users SET srp_verifier_sealed = $4
                 WHERE pool_id = $1 AND sub = $2 AND password_hash = $3
                   AND srp_verifier_sealed IS NULL",
                &[&pool_id, &sub, &password_hash, &sealed],
            )
            .await?;
            if changed == 0 {
                let row = query_one(
                    &tx,
                    "SELECT EXISTS(SELECT 1 FROM users WHERE pool_id = $1 AND sub = $2)",
                    &[&pool_id, &sub],
                )
                .await?;
                let exists: bool = col(&row, 0)?;
                if !exists {
                    return Err(StoreError::NotFound);
                }
            }
            changed > 0
        })
    }

    async fn replace_password_hash_if(
        &self,
        pool_id: &str,
        sub: &str,
        old_hash: &str,
        new_hash: &str,
    ) -> Result<bool, StoreError> {
        transact!(self.db, |tx| {
            let changed = execute(
                &tx,
                "UPDATE users SET password_hash = $4
                 WHERE pool_id = $1 AND sub = $2 AND password_hash = $3",
                &[&pool_id, &sub, &old_hash, &new_hash],
            )
            .await?;
            if changed == 0 {
                let row = query_one(
                    &tx,
                    "SELECT EXISTS(SELECT 1 FROM users WHERE pool_id = $1 AND sub = $2)",
                    &[&pool_id, &sub],
                )
                .await?;
                let exists: bool = col(&row, 0)?;
                if !exists {
                    return Err(StoreError::NotFound);
                }
            }
            changed > 0
        })
    }

    async fn delete_user(&self, pool_id: &str, sub: &str) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            // Attributes, memberships, codes and tokens go by ON DELETE
            // CASCADE; counters are keyed by name, so they go by key range.
            let changed = execute(
                &tx,
                "DELETE FROM users WHERE pool_id = $1 AND sub = $2",
                &[&pool_id, &sub],
            )
            .await?;
            one_row(changed)?;
            delete_counters_under(&tx, &user_counter_prefix(pool_id, sub)).await?;
        })
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
        let (sql, args) = list_users_sql(pool_id, &plan, after.as_ref(), fetch_for(page));
        let rows = read!(self.db, |client| {
            query(&client, &sql, &refs(&args)).await?
        })?;
        page_from_rows(users_from_rows(&rows)?, page, &listing, |u| {
            plan.sort_key(u)
        })
    }

    async fn count_users(&self, pool_id: &str) -> Result<u64, StoreError> {
        read!(self.db, |client| {
            count(
                &query_one(
                    &client,
                    "SELECT count(*) FROM users WHERE pool_id = $1",
                    &[&pool_id],
                )
                .await?,
            )?
        })
    }

    async fn add_user_to_group(
        &self,
        pool_id: &str,
        sub: &str,
        group: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            // A missing user or group fails the foreign key: NotFound.
            execute(
                &tx,
                "INSERT INTO group_members (pool_id, group_name, sub, added_ms)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (pool_id, group_name, sub) DO NOTHING",
                &[&pool_id, &group, &sub, &now_ms],
            )
            .await?;
        })
    }

    async fn remove_user_from_group(
        &self,
        pool_id: &str,
        sub: &str,
        group: &str,
    ) -> Result<(), StoreError> {
        transact!(self.db, |tx| {
            let changed = execute(
                &tx,
                "DELETE FROM group_members WHERE pool_id = $1 AND group_name = $2 AND sub = $3",
                &[&pool_id, &group, &sub],
            )
            .await?;
            one_row(changed)?
        })
    }

    async fn groups_for_user(
        &self,
        pool_id: &str,
        sub: &str,
        page: &PageRequest,
    ) -> Result<Page<GroupRecord>, StoreError> {
        let after: String = page
            .cursor
            .as_deref()
            .map(|c| decode_cursor(USER_GROUPS_LISTING, c))
            .transpose()?
            .unwrap_or_default();
        let fetch = fetch_for(page);
        let rows = read!(self.db, |client| {
            query(
                &client,
                &format!(
                    "SELECT {GROUP_COLUMNS_G} FROM group_members m
                     JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name
                     WHERE m.pool_id = $1 AND m.sub = $2 AND m.group_name > $3
                     ORDER BY m.group_name LIMIT $4"
                ),
                &[&pool_id, &sub, &after, &fetch],
            )
            .await?
        })?;
        let items = rows
            .iter()
            .map(group_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        page_from_rows(items, page, USER_GROUPS_LISTING, |g| g.name.clone())
    }

    async fn all_groups_for_user(
        &self,
        pool_id: &str,
        sub: &str,
    ) -> Result<Vec<GroupRecord>, StoreError> {
        let rows = read!(self.db, |client| {
            query(
                &client,
                &format!(
                    "SELECT {GROUP_COLUMNS_G} FROM group_members m
                     JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name
                     WHERE m.pool_id = $1 AND m.sub = $2
                     ORDER BY m.group_name"
                ),
                &[&pool_id, &sub],
            )
            .await?
        })?;
        rows.iter().map(group_from_row).collect()
    }

    async fn users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        page: &PageRequest,
    ) -> Result<Page<UserRecord>, StoreError> {
        let after: String = page
            .cursor
            .as_deref()
            .map(|c| decode_cursor(GROUP_USERS_LISTING, c))
            .transpose()?
            .unwrap_or_default();
        let fetch = fetch_for(page);
        let sql = format!(
            "{} WHERE m.pool_id = $1 AND m.group_name = $2 AND m.sub > $3
             ORDER BY m.sub LIMIT $4",
            select_users!(
                "group_members m JOIN users u ON u.pool_id = m.pool_id AND u.sub = m.sub"
            )
        );
        let rows = read!(self.db, |client| {
            query(&client, &sql, &[&pool_id, &group, &after, &fetch]).await?
        })?;
        page_from_rows(users_from_rows(&rows)?, page, GROUP_USERS_LISTING, |u| {
            u.sub.clone()
        })
    }
}

/// Deletes every counter whose key starts with `prefix` (an index range).
pub(crate) async fn delete_counters_under<C: GenericClient>(
    c: &C,
    prefix: &str,
) -> Result<(), StoreError> {
    let Some(hi) = prefix_upper_bound(prefix) else {
        return Ok(());
    };
    execute(
        c,
        "DELETE FROM counters WHERE key >= $1 AND key < $2",
        &[&prefix, &hi],
    )
    .await?;
    execute(
        c,
        "DELETE FROM counter_slots WHERE key >= $1 AND key < $2",
        &[&prefix, &hi],
    )
    .await?;
    Ok(())
}

#[cfg(test)]
pub(crate) fn explainable_list_users() -> Vec<(String, Vec<Arg>)> {
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
            disabled: false,
            enabled: true,
        },
        FilterPlan::UserStatus(range(false)),
        FilterPlan::Attribute {
            name: cognate_store::alias_kind::EMAIL.into(),
            range: range(true),
        },
        FilterPlan::Attribute {
            name: cognate_store::alias_kind::EMAIL.into(),
            range: range(false),
        },
    ];
    plans
        .iter()
        .flat_map(|plan| {
            [None, Some(&after)]
                .into_iter()
                .map(move |after| list_users_sql("p", plan, after, 61))
        })
        .collect()
}
