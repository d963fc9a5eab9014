//! Users of a user pool: the record, its attributes and aliases, ListUsers
//! filters and group membership.

use async_trait::async_trait;
use serde_json::Value;

use crate::{GroupRecord, Page, PageRequest, StoreError};

/// A user of a pool. Users are keyed by `(pool_id, sub)`; `username_key` is
/// unique within the pool.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRecord {
    /// Owning pool.
    pub pool_id: String,
    /// UUID; the user's key inside the pool.
    pub sub: String,
    /// As created (in `UsernameAttributes` pools equal to `sub`).
    pub username: String,
    /// Lookup key for the username: lower-cased by the caller when the pool
    /// is case-insensitive. Unique within the pool.
    pub username_key: String,
    /// `UNCONFIRMED`, `CONFIRMED`, `FORCE_CHANGE_PASSWORD`, `RESET_REQUIRED`,
    /// `EXTERNAL_PROVIDER`...; stored as given (upper case).
    pub status: String,
    /// `false` after AdminDisableUser.
    pub enabled: bool,
    /// Argon2id PHC string (or an imported bcrypt, PBKDF2 or scrypt hash until
    /// its first sign-in upgrades it); `None` for users without a password.
    pub password_hash: Option<String>,
    /// When a temporary password stops working, epoch milliseconds.
    pub password_expires_ms: Option<i64>,
    /// The SRP salt and verifier of the current password, sealed by the caller (the store
    /// never sees them in the clear); `None` for users without one (no password, or a
    /// password set before verifiers were kept).
    pub srp_verifier_sealed: Option<Vec<u8>>,
    /// Every attribute but `sub`, values as strings (`"true"`/`"false"` for
    /// booleans). Names are unique; the store returns them sorted by name
    /// (byte order).
    pub attributes: Vec<(String, String)>,
    /// Creation time, epoch milliseconds.
    pub created_ms: i64,
    /// Last modification time, epoch milliseconds.
    pub modified_ms: i64,
    /// GlobalSignOut epoch: access tokens issued at or before this instant
    /// (milliseconds) are revoked. Only ever moves forward.
    pub tokens_revoked_before_ms: i64,
    /// Password history, MFA settings, preferences...: opaque to the store,
    /// stored verbatim.
    pub extra: Value,
}

impl UserRecord {
    /// The value of attribute `name`, if the user has it.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Alias kinds a user can claim; at most one value of each kind per user,
/// and one user per value.
pub mod alias_kind {
    /// Email address as a sign-in alias.
    pub const EMAIL: &str = "email";
    /// Phone number as a sign-in alias.
    pub const PHONE_NUMBER: &str = "phone_number";
    /// `preferred_username` as a sign-in alias.
    pub const PREFERRED_USERNAME: &str = "preferred_username";
    /// Every kind, for validation.
    pub const ALL: &[&str] = &[EMAIL, PHONE_NUMBER, PREFERRED_USERNAME];
}

/// A claim on a sign-in alias: the user can then be found by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasClaim {
    /// One of [`alias_kind::ALL`]; any other kind is refused as `Internal`.
    pub kind: String,
    /// The normalised value (lower-cased where the pool is case-insensitive).
    pub value_key: String,
}

/// How `update_user` changes the user's aliases. Kinds named in neither
/// list keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AliasChange {
    /// Aliases to hold afterwards (replacing this user's value of the same kind).
    pub claim: Vec<AliasClaim>,
    /// Kinds to give up.
    pub release: Vec<String>,
    /// Move a claimed alias away from another user who holds it
    /// (`ForceAliasCreation`) instead of failing with `Conflict(Alias(kind))`.
    pub take_over: bool,
}

/// Names `UserFilter::attribute` accepts.
pub mod filter_attribute {
    /// The username (its lookup key), case-sensitive.
    pub const USERNAME: &str = "username";
    /// The user's sub, case-sensitive.
    pub const SUB: &str = "sub";
    /// `Enabled` or `Disabled`, case-sensitive.
    pub const STATUS: &str = "status";
    /// The confirmation status (`CONFIRMED`...), case-insensitive.
    pub const USER_STATUS: &str = "cognito:user_status";
    /// Attributes searched case-insensitively through the attribute index.
    pub const ATTRIBUTES: &[&str] = &[
        "email",
        "phone_number",
        "name",
        "given_name",
        "family_name",
        "preferred_username",
    ];
}

