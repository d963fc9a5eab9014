//! User attributes: validation against the pool's schema, what an app client may read and
//! write, email and phone formats, and the sign-in identifiers (username attributes and
//! aliases).
//!
//! Established Cognito behaviour this module reproduces (texts are the service's unless
//! marked otherwise in the code):
//! - SignUp and AdminCreateUser report schema problems as one `InvalidParameterException`
//!   `Attributes did not conform to the schema: <name>: <reason>` (several joined by a
//!   newline); an unknown `custom:` attribute is
//!   `Type for attribute {custom:x} could not be determined`, another unknown name
//!   `x: Attribute does not exist in the schema.`; a missing required attribute
//!   `x: The attribute is required` (SignUp only: AdminCreateUser leaves required
//!   attributes to the NEW_PASSWORD_REQUIRED step).
//! - UpdateUserAttributes and AdminUpdateUserAttributes list each problem as
//!   `user.<name>: <reason>` followed by a newline, without the prefix; an immutable
//!   attribute is `Attribute cannot be updated. (changing an immutable attribute)`.
//! - A value that is missing is `Attribute value for <name> must not be null`.
//! - Formats: `Invalid email address format.`, `Invalid phone number format.` (a phone
//!   number is `+` and digits, E.164).
//! - A client may write only the attributes in its `WriteAttributes` (all writable ones
//!   when it lists none); otherwise `NotAuthorizedException: A client attempted to write
//!   unauthorized attribute`. `email_verified`, `phone_number_verified` and developer-only
//!   attributes are never writable by users (only by administrators), which stops users
//!   from marking their own email verified.
//! - UsernameAttributes (email and/or phone as the username): the username must have that
//!   shape (`Username should be an email.`, `Username should be a phone number.`,
//!   `Username should be either an email or a phone number.`), the stored username is a
//!   generated UUID equal to the `sub`, and the value is copied into the attribute; a
//!   different value in the attributes is refused.
//! - AliasAttributes (email, phone_number, preferred_username as additional sign-in
//!   names): a username shaped like an enabled alias is refused (`Username cannot be of
//!   email format, since user pool is configured for email alias.`); email and phone
//!   aliases work only once verified; preferred_username always.
//! - `UsernameConfiguration.CaseSensitive = false` makes the username, email and
//!   preferred_username case-insensitive (the default, when absent, is case-sensitive).

use std::fmt;

use serde_json::Value;

/// Largest attribute value Cognito stores (bytes).
pub const MAX_VALUE_BYTES: usize = 2048;

/// Attributes that are never written through a client (user operations).
pub const NEVER_CLIENT_WRITABLE: &[&str] = &["sub", "email_verified", "phone_number_verified"];

/// `AttributeDataType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeType {
    String,
    Number,
    DateTime,
    Boolean,
}

impl AttributeType {
    fn parse(s: &str) -> Self {
        match s {
            "Number" => Self::Number,
            "DateTime" => Self::DateTime,
            "Boolean" => Self::Boolean,
            _ => Self::String,
        }
    }
}

/// One entry of the pool's `SchemaAttributes`.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaAttribute {
    /// As stored: `email`, `custom:tenant`, `dev:custom:level`.
    pub name: String,
    pub data_type: AttributeType,
    pub mutable: bool,
    pub required: bool,
    pub developer_only: bool,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub min_value: Option<f64>,
    pub max_value: Option<f64>,
}

/// The pool's attribute schema.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PoolSchema {
    pub attributes: Vec<SchemaAttribute>,
}

/// Cognito writes constraint bounds as strings (`"2048"`); accept numbers too.
fn bound<T: std::str::FromStr>(v: Option<&Value>) -> Option<T> {
    match v? {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.to_string().parse().ok(),
        _ => None,
    }
}

impl PoolSchema {
    /// The schema in a pool settings document (`SchemaAttributes`).
    #[must_use]
    pub fn from_settings(settings: &Value) -> Self {
        let attributes = settings
            .get("SchemaAttributes")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|a| {
                        let name = a.get("Name")?.as_str()?.to_owned();
                        let flag = |k: &str| a.get(k).and_then(Value::as_bool).unwrap_or(false);
                        let strings = a.get("StringAttributeConstraints");
                        let numbers = a.get("NumberAttributeConstraints");
                        Some(SchemaAttribute {
                            data_type: AttributeType::parse(
                                a.get("AttributeDataType")
                                    .and_then(Value::as_str)
                                    .unwrap_or("String"),
                            ),
                            mutable: a.get("Mutable").and_then(Value::as_bool).unwrap_or(true),
                            required: flag("Required"),
                            developer_only: flag("DeveloperOnlyAttribute")
                                || name.starts_with("dev:"),
                            min_length: bound(strings.and_then(|c| c.get("MinLength"))),
                            max_length: bound(strings.and_then(|c| c.get("MaxLength"))),
                            min_value: bound(numbers.and_then(|c| c.get("MinValue"))),
                            max_value: bound(numbers.and_then(|c| c.get("MaxValue"))),
                            name,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self { attributes }
    }

    #[must_use]
    pub fn get(&self, name: &str) -> Option<&SchemaAttribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Required attributes missing from `attrs` (an empty value counts as missing).
    #[must_use]
    pub fn missing_required(&self, attrs: &[(String, String)]) -> Vec<String> {
        self.attributes
            .iter()
            .filter(|a| a.required && a.name != "sub")
            .filter(|a| !attrs.iter().any(|(n, v)| *n == a.name && !v.is_empty()))
            .map(|a| a.name.clone())
            .collect()
    }
}

/// An attribute operation's failure: the error code and the message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeError {
    /// `InvalidParameterException` or `NotAuthorizedException`.
    pub code: &'static str,
    pub message: String,
}

impl AttributeError {
    fn invalid(message: impl Into<String>) -> Self {
        Self {
            code: "InvalidParameterException",
            message: message.into(),
        }
    }

    fn unauthorized_write() -> Self {
        Self {
            code: "NotAuthorizedException",
            message: "A client attempted to write unauthorized attribute".into(),
        }
    }
}

impl fmt::Display for AttributeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for AttributeError {}

/// `Invalid email address format.`
pub const INVALID_EMAIL: &str = "Invalid email address format.";
/// `Invalid phone number format.`
pub const INVALID_PHONE: &str = "Invalid phone number format.";

/// Whether `s` is an email address as Cognito accepts it: a local part (dot-atom or
/// quoted string, at most 64 characters), `@`, and a domain of non-empty labels of
/// letters, digits and inner hyphens. No whitespace or control characters anywhere. A
/// domain without a dot is accepted (whether the service requires one is not confirmed).
#[must_use]
pub fn is_email(s: &str) -> bool {
    if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    let local_ok = if local.len() >= 2 && local.starts_with('"') && local.ends_with('"') {
        // A quoted string: any character but an unescaped quote.
        let inner = &local[1..local.len() - 1];
        let mut escaped = false;
        inner.chars().all(|c| {
            let ok = escaped || c != '"';
            escaped = !escaped && c == '\\';
            ok
        }) && !escaped
    } else {
        !local.is_empty()
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c) || !c.is_ascii())
    };
    let domain_ok = !domain.is_empty()
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.chars().count() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    local_ok && local.chars().count() <= 64 && domain_ok
}

