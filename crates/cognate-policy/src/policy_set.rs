//! The role policies Cognate evaluates, and the file they are configured in.
//!
//! The file is JSON: role ARN → named permission policies (IAM documents, as objects or as
//! JSON text, the form `aws iam get-role-policy` prints):
//!
//! ```json
//! {
//!   "Roles": {
//!     "arn:aws:iam::000000000000:role/AppAuthRole": {
//!       "Policies": {
//!         "OwnFolder": {
//!           "Version": "2012-10-17",
//!           "Statement": [{
//!             "Effect": "Allow",
//!             "Action": ["s3:GetObject", "s3:PutObject"],
//!             "Resource": "arn:aws:s3:::bucket/users/${cognito-identity.amazonaws.com:sub}/*"
//!           }]
//!         }
//!       }
//!     }
//!   }
//! }
//! ```
//!
//! Everything is checked when the file is read; the first problem is reported with its
//! place (`Roles["arn..."].Policies.OwnFolder: Statement[0].Effect: ...`).

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde_json::Value;

use crate::document::Policy;

/// Larger files are refused rather than read: policies are small (IAM allows 10,240
/// characters of inline policy per role).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct NamedPolicy {
    pub name: String,
    pub policy: Policy,
}

/// Role ARN → its permission policies.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicySet {
    roles: BTreeMap<String, Vec<NamedPolicy>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub message: String,
}

impl LoadError {
    fn at(place: impl fmt::Display, message: impl fmt::Display) -> Self {
        Self {
            message: format!("{place}: {message}"),
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LoadError {}

impl PolicySet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads and checks a policies file.
    pub fn load(path: &Path) -> Result<Self, LoadError> {
        let shown = path.display();
        let size = std::fs::metadata(path)
            .map_err(|e| LoadError::at(&shown, format!("cannot read: {e}")))?
            .len();
        if size > MAX_FILE_BYTES {
            return Err(LoadError::at(
                &shown,
                format!("larger than {MAX_FILE_BYTES} bytes"),
            ));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| LoadError::at(&shown, format!("cannot read: {e}")))?;
        Self::from_json(&text).map_err(|e| LoadError::at(&shown, e))
    }

    /// Parses and checks the file's text.
    pub fn from_json(text: &str) -> Result<Self, LoadError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| LoadError::at("policies file", format!("not valid JSON: {e}")))?;
        let Value::Object(top) = value else {
            return Err(LoadError::at(
                "policies file",
                "must be a JSON object with \"Roles\"",
            ));
        };
        if let Some(key) = top.keys().find(|k| k.as_str() != "Roles") {
            return Err(LoadError::at(
                key,
                "unknown element (expected only \"Roles\")",
            ));
        }
        let roles = match top.get("Roles") {
            Some(Value::Object(roles)) => roles,
            Some(_) => {
                return Err(LoadError::at(
                    "Roles",
                    "must be an object keyed by role ARN",
                ));
            }
            None => return Err(LoadError::at("Roles", "missing")),
        };
        let mut set = PolicySet::new();
        for (arn, role) in roles {
            let place = format!("Roles[\"{arn}\"]");
            check_role_arn(arn).map_err(|m| LoadError::at(&place, m))?;
            let Value::Object(role) = role else {
                return Err(LoadError::at(&place, "must be an object with \"Policies\""));
            };
            if let Some(key) = role.keys().find(|k| k.as_str() != "Policies") {
                return Err(LoadError::at(
                    format!("{place}.{key}"),
                    "unknown element (expected only \"Policies\")",
                ));
            }
            let Some(Value::Object(policies)) = role.get("Policies") else {
                return Err(LoadError::at(
                    format!("{place}.Policies"),
                    "missing, or not an object of policy name → policy document",
                ));
            };
            for (name, document) in policies {
                let place = format!("{place}.Policies.{name}");
                let policy = match document {
                    Value::String(text) => Policy::parse(text),
                    other => Policy::from_value(other),
                }
                .map_err(|e| LoadError::at(&place, e))?;
                set.insert(arn, name, policy)
                    .map_err(|e| LoadError::at(&place, e))?;
            }
        }
        Ok(set)
    }

    /// Adds (or replaces) one named policy of a role.
    pub fn insert(&mut self, role_arn: &str, name: &str, policy: Policy) -> Result<(), LoadError> {
        check_role_arn(role_arn).map_err(|m| LoadError::at(role_arn, m))?;
        check_policy_name(name).map_err(|m| LoadError::at(name, m))?;
        let policies = self.roles.entry(role_arn.to_owned()).or_default();
        policies.retain(|p| p.name != name);
        policies.push(NamedPolicy {
            name: name.to_owned(),
            policy,
        });
        Ok(())
    }

    /// The role's policies; none for a role the file does not name (so everything it
    /// asks is denied by default).
    pub fn policies_for(&self, role_arn: &str) -> &[NamedPolicy] {
        self.roles.get(role_arn).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn roles(&self) -> impl Iterator<Item = &str> {
        self.roles.keys().map(String::as_str)
    }

    /// Warnings worth logging at load (see `Policy::warnings`), each with its place.
    pub fn warnings(&self) -> Vec<String> {
        self.roles
            .iter()
            .flat_map(|(arn, policies)| {
                policies.iter().flat_map(move |p| {
                    p.policy
                        .warnings()
                        .into_iter()
                        .map(move |w| format!("Roles[\"{arn}\"].Policies.{}: {w}", p.name))
                })
            })
            .collect()
    }
}

/// `arn:<partition>:iam::<12 digits>:role/<path/>name`.
fn check_role_arn(arn: &str) -> Result<(), String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let valid = match parts.as_slice() {
        ["arn", partition, "iam", "", account, resource] => {
            !partition.is_empty()
                && account.len() == 12
                && account.chars().all(|c| c.is_ascii_digit())
                && resource.strip_prefix("role/").is_some_and(|name| {
                    !name.is_empty()
                        && !name.ends_with('/')
                        && name
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
                })
        }
        _ => false,
    };
    if valid {
        Ok(())
    } else {
        Err("not a role ARN (arn:aws:iam::<12-digit account>:role/<name>)".to_owned())
    }
}

/// IAM's policy-name rule: 1–128 of letters, digits and `+=,.@_-`.
fn check_policy_name(name: &str) -> Result<(), String> {
    let valid = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if valid {
        Ok(())
    } else {
        Err("a policy name must be 1-128 letters, digits or +=,.@_-".to_owned())
    }
}
