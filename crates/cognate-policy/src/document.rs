//! IAM policy documents: parsing with IAM's grammar for identity-based policies, and
//! whether one statement applies to a request.
//!
//! Accepted: `Version` (`2012-10-17`; `2008-10-17` or none, where `${...}` is plain text, as
//! IAM does), `Id`, and `Statement` as one object or an array. A statement has `Sid`
//! (letters and digits, unique in the document), `Effect` (`Allow` or `Deny`), exactly one
//! of `Action`/`NotAction` and exactly one of `Resource`/`NotResource` (each a string or a
//! non-empty array of strings) and optionally `Condition`. `Principal` and `NotPrincipal`
//! belong to resource policies and are refused here, as IAM refuses them in a role's
//! permission policy.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::condition::{Clause, parse_condition};
use crate::context::RequestContext;
use crate::error::PolicyError;
use crate::pattern::{Template, Tok, glob, lowercase_tokens, restrict_to_arn_segments};

pub const VERSION_2012: &str = "2012-10-17";
pub const VERSION_2008: &str = "2008-10-17";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// A parsed, valid policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub(crate) version: Option<String>,
    pub(crate) statements: Vec<Statement>,
    literal_variables: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Statement {
    pub(crate) sid: Option<String>,
    pub(crate) effect: Effect,
    /// `true` for NotAction.
    not_action: bool,
    /// Lower-cased tokens: actions compare case-insensitively.
    actions: Vec<Vec<Tok>>,
    not_resource: bool,
    resources: Vec<Template>,
    conditions: Vec<Clause>,
}

impl Policy {
    /// Parses a document from JSON text.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| PolicyError::new("", format!("not valid JSON: {e}")))?;
        Self::from_value(&value)
    }

    /// Parses a document already read as JSON.
    pub fn from_value(value: &Value) -> Result<Self, PolicyError> {
        let Value::Object(doc) = value else {
            return Err(PolicyError::new(
                "",
                "a policy document must be a JSON object",
            ));
        };
        for key in doc.keys() {
            if !matches!(key.as_str(), "Version" | "Id" | "Statement") {
                return Err(PolicyError::new(key, "unknown policy element"));
            }
        }
        let version = match doc.get("Version") {
            None => None,
            Some(Value::String(v)) if v == VERSION_2012 || v == VERSION_2008 => Some(v.clone()),
            Some(_) => {
                return Err(PolicyError::new(
                    "Version",
                    format!("must be \"{VERSION_2012}\" (or the older \"{VERSION_2008}\")"),
                ));
            }
        };
        if doc.get("Id").is_some_and(|id| !id.is_string()) {
            return Err(PolicyError::new("Id", "must be a string"));
        }
        let variables = version.as_deref() == Some(VERSION_2012);
        let statements = match doc.get("Statement") {
            None => return Err(PolicyError::new("Statement", "missing required element")),
            Some(Value::Array(items)) if items.is_empty() => {
                return Err(PolicyError::new("Statement", "must not be empty"));
            }
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, s)| parse_statement(s, &format!("Statement[{i}]"), variables))
                .collect::<Result<Vec<_>, _>>()?,
            Some(single) => vec![parse_statement(single, "Statement", variables)?],
        };
        let mut sids = BTreeSet::new();
        for (i, statement) in statements.iter().enumerate() {
            if let Some(sid) = &statement.sid
                && !sids.insert(sid.as_str())
            {
                return Err(PolicyError::new(
                    format!("Statement[{i}].Sid"),
                    format!("duplicate statement id \"{sid}\": Sids must be unique in a policy"),
                ));
            }
        }
        Ok(Self {
            version,
            statements,
            literal_variables: !variables
                && doc.get("Statement").is_some_and(contains_variable_text),
        })
    }

    /// `true` when `${...}` in the document are policy variables (Version 2012-10-17).
    pub fn uses_variables(&self) -> bool {
        self.version.as_deref() == Some(VERSION_2012)
    }

    /// Things IAM accepts but an author rarely means: `${...}` in a document without
    /// Version 2012-10-17 is plain text, so such a statement never matches a real resource.
    pub fn warnings(&self) -> Vec<String> {
        if self.literal_variables {
            vec![format!(
                "the document has no \"Version\": \"{VERSION_2012}\", so ${{...}} in it is plain text, not a policy variable"
            )]
        } else {
            Vec::new()
        }
    }
}

fn contains_variable_text(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains("${"),
        Value::Array(items) => items.iter().any(contains_variable_text),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| k.contains("${") || contains_variable_text(v)),
        _ => false,
    }
}