/// Whether `s` is a phone number in E.164 form: `+`, a country code not starting with 0,
/// and at most 15 digits in all.
#[must_use]
pub fn is_phone_number(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// Who writes attributes: user operations are limited by the app client's
/// WriteAttributes and cannot touch verification flags or developer-only attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    /// SignUp, UpdateUserAttributes, NEW_PASSWORD_REQUIRED attributes.
    User,
    /// AdminCreateUser, AdminUpdateUserAttributes (IAM-authorised).
    Admin,
}

/// Whether attributes are being set on a new user or changed on an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// SignUp (checks required attributes) or AdminCreateUser (does not).
    Create { check_required: bool },
    /// UpdateUserAttributes, AdminUpdateUserAttributes.
    Update,
}

/// What an app client may read and write (`ReadAttributes`, `WriteAttributes`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientAttributeAccess {
    /// `None`: every attribute is readable.
    pub read: Option<Vec<String>>,
    /// `None`: every attribute a user may write is writable.
    pub write: Option<Vec<String>>,
}

impl ClientAttributeAccess {
    /// The lists in an app client's settings document; a missing or empty list means the
    /// default (everything).
    #[must_use]
    pub fn from_client_settings(settings: &Value) -> Self {
        let list = |key: &str| {
            settings
                .get(key)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect::<Vec<_>>()
                })
                .filter(|v| !v.is_empty())
        };
        Self {
            read: list("ReadAttributes"),
            write: list("WriteAttributes"),
        }
    }

    /// Whether the client may read `name`. `sub` is always readable.
    #[must_use]
    pub fn can_read(&self, name: &str) -> bool {
        name == "sub"
            || self
                .read
                .as_ref()
                .is_none_or(|list| list.iter().any(|n| n == name))
    }

    /// Whether a user may write `name` through this client.
    #[must_use]
    pub fn can_write(&self, schema: &PoolSchema, name: &str) -> bool {
        if NEVER_CLIENT_WRITABLE.contains(&name) {
            return false;
        }
        if schema.get(name).is_some_and(|a| a.developer_only) {
            return false;
        }
        self.write
            .as_ref()
            .is_none_or(|list| list.iter().any(|n| n == name))
    }

    /// The attributes of `attrs` this client may read (for GetUser and tokens).
    #[must_use]
    pub fn readable(&self, attrs: &[(String, String)]) -> Vec<(String, String)> {
        attrs
            .iter()
            .filter(|(n, _)| self.can_read(n))
            .cloned()
            .collect()
    }
}

/// One schema problem: the attribute and the reason text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem {
    name: String,
    reason: String,
}

fn schema_message(mode: WriteMode, problems: &[Problem]) -> String {
    match mode {
        WriteMode::Create { .. } => {
            let items: Vec<String> = problems
                .iter()
                .map(|p| {
                    if p.reason.is_empty() {
                        // The unknown-custom-attribute form carries the name in its text.
                        format!("Type for attribute {{{}}} could not be determined", p.name)
                    } else {
                        format!("{}: {}", p.name, p.reason)
                    }
                })
                .collect();
            format!(
                "Attributes did not conform to the schema: {}",
                items.join("\n")
            )
        }
        WriteMode::Update => problems
            .iter()
            .map(|p| {
                let reason = if p.reason.is_empty() {
                    NOT_IN_SCHEMA
                } else {
                    &p.reason
                };
                format!("user.{}: {}\n", p.name, reason)
            })
            .collect(),
    }
}

const NOT_IN_SCHEMA: &str = "Attribute does not exist in the schema.";
const IMMUTABLE: &str = "Attribute cannot be updated. (changing an immutable attribute)";
const REQUIRED: &str = "The attribute is required";