/// One ListUsers filter (`attribute = "value"` or `attribute ^= "value"`).
///
/// Semantics: `username` and `sub` compare bytes (the caller passes the
/// normalised username key); `status` matches `Enabled`/`Disabled`;
/// `cognito:user_status` ignores ASCII case; the attributes of
/// [`filter_attribute::ATTRIBUTES`] compare their [`search_key`]s, i.e.
/// ignore case and look at the first [`SEARCH_KEY_CHARS`] characters.
/// Any other attribute is refused as `Internal` (the handler validates first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFilter {
    /// See [`filter_attribute`].
    pub attribute: String,
    /// `^=` (starts with) rather than `=`.
    pub prefix: bool,
    /// The value to match.
    pub value: String,
}

/// Characters of an attribute value the search index holds. Bounded so an
/// index entry stays under PostgreSQL's btree row limit (4 bytes a character
/// at most, ~2.7 kB allowed).
pub const SEARCH_KEY_CHARS: usize = 512;

/// The indexed form of a searchable attribute value: lower-cased (Unicode)
/// and cut to [`SEARCH_KEY_CHARS`] characters. Computed here, not in SQL,
/// so both backends agree on it.
pub fn search_key(value: &str) -> String {
    value
        .to_lowercase()
        .chars()
        .take(SEARCH_KEY_CHARS)
        .collect()
}

/// The smallest string greater than every string that starts with `prefix`
/// (byte order, which is code point order for UTF-8), or `None` when there
/// is none (empty prefix, or only U+10FFFF). `key >= prefix AND key < bound`
/// is then exactly "starts with", and an index range scan.
pub fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut next = u32::from(last) + 1;
        // Surrogates are not characters; skip over them.
        if (0xD800..=0xDFFF).contains(&next) {
            next = 0xE000;
        }
        if let Some(c) = char::from_u32(next) {
            chars.push(c);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// The search key stored for attribute `name`, or `None` when ListUsers
/// cannot filter on it (it then stays out of the search index).
pub fn attribute_search_key(name: &str, value: &str) -> Option<String> {
    filter_attribute::ATTRIBUTES
        .contains(&name)
        .then(|| search_key(value))
}

/// A range of one indexed key: `= lo` when `exact`, else `>= lo` and, when
/// `hi` is set, `< hi` (a prefix match).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRange {
    /// Lower bound, or the exact value.
    pub lo: String,
    /// Exclusive upper bound of a prefix range; `None` means unbounded.
    pub hi: Option<String>,
    /// Equality rather than a range.
    pub exact: bool,
}

impl KeyRange {
    fn new(key: String, prefix: bool) -> Self {
        if prefix {
            Self {
                hi: prefix_upper_bound(&key),
                lo: key,
                exact: false,
            }
        } else {
            Self {
                lo: key,
                hi: None,
                exact: true,
            }
        }
    }
}

/// What a backend runs for a [`UserFilter`]: a range on one indexed key.
/// Shared so that both backends match and order identically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterPlan {
    /// No filter: every user, ordered by username key.
    All,
    /// `users.username_key` in range; ordered by it.
    UsernameKey(KeyRange),
    /// `users.sub` in range; ordered by it.
    Sub(KeyRange),
    /// `users.enabled` is one of the flags marked `true`; ordered by the
    /// flag (`Disabled` first), then sub.
    Enabled {
        /// Include disabled users.
        disabled: bool,
        /// Include enabled users.
        enabled: bool,
    },
    /// `users.status` in range (upper-cased value); ordered by it, then sub.
    UserStatus(KeyRange),
    /// The attribute's search key in range; ordered by it, then sub.
    Attribute {
        /// Attribute name.
        name: String,
        /// Range of search keys.
        range: KeyRange,
    },
}