fn parse_statement(value: &Value, path: &str, variables: bool) -> Result<Statement, PolicyError> {
    let Value::Object(s) = value else {
        return Err(PolicyError::new(path, "a statement must be a JSON object"));
    };
    for key in s.keys() {
        match key.as_str() {
            "Sid" | "Effect" | "Action" | "NotAction" | "Resource" | "NotResource"
            | "Condition" => {}
            "Principal" | "NotPrincipal" => {
                return Err(PolicyError::new(
                    format!("{path}.{key}"),
                    "a role's permission policy must not name a principal (it applies to the role's sessions)",
                ));
            }
            _ => {
                return Err(PolicyError::new(
                    format!("{path}.{key}"),
                    "unknown statement element",
                ));
            }
        }
    }
    let sid = match s.get("Sid") {
        None => None,
        Some(Value::String(sid)) if sid.chars().all(|c| c.is_ascii_alphanumeric()) => {
            Some(sid.clone())
        }
        Some(_) => {
            return Err(PolicyError::new(
                format!("{path}.Sid"),
                "a statement id must be a string of ASCII letters and digits",
            ));
        }
    };
    let effect = match s.get("Effect") {
        Some(Value::String(e)) if e == "Allow" => Effect::Allow,
        Some(Value::String(e)) if e == "Deny" => Effect::Deny,
        None => {
            return Err(PolicyError::new(
                format!("{path}.Effect"),
                "missing required element",
            ));
        }
        Some(_) => {
            return Err(PolicyError::new(
                format!("{path}.Effect"),
                "must be \"Allow\" or \"Deny\"",
            ));
        }
    };
    let (not_action, action_strings) = either(s, path, "Action", "NotAction")?;
    let actions = action_strings
        .iter()
        .enumerate()
        .map(|(i, a)| {
            parse_action(a).map_err(|m| {
                PolicyError::new(
                    format!(
                        "{path}.{}[{i}]",
                        if not_action { "NotAction" } else { "Action" }
                    ),
                    m,
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let (not_resource, resource_strings) = either(s, path, "Resource", "NotResource")?;
    let element = if not_resource {
        "NotResource"
    } else {
        "Resource"
    };
    let resources = resource_strings
        .iter()
        .enumerate()
        .map(|(i, r)| {
            parse_resource(r, variables)
                .map_err(|m| PolicyError::new(format!("{path}.{element}[{i}]"), m))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let conditions = match s.get("Condition") {
        None => Vec::new(),
        Some(c) => parse_condition(c, &format!("{path}.Condition"), variables)?,
    };
    Ok(Statement {
        sid,
        effect,
        not_action,
        actions,
        not_resource,
        resources,
        conditions,
    })
}

/// Exactly one of the two elements, as a list of strings.
fn either(
    s: &Map<String, Value>,
    path: &str,
    name: &str,
    negated: &str,
) -> Result<(bool, Vec<String>), PolicyError> {
    let (is_not, value) = match (s.get(name), s.get(negated)) {
        (Some(_), Some(_)) => {
            return Err(PolicyError::new(
                path,
                format!("a statement must not have both {name} and {negated}"),
            ));
        }
        (Some(v), None) => (false, v),
        (None, Some(v)) => (true, v),
        (None, None) => {
            return Err(PolicyError::new(
                path,
                format!("a statement must have {name} or {negated}"),
            ));
        }
    };
    let element = format!("{path}.{}", if is_not { negated } else { name });
    let list = string_or_array(value).ok_or_else(|| {
        PolicyError::new(&element, "must be a string or a non-empty array of strings")
    })?;
    Ok((is_not, list))
}

fn string_or_array(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    }
}

/// `*`, or `service:action` where both parts may hold wildcards; IAM requires the service
/// prefix ("prefaced by a vendor").
fn parse_action(text: &str) -> Result<Vec<Tok>, String> {
    let valid_part = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '*' | '?' | '.'))
    };
    let ok = text == "*"
        || text
            .split_once(':')
            .is_some_and(|(service, action)| valid_part(service) && valid_part(action));
    if !ok {
        return Err(format!(
            "action \"{text}\" must be \"*\" or service:action (e.g. s3:GetObject, s3:Get*)"
        ));
    }
    let template = Template::parse(text, false)?;
    Ok(lowercase_tokens(&template.tokens_without_variables()))
}

/// `*` or an ARN (`arn:partition:service:region:account:resource`, wildcards allowed).
fn parse_resource(text: &str, variables: bool) -> Result<Template, String> {
    let arn_shaped = text.starts_with("arn:") && text.matches(':').count() >= 5;
    let trailing_wildcard = text.starts_with("arn:") && text.ends_with('*');
    if text != "*" && !arn_shaped && !trailing_wildcard {
        return Err(format!(
            "resource \"{text}\" must be \"*\" or an ARN (arn:partition:service:region:account:resource)"
        ));
    }
    Template::parse(text, variables)
}

/// Whether a request action (`service:Name`) is well formed: no wildcards, one colon.
pub(crate) fn valid_request_action(action: &str) -> bool {
    action.split_once(':').is_some_and(|(service, name)| {
        let part = |p: &str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        part(service) && part(name)
    })
}

impl Statement {
    /// Whether this statement applies to the request: its action and resource match and
    /// every condition holds. A variable with no value makes the statement not apply
    /// (IAM: "any attempt to match it fails and causes the statement to be invalid").
    /// `action` is lower-cased; both are split into characters once per request.
    pub(crate) fn applies(&self, action: &[char], resource: &[char], ctx: &RequestContext) -> bool {
        let action_listed = self.actions.iter().any(|p| glob(p, action));
        if action_listed == self.not_action {
            return false;
        }
        let mut resource_patterns = Vec::new();
        for template in &self.resources {
            let Some(alternatives) = template.resolve(ctx) else {
                return false;
            };
            for mut tokens in alternatives {
                restrict_to_arn_segments(&mut tokens);
                resource_patterns.push(tokens);
            }
        }
        let mut clauses = Vec::with_capacity(self.conditions.len());
        for clause in &self.conditions {
            let Some(resolved) = clause.resolve(ctx) else {
                return false;
            };
            clauses.push(resolved);
        }
        let resource_listed = resource_patterns.iter().any(|p| glob(p, resource));
        if resource_listed == self.not_resource {
            return false;
        }
        clauses.iter().all(|c| c.holds(ctx))
    }
}