/// Type and length checks of one value against its schema entry (reasons not confirmed
/// against the service, except that they are schema errors).
fn type_problem(attr: &SchemaAttribute, value: &str) -> Option<String> {
    match attr.data_type {
        AttributeType::String | AttributeType::DateTime => {
            let len = value.chars().count();
            if let Some(max) = attr.max_length.filter(|max| len > *max) {
                return Some(format!("String must be no longer than {max} characters"));
            }
            if let Some(min) = attr.min_length.filter(|min| len < *min) {
                return Some(format!("String must be at least {min} characters long"));
            }
            None
        }
        AttributeType::Number => {
            let Ok(n) = value.trim().parse::<f64>() else {
                return Some("Number attribute value must be a number".into());
            };
            if !n.is_finite() {
                return Some("Number attribute value must be a number".into());
            }
            if let Some(min) = attr.min_value.filter(|min| n < *min) {
                return Some(format!("Number must be greater than or equal to {min}"));
            }
            if let Some(max) = attr.max_value.filter(|max| n > *max) {
                return Some(format!("Number must be less than or equal to {max}"));
            }
            None
        }
        AttributeType::Boolean => (!matches!(value, "true" | "false"))
            .then(|| "Boolean attribute value must be true or false".into()),
    }
}

/// Validates attributes a request wants to set.
///
/// `attrs` are the request's pairs (a `None` value is a missing value); `existing` are the
/// user's current attributes (empty on create). Order: missing values, then schema
/// problems (all reported together), then client permission, then formats.
pub fn validate_write(
    schema: &PoolSchema,
    access: &ClientAttributeAccess,
    writer: Writer,
    mode: WriteMode,
    attrs: &[(String, Option<String>)],
    existing: &[(String, String)],
) -> Result<(), AttributeError> {
    if let Some((name, _)) = attrs.iter().find(|(_, v)| v.is_none()) {
        return Err(AttributeError::invalid(format!(
            "Attribute value for {name} must not be null"
        )));
    }
    let attrs: Vec<(&str, &str)> = attrs
        .iter()
        .filter_map(|(n, v)| v.as_deref().map(|v| (n.as_str(), v)))
        .collect();

    let mut problems = Vec::new();
    for (name, value) in &attrs {
        let Some(attr) = schema.get(name) else {
            let reason = if matches!(mode, WriteMode::Create { .. }) && name.contains("custom:") {
                String::new()
            } else {
                NOT_IN_SCHEMA.to_owned()
            };
            problems.push(Problem {
                name: (*name).to_owned(),
                reason,
            });
            continue;
        };
        let immutable = *name == "sub" || (mode == WriteMode::Update && !attr.mutable);
        if immutable {
            problems.push(Problem {
                name: (*name).to_owned(),
                reason: IMMUTABLE.into(),
            });
            continue;
        }
        if value.len() > MAX_VALUE_BYTES {
            problems.push(Problem {
                name: (*name).to_owned(),
                reason: format!("Attribute value must be no longer than {MAX_VALUE_BYTES} bytes"),
            });
            continue;
        }
        if let Some(reason) = type_problem(attr, value) {
            problems.push(Problem {
                name: (*name).to_owned(),
                reason,
            });
        }
    }
    if let WriteMode::Create {
        check_required: true,
    } = mode
    {
        let given: Vec<(String, String)> = attrs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        for name in schema.missing_required(&given) {
            problems.push(Problem {
                name,
                reason: REQUIRED.into(),
            });
        }
    }
    if !problems.is_empty() {
        return Err(AttributeError::invalid(schema_message(mode, &problems)));
    }

    if writer == Writer::User && attrs.iter().any(|(n, _)| !access.can_write(schema, n)) {
        return Err(AttributeError::unauthorized_write());
    }

    for (name, value) in &attrs {
        match *name {
            "email" if !is_email(value) => return Err(AttributeError::invalid(INVALID_EMAIL)),
            "phone_number" if !is_phone_number(value) => {
                return Err(AttributeError::invalid(INVALID_PHONE));
            }
            _ => {}
        }
    }
    // A verification flag needs the attribute it verifies (texts as emulators record them;
    // not confirmed).
    let has = |name: &str| {
        attrs.iter().any(|(n, _)| *n == name) || existing.iter().any(|(n, _)| n == name)
    };
    if attrs.iter().any(|(n, _)| *n == "email_verified") && !has("email") {
        return Err(AttributeError::invalid(
            "Email is required to verify/un-verify an email",
        ));
    }
    if attrs.iter().any(|(n, _)| *n == "phone_number_verified") && !has("phone_number") {
        return Err(AttributeError::invalid(
            "Phone Number is required to verify/un-verify a phone number",
        ));
    }
    Ok(())
}

/// The user's attributes after an update: new values replace old ones; an email or phone
/// number that changes without its `*_verified` flag in the same request becomes
/// unverified. Values equal to the current ones change nothing.
#[must_use]
pub fn apply_update(
    existing: &[(String, String)],
    updates: &[(String, String)],
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = existing.to_vec();
    let mut set = |name: &str, value: &str| match out.iter_mut().find(|(n, _)| n == name) {
        Some(entry) => entry.1 = value.to_owned(),
        None => out.push((name.to_owned(), value.to_owned())),
    };
    for (attr, flag) in [
        ("email", "email_verified"),
        ("phone_number", "phone_number_verified"),
    ] {
        let new = updates.iter().rev().find(|(n, _)| n == attr);
        let old = existing.iter().find(|(n, _)| n == attr);
        let flag_given = updates.iter().any(|(n, _)| n == flag);
        if let Some((_, value)) = new
            && old.is_none_or(|(_, v)| v != value)
            && !flag_given
        {
            set(flag, "false");
        }
    }
    for (name, value) in updates {
        set(name, value);
    }
    out
}

/// Identifiers a user can sign in with besides the username.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignInAttribute {
    Email,
    PhoneNumber,
    PreferredUsername,
}