impl FilterPlan {
    /// Plans `filter`; `Internal` for an attribute ListUsers cannot search.
    pub fn new(filter: Option<&UserFilter>) -> Result<Self, StoreError> {
        let Some(f) = filter else {
            return Ok(Self::All);
        };
        let plan = match f.attribute.as_str() {
            filter_attribute::USERNAME => {
                Self::UsernameKey(KeyRange::new(f.value.clone(), f.prefix))
            }
            filter_attribute::SUB => Self::Sub(KeyRange::new(f.value.clone(), f.prefix)),
            filter_attribute::STATUS => {
                let matches = |word: &str| {
                    if f.prefix {
                        word.starts_with(f.value.as_str())
                    } else {
                        word == f.value
                    }
                };
                Self::Enabled {
                    disabled: matches("Disabled"),
                    enabled: matches("Enabled"),
                }
            }
            filter_attribute::USER_STATUS => {
                Self::UserStatus(KeyRange::new(f.value.to_ascii_uppercase(), f.prefix))
            }
            name if filter_attribute::ATTRIBUTES.contains(&name) => Self::Attribute {
                name: name.to_owned(),
                range: KeyRange::new(search_key(&f.value), f.prefix),
            },
            other => {
                return Err(StoreError::Internal(format!(
                    "ListUsers cannot filter on {other:?}"
                )));
            }
        };
        Ok(plan)
    }

    /// The cursor listing name: cursors of one plan kind do not fit another.
    pub fn listing(&self) -> String {
        match self {
            Self::All => "users".to_owned(),
            Self::UsernameKey(_) => "users/username".to_owned(),
            Self::Sub(_) => "users/sub".to_owned(),
            Self::Enabled { .. } => "users/status".to_owned(),
            Self::UserStatus(_) => "users/user_status".to_owned(),
            Self::Attribute { name, .. } => format!("users/{name}"),
        }
    }

    /// The ordering key of `user` under this plan, as the cursor stores it:
    /// the ordered value and the sub.
    pub fn sort_key(&self, user: &UserRecord) -> (String, String) {
        match self {
            Self::All | Self::UsernameKey(_) => (user.username_key.clone(), String::new()),
            Self::Sub(_) => (user.sub.clone(), String::new()),
            Self::Enabled { .. } => (
                String::from(if user.enabled { "1" } else { "0" }),
                user.sub.clone(),
            ),
            Self::UserStatus(_) => (user.status.clone(), user.sub.clone()),
            Self::Attribute { name, .. } => (
                search_key(user.attribute(name).unwrap_or_default()),
                user.sub.clone(),
            ),
        }
    }
}

/// Checks what the schema cannot: attribute names are unique in the record.
/// Backends call this before writing a user.
pub fn check_attributes(user: &UserRecord) -> Result<(), StoreError> {
    let mut names: Vec<&str> = user.attributes.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    match names.windows(2).find(|w| w[0] == w[1]) {
        Some(w) => Err(StoreError::Internal(format!(
            "attribute {:?} given twice",
            w[0]
        ))),
        None => Ok(()),
    }
}

/// The alias value of each kind after applying `claims`: one slot per
/// [`alias_kind::ALL`] entry, in that order. `Internal` for an unknown kind
/// or two claims of one kind. Backends call this before writing aliases.
pub fn alias_slots(claims: &[AliasClaim]) -> Result<[Option<&str>; 3], StoreError> {
    let mut slots = [None; 3];
    for claim in claims {
        let i = alias_index(&claim.kind)?;
        if slots[i].replace(claim.value_key.as_str()).is_some() {
            return Err(StoreError::Internal(format!(
                "alias {:?} claimed twice",
                claim.kind
            )));
        }
    }
    Ok(slots)
}

/// Position of `kind` in [`alias_kind::ALL`]; `Internal` for an unknown kind.
pub fn alias_index(kind: &str) -> Result<usize, StoreError> {
    alias_kind::ALL
        .iter()
        .position(|k| *k == kind)
        .ok_or_else(|| StoreError::Internal(format!("unknown alias kind {kind:?}")))
}