impl SignInAttribute {
    /// The attribute name (also `AliasClaim::kind` in the store).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::PhoneNumber => "phone_number",
            Self::PreferredUsername => "preferred_username",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "email" => Some(Self::Email),
            "phone_number" => Some(Self::PhoneNumber),
            "preferred_username" => Some(Self::PreferredUsername),
            _ => None,
        }
    }

    fn verified_flag(self) -> Option<&'static str> {
        match self {
            Self::Email => Some("email_verified"),
            Self::PhoneNumber => Some("phone_number_verified"),
            Self::PreferredUsername => None,
        }
    }

    fn shape_matches(self, value: &str) -> bool {
        match self {
            Self::Email => is_email(value),
            Self::PhoneNumber => is_phone_number(value),
            Self::PreferredUsername => true,
        }
    }
}

/// How users are identified in a pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInConfig {
    /// `UsernameAttributes`: email and/or phone number used as the username.
    pub username_attributes: Vec<SignInAttribute>,
    /// `AliasAttributes`: additional sign-in names.
    pub alias_attributes: Vec<SignInAttribute>,
    /// `UsernameConfiguration.CaseSensitive` (true when absent).
    pub case_sensitive: bool,
}

/// Which create operation asks for a username (their messages differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateOperation {
    SignUp,
    AdminCreateUser,
}

/// The username of a new user and the attributes to store with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUsername {
    pub username: String,
    pub username_key: String,
    pub attributes: Vec<(String, String)>,
}

/// A way to find a user from what a caller typed, in the order to try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Username(String),
    Alias(SignInAttribute, String),
}

impl SignInConfig {
    /// The configuration in a pool settings document.
    #[must_use]
    pub fn from_settings(settings: &Value) -> Self {
        let list = |key: &str| -> Vec<SignInAttribute> {
            settings
                .get(key)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .filter_map(SignInAttribute::parse)
                        .collect()
                })
                .unwrap_or_default()
        };
        Self {
            username_attributes: list("UsernameAttributes"),
            alias_attributes: list("AliasAttributes"),
            case_sensitive: settings
                .get("UsernameConfiguration")
                .and_then(|c| c.get("CaseSensitive"))
                .and_then(Value::as_bool)
                .unwrap_or(true),
        }
    }

    /// The key a username is stored and looked up under.
    #[must_use]
    pub fn username_key(&self, username: &str) -> String {
        if self.case_sensitive {
            username.to_owned()
        } else {
            username.to_lowercase()
        }
    }

    /// The key an alias value is stored and looked up under (phone numbers have no case).
    #[must_use]
    pub fn alias_key(&self, kind: SignInAttribute, value: &str) -> String {
        if self.case_sensitive || kind == SignInAttribute::PhoneNumber {
            value.to_owned()
        } else {
            value.to_lowercase()
        }
    }

    /// Decides the username of a new user. `sub` is the new user's sub (the username in
    /// UsernameAttributes pools); `attrs` the request's attributes.
    pub fn new_username(
        &self,
        requested: &str,
        sub: &str,
        attrs: &[(String, String)],
        op: CreateOperation,
    ) -> Result<NewUsername, AttributeError> {
        let mut attributes = attrs.to_vec();
        if self.username_attributes.is_empty() {
            for (kind, message) in [
                (
                    SignInAttribute::Email,
                    "Username cannot be of email format, since user pool is configured for email alias.",
                ),
                (
                    SignInAttribute::PhoneNumber,
                    "Username cannot be of phone number format, since user pool is configured for phone number alias.",
                ),
            ] {
                if self.alias_attributes.contains(&kind) && kind.shape_matches(requested) {
                    return Err(AttributeError::invalid(message));
                }
            }
            return Ok(NewUsername {
                username: requested.to_owned(),
                username_key: self.username_key(requested),
                attributes,
            });
        }
        let allows = |k| self.username_attributes.contains(&k);
        let kind = if allows(SignInAttribute::Email) && is_email(requested) {
            SignInAttribute::Email
        } else if allows(SignInAttribute::PhoneNumber) && is_phone_number(requested) {
            SignInAttribute::PhoneNumber
        } else {
            let message = match (
                allows(SignInAttribute::Email),
                allows(SignInAttribute::PhoneNumber),
                op,
            ) {
                (true, true, _) => "Username should be either an email or a phone number.",
                // Observed on SignUp (2020); AdminCreateUser answers the other text.
                (true, false, CreateOperation::SignUp) => INVALID_EMAIL,
                (true, false, CreateOperation::AdminCreateUser) => "Username should be an email.",
                _ => "Username should be a phone number.",
            };
            return Err(AttributeError::invalid(message));
        };
        let attr_name = kind.as_str();
        match attributes.iter().find(|(n, _)| n == attr_name) {
            Some((_, value)) if value != requested => {
                let message = match kind {
                    SignInAttribute::Email => {
                        "User email should be empty or same as username, since username attribute is email"
                    }
                    _ => {
                        "User phone number should be empty or same as username, since username attribute is phone number"
                    }
                };
                return Err(AttributeError::invalid(message));
            }
            Some(_) => {}
            None => attributes.push((attr_name.to_owned(), requested.to_owned())),
        }
        Ok(NewUsername {
            username: sub.to_owned(),
            username_key: self.username_key(sub),
            attributes,
        })
    }

    /// The sign-in identifiers a user with `attrs` holds (kind and key), which must be
    /// unique in the pool: username attributes whether verified or not, email and phone
    /// aliases only when verified, preferred_username always.
    #[must_use]
    pub fn alias_claims(&self, attrs: &[(String, String)]) -> Vec<(SignInAttribute, String)> {
        let value = |name: &str| {
            attrs
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let mut claims = Vec::new();
        for kind in &self.username_attributes {
            if let Some(v) = value(kind.as_str()).filter(|v| !v.is_empty()) {
                claims.push((*kind, self.alias_key(*kind, v)));
            }
        }
        for kind in &self.alias_attributes {
            if claims.iter().any(|(k, _)| k == kind) {
                continue;
            }
            let verified = kind
                .verified_flag()
                .is_none_or(|flag| value(flag) == Some("true"));
            if let Some(v) = value(kind.as_str()).filter(|v| !v.is_empty() && verified) {
                claims.push((*kind, self.alias_key(*kind, v)));
            }
        }
        claims
    }

    /// Where to look for the user a caller named `input`: the username first, then each
    /// sign-in attribute whose shape `input` has.
    #[must_use]
    pub fn lookups(&self, input: &str) -> Vec<Lookup> {
        let mut out = vec![Lookup::Username(self.username_key(input))];
        let kinds = self
            .username_attributes
            .iter()
            .chain(self.alias_attributes.iter());
        for kind in kinds {
            let lookup = Lookup::Alias(*kind, self.alias_key(*kind, input));
            if kind.shape_matches(input) && !out.contains(&lookup) {
                out.push(lookup);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn schema() -> PoolSchema {
        PoolSchema::from_settings(&json!({"SchemaAttributes": [
            {"Name": "sub", "AttributeDataType": "String", "Mutable": false, "Required": true,
             "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "2048"}},
            {"Name": "email", "AttributeDataType": "String", "Mutable": true, "Required": true,
             "StringAttributeConstraints": {"MinLength": "0", "MaxLength": "2048"}},
            {"Name": "email_verified", "AttributeDataType": "Boolean", "Mutable": true},
            {"Name": "phone_number", "AttributeDataType": "String", "Mutable": true},
            {"Name": "phone_number_verified", "AttributeDataType": "Boolean", "Mutable": true},
            {"Name": "name", "AttributeDataType": "String", "Mutable": true,
             "StringAttributeConstraints": {"MinLength": "0", "MaxLength": "10"}},
            {"Name": "preferred_username", "AttributeDataType": "String", "Mutable": true},
            {"Name": "birthdate", "AttributeDataType": "String", "Mutable": true,
             "StringAttributeConstraints": {"MinLength": "10", "MaxLength": "10"}},
            {"Name": "custom:tenant", "AttributeDataType": "String", "Mutable": false,
             "DeveloperOnlyAttribute": false},
            {"Name": "custom:level", "AttributeDataType": "Number", "Mutable": true,
             "NumberAttributeConstraints": {"MinValue": "1", "MaxValue": "10"}},
            {"Name": "dev:custom:score", "AttributeDataType": "Number", "Mutable": true,
             "DeveloperOnlyAttribute": true},
            {"Name": "custom:flag", "AttributeDataType": "Boolean", "Mutable": true}
        ]}))
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, Option<String>)> {
        list.iter()
            .map(|(n, v)| ((*n).to_owned(), Some((*v).to_owned())))
            .collect()
    }

    fn owned(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    const SIGN_UP: WriteMode = WriteMode::Create {
        check_required: true,
    };
    const ADMIN_CREATE: WriteMode = WriteMode::Create {
        check_required: false,
    };

    fn check(
        writer: Writer,
        mode: WriteMode,
        attrs: &[(&str, &str)],
    ) -> Result<(), AttributeError> {
        validate_write(
            &schema(),
            &ClientAttributeAccess::default(),
            writer,
            mode,
            &pairs(attrs),
            &[],
        )
    }

    #[test]
    fn schema_is_read_from_settings() {
        let s = schema();
        let name = s.get("name").unwrap();
        assert_eq!(name.max_length, Some(10));
        assert_eq!(name.data_type, AttributeType::String);
        let level = s.get("custom:level").unwrap();
        assert_eq!((level.min_value, level.max_value), (Some(1.0), Some(10.0)));
        assert!(!s.get("custom:tenant").unwrap().mutable);
        assert!(s.get("dev:custom:score").unwrap().developer_only);
        assert_eq!(s.missing_required(&owned(&[("name", "x")])), vec!["email"]);
        assert!(PoolSchema::from_settings(&json!({})).attributes.is_empty());
    }

    #[test]
    fn valid_sign_up() {
        assert_eq!(
            check(
                Writer::User,
                SIGN_UP,
                &[
                    ("email", "a@example.com"),
                    ("name", "Jo"),
                    ("custom:level", "3")
                ]
            ),
            Ok(())
        );
    }

    #[test]
    fn unknown_attributes() {
        let err = check(
            Writer::User,
            SIGN_UP,
            &[("email", "a@b.c"), ("custom:nope", "x")],
        )
        .unwrap_err();
        assert_eq!(err.code, "InvalidParameterException");
        assert_eq!(
            err.message,
            "Attributes did not conform to the schema: Type for attribute {custom:nope} could not be determined"
        );
        let err = check(
            Writer::User,
            SIGN_UP,
            &[("email", "a@b.c"), ("flavor", "x")],
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "Attributes did not conform to the schema: flavor: Attribute does not exist in the schema."
        );
        let err = check(Writer::User, WriteMode::Update, &[("update_email", "x")]).unwrap_err();
        assert_eq!(
            err.message,
            "user.update_email: Attribute does not exist in the schema.\n"
        );
    }

    #[test]
    fn required_attributes_on_sign_up_only() {
        let err = check(Writer::User, SIGN_UP, &[("name", "Jo")]).unwrap_err();
        assert_eq!(
            err.message,
            "Attributes did not conform to the schema: email: The attribute is required"
        );
        assert_eq!(
            check(Writer::Admin, ADMIN_CREATE, &[("name", "Jo")]),
            Ok(())
        );
        assert_eq!(
            check(Writer::User, WriteMode::Update, &[("name", "Jo")]),
            Ok(())
        );
        // Empty counts as missing.
        assert!(check(Writer::User, SIGN_UP, &[("email", "")]).is_err());
    }

    #[test]
    fn immutable_attributes() {
        assert_eq!(
            check(Writer::Admin, ADMIN_CREATE, &[("custom:tenant", "t1")]),
            Ok(())
        );
        let err = check(Writer::Admin, WriteMode::Update, &[("custom:tenant", "t2")]).unwrap_err();
        assert_eq!(
            err.message,
            "user.custom:tenant: Attribute cannot be updated. (changing an immutable attribute)\n"
        );
        assert!(check(Writer::Admin, ADMIN_CREATE, &[("sub", "x")]).is_err());
    }

    #[test]
    fn null_values() {
        let attrs = vec![("name".to_owned(), None)];
        let err = validate_write(
            &schema(),
            &ClientAttributeAccess::default(),
            Writer::User,
            WriteMode::Update,
            &attrs,
            &[],
        )
        .unwrap_err();
        assert_eq!(err.message, "Attribute value for name must not be null");
    }

    #[test]
    fn types_and_bounds() {
        for (attrs, bad) in [
            (vec![("name", "abcdefghijk")], true),
            (vec![("name", "abcdefghij")], false),
            (vec![("birthdate", "2000-1-1")], true),
            (vec![("birthdate", "2000-01-01")], false),
            (vec![("custom:level", "0")], true),
            (vec![("custom:level", "11")], true),
            (vec![("custom:level", "ten")], true),
            (vec![("custom:level", "NaN")], true),
            (vec![("custom:level", "10")], false),
            (vec![("custom:flag", "yes")], true),
            (vec![("custom:flag", "true")], false),
        ] {
            let result = check(Writer::Admin, WriteMode::Update, &attrs);
            assert_eq!(result.is_err(), bad, "{attrs:?}: {result:?}");
            if let Err(e) = result {
                assert!(
                    e.message.starts_with(&format!("user.{}: ", attrs[0].0)),
                    "{e}"
                );
            }
        }
        let long = "x".repeat(MAX_VALUE_BYTES + 1);
        assert!(
            check(
                Writer::Admin,
                WriteMode::Update,
                &[("preferred_username", &long)]
            )
            .is_err()
        );
    }

    #[test]
    fn several_problems_are_reported_together() {
        let err = check(
            Writer::User,
            SIGN_UP,
            &[("name", "abcdefghijklm"), ("x", "1")],
        )
        .unwrap_err();
        let body = err
            .message
            .strip_prefix("Attributes did not conform to the schema: ")
            .unwrap();
        let lines: Vec<&str> = body.split('\n').collect();
        assert_eq!(lines.len(), 3, "{body}");
        assert!(lines[0].starts_with("name: "));
        assert!(lines[1].starts_with("x: "));
        assert_eq!(lines[2], "email: The attribute is required");
    }

    #[test]
    fn formats() {
        let err = check(
            Writer::Admin,
            WriteMode::Update,
            &[("email", "not-an-email")],
        )
        .unwrap_err();
        assert_eq!(err.message, INVALID_EMAIL);
        let err = check(
            Writer::Admin,
            WriteMode::Update,
            &[("phone_number", "+1 555 0100")],
        )
        .unwrap_err();
        assert_eq!(err.message, INVALID_PHONE);
        assert_eq!(
            check(
                Writer::Admin,
                WriteMode::Update,
                &[("phone_number", "+15555550100")]
            ),
            Ok(())
        );
    }

    #[test]
    fn users_cannot_write_verification_flags_or_developer_attributes() {
        for name in [
            "email_verified",
            "phone_number_verified",
            "dev:custom:score",
        ] {
            let value = if name.ends_with("verified") {
                "true"
            } else {
                "5"
            };
            let existing = owned(&[("email", "a@b.c"), ("phone_number", "+15555550100")]);
            let err = validate_write(
                &schema(),
                &ClientAttributeAccess::default(),
                Writer::User,
                WriteMode::Update,
                &pairs(&[(name, value)]),
                &existing,
            )
            .unwrap_err();
            assert_eq!(err.code, "NotAuthorizedException", "{name}");
            assert_eq!(
                err.message,
                "A client attempted to write unauthorized attribute"
            );
            // Administrators can.
            assert_eq!(
                validate_write(
                    &schema(),
                    &ClientAttributeAccess::default(),
                    Writer::Admin,
                    WriteMode::Update,
                    &pairs(&[(name, value)]),
                    &existing,
                ),
                Ok(()),
                "{name}"
            );
        }
    }

    #[test]
    fn client_write_list_limits_users() {
        let access =
            ClientAttributeAccess::from_client_settings(&json!({"WriteAttributes": ["email"]}));
        let run = |writer, name: &str| {
            validate_write(
                &schema(),
                &access,
                writer,
                WriteMode::Update,
                &pairs(&[(name, "Jo")]),
                &[],
            )
        };
        assert_eq!(
            run(Writer::User, "name").unwrap_err().code,
            "NotAuthorizedException"
        );
        assert_eq!(run(Writer::Admin, "name"), Ok(()));
        // Schema problems come before the permission check.
        assert_eq!(
            run(Writer::User, "nope").unwrap_err().code,
            "InvalidParameterException"
        );
    }

    #[test]
    fn verification_flag_needs_its_attribute() {
        let err = check(
            Writer::Admin,
            WriteMode::Update,
            &[("email_verified", "true")],
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "Email is required to verify/un-verify an email"
        );
        assert_eq!(
            validate_write(
                &schema(),
                &ClientAttributeAccess::default(),
                Writer::Admin,
                WriteMode::Update,
                &pairs(&[("email_verified", "true")]),
                &owned(&[("email", "a@b.c")]),
            ),
            Ok(())
        );
        assert!(
            check(
                Writer::Admin,
                WriteMode::Update,
                &[("phone_number_verified", "false")]
            )
            .is_err()
        );
    }

    #[test]
    fn read_access() {
        let all = ClientAttributeAccess::default();
        assert!(all.can_read("custom:tenant"));
        let some = ClientAttributeAccess::from_client_settings(
            &json!({"ReadAttributes": ["email"], "WriteAttributes": []}),
        );
        assert_eq!(some.write, None, "an empty list means the default");
        let attrs = owned(&[("sub", "s"), ("email", "a@b.c"), ("name", "Jo")]);
        assert_eq!(
            some.readable(&attrs),
            owned(&[("sub", "s"), ("email", "a@b.c")])
        );
        assert_eq!(all.readable(&attrs), attrs);
    }

    #[test]
    fn default_write_access_excludes_service_managed_attributes() {
        let all = ClientAttributeAccess::default();
        let s = schema();
        assert!(all.can_write(&s, "name"));
        assert!(all.can_write(&s, "custom:level"));
        assert!(!all.can_write(&s, "sub"));
        assert!(!all.can_write(&s, "email_verified"));
        assert!(!all.can_write(&s, "dev:custom:score"));
        // Even a client listing a flag cannot let users write it.
        let listed = ClientAttributeAccess {
            read: None,
            write: Some(vec!["email_verified".into()]),
        };
        assert!(!listed.can_write(&s, "email_verified"));
    }

    #[test]
    fn updates_unverify_changed_contacts() {
        let existing = owned(&[
            ("email", "a@b.c"),
            ("email_verified", "true"),
            ("name", "A"),
        ]);
        let out = apply_update(&existing, &owned(&[("email", "new@b.c")]));
        assert!(out.contains(&("email".into(), "new@b.c".into())));
        assert!(out.contains(&("email_verified".into(), "false".into())));
        // Same value: still verified.
        let out = apply_update(&existing, &owned(&[("email", "a@b.c")]));
        assert!(out.contains(&("email_verified".into(), "true".into())));
        // Flag given in the same request wins (administrators).
        let out = apply_update(
            &existing,
            &owned(&[("email", "n@b.c"), ("email_verified", "true")]),
        );
        assert!(out.contains(&("email_verified".into(), "true".into())));
        // New phone number without a flag is unverified.
        let out = apply_update(&existing, &owned(&[("phone_number", "+15555550100")]));
        assert!(out.contains(&("phone_number_verified".into(), "false".into())));
        assert!(out.contains(&("name".into(), "A".into())));
    }

    #[test]
    fn email_shapes() {
        for ok in [
            "a@b.c",
            "jane.doe+tag@example.co.uk",
            "user@localhost",
            "\"quoted\"@example.com",
            "üser@exämple.de",
            "a!#$%&'*+/=?^_`{|}~-@x.io",
        ] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@@b.c",
            "a b@c.d",
            "a@b c.d",
            ".a@b.c",
            "a.@b.c",
            "a..b@c.d",
            "a@-b.c",
            "a@b-.c",
            "a@b..c",
            "a@b.c.",
            "a\n@b.c",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn phone_shapes() {
        for ok in ["+15555550100", "+491701234567", "+12", "+123456789012345"] {
            assert!(is_phone_number(ok), "{ok}");
        }
        for bad in [
            "",
            "+",
            "+1",
            "15555550100",
            "+1 555 555 0100",
            "+1-555-555-0100",
            "+(1)5555550100",
            "+0123456",
            "+1234567890123456",
            "+١٢٣٤",
        ] {
            assert!(!is_phone_number(bad), "{bad}");
        }
    }

    fn config(settings: Value) -> SignInConfig {
        SignInConfig::from_settings(&settings)
    }

    #[test]
    fn plain_usernames() {
        let c = config(json!({}));
        assert!(c.case_sensitive);
        let n = c
            .new_username("Bob", "sub-1", &[], CreateOperation::SignUp)
            .unwrap();
        assert_eq!(
            (n.username.as_str(), n.username_key.as_str()),
            ("Bob", "Bob")
        );
        // Without aliases, an email-shaped username is fine.
        assert!(
            c.new_username("bob@x.io", "s", &[], CreateOperation::SignUp)
                .is_ok()
        );
    }

    #[test]
    fn case_insensitive_pools_normalise_keys() {
        let c = config(json!({"UsernameConfiguration": {"CaseSensitive": false},
                              "AliasAttributes": ["email", "preferred_username", "phone_number"]}));
        let n = c
            .new_username("Bob", "s", &[], CreateOperation::SignUp)
            .unwrap();
        assert_eq!(n.username, "Bob", "stored as given");
        assert_eq!(n.username_key, "bob");
        assert_eq!(c.alias_key(SignInAttribute::Email, "A@B.C"), "a@b.c");
        assert_eq!(c.alias_key(SignInAttribute::PreferredUsername, "Jo"), "jo");
        let sensitive = config(json!({"UsernameConfiguration": {"CaseSensitive": true}}));
        assert_eq!(sensitive.username_key("Bob"), "Bob");
        assert_eq!(
            sensitive.alias_key(SignInAttribute::Email, "A@B.C"),
            "A@B.C"
        );
    }

    #[test]
    fn alias_pools_refuse_alias_shaped_usernames() {
        let c = config(json!({"AliasAttributes": ["email", "phone_number"]}));
        let err = c
            .new_username("bob@x.io", "s", &[], CreateOperation::SignUp)
            .unwrap_err();
        assert_eq!(
            err.message,
            "Username cannot be of email format, since user pool is configured for email alias."
        );
        let err = c
            .new_username("+15555550100", "s", &[], CreateOperation::AdminCreateUser)
            .unwrap_err();
        assert_eq!(
            err.message,
            "Username cannot be of phone number format, since user pool is configured for phone number alias."
        );
        let only_email = config(json!({"AliasAttributes": ["email"]}));
        assert!(
            only_email
                .new_username("+15555550100", "s", &[], CreateOperation::SignUp)
                .is_ok()
        );
    }

    #[test]
    fn username_attribute_pools_use_the_sub() {
        let c = config(json!({"UsernameAttributes": ["email"]}));
        let n = c
            .new_username(
                "jane@example.com",
                "84514837-dcbc",
                &[],
                CreateOperation::SignUp,
            )
            .unwrap();
        assert_eq!(n.username, "84514837-dcbc");
        assert_eq!(n.attributes, owned(&[("email", "jane@example.com")]));
        // Same value in the attributes is fine; a different one is refused.
        assert!(
            c.new_username(
                "jane@example.com",
                "s",
                &owned(&[("email", "jane@example.com")]),
                CreateOperation::SignUp
            )
            .is_ok()
        );
        let err = c
            .new_username(
                "jane@example.com",
                "s",
                &owned(&[("email", "other@example.com")]),
                CreateOperation::AdminCreateUser,
            )
            .unwrap_err();
        assert_eq!(
            err.message,
            "User email should be empty or same as username, since username attribute is email"
        );
    }

    #[test]
    fn username_attribute_shape_errors() {
        let email = config(json!({"UsernameAttributes": ["email"]}));
        let phone = config(json!({"UsernameAttributes": ["phone_number"]}));
        let both = config(json!({"UsernameAttributes": ["email", "phone_number"]}));
        let msg = |c: &SignInConfig, op| c.new_username("bob", "s", &[], op).unwrap_err().message;
        assert_eq!(
            msg(&email, CreateOperation::AdminCreateUser),
            "Username should be an email."
        );
        assert_eq!(
            msg(&email, CreateOperation::SignUp),
            "Invalid email address format."
        );
        assert_eq!(
            msg(&phone, CreateOperation::SignUp),
            "Username should be a phone number."
        );
        assert_eq!(
            msg(&both, CreateOperation::SignUp),
            "Username should be either an email or a phone number."
        );
        let n = both
            .new_username("+15555550100", "s", &[], CreateOperation::SignUp)
            .unwrap();
        assert_eq!(n.attributes, owned(&[("phone_number", "+15555550100")]));
    }

    #[test]
    fn alias_claims_follow_verification() {
        let alias = config(
            json!({"AliasAttributes": ["email", "phone_number", "preferred_username"],
                                  "UsernameConfiguration": {"CaseSensitive": false}}),
        );
        let unverified = owned(&[
            ("email", "Jane@X.io"),
            ("email_verified", "false"),
            ("phone_number", "+15555550100"),
            ("preferred_username", "JJ"),
        ]);
        assert_eq!(
            alias.alias_claims(&unverified),
            vec![(SignInAttribute::PreferredUsername, "jj".into())]
        );
        let verified = owned(&[
            ("email", "Jane@X.io"),
            ("email_verified", "true"),
            ("phone_number", "+15555550100"),
            ("phone_number_verified", "true"),
        ]);
        assert_eq!(
            alias.alias_claims(&verified),
            vec![
                (SignInAttribute::Email, "jane@x.io".into()),
                (SignInAttribute::PhoneNumber, "+15555550100".into())
            ]
        );
        // Username attributes are unique whether verified or not.
        let username_attr = config(json!({"UsernameAttributes": ["email"]}));
        assert_eq!(
            username_attr.alias_claims(&owned(&[("email", "a@b.c"), ("email_verified", "false")])),
            vec![(SignInAttribute::Email, "a@b.c".into())]
        );
    }

    #[test]
    fn lookups_try_username_then_matching_aliases() {
        let c = config(json!({"AliasAttributes": ["email", "phone_number", "preferred_username"]}));
        assert_eq!(
            c.lookups("jane@x.io"),
            vec![
                Lookup::Username("jane@x.io".into()),
                Lookup::Alias(SignInAttribute::Email, "jane@x.io".into()),
                Lookup::Alias(SignInAttribute::PreferredUsername, "jane@x.io".into()),
            ]
        );
        assert_eq!(
            c.lookups("bob"),
            vec![
                Lookup::Username("bob".into()),
                Lookup::Alias(SignInAttribute::PreferredUsername, "bob".into()),
            ]
        );
        let plain = config(json!({}));
        assert_eq!(
            plain.lookups("x@y.z"),
            vec![Lookup::Username("x@y.z".into())]
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]
        #[test]
        fn format_checks_never_panic(s in "\\PC{0,80}") {
            let _ = is_email(&s);
            let _ = is_phone_number(&s);
            let _ = SignInConfig::from_settings(&json!({"AliasAttributes": ["email", "phone_number"]}))
                .new_username(&s, "sub", &[], CreateOperation::SignUp);
        }

        #[test]
        fn email_like_input_never_panics(s in "[a-z\"@. \\-\\\\]{0,30}") {
            let _ = is_email(&s);
        }
    }
}