/// Users, their aliases and group membership.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Creates the user with its attributes and aliases in one transaction.
    /// `Conflict(Username)` if the username key is taken in the pool,
    /// `Conflict(Alias(kind))` if another user holds an alias (unless
    /// `take_over`, which moves it to the new user), `Conflict(UserSub)` if
    /// the sub is taken; `NotFound` if the pool is gone.
    async fn create_user(
        &self,
        user: &UserRecord,
        aliases: &[AliasClaim],
        take_over: bool,
    ) -> Result<(), StoreError>;

    /// The user by username key, or `None`.
    async fn get_user(
        &self,
        pool_id: &str,
        username_key: &str,
    ) -> Result<Option<UserRecord>, StoreError>;

    /// The user by sub, or `None`.
    async fn get_user_by_sub(
        &self,
        pool_id: &str,
        sub: &str,
    ) -> Result<Option<UserRecord>, StoreError>;

    /// The user holding alias `kind` = `value_key`, or `None`.
    async fn find_user_by_alias(
        &self,
        pool_id: &str,
        kind: &str,
        value_key: &str,
    ) -> Result<Option<UserRecord>, StoreError>;

    /// Replaces status, enabled, password hash and expiry, SRP verifier, attributes, extra
    /// and modification time, and applies `aliases`, in one transaction.
    /// `tokens_revoked_before_ms` only moves forward (the larger of the stored
    /// and the given value), so an update built from a stale read cannot undo
    /// a concurrent GlobalSignOut. Username, username key and creation time
    /// stay as stored. `NotFound` if the user is gone; `Conflict(Alias(kind))`
    /// as for `create_user`.
    async fn update_user(&self, user: &UserRecord, aliases: &AliasChange)
    -> Result<(), StoreError>;

    /// Replaces the user's password hash with `new_hash` only if it is still
    /// `old_hash`: `Ok(true)` when replaced, `Ok(false)` when the stored hash is
    /// another (a concurrent password change won; nothing is written). For
    /// upgrading a hash to current parameters after a sign-in (R11): status,
    /// expiry, `extra` (password history) and the modification time stay as
    /// stored, since the user's password did not change. `NotFound` if the user
    /// is gone.
    async fn replace_password_hash_if(
        &self,
        pool_id: &str,
        sub: &str,
        old_hash: &str,
        new_hash: &str,
    ) -> Result<bool, StoreError>;

    /// Stores `sealed` as the user's SRP verifier only if the password hash is still
    /// `password_hash` and no verifier is stored: `Ok(true)` when written. For filling in
    /// the verifier of a password set before verifiers were kept, after that password
    /// verified; a concurrent password change (which brings its own verifier) wins.
    /// Nothing else changes, not even the modification time. `NotFound` if the user is gone.
    async fn set_srp_verifier_if(
        &self,
        pool_id: &str,
        sub: &str,
        password_hash: &str,
        sealed: &[u8],
    ) -> Result<bool, StoreError>;

    /// Deletes the user with its attributes, aliases, group memberships,
    /// codes, refresh tokens and [`user_counter_key`](crate::user_counter_key)
    /// counters. `NotFound` if absent.
    async fn delete_user(&self, pool_id: &str, sub: &str) -> Result<(), StoreError>;

    /// ListUsers. Without a filter: ordered by username key. With one: ordered
    /// by the filtered value (its search key for attributes, `Disabled` before
    /// `Enabled` for `status`), then sub.
    async fn list_users(
        &self,
        pool_id: &str,
        filter: Option<&UserFilter>,
        page: &PageRequest,
    ) -> Result<Page<UserRecord>, StoreError>;

    /// Number of users in the pool.
    async fn count_users(&self, pool_id: &str) -> Result<u64, StoreError>;

    /// Adds the user to the group; adding a member again changes nothing.
    /// `NotFound` if the user or the group is gone.
    async fn add_user_to_group(
        &self,
        pool_id: &str,
        sub: &str,
        group: &str,
        now_ms: i64,
    ) -> Result<(), StoreError>;

    /// `NotFound` if the user is not a member.
    async fn remove_user_from_group(
        &self,
        pool_id: &str,
        sub: &str,
        group: &str,
    ) -> Result<(), StoreError>;

    /// The user's groups ordered by name.
    async fn groups_for_user(
        &self,
        pool_id: &str,
        sub: &str,
        page: &PageRequest,
    ) -> Result<Page<GroupRecord>, StoreError>;

    /// Every group of the user ordered by name (for `cognito:groups`).
    async fn all_groups_for_user(
        &self,
        pool_id: &str,
        sub: &str,
    ) -> Result<Vec<GroupRecord>, StoreError>;

    /// The group's members ordered by sub.
    async fn users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        page: &PageRequest,
    ) -> Result<Page<UserRecord>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_bound_is_the_next_prefix() {
        assert_eq!(prefix_upper_bound("abc").as_deref(), Some("abd"));
        assert_eq!(prefix_upper_bound("a").as_deref(), Some("b"));
        assert_eq!(prefix_upper_bound(""), None);
        assert_eq!(prefix_upper_bound("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_upper_bound("\u{10FFFF}"), None);
        assert_eq!(
            prefix_upper_bound("x\u{D7FF}").as_deref(),
            Some("x\u{E000}")
        );
        assert_eq!(prefix_upper_bound("ü").as_deref(), Some("ý"));
    }

    #[test]
    fn every_extension_sorts_inside_the_range() {
        let prefix = "mé";
        let bound = prefix_upper_bound(prefix).unwrap();
        for tail in [
            "",
            "a",
            "\u{10FFFF}",
            "\u{10FFFF}\u{10FFFF}zz",
            "😀",
            "\u{FFFF}",
        ] {
            let s = format!("{prefix}{tail}");
            assert!(s.as_bytes() >= prefix.as_bytes() && s.as_bytes() < bound.as_bytes());
        }
        assert!(!bound.starts_with(prefix));
        assert!(
            "mê".as_bytes() >= bound.as_bytes() && "md\u{10FFFF}".as_bytes() < prefix.as_bytes()
        );
    }

    #[test]
    fn filters_plan_to_key_ranges() {
        let f = |attribute: &str, prefix: bool, value: &str| UserFilter {
            attribute: attribute.into(),
            prefix,
            value: value.into(),
        };
        assert_eq!(FilterPlan::new(None).unwrap(), FilterPlan::All);
        assert_eq!(
            FilterPlan::new(Some(&f("email", true, "Al"))).unwrap(),
            FilterPlan::Attribute {
                name: "email".into(),
                range: KeyRange {
                    lo: "al".into(),
                    hi: Some("am".into()),
                    exact: false
                }
            }
        );
        assert_eq!(
            FilterPlan::new(Some(&f("cognito:user_status", false, "confirmed"))).unwrap(),
            FilterPlan::UserStatus(KeyRange {
                lo: "CONFIRMED".into(),
                hi: None,
                exact: true
            })
        );
        assert_eq!(
            FilterPlan::new(Some(&f("status", false, "Enabled"))).unwrap(),
            FilterPlan::Enabled {
                disabled: false,
                enabled: true
            }
        );
        assert_eq!(
            FilterPlan::new(Some(&f("status", false, "enabled"))).unwrap(),
            FilterPlan::Enabled {
                disabled: false,
                enabled: false
            }
        );
        assert_eq!(
            FilterPlan::new(Some(&f("status", true, ""))).unwrap(),
            FilterPlan::Enabled {
                disabled: true,
                enabled: true
            }
        );
        assert!(matches!(
            FilterPlan::new(Some(&f("custom:team", false, "x"))),
            Err(StoreError::Internal(_))
        ));
    }

    #[test]
    fn aliases_and_attributes_are_checked() {
        let claim = |kind: &str, v: &str| AliasClaim {
            kind: kind.into(),
            value_key: v.into(),
        };
        assert_eq!(
            alias_slots(&[claim("phone_number", "+1"), claim("email", "a@b")]).unwrap(),
            [Some("a@b"), Some("+1"), None]
        );
        assert!(alias_slots(&[claim("email", "a"), claim("email", "b")]).is_err());
        assert!(alias_slots(&[claim("nickname", "a")]).is_err());
    }

    #[test]
    fn search_keys_ignore_case_and_are_bounded() {
        assert_eq!(search_key("Alice@Example.COM"), "alice@example.com");
        assert_eq!(search_key("ÉCOLE"), "école");
        let long = "Ж".repeat(2000);
        let key = search_key(&long);
        assert_eq!(key.chars().count(), SEARCH_KEY_CHARS);
        assert!(key.len() <= SEARCH_KEY_CHARS * 4);
    }
}
